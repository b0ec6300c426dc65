// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * PK_WITH_PID / PK_WITHOUT_PID: with -p or -c only the process's program
 * is attached, without either only the machine's: each counts getppid()
 * calls into its own map, so the map that is not empty says which ran.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

PK_FILTER_PID;
PK_WITH_PID("proc_*");
PK_WITHOUT_PID("machine_calls");

PK_HASH(proc_counts, __u32, __u64, 16);
PK_HASH(machine_counts, __u32, __u64, 16);

SEC("tracepoint/syscalls/sys_enter_getppid")
int proc_calls(void *ctx)
{
	__u32 zero = 0;

	if (!pk_filtered())
		pk_increment(&proc_counts, &zero);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int machine_calls(void *ctx)
{
	__u32 zero = 0;

	pk_increment(&machine_counts, &zero);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
