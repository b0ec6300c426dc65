// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * getppid() calls of one process per kernel stack, in two maps: one laid
 * out by PK_STACK_ROWS_FORMAT(), one whose format names no member (said on
 * stderr, printed as items()).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <asm/unistd.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile __u32 targ_tgid = 0;

struct key_t {
	__u32 pid;
	__s32 kstack;
};

PK_STACK_TRACE(stacks, 1024);
PK_HASH(rows, struct key_t, __u64, 1024)
PK_STACK_ROWS_FORMAT("  {kstack}\n    pid {pid} calls {value}\n");
PK_HASH(bad, struct key_t, __u64, 1024) PK_STACK_ROWS_FORMAT("  {kstack}\n    {nosuch}\n");

/* raw_tp: its stacks start in our program and bpf_trace_run2, left out in printing */
SEC("raw_tp/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
	struct key_t key = {};

	if (id != __NR_getppid || bpf_get_current_pid_tgid() >> 32 != targ_tgid)
		return 0;
	key.pid = targ_tgid;
	key.kstack = pk_stack_id(ctx, &stacks, false);
	pk_increment(&rows, &key);
	pk_increment(&bad, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
