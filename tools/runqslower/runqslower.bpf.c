// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * runqslower: one line per wait on a run queue longer than a threshold,
 * as bcc's runqslower prints them: from a task's wakeup (sched_wakeup,
 * sched_wakeup_new), or its being switched out while still queued
 * (preempted, or yielding), to its switch in (sched_switch); -P adds the
 * task it took the CPU from. The same measure as runqlat's; the whole tool
 * is this file.
 *
 * One group, three programs a member: raw_tp first, then tp_btf, then the
 * classic tracepoints, which give the woken task's tid but not its
 * process: there -p matches the thread id.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "sched.bpf.h"

PK_TOOL_SUMMARY("Trace high run queue latency.");
PK_TOOL_EXAMPLE("runqslower            # waits longer than 10000 us (10 ms)");
PK_TOOL_EXAMPLE("runqslower 1000       # longer than 1 ms");
PK_TOOL_EXAMPLE("runqslower -p 123     # process 123 only");
PK_TOOL_EXAMPLE("runqslower -P         # with the task that had the CPU");
PK_TOOL_BANNER("Tracing run queue latency higher than the threshold... Hit Ctrl-C to end.");
PK_PREFER("raw_tp tp_btf tracepoint");

PK_FILTER_PID;
PK_FILTER_TID;

const volatile __u64
    min_us PK_OPTION(, "min-us", "USECS",
		     "only waits of at least USECS microseconds") PK_POSITIONAL = 10000;
const volatile bool previous PK_OPTION(P, "previous", "",
				       "also the task that was on the CPU before") = false;

/* bcc's "%-8s %-16s %-6s %14s %-16s %-6s" */
struct event {
	__u64 ts PK_FMT("clock") PK_HEADER("TIME");
	char comm[16] PK_WIDTH(-16);
	__u32 tid PK_WIDTH(-6);
	__u64 lat_us PK_HEADER("LAT(us)") PK_WIDTH(14);
	char prev_comm[16] PK_HEADER("PREV COMM") PK_WHEN(previous) PK_WIDTH(-16);
	__u32 prev_tid PK_HEADER("PREV TID") PK_WHEN(previous) PK_WIDTH(-6);
};

PK_EVENT(struct event);

/* when each thread was queued */
PK_HASH(start, __u32, __u64, 10240) PK_PRIVATE;

static __always_inline bool traced(__u32 tid, __u32 tgid)
{
	return tid && (!pk_filter_tgid || tgid == pk_filter_tgid) &&
	       (!pk_filter_tid || tid == pk_filter_tid);
}

static __always_inline int enqueue(__u32 tid, __u32 tgid)
{
	__u64 ts;

	if (!traced(tid, tgid))
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
	return 0;
}

static __always_inline int switched(void *ctx, bool queued, __u32 prev_tid, __u32 prev_tgid,
				    __u32 next_tid, __u32 next_tgid, const char *next_comm)
{
	struct event *e;
	__u64 *tsp, now, delta;

	if (queued)
		enqueue(prev_tid, prev_tgid);
	if (!traced(next_tid, next_tgid))
		return 0;
	tsp = bpf_map_lookup_elem(&start, &next_tid);
	if (!tsp)
		return 0;
	now = bpf_ktime_get_ns();
	delta = (now - *tsp) / 1000;
	bpf_map_delete_elem(&start, &next_tid);
	if (delta < min_us)
		return 0;
	e = pk_reserve(struct event);
	if (!e)
		return 0;
	e->ts = now;
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), next_comm);
	e->tid = next_tid;
	e->lat_us = delta;
	/* the previous task is current */
	bpf_get_current_comm(e->prev_comm, sizeof(e->prev_comm));
	e->prev_tid = prev_tid;
	pk_submit(ctx, e);
	return 0;
}

/* A preempted task stays queued whatever its state; otherwise a runnable one does. */
static __always_inline int switched_tasks(void *ctx, bool preempt, struct task_struct *prev,
					  struct task_struct *next)
{
	return switched(ctx, pk_switched_out_queued(preempt, prev), BPF_CORE_READ(prev, pid),
			BPF_CORE_READ(prev, tgid), BPF_CORE_READ(next, pid),
			BPF_CORE_READ(next, tgid), next->comm);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(slow__raw_tp_wakeup, struct task_struct *p)
{
	return enqueue(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid));
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(slow__raw_tp_wakeup_new, struct task_struct *p)
{
	return enqueue(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid));
}

SEC("raw_tp/sched_switch")
int BPF_PROG(slow__raw_tp_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return switched_tasks(ctx, preempt, prev, next);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(slow__tp_btf_wakeup, struct task_struct *p)
{
	return enqueue(p->pid, p->tgid);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(slow__tp_btf_wakeup_new, struct task_struct *p)
{
	return enqueue(p->pid, p->tgid);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(slow__tp_btf_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return switched_tasks(ctx, preempt, prev, next);
}

/* the classic tracepoints name tids only: -p compares the tid */
SEC("tracepoint/sched/sched_wakeup")
int slow__tp_wakeup(struct trace_event_raw_sched_wakeup_template *ctx)
{
	return enqueue(ctx->pid, ctx->pid);
}

SEC("tracepoint/sched/sched_wakeup_new")
int slow__tp_wakeup_new(struct trace_event_raw_sched_wakeup_template *ctx)
{
	return enqueue(ctx->pid, ctx->pid);
}

SEC("tracepoint/sched/sched_switch")
int slow__tp_switch(struct trace_event_raw_sched_switch *ctx)
{
	return switched(ctx, pk_switched_out_queued_tp(ctx->prev_state), ctx->prev_pid,
			bpf_get_current_pid_tgid() >> 32, ctx->next_pid, ctx->next_pid,
			ctx->next_comm);
}

char LICENSE[] SEC("license") = "GPL";
