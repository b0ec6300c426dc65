// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syncsnoop: calls that flush data to storage: sync(), syncfs(), fsync(),
 * fdatasync(), msync() and sync_file_range(). bcc's syncsnoop traces
 * sync() alone; bpftrace's all six, with TIME PID COMM and the call, which
 * is what this prints. The whole tool is this file: probekit compiles it
 * in, and `probekit run tools/syncsnoop/syncsnoop.bpf.c` runs a copy from
 * source.
 *
 * The entry tracepoints of the six syscalls, nothing kept: other syscalls
 * pay nothing for them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Trace sync(), syncfs(), fsync(), fdatasync(), msync() and sync_file_range().");
PK_TOOL_EXAMPLE("syncsnoop                # trace every sync-family call");
PK_TOOL_EXAMPLE("syncsnoop -p 181         # only process 181");

PK_FILTER_PID;
PK_FILTER_UID;

struct event {
	__u64 time PK_FMT("clock");
	__u32 pid;
	char comm[16];
	pk_syscall_t call;
};

PK_EVENT(struct event);

static __always_inline int send(struct pk_syscall_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event *e;

	if (pk_filtered())
		return 0;
	e = pk_reserve(struct event);
	if (!e)
		return 0;
	e->time = bpf_ktime_get_ns();
	e->pid = id >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->call = ctx->id;
	pk_submit(ctx, e);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sync")
int sys_enter_sync(struct pk_syscall_enter *ctx)
{
	return send(ctx);
}

SEC("tracepoint/syscalls/sys_enter_syncfs")
int sys_enter_syncfs(struct pk_syscall_enter *ctx)
{
	return send(ctx);
}

SEC("tracepoint/syscalls/sys_enter_fsync")
int sys_enter_fsync(struct pk_syscall_enter *ctx)
{
	return send(ctx);
}

SEC("tracepoint/syscalls/sys_enter_fdatasync")
int sys_enter_fdatasync(struct pk_syscall_enter *ctx)
{
	return send(ctx);
}

SEC("tracepoint/syscalls/sys_enter_msync")
int sys_enter_msync(struct pk_syscall_enter *ctx)
{
	return send(ctx);
}

SEC("tracepoint/syscalls/sys_enter_sync_file_range")
int sys_enter_sync_file_range(struct pk_syscall_enter *ctx)
{
	return send(ctx);
}

char LICENSE[] SEC("license") = "GPL";
