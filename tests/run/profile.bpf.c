// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A profile of the processes of uid target_uid (perf_event CPU clock
 * samples, as bcc's profile): counts by pid, comm, kernel and user stack.
 * A sample taken in user mode has no kernel stack (-EFAULT), which is no
 * missed stack; two processes of the same code fold into the same lines.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/maps.bpf.h>
#include <probekit/probekit.bpf.h>

const volatile __u32 target_uid = 0;

struct sample_key {
	__u32 pid;
	char comm[16];
	__s32 kstack;
	__s32 ustack;
};

PK_STACK_TRACE(stacks, 4096);
PK_HASH(samples, struct sample_key, __u64, 4096);

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	struct sample_key k = {};

	if ((__u32)bpf_get_current_uid_gid() != target_uid)
		return 0;
	k.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	k.kstack = pk_stack_id(ctx, &stacks, false);
	k.ustack = pk_stack_id(ctx, &stacks, true);
	pk_increment(&samples, &k);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
