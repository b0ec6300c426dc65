// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Row tables with declared formats and several conditions: getppid() calls
 * of process @pid (its syscall number by name, a made-up time in us), in
 * the table whose PK_TABLE_WHEN/UNLESS all hold; a PK_PRIVATE map never
 * printed; @nr and @err parameters given by name (pk_syscall_t, pk_errno_t).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile __u32 pid = 0;
const volatile bool a = false;
const volatile bool b = false;
const volatile pk_syscall_t nr = -1;
const volatile pk_errno_t err = 0;

struct k {
	pk_syscall_t nr;
};

struct v {
	__u64 count;
	__u64 total_ns PK_DURATION(ns, us);
};

PK_HASH(only_a, struct k, struct v, 16) PK_TABLE_ROW("A {nr:-10} {count:5} {total_ns:10}")
	PK_TABLE_WHEN(a) PK_TABLE_UNLESS(b);
struct v2 {
	__u64 count;
	pk_errno_t err_seen;
};

PK_HASH(a_and_b, struct k, struct v2, 16) PK_TABLE_ROW("AB {nr:-10} {count:5} err={err_seen}")
	PK_TABLE_WHEN(a) PK_TABLE_WHEN(b);
PK_HASH(seen, struct k, __u64, 16) PK_PRIVATE;

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	struct k key = { .nr = nr };
	struct v2 zero2 = { .err_seen = -err }, *v2;
	struct v zero = {}, *v;

	if ((bpf_get_current_pid_tgid() >> 32) != pid)
		return 0;
	pk_increment(&seen, &key);
	if (b) {
		v2 = pk_lookup_or_try_init(&a_and_b, &key, &zero2);
		if (v2)
			v2->count++;
		return 0;
	}
	v = pk_lookup_or_try_init(&only_a, &key, &zero);
	if (v) {
		v->count++;
		/* 1500 ns a call: 4 calls print as 6.000 us */
		v->total_ns += 1500;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
