// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* bpf_trace_printk() on every execve(); printk_sample and trace_print read it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_execve")
int printk_execve(void *ctx)
{
	char comm[16];

	bpf_get_current_comm(comm, sizeof(comm));
	bpf_printk("start of execve time = %llu , pid = %d, comm = %s", bpf_ktime_get_ns(),
		   (int)(bpf_get_current_pid_tgid() >> 32), comm);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
