// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A table of openat() calls through PK_EVENT(): the special fields (ts_ns,
 * pid, tid, uid, comm, ret) and a path. Only paths under /tmp/pk-ev- are
 * reported, so that the test's events are not lost among the machine's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/syscalls.bpf.h>

#define PREFIX "/tmp/pk-ev-"

struct event {
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	char comm[16];
	pk_errno_t ret; /* declared: "-2 ENOENT" */
	char path[64];
};

PK_EVENT(struct event);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
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
	char head[sizeof(PREFIX) - 1];
	struct event *e;

	if (!filename)
		return 0;
	if (bpf_probe_read_user(head, sizeof(head), *filename))
		goto out;
	for (int i = 0; i < sizeof(head); i++) {
		if (head[i] != PREFIX[i])
			goto out;
	}
	e = pk_reserve(struct event);
	if (!e)
		goto out;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = tid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->ret = ctx->ret;
	bpf_probe_read_user_str(e->path, sizeof(e->path), *filename);
	pk_submit(ctx, e);
out:
	bpf_map_delete_elem(&pk_names, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
