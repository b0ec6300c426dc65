// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* a raw tracepoint misspelt: the error names the program and the nearest name. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("raw_tp/sched_swich")
int prog_bad_raw_tp(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
