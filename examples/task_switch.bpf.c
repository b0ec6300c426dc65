// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bcc's task_switch.py as one file: context switches per (previous task,
 * next task) pair.
 *
 *	sudo probekit run task_switch.bpf.c          # Ctrl-C prints the map:
 *	stats[{prev_pid=0, curr_pid=3397}] = 86
 *
 * The two programs are one fallback group (the stem "sched_switch" before
 * "__"): tp_btf where the kernel has it, the sched_switch tracepoint
 * otherwise. Only one of them is loaded.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <probekit/maps.bpf.h>

struct key_t {
	__u32 prev_pid; /* the task that ran until now */
	__u32 curr_pid; /* the task that runs now */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct key_t);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline int count_sched(__u32 prev_pid, __u32 curr_pid)
{
	struct key_t key = { .prev_pid = prev_pid, .curr_pid = curr_pid };
	__u64 zero = 0, *val = pk_lookup_or_try_init(&stats, &key, &zero);

	if (val)
		(*val)++; /* bcc's sample does this rather than stats.increment(key) */
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch__btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return count_sched(prev->pid, next->pid);
}

SEC("tracepoint/sched/sched_switch")
int sched_switch__tp(struct trace_event_raw_sched_switch *ctx)
{
	return count_sched(ctx->prev_pid, ctx->next_pid);
}

char LICENSE[] SEC("license") = "GPL";
