// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One fallback group, "unlink", with fentry, kprobe and tracepoint
 * members: the best one the kernel allows counts unlinkat() calls per pid.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <probekit/maps.bpf.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} unlinks SEC(".maps");

static __always_inline int count(void)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	pk_increment(&unlinks, &pid);
	return 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(unlink__fentry)
{
	return count();
}

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(unlink__kprobe)
{
	return count();
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int unlink__tp(void *ctx)
{
	return count();
}

char LICENSE[] SEC("license") = "GPL";
