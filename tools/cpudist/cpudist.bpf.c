// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cpudist: on-CPU time per run as a log2 histogram, as bcc's cpudist
 * measures it: from a thread's switch in to its switch out (sched_switch);
 * -O the time off CPU, from its switch out to its next switch in. -P and
 * -L give one histogram per process or thread, -m milliseconds, -i one
 * histogram per interval, emptied when printed. The idle tasks (pid 0,
 * one per CPU) are left out. The whole tool is this file.
 *
 * One group: raw_tp first (the same CO-RE code as tp_btf, and it needs no
 * kernel BTF ids to attach), then tp_btf, then the classic tracepoint,
 * which names threads only: there -p matches the thread id and -P's
 * buckets are threads (the previous task is current, so its process is
 * known; the next one's is not).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "tool.bpf.h"

PK_TOOL_SUMMARY("Summarize on- and off-CPU time per task as a histogram.");
PK_TOOL_EXAMPLE("cpudist              # on-CPU time per run until Ctrl-C");
PK_TOOL_EXAMPLE("cpudist -O -m 5      # off-CPU time in milliseconds, every 5 seconds");
PK_TOOL_EXAMPLE("cpudist 1 10         # every second, 10 times, then exit");
PK_TOOL_EXAMPLE("cpudist -P           # one histogram per process");
PK_TOOL_EXAMPLE("cpudist -L -p 185    # one histogram per thread of process 185");
PK_TOOL_BANNER("Tracing on-CPU time... Hit Ctrl-C to end.");
PK_TOOL_CLEAR;
/* bcc's [interval [count]]: no interval unless given */
PK_TOOL_INTERVAL_COUNT(0);
PK_PREFER("raw_tp tp_btf tracepoint");

PK_FILTER_PID;

const volatile bool timestamp PK_OPTION(T, "timestamp", "", "include timestamp on output") = false;
/* bcc's summary layout: a blank line before each print, HH:MM:SS under -T */
PK_TOOL_STAMPED(timestamp);
const volatile bool offcpu PK_OPTION(O, "offcpu", "", "measure off-CPU time instead") = false;
const volatile bool milliseconds PK_OPTION(m, "milliseconds", "",
					   "histograms in milliseconds") = false;
const volatile bool per_process PK_OPTION(P, "pids", "", "one histogram per process") = false;
const volatile bool per_thread PK_OPTION(L, "tids", "", "one histogram per thread") = false;

#define SLOTS 32

/* when each thread was switched in (out, with -O) */
PK_HASH(start, __u32, __u64, 10240) PK_PRIVATE;

PK_HIST(usecs, SLOTS);
PK_HIST(msecs, SLOTS);
PK_HIST_KEYED(pid_usecs, __u32, SLOTS) PK_HIST_SECTION("pid");
PK_HIST_KEYED(pid_msecs, __u32, SLOTS) PK_HIST_SECTION("pid");
PK_HIST_KEYED(tid_usecs, __u32, SLOTS) PK_HIST_SECTION("tid");
PK_HIST_KEYED(tid_msecs, __u32, SLOTS) PK_HIST_SECTION("tid");

static __always_inline bool traced(__u32 tid, __u32 tgid)
{
	return tid && (!pk_filter_tgid || tgid == pk_filter_tgid);
}

static __always_inline void store_start(__u32 tid, __u32 tgid, __u64 ts)
{
	if (traced(tid, tgid))
		bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
}

static __always_inline void add(__u32 tid, __u32 tgid, __u64 delta)
{
	delta /= milliseconds ? 1000000 : 1000;
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

static __always_inline void update_hist(__u32 tid, __u32 tgid, __u64 ts)
{
	__u64 *tsp;

	if (!traced(tid, tgid))
		return;
	tsp = bpf_map_lookup_elem(&start, &tid);
	if (!tsp)
		return;
	if (ts > *tsp)
		add(tid, tgid, ts - *tsp);
	bpf_map_delete_elem(&start, &tid);
}

static __always_inline int switched(__u32 prev_tid, __u32 prev_tgid, __u32 next_tid,
				    __u32 next_tgid)
{
	__u64 ts = bpf_ktime_get_ns();

	if (offcpu) {
		store_start(prev_tid, prev_tgid, ts);
		update_hist(next_tid, next_tgid, ts);
	} else {
		update_hist(prev_tid, prev_tgid, ts);
		store_start(next_tid, next_tgid, ts);
	}
	return 0;
}

static __always_inline int switched_tasks(struct task_struct *prev, struct task_struct *next)
{
	return switched(BPF_CORE_READ(prev, pid), BPF_CORE_READ(prev, tgid),
			BPF_CORE_READ(next, pid), BPF_CORE_READ(next, tgid));
}

SEC("raw_tp/sched_switch")
int BPF_PROG(cpu__raw_tp, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return switched_tasks(prev, next);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(cpu__tp_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return switched_tasks(prev, next);
}

SEC("tracepoint/sched/sched_switch")
int cpu__tp(struct trace_event_raw_sched_switch *ctx)
{
	/* the previous task is current */
	return switched(ctx->prev_pid, bpf_get_current_pid_tgid() >> 32, ctx->next_pid,
			ctx->next_pid);
}

char LICENSE[] SEC("license") = "GPL";
