// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * opensnoop's kernel half, four ways: fexit on do_sys_openat2 (arguments
 * and result in one place; open, openat, openat2 and creat all go through
 * it), kprobe/kretprobe on it, the raw sys_enter/sys_exit tracepoints
 * filtered by syscall number, or the open, openat, openat2 and creat
 * syscall tracepoints. User space keeps the first that works.
 *
 * Everything read here has a fixed ABI (syscall tracepoint records, pt_regs,
 * struct open_how), so this object carries no CO-RE relocations and libbpf
 * need not parse the kernel's BTF unless fexit is chosen: that saves ~10 MB
 * of memory and tens of milliseconds at start.
 *
 * opensnoop_full.bpf.c builds this file again with OPENSNOOP_FULL_PATH for
 * -F: each event then carries the directory a relative path was relative
 * to, read from the task's fs_struct or file table at the open. That needs
 * CO-RE (kernel BTF), which is why it is a separate object.
 */
#ifdef OPENSNOOP_FULL_PATH
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#else
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/openat2.h>
#include <asm/ptrace.h>
#endif
#include <asm/unistd.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"
#include "syscalls.bpf.h"
#include "opensnoop.h"

#define AT_FDCWD -100
#define O_ACCMODE 3
#define O_WRONLY 01
#define O_TRUNC 01000
/* S_IALLUGO: the mode bits the kernel keeps */
#define MODE_MASK 07777
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
const volatile __u64 flag_mask = 0;
const volatile bool want_rdonly = false;

struct open_args {
	const char *fname;
	__u64 flags;
	__s32 dfd;
	__u32 mode;
	/* the thread is inside the open these are for */
	__u32 live;
};

/*
 * The arguments of the open each thread is in, from its entry to its exit,
 * by thread id. An entry stays when its open returns (marked not live) and
 * the thread's next open overwrites it in place: an update that inserts and
 * a delete cost ~280 ns per open between them, a lookup ~30 (measured with
 * bench/bpfcost). LRU, so threads that are gone give their room to new
 * ones; a thread's entry could only be evicted inside its open if as many
 * other threads opened since (10240): the old delete-at-exit table failed
 * its inserts at that many opens in flight.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct open_args);
} start SEC(".maps");

static __always_inline bool wanted_task(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (targ_tgid && targ_tgid != id >> 32)
		return false;
	if (targ_tid && targ_tid != (__u32)id)
		return false;
	return targ_uid == (__u32)-1 || targ_uid == (__u32)bpf_get_current_uid_gid();
}

static __always_inline bool wanted_flags(__u64 flags)
{
	if (!flag_mask && !want_rdonly)
		return true;
	return (flags & flag_mask) || (want_rdonly && (flags & O_ACCMODE) == 0);
}

static __always_inline bool wanted(__u64 flags)
{
	return wanted_task() && wanted_flags(flags);
}

/* The kernel ignores the mode unless it may create a file (build_open_how()). */
static __always_inline __u32 used_mode(__u64 flags, __u64 mode)
{
	return OPENSNOOP_USES_MODE(flags) ? mode & MODE_MASK : 0;
}

#ifdef OPENSNOOP_FULL_PATH
/* -F: the directory, built backwards from its deepest component. */
struct dir_scratch {
	/* room past OPENSNOOP_DIR_MAX for one name at the last offset */
	char buf[OPENSNOOP_DIR_MAX + 256];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dir_scratch);
} dir_scratch SEC(".maps");

struct dir_walk {
	struct dentry *d;
	struct mount *m;
	struct dentry *root_d;
	struct mount *root_m;
	/* the directory is buf[pos .. OPENSNOOP_DIR_MAX) */
	__u32 pos;
	bool done, cut;
};

static __always_inline struct mount *real_mount(struct vfsmount *mnt)
{
	return (void *)mnt - bpf_core_field_offset(struct mount, mnt);
}

/* One step up, as d_path() goes: a name, or from a mount's root to its mount point. */
static long dir_step(__u32 i, struct dir_walk *w)
{
	/* locals: BPF_CORE_READ(w->m, ...) would relocate w's own fields */
	struct dentry *d = w->d, *parent, *mnt_root;
	struct mount *m = w->m, *up;
	const unsigned char *name;
	__u32 zero = 0, len;
	char *buf;

	if (d == w->root_d && m == w->root_m)
		goto done;
	mnt_root = BPF_CORE_READ(m, mnt.mnt_root);
	parent = BPF_CORE_READ(d, d_parent);
	if (d == mnt_root || d == parent) {
		up = BPF_CORE_READ(m, mnt_parent);
		if (!up || up == m)
			goto done;
		w->d = BPF_CORE_READ(m, mnt_mountpoint);
		w->m = up;
		return 0;
	}
	len = BPF_CORE_READ(d, d_name.len);
	name = BPF_CORE_READ(d, d_name.name);
	buf = bpf_map_lookup_elem(&dir_scratch, &zero);
	if (!buf)
		goto done;
	if (len > 255 || len + 1 > w->pos) {
		w->cut = true;
		return 1;
	}
	w->pos -= len;
	bpf_probe_read_kernel(buf + (w->pos & (OPENSNOOP_DIR_MAX - 1)), len & 255, name);
	w->pos--;
	buf[w->pos & (OPENSNOOP_DIR_MAX - 1)] = '/';
	w->d = parent;
	return 0;
done:
	w->done = true;
	return 1;
}

/* The path of the cwd (AT_FDCWD) or of file @dfd of the current task. */
static __always_inline void fill_dir(struct opensnoop_full_event *fe, int dfd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct dir_walk w = { .pos = OPENSNOOP_DIR_MAX };
	struct path where, root;
	struct file **fds, *f = NULL;
	__u32 zero = 0, len;
	char *buf;

	fe->dir_ok = false;
	if (fe->base.path[0] == '/' || !fe->base.path[0])
		return;
	root = BPF_CORE_READ(task, fs, root);
	if (dfd == AT_FDCWD) {
		where = BPF_CORE_READ(task, fs, pwd);
	} else {
		if (dfd < 0 || (__u32)dfd >= BPF_CORE_READ(task, files, fdt, max_fds))
			return;
		fds = BPF_CORE_READ(task, files, fdt, fd);
		bpf_probe_read_kernel(&f, sizeof(f), &fds[dfd]);
		if (!f)
			return;
		where = BPF_CORE_READ(f, f_path);
	}
	w.d = where.dentry;
	w.m = real_mount(where.mnt);
	w.root_d = root.dentry;
	w.root_m = real_mount(root.mnt);
	bpf_loop(OPENSNOOP_DIR_DEPTH, dir_step, &w, 0);
	buf = bpf_map_lookup_elem(&dir_scratch, &zero);
	if (!buf)
		return;
	len = OPENSNOOP_DIR_MAX - w.pos;
	bpf_probe_read_kernel(fe->dir, len & (OPENSNOOP_DIR_MAX - 1),
			      buf + (w.pos & (OPENSNOOP_DIR_MAX - 1)));
	fe->dir_len = len & (OPENSNOOP_DIR_MAX - 1);
	fe->dir_cut = w.cut || !w.done;
	fe->dir_ok = true;
}
#define EVENT_TYPE struct opensnoop_full_event
#else
#define EVENT_TYPE struct opensnoop_event
#endif

static __always_inline int emit(void *ctx, const struct open_args *a, long ret)
{
	EVENT_TYPE *fe;
	struct opensnoop_event *e;
	__u64 id;
#ifndef OPENSNOOP_FULL_PATH
	__u32 n;
#endif

	if (failed_only && ret >= 0)
		return 0;
#ifdef OPENSNOOP_FULL_PATH
	fe = pk_reserve(EVENT_TYPE);
#else
	/* sent cut after the path's NUL: five times as many fit in the buffer */
	fe = pk_reserve_cut(EVENT_TYPE);
#endif
	if (!fe)
		return 0;
	e = (struct opensnoop_event *)fe;
	id = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ret = ret;
	e->dfd = a->dfd;
	e->flags = a->flags;
	e->mode = used_mode(a->flags, a->mode);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
#ifdef OPENSNOOP_FULL_PATH
	e->truncated = pk_read_user_str(e->path, sizeof(e->path), a->fname);
	fill_dir(fe, a->dfd);
	pk_submit(ctx, fe);
#else
	n = pk_read_user_str_len(e->path, sizeof(e->path), a->fname, &e->truncated);
	pk_submit_cut_at(ctx, e, __builtin_offsetof(struct opensnoop_event, path) + n, e->ts_ns);
#endif
	return 0;
}

/* Keeps @a for the thread's exit (see start); 1 if kept. */
static __always_inline int keep_args(const struct open_args *a)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct open_args *slot = bpf_map_lookup_elem(&start, &tid);

	if (slot) {
		*slot = *a;
		return 1;
	}
	if (!bpf_map_update_elem(&start, &tid, a, BPF_ANY))
		return 1;
	/* this open's event will not be sent */
	pk_count_lost();
	return 0;
}

/* Keeps the arguments for the exit when the flags are wanted; 1 if kept. */
static __always_inline int store_args(const char *fname, int dfd, __u64 flags, __u32 mode)
{
	struct open_args a = { .fname = fname, .dfd = dfd, .flags = flags, .mode = mode };

	a.live = 1;

	return wanted_flags(flags) && keep_args(&a);
}

static __always_inline int save_args(const char *fname, int dfd, __u64 flags, __u32 mode)
{
	if (wanted_task())
		store_args(fname, dfd, flags, mode);
	return 0;
}

/* Sends the event for the call the thread entered; 1 if there was one. */
static __always_inline int emit_saved(void *ctx, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct open_args *a = bpf_map_lookup_elem(&start, &tid);

	if (!a || !a->live)
		return 0;
	a->live = 0;
	emit(ctx, a, ret);
	return 1;
}

/* openat2's struct open_how, read from user space */
static __always_inline int store_openat2(const char *fname, int dfd, const void *uhow)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), uhow);
	return store_args(fname, dfd, how.flags, how.mode);
}

static __always_inline int save_openat2(const char *fname, int dfd, const void *uhow)
{
	if (wanted_task())
		store_openat2(fname, dfd, uhow);
	return 0;
}

#define CREAT_FLAGS (OPENSNOOP_O_CREAT | O_WRONLY | O_TRUNC)

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
	emit_saved(ctx, ret);
	return 0;
}

/* raw tracepoints ------------------------------------------------------------
 * Every syscall runs these, so they do as little as they can for the
 * others.
 *
 * On x86 one program is enough: the raw sys_exit's regs still hold the
 * syscall number (orig_ax) and its arguments as the call saw them (an open
 * does not change the registers it was given), so the exit reads them
 * there and nothing is kept between entry and exit: no map update at entry,
 * no lookup and delete at exit, no program on every syscall's entry. That
 * is a third of the BPF time of an open; the other syscalls pay one 8-byte
 * read. The path is read at the exit, as every other variant reads it.
 *
 * Elsewhere the number is not at hand on exit: the entry keeps the
 * arguments by thread, and the exit reads the number only while an open
 * is in flight (raw_inflight: opens entered and not yet left; a thread
 * killed inside an open never leaves it, which then costs that read on
 * every exit but loses nothing).
 */
static __always_inline bool is_open_nr(long nr)
{
	return nr == __NR_openat || nr == __NR_openat2 || nr == PK_NR_OPEN || nr == PK_NR_CREAT;
}

/* The arguments of open syscall @nr from its registers; false if unwanted. */
static __always_inline bool regs_args(long nr, const struct pt_regs *regs, struct open_args *a)
{
	struct open_how how = {};

	if (!pk_regs_native(regs))
		return false;
	if (nr == __NR_openat || nr == __NR_openat2) {
		a->dfd = PT_REGS_PARM1_SYSCALL(regs);
		a->fname = (const char *)PT_REGS_PARM2_SYSCALL(regs);
	} else {
		a->dfd = AT_FDCWD;
		a->fname = (const char *)PT_REGS_PARM1_SYSCALL(regs);
	}
	if (nr == __NR_openat) {
		a->flags = PT_REGS_PARM3_SYSCALL(regs);
		a->mode = PT_REGS_PARM4_SYSCALL(regs);
	} else if (nr == __NR_openat2) {
		bpf_probe_read_user(&how, sizeof(how), (const void *)PT_REGS_PARM3_SYSCALL(regs));
		a->flags = how.flags;
		a->mode = how.mode;
	} else if (nr == PK_NR_OPEN) {
		a->flags = PT_REGS_PARM2_SYSCALL(regs);
		a->mode = PT_REGS_PARM3_SYSCALL(regs);
	} else {
		a->flags = CREAT_FLAGS;
		a->mode = PT_REGS_PARM2_SYSCALL(regs);
	}
	a->live = 1;
	return wanted_flags(a->flags);
}

#if defined(__TARGET_ARCH_x86)
SEC("raw_tp/sys_exit")
int rt_exit(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = pk_raw_exit_nr(ctx);
	struct open_args a;
	struct pt_regs regs;

	if (!is_open_nr(nr) || !wanted_task())
		return 0;
	bpf_probe_read_kernel(&regs, sizeof(regs), (void *)ctx->args[0]);
	if (regs_args(nr, &regs, &a))
		emit(ctx, &a, ctx->args[1]);
	return 0;
}
#else
__u64 raw_inflight = 0;

SEC("raw_tp/sys_enter")
int rt_enter(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = ctx->args[1];
	struct open_args a;
	struct pt_regs regs;

	if (!is_open_nr(nr) || !wanted_task())
		return 0;
	bpf_probe_read_kernel(&regs, sizeof(regs), (void *)ctx->args[0]);
	if (regs_args(nr, &regs, &a) && keep_args(&a))
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
	if (nr != PK_NR_UNKNOWN && !is_open_nr(nr))
		return 0;
	if (emit_saved(ctx, ctx->args[1]))
		__sync_fetch_and_add(&raw_inflight, -1);
	return 0;
}
#endif

/* tracepoints ------------------------------------------------------------- */

/*
 * The exit tracepoints alone (the default where fentry and kprobes are not
 * allowed): the arguments are still in the caller's registers, which the
 * kernel saved at the syscall's entry (bpf_task_pt_regs, Linux 5.15, needs
 * the kernel's BTF). Half the tracepoints of the pairs below, so half the
 * RCU waits at exit (one per tracepoint, one after another under the
 * kernel's event_mutex), nothing kept between entry and exit, and no
 * program hung on every syscall's entry: untraced syscalls pay only the
 * kernel's bit test for the exit tracepoint.
 */
static __always_inline int tpx_emit(void *ctx, long nr, long ret)
{
	struct open_args a;
	struct pt_regs regs;

	if (!wanted_task())
		return 0;
	bpf_probe_read_kernel(&regs, sizeof(regs),
			      (void *)bpf_task_pt_regs(bpf_get_current_task_btf()));
	if (regs_args(nr, &regs, &a))
		emit(ctx, &a, ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int tpx_exit_open(struct pk_syscall_exit *ctx)
{
	return tpx_emit(ctx, PK_NR_OPEN, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int tpx_exit_creat(struct pk_syscall_exit *ctx)
{
	return tpx_emit(ctx, PK_NR_CREAT, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tpx_exit_openat(struct pk_syscall_exit *ctx)
{
	return tpx_emit(ctx, __NR_openat, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int tpx_exit_openat2(struct pk_syscall_exit *ctx)
{
	return tpx_emit(ctx, __NR_openat2, ctx->ret);
}

/* Elsewhere each entry keeps the arguments for its exit. */

SEC("tracepoint/syscalls/sys_enter_open")
int tp_enter_open(struct pk_syscall_enter *ctx)
{
	return save_args((const char *)ctx->args[0], AT_FDCWD, ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int tp_enter_creat(struct pk_syscall_enter *ctx)
{
	return save_args((const char *)ctx->args[0], AT_FDCWD, CREAT_FLAGS, ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_enter_openat(struct pk_syscall_enter *ctx)
{
	return save_args((const char *)ctx->args[1], ctx->args[0], ctx->args[2], ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int tp_enter_openat2(struct pk_syscall_enter *ctx)
{
	return save_openat2((const char *)ctx->args[1], ctx->args[0], (void *)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_open")
int tp_exit_open(struct pk_syscall_exit *ctx)
{
	emit_saved(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_creat")
int tp_exit_creat(struct pk_syscall_exit *ctx)
{
	emit_saved(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tp_exit_openat(struct pk_syscall_exit *ctx)
{
	emit_saved(ctx, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int tp_exit_openat2(struct pk_syscall_exit *ctx)
{
	emit_saved(ctx, ctx->ret);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
