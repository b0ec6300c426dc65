// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * taskswitch: context switches per (previous pid -> next pid) pair, as the
 * bcc sample task_switch counts them, printed by count at the end. The
 * whole tool is this file: probekit compiles it in, and `probekit run
 * tools/taskswitch/taskswitch.bpf.c` runs a copy from source.
 *
 * Four ways to count, one group (object.h): on finish_task_switch()
 * (fentry or kprobe, where current is the next task), or on the
 * sched_switch tracepoint (raw_tp, tp_btf or classic). raw_tp first: the
 * same CO-RE program as tp_btf, as cheap as fentry and as quick to detach,
 * and it needs no kernel BTF ids to attach, so libbpf never parses the
 * whole kernel BTF where CO-RE can use a cut-down copy (lib/core_btf.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "tool.bpf.h"

PK_TOOL_SUMMARY("Count context switches per (previous task -> next task) pair.");
PK_TOOL_EXAMPLE("taskswitch               # count until Ctrl-C, then print the pairs");
PK_TOOL_EXAMPLE("taskswitch -d 5 -t 10    # the 10 most frequent pairs over 5 seconds");
PK_TOOL_EXAMPLE("taskswitch -p 181        # pairs with thread 181 on one side");
PK_TOOL_BANNER("Counting context switches... Hit Ctrl-C to end.");
PK_PREFER("raw_tp fentry kprobe tp_btf tracepoint");

/* a thread id: bcc's task_switch keys on those */
const volatile __u32 targ_pid PK_OPTION(p, "pid", "PID",
					"only pairs in which this thread is one side") PK_OPTION_PID = 0;
const volatile __u32 top PK_OPTION(t, "top", "COUNT", "only the COUNT most frequent pairs")
	PK_OPTION_RANGE(1, 1000000) = 0;

struct pair {
	__u32 prev_pid;
	__u32 next_pid;
};

/* the pids again, for the row; the comms last seen for the pair */
struct pair_count {
	__u32 prev_pid;
	char prev_comm[16];
	__u32 next_pid;
	char next_comm[16];
	__u64 count;
};

PK_HASH(stats, struct pair, struct pair_count, 10240)
	PK_TABLE_ROW("{prev_pid:7} {prev_comm:-16} -> {next_pid:7} {next_comm:-16} {count:8}")
	PK_ROW_HEADER("\n   PREV PREV_COMM              NEXT NEXT_COMM           COUNT")
	PK_ROW_SORT("-count prev_pid next_pid") PK_ROW_TOP(top);

static __always_inline struct pair_count *count(__u32 prev_pid, __u32 next_pid)
{
	struct pair key = { .prev_pid = prev_pid, .next_pid = next_pid };
	struct pair_count zero = { .prev_pid = prev_pid, .next_pid = next_pid };
	struct pair_count *val;

	if (targ_pid && prev_pid != targ_pid && next_pid != targ_pid)
		return 0;
	val = pk_lookup_or_try_init(&stats, &key, &zero);
	if (val)
		__sync_fetch_and_add(&val->count, 1);
	return val;
}

static __always_inline int count_tasks(struct task_struct *prev, struct task_struct *next)
{
	struct pair_count *val = count(BPF_CORE_READ(prev, pid), BPF_CORE_READ(next, pid));

	if (val) {
		bpf_probe_read_kernel_str(val->prev_comm, sizeof(val->prev_comm), &prev->comm);
		bpf_probe_read_kernel_str(val->next_comm, sizeof(val->next_comm), &next->comm);
	}
	return 0;
}

SEC("fentry/finish_task_switch")
int BPF_PROG(switch__fentry, struct task_struct *prev)
{
	return count_tasks(prev, (struct task_struct *)bpf_get_current_task());
}

/* the library finds finish_task_switch.isra.0 where only that exists */
SEC("kprobe/finish_task_switch")
int BPF_KPROBE(switch__kprobe, struct task_struct *prev)
{
	return count_tasks(prev, (struct task_struct *)bpf_get_current_task());
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch__tp_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return count_tasks(prev, next);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(switch__raw_tp, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return count_tasks(prev, next);
}

SEC("tracepoint/sched/sched_switch")
int switch__tp(struct trace_event_raw_sched_switch *ctx)
{
	struct pair_count *val = count(ctx->prev_pid, ctx->next_pid);

	if (val) {
		bpf_probe_read_kernel(val->prev_comm, sizeof(val->prev_comm), ctx->prev_comm);
		bpf_probe_read_kernel(val->next_comm, sizeof(val->next_comm), ctx->next_comm);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
