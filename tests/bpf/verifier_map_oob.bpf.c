// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A read past a map value: an error the verifier gives in two lines. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} counts SEC(".maps");

SEC("raw_tp/sys_enter")
int value_oob(void *ctx)
{
	__u32 key = 0, *val = bpf_map_lookup_elem(&counts, &key);
	volatile int i = 3;

	if (!val)
		return 0;
	return val[i & 7]; /* PK_LINE_OOB */
}

char LICENSE[] SEC("license") = "GPL";
