// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wakeuptime: the time threads spent blocked, summed by who woke them, as
 * bcc's wakeuptime sums it: when a thread is switched out while blocked
 * (sched_switch) the time is kept; when another wakes it (sched_waking,
 * in try_to_wake_up() where the waker is current, where bcc's kprobe is)
 * the time since is added to the total of (waker's kernel stack, waker,
 * woken), in microseconds. Not sched_wakeup: for a wakeup the kernel queues
 * to the sleeper's CPU (TTWU_QUEUE, when that CPU is idle) it fires later
 * on that CPU, with its idle task current, and named swapper/N the waker.
 * Printed at the end as stacks with their totals, -f folded (the woken
 * thread's name first, then the waker's stack) or --svg a flame graph. The
 * whole tool is this file.
 *
 * One group: raw_tp, then tp_btf, then the classic tracepoints. raw_tp
 * first: the same CO-RE programs, which, unlike tp_btf's, attach without
 * libbpf parsing the whole kernel BTF for the attach ids (~10 MB).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "sched.bpf.h"

PK_TOOL_SUMMARY("Summarize sleep to wakeup time by waker kernel stack.");
PK_TOOL_EXAMPLE("wakeuptime 5             # every thread, for 5 seconds");
PK_TOOL_EXAMPLE("wakeuptime -p 185 -f     # threads of process 185 woken, folded");
PK_TOOL_EXAMPLE("wakeuptime -m 1000       # blocks of 1 ms or more");
PK_TOOL_BANNER("Tracing blocked time (us) by kernel stack... Hit Ctrl-C to end.");
PK_PREFER("raw_tp tp_btf tracepoint");

#define PF_KTHREAD 0x00200000

/* -p PID: the process whose threads are woken */
PK_FILTER_PID;
/* bcc's [duration] */
PK_TOOL_DURATION_ARG;

const volatile bool user_threads_only PK_OPTION(u, "user-threads-only", "",
						"user threads only (no kernel threads)") = false;
const volatile __u64 min_block_us PK_OPTION(m, "min-block-time", "USECS",
					    "only blocks of at least USECS microseconds") = 1;
const volatile __u64
    max_block_us PK_OPTION(M, "max-block-time", "USECS",
			   "only blocks of at most USECS microseconds") = (__u64)-1;

struct wakeup_key {
	/* the woken thread's name, which folded lines start with */
	char comm[16];
	char waker[16];
	__u32 waker_pid;
	__s32 kstack;
};

PK_STACK_TRACE(stacks, 16384);
/* when each thread blocked */
PK_HASH(start, __u32, __u64, 10240) PK_PRIVATE;
/* bcc's wakeuptime's text: the target, the waker's stack outermost first
 * with addresses, the waker */
PK_HASH(usecs, struct wakeup_key, __u64, 16384)
PK_STACK_ROWS_FORMAT("    target:          {comm}\n    {addr} {kstack:rev}\n"
		     "    waker:           {waker}\n        {value}\n");

/* The blocked thread is going off CPU: it is current. */
static __always_inline void blocked(__u32 tid, __u32 flags)
{
	__u64 ts;

	if (!tid || pk_filtered() || (user_threads_only && (flags & PF_KTHREAD)))
		return;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
}

/* The waker is current. */
static __always_inline int woken(void *ctx, __u32 tid, const char *comm)
{
	struct wakeup_key key = {};
	__u64 *tsp, delta;

	tsp = bpf_map_lookup_elem(&start, &tid);
	if (!tsp)
		return 0;
	delta = (bpf_ktime_get_ns() - *tsp) / 1000;
	bpf_map_delete_elem(&start, &tid);
	if (delta < min_block_us || delta > max_block_us)
		return 0;
	bpf_probe_read_kernel_str(key.comm, sizeof(key.comm), comm);
	bpf_get_current_comm(key.waker, sizeof(key.waker));
	key.waker_pid = bpf_get_current_pid_tgid() >> 32;
	key.kstack = pk_stack_id(ctx, &stacks, false);
	pk_increment_by(&usecs, &key, delta);
	return 0;
}

static __always_inline int switched(bool preempt, struct task_struct *prev)
{
	if (!pk_switched_out_queued(preempt, prev))
		blocked(BPF_CORE_READ(prev, pid), BPF_CORE_READ(prev, flags));
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(wake__tp_btf_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return switched(preempt, prev);
}

SEC("tp_btf/sched_waking")
int BPF_PROG(wake__tp_btf_waking, struct task_struct *p)
{
	return woken(ctx, p->pid, p->comm);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(wake__raw_tp_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return switched(preempt, prev);
}

SEC("raw_tp/sched_waking")
int BPF_PROG(wake__raw_tp_waking, struct task_struct *p)
{
	return woken(ctx, BPF_CORE_READ(p, pid), p->comm);
}

SEC("tracepoint/sched/sched_switch")
int wake__tp_switch(struct trace_event_raw_sched_switch *ctx)
{
	struct task_struct *prev = (void *)bpf_get_current_task();

	if (!pk_switched_out_queued_tp(ctx->prev_state))
		blocked(ctx->prev_pid, BPF_CORE_READ(prev, flags));
	return 0;
}

SEC("tracepoint/sched/sched_waking")
int wake__tp_waking(struct trace_event_raw_sched_wakeup_template *ctx)
{
	return woken(ctx, ctx->pid, ctx->comm);
}

char LICENSE[] SEC("license") = "GPL";
