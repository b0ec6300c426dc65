// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * getppid() calls per user and kernel stack, keyed as bcc's profile keys
 * its counts: the names user_stack_id and kernel_stack_id, a comm.
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
	__s32 user_stack_id;
	__s32 kernel_stack_id;
	char comm[16];
};

/* two stacks: few buckets would make a -EEXIST collision likely */
PK_STACK_TRACE(stack_traces, 16384);
PK_HASH(counts, struct key_t, __u64, 1024);

SEC("raw_tp/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
	struct key_t key = {};

	if (id != __NR_getppid || bpf_get_current_pid_tgid() >> 32 != targ_tgid)
		return 0;
	key.pid = targ_tgid;
	key.user_stack_id = pk_stack_id(ctx, &stack_traces, true);
	key.kernel_stack_id = pk_stack_id(ctx, &stack_traces, false);
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	pk_increment(&counts, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
