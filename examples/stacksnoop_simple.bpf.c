// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bcc's stacksnoop example (examples/tracing/stacksnoop.py) as one file:
 * the kernel stack at each connect(), printed under the event's line.
 *
 *	sudo probekit run examples/stacksnoop_simple.bpf.c
 *	    PID        CPU COMM             STACK_ID
 *	   4242          1 curl                  311
 *		perf_syscall_enter+0x1e3
 *		syscall_trace_enter+0x180
 *		do_syscall_64+0x1fa
 *		entry_SYSCALL_64_after_hwframe+0x76
 *
 * bcc's get_stackid() is pk_stack_id(); its walk() and ksym() are done
 * by `probekit run`, which finds the stack id by its name (stack_id, as
 * bcc's data_t has it; its addresses say it is a kernel stack) and the
 * stack map as the object's only one (probekit.bpf.h has the rules).
 * The hits map counts hits per distinct stack too, which --folded prints
 * as flame-graph input and --svg FILE draws.
 *
 * The programs are one fallback group, "connect": bcc's kprobe on
 * tcp_v4_connect (fentry where the kernel allows trampolines, else a
 * kprobe), else the connect() system call's tracepoint.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

struct event {
	__u32 pid;
	__u32 cpu;
	char comm[16];
	__s32 stack_id;
};
PK_EVENT(struct event);

/* bcc stackcount's default: two stacks in one bucket make the later one -EEXIST */
PK_STACK_TRACE(stack_traces, 16384);
PK_HASH(hits, pk_kstack_t, __u64, 1024);

static __always_inline int trace_stack(void *ctx)
{
	__s32 id = pk_stack_id(ctx, &stack_traces, false);
	struct event *e;

	pk_increment(&hits, &id);
	e = pk_reserve(struct event);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->stack_id = id;
	pk_submit(ctx, e);
	return 0;
}

SEC("fentry/tcp_v4_connect")
int BPF_PROG(connect__fentry)
{
	return trace_stack(ctx);
}

SEC("kprobe/tcp_v4_connect")
int BPF_KPROBE(connect__kprobe)
{
	return trace_stack(ctx);
}

SEC("tracepoint/syscalls/sys_enter_connect")
int connect__tp(void *ctx)
{
	return trace_stack(ctx);
}

char LICENSE[] SEC("license") = "GPL";
