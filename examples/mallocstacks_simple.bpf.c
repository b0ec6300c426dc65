// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bcc's mallocstacks example (examples/tracing/mallocstacks.py) as one
 * file: the bytes malloc() was asked for, per user stack, in the process
 * given with -p (or the command given with -c).
 *
 *	sudo probekit run -p 4242 examples/mallocstacks_simple.bpf.c
 *	bytes[12] = 40960
 *		malloc+0x0 (libc.so.6)
 *		main+0x56 (mallocer)
 *		__libc_start_call_main+0x7a (libc.so.6)
 *	sudo probekit run --folded -c ./prog examples/mallocstacks_simple.bpf.c
 *	sudo probekit run --svg malloc.svg -c ./prog examples/mallocstacks_simple.bpf.c
 *
 * bcc's BPF_HASH(calls, int) keyed by get_stackid(ctx, BPF_F_USER_STACK)
 * is a hash keyed by pk_ustack_t, the typedef that tells `probekit run`
 * the key is a user stack's id: it prints each stack symbolized for the
 * -p/-c process, as bcc's sym(addr, pid) loop does, and the flame graph
 * counts bytes (the map's name). As in bcc, the stack is walked by frame
 * pointers from malloc's first instruction, before malloc has a frame:
 * the function that called malloc may be missing (the mallocstacks tool
 * adds it back).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

/* bcc stackcount's default: two stacks in one bucket make the later one -EEXIST */
PK_STACK_TRACE(stack_traces, 16384);
PK_HASH(bytes, pk_ustack_t, __u64, 1024);

/* bcc's attach_uprobe(name="c", sym="malloc", pid=pid): run's -p gives the pid */
SEC("uprobe/c:malloc")
int BPF_KPROBE(alloc_enter, size_t size)
{
	pk_ustack_t key = pk_stack_id(ctx, &stack_traces, true);
	__u64 zero = 0, *val = pk_lookup_or_try_init(&bytes, &key, &zero);

	if (val)
		__sync_fetch_and_add(val, size);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
