// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A stack map of one bucket: the user stack taken first fills it, so the
 * kernel stack that follows finds it taken by another (-EEXIST) every time.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <asm/unistd.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile __u32 targ_tgid = 0;

struct key_t {
	__u32 tgid;
	__s32 ustack;
	__s32 kstack;
};

PK_STACK_TRACE(stacks, 1);
PK_HASH(calls, struct key_t, __u64, 64);

SEC("raw_tp/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
	struct key_t key = {};

	if (id != __NR_getppid || bpf_get_current_pid_tgid() >> 32 != targ_tgid)
		return 0;
	key.tgid = targ_tgid;
	key.ustack = pk_stack_id(ctx, &stacks, true);
	key.kstack = pk_stack_id(ctx, &stacks, false);
	pk_increment(&calls, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
