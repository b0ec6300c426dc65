// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Two stack maps and an untagged kstack: which map it is from is not known. */
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

PK_STACK_TRACE(stacks_a, 64);
PK_STACK_TRACE(stacks_b, 64);
PK_HASH(calls, struct key_t, __u64, 64);

SEC("raw_tp/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
	struct key_t key = {};

	if (id != __NR_getppid || bpf_get_current_pid_tgid() >> 32 != targ_tgid)
		return 0;
	key.pid = targ_tgid;
	key.kstack = pk_stack_id(ctx, &stacks_a, false);
	pk_stack_id(ctx, &stacks_b, false);
	pk_increment(&calls, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
