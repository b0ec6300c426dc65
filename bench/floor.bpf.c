// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor tracer's kernel half: the same openat enter and exit
 * tracepoints that opensnoop uses on this kernel, doing nothing but count
 * in a per-CPU array. What remains is what the hook mechanism costs.
 *
 * The raw_tp pair is the floor of opensnoop's raw_tp variant: the raw
 * sys_enter/sys_exit tracepoints run for every syscall, and the least a
 * tracer of openat can do there is test the syscall number (on exit, read
 * from regs->orig_ax) before counting.
 *
 * `floor --stat` is the same for newfstatat (glibc's stat() on x86_64), the
 * floor of statsnoop.
 */
#include "vmlinux.h"
#include <asm/unistd.h>
#include <bpf/bpf_helpers.h>

/* (uid_t)-1 counts everyone */
const volatile __u32 targ_uid = (__u32)-1;
/* the syscall the raw programs count */
const volatile long targ_nr = __NR_openat;

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

SEC("tracepoint/syscalls/sys_enter_newfstatat")
int floor_stat_enter(void *ctx)
{
	return count(0);
}

SEC("tracepoint/syscalls/sys_exit_newfstatat")
int floor_stat_exit(void *ctx)
{
	return count(1);
}

SEC("raw_tp/sys_enter")
int floor_raw_enter(struct bpf_raw_tracepoint_args *ctx)
{
	if (ctx->args[1] != targ_nr)
		return 0;
	return count(0);
}

SEC("raw_tp/sys_exit")
int floor_raw_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	long nr = -1;

	bpf_probe_read_kernel(&nr, sizeof(nr), &regs->orig_ax);
	if (nr != targ_nr)
		return 0;
	return count(1);
}

char LICENSE[] SEC("license") = "GPL";
