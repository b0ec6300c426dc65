// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * printk_sample: bpf_trace_printk() on execve, read back with
 * pk_trace_pipe__next_fields(), bcc's trace_fields(). Ctrl-C ends it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <probekit/probekit.h>

#include "printk_sample.skel.h"

static volatile sig_atomic_t stop;

static void on_sigint(int sig)
{
	(void)sig;
	stop = 1;
}

static int wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 200) > 0;
}

int main(void)
{
	LIBBPF_OPTS(pk_trace_pipe_opts, tp_opts, .nonblock = true);
	struct sigaction sa = { .sa_handler = on_sigint }; /* no SA_RESTART: reads stop */
	struct printk_sample_bpf *skel = printk_sample_bpf__open_and_load();
	/* each failure's errno, before a later call changes it */
	int why = skel ? 0 : errno;
	struct pk_trace_pipe *tp = pk_trace_pipe__open(&tp_opts);
	int tp_why = tp ? 0 : errno;
	struct pk_trace_fields f;
	int err = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	if (!why)
		why = tp_why;
	if (!why && printk_sample_bpf__attach(skel))
		why = errno;
	if (why || !skel || !tp) {
		fprintf(stderr, "printk_sample: %s\n", strerror(why ? why : EINVAL));
		goto out;
	}
	printf("%-6s %-12s %s\n", "PID", "COMM", "OUTPUT");
	while (!stop) {
		err = pk_trace_pipe__next_fields(tp, &f);
		/* poll, so that a Ctrl-C between reads is seen at once */
		if (err == -EAGAIN) {
			fflush(stdout);
			wait_readable(pk_trace_pipe__fd(tp));
			continue;
		}
		if (err == -EINTR)
			continue;
		if (err)
			break;
		printf("%-6d %-12.12s ", f.pid, f.task);
		pk_fput_text(stdout, f.msg, f.msg_len);
		putchar('\n');
	}
	err = stop ? 0 : 1;
out:
	pk_trace_pipe__free(tp);
	printk_sample_bpf__destroy(skel);
	return err;
}
