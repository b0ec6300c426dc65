// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Declared column formats and two record types in one file: an `open`
 * record (open flags as names, the latency in ms, a plain int ret, a
 * declared errno, a wall-clock time shown only with --set show_time=1)
 * and a `conn` record (an IPv4 or IPv6 address by family, with its port).
 * Three declared options: only --traced-uid's opens under /tmp/pk-fmt-
 * and connects are traced, -T shows the time, and --skip-port leaves out
 * connects to one port.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <probekit/probekit.bpf.h>

#define PREFIX "/tmp/pk-fmt-"

const volatile __u32 target_uid PK_OPTION(, "traced-uid", "UID", "trace this uid only") = 0;
const volatile bool show_time PK_OPTION(T, "time", "", "show the wall-clock time of opens") = false;
const volatile __u16 skip_port PK_OPTION(, "skip-port", "PORT", "leave out connects to PORT") = 0;

struct open_ev {
	PK_EVENT_KIND;
	__u64 ts PK_FMT("clock") PK_WHEN(show_time);
	__u32 pid;
	pk_open_flags_t flags;
	__u64 lat PK_DURATION(ns, ms);
	int ret;
	pk_errno_t err;
	char path[32];
};

struct conn_ev {
	PK_EVENT_KIND;
	__u32 pid;
	char comm[16];
	union {
		__u32 v4;
		__u8 v6[16];
	} daddr PK_INET(af) PK_PORT_BE(dport);
	__u16 af;
	__u16 dport;
};

PK_EVENT(struct open_ev);
PK_EVENT(struct conn_ev);

struct start {
	__u64 ts;
	__u32 flags;
	char path[32];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct start);
} pk_starts SEC(".maps"); /* "pk_": not printed */

static __always_inline bool traced(void)
{
	return (__u32)bpf_get_current_uid_gid() == target_uid;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int open_enter(struct pk_syscall_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct start s = {};

	if (!traced())
		return 0;
	bpf_probe_read_user_str(s.path, sizeof(s.path), (const char *)ctx->args[1]);
	for (int i = 0; i < sizeof(PREFIX) - 1; i++) {
		if (s.path[i] != PREFIX[i])
			return 0;
	}
	s.ts = bpf_ktime_get_ns();
	s.flags = ctx->args[2];
	bpf_map_update_elem(&pk_starts, &tid, &s, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int open_exit(struct pk_syscall_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct start *s = bpf_map_lookup_elem(&pk_starts, &tid);
	struct open_ev *e;

	if (!s)
		return 0;
	e = pk_reserve_kind(struct open_ev);
	if (e) {
		e->ts = bpf_ktime_get_ns();
		e->pid = id >> 32;
		e->flags = s->flags;
		e->lat = e->ts - s->ts;
		e->ret = ctx->ret;
		e->err = ctx->ret < 0 ? ctx->ret : 0;
		__builtin_memcpy(e->path, s->path, sizeof(e->path));
		pk_submit(ctx, e);
	}
	bpf_map_delete_elem(&pk_starts, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int conn_enter(struct pk_syscall_enter *ctx)
{
	struct sockaddr_in6 sa = {};
	struct conn_ev *e;

	if (!traced())
		return 0;
	if (bpf_probe_read_user(&sa, sizeof(sa), (const void *)ctx->args[1]) ||
	    (sa.sin6_family != 2 && sa.sin6_family != 10))
		return 0;
	if (skip_port && sa.sin6_port == bpf_htons(skip_port))
		return 0;
	e = pk_reserve_kind(struct conn_ev);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->af = sa.sin6_family;
	e->dport = sa.sin6_port;
	__builtin_memset(e->daddr.v6, 0, sizeof(e->daddr.v6));
	if (sa.sin6_family == 2)
		e->daddr.v4 = ((struct sockaddr_in *)&sa)->sin_addr.s_addr;
	else
		__builtin_memcpy(e->daddr.v6, &sa.sin6_addr, 16);
	pk_submit(ctx, e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
