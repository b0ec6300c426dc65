// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every declaration macro of bpf/maps.bpf.h and bpf/probekit.bpf.h in one
 * object, compiled and loaded by tests/e2e/test_bpf_macros.py:
 * - hist_feed (raw_tp, run with BPF_PROG_TEST_RUN): ctx[0] is a value,
 *   ctx[1] a bucket; it fills both histograms and the other maps;
 * - sched__sched_process_exec and sys_enter_execve: a child's exec, by pid.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"
#include "maps.bpf.h"

struct exec_event {
	__u32 pid;
	__s32 kstack PK_STACK_ID;
};

PK_EVENT(struct exec_event);

PK_HIST(values, 16);
PK_HIST_KEYED(values_by, __u32, 16);
PK_HASH(seen, __u32, __u64, 64);
PK_ARRAY(last, __u64, 2);
PK_PERCPU_HASH(pc_seen, __u32, __u64, 64);
PK_PERCPU_ARRAY(pc_calls, __u64, 1);
PK_STACK_TRACE(stacks, 64);
PK_HASH(exec_stack, __u32, __s32, 64);
PK_HASH(exec_enter, __u32, __u64, 64);

SEC("raw_tp")
int hist_feed(__u64 *ctx)
{
	__u64 v = ctx[0], b = ctx[1];
	__u32 bucket = b, zero = 0, one = 1;
	__u64 *calls;

	pk_hist_add(&values, v);
	pk_hist_add_keyed(&values_by, &bucket, v);
	pk_increment(&seen, &bucket);
	pk_increment(&pc_seen, &bucket);
	bpf_map_update_elem(&last, &zero, &v, BPF_ANY);
	bpf_map_update_elem(&last, &one, &b, BPF_ANY);
	calls = bpf_map_lookup_elem(&pc_calls, &zero);
	if (calls)
		*calls += 1;
	return 0;
}

const volatile __u32 targ_pid = 0;

PK_TRACEPOINT(sched, sched_process_exec)
{
	__u32 pid = args->pid;
	struct exec_event *e;
	__s32 id;

	if (pid != targ_pid)
		return 0;
	id = pk_stack_id(args, &stacks, false);
	bpf_map_update_elem(&exec_stack, &pid, &id, BPF_ANY);
	e = pk_reserve(struct exec_event);
	if (!e)
		return 0;
	e->pid = pid;
	e->kstack = id;
	pk_submit(args, e);
	return 0;
}

PK_SYSCALL_ENTER(execve)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	if (pid != targ_pid)
		return 0;
	/* the syscall number, to show the record is the syscalls' own */
	pk_increment_by(&exec_enter, &pid, args->id);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
