// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fsslower: reads, writes, opens and fsyncs of one file system slower than
 * a threshold, bcc's (libbpf-tools') fsslower; -t FSTYPE chooses ext4,
 * xfs, btrfs or nfs, whose four file operations the runtime gives the
 * programs as their targets (PK_TARGET_CHOICE). ext4slower is its ext4
 * case.
 *
 * Each operation is timed from entry to return: fentry/fexit, else
 * kprobe/kretprobe. There is no tracepoint route: the file systems'
 * tracepoints do not cover read, write and open, and the syscall
 * tracepoints time the syscall and cannot tell one file system's files
 * from another's without the file's superblock. So on a kernel that
 * refuses fentry and kprobes it says so and stops.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Trace a file system's reads, writes, opens and fsyncs slower than a threshold.");
PK_TOOL_EXAMPLE("fsslower -t xfs           # xfs, slower than 10 ms");
PK_TOOL_EXAMPLE("fsslower -t btrfs 1      # btrfs, slower than 1 ms");
PK_TOOL_EXAMPLE("fsslower 0               # every ext4 operation");
PK_TOOL_EXAMPLE("fsslower -t nfs -p 181   # nfs, process 181 only");
PK_PREFER("fentry kprobe");
PK_FILTER_PID;
PK_FILTER_COMM;

const volatile __u64 min_ms PK_OPTION(m, "min-ms", "MS",
				      "only slower than MS milliseconds (10)") PK_POSITIONAL = 10;
/* libbpf-tools' fsslower's functions of each file system */
const volatile char fstype[16] PK_OPTION(t, "type", "FSTYPE", "ext4 (default), xfs, btrfs or nfs")
    PK_TARGET_CHOICE(fs__fentry_read fs__fexit_read fs__kprobe_read fs__kretprobe_read,
		     "ext4=ext4_file_read_iter xfs=xfs_file_read_iter "
		     "btrfs=btrfs_file_read_iter nfs=nfs_file_read")
	PK_TARGET_CHOICE(fs__fentry_write fs__fexit_write fs__kprobe_write fs__kretprobe_write,
			 "ext4=ext4_file_write_iter xfs=xfs_file_write_iter "
			 "btrfs=btrfs_file_write_iter nfs=nfs_file_write")
	    PK_TARGET_CHOICE(fs__fentry_open fs__fexit_open fs__kprobe_open fs__kretprobe_open,
			     "ext4=ext4_file_open xfs=xfs_file_open btrfs=btrfs_file_open "
			     "nfs=nfs_file_open")
		PK_TARGET_CHOICE(fs__fentry_sync fs__fexit_sync fs__kprobe_sync fs__kretprobe_sync,
				 "ext4=ext4_sync_file xfs=xfs_file_fsync btrfs=btrfs_sync_file "
				 "nfs=nfs_file_fsync") = "ext4";

enum fs_op { FS_READ, FS_WRITE, FS_OPEN, FS_FSYNC };

struct fsslower_event {
	__u64 ts PK_FMT("clock") PK_HEADER("TIME");
	char comm[16] PK_HEADER("COMM");
	__u32 pid;
	char t[2] PK_HEADER("T");
	__u64 bytes PK_HEADER("BYTES");
	__u64 off_kb PK_HEADER("OFF_KB");
	__u64 lat PK_DURATION(ns, ms);
	char file[32] PK_HEADER("FILENAME");
};
PK_EVENT(struct fsslower_event);

struct op_start {
	__u64 ts;
	struct file *file;
	__u64 offset;
	__u32 op;
};

PK_HASH(pk_started, __u32, struct op_start, 10240);

static __always_inline int enter(struct file *file, __u64 offset, __u32 op)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct op_start s = {.file = file, .offset = offset, .op = op};

	if (pk_filtered())
		return 0;
	s.ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&pk_started, &tid, &s, BPF_ANY);
	return 0;
}

static __always_inline int leave(void *ctx, long ret)
{
	static const char letters[] = "RWOS";
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct op_start *s = bpf_map_lookup_elem(&pk_started, &tid);
	struct fsslower_event *e;
	struct file *file;
	__u64 now, lat;

	if (!s)
		return 0;
	now = bpf_ktime_get_ns();
	lat = now - s->ts;
	if (lat < min_ms * 1000000)
		goto out;
	e = pk_reserve(struct fsslower_event);
	if (!e)
		goto out;
	e->ts = now;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->t[0] = letters[s->op & 3];
	e->t[1] = 0;
	e->bytes = s->op <= FS_WRITE && ret > 0 ? ret : 0;
	e->off_kb = s->offset / 1024;
	e->lat = lat;
	/* a local: BPF_CORE_READ(s->file, ...) would relocate op_start's own field */
	file = s->file;
	bpf_probe_read_kernel_str(e->file, sizeof(e->file),
				  BPF_CORE_READ(file, f_path.dentry, d_name.name));
	pk_submit(ctx, e);
out:
	bpf_map_delete_elem(&pk_started, &tid);
	return 0;
}

static __always_inline int enter_iter(struct kiocb *iocb, __u32 op)
{
	return enter(BPF_CORE_READ(iocb, ki_filp), BPF_CORE_READ(iocb, ki_pos), op);
}

SEC("fentry")
int BPF_PROG(fs__fentry_read, struct kiocb *iocb)
{
	return enter_iter(iocb, FS_READ);
}

SEC("fentry")
int BPF_PROG(fs__fentry_write, struct kiocb *iocb)
{
	return enter_iter(iocb, FS_WRITE);
}

SEC("fentry")
int BPF_PROG(fs__fentry_open, struct inode *inode, struct file *file)
{
	return enter(file, 0, FS_OPEN);
}

SEC("fentry")
int BPF_PROG(fs__fentry_sync, struct file *file)
{
	return enter(file, 0, FS_FSYNC);
}

SEC("fexit")
int BPF_PROG(fs__fexit_read, struct kiocb *iocb, struct iov_iter *to, long ret)
{
	return leave(ctx, ret);
}

SEC("fexit")
int BPF_PROG(fs__fexit_write, struct kiocb *iocb, struct iov_iter *from, long ret)
{
	return leave(ctx, ret);
}

SEC("fexit")
int BPF_PROG(fs__fexit_open, struct inode *inode, struct file *file, int ret)
{
	return leave(ctx, ret);
}

SEC("fexit")
int BPF_PROG(fs__fexit_sync, struct file *file, loff_t start, loff_t end, int datasync, int ret)
{
	return leave(ctx, ret);
}

SEC("kprobe")
int BPF_KPROBE(fs__kprobe_read, struct kiocb *iocb)
{
	return enter_iter(iocb, FS_READ);
}

SEC("kprobe")
int BPF_KPROBE(fs__kprobe_write, struct kiocb *iocb)
{
	return enter_iter(iocb, FS_WRITE);
}

SEC("kprobe")
int BPF_KPROBE(fs__kprobe_open, struct inode *inode, struct file *file)
{
	return enter(file, 0, FS_OPEN);
}

SEC("kprobe")
int BPF_KPROBE(fs__kprobe_sync, struct file *file)
{
	return enter(file, 0, FS_FSYNC);
}

SEC("kretprobe")
int BPF_KRETPROBE(fs__kretprobe_read, long ret)
{
	return leave(ctx, ret);
}

SEC("kretprobe")
int BPF_KRETPROBE(fs__kretprobe_write, long ret)
{
	return leave(ctx, ret);
}

SEC("kretprobe")
int BPF_KRETPROBE(fs__kretprobe_open, int ret)
{
	return leave(ctx, ret);
}

SEC("kretprobe")
int BPF_KRETPROBE(fs__kretprobe_sync, int ret)
{
	return leave(ctx, ret);
}

char LICENSE[] SEC("license") = "GPL";
