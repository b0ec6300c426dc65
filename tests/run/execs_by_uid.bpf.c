// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* execve() calls per uid: the tests count a uid of their own choosing. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/maps.bpf.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} execs SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int count_execve(void *ctx)
{
	__u32 uid = (__u32)bpf_get_current_uid_gid();

	pk_increment(&execs, &uid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
