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
#define BURST	  64

struct event {
	__u32 pid;
	__u32 seq;
	__u64 filler[60];
};

PK_EVENT(struct event);

struct burst {
	void *ctx;
	__u32 pid;
};

/* One record; a bpf_loop() callback, verified once whatever BURST is (an
 * unrolled loop of reservations is too many paths for older verifiers). */
static long send_one(__u32 i, void *data)
{
	struct burst *b = data;
	struct event *e = pk_reserve(struct event);

	if (!e)
		return 0;
	e->pid = b->pid;
	e->seq = i;
	__builtin_memset(e->filler, 0, sizeof(e->filler));
	pk_submit(b->ctx, e);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_close")
int flood(struct pk_syscall_enter *ctx)
{
	struct burst b = {.ctx = ctx, .pid = bpf_get_current_pid_tgid() >> 32};

	if (ctx->args[0] != MARKER_FD)
		return 0;
	bpf_loop(BURST, send_one, &b, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
