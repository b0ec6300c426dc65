// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sigsnoop: signals as they are generated, with libbpf-tools' columns
 * (TIME PID COMM SIG TPID RESULT) and options. The whole tool is this
 * file: probekit compiles it in, and `probekit run
 * tools/sigsnoop/sigsnoop.bpf.c` runs a copy from source.
 *
 * The signal:signal_generate tracepoint sees every signal, those the
 * kernel sends (SIGCHLD at an exit, SIGSEGV, SIGPIPE...) as well as
 * kill(2)'s; PID and COMM are the task that caused it, RESULT the
 * tracepoint's: 0 delivered, 1 ignored, 2 already pending, 3 queue
 * overflow, 4 info lost. With -k only kill(2) calls are shown, from the
 * kill syscall's tracepoints, and RESULT is the call's result.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Trace standard and real-time signals as they are generated.");
PK_TOOL_EXAMPLE("sigsnoop                 # trace all signals");
PK_TOOL_EXAMPLE("sigsnoop -x              # only signals not delivered (RESULT not 0)");
PK_TOOL_EXAMPLE("sigsnoop -k              # only kill() calls");
PK_TOOL_EXAMPLE("sigsnoop -p 181          # only signals caused by process 181");
PK_TOOL_EXAMPLE("sigsnoop -s 9            # only SIGKILL");

PK_FILTER_PID;
PK_FILTER_UID;

const volatile bool failed PK_OPTION(x, "failed", "", "only failed signals (RESULT not 0)") = false;
const volatile bool kill_only PK_OPTION(k, "kill", "", "only signals sent by kill()") = false;
/*
 * kill(2)'s tracepoints for -k only: any syscall tracepoint puts every task
 * of the machine on the kernel's syscall slow path while it is attached
 */
PK_PROGS_WHEN(kill_only, "sys_enter_kill sys_exit_kill");
PK_PROGS_UNLESS(kill_only, "signal_generate");
const volatile __s32 targ_sig PK_OPTION(s, "signal", "SIG", "only this signal (a number)")
    PK_OPTION_RANGE(0, 64) = -1;

struct event {
	__u64 time PK_FMT("clock");
	__u32 pid;
	char comm[16];
	pk_signal_t sig;
	__s32 tpid;
	__s32 result;
};

PK_EVENT(struct event);

static __always_inline bool wanted(__s32 sig, long result)
{
	if (targ_sig >= 0 && sig != targ_sig)
		return false;
	if (failed && !result)
		return false;
	return !pk_filtered();
}

static __always_inline int send(void *ctx, __s32 sig, __s32 tpid, long result)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event *e = pk_reserve(struct event);

	if (!e)
		return 0;
	e->time = bpf_ktime_get_ns();
	e->pid = id >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->sig = sig;
	e->tpid = tpid;
	e->result = result;
	pk_submit(ctx, e);
	return 0;
}

SEC("tracepoint/signal/signal_generate")
int signal_generate(struct trace_event_raw_signal_generate *ctx)
{
	if (kill_only || !wanted(ctx->sig, ctx->result))
		return 0;
	return send(ctx, ctx->sig, ctx->pid, ctx->result);
}

/* -k: kill(2) itself, its arguments kept by thread from entry to exit */
struct kill_args {
	__s32 tpid;
	__s32 sig;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct kill_args);
} pk_kills SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_kill")
int sys_enter_kill(struct pk_syscall_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct kill_args a = {.tpid = ctx->args[0], .sig = ctx->args[1]};

	if (!kill_only)
		return 0;
	if (bpf_map_update_elem(&pk_kills, &tid, &a, BPF_ANY))
		pk_count_lost();
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_kill")
int sys_exit_kill(struct pk_syscall_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct kill_args *a;

	if (!kill_only)
		return 0;
	a = bpf_map_lookup_elem(&pk_kills, &tid);
	if (!a)
		return 0;
	if (wanted(a->sig, ctx->ret))
		send(ctx, a->sig, a->tpid, ctx->ret);
	bpf_map_delete_elem(&pk_kills, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
