// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stacksnoop's kernel half: one program per way of hooking, none with a
 * target in its section, since the target comes from the command line.
 * User space sets the fentry target before load and attaches the kprobe
 * or tracepoint itself.
 */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"
#include "maps.bpf.h"
#include "syscalls.bpf.h"
#include "stacksnoop.h"

const volatile __u32 targ_tgid = 0;
/* rt_sys: the syscall whose t:syscalls:sys_{enter,exit}_NAME is traced */
const volatile long targ_nr = -1;
const volatile bool targ_exit = false;

/*
 * Stacks are never deleted: an id stays valid for every event that holds
 * it, and a full or colliding bucket shows up as a negative stack_id.
 */
PK_STACK_TRACE(stacks, 4096);
_Static_assert(PK_STACK_DEPTH == STACKSNOOP_MAX_FRAMES, "user space reads this many frames");

static __always_inline int record(void *ctx)
{
	struct stacksnoop_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	if (targ_tgid && targ_tgid != id >> 32)
		return 0;
	e = pk_reserve(struct stacksnoop_event);
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->cpu = bpf_get_smp_processor_id();
	e->stack_id = pk_stack_id(ctx, &stacks, false);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	pk_submit(ctx, e);
	return 0;
}

SEC("fentry")
int BPF_PROG(fe_func)
{
	return record(ctx);
}

SEC("kprobe")
int kp_func(struct pt_regs *ctx)
{
	return record(ctx);
}

SEC("tracepoint")
int tp_func(void *ctx)
{
	return record(ctx);
}

/* Raw tracepoints take the stack where they fire, on every kernel. */
SEC("raw_tp")
int rt_func(void *ctx)
{
	return record(ctx);
}

/*
 * t:syscalls:sys_enter_NAME and sys_exit_NAME on the raw sys_enter or
 * sys_exit tracepoint, for one syscall: the same hits and stacks, and a
 * detach without the classic tracepoint's RCU grace period. As the classic
 * ones, 32-bit syscalls (other numbers) are left out.
 */
SEC("raw_tp")
int rt_sys(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs regs;

	if (targ_exit ? pk_raw_exit_nr(ctx) != targ_nr : (long)ctx->args[1] != targ_nr)
		return 0;
	bpf_probe_read_kernel(&regs, sizeof(regs), (void *)ctx->args[0]);
	if (!pk_regs_native(&regs))
		return 0;
	return record(ctx);
}

char LICENSE[] SEC("license") = "GPL";
