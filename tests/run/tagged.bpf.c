// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Two stack maps, and stack ids known only by their tags: each names its
 * map and kind. The value is a struct: its first integer is the count.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <asm/unistd.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile __u32 targ_tgid = 0;

struct key_t {
	__u32 tgid;
	__s32 where PK_USTACK_ID_OF(ustacks);
	__s32 how PK_KSTACK_ID_OF(kstacks);
};

struct total {
	__u64 calls;
	__u64 last_ns;
};

PK_STACK_TRACE(kstacks, 256);
PK_STACK_TRACE(ustacks, 256);
PK_HASH(totals, struct key_t, struct total, 64);

SEC("raw_tp/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
	struct key_t key = {};
	struct total zero = {}, *t;

	if (id != __NR_getppid || bpf_get_current_pid_tgid() >> 32 != targ_tgid)
		return 0;
	key.tgid = targ_tgid;
	key.where = pk_stack_id(ctx, &ustacks, true);
	key.how = pk_stack_id(ctx, &kstacks, false);
	t = pk_lookup_or_try_init(&totals, &key, &zero);
	if (t) {
		__sync_fetch_and_add(&t->calls, 1);
		t->last_ns = bpf_ktime_get_ns();
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
