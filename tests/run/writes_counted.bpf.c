// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * write() calls per process, only of the processes the runtime's filters
 * let through (-p, -t, -u, --comm, --cgroup; -c's command under run).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

PK_FILTER_PID;
PK_FILTER_TID;
PK_FILTER_UID;
PK_FILTER_COMM;
PK_FILTER_CGROUP;

PK_HASH(writes, __u32, __u64, 1024);

SEC("tracepoint/syscalls/sys_enter_write")
int on_write(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	if (pk_filtered())
		return 0;
	pk_increment(&writes, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
