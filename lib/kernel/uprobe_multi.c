// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * uprobe_multi links (Linux 6.6+): one BPF link hooking several offsets of
 * one file. Detaching a classic uprobe (a perf event) waits for an RCU
 * grace period under the global event_mutex, one uprobe after another;
 * a multi link unregisters all its uprobes and waits once.
 *
 * Debian bookworm's libbpf (1.1) has neither bpf_program__attach_uprobe_multi()
 * nor the uprobe_multi fields of bpf_link_create_opts, and its <linux/bpf.h>
 * (6.1) lacks them too: the link is made with the bpf() syscall here, and the
 * caller keeps the link's file descriptor.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "kernel.h"

/*
 * union bpf_attr's link_create as Linux 6.6 lays it out for uprobe_multi;
 * the rest of the union must be zero (the kernel checks it).
 */
struct link_create_uprobe_multi {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__aligned_u64 path;
	__aligned_u64 offsets;
	__aligned_u64 ref_ctr_offsets;
	__aligned_u64 cookies;
	__u32 cnt;
	__u32 multi_flags;
	__u32 pid;
};

union link_create_attr {
	struct link_create_uprobe_multi lc;
	/* as large as the 6.1 headers' union bpf_attr, all of it zeroed */
	char bytes[sizeof(union bpf_attr) > 64 ? sizeof(union bpf_attr) : 64];
};

int pk__uprobe_multi_link(int prog_fd, const char *path, const unsigned long *offsets,
			  const __u64 *cookies, unsigned int cnt, int pid, unsigned int flags)
{
	union link_create_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.lc.prog_fd = prog_fd;
	attr.lc.attach_type = PK__BPF_TRACE_UPROBE_MULTI;
	attr.lc.path = (uintptr_t)path;
	attr.lc.offsets = (uintptr_t)offsets;
	attr.lc.cookies = (uintptr_t)cookies;
	attr.lc.cnt = cnt;
	attr.lc.multi_flags = flags;
	attr.lc.pid = pid;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}
