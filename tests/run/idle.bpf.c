// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A program that attaches and does next to nothing: for -c and signals. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

int seen;

SEC("tracepoint/sched/sched_process_exit")
int on_exit(void *ctx)
{
	seen = 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
