// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * taskswitch: count context switches per (previous pid -> next pid) pair,
 * as the bcc sample task_switch does, and print the pairs by count.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <probekit/probekit.h>

#include "taskswitch.h"
#include "taskswitch.skel.h"

PK_SKEL_OPS(taskswitch_bpf);

static struct {
	pid_t pid;
	unsigned long top;
} env;

static int parse_opt(struct pk_run *run, int key, const char *arg)
{
	switch (key) {
	case 'p':
		/* a thread id: bcc's task_switch keys on those */
		return pk_parse_pid_arg(run, "PID", arg, &env.pid);
	case 't':
		if (pk_parse_ulong(arg, 1000000, &env.top) || !env.top)
			return pk_usage_error(run, "invalid count '%s' for -t: give a number > 0", arg);
		return 0;
	}
	return -EINVAL;
}

static int configure(struct pk_run *run, void *skel_ptr, enum pk_mech mech)
{
	struct taskswitch_bpf *skel = skel_ptr;

	(void)run;
	(void)mech;
	skel->rodata->targ_pid = env.pid;
	return 0;
}

static int start(struct pk_run *run)
{
	if (!pk_run__json(run))
		fprintf(pk_run__out(run), "Counting context switches... Hit Ctrl-C to end.\n");
	return 0;
}

static int by_count(const void *k1, const void *v1, const void *k2, const void *v2, void *ctx)
{
	const struct taskswitch_val *a = v1, *b = v2;
	const struct taskswitch_key *ka = k1, *kb = k2;

	(void)ctx;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	if (ka->prev_pid != kb->prev_pid)
		return ka->prev_pid < kb->prev_pid ? -1 : 1;
	return ka->next_pid < kb->next_pid ? -1 : ka->next_pid > kb->next_pid;
}

static void print_pair(struct pk_run *run, const struct taskswitch_key *k,
		       const struct taskswitch_val *v)
{
	char prev[4 * TASKSWITCH_COMM_LEN + 1], next[4 * TASKSWITCH_COMM_LEN + 1];
	FILE *out = pk_run__out(run);
	struct pk_json j;

	if (pk_run__json(run)) {
		pk_json_begin(&j, out);
		pk_json_uint(&j, "prev_pid", k->prev_pid);
		pk_json_str(&j, "prev_comm", v->prev_comm, sizeof(v->prev_comm));
		pk_json_uint(&j, "next_pid", k->next_pid);
		pk_json_str(&j, "next_comm", v->next_comm, sizeof(v->next_comm));
		pk_json_uint(&j, "count", v->count);
		pk_json_end(&j);
		return;
	}
	pk_escape_text(prev, sizeof(prev), v->prev_comm, sizeof(v->prev_comm));
	pk_escape_text(next, sizeof(next), v->next_comm, sizeof(v->next_comm));
	fprintf(out, "%7u %-16s -> %7u %-16s %8llu\n", k->prev_pid, prev, k->next_pid, next,
		(unsigned long long)v->count);
}

static int finish(struct pk_run *run)
{
	struct taskswitch_bpf *skel = pk_run__skel(run);
	struct pk_map_snapshot *s;
	size_t i, n;

	s = pk_map__snapshot(bpf_map__fd(skel->maps.stats), NULL);
	if (!s) {
		pk_error(run, "cannot read the counts: %s", strerror(errno));
		return -errno;
	}
	pk_map_snapshot__sort(s, by_count, NULL);
	n = pk_map_snapshot__count(s);
	if (env.top && env.top < n)
		n = env.top;
	if (!pk_run__json(run))
		fprintf(pk_run__out(run), "\n%7s %-16s    %7s %-16s %8s\n", "PREV", "PREV_COMM", "NEXT",
			"NEXT_COMM", "COUNT");
	for (i = 0; i < n; i++)
		print_pair(run, pk_map_snapshot__key(s, i), pk_map_snapshot__value(s, i));
	pk_info(run, "%zu pairs, read with %s", pk_map_snapshot__count(s),
		pk_map_snapshot__batched(s) ? "batch lookups" : "get-next-key");
	pk_map_snapshot__free(s);
	return 0;
}

static const struct pk_option options[] = {
	{ "pid", 'p', "PID", "only pairs in which this thread is one side" },
	{ "top", 't', "N", "only the N most frequent pairs" },
	{},
};

static const char *const fentry_progs[] = { "fe_finish_task_switch", NULL };
static const char *const kprobe_progs[] = { "kp_finish_task_switch", NULL };
/* the library finds finish_task_switch.isra.0 where only that exists */
static const struct pk_target kprobe_targets[] = {
	{ "kp_finish_task_switch", "finish_task_switch" },
	{},
};
static const char *const tp_btf_progs[] = { "tb_sched_switch", NULL };
static const char *const raw_tp_progs[] = { "rt_sched_switch", NULL };
static const char *const tp_progs[] = { "tp_sched_switch", NULL };

/*
 * raw_tp first: the same program as tp_btf (its reads are CO-RE reads either
 * way), as cheap as fentry and as quick to detach, and unlike those two it
 * needs no kernel BTF ids to attach, so libbpf never parses the whole kernel
 * BTF (10 MB of tables) when CO-RE can use a cut-down copy (lib/kernel/core_btf.c).
 */
static const struct pk_variant variants[] = {
	{ PK_MECH_RAW_TP, raw_tp_progs, NULL },
	{ PK_MECH_FENTRY, fentry_progs, NULL },
	{ PK_MECH_KPROBE, kprobe_progs, NULL, kprobe_targets },
	{ PK_MECH_TP_BTF, tp_btf_progs, NULL },
	{ PK_MECH_TRACEPOINT, tp_progs, NULL },
	{},
};

const struct pk_tool taskswitch_tool = {
	.name = "taskswitch",
	.summary = "Count context switches per (previous task -> next task) pair.",
	.usage = "[-p PID] [-t N] [-d SECS] [--json]",
	.examples = "  taskswitch               # count until Ctrl-C, then print the pairs\n"
		    "  taskswitch -d 5 -t 10    # the 10 most frequent pairs over 5 seconds\n"
		    "  taskswitch -p 181        # pairs with thread 181 on one side\n",
	.options = options,
	.parse_opt = parse_opt,
	.skel = &taskswitch_bpf_ops,
	.variants = variants,
	.configure = configure,
	.start = start,
	.finish = finish,
	.flags = PK_TOOL_NO_EVENTS,
};
