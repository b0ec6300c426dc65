// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bcc's opensnoop, simplified, as one file: a line per open(), with the
 * opener's pid and comm, the fd (-1 on error), the errno and the path.
 *
 *	sudo probekit run opensnoop_simple.bpf.c
 *	4242   cat               -1   2 /nonexistent
 *
 * The lines go through pk_printf(), probekit's private printf: no
 * machine-wide trace_pipe, lost lines counted. The programs form one
 * fallback group, "open": an fexit on do_sys_openat2 where the kernel
 * allows trampolines, else the pair of openat tracepoints (open__tp_enter
 * and open__tp_exit load together, as members of one kind).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <probekit/probekit.bpf.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, const char *);
} pk_names SEC(".maps"); /* "pk_": probekit run does not print it */

static __always_inline void print_open(void *ctx, const char *filename, long ret)
{
	char comm[16];

	bpf_get_current_comm(comm, sizeof(comm));
	pk_printf("%-6d %-16s %4d %3d %s", (int)(bpf_get_current_pid_tgid() >> 32), comm,
		  ret >= 0 ? (int)ret : -1, ret >= 0 ? 0 : (int)-ret, pk_user_str(filename));
}

SEC("fexit/do_sys_openat2")
int BPF_PROG(open__fexit, int dfd, const char *filename, struct open_how *how, long ret)
{
	print_open(ctx, filename, ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int open__tp_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	const char *filename = (const char *)ctx->args[1];

	bpf_map_update_elem(&pk_names, &tid, &filename, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int open__tp_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	const char **filename = bpf_map_lookup_elem(&pk_names, &tid);

	if (filename) {
		print_open(ctx, *filename, ctx->ret);
		bpf_map_delete_elem(&pk_names, &tid);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
