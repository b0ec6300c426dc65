// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* a uprobe on a misspelt libc function: the error names the program and the nearest name. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("uprobe/c:mallco")
int prog_bad_uprobe(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
