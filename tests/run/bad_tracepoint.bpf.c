// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A typo in the tracepoint's name: run must name it and the nearest ones. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_exceve")
int on_exec(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
