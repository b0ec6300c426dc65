// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Sizes from the compile's -D (bcc's cflags): SLOTS, 4 without one. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#ifndef SLOTS
#define SLOTS 4
#endif

const volatile char label[SLOTS] = "";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} slots SEC(".maps");

SEC("tracepoint/sched/sched_process_exit")
int on_exit(void *ctx)
{
	return label[0] == 'x';
}

char LICENSE[] SEC("license") = "GPL";
