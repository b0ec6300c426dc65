// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * drsnoop: bcc's drsnoop. A line per direct reclaim: a task whose page
 * allocation found too little free memory and reclaimed pages itself,
 * with how long that took and how many pages it got back, from the
 * vmscan tracepoints mm_vmscan_direct_reclaim_begin and _end. With
 * --memcg, also reclaim at a memory cgroup's limit (the
 * mm_vmscan_memcg_reclaim_begin/_end pair), which is direct reclaim too,
 * done by the allocating task, and which bcc leaves out.
 *
 * One fallback group: raw tracepoints (as cheap as tp_btf, attached
 * without the kernel's BTF ids), then the classic ones. The start is kept
 * per thread: reclaim sleeps, and may end on another CPU.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Trace direct page reclaim: who reclaimed, for how long, how many pages.");
PK_TOOL_EXAMPLE("drsnoop                  # every direct reclaim, until Ctrl-C");
PK_TOOL_EXAMPLE("drsnoop -T -U            # with a timestamp and the uid");
PK_TOOL_EXAMPLE("drsnoop -p 181           # of process 181 only");
PK_TOOL_EXAMPLE("drsnoop --memcg          # reclaim at memory cgroups' limits too");
PK_TOOL_BANNER("Tracing direct reclaim events... Hit Ctrl-C to end.");
PK_PREFER("raw_tp tracepoint");
PK_FILTER_PID;
PK_FILTER_TID;
PK_FILTER_UID;
PK_FILTER_COMM;

const volatile bool show_ts PK_OPTION(T, "timestamp", "", "include a timestamp column") = false;
const volatile bool show_uid PK_OPTION(U, "print-uid", "", "include a UID column") = false;
const volatile bool memcg
    PK_OPTION(, "memcg", "", "also reclaim at a memory cgroup's limit (bcc leaves it out)") = false;

/* bcc's "%-14.9f" "%-6d" then "%-14.14s %-6s %8.2f %5d" */
struct dr_event {
	__u64 ts PK_WHEN(show_ts) PK_WIDTH(-13) PK_PRECISION(9);
	__u32 uid PK_WHEN(show_uid) PK_WIDTH(-5);
	char comm[16] PK_WIDTH(-14) PK_PRECISION(14);
	__u32 pid PK_WIDTH(-6);
	__u64 lat PK_DURATION(ns, ms) PK_WIDTH(8) PK_PRECISION(2);
	__u64 pages PK_WIDTH(5);
	/* "memcg" for reclaim at a cgroup's limit */
	char kind[8] PK_WHEN(memcg);
};

PK_EVENT(struct dr_event);

PK_HASH(pk_start, __u32, __u64, 10240) PK_NO_METRIC;

static __always_inline int begin(bool at_limit)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ts;

	if ((at_limit && !memcg) || pk_filtered())
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&pk_start, &tid, &ts, BPF_ANY);
	return 0;
}

static __always_inline int end(void *ctx, bool at_limit, __u64 pages)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *start = bpf_map_lookup_elem(&pk_start, &tid), now = bpf_ktime_get_ns();
	struct dr_event *e;

	if (!start)
		return 0;
	e = pk_reserve(struct dr_event);
	if (e) {
		e->ts = now;
		e->uid = (__u32)bpf_get_current_uid_gid();
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		e->pid = bpf_get_current_pid_tgid() >> 32;
		e->lat = now - *start;
		e->pages = pages;
		__builtin_memset(e->kind, 0, sizeof(e->kind));
		if (at_limit)
			__builtin_memcpy(e->kind, "memcg", 6);
		else
			__builtin_memcpy(e->kind, "direct", 7);
		pk_submit(ctx, e);
	}
	bpf_map_delete_elem(&pk_start, &tid);
	return 0;
}

SEC("raw_tp/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(dr__raw_begin)
{
	return begin(false);
}

SEC("raw_tp/mm_vmscan_direct_reclaim_end")
int BPF_PROG(dr__raw_end, unsigned long nr_reclaimed)
{
	return end(ctx, false, nr_reclaimed);
}

SEC("raw_tp/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(dr__raw_memcg_begin)
{
	return begin(true);
}

SEC("raw_tp/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(dr__raw_memcg_end, unsigned long nr_reclaimed)
{
	return end(ctx, true, nr_reclaimed);
}

SEC("tracepoint/vmscan/mm_vmscan_direct_reclaim_begin")
int dr__tp_begin(void *ctx)
{
	return begin(false);
}

SEC("tracepoint/vmscan/mm_vmscan_direct_reclaim_end")
int dr__tp_end(struct trace_event_raw_mm_vmscan_direct_reclaim_end_template *ctx)
{
	return end(ctx, false, ctx->nr_reclaimed);
}

SEC("tracepoint/vmscan/mm_vmscan_memcg_reclaim_begin")
int dr__tp_memcg_begin(void *ctx)
{
	return begin(true);
}

SEC("tracepoint/vmscan/mm_vmscan_memcg_reclaim_end")
int dr__tp_memcg_end(struct trace_event_raw_mm_vmscan_direct_reclaim_end_template *ctx)
{
	return end(ctx, true, ctx->nr_reclaimed);
}

char LICENSE[] SEC("license") = "GPL";
