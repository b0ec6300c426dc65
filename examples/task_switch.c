// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * task_switch: sleeps 100 times for 10 ms to cause context switches, then
 * prints every (prev -> current) pair counted, bcc's items() loop. The
 * loader for task_switch.bpf.c, for a program that embeds probekit; the
 * same file runs alone as `probekit run task_switch.bpf.c`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <probekit/probekit.h>

#include "task_switch.skel.h"

/* as task_switch.bpf.c declares it (a skeleton carries no types) */
struct key_t {
	__u32 prev_pid;
	__u32 curr_pid;
};

PK_SKEL_OPS(task_switch_bpf);

static const char *const tp_btf[] = { "sched_switch__btf", NULL };
static const char *const tracepoint[] = { "sched_switch__tp", NULL };
static const struct pk_variant variants[] = {
	{ .mech = PK_MECH_TP_BTF, .progs = tp_btf },
	{ .mech = PK_MECH_TRACEPOINT, .progs = tracepoint },
	{},
};

int main(void)
{
	struct pk_attach *att = pk_attach__new(&task_switch_bpf_ops, variants, NULL);
	struct pk_map_snapshot *items;
	struct task_switch_bpf *skel;
	size_t i;
	int j;

	if (!att || pk_attach__load(att)) {
		fprintf(stderr, "cannot attach: %s\n", pk_attach__error(att));
		pk_attach__free(att);
		return 1;
	}
	skel = pk_attach__skel(att);
	for (j = 0; j < 100; j++)
		usleep(10000);
	items = pk_map_snapshot__new(bpf_map__fd(skel->maps.stats), NULL);
	if (!items) {
		fprintf(stderr, "cannot read stats: %s\n", strerror(errno));
		pk_attach__free(att);
		return 1;
	}
	for (i = 0; i < pk_map_snapshot__count(items); i++) {
		const struct key_t *k = pk_map_snapshot__key(items, i);
		const __u64 *v = pk_map_snapshot__value(items, i);

		printf("task_switch[%5u->%5u]=%llu\n", k->prev_pid, k->curr_pid,
		       (unsigned long long)*v);
	}
	pk_map_snapshot__free(items);
	pk_attach__free(att);
	return 0;
}
