// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * filelife: files created and deleted while it runs, with their age at
 * deletion, bcc's filelife. The whole tool is this file.
 *
 * bcc and libbpf-tools hook vfs_create()/vfs_open() and vfs_unlink()
 * (kprobes or fentry) and key files by dentry. This kernel refuses both,
 * so the syscalls are traced at their tracepoints instead: a successful
 * open(), openat(), openat2() or creat() asking for O_CREAT starts a
 * file's life, a successful unlink() or unlinkat() ends it. Files are
 * matched by name (the last component, up to 31 bytes, which is also all
 * bcc prints), since a syscall's path cannot be resolved to a dentry here:
 * an O_CREAT open of a file that already existed starts its life then, and
 * same-named files in two directories are taken for one. A file created
 * before the tool started is not reported.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "syscalls.bpf.h"

PK_TOOL_SUMMARY("Trace the lifespan of short-lived files: created and deleted while it runs.");
PK_TOOL_EXAMPLE("filelife                 # every file created and deleted");
PK_TOOL_EXAMPLE("filelife -p 181          # files process 181 creates and deletes");
PK_FILTER_PID;
PK_FILTER_UID;
PK_FILTER_COMM;

#define O_CREAT	     0100
#define AT_REMOVEDIR 0x200
#define NAME_LEN     32
#define PATH_LEN     256

struct filelife_event {
	/* bcc's "%-8s %-7d %-16s %-7.2f %s" */
	__u64 ts PK_FMT("clock") PK_HEADER("TIME");
	__u32 pid PK_WIDTH(-7);
	char comm[16] PK_HEADER("COMM") PK_WIDTH(-16);
	__u64 age PK_DURATION(ns, s) PK_HEADER("AGE(s)") PK_WIDTH(-7) PK_PRECISION(2);
	char file[NAME_LEN] PK_HEADER("FILE");
};
PK_EVENT(struct filelife_event);

struct file_name {
	char name[NAME_LEN];
};

/* creation times by name */
PK_HASH(pk_births, struct file_name, __u64, 10240);
/* the name a thread's create or unlink is about, from its entry to its exit */
PK_HASH(pk_pending, __u32, struct file_name, 10240);

struct path_buf {
	char path[PATH_LEN];
};
PK_PERCPU_ARRAY(pk_scratch, struct path_buf, 1);

struct last_slash {
	const char *path;
	int at;
};

static long find_slash(__u32 i, struct last_slash *s)
{
	if (i >= PATH_LEN)
		return 1;
	if (!s->path[i])
		return 1;
	if (s->path[i] == '/')
		s->at = i + 1;
	return 0;
}

/* Keeps the last component of user path @upath as the thread's pending name. */
static __always_inline int keep_name(const char *upath)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct last_slash s = {};
	struct file_name n = {};
	struct path_buf *buf;

	if (pk_filtered())
		return 0;
	buf = bpf_map_lookup_elem(&pk_scratch, &zero);
	if (!buf || bpf_probe_read_user_str(buf->path, sizeof(buf->path), upath) <= 0)
		return 0;
	s.path = buf->path;
	bpf_loop(PATH_LEN, find_slash, &s, 0);
	bpf_probe_read_kernel_str(n.name, sizeof(n.name), buf->path + (s.at & (PATH_LEN - 1)));
	bpf_map_update_elem(&pk_pending, &tid, &n, BPF_ANY);
	return 0;
}

static __always_inline int created(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct file_name *n = bpf_map_lookup_elem(&pk_pending, &tid);
	__u64 now;

	if (!n)
		return 0;
	now = bpf_ktime_get_ns();
	/* a file already alive keeps its first birth */
	if (ret >= 0)
		bpf_map_update_elem(&pk_births, n, &now, BPF_NOEXIST);
	bpf_map_delete_elem(&pk_pending, &tid);
	return 0;
}

static __always_inline int deleted(void *ctx, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct file_name *n = bpf_map_lookup_elem(&pk_pending, &tid);
	struct filelife_event *e;
	__u64 *born, now;

	if (!n)
		return 0;
	born = ret == 0 ? bpf_map_lookup_elem(&pk_births, n) : 0;
	if (born) {
		now = bpf_ktime_get_ns();
		e = pk_reserve(struct filelife_event);
		if (e) {
			e->ts = now;
			e->pid = bpf_get_current_pid_tgid() >> 32;
			bpf_get_current_comm(e->comm, sizeof(e->comm));
			e->age = now - *born;
			__builtin_memcpy(e->file, n->name, sizeof(e->file));
			pk_submit(ctx, e);
		}
		bpf_map_delete_elem(&pk_births, n);
	}
	bpf_map_delete_elem(&pk_pending, &tid);
	return 0;
}

static __always_inline int open_entry(const char *upath, __u64 flags)
{
	return flags & O_CREAT ? keep_name(upath) : 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int life_open(struct pk_syscall_enter *ctx)
{
	return open_entry((const char *)ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int life_openat(struct pk_syscall_enter *ctx)
{
	return open_entry((const char *)ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int life_openat2(struct pk_syscall_enter *ctx)
{
	__u64 flags = 0;

	/* struct open_how starts with its flags */
	bpf_probe_read_user(&flags, sizeof(flags), (void *)ctx->args[2]);
	return open_entry((const char *)ctx->args[1], flags);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int life_creat(struct pk_syscall_enter *ctx)
{
	return keep_name((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_exit_open")
int life_open_exit(struct pk_syscall_exit *ctx)
{
	return created(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int life_openat_exit(struct pk_syscall_exit *ctx)
{
	return created(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int life_openat2_exit(struct pk_syscall_exit *ctx)
{
	return created(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int life_creat_exit(struct pk_syscall_exit *ctx)
{
	return created(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int life_unlink(struct pk_syscall_enter *ctx)
{
	return keep_name((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int life_unlinkat(struct pk_syscall_enter *ctx)
{
	/* rmdir's: not a file */
	if (ctx->args[2] & AT_REMOVEDIR)
		return 0;
	return keep_name((const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_unlink")
int life_unlink_exit(struct pk_syscall_exit *ctx)
{
	return deleted(ctx, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int life_unlinkat_exit(struct pk_syscall_exit *ctx)
{
	return deleted(ctx, ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
