// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mallocstacks' kernel half: uprobes on malloc, calloc and realloc add the
 * requested size to a total per user stack. The program has no target
 * in its section: user space attaches it to the libc the process maps.
 * (BPF_KPROBE is the uprobe argument accessor too: libbpf 1.1 has no BPF_UPROBE.)
 */
/* Fixed-ABI headers, not vmlinux.h: pt_regs from vmlinux.h would bring CO-RE
 * relocations, and with them a 5.5 MB kernel BTF parse (70 ms, 10 MB). */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"
#include "mallocstacks.h"

const volatile __u32 targ_tgid = 0;
/* bumped at each exec of the target: stacks of different images differ */
__u32 generation = 0;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, MALLOCSTACKS_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MALLOCSTACKS_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MALLOCSTACKS_MAX_STACKS);
	__type(key, struct mallocstacks_key);
	__type(value, struct mallocstacks_total);
} totals SEC(".maps");

static __always_inline void announce(void *ctx, __u32 pid, __u32 kind,
				     const struct mallocstacks_key *key)
{
	struct mallocstacks_event *e = pk_reserve(struct mallocstacks_event);

	if (!e)
		return;
	e->pid = pid;
	e->kind = kind;
	e->key = *key;
	pk_submit(ctx, e);
}

static __always_inline int account(struct pt_regs *ctx, __u64 size)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct mallocstacks_total *t, zero = {};
	struct mallocstacks_key key = {};

	if (pid != targ_tgid)
		return 0;
	key.stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	key.generation = generation;
	/* at entry, the return address is where the stack pointer points */
	if (bpf_probe_read_user(&key.caller, sizeof(key.caller), (void *)PT_REGS_SP(ctx)))
		key.caller = 0;
	t = bpf_map_lookup_elem(&totals, &key);
	if (!t) {
		/* only the CPU that inserts it announces a stack */
		if (bpf_map_update_elem(&totals, &key, &zero, BPF_NOEXIST) == 0)
			announce(ctx, pid, MALLOCSTACKS_NEW_STACK, &key);
		t = bpf_map_lookup_elem(&totals, &key);
		if (!t)
			return 0;
	}
	__sync_fetch_and_add(&t->bytes, size);
	__sync_fetch_and_add(&t->calls, 1);
	return 0;
}

/*
 * One program for the three functions, told apart by the cookie each was
 * attached with: user space attaches it as one uprobe_multi link where the
 * kernel has them (one detach), else as three classic uprobes.
 */
SEC("uprobe")
int BPF_KPROBE(alloc_enter, __u64 a, __u64 b)
{
	switch (bpf_get_attach_cookie(ctx)) {
	case MALLOCSTACKS_MALLOC:
		return account(ctx, a);
	case MALLOCSTACKS_CALLOC:
		/*
		 * An overflowing calloc(nmemb, size) fails and allocates nothing.
		 * A factor of 4 GiB or more with a non-zero other is taken as one
		 * (the exact test compiles to a 128-bit multiply that BPF lacks).
		 */
		if ((a >> 32 || b >> 32) && a && b)
			return 0;
		return account(ctx, a * b);
	case MALLOCSTACKS_REALLOC:
		/* realloc(NULL, n) is malloc(n) and glibc calls malloc for it,
		 * which counts it; realloc(p, 0) frees */
		if (!a || !b)
			return 0;
		return account(ctx, b);
	}
	return 0;
}

/* A raw tracepoint: a classic one waits an RCU grace period when detached. */
SEC("raw_tp/sched_process_exec")
int on_exec(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct mallocstacks_key key = {};

	if (pid != targ_tgid)
		return 0;
	/* only the target's exec writes it: no other writer races */
	key.generation = ++generation;
	announce(ctx, pid, MALLOCSTACKS_EXEC, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
