// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A getppid() event with three stack ids, each by another part of
 * pk_btf_stack_id()'s rule: bcc's name user_stack_id, a PK_KSTACK_ID tag,
 * and a tag out of the convention's shape (the map before the kind), which
 * run reports and prints as a number.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <asm/unistd.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile __u32 targ_tgid = 0;

struct event {
	__u32 pid;
	__s32 user_stack_id;
	__s32 where PK_KSTACK_ID;
	__s32 bad __attribute__((btf_decl_tag("pk_stack_id:stack_traces:user")));
};
PK_EVENT(struct event);

PK_STACK_TRACE(stack_traces, 16384);

SEC("raw_tp/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
	struct event *e;

	if (id != __NR_getppid || bpf_get_current_pid_tgid() >> 32 != targ_tgid)
		return 0;
	e = pk_reserve(struct event);
	if (!e)
		return 0;
	e->pid = targ_tgid;
	e->user_stack_id = pk_stack_id(ctx, &stack_traces, true);
	e->where = pk_stack_id(ctx, &stack_traces, false);
	e->bad = e->where;
	pk_submit(ctx, e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
