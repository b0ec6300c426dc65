// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bcc's opensnoop -T as one file with no printing code: the record type,
 * named with PK_EVENT(), is the table. probekit run sizes the columns from
 * its BTF, treats ts_ns, pid and comm by name and ret by its declared type,
 * pk_errno_t (see PK_EVENT and the formats in <probekit/probekit.bpf.h>):
 *
 *	sudo probekit run examples/opensnoop_table.bpf.c
 *	TIME(s)            PID COMM             RET        PATH
 *	0.000000000       4242 cat              -2 ENOENT  /nonexistent
 *	0.000310526       4242 cat              3          /etc/passwd
 *
 * --json gives {"event":{"ts_ns":...,"path":"/etc/passwd"}} per open, and
 * -c CMD traces a command from its start (the table shows every process:
 * CMD's are those with its pid).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/syscalls.bpf.h>

struct event {
	__u64 ts_ns;
	__u32 pid;
	char comm[16];
	pk_errno_t ret; /* declared: "-2 ENOENT" */
	char path[256];
};

PK_EVENT(struct event);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, const char *);
} pk_names SEC(".maps"); /* "pk_": probekit run does not print it */

SEC("tracepoint/syscalls/sys_enter_openat")
int open_enter(struct pk_syscall_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	const char *filename = (const char *)ctx->args[1];

	bpf_map_update_elem(&pk_names, &tid, &filename, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int open_exit(struct pk_syscall_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	const char **filename = bpf_map_lookup_elem(&pk_names, &tid);
	struct event *e;

	if (!filename)
		return 0;
	e = pk_reserve(struct event);
	if (e) {
		e->ts_ns = bpf_ktime_get_ns();
		e->pid = id >> 32;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		e->ret = ctx->ret;
		bpf_probe_read_user_str(e->path, sizeof(e->path), *filename);
		pk_submit(ctx, e);
	}
	bpf_map_delete_elem(&pk_names, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
