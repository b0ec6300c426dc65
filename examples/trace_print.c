// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * trace_print: printk_sample's program, its lines printed whole with
 * pk_trace_print(), bcc's trace_print(). An argument is a bcc-style format:
 * trace_print '{1} {5}' prints the pid and the message. Ctrl-C ends it.
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

int main(int argc, char **argv)
{
	LIBBPF_OPTS(pk_trace_pipe_opts, tp_opts, .nonblock = true);
	struct sigaction sa = { .sa_handler = on_sigint }; /* no SA_RESTART: reads stop */
	struct pk_trace_format *fmt = argc > 1 ? pk_trace_format__new(argv[1]) : NULL;
	struct printk_sample_bpf *skel = printk_sample_bpf__open_and_load();
	/* each failure's errno, before a later call changes it */
	int why = skel ? 0 : errno;
	struct pk_trace_pipe *tp = pk_trace_pipe__open(&tp_opts);
	int tp_why = tp ? 0 : errno;
	int n = -EINVAL;

	sigaction(SIGINT, &sa, NULL);
	if (!why)
		why = tp_why;
	if (!why && printk_sample_bpf__attach(skel))
		why = errno;
	if (why || !skel || !tp || (argc > 1 && !fmt)) {
		fprintf(stderr, "trace_print: %s\n", strerror(why ? why : EINVAL));
		goto out;
	}
	while (!stop) {
		n = pk_trace_print(tp, stdout, fmt);
		/* wait in poll(), not read(): a Ctrl-C just before a blocking
		 * read would otherwise wait for the next trace line */
		if (n >= 0) {
			fflush(stdout);
			wait_readable(pk_trace_pipe__fd(tp));
		} else if (n < 0 && n != -EINTR) {
			break;
		}
	}
out:
	pk_trace_pipe__free(tp);
	pk_trace_format__free(fmt);
	printk_sample_bpf__destroy(skel);
	return stop ? 0 : 1;
}
