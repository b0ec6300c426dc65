// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * PK_TOOL_CLEAR and PK_PRIVATE: execve() calls per uid, each print emptying
 * the counts; the first exec of a uid only marks it in a state map, which
 * is neither printed nor emptied, so every later exec counts.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/maps.bpf.h>
#include <probekit/tool.bpf.h>

PK_TOOL_CLEAR;

PK_HASH(seen, __u32, __u64, 1024) PK_PRIVATE;
PK_HASH(execs, __u32, __u64, 1024);

SEC("tracepoint/syscalls/sys_enter_execve")
int count_execve(void *ctx)
{
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	__u64 one = 1;

	if (bpf_map_update_elem(&seen, &uid, &one, BPF_NOEXIST) == 0)
		return 0;
	pk_increment(&execs, &uid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
