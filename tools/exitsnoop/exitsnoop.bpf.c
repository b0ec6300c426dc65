// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exitsnoop: every process exit, with bcc's columns (PCOMM PID PPID TID
 * AGE(s) EXIT_CODE) and options. The whole tool is this file: probekit
 * compiles it in, and `probekit run tools/exitsnoop/exitsnoop.bpf.c` runs a
 * copy from source.
 *
 * One tracepoint, sched_process_exit, which the exiting task runs after
 * do_exit() has set its exit_code: a wait status, "code 3" or "signal 9
 * (KILL)" (pk_wstatus_t). Without --per-thread only the thread group
 * leader's exit is shown, which is the process's: its pid, as wait(2) sees
 * it. The age is from the task's start (task->start_time, CLOCK_MONOTONIC
 * as bpf_ktime_get_ns()).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Trace process termination: exit codes, fatal signals and ages.");
PK_TOOL_EXAMPLE("exitsnoop                # trace all process terminations");
PK_TOOL_EXAMPLE("exitsnoop -x             # only failures: non-zero codes and signals");
PK_TOOL_EXAMPLE("exitsnoop -t             # a time column (local time)");
PK_TOOL_EXAMPLE("exitsnoop --utc          # a time column in UTC");
PK_TOOL_EXAMPLE("exitsnoop -p 181         # only process 181");
PK_TOOL_EXAMPLE("exitsnoop --per-thread   # every thread's exit");
PK_TOOL_EXAMPLE("exitsnoop --label exit   # a LABEL column saying exit");

PK_FILTER_PID;
PK_FILTER_UID;

const volatile bool timestamp PK_OPTION(t, "timestamp", "",
					"include a time column (HH:MM:SS.mmm, local time)") = false;
const volatile bool utc PK_OPTION(, "utc", "", "include a time column in UTC (-t implied)") = false;
const volatile bool failed PK_OPTION(x, "failed", "", "only failures: exclude exit(0)") = false;
const volatile bool per_thread PK_OPTION(, "per-thread", "", "trace every thread's exit") = false;
const volatile char label[8] PK_OPTION(, "label", "LABEL", "a LABEL column saying LABEL") = "";

struct event {
	/* bcc's: HH:MM:SS.mmm under TIME-UTC (the zone's name), -t local time, --utc UTC */
	__u64 time PK_FMT("clock:ms") PK_WHEN(timestamp) PK_UNLESS(utc);
	__u64 time_utc PK_FMT("clock:ms:utc") PK_WHEN(utc);
	/* bcc's "%-13s" "%-6s" then "%-16s %-7d %-7d %-7d %-7.2f " */
	char label[8] PK_WHEN(label) PK_WIDTH(-5);
	char comm[16] PK_HEADER("PCOMM") PK_WIDTH(-16);
	__u32 pid PK_WIDTH(-7);
	__u32 ppid PK_WIDTH(-7);
	__u32 tid PK_WIDTH(-7);
	__u64 age PK_DURATION(ns, s) PK_WIDTH(-7) PK_PRECISION(2);
	pk_wstatus_t exit_code;
};

PK_EVENT(struct event);

SEC("tracepoint/sched/sched_process_exit")
int sched_process_exit(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid(), now;
	int code = BPF_CORE_READ(task, exit_code);
	struct event *e;
	int i;

	if (!per_thread && (__u32)id != id >> 32)
		return 0;
	if ((failed && !code) || pk_filtered())
		return 0;
	e = pk_reserve(struct event);
	if (!e)
		return 0;
	now = bpf_ktime_get_ns();
	e->time = now;
	e->time_utc = now;
	for (i = 0; i < sizeof(e->label); i++)
		e->label[i] = label[i];
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->age = now - BPF_CORE_READ(task, start_time);
	e->exit_code = code;
	pk_submit(ctx, e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
