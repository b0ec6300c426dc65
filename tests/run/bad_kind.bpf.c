// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* a misspelt section kind: the error names the program and the nearest name. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepont/syscalls/sys_enter_execve")
int prog_bad_kind(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
