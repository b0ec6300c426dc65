// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A map value used without checking it for NULL: the verifier says no. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int on_exec(void *ctx)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &zero);

	*v += 1; /* no NULL check */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
