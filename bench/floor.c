// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * floor [--raw] [--stat] [UID]: attaches the openat enter and exit tracepoints
 * (with --raw: the raw sys_enter/sys_exit tracepoints, testing the
 * syscall number; with --stat: newfstatat's rather than openat's) with
 * programs that only count, prints "ready" once attached, and on SIGINT
 * or SIGTERM prints "enter N exit M" and exits. With UID, only that
 * user's calls are counted.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <asm/unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "floor.skel.h"

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
	(void)sig;
	done = 1;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static unsigned long long total(int fd, __u32 slot, int ncpus)
{
	unsigned long long sum = 0;
	__u64 *v = calloc(ncpus, sizeof(*v));
	int i;

	if (v && !bpf_map_lookup_elem(fd, &slot, v)) {
		for (i = 0; i < ncpus; i++)
			sum += v[i];
	}
	free(v);
	return sum;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct floor_bpf *skel;
	sigset_t block, old;
	int ncpus, fd;

	/* blocked until sigsuspend(), so a signal cannot slip in before the wait */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	libbpf_set_print(quiet);
	bool raw = false, stat = false;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		raw |= !strcmp(argv[i], "--raw");
		stat |= !strcmp(argv[i], "--stat");
	}
	skel = floor_bpf__open();
	if (!skel)
		return 1;
	bpf_program__set_autoload(skel->progs.floor_enter, !raw && !stat);
	bpf_program__set_autoload(skel->progs.floor_exit, !raw && !stat);
	bpf_program__set_autoload(skel->progs.floor_stat_enter, !raw && stat);
	bpf_program__set_autoload(skel->progs.floor_stat_exit, !raw && stat);
	bpf_program__set_autoload(skel->progs.floor_raw_enter, raw);
	bpf_program__set_autoload(skel->progs.floor_raw_exit, raw);
	if (stat)
		skel->rodata->targ_nr = __NR_newfstatat;
	if (i < argc)
		skel->rodata->targ_uid = strtoul(argv[i], NULL, 0);
	if (floor_bpf__load(skel) || floor_bpf__attach(skel)) {
		fprintf(stderr, "floor: cannot load or attach: %s\n", strerror(errno));
		floor_bpf__destroy(skel);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!done)
		sigsuspend(&old);
	ncpus = libbpf_num_possible_cpus();
	fd = bpf_map__fd(skel->maps.counts);
	printf("enter %llu exit %llu\n", total(fd, 0, ncpus), total(fd, 1, ncpus));
	floor_bpf__destroy(skel);
	return 0;
}
