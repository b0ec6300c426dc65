// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * opensnoop's kernel half, three ways: fexit on do_sys_openat2 (arguments
 * and result in one place), kprobe/kretprobe on it, or the open, openat and
 * openat2 syscall tracepoints. User space keeps the one that works.
 *
 * Everything read here has a fixed ABI (syscall tracepoint records, pt_regs,
 * struct open_how), so this object carries no CO-RE relocations and libbpf
 * need not parse the kernel's BTF unless fexit is chosen: that saves ~10 MB
 * of memory and tens of milliseconds at start.
 */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/openat2.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"
#include "syscalls.bpf.h"
#include "opensnoop.h"

#define AT_FDCWD -100
#define O_ACCMODE 3
/*
 * On 64-bit the kernel adds O_LARGEFILE to every open before
 * do_sys_openat2() sees the flags (callers cannot even spell it: it is 0 in
 * their headers); the syscall tracepoints see the caller's flags. Dropping
 * it makes every mechanism report what the caller asked for.
 */
#if defined(__TARGET_ARCH_arm64)
#define KERNEL_O_LARGEFILE 0400000
#else
#define KERNEL_O_LARGEFILE 0100000
#endif

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_tid = 0;
const volatile __u32 targ_uid = (__u32)-1;
const volatile bool failed_only = false;
const volatile __u32 flag_mask = 0;
const volatile bool want_rdonly = false;

struct open_args {
	const char *fname;
	__s32 dfd;
	__u32 flags;
	__u32 mode;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct open_args);
} start SEC(".maps");

static __always_inline bool wanted(__u32 flags)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (targ_tgid && targ_tgid != id >> 32)
		return false;
	if (targ_tid && targ_tid != (__u32)id)
		return false;
	if (targ_uid != (__u32)-1 && targ_uid != (__u32)bpf_get_current_uid_gid())
		return false;
	if (!flag_mask && !want_rdonly)
		return true;
	return (flags & flag_mask) || (want_rdonly && (flags & O_ACCMODE) == 0);
}

static __always_inline int emit(void *ctx, const struct open_args *a, long ret)
{
	struct opensnoop_event *e;
	__u64 id;
	__u32 n;

	if (failed_only && ret >= 0)
		return 0;
	e = pk_reserve_cut(struct opensnoop_event);
	if (!e)
		return 0;
	id = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ret = ret;
	e->dfd = a->dfd;
	e->flags = a->flags;
	e->mode = a->mode;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	n = pk_read_user_str_len(e->path, sizeof(e->path), a->fname, &e->truncated);
	pk_submit_cut(ctx, e, __builtin_offsetof(struct opensnoop_event, path) + n);
	return 0;
}

static __always_inline int save_args(const char *fname, int dfd, __u32 flags, __u32 mode)
{
	struct open_args a = { .fname = fname, .dfd = dfd, .flags = flags, .mode = mode };
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (wanted(flags))
		bpf_map_update_elem(&start, &tid, &a, BPF_ANY);
	return 0;
}

static __always_inline int emit_saved(void *ctx, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct open_args *a = bpf_map_lookup_elem(&start, &tid);

	if (!a)
		return 0;
	emit(ctx, a, ret);
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

/* fentry ------------------------------------------------------------------ */

SEC("fexit/do_sys_openat2")
int BPF_PROG(fx_openat2, int dfd, const char *filename, struct open_how *how, long ret)
{
	struct open_how h = {};
	struct open_args a = { .fname = filename, .dfd = dfd };

	bpf_probe_read_kernel(&h, sizeof(h), how);
	a.flags = h.flags & ~KERNEL_O_LARGEFILE;
	a.mode = h.mode;
	if (!wanted(a.flags))
		return 0;
	return emit(ctx, &a, ret);
}

/* kprobe ------------------------------------------------------------------ */

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(kp_openat2, int dfd, const char *filename, struct open_how *how)
{
	struct open_how h = {};

	bpf_probe_read_kernel(&h, sizeof(h), how);
	return save_args(filename, dfd, h.flags & ~KERNEL_O_LARGEFILE, h.mode);
}

SEC("kretprobe/do_sys_openat2")
int BPF_KRETPROBE(krp_openat2, long ret)
{
	return emit_saved(ctx, ret);
}

/* tracepoints ------------------------------------------------------------- */

SEC("tracepoint/syscalls/sys_enter_open")
int tp_enter_open(struct pk_syscall_enter *ctx)
{
	return save_args((const char *)ctx->args[0], AT_FDCWD, ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_enter_openat(struct pk_syscall_enter *ctx)
{
	return save_args((const char *)ctx->args[1], ctx->args[0], ctx->args[2], ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int tp_enter_openat2(struct pk_syscall_enter *ctx)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return save_args((const char *)ctx->args[1], ctx->args[0], how.flags, how.mode);
}

SEC("tracepoint/syscalls/sys_exit_open")
int tp_exit_open(struct pk_syscall_exit *ctx)
{
	return emit_saved(ctx, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tp_exit_openat(struct pk_syscall_exit *ctx)
{
	return emit_saved(ctx, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int tp_exit_openat2(struct pk_syscall_exit *ctx)
{
	return emit_saved(ctx, ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
