// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bcc's printk_sample.py and trace_print.py as one file: bpf_trace_printk()
 * on every execve(). probekit run sees the program call it and echoes
 * trace_pipe:
 *
 *	sudo probekit run printk_sample.bpf.c           # as bcc's trace_print()
 *	sudo probekit run --fields printk_sample.bpf.c  # TIME COMM PID MESSAGE,
 *	                                                # bcc's trace_fields() loop
 *	sudo probekit run --printk-format '{1} {5}' printk_sample.bpf.c
 */
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
