// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mountsnoop: mount(2) and umount2(2) calls, and the new mount API's
 * fsopen(2), fsmount(2) and move_mount(2), with the caller (COMM PID TID
 * MNT_NS, as bcc's mountsnoop), the arguments with flags as names, and the
 * result. The whole tool is this file: probekit compiles it in, and
 * `probekit run tools/mountsnoop/mountsnoop.bpf.c` runs a copy from source.
 *
 * The entry tracepoints keep the arguments by thread, the exit tracepoints
 * read the strings (still in the caller's memory) and send them with the
 * result. Three record types, each its own table: mount, umount and the
 * new API's calls.
 */
#include "vmlinux.h"
#include <asm/unistd.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"

PK_TOOL_SUMMARY(
    "Trace mount and umount calls, and the new mount API (fsopen, fsmount, move_mount).");
PK_TOOL_EXAMPLE("mountsnoop               # trace every mount-family call");
PK_TOOL_EXAMPLE("mountsnoop -p 181        # only process 181");

PK_FILTER_PID;
PK_FILTER_UID;

/* mount(2)'s flags (linux/mount.h) */
enum ms_flags {
	MS_RDONLY = 1,
	MS_NOSUID = 2,
	MS_NODEV = 4,
	MS_NOEXEC = 8,
	MS_SYNCHRONOUS = 16,
	MS_REMOUNT = 32,
	MS_MANDLOCK = 64,
	MS_DIRSYNC = 128,
	MS_NOSYMFOLLOW = 256,
	MS_NOATIME = 1024,
	MS_NODIRATIME = 2048,
	MS_BIND = 4096,
	MS_MOVE = 8192,
	MS_REC = 16384,
	MS_SILENT = 32768,
	MS_POSIXACL = 1 << 16,
	MS_UNBINDABLE = 1 << 17,
	MS_PRIVATE = 1 << 18,
	MS_SLAVE = 1 << 19,
	MS_SHARED = 1 << 20,
	MS_RELATIME = 1 << 21,
	MS_KERNMOUNT = 1 << 22,
	MS_I_VERSION = 1 << 23,
	MS_STRICTATIME = 1 << 24,
	MS_LAZYTIME = 1 << 25,
};

/* umount2(2)'s */
enum umount2_flags {
	MNT_FORCE = 1,
	MNT_DETACH = 2,
	MNT_EXPIRE = 4,
	UMOUNT_NOFOLLOW = 8,
};

/* the new API's: fsopen's and fsmount's CLOEXEC, fsmount's attributes, move_mount's */
enum fsmount_attr_flags {
	MOUNT_ATTR_RDONLY = 0x1,
	MOUNT_ATTR_NOSUID = 0x2,
	MOUNT_ATTR_NODEV = 0x4,
	MOUNT_ATTR_NOEXEC = 0x8,
	MOUNT_ATTR_RELATIME = 0x0,
	MOUNT_ATTR_NOATIME = 0x10,
	MOUNT_ATTR_STRICTATIME = 0x20,
	MOUNT_ATTR_NODIRATIME = 0x80,
	MOUNT_ATTR_IDMAP = 0x100000,
	MOUNT_ATTR_NOSYMFOLLOW = 0x200000,
};

enum move_mount_flags {
	MOVE_MOUNT_F_SYMLINKS = 0x1,
	MOVE_MOUNT_F_AUTOMOUNTS = 0x2,
	MOVE_MOUNT_F_EMPTY_PATH = 0x4,
	MOVE_MOUNT_T_SYMLINKS = 0x10,
	MOVE_MOUNT_T_AUTOMOUNTS = 0x20,
	MOVE_MOUNT_T_EMPTY_PATH = 0x40,
	MOVE_MOUNT_SET_GROUP = 0x100,
	MOVE_MOUNT_BENEATH = 0x200,
};

#define CALLER                                                                                     \
	char comm[16];                                                                             \
	__u32 pid;                                                                                 \
	__u32 tid;                                                                                 \
	__u32 mnt_ns;                                                                              \
	pk_errno_t ret

struct mount_ev {
	PK_EVENT_KIND;
	CALLER;
	enum ms_flags flags PK_FMT("flags");
	char fstype[16];
	char source[64];
	char data[64];
	char target[128];
};

struct umount_ev {
	PK_EVENT_KIND;
	CALLER;
	enum umount2_flags flags PK_FMT("flags");
	char target[128];
};

/* fsopen(name, flags), fsmount(fd, flags, attrs), move_mount(fd, from, to_fd, to, flags) */
struct newmount_ev {
	PK_EVENT_KIND;
	CALLER;
	pk_syscall_t call;
	__s32 fd;
	pk_hex_t flags;
	enum fsmount_attr_flags attrs PK_FMT("flags");
	enum move_mount_flags move PK_FMT("flags");
	char name[16];
	char from[64];
	__s32 to_fd;
	char to[128];
};

PK_EVENT(struct mount_ev);
PK_EVENT(struct umount_ev);
PK_EVENT(struct newmount_ev);

struct call {
	__s32 nr;
	__u64 args[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct call);
} pk_calls SEC(".maps");

/*
 * Reads the call's @nargs arguments and no more: a tracepoint program that
 * reads past its record is refused at attach (EACCES).
 */
static __always_inline int enter(struct pk_syscall_enter *ctx, int nargs)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call c = {.nr = ctx->id};
	int i;

	if (pk_filtered())
		return 0;
	for (i = 0; i < 5 && i < nargs; i++)
		c.args[i] = ctx->args[i];
	if (bpf_map_update_elem(&pk_calls, &tid, &c, BPF_ANY))
		/* this call's event will not be sent */
		pk_count_lost();
	return 0;
}

/* The caller's columns, the same in the three record types. */
#define FILL_CALLER(e, result)                                                                     \
	do {                                                                                       \
		struct task_struct *task = (void *)bpf_get_current_task();                         \
		__u64 id = bpf_get_current_pid_tgid();                                             \
		bpf_get_current_comm((e)->comm, sizeof((e)->comm));                                \
		(e)->pid = id >> 32;                                                               \
		(e)->tid = (__u32)id;                                                              \
		(e)->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);                       \
		(e)->ret = (result);                                                               \
	} while (0)

static __always_inline void user_str(char *dst, __u32 size, __u64 src)
{
	if (!src || bpf_probe_read_user_str(dst, size, (const void *)src) < 0)
		dst[0] = '\0';
}

/* Takes the thread's call out of pk_calls; false if there was none. */
static __always_inline bool take(struct call *c)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call *kept = bpf_map_lookup_elem(&pk_calls, &tid);

	if (!kept)
		return false;
	*c = *kept;
	bpf_map_delete_elem(&pk_calls, &tid);
	return true;
}

static __always_inline int leave_mount(struct pk_syscall_exit *ctx)
{
	struct mount_ev *e;
	struct call c;

	if (!take(&c))
		return 0;
	e = pk_reserve_kind(struct mount_ev);
	if (!e)
		return 0;
	FILL_CALLER(e, ctx->ret);
	user_str(e->source, sizeof(e->source), c.args[0]);
	user_str(e->target, sizeof(e->target), c.args[1]);
	user_str(e->fstype, sizeof(e->fstype), c.args[2]);
	e->flags = c.args[3];
	/* data is a string for most file systems; binary ones show what reads as one */
	user_str(e->data, sizeof(e->data), c.args[4]);
	pk_submit(ctx, e);
	return 0;
}

static __always_inline int leave_umount(struct pk_syscall_exit *ctx)
{
	struct umount_ev *e;
	struct call c;

	if (!take(&c))
		return 0;
	e = pk_reserve_kind(struct umount_ev);
	if (!e)
		return 0;
	FILL_CALLER(e, ctx->ret);
	user_str(e->target, sizeof(e->target), c.args[0]);
	e->flags = c.args[1];
	pk_submit(ctx, e);
	return 0;
}

static __always_inline int leave_new(struct pk_syscall_exit *ctx)
{
	struct newmount_ev *e;
	struct call c;

	if (!take(&c))
		return 0;
	e = pk_reserve_kind(struct newmount_ev);
	if (!e)
		return 0;
	FILL_CALLER(e, ctx->ret);
	e->call = c.nr;
	e->fd = -1;
	e->to_fd = -1;
	e->flags = 0;
	e->attrs = 0;
	e->move = 0;
	e->name[0] = e->from[0] = e->to[0] = '\0';
	if (c.nr == __NR_fsopen) {
		user_str(e->name, sizeof(e->name), c.args[0]);
		e->flags = c.args[1];
	} else if (c.nr == __NR_fsmount) {
		e->fd = c.args[0];
		e->flags = c.args[1];
		e->attrs = c.args[2];
	} else {
		e->fd = c.args[0];
		user_str(e->from, sizeof(e->from), c.args[1]);
		e->to_fd = c.args[2];
		user_str(e->to, sizeof(e->to), c.args[3]);
		e->move = c.args[4];
	}
	pk_submit(ctx, e);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mount")
int sys_enter_mount(struct pk_syscall_enter *ctx)
{
	return enter(ctx, 5);
}

SEC("tracepoint/syscalls/sys_exit_mount")
int sys_exit_mount(struct pk_syscall_exit *ctx)
{
	return leave_mount(ctx);
}

SEC("tracepoint/syscalls/sys_enter_umount")
int sys_enter_umount(struct pk_syscall_enter *ctx)
{
	return enter(ctx, 2);
}

SEC("tracepoint/syscalls/sys_exit_umount")
int sys_exit_umount(struct pk_syscall_exit *ctx)
{
	return leave_umount(ctx);
}

/* the new mount API (Linux 5.2) */
SEC("tracepoint/syscalls/sys_enter_fsopen")
int sys_enter_fsopen(struct pk_syscall_enter *ctx)
{
	return enter(ctx, 2);
}

SEC("tracepoint/syscalls/sys_exit_fsopen")
int sys_exit_fsopen(struct pk_syscall_exit *ctx)
{
	return leave_new(ctx);
}

SEC("tracepoint/syscalls/sys_enter_fsmount")
int sys_enter_fsmount(struct pk_syscall_enter *ctx)
{
	return enter(ctx, 3);
}

SEC("tracepoint/syscalls/sys_exit_fsmount")
int sys_exit_fsmount(struct pk_syscall_exit *ctx)
{
	return leave_new(ctx);
}

SEC("tracepoint/syscalls/sys_enter_move_mount")
int sys_enter_move_mount(struct pk_syscall_enter *ctx)
{
	return enter(ctx, 5);
}

SEC("tracepoint/syscalls/sys_exit_move_mount")
int sys_exit_move_mount(struct pk_syscall_exit *ctx)
{
	return leave_new(ctx);
}

char LICENSE[] SEC("license") = "GPL";
