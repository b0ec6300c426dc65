// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Counts context switches per (prev pid -> next pid) pair, four ways: on
 * finish_task_switch() (fentry or kprobe, where current is the next task),
 * or on the sched_switch tracepoint (tp_btf, raw_tp or classic).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "taskswitch.h"

const volatile __u32 targ_pid = 0;

PK_HASH(stats, struct taskswitch_key, struct taskswitch_val, 10240);

static __always_inline struct taskswitch_val *count(__u32 prev_pid, __u32 next_pid)
{
	struct taskswitch_key key = { .prev_pid = prev_pid, .next_pid = next_pid };
	static const struct taskswitch_val zero;
	struct taskswitch_val *val;

	if (targ_pid && prev_pid != targ_pid && next_pid != targ_pid)
		return 0;
	val = pk_lookup_or_try_init(&stats, &key, &zero);
	if (val)
		__sync_fetch_and_add(&val->count, 1);
	return val;
}

static __always_inline int count_tasks(struct task_struct *prev, struct task_struct *next)
{
	struct taskswitch_val *val = count(BPF_CORE_READ(prev, pid), BPF_CORE_READ(next, pid));

	if (val) {
		bpf_probe_read_kernel_str(val->prev_comm, sizeof(val->prev_comm), &prev->comm);
		bpf_probe_read_kernel_str(val->next_comm, sizeof(val->next_comm), &next->comm);
	}
	return 0;
}

SEC("fentry/finish_task_switch")
int BPF_PROG(fe_finish_task_switch, struct task_struct *prev)
{
	return count_tasks(prev, (struct task_struct *)bpf_get_current_task());
}

/* no target: the symbol may carry a suffix (.isra.0), found at run time */
SEC("kprobe")
int BPF_KPROBE(kp_finish_task_switch, struct task_struct *prev)
{
	return count_tasks(prev, (struct task_struct *)bpf_get_current_task());
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tb_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return count_tasks(prev, next);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(rt_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return count_tasks(prev, next);
}

SEC("tracepoint/sched/sched_switch")
int tp_sched_switch(struct trace_event_raw_sched_switch *ctx)
{
	struct taskswitch_val *val = count(ctx->prev_pid, ctx->next_pid);

	if (val) {
		bpf_probe_read_kernel(val->prev_comm, sizeof(val->prev_comm), ctx->prev_comm);
		bpf_probe_read_kernel(val->next_comm, sizeof(val->next_comm), ctx->next_comm);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
