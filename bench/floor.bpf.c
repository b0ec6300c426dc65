// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor tracer's kernel half: the same openat enter and exit
 * tracepoints that opensnoop uses on this kernel, doing nothing but count
 * in a per-CPU array. What remains is what the hook mechanism costs.
 * The raw_tp pair is the floor of the other mechanism a syscall tool can
 * use: the raw sys_enter/sys_exit tracepoints, which run for every system
 * call and keep openat by its number.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* (uid_t)-1 counts everyone */
const volatile __u32 targ_uid = (__u32)-1;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline int count(__u32 slot)
{
	__u64 *n;

	if (targ_uid != (__u32)-1 && targ_uid != (__u32)bpf_get_current_uid_gid())
		return 0;
	n = bpf_map_lookup_elem(&counts, &slot);
	if (n)
		*n += 1;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int floor_enter(void *ctx)
{
	return count(0);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int floor_exit(void *ctx)
{
	return count(1);
}

#if defined(__TARGET_ARCH_arm64)
#define NR_OPENAT 56
#define SYSCALL_NR(regs) ((regs)->syscallno)
#else
#define NR_OPENAT 257
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#endif

SEC("raw_tp/sys_enter")
int floor_raw_enter(struct bpf_raw_tracepoint_args *ctx)
{
	return ctx->args[1] == NR_OPENAT ? count(0) : 0;
}

SEC("raw_tp/sys_exit")
int floor_raw_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	long nr = -1;

	bpf_probe_read_kernel(&nr, sizeof(nr), &SYSCALL_NR(regs));
	return nr == NR_OPENAT ? count(1) : 0;
}

char LICENSE[] SEC("license") = "GPL";
