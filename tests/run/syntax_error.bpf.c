// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Does not compile: clang's own diagnostics must reach the user. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_execve")
int on_exec(void *ctx)
{
	return undeclared_thing + 1;
}

char LICENSE[] SEC("license") = "GPL";
