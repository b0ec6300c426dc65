// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * statsnoop's kernel half, four ways: fexit on each stat syscall's
 * function, kprobe/kretprobe on it (both given their target at run time,
 * once kallsyms says it exists), the raw sys_enter/sys_exit tracepoints
 * filtered by syscall number, or the syscall tracepoints.
 *
 * Only fixed-ABI data is read (tracepoint records, struct pt_regs), so the
 * object has no CO-RE relocations and libbpf loads no kernel BTF unless
 * fexit is chosen.
 */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <asm/unistd.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"
#include "syscalls.bpf.h"
#include "statsnoop.h"

const volatile __u32 targ_tgid = 0;
const volatile bool failed_only = false;
/* syscall functions take a struct pt_regs * (the <arch>_sys_ wrappers) */
const volatile bool sys_wrapper = true;

struct entry {
	const char *path;
	/* 0 once the call returned */
	__u32 sys;
};

/*
 * The stat call each thread is in, by thread id: overwritten in place by
 * the thread's next call rather than inserted and deleted each time (see
 * opensnoop.bpf.c's start, which this follows, for what that saves).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct entry);
} start SEC(".maps");

static __always_inline bool wanted(void)
{
	return !targ_tgid || targ_tgid == bpf_get_current_pid_tgid() >> 32;
}

static __always_inline int emit(void *ctx, __u32 sys, const char *path, long ret)
{
	struct statsnoop_event *e;
	__u64 id;
	__u32 n;

	if (failed_only && ret >= 0)
		return 0;
	e = pk_reserve_cut(struct statsnoop_event);
	if (!e)
		return 0;
	id = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->ret = ret;
	e->sys = sys;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	n = pk_read_user_str_len(e->path, sizeof(e->path), path, &e->truncated);
	pk_submit_cut_at(ctx, e, __builtin_offsetof(struct statsnoop_event, path) + n, e->ts_ns);
	return 0;
}

/* Keeps the call for its exit; 1 if kept. */
static __always_inline int store(__u32 sys, const char *path)
{
	struct entry e = { .path = path, .sys = sys };
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct entry *slot = bpf_map_lookup_elem(&start, &tid);

	if (slot) {
		*slot = e;
		return 1;
	}
	if (!bpf_map_update_elem(&start, &tid, &e, BPF_ANY))
		return 1;
	/* this call's event will not be sent */
	pk_count_lost();
	return 0;
}

static __always_inline int enter(__u32 sys, const char *path)
{
	if (wanted())
		store(sys, path);
	return 0;
}

/* Sends the event for the call the thread entered; 1 if there was one. */
static __always_inline int leave(void *ctx, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct entry *e = bpf_map_lookup_elem(&start, &tid);
	__u32 sys;

	if (!e || !e->sys)
		return 0;
	sys = e->sys;
	e->sys = 0;
	emit(ctx, sys, e->path, ret);
	return 1;
}

/* The path argument (the first or the second) in a syscall wrapper's regs. */
static __always_inline const char *regs_path(struct pt_regs *regs, int idx)
{
	struct pt_regs r = {};

	bpf_probe_read_kernel(&r, sizeof(r), regs);
	return (const char *)(idx ? PT_REGS_PARM2_SYSCALL(&r) : PT_REGS_PARM1_SYSCALL(&r));
}

static __always_inline const char *kprobe_path(struct pt_regs *ctx, int idx)
{
	if (sys_wrapper)
		return regs_path((struct pt_regs *)PT_REGS_PARM1(ctx), idx);
	return (const char *)(idx ? PT_REGS_PARM2(ctx) : PT_REGS_PARM1(ctx));
}

/*
 * The exit tracepoint alone (tpx_, as in opensnoop.bpf.c): the path is still
 * in the caller's registers, saved at the syscall's entry (bpf_task_pt_regs,
 * Linux 5.15, the kernel's BTF). Half the tracepoints of tp_enter_/tp_exit_,
 * so half the RCU waits at exit, and no program on every syscall's entry.
 */
static __always_inline int tpx_leave(void *ctx, __u32 sys, int idx, long ret)
{
	if (!wanted())
		return 0;
	return emit(ctx, sys,
		    regs_path((struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()), idx),
		    ret);
}

/* One syscall, @idx being the position of its path argument, hooked four ways. */
#define STAT_SYSCALL(name, sys, idx)                                                     \
	SEC("fexit")                                                                     \
	int BPF_PROG(fx_##name, struct pt_regs *regs, long ret)                          \
	{                                                                                \
		if (!wanted())                                                           \
			return 0;                                                        \
		return emit(ctx, sys, regs_path(regs, idx), ret);                        \
	}                                                                                \
	SEC("kprobe")                                                                    \
	int kp_##name(struct pt_regs *ctx)                                               \
	{                                                                                \
		return enter(sys, kprobe_path(ctx, idx));                                \
	}                                                                                \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                      \
	int tp_enter_##name(struct pk_syscall_enter *ctx)                       \
	{                                                                                \
		return enter(sys, (const char *)ctx->args[idx]);                         \
	}                                                                                \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                       \
	int tp_exit_##name(struct pk_syscall_exit *ctx)                         \
	{                                                                                \
		leave(ctx, ctx->ret);                                                    \
		return 0;                                                                \
	}                                                                                \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                       \
	int tpx_exit_##name(struct pk_syscall_exit *ctx)                                 \
	{                                                                                \
		return tpx_leave(ctx, sys, idx, ctx->ret);                               \
	}

STAT_SYSCALL(stat, SN_STAT, 0)
STAT_SYSCALL(lstat, SN_LSTAT, 0)
STAT_SYSCALL(newstat, SN_NEWSTAT, 0)
STAT_SYSCALL(newlstat, SN_NEWLSTAT, 0)
STAT_SYSCALL(fstatat64, SN_FSTATAT64, 1)
STAT_SYSCALL(newfstatat, SN_NEWFSTATAT, 1)
STAT_SYSCALL(statx, SN_STATX, 1)
STAT_SYSCALL(statfs, SN_STATFS, 0)

/*
 * The stat syscall @nr is, named as the tracepoints name it on this
 * architecture (x86_64's stat is the kernel's newstat), or 0.
 */
static __always_inline __u32 sys_of(long nr)
{
	switch (nr) {
#if defined(__TARGET_ARCH_x86)
	case __NR_stat: return SN_NEWSTAT;
	case __NR_lstat: return SN_NEWLSTAT;
#endif
#ifdef __NR_newfstatat
	case __NR_newfstatat: return SN_NEWFSTATAT;
#endif
#ifdef __NR_fstatat64
	case __NR_fstatat64: return SN_FSTATAT64;
#endif
	case __NR_statx: return SN_STATX;
	case __NR_statfs: return SN_STATFS;
	}
	return 0;
}

/*
 * Every syscall runs these. On x86 the raw sys_exit alone is enough: its
 * regs still hold the syscall number (orig_ax) and the path argument, so
 * nothing is kept from the entry (no entry program, no map update, lookup
 * and delete per stat), and any other syscall costs one 8-byte read (as in
 * opensnoop.bpf.c). Elsewhere the entry keeps the call by thread and the
 * exit reads the number only while a stat is in flight (raw_inflight).
 */
/* The path argument of stat syscall @sys in @regs. */
static __always_inline const char *raw_path(__u32 sys, const struct pt_regs *regs)
{
	if (sys == SN_NEWFSTATAT || sys == SN_FSTATAT64 || sys == SN_STATX)
		return (const char *)PT_REGS_PARM2_SYSCALL(regs);
	return (const char *)PT_REGS_PARM1_SYSCALL(regs);
}

#if defined(__TARGET_ARCH_x86)
SEC("raw_tp/sys_exit")
int rt_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 sys = sys_of(pk_raw_exit_nr(ctx));
	struct pt_regs regs;

	if (!sys || !wanted())
		return 0;
	bpf_probe_read_kernel(&regs, sizeof(regs), (void *)ctx->args[0]);
	if (pk_regs_native(&regs))
		emit(ctx, sys, raw_path(sys, &regs), ctx->args[1]);
	return 0;
}
#else
__u64 raw_inflight = 0;

SEC("raw_tp/sys_enter")
int rt_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 sys = sys_of(ctx->args[1]);
	struct pt_regs regs;

	if (!sys || !wanted())
		return 0;
	bpf_probe_read_kernel(&regs, sizeof(regs), (void *)ctx->args[0]);
	if (!pk_regs_native(&regs))
		return 0;
	if (store(sys, raw_path(sys, &regs)))
		__sync_fetch_and_add(&raw_inflight, 1);
	return 0;
}

SEC("raw_tp/sys_exit")
int rt_exit(struct bpf_raw_tracepoint_args *ctx)
{
	long nr;

	if (!raw_inflight)
		return 0;
	nr = pk_raw_exit_nr(ctx);
	if (nr != PK_NR_UNKNOWN && !sys_of(nr))
		return 0;
	if (leave(ctx, ctx->args[1]))
		__sync_fetch_and_add(&raw_inflight, -1);
	return 0;
}
#endif

SEC("kretprobe")
int krp_stat(struct pt_regs *ctx)
{
	leave(ctx, PT_REGS_RC(ctx));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
