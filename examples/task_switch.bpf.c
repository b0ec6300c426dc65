// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Counts switches per (prev pid, current pid), with bcc's lookup_or_try_init. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <probekit/maps.bpf.h>

#include "task_switch.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
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
int BPF_PROG(tb_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return count_sched(prev->pid, next->pid);
}

SEC("tracepoint/sched/sched_switch")
int tp_sched_switch(struct trace_event_raw_sched_switch *ctx)
{
	return count_sched(ctx->prev_pid, ctx->next_pid);
}

char LICENSE[] SEC("license") = "GPL";
