// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Records of a type named with PK_EVENT(): run prints them from their BTF. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>

struct event {
	__u32 pid;
	__u32 uid;
	char comm[16];
	__s64 minus_one;
};

PK_EVENT(struct event);

SEC("tracepoint/syscalls/sys_enter_execve")
int on_exec(void *ctx)
{
	struct event *e = pk_reserve(struct event);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->minus_one = -1;
	pk_submit(ctx, e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
