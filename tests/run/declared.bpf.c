// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Options declared in the file: write() calls per process of at least
 * --min BYTES, only odd sizes with --odd, only to fd --fd; the pid filter
 * (-p, or run -c's command) and the uid filter.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile __u32 min_bytes PK_OPTION(m, "min", "BYTES", "count writes of BYTES or more") = 0;
const volatile bool odd_only PK_OPTION(, "odd", "", "count writes of an odd size only") = false;
const volatile __s32 only_fd PK_OPTION(, "fd", "FD", "count writes to FD only; -1: all") = -1;
const volatile char label[8] PK_OPTION(, "label", "TEXT", "a label for the output") = "w";

PK_FILTER_PID;
PK_FILTER_UID;

PK_HASH(writes, __u32, __u64, 1024);

SEC("tracepoint/syscalls/sys_enter_write")
int on_write(struct trace_event_raw_sys_enter *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 size = ctx->args[2];

	if (pk_filtered() || size < min_bytes || (odd_only && !(size & 1)))
		return 0;
	if (only_fd >= 0 && ctx->args[0] != (__u64)only_fd)
		return 0;
	pk_increment(&writes, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
