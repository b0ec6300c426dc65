// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A map lookup used without a NULL check: "invalid mem access 'map_value_or_null'". */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} counts SEC(".maps");

SEC("raw_tp/sys_enter")
int unchecked_lookup(void *ctx)
{
	__u32 key = 0;
	__u32 *val = bpf_map_lookup_elem(&counts, &key);

	return *val; /* PK_LINE_NULL */
}

char LICENSE[] SEC("license") = "GPL";
