// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Includes a header of its own: editing it must compile the file again. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "with_header.h"

SEC("tracepoint/syscalls/sys_enter_execve")
int on_exec(void *ctx)
{
	return VALUE;
}

char LICENSE[] SEC("license") = "GPL";
