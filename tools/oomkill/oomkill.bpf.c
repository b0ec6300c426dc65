// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * oomkill: bcc's oomkill. A line per kill of the out-of-memory killer: the
 * task that was running when it struck (the one whose allocation failed),
 * the task it killed, and the size of the memory it chose in (the
 * machine's or the memory cgroup's limit, in pages).
 *
 * One fallback group:
 * - fentry, then kprobe, on oom_kill_process(oc, message), as bcc and
 *   bpftrace: the oom_control gives the victim (oc->chosen) and its
 *   totalpages;
 * - else the oom:mark_victim tracepoint (kernels without kprobes, as the
 *   development kernel). It fires as the victim is marked, in the same task
 *   as oom_kill_process(), and carries the victim's pid, and since Linux
 *   6.8 its comm, uid, oom_score_adj, total_vm and its anon, file and
 *   shmem RSS (kB). It does not carry the oom_control: no totalpages, no
 *   memory cgroup; PAGES is 0 there and RSS_KB is the victim's. Before 6.8
 *   it carries the pid alone: the victim's comm is then left empty.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Trace the out-of-memory killer: who it killed and who triggered it.");
PK_TOOL_EXAMPLE("oomkill                  # a line per OOM kill, until Ctrl-C");
PK_TOOL_EXAMPLE("oomkill --json           # one JSON object per kill");
PK_TOOL_BANNER("Tracing OOM kills... Hit Ctrl-C to end.");

struct oom_event {
	__u64 ts PK_FMT("clock");
	/* the task that was running: whose allocation could not be met */
	__u32 pid PK_HEADER("TPID");
	char comm[16] PK_HEADER("TRIGGERED_BY");
	__u32 victim_pid PK_HEADER("KPID");
	char victim_comm[16] PK_HEADER("KILLED");
	/* oom_control's totalpages: 0 on the mark_victim route */
	__u64 pages;
	/* the victim's anon + file + shmem RSS: mark_victim only (6.8+) */
	__u64 rss_kb;
};

PK_EVENT(struct oom_event);

static __always_inline struct oom_event *start(void)
{
	struct oom_event *e = pk_reserve(struct oom_event);

	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

static __always_inline int from_control(void *ctx, struct oom_control *oc)
{
	struct oom_event *e = start();
	struct task_struct *chosen;

	if (!e)
		return 0;
	chosen = BPF_CORE_READ(oc, chosen);
	e->victim_pid = BPF_CORE_READ(chosen, pid);
	BPF_CORE_READ_STR_INTO(&e->victim_comm, chosen, comm);
	e->pages = BPF_CORE_READ(oc, totalpages);
	pk_submit(ctx, e);
	return 0;
}

SEC("fentry/oom_kill_process")
int BPF_PROG(oom__fentry, struct oom_control *oc, const char *message)
{
	return from_control(ctx, oc);
}

SEC("kprobe/oom_kill_process")
int BPF_KPROBE(oom__kprobe, struct oom_control *oc, const char *message)
{
	return from_control(ctx, oc);
}

SEC("tracepoint/oom/mark_victim")
int oom__tp(struct trace_event_raw_mark_victim *ctx)
{
	struct oom_event *e = start();

	if (!e)
		return 0;
	e->victim_pid = ctx->pid;
	if (bpf_core_field_exists(ctx->__data_loc_comm)) {
		__u32 loc = BPF_CORE_READ(ctx, __data_loc_comm);

		bpf_probe_read_kernel_str(e->victim_comm, sizeof(e->victim_comm),
					  (void *)ctx + (loc & 0xffff));
		e->rss_kb = BPF_CORE_READ(ctx, anon_rss) + BPF_CORE_READ(ctx, file_rss) +
			    BPF_CORE_READ(ctx, shmem_rss);
	}
	pk_submit(ctx, e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
