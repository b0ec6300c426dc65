// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Maps as users expect them: execve() calls of uid target_uid counted by
 * comm in a table (COMM COUNT, bcc's syscount), the same counts in a
 * histogram keyed by a char comm[16], and a libbpf map of its own (USDT
 * would add __bpf_usdt_specs) that is never printed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/maps.bpf.h>

const volatile __u32 target_uid = 0;

struct comm_key { /* not "key": vmlinux.h has a struct key */
	char comm[16];
};

PK_HASH(execs, struct comm_key, __u64, 1024) PK_TABLE_VALUE("COUNT") PK_TABLE_TOP(5);
PK_HASH(execs_by_uid, __u32, __u64, 16) PK_TABLE_KEY("UID") PK_TABLE_VALUE("EXECS");
PK_HIST_KEYED(calls_by_comm, char[16], 64) PK_HIST_SECTION("comm");
/* named as libbpf names its own maps: not the program's data */
PK_HASH(__bpf_private, __u32, __u64, 1);

SEC("tracepoint/syscalls/sys_exit_execve")
int on_exec(void *ctx)
{
	__u32 uid = bpf_get_current_uid_gid();
	struct comm_key k = {};
	__u32 zero = 0;

	if (uid != target_uid)
		return 0;
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	pk_increment(&execs, &k);
	pk_increment(&execs_by_uid, &uid);
	pk_hist_add_keyed(&calls_by_comm, &k.comm, 1);
	pk_increment(&__bpf_private, &zero);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
