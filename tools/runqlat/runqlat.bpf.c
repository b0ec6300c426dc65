// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * runqlat: run-queue (scheduler) latency as a log2 histogram, as bcc's
 * runqlat measures it: from a task's wakeup (sched_wakeup,
 * sched_wakeup_new), or from its being switched out while still queued
 * (preempted, or yielding), to its next switch in (sched_switch). -P and -L
 * give one histogram per process or thread, -m milliseconds, -i one
 * histogram per interval, each emptied when printed (PK_TOOL_CLEAR). The
 * whole tool is this file.
 *
 * One group, three programs a member: raw_tp first (the same CO-RE code as
 * tp_btf, as cheap, and it needs no kernel BTF ids to attach), then tp_btf,
 * then the classic tracepoints. Those give the woken task's tid but not its
 * process, so there -p matches the thread id (the same for a process of one
 * thread).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "sched.bpf.h"
#include "tool.bpf.h"

PK_TOOL_SUMMARY("Summarize run queue (scheduler) latency as a histogram.");
PK_TOOL_EXAMPLE("runqlat              # summarize run queue latency until Ctrl-C");
PK_TOOL_EXAMPLE("runqlat -m 5         # a histogram in milliseconds every 5 seconds");
PK_TOOL_EXAMPLE("runqlat 1 10         # every second, 10 times, then exit");
PK_TOOL_EXAMPLE("runqlat -P           # one histogram per process");
PK_TOOL_EXAMPLE("runqlat -L -p 185    # one histogram per thread of process 185");
PK_TOOL_BANNER("Tracing run queue latency... Hit Ctrl-C to end.");
PK_TOOL_CLEAR;
/* bcc's [interval [count]]: no interval unless given */
PK_TOOL_INTERVAL_COUNT(0);
PK_PREFER("raw_tp tp_btf tracepoint");

/* -p PID (and -c's command): the woken task's process, not the waker's */
PK_FILTER_PID;

const volatile bool timestamp PK_OPTION(T, "timestamp", "", "include timestamp on output") = false;
/* bcc's summary layout: a blank line before each print, HH:MM:SS under -T */
PK_TOOL_STAMPED(timestamp);
const volatile bool milliseconds PK_OPTION(m, "milliseconds", "",
					   "histograms in milliseconds") = false;
const volatile bool per_process PK_OPTION(P, "pids", "", "one histogram per process") = false;
const volatile bool per_thread PK_OPTION(L, "tids", "", "one histogram per thread") = false;

#define SLOTS 32

/* when each thread was queued: woken, or preempted */
PK_HASH(start, __u32, __u64, 10240) PK_PRIVATE;

/*
 * One of these is filled, as the options say (count() below); the others
 * are neither printed nor exported. Under --metrics each is
 * probekit_runqlat_seconds (the unit made seconds), with a pid or tid label.
 */
#define RUNQLAT_METRIC PK_METRIC_NAME("probekit_runqlat_seconds")
PK_HIST(usecs, SLOTS) PK_TABLE_UNLESS(per_thread) PK_TABLE_UNLESS(per_process)
	PK_TABLE_UNLESS(milliseconds) RUNQLAT_METRIC;
PK_HIST(msecs, SLOTS) PK_TABLE_UNLESS(per_thread) PK_TABLE_UNLESS(per_process)
	PK_TABLE_WHEN(milliseconds) RUNQLAT_METRIC;
PK_HIST_KEYED(pid_usecs, __u32, SLOTS) PK_HIST_SECTION("pid") PK_TABLE_UNLESS(per_thread)
	PK_TABLE_WHEN(per_process) PK_TABLE_UNLESS(milliseconds) RUNQLAT_METRIC;
PK_HIST_KEYED(pid_msecs, __u32, SLOTS) PK_HIST_SECTION("pid") PK_TABLE_UNLESS(per_thread)
	PK_TABLE_WHEN(per_process) PK_TABLE_WHEN(milliseconds) RUNQLAT_METRIC;
PK_HIST_KEYED(tid_usecs, __u32, SLOTS) PK_HIST_SECTION("tid") PK_TABLE_WHEN(per_thread)
	PK_TABLE_UNLESS(milliseconds) RUNQLAT_METRIC;
PK_HIST_KEYED(tid_msecs, __u32, SLOTS) PK_HIST_SECTION("tid") PK_TABLE_WHEN(per_thread)
	PK_TABLE_WHEN(milliseconds) RUNQLAT_METRIC;

static __always_inline bool traced(__u32 tgid)
{
	return !pk_filter_tgid || tgid == pk_filter_tgid;
}

static __always_inline int enqueue(__u32 tid, __u32 tgid)
{
	__u64 ts;

	if (!tid || !traced(tgid))
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
	return 0;
}

static __always_inline void count(__u32 tid, __u32 tgid, __u64 delta)
{
	if (milliseconds)
		delta /= 1000000;
	else
		delta /= 1000;
	if (per_thread && milliseconds)
		pk_hist_add_keyed(&tid_msecs, &tid, delta);
	else if (per_thread)
		pk_hist_add_keyed(&tid_usecs, &tid, delta);
	else if (per_process && milliseconds)
		pk_hist_add_keyed(&pid_msecs, &tgid, delta);
	else if (per_process)
		pk_hist_add_keyed(&pid_usecs, &tgid, delta);
	else if (milliseconds)
		pk_hist_add(&msecs, delta);
	else
		pk_hist_add(&usecs, delta);
}

static __always_inline int switched(bool preempted, __u32 prev_tid, __u32 prev_tgid, __u32 next_tid,
				    __u32 next_tgid)
{
	__u64 *tsp;

	if (preempted)
		enqueue(prev_tid, prev_tgid);
	if (!next_tid || !traced(next_tgid))
		return 0;
	tsp = bpf_map_lookup_elem(&start, &next_tid);
	if (!tsp)
		return 0;
	count(next_tid, next_tgid, bpf_ktime_get_ns() - *tsp);
	bpf_map_delete_elem(&start, &next_tid);
	return 0;
}

/* pk_switched_out_queued(): a preempted task, or a runnable one, stays queued */
static __always_inline int switched_tasks(bool preempt, struct task_struct *prev,
					  struct task_struct *next)
{
	return switched(pk_switched_out_queued(preempt, prev), BPF_CORE_READ(prev, pid),
			BPF_CORE_READ(prev, tgid), BPF_CORE_READ(next, pid),
			BPF_CORE_READ(next, tgid));
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(rq__raw_tp_wakeup, struct task_struct *p)
{
	return enqueue(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid));
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(rq__raw_tp_wakeup_new, struct task_struct *p)
{
	return enqueue(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid));
}

SEC("raw_tp/sched_switch")
int BPF_PROG(rq__raw_tp_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return switched_tasks(preempt, prev, next);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(rq__tp_btf_wakeup, struct task_struct *p)
{
	return enqueue(p->pid, p->tgid);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(rq__tp_btf_wakeup_new, struct task_struct *p)
{
	return enqueue(p->pid, p->tgid);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(rq__tp_btf_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return switched_tasks(preempt, prev, next);
}

/* the classic tracepoints name tids only: -p compares the tid */
SEC("tracepoint/sched/sched_wakeup")
int rq__tp_wakeup(struct trace_event_raw_sched_wakeup_template *ctx)
{
	return enqueue(ctx->pid, ctx->pid);
}

SEC("tracepoint/sched/sched_wakeup_new")
int rq__tp_wakeup_new(struct trace_event_raw_sched_wakeup_template *ctx)
{
	return enqueue(ctx->pid, ctx->pid);
}

SEC("tracepoint/sched/sched_switch")
int rq__tp_switch(struct trace_event_raw_sched_switch *ctx)
{
	/* the previous task is current */
	return switched(pk_switched_out_queued_tp(ctx->prev_state), ctx->prev_pid,
			bpf_get_current_pid_tgid() >> 32, ctx->next_pid, ctx->next_pid);
}

char LICENSE[] SEC("license") = "GPL";
