// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * filetop: reads and writes per file, top first, every interval, bcc's
 * filetop. The whole tool is this file.
 *
 * bcc and libbpf-tools hook vfs_read() and vfs_write() (kprobes or
 * fentry), which this kernel refuses. Here the read, pread64, write and
 * pwrite64 syscalls are counted at their entry tracepoints, and the file
 * is found from the fd in the task's file table (CO-RE). As in bcc, the
 * bytes are those asked for, and the name is the file's last component.
 * What differs: readv/writev/preadv/pwritev (whose sizes are in iovecs),
 * sendfile, splice, io_uring and the kernel's own reads and writes are
 * not counted.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "tool.bpf.h"
#include "syscalls.bpf.h"

PK_TOOL_SUMMARY("File reads and writes by process and file, top first, every interval.");
PK_TOOL_EXAMPLE("filetop                  # every second, the top 20 regular files");
PK_TOOL_EXAMPLE("filetop -a -r 50         # all files (sockets, pipes...), top 50");
PK_TOOL_EXAMPLE("filetop -p 181 5         # process 181, every 5 seconds");
/* bcc's [interval [count]], every second unless given */
PK_TOOL_INTERVAL_COUNT(1);
PK_FILTER_PID;
PK_FILTER_UID;
PK_FILTER_COMM;

const volatile bool all_files PK_OPTION(a, "all-files", "", "include non-regular files") = false;
const volatile __u32 maxrows PK_OPTION(r, "maxrows", "ROWS", "print at most ROWS rows (20)")
    PK_OPTION_RANGE(1, 100000) = 20;

#define S_IFMT	 00170000
#define S_IFREG	 0100000
#define S_IFSOCK 0140000

struct file_key {
	__u32 tid;
	char comm[16];
	char type[2];
	char file[32];
};

struct file_stat {
	__u64 reads;
	__u64 writes;
	__u64 rbytes;
	__u64 wbytes;
	__u64 r_kb;
	__u64 w_kb;
	/* bcc's default order: reads + writes + their bytes */
	__u64 all;
};

PK_HASH(files, struct file_key, struct file_stat, 10240)
PK_TABLE_ROW("{tid:-6} {comm:-16} {reads:6} {writes:6} {r_kb:7} {w_kb:7} {type:1} {file}")
PK_ROW_HEADER("\nTID    COMM              READS WRITES    R_Kb    W_Kb T FILE")
PK_ROW_SORT("-all tid") PK_ROW_TOP(maxrows) PK_CLEAR;

static __always_inline struct file *fd_file(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = 0;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline int count(long fd, __u64 bytes, bool write)
{
	static const struct file_stat zero;
	struct file_key k = {};
	struct file_stat *s;
	struct file *f;
	__u32 mode;

	if (pk_filtered())
		return 0;
	f = fd_file(fd);
	if (!f)
		return 0;
	mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) == S_IFREG)
		k.type[0] = 'R';
	else if (!all_files)
		return 0;
	else
		k.type[0] = (mode & S_IFMT) == S_IFSOCK ? 'S' : 'O';
	k.tid = (__u32)bpf_get_current_pid_tgid();
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	bpf_probe_read_kernel_str(k.file, sizeof(k.file),
				  BPF_CORE_READ(f, f_path.dentry, d_name.name));
	s = pk_lookup_or_try_init(&files, &k, &zero);
	if (!s)
		return 0;
	if (write) {
		s->writes++;
		s->wbytes += bytes;
		s->w_kb = s->wbytes / 1024;
	} else {
		s->reads++;
		s->rbytes += bytes;
		s->r_kb = s->rbytes / 1024;
	}
	s->all = s->reads + s->writes + s->rbytes + s->wbytes;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_read")
int top_read(struct pk_syscall_enter *ctx)
{
	return count(ctx->args[0], ctx->args[2], false);
}

SEC("tracepoint/syscalls/sys_enter_pread64")
int top_pread64(struct pk_syscall_enter *ctx)
{
	return count(ctx->args[0], ctx->args[2], false);
}

SEC("tracepoint/syscalls/sys_enter_write")
int top_write(struct pk_syscall_enter *ctx)
{
	return count(ctx->args[0], ctx->args[2], true);
}

SEC("tracepoint/syscalls/sys_enter_pwrite64")
int top_pwrite64(struct pk_syscall_enter *ctx)
{
	return count(ctx->args[0], ctx->args[2], true);
}

char LICENSE[] SEC("license") = "GPL";
