// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * map_values_sample: execve() calls by root and by other users, every
 * SECS seconds (5), printed once through the keys (each value looked up)
 * and once through the values, then cleared. Ctrl-C ends it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <probekit/probekit.h>

#include "map_values_sample.skel.h"

static volatile sig_atomic_t stop;

static void on_sigint(int sig)
{
	(void)sig;
	stop = 1;
}

static void print_round(int fd)
{
	static const char *const who[] = { "root users ", "other users" };
	struct pk_map_snapshot *s = pk_map__snapshot(fd, NULL);
	__u64 value;
	size_t i;

	if (!s)
		return;
	printf("================= results ===================\n[keys(): each key looked up]\n");
	for (i = 0; i < pk_map_snapshot__count(s); i++) {
		__u32 key = *(const __u32 *)pk_map_snapshot__key(s, i);

		if (key < 2 && bpf_map_lookup_elem(fd, &key, &value) == 0)
			printf("%s: %llu execve calls\n", who[key], (unsigned long long)value);
	}
	printf("\n[values(): every value at once]\nroot users , other users\n");
	for (i = 0; i < pk_map_snapshot__count(s); i++)
		printf("%llu (calls)       ", *(const unsigned long long *)pk_map_snapshot__value(s, i));
	printf("\n\n");
	pk_map_snapshot__free(s);
	pk_map__clear(fd);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigint }; /* no SA_RESTART: sleep stops */
	struct map_values_sample_bpf *skel = map_values_sample_bpf__open_and_load();
	unsigned int secs = argc > 1 ? (unsigned int)atoi(argv[1]) : 5;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	if (!skel || map_values_sample_bpf__attach(skel)) {
		fprintf(stderr, "map_values_sample: %s\n", strerror(errno));
		map_values_sample_bpf__destroy(skel);
		return 1;
	}
	printf("Counting execve() calls every %u s... Hit Ctrl-C to end.\n", secs ? secs : 1);
	while (!stop) {
		sleep(secs ? secs : 1);
		print_round(bpf_map__fd(skel->maps.uidcnt));
	}
	map_values_sample_bpf__destroy(skel);
	return 0;
}
