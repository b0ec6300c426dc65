// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A PK_PRIVATE map keyed by a stack id (capable --unique's "seen"): the
 * stack printer leaves it out as the map printer does; only "calls", the
 * getppid() calls of -c's command, prints.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile char func[64] PK_OPTION(s, "func", "LIB:SYMBOL", "count the calls of this function")
    PK_TARGET(count_call) PK_POSITIONAL = "";

PK_FILTER_PID;

PK_HASH(calls, __u32, __u64, 1024);
PK_STACK_TRACE(stack_traces, 1024);

struct seen_key {
	__u32 pid;
	__s32 ustack;
};

PK_HASH(seen, struct seen_key, __u8, 1024) PK_PRIVATE;

SEC("uprobe")
int count_call(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct seen_key k = {.pid = pid};
	static const __u8 one = 1;

	if (pk_filtered())
		return 0;
	k.ustack = pk_stack_id(ctx, &stack_traces, true);
	bpf_map_update_elem(&seen, &k, &one, BPF_ANY);
	pk_increment(&calls, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
