// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * biopattern: random against sequential block I/O per disk, every
 * interval, libbpf-tools' and bcc's biopattern. A completed
 * request is sequential when it starts where the disk's previous one
 * ended, else random; a disk's first request only sets where it ended. The
 * whole tool is this file.
 *
 * block_rq_complete through raw_tp, else tp_btf, reading the request with
 * CO-RE, where libbpf-tools reads the classic tracepoint's record (whose
 * layout changed in 6.5 and needs two versions of the program).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "tool.bpf.h"
#include "block.bpf.h"

PK_TOOL_SUMMARY("Show random against sequential block I/O per disk, per interval.");
PK_TOOL_EXAMPLE("biopattern               # every second");
PK_TOOL_EXAMPLE("biopattern 5 12          # every 5 seconds, 12 times (a minute)");
PK_TOOL_EXAMPLE("biopattern --disk vda    # only the disk vda");
/* bcc's [interval [count]], every second unless given */
PK_TOOL_INTERVAL_COUNT(1);
PK_PREFER("raw_tp tp_btf");

const volatile char only_disk[32] PK_OPTION(, "disk", "DISK", "only this disk (as in /dev)") = "";

struct disk_key {
	char disk[32];
};

struct pattern {
	__u64 last_sector;
	__u64 random;
	__u64 sequential;
	__u64 count;
	__u64 bytes;
	__u64 kbytes;
	/* kept by each request: rows print integers */
	__u64 pct_rnd;
	__u64 pct_seq;
};

PK_HASH(counters, struct disk_key, struct pattern, 256)
PK_TABLE_ROW("{time:-8} {disk:-7} {pct_rnd:5} {pct_seq:5} {count:8} {kbytes:9}")
PK_ROW_HEADER("TIME     DISK     %RND  %SEQ    COUNT    KBYTES")
PK_ROW_SORT("disk") PK_ROW_HEADER_ONCE PK_CLEAR;

static __always_inline int complete(struct request *rq, unsigned int nr_bytes)
{
	static const struct pattern zero;
	struct disk_key k = {};
	struct pattern *p;
	__u64 sector;

	pk_rq_disk_name(rq, k.disk);
	if (!pk_disk_is(k.disk, only_disk))
		return 0;
	p = pk_lookup_or_try_init(&counters, &k, &zero);
	if (!p)
		return 0;
	sector = BPF_CORE_READ(rq, __sector);
	if (p->last_sector) {
		if (p->last_sector == sector)
			p->sequential++;
		else
			p->random++;
		p->count = p->random + p->sequential;
		p->bytes += nr_bytes;
		p->kbytes = p->bytes / 1024;
		p->pct_rnd = p->random * 100 / p->count;
		p->pct_seq = 100 - p->pct_rnd;
	}
	p->last_sector = sector + nr_bytes / 512;
	return 0;
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(complete__raw, struct request *rq, int error, unsigned int nr_bytes)
{
	return complete(rq, nr_bytes);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(complete__btf, struct request *rq, int error, unsigned int nr_bytes)
{
	return complete(rq, nr_bytes);
}

char LICENSE[] SEC("license") = "GPL";
