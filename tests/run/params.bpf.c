// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Parameters: count execve() calls of one uid, set with --set target_uid=N. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile __u32 target_uid = 0;
const volatile bool count_all = false;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} execs SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int count_execve(void *ctx)
{
	__u32 zero = 0;
	__u64 *v;

	if (!count_all && (__u32)bpf_get_current_uid_gid() != target_uid)
		return 0;
	v = bpf_map_lookup_elem(&execs, &zero);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
