// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sizes one process asks read() for, in every histogram shape run
 * recognises, and a plain array of counters that must stay a plain map:
 * - sizes_by_fd: log2, keyed by fd (PK_HIST_KEYED, section "fd");
 * - lin_by_fd: linear, 1024 bytes a slot, keyed by fd, unit annotated;
 * - size_bytes: linear, unkeyed, 1024 a slot (PK_HIST_LINEAR);
 * - by_pid: a hand-written bcc-style { pid, slot } hash, untagged;
 * - calls: PK_ARRAY of counters, not a histogram.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile __u32 targ_pid = 0;

PK_HIST_KEYED(sizes_by_fd, __u32, 32) PK_HIST_SECTION("fd");
PK_HIST_LINEAR_KEYED(lin_by_fd, __u32, 16, 1024) PK_HIST_SECTION("fd") PK_HIST_UNIT("bytes");
PK_HIST_LINEAR(size_bytes, 16, 1024);

struct pid_slot {
	__u32 pid;
	__u32 slot;
};
PK_HASH(by_pid, struct pid_slot, __u64, 64);
PK_ARRAY(calls, __u64, 4);

PK_SYSCALL_ENTER(read)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32, fd = args->args[0], zero = 0;
	__u64 size = args->args[2];
	struct pid_slot k = { .pid = pid, .slot = pk_log2l(size) };

	if (pid != targ_pid)
		return 0;
	pk_hist_add_keyed(&sizes_by_fd, &fd, size);
	pk_hist_add_linear_keyed(&lin_by_fd, &fd, size, 1024);
	pk_hist_add_linear(&size_bytes, size, 1024);
	pk_increment(&by_pid, &k);
	pk_increment(&calls, &zero);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
