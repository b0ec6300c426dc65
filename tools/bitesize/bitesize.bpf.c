// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bitesize: block I/O request sizes as a log2 histogram per process name,
 * bcc's bitesize. A request counts when it is issued to the device, under
 * the name of the task that queued it: the one current at its insertion
 * into a queue, else at its issue (bcc takes the issuer's, which is a
 * kworker for requests a plug or a scheduler dispatches later). The whole
 * tool is this file.
 *
 * block_rq_insert and block_rq_issue through raw_tp, else tp_btf, reading the request with
 * CO-RE, so one object serves 6.1 to 6.18.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "tool.bpf.h"
#include "block.bpf.h"

PK_TOOL_SUMMARY("Summarize block I/O request sizes as histograms, per process name.");
PK_TOOL_EXAMPLE("bitesize                 # histograms at Ctrl-C");
PK_TOOL_EXAMPLE("bitesize -i 1 -d 10      # every second, for 10 seconds");
PK_TOOL_EXAMPLE("bitesize --comm fio      # tasks named fio only");
PK_TOOL_EXAMPLE("bitesize --disk vda      # only the disk vda");
PK_TOOL_BANNER("Tracing block I/O... Hit Ctrl-C to end.");
PK_PREFER("raw_tp tp_btf");
PK_FILTER_PID;
PK_FILTER_COMM;

const volatile char only_disk[32] PK_OPTION(, "disk", "DISK", "only this disk (as in /dev)") = "";

PK_HIST_KEYED(kbytes, char[16], 64) PK_HIST_SECTION("Process Name") PK_CLEAR;

static __always_inline bool disk_wanted(struct request *rq)
{
	char name[PK_DISK_NAME_LEN] = {};

	if (!only_disk[0])
		return true;
	pk_rq_disk_name(rq, name);
	return pk_disk_is(name, only_disk);
}

/*
 * Who queued each request inserted into a queue (a scheduler's, or the
 * hardware queue's list where a plug is flushed later, as 6.1 does for
 * NVMe): the request is counted for that task when it is issued, from
 * whatever context the issue comes.
 */
PK_HASH(
    pk_queued_by, struct request *, struct { char comm[16]; }, 10240);

static __always_inline int insert(struct request *rq)
{
	struct {
		char comm[16];
	} who;

	if (pk_filtered())
		return 0;
	bpf_get_current_comm(who.comm, sizeof(who.comm));
	bpf_map_update_elem(&pk_queued_by, &rq, &who, BPF_ANY);
	return 0;
}

static __always_inline int issue(struct request *rq)
{
	char comm[16];
	char *queued = bpf_map_lookup_elem(&pk_queued_by, &rq);

	if (queued) {
		__builtin_memcpy(comm, queued, sizeof(comm));
		bpf_map_delete_elem(&pk_queued_by, &rq);
	} else if (pk_filtered()) {
		return 0;
	} else {
		bpf_get_current_comm(comm, sizeof(comm));
	}
	if (disk_wanted(rq))
		pk_hist_add_keyed(&kbytes, &comm, BPF_CORE_READ(rq, __data_len) / 1024);
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

char LICENSE[] SEC("license") = "GPL";
