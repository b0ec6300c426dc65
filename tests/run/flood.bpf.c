// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A burst of PK_EVENT() records: 64 for each close(987654), far more than
 * a one-page buffer holds, so that run must count what it could not show.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/syscalls.bpf.h>

#define MARKER_FD 987654
#define BURST 64

struct event {
	__u32 pid;
	__u32 seq;
	__u64 filler[60];
};

PK_EVENT(struct event);

SEC("tracepoint/syscalls/sys_enter_close")
int flood(struct pk_syscall_enter *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	int i;

	if (ctx->args[0] != MARKER_FD)
		return 0;
	for (i = 0; i < BURST; i++) {
		struct event *e = pk_reserve(struct event);

		if (!e)
			continue;
		e->pid = pid;
		e->seq = i;
		__builtin_memset(e->filler, 0, sizeof(e->filler));
		pk_submit(ctx, e);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
