// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * setuids: the setuid(2) family, setuid(), setreuid(), setresuid() and
 * setfsuid(), with what each asked for and its result, as bpftrace's
 * setuids.bt shows them. The whole tool is this file: probekit compiles
 * it in, and `probekit run tools/setuids/setuids.bpf.c` runs a copy from
 * source.
 *
 * The entry tracepoints keep the arguments by thread, the exit tracepoints
 * send them with the result. Each argument has its column, -1 where the
 * call leaves that id alone or does not take it: setuid(u) asks for EUID u
 * (and, when privileged, the others with it), setfsuid(f) for FSUID f and
 * returns the previous fsuid rather than an error.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Trace the setuid(2) family: setuid, setreuid, setresuid and setfsuid.");
PK_TOOL_EXAMPLE("setuids                  # trace every setuid-family call");
PK_TOOL_EXAMPLE("setuids -x               # only failed calls");
PK_TOOL_EXAMPLE("setuids -p 181           # only process 181");

PK_FILTER_PID;
PK_FILTER_UID;

const volatile bool failed PK_OPTION(x, "failed", "", "only failed calls") = false;

struct ids {
	__s32 ruid;
	__s32 euid;
	__s32 suid;
	__s32 fsuid;
};

struct event {
	__u64 time PK_FMT("clock");
	__u32 pid;
	char comm[16];
	__u32 uid;
	pk_syscall_t syscall;
	/* anonymous: the columns are RUID EUID SUID FSUID */
	struct {
		__s32 ruid;
		__s32 euid;
		__s32 suid;
		__s32 fsuid;
	};
	pk_errno_t ret;
};

PK_EVENT(struct event);

struct call {
	struct ids asked;
	__u32 uid;
	__s32 nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct call);
} pk_calls SEC(".maps");

static __always_inline int enter(int nr, __s32 r, __s32 e, __s32 s, __s32 fs)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call c = {
	    .asked = {.ruid = r, .euid = e, .suid = s, .fsuid = fs},
	    .uid = (__u32)bpf_get_current_uid_gid(),
	    .nr = nr,
	};

	if (pk_filtered())
		return 0;
	if (bpf_map_update_elem(&pk_calls, &tid, &c, BPF_ANY))
		/* this call's event will not be sent */
		pk_count_lost();
	return 0;
}

static __always_inline int leave(struct pk_syscall_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct call *c = bpf_map_lookup_elem(&pk_calls, &tid);
	struct event *e;

	if (!c)
		return 0;
	/* setfsuid's result is the previous fsuid: it never fails */
	if (failed && (ctx->ret >= 0 || c->asked.fsuid != -1))
		goto out;
	e = pk_reserve(struct event);
	if (!e)
		goto out;
	e->time = bpf_ktime_get_ns();
	e->pid = id >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->uid = c->uid;
	e->syscall = c->nr;
	e->ruid = c->asked.ruid;
	e->euid = c->asked.euid;
	e->suid = c->asked.suid;
	e->fsuid = c->asked.fsuid;
	e->ret = ctx->ret;
	pk_submit(ctx, e);
out:
	bpf_map_delete_elem(&pk_calls, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_setuid")
int sys_enter_setuid(struct pk_syscall_enter *ctx)
{
	return enter(ctx->id, -1, ctx->args[0], -1, -1);
}

SEC("tracepoint/syscalls/sys_enter_setreuid")
int sys_enter_setreuid(struct pk_syscall_enter *ctx)
{
	return enter(ctx->id, ctx->args[0], ctx->args[1], -1, -1);
}

SEC("tracepoint/syscalls/sys_enter_setresuid")
int sys_enter_setresuid(struct pk_syscall_enter *ctx)
{
	return enter(ctx->id, ctx->args[0], ctx->args[1], ctx->args[2], -1);
}

SEC("tracepoint/syscalls/sys_enter_setfsuid")
int sys_enter_setfsuid(struct pk_syscall_enter *ctx)
{
	return enter(ctx->id, -1, -1, -1, ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_exit_setuid")
int sys_exit_setuid(struct pk_syscall_exit *ctx)
{
	return leave(ctx);
}

SEC("tracepoint/syscalls/sys_exit_setreuid")
int sys_exit_setreuid(struct pk_syscall_exit *ctx)
{
	return leave(ctx);
}

SEC("tracepoint/syscalls/sys_exit_setresuid")
int sys_exit_setresuid(struct pk_syscall_exit *ctx)
{
	return leave(ctx);
}

SEC("tracepoint/syscalls/sys_exit_setfsuid")
int sys_exit_setfsuid(struct pk_syscall_exit *ctx)
{
	return leave(ctx);
}

char LICENSE[] SEC("license") = "GPL";
