// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * offcputime: time spent blocked (off CPU) per stack, as bcc's offcputime
 * sums it: at sched_switch the task going off CPU is current, so its
 * stacks (where it blocked) and the time are kept; when it is switched
 * back in, the time since is added to that stack's total, in
 * microseconds. Printed at the end as stacks with their totals, -f folded
 * (flamegraph.pl's input) or --svg a flame graph. The whole tool is this
 * file.
 *
 * One group: raw_tp, then tp_btf (the same program), then the classic
 * tracepoint. raw_tp first: unlike tp_btf it attaches without libbpf
 * parsing the whole kernel BTF for the attach id (13.4 -> 2.8 MB peak RSS).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Summarize off-CPU time by stack trace.");
PK_TOOL_EXAMPLE("offcputime 5             # off-CPU stacks of every thread for 5 seconds");
PK_TOOL_EXAMPLE("offcputime -p 185 -f     # process 185, folded for flamegraph.pl");
PK_TOOL_EXAMPLE("offcputime -m 1000 --svg off.svg  # blocks of 1 ms or more, a flame graph");
PK_TOOL_EXAMPLE("offcputime -u -K         # user threads, kernel stacks only");
PK_TOOL_BANNER("Tracing off-CPU time (us) of all threads by user + kernel stack... Hit Ctrl-C "
	       "to end.");
PK_PREFER("raw_tp tp_btf tracepoint");

#ifndef EFAULT
#define EFAULT 14
#endif
#define PF_KTHREAD 0x00200000

PK_FILTER_PID;
PK_FILTER_TID;
/* bcc's [duration] */
PK_TOOL_DURATION_ARG;

const volatile bool user_threads_only PK_OPTION(u, "user-threads-only", "",
						"user threads only (no kernel threads)") = false;
const volatile bool kernel_threads_only PK_OPTION(k, "kernel-threads-only", "",
						  "kernel threads only (no user threads)") = false;
const volatile bool user_stacks_only PK_OPTION(U, "user-stacks-only", "",
					       "user stacks only (no kernel stacks)") = false;
const volatile bool kernel_stacks_only PK_OPTION(K, "kernel-stacks-only", "",
						 "kernel stacks only (no user stacks)") = false;
const volatile __u64 min_block_us PK_OPTION(m, "min-block-time", "USECS",
					    "only blocks of at least USECS microseconds") = 1;
const volatile __u64
    max_block_us PK_OPTION(M, "max-block-time", "USECS",
			   "only blocks of at most USECS microseconds") = (__u64)-1;

struct offcpu_key {
	__u32 pid;
	__u32 tid;
	char comm[16];
	__s32 kstack;
	__s32 ustack;
};

/* where and when each thread went off CPU */
struct blocked {
	struct offcpu_key key;
	__u64 ts;
};

PK_STACK_TRACE(stacks, 16384);
PK_HASH(start, __u32, struct blocked, 10240) PK_PRIVATE;
/* bcc's offcputime's text: its "(pid)" is the thread's */
PK_HASH(usecs, struct offcpu_key, __u64, 16384)
PK_STACK_ROWS_FORMAT("    {kernel}\n{?delimit}    --\n    {user}\n"
		     "    -                {comm} ({tid})\n        {value}\n");

static __always_inline bool traced(__u32 tid, __u32 flags)
{
	if (!tid || pk_filtered())
		return false;
	if (user_threads_only && (flags & PF_KTHREAD))
		return false;
	if (kernel_threads_only && !(flags & PF_KTHREAD))
		return false;
	return true;
}

/* The thread going off CPU is current: its stacks are where it blocked. */
static __always_inline void going_off(void *ctx, __u32 tid, __u32 flags)
{
	struct blocked b = {};

	if (!traced(tid, flags))
		return;
	b.key.pid = bpf_get_current_pid_tgid() >> 32;
	b.key.tid = tid;
	bpf_get_current_comm(b.key.comm, sizeof(b.key.comm));
	b.key.kstack = user_stacks_only ? -EFAULT : pk_stack_id(ctx, &stacks, false);
	b.key.ustack = kernel_stacks_only ? -EFAULT : pk_stack_id(ctx, &stacks, true);
	b.ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &b, BPF_ANY);
}

static __always_inline void coming_on(__u32 tid)
{
	struct blocked *b = bpf_map_lookup_elem(&start, &tid);
	__u64 delta;

	if (!b)
		return;
	delta = (bpf_ktime_get_ns() - b->ts) / 1000;
	if (delta >= min_block_us && delta <= max_block_us)
		pk_increment_by(&usecs, &b->key, delta);
	bpf_map_delete_elem(&start, &tid);
}

static __always_inline int switched(void *ctx, struct task_struct *prev, __u32 next_tid)
{
	going_off(ctx, BPF_CORE_READ(prev, pid), BPF_CORE_READ(prev, flags));
	coming_on(next_tid);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(offcpu__tp_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return switched(ctx, prev, next->pid);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(offcpu__raw_tp, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return switched(ctx, prev, BPF_CORE_READ(next, pid));
}

SEC("tracepoint/sched/sched_switch")
int offcpu__tp(struct trace_event_raw_sched_switch *ctx)
{
	struct task_struct *prev = (void *)bpf_get_current_task();

	going_off(ctx, ctx->prev_pid, BPF_CORE_READ(prev, flags));
	coming_on(ctx->next_pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
