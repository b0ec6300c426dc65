// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bcc's map_values_sample.py as one file: execve() calls by root (key 0)
 * and by everyone else (key 1), printed every second and reset:
 *
 *	sudo probekit run -i 1 --clear map_values_sample.bpf.c
 *	[10:42:01]
 *	uidcnt[0] = 31
 *	uidcnt[1] = 4
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} uidcnt SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int count_execve(void *ctx)
{
	__u32 key = (__u32)bpf_get_current_uid_gid() == 0 ? 0 : 1;
	__u64 *val = bpf_map_lookup_elem(&uidcnt, &key);

	if (val)
		__sync_fetch_and_add(val, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
