// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vfsstat: read, write, fsync, open and create calls per interval (per
 * second by default), bcc's vfsstat. The whole tool is this file.
 *
 * bcc and libbpf-tools count calls of vfs_read(), vfs_write(),
 * vfs_fsync(), vfs_open() and vfs_create() through kprobes or fentry,
 * which this kernel refuses. Here the syscalls that lead to them are
 * counted at their entry tracepoints instead:
 *   READ    read, readv, pread64, preadv, preadv2
 *   WRITE   write, writev, pwrite64, pwritev, pwritev2
 *   FSYNC   fsync, fdatasync
 *   OPEN    open, openat, openat2, creat
 *   CREATE  creat, and the opens above asking for O_CREAT
 * What differs: calls are counted as made, failed ones too (a read of a
 * bad fd counts; vfs_read is not reached); reads and writes the kernel
 * makes itself (exec, sendfile, splice, io_uring, nfsd) are not counted;
 * CREATE counts opens that ask to create, where vfs_create() counts only
 * files actually created (an O_CREAT open of an existing file counts here).
 * Per-syscall tracepoints only: a raw sys_enter program would tax every
 * syscall of the machine.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "tool.bpf.h"
#include "syscalls.bpf.h"

PK_TOOL_SUMMARY("Count read, write, fsync, open and create calls per interval.");
PK_TOOL_EXAMPLE("vfsstat                  # every second");
PK_TOOL_EXAMPLE("vfsstat 5 12             # every 5 seconds, 12 times (a minute)");
PK_TOOL_EXAMPLE("vfsstat -p 181           # process 181 only");
/* bcc's [interval [count]], every second unless given */
PK_TOOL_INTERVAL_COUNT(1);
PK_FILTER_PID;
PK_FILTER_UID;
PK_FILTER_COMM;

#define O_CREAT 0100

struct vfs_counts {
	__u64 read;
	__u64 write;
	__u64 fsync;
	__u64 open;
	__u64 create;
};

PK_PERCPU_ARRAY(stats, struct vfs_counts, 1)
PK_TABLE_ROW("{time:-8}: {read:8} {write:8} {fsync:8} {open:8} {create:8}")
PK_ROW_HEADER("TIME         READ    WRITE    FSYNC     OPEN   CREATE")
PK_ROW_HEADER_ONCE PK_CLEAR;

static __always_inline struct vfs_counts *counts(void)
{
	__u32 zero = 0;

	if (pk_filtered())
		return 0;
	return bpf_map_lookup_elem(&stats, &zero);
}

static __always_inline int count_read(void)
{
	struct vfs_counts *c = counts();

	if (c)
		c->read++;
	return 0;
}

static __always_inline int count_write(void)
{
	struct vfs_counts *c = counts();

	if (c)
		c->write++;
	return 0;
}

static __always_inline int count_fsync(void)
{
	struct vfs_counts *c = counts();

	if (c)
		c->fsync++;
	return 0;
}

static __always_inline int count_open(__u64 flags)
{
	struct vfs_counts *c = counts();

	if (!c)
		return 0;
	c->open++;
	if (flags & O_CREAT)
		c->create++;
	return 0;
}

/* per-CPU counters: no atomics needed */
/* clang-format off */
#define ON(name) SEC("tracepoint/syscalls/sys_enter_" #name) int vfs_##name(struct pk_syscall_enter *ctx)

ON(read) { return count_read(); }
ON(readv) { return count_read(); }
ON(pread64) { return count_read(); }
ON(preadv) { return count_read(); }
ON(preadv2) { return count_read(); }
ON(write) { return count_write(); }
ON(writev) { return count_write(); }
ON(pwrite64) { return count_write(); }
ON(pwritev) { return count_write(); }
ON(pwritev2) { return count_write(); }
ON(fsync) { return count_fsync(); }
ON(fdatasync) { return count_fsync(); }
ON(open) { return count_open(ctx->args[1]); }
ON(openat) { return count_open(ctx->args[2]); }
ON(creat) { return count_open(O_CREAT); }

/* openat2's flags are in the struct open_how it points to */
ON(openat2)
{
	__u64 flags = 0;

	bpf_probe_read_user(&flags, sizeof(flags), (void *)ctx->args[2]);
	return count_open(flags);
}

/* clang-format on */

char LICENSE[] SEC("license") = "GPL";
