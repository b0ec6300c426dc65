// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ext4slower: ext4 reads, writes, opens and fsyncs slower than a
 * threshold, bcc's ext4slower (fsslower's ext4 case). The whole tool is
 * this file.
 *
 * It times ext4_file_read_iter(), ext4_file_write_iter(), ext4_file_open()
 * and ext4_sync_file() from entry to return: fentry/fexit, else
 * kprobe/kretprobe. There is no tracepoint route: ext4's tracepoints cover
 * fsync (ext4_sync_file_enter/exit) but no read, write or open, and the
 * syscall tracepoints do not tell ext4 files from others without the
 * file's superblock, and time the syscall rather than the file system. So
 * on a kernel that refuses fentry and kprobes it says so and stops.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Trace ext4 reads, writes, opens and fsyncs slower than a threshold.");
PK_TOOL_EXAMPLE("ext4slower               # slower than 10 ms");
PK_TOOL_EXAMPLE("ext4slower 1             # slower than 1 ms");
PK_TOOL_EXAMPLE("ext4slower 0             # every operation");
PK_TOOL_EXAMPLE("ext4slower -p 181        # process 181 only");
PK_PREFER("fentry kprobe");
PK_FILTER_PID;
PK_FILTER_COMM;

const volatile __u64 min_ms PK_OPTION(m, "min-ms", "MS",
				      "only slower than MS milliseconds (10)") PK_POSITIONAL = 10;

enum ext4_op { EXT4_READ, EXT4_WRITE, EXT4_OPEN, EXT4_FSYNC };

struct ext4slower_event {
	__u64 ts PK_FMT("clock") PK_HEADER("TIME");
	char comm[16] PK_HEADER("COMM");
	__u32 pid;
	char t[2] PK_HEADER("T");
	__u64 bytes PK_HEADER("BYTES");
	__u64 off_kb PK_HEADER("OFF_KB");
	__u64 lat PK_DURATION(ns, ms);
	char file[32] PK_HEADER("FILENAME");
};
PK_EVENT(struct ext4slower_event);

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
	struct ext4slower_event *e;
	struct file *file;
	__u64 now, lat;

	if (!s)
		return 0;
	now = bpf_ktime_get_ns();
	lat = now - s->ts;
	if (lat < min_ms * 1000000)
		goto out;
	e = pk_reserve(struct ext4slower_event);
	if (!e)
		goto out;
	e->ts = now;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->t[0] = letters[s->op & 3];
	e->t[1] = 0;
	e->bytes = s->op <= EXT4_WRITE && ret > 0 ? ret : 0;
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

SEC("fentry/ext4_file_read_iter")
int BPF_PROG(ext4__fentry_read, struct kiocb *iocb)
{
	return enter_iter(iocb, EXT4_READ);
}

SEC("fentry/ext4_file_write_iter")
int BPF_PROG(ext4__fentry_write, struct kiocb *iocb)
{
	return enter_iter(iocb, EXT4_WRITE);
}

SEC("fentry/ext4_file_open")
int BPF_PROG(ext4__fentry_open, struct inode *inode, struct file *file)
{
	return enter(file, 0, EXT4_OPEN);
}

SEC("fentry/ext4_sync_file")
int BPF_PROG(ext4__fentry_sync, struct file *file)
{
	return enter(file, 0, EXT4_FSYNC);
}

SEC("fexit/ext4_file_read_iter")
int BPF_PROG(ext4__fexit_read, struct kiocb *iocb, struct iov_iter *to, long ret)
{
	return leave(ctx, ret);
}

SEC("fexit/ext4_file_write_iter")
int BPF_PROG(ext4__fexit_write, struct kiocb *iocb, struct iov_iter *from, long ret)
{
	return leave(ctx, ret);
}

SEC("fexit/ext4_file_open")
int BPF_PROG(ext4__fexit_open, struct inode *inode, struct file *file, int ret)
{
	return leave(ctx, ret);
}

SEC("fexit/ext4_sync_file")
int BPF_PROG(ext4__fexit_sync, struct file *file, loff_t start, loff_t end, int datasync, int ret)
{
	return leave(ctx, ret);
}

SEC("kprobe/ext4_file_read_iter")
int BPF_KPROBE(ext4__kprobe_read, struct kiocb *iocb)
{
	return enter_iter(iocb, EXT4_READ);
}

SEC("kprobe/ext4_file_write_iter")
int BPF_KPROBE(ext4__kprobe_write, struct kiocb *iocb)
{
	return enter_iter(iocb, EXT4_WRITE);
}

SEC("kprobe/ext4_file_open")
int BPF_KPROBE(ext4__kprobe_open, struct inode *inode, struct file *file)
{
	return enter(file, 0, EXT4_OPEN);
}

SEC("kprobe/ext4_sync_file")
int BPF_KPROBE(ext4__kprobe_sync, struct file *file)
{
	return enter(file, 0, EXT4_FSYNC);
}

SEC("kretprobe/ext4_file_read_iter")
int BPF_KRETPROBE(ext4__kretprobe_read, long ret)
{
	return leave(ctx, ret);
}

SEC("kretprobe/ext4_file_write_iter")
int BPF_KRETPROBE(ext4__kretprobe_write, long ret)
{
	return leave(ctx, ret);
}

SEC("kretprobe/ext4_file_open")
int BPF_KRETPROBE(ext4__kretprobe_open, int ret)
{
	return leave(ctx, ret);
}

SEC("kretprobe/ext4_sync_file")
int BPF_KRETPROBE(ext4__kretprobe_sync, int ret)
{
	return leave(ctx, ret);
}

char LICENSE[] SEC("license") = "GPL";
