// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * PK_PROGS_WHEN / PK_PROGS_UNLESS: with -t only the timed program is
 * loaded, without it only the counting one: each counts getppid() calls
 * into its own map, so the map that is not empty says which ran.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

PK_FILTER_PID;
const volatile bool timed PK_OPTION(t, "timed", "", "count into timed_counts") = false;
PK_PROGS_WHEN(timed, "timed_*");
PK_PROGS_UNLESS(timed, "plain_calls");

PK_HASH(timed_counts, __u32, __u64, 16);
PK_HASH(plain_counts, __u32, __u64, 16);

SEC("tracepoint/syscalls/sys_enter_getppid")
int timed_calls(void *ctx)
{
	__u32 zero = 0;

	if (!pk_filtered())
		pk_increment(&timed_counts, &zero);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int plain_calls(void *ctx)
{
	__u32 zero = 0;

	if (!pk_filtered())
		pk_increment(&plain_counts, &zero);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
