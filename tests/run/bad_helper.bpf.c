// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A misspelt helper: named with its line and the nearest helper. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_execve")
int on_exec(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgdi();

	return id == 0;
}

char LICENSE[] SEC("license") = "GPL";
