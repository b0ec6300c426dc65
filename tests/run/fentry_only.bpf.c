// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* an fentry program with no fallback: the error names the program. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("fentry/do_nanosleep")
int prog_fentry_only(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
