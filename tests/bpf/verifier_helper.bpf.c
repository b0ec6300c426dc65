// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A call of a helper id the kernel does not have: "invalid func unknown#...". */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

static long (*no_such_helper)(void) = (void *)100000;

SEC("raw_tp/sys_enter")
int unknown_helper(void *ctx)
{
	return no_such_helper(); /* PK_LINE_HELPER */
}

char LICENSE[] SEC("license") = "GPL";
