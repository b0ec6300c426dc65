// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * biosnoop: one line per block I/O request, bcc's biosnoop: the task that
 * queued it, its disk, type, sector, size and latency (issue to
 * completion; with -Q, also the time queued before the issue). The whole
 * tool is this file.
 *
 * The block tracepoints block_rq_insert, block_rq_issue and
 * block_rq_complete through raw_tp, else tp_btf, reading the request with
 * CO-RE (its fields and the request flag bits moved between 6.1 and 6.18).
 * The task is the one current when the request was inserted into a
 * scheduler's queue or, for a queue without one, issued: the submitter in
 * both cases, as bcc's blk_account_io_start kprobe sees it.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "block.bpf.h"

PK_TOOL_SUMMARY("Trace block device I/O, one line per request, with its latency.");
PK_TOOL_EXAMPLE("biosnoop                 # every request until Ctrl-C");
PK_TOOL_EXAMPLE("biosnoop -Q              # with the time queued in the kernel");
PK_TOOL_EXAMPLE("biosnoop --disk vda      # only the disk vda");
PK_TOOL_EXAMPLE("biosnoop -p 181          # only requests process 181 queued");
PK_PREFER("raw_tp tp_btf");
PK_FILTER_PID;
PK_FILTER_COMM;

const volatile bool queued PK_OPTION(Q, "queue", "", "show the time queued in the kernel") = false;
const volatile char only_disk[32] PK_OPTION(, "disk", "DISK", "only this disk (as in /dev)") = "";

#define DISK_LEN 16

/* bcc's "%-11.6f %-14.14s %-7s %-9s %-1s %-10s %-7s" "%7.2f " "%7.2f" */
struct biosnoop_event {
	__u64 ts PK_WIDTH(-11) PK_PRECISION(6);
	char comm[16] PK_HEADER("COMM") PK_WIDTH(-14) PK_PRECISION(14);
	__u32 pid PK_WIDTH(-7);
	char disk[DISK_LEN] PK_HEADER("DISK") PK_WIDTH(-9);
	char rwbs[8] PK_HEADER("T") PK_WIDTH(-1);
	__u64 sector PK_HEADER("SECTOR") PK_WIDTH(-10);
	/* bcc's "%-7s" runs into the "%7.2f" after it: one space is ours */
	__u32 bytes PK_HEADER("BYTES") PK_WIDTH(-6);
	__u64 que PK_DURATION(ns, ms) PK_WHEN(queued) PK_WIDTH(7) PK_PRECISION(2);
	__u64 lat PK_DURATION(ns, ms) PK_WIDTH(7) PK_PRECISION(2);
};
PK_EVENT(struct biosnoop_event);

/* A request in flight: who queued it, when, and what it asks. */
struct rq_info {
	__u64 insert_ns;
	__u64 issue_ns;
	__u32 pid;
	char comm[16];
};

PK_HASH(pk_inflight, struct request *, struct rq_info, 10240);

/* The request is new to us at its insertion, or at its issue where no scheduler queues it. */
static __always_inline int insert(struct request *rq)
{
	struct rq_info info = {};

	if (pk_filtered())
		return 0;
	info.insert_ns = bpf_ktime_get_ns();
	info.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(info.comm, sizeof(info.comm));
	bpf_map_update_elem(&pk_inflight, &rq, &info, BPF_ANY);
	return 0;
}

static __always_inline int issue(struct request *rq)
{
	struct rq_info *info = bpf_map_lookup_elem(&pk_inflight, &rq);
	__u64 now = bpf_ktime_get_ns();

	if (info) {
		info->issue_ns = now;
		return 0;
	}
	insert(rq);
	info = bpf_map_lookup_elem(&pk_inflight, &rq);
	if (info)
		info->issue_ns = info->insert_ns;
	return 0;
}

static __always_inline int complete(void *ctx, struct request *rq, unsigned int nr_bytes)
{
	struct rq_info *info = bpf_map_lookup_elem(&pk_inflight, &rq);
	struct biosnoop_event *e;
	char disk[PK_DISK_NAME_LEN] = {};
	__u64 now;

	if (!info)
		return 0;
	if (!info->issue_ns)
		goto out;
	pk_rq_disk_name(rq, disk);
	if (!pk_disk_is(disk, only_disk))
		goto out;
	e = pk_reserve(struct biosnoop_event);
	if (!e)
		goto out;
	now = bpf_ktime_get_ns();
	e->ts = now;
	__builtin_memcpy(e->comm, info->comm, sizeof(e->comm));
	e->pid = info->pid;
	/* the column is narrower: a NUL-ended prefix */
	__builtin_memcpy(e->disk, disk, sizeof(e->disk) - 1);
	e->disk[sizeof(e->disk) - 1] = 0;
	*(__u64 *)e->rwbs = pk_rwbs(BPF_CORE_READ(rq, cmd_flags));
	e->sector = BPF_CORE_READ(rq, __sector);
	e->bytes = nr_bytes;
	e->que = info->issue_ns - info->insert_ns;
	e->lat = now - info->issue_ns;
	pk_submit(ctx, e);
out:
	bpf_map_delete_elem(&pk_inflight, &rq);
	return 0;
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(rq__raw_insert, struct request *rq)
{
	return insert(rq);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(rq__raw_issue, struct request *rq)
{
	return issue(rq);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(rq__raw_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	return complete(ctx, rq, nr_bytes);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(rq__btf_insert, struct request *rq)
{
	return insert(rq);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(rq__btf_issue, struct request *rq)
{
	return issue(rq);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(rq__btf_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	return complete(ctx, rq, nr_bytes);
}

char LICENSE[] SEC("license") = "GPL";
