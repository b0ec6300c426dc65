// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * biolatency: block I/O latency as log2 histograms, bcc's biolatency. A
 * request's time runs from its issue to the device (or, with -Q, from its
 * insertion into the queue) to its completion. -D gives one histogram per
 * disk, -F one per request type (the kernel's rwbs letters: R, W, WS, FWS,
 * RA...), both one per pair. The whole tool is this file.
 *
 * The block tracepoints, through raw_tp first (the request pointer, no
 * kernel BTF ids to attach), tp_btf where raw tracepoints are refused.
 * Both read the request with CO-RE, so one object serves 6.1 to 6.18.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "tool.bpf.h"
#include "block.bpf.h"

PK_TOOL_SUMMARY("Summarize block device I/O latency as histograms.");
PK_TOOL_EXAMPLE("biolatency               # a histogram at Ctrl-C");
PK_TOOL_EXAMPLE("biolatency 1 10          # every second, 10 times, then exit");
PK_TOOL_EXAMPLE("biolatency -mT 1         # milliseconds, with a time line");
PK_TOOL_EXAMPLE("biolatency -Q            # include the time queued in the kernel");
PK_TOOL_EXAMPLE("biolatency -D            # one histogram per disk");
PK_TOOL_EXAMPLE("biolatency -F            # one histogram per I/O type (rwbs)");
PK_TOOL_EXAMPLE("biolatency --disk vda    # only the disk vda");
PK_TOOL_BANNER("Tracing block device I/O... Hit Ctrl-C to end.");
PK_PREFER("raw_tp tp_btf");
/* bcc's [interval [count]]: no interval unless given */
PK_TOOL_INTERVAL_COUNT(0);

const volatile bool queued PK_OPTION(Q, "queued", "",
				     "include the time queued in the kernel") = false;
const volatile bool millis PK_OPTION(m, "milliseconds", "", "histograms in milliseconds") = false;
const volatile bool per_disk PK_OPTION(D, "disks", "", "one histogram per disk") = false;
const volatile bool per_flag PK_OPTION(F, "flags", "", "one histogram per I/O type") = false;
/* accepted for bcc's sake: with -i every print has its time line already */
const volatile bool timestamp PK_OPTION(T, "timestamp", "", "include timestamp on output") = false;
/* bcc's summary layout: a blank line before each print, HH:MM:SS under -T */
PK_TOOL_STAMPED(timestamp);
const volatile char only_disk[32] PK_OPTION(, "disk", "DISK", "only this disk (as in /dev)") = "";

#define DISK_LEN PK_DISK_NAME_LEN
#define RWBS_LEN 8

struct disk_rwbs {
	char disk[DISK_LEN];
	char flags[RWBS_LEN];
};

/* The issue (or insert) time of each request in flight. */
PK_HASH(pk_start, struct request *, __u64, 10240);

/*
 * One of these fills, as -m, -D and -F say (end() below); the others are
 * neither printed nor exported. Under --metrics each is
 * probekit_biolatency_seconds (the unit made seconds), labelled by disk
 * and flags as the options say.
 */
#define BIO_D(x) PK_TABLE_##x(per_disk)
#define BIO_F(x) PK_TABLE_##x(per_flag)
#define BIO_M(x) PK_TABLE_##x(millis) PK_METRIC_NAME("probekit_biolatency_seconds") PK_CLEAR
PK_HIST(usecs, 64) BIO_D(UNLESS) BIO_F(UNLESS) BIO_M(UNLESS);
PK_HIST(msecs, 64) BIO_D(UNLESS) BIO_F(UNLESS) BIO_M(WHEN);
PK_HIST_KEYED(disk_usecs, char[DISK_LEN], 64) PK_HIST_SECTION("disk") BIO_D(WHEN) BIO_F(UNLESS)
	BIO_M(UNLESS);
PK_HIST_KEYED(disk_msecs, char[DISK_LEN], 64) PK_HIST_SECTION("disk") BIO_D(WHEN) BIO_F(UNLESS)
	BIO_M(WHEN);
PK_HIST_KEYED(flags_usecs, char[RWBS_LEN], 64) PK_HIST_SECTION("flags") BIO_D(UNLESS) BIO_F(WHEN)
	BIO_M(UNLESS);
PK_HIST_KEYED(flags_msecs, char[RWBS_LEN], 64) PK_HIST_SECTION("flags") BIO_D(UNLESS) BIO_F(WHEN)
	BIO_M(WHEN);
PK_HIST_KEYED(disk_flags_usecs, struct disk_rwbs, 64) BIO_D(WHEN) BIO_F(WHEN) BIO_M(UNLESS);
PK_HIST_KEYED(disk_flags_msecs, struct disk_rwbs, 64) BIO_D(WHEN) BIO_F(WHEN) BIO_M(WHEN);

static __always_inline int start(struct request *rq, bool insert)
{
	__u64 ts;

	/*
	 * -Q: from the insertion, where the queue has a scheduler; requests
	 * issued directly (no scheduler) are timed from their issue, as
	 * libbpf-tools does.
	 */
	if (insert && !queued)
		return 0;
	if (!insert && queued && BPF_CORE_READ(rq, q, elevator))
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&pk_start, &rq, &ts, BPF_ANY);
	return 0;
}

static __always_inline int complete(struct request *rq)
{
	struct disk_rwbs k = {};
	__u64 *tsp, delta;

	tsp = bpf_map_lookup_elem(&pk_start, &rq);
	if (!tsp)
		return 0;
	delta = (bpf_ktime_get_ns() - *tsp) / (millis ? 1000000 : 1000);
	bpf_map_delete_elem(&pk_start, &rq);
	if (per_disk || only_disk[0]) {
		pk_rq_disk_name(rq, k.disk);
		if (!pk_disk_is(k.disk, only_disk))
			return 0;
	}
	if (per_flag)
		*(__u64 *)k.flags = pk_rwbs(BPF_CORE_READ(rq, cmd_flags));
	if (per_disk && per_flag && millis)
		pk_hist_add_keyed(&disk_flags_msecs, &k, delta);
	else if (per_disk && per_flag)
		pk_hist_add_keyed(&disk_flags_usecs, &k, delta);
	else if (per_disk && millis)
		pk_hist_add_keyed(&disk_msecs, &k.disk, delta);
	else if (per_disk)
		pk_hist_add_keyed(&disk_usecs, &k.disk, delta);
	else if (per_flag && millis)
		pk_hist_add_keyed(&flags_msecs, &k.flags, delta);
	else if (per_flag)
		pk_hist_add_keyed(&flags_usecs, &k.flags, delta);
	else if (millis)
		pk_hist_add(&msecs, delta);
	else
		pk_hist_add(&usecs, delta);
	return 0;
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(rq__raw_insert, struct request *rq)
{
	return start(rq, true);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(rq__raw_issue, struct request *rq)
{
	return start(rq, false);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(rq__raw_complete, struct request *rq)
{
	return complete(rq);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(rq__btf_insert, struct request *rq)
{
	return start(rq, true);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(rq__btf_issue, struct request *rq)
{
	return start(rq, false);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(rq__btf_complete, struct request *rq)
{
	return complete(rq);
}

char LICENSE[] SEC("license") = "GPL";
