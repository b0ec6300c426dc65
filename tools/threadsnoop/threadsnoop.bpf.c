// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * threadsnoop: each pthread_create() call, with the new thread's start
 * function by name, as bcc's threadsnoop shows it. A uprobe on libc's
 * pthread_create() (glibc 2.34 moved it into libc from libpthread) reads
 * the start routine, its third argument; the name is looked up in the
 * calling process when the record prints.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Show the threads created with pthread_create() and their start functions.");
PK_TOOL_EXAMPLE("threadsnoop              # every process");
PK_TOOL_EXAMPLE("threadsnoop -p 181       # the threads process 181 creates");

PK_FILTER_PID;

struct event {
	__u64 ts;
	__u32 pid;
	char comm[16];
	pk_usym_t func PK_HEADER("FUNC");
};
PK_EVENT(struct event);

SEC("uprobe/c:pthread_create")
int BPF_KPROBE(pthread_create_entry, void *thread, void *attr, void *start_routine)
{
	struct event *e;

	if (pk_filtered())
		return 0;
	e = pk_reserve(struct event);
	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->func = (__u64)start_routine;
	pk_submit(ctx, e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
