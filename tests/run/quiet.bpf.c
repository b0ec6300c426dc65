// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Records only for the process --set target_pid names: with a process that
 * sleeps, a run of this file has an event buffer and nothing to read.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>

const volatile __u32 target_pid = 0;

struct event {
	__u32 pid;
};

PK_EVENT(struct event);

SEC("tracepoint/syscalls/sys_enter_close")
int on_close(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct event *e;

	if (pid != target_pid)
		return 0;
	e = pk_reserve(struct event);
	if (!e)
		return 0;
	e->pid = pid;
	pk_submit(ctx, e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
