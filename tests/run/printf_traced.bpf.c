// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pk_printf() inside PK_SYSCALL_ENTER and PK_TRACEPOINT: unlinkat() calls of target_uid. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>

const volatile __u32 target_uid = 0;

PK_SYSCALL_ENTER(unlinkat)
{
	if ((__u32)bpf_get_current_uid_gid() == target_uid)
		pk_printf("unlinkat dfd=%d flags=%d", (int)args->args[0], (int)args->args[2]);
	return 0;
}

PK_TRACEPOINT(sched, sched_process_exec)
{
	if ((__u32)bpf_get_current_uid_gid() == target_uid)
		pk_printf("exec pid=%d", args->pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
