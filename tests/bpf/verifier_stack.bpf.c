// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A read past a stack buffer: "invalid read from stack". */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("raw_tp/sys_enter")
int stack_oob(void *ctx)
{
	char buf[8] = {};
	volatile int i = 16;

	return buf[i & 31]; /* PK_LINE_STACK */
}

char LICENSE[] SEC("license") = "GPL";
