// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* getppid() calls of one process per kernel stack: a key of pid and stack id. */
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
PK_HASH(calls, struct key_t, __u64, 1024);

/* raw_tp: every kernel gives it a kernel stack (some give syscall tracepoints none) */
SEC("raw_tp/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
	struct key_t key = {};

	if (id != __NR_getppid || bpf_get_current_pid_tgid() >> 32 != targ_tgid)
		return 0;
	key.pid = targ_tgid;
	key.kstack = pk_stack_id(ctx, &stacks, false);
	pk_increment(&calls, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
