// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Maps of every kind --metrics exports, for the Prometheus tests:
 * - execs: execve() calls per (uid, comm) of uids from targ_uid up, a counter
 *   with two labels, one of them a string;
 * - read_size_bytes: the sizes targ_pid asks read() for, a log2 histogram
 *   with its sum (read_size_bytes_sum);
 * - reads_by_fd: the same per fd, a keyed histogram (label "fd");
 * - read_usecs: a linear histogram in microseconds (seconds in Prometheus),
 *   filled with the size as if it were a time, for the unit's scale;
 * - pending: a gauge; start: timestamps, no metric.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile __u32 targ_uid = 4242;
const volatile __u32 targ_pid = 0;

struct exec_key {
	__u32 uid;
	char comm[16];
};
PK_HASH(execs, struct exec_key, __u64, 1024);
PK_HIST(read_size_bytes, 32);
PK_ARRAY(read_size_bytes_sum, __u64, 1) PK_HIST_SUM_OF(read_size_bytes);
PK_HIST_KEYED(reads_by_fd, __u32, 32) PK_HIST_SECTION("fd");
PK_HIST_LINEAR(read_usecs, 8, 1000);
PK_HASH(pending, __u32, __s64, 16) PK_GAUGE;
PK_HASH(start, __u32, __u64, 16) PK_NO_METRIC;

SEC("tracepoint/syscalls/sys_enter_execve")
int count_execve(void *ctx)
{
	struct exec_key k = {};

	k.uid = (__u32)bpf_get_current_uid_gid();
	if (k.uid < targ_uid || k.uid > targ_uid + 16)
		return 0;
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	pk_increment(&execs, &k);
	return 0;
}

PK_SYSCALL_ENTER(read)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32, fd = args->args[0], zero = 0;
	__u64 size = args->args[2], now = bpf_ktime_get_ns();
	__s64 *p, one = 1;

	if (pid != targ_pid)
		return 0;
	pk_hist_add(&read_size_bytes, size);
	pk_increment_by(&read_size_bytes_sum, &zero, size);
	pk_hist_add_keyed(&reads_by_fd, &fd, size);
	pk_hist_add_linear(&read_usecs, size, 1000);
	bpf_map_update_elem(&start, &pid, &now, BPF_ANY);
	p = bpf_map_lookup_elem(&pending, &zero);
	if (p)
		__sync_fetch_and_add(p, -1);
	else
		bpf_map_update_elem(&pending, &zero, &one, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
