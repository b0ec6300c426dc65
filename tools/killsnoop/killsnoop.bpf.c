// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * killsnoop: signals sent by kill(2), tkill(2) and tgkill(2), with bcc's
 * columns (TIME PID COMM SIG TPID RESULT) and options. The whole tool is
 * this file: probekit compiles it in, and `probekit run
 * tools/killsnoop/killsnoop.bpf.c` runs a copy from source.
 *
 * The entry tracepoints keep the target and signal by thread; the exit
 * tracepoints send them with the result. Those are the syscalls' own
 * tracepoints: other syscalls pay nothing for them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Trace signals sent by the kill(), tkill() and tgkill() syscalls.");
PK_TOOL_EXAMPLE("killsnoop                # trace all kill() signals");
PK_TOOL_EXAMPLE("killsnoop -x             # only failed kill() calls");
PK_TOOL_EXAMPLE("killsnoop -p 181         # only signals sent by process 181");
PK_TOOL_EXAMPLE("killsnoop -T 189         # only signals sent to process 189");
PK_TOOL_EXAMPLE("killsnoop -s 9           # only SIGKILL");

PK_FILTER_PID;
PK_FILTER_UID;

const volatile bool failed PK_OPTION(x, "failed", "", "only show failed kill syscalls") = false;
const volatile __s32 targ_tpid
    PK_OPTION(T, "tpid", "TPID", "only signals to this target (pid, or tid for tkill/tgkill)") = 0;
const volatile __s32 targ_sig PK_OPTION(s, "signal", "SIG", "only this signal (a number)")
    PK_OPTION_RANGE(0, 64) = -1;

struct event {
	__u64 time PK_FMT("clock");
	__u32 pid;
	char comm[16];
	pk_signal_t sig;
	__s32 tpid;
	pk_errno_t ret PK_HEADER("RESULT");
	pk_syscall_t syscall PK_WHEN(show_syscall);
};

PK_EVENT(struct event);

/* no option: in --json only (probekit run FILE --set show_syscall=1 shows it) */
const volatile bool show_syscall = false;

struct kill_args {
	__s32 tpid;
	__s32 sig;
	__s32 nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct kill_args);
} pk_kills SEC(".maps");

static __always_inline int enter(int nr, __s32 tpid, __s32 sig)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct kill_args a = {.tpid = tpid, .sig = sig, .nr = nr};

	if ((targ_tpid && tpid != targ_tpid) || (targ_sig >= 0 && sig != targ_sig) || pk_filtered())
		return 0;
	if (bpf_map_update_elem(&pk_kills, &tid, &a, BPF_ANY))
		/* this call's event will not be sent */
		pk_count_lost();
	return 0;
}

static __always_inline int leave(void *ctx, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct kill_args *a = bpf_map_lookup_elem(&pk_kills, &tid);
	struct event *e;

	if (!a)
		return 0;
	if (failed && ret >= 0)
		goto out;
	e = pk_reserve(struct event);
	if (!e)
		goto out;
	e->time = bpf_ktime_get_ns();
	e->pid = id >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->sig = a->sig;
	e->tpid = a->tpid;
	e->ret = ret;
	e->syscall = a->nr;
	pk_submit(ctx, e);
out:
	bpf_map_delete_elem(&pk_kills, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_kill")
int sys_enter_kill(struct pk_syscall_enter *ctx)
{
	return enter(ctx->id, ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_tkill")
int sys_enter_tkill(struct pk_syscall_enter *ctx)
{
	return enter(ctx->id, ctx->args[0], ctx->args[1]);
}

/* tgkill(tgid, tid, sig): the target shown is the thread */
SEC("tracepoint/syscalls/sys_enter_tgkill")
int sys_enter_tgkill(struct pk_syscall_enter *ctx)
{
	return enter(ctx->id, ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_kill")
int sys_exit_kill(struct pk_syscall_exit *ctx)
{
	return leave(ctx, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_tkill")
int sys_exit_tkill(struct pk_syscall_exit *ctx)
{
	return leave(ctx, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_tgkill")
int sys_exit_tgkill(struct pk_syscall_exit *ctx)
{
	return leave(ctx, ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
