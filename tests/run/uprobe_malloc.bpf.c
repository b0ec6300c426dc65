// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* malloc() calls per size, through libc found by its short name "c". */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <probekit/maps.bpf.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} sizes SEC(".maps");

SEC("uprobe/c:malloc")
int BPF_KPROBE(on_malloc, size_t size)
{
	__u64 key = size;

	pk_increment(&sizes, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
