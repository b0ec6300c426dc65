// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A kretfunc (fexit) on the open path, and the openat tracepoints instead. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <probekit/probekit.bpf.h>

#include "opensnoop_loader.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, const char *);
} names SEC(".maps");

static __always_inline int emit(void *ctx, const char *filename, long ret)
{
	struct event *e = pk_reserve(struct event);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ret = ret;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user_str(e->path, sizeof(e->path), filename);
	pk_submit(ctx, e);
	return 0;
}

SEC("fexit/do_sys_openat2")
int BPF_PROG(kretfunc_openat2, int dfd, const char *filename, struct open_how *how, long ret)
{
	return emit(ctx, filename, ret);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	const char *filename = (const char *)ctx->args[1];

	bpf_map_update_elem(&names, &tid, &filename, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tp_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	const char **filename = bpf_map_lookup_elem(&names, &tid);

	if (filename) {
		emit(ctx, *filename, ctx->ret);
		bpf_map_delete_elem(&names, &tid);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
