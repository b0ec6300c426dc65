// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * biotop: block I/O per process and disk, top first, every interval,
 * bcc's biotop: the requests each process queued to each disk, their
 * kbytes and their average latency (issue to completion). The whole tool
 * is this file.
 *
 * The block tracepoints block_rq_insert, block_rq_issue and
 * block_rq_complete through raw_tp, else tp_btf, reading the request with
 * CO-RE (6.1 to 6.18). The process is the one current when the request was
 * inserted into a scheduler's queue or, without one, issued: the
 * submitter, as bcc's kprobe on blk_account_io_start sees it.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "tool.bpf.h"

PK_TOOL_SUMMARY("Block device I/O top: requests, kbytes and latency per process and disk.");
PK_TOOL_EXAMPLE("biotop                   # every second, the top 20");
PK_TOOL_EXAMPLE("biotop -r 10 5           # every 5 seconds, the top 10");
PK_TOOL_EXAMPLE("biotop -p 181            # process 181 only");
/* bcc's [interval [count]], every second unless given */
PK_TOOL_INTERVAL_COUNT(1);
PK_PREFER("raw_tp tp_btf");
PK_FILTER_PID;
PK_FILTER_COMM;

const volatile __u32 maxrows PK_OPTION(r, "maxrows", "ROWS", "print at most ROWS rows (20)")
    PK_OPTION_RANGE(1, 100000) = 20;

struct who {
	__u64 issue_ns;
	__u32 pid;
	char comm[16];
};

PK_HASH(pk_inflight, struct request *, struct who, 10240);

struct top_key {
	__u32 pid;
	__u32 major;
	__u32 minor;
	char comm[16];
	char rw[2];
	char disk[14];
};

struct top_val {
	__u64 io;
	__u64 bytes;
	__u64 kbytes;
	__u64 total_ns;
	/* the average in ms, "%.2f", kept by each completion (rows print integers and text) */
	char avg[8];
};

PK_HASH(top, struct top_key, struct top_val, 10240)
PK_TABLE_ROW("{pid:-6} {comm:-16} {rw:-1} {major:3} {minor:3} {disk:-8} {io:5} "
	     "{kbytes:7} {avg:7}")
PK_ROW_HEADER("\nPID    COMM             D MAJ MIN DISK       I/O  Kbytes   AVGms")
PK_ROW_SORT("-kbytes -io pid") PK_ROW_TOP(maxrows) PK_CLEAR;

/*
 * @hundredths (of a ms) as "%.2f" (up to 99999.99), packed into a u64 from
 * its last character: each one pushed goes in front, at the lowest byte,
 * where a little-endian string starts (the verifier takes no variable
 * index into a map value).
 */
static __always_inline __u64 fmt_ms(__u64 hundredths)
{
	__u64 ip, r;
	int i;

	if (hundredths > 9999999)
		hundredths = 9999999;
	ip = hundredths / 100;
	r = '0' + hundredths % 10;
	r = (r << 8) | ('0' + hundredths / 10 % 10);
	r = (r << 8) | '.';
	for (i = 0; i < 5; i++) {
		r = (r << 8) | ('0' + ip % 10);
		ip /= 10;
		if (!ip)
			break;
	}
	return r;
}

static __always_inline int note(struct request *rq, bool issue)
{
	struct who w = {}, *old = bpf_map_lookup_elem(&pk_inflight, &rq);

	if (old) {
		if (issue)
			old->issue_ns = bpf_ktime_get_ns();
		return 0;
	}
	if (pk_filtered())
		return 0;
	w.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(w.comm, sizeof(w.comm));
	if (issue)
		w.issue_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&pk_inflight, &rq, &w, BPF_ANY);
	return 0;
}

static __always_inline int complete(struct request *rq, unsigned int nr_bytes)
{
	struct who *w = bpf_map_lookup_elem(&pk_inflight, &rq);
	static const struct top_val zero;
	struct top_key k = {};
	struct gendisk *disk;
	struct top_val *v;

	if (!w)
		return 0;
	if (!w->issue_ns)
		goto out;
	k.pid = w->pid;
	__builtin_memcpy(k.comm, w->comm, sizeof(k.comm));
	/* REQ_OP_MASK: the op is the low byte; odd ops write (op_is_write()) */
	k.rw[0] = BPF_CORE_READ(rq, cmd_flags) & 1 ? 'W' : 'R';
	disk = BPF_CORE_READ(rq, q, disk);
	k.major = BPF_CORE_READ(disk, major);
	k.minor = BPF_CORE_READ(disk, first_minor);
	bpf_probe_read_kernel_str(k.disk, sizeof(k.disk), disk->disk_name);
	v = pk_lookup_or_try_init(&top, &k, &zero);
	if (v) {
		v->io++;
		v->bytes += nr_bytes;
		v->kbytes = v->bytes / 1024;
		v->total_ns += bpf_ktime_get_ns() - w->issue_ns;
		*(__u64 *)v->avg = fmt_ms(v->total_ns / v->io / 10000);
	}
out:
	bpf_map_delete_elem(&pk_inflight, &rq);
	return 0;
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(rq__raw_insert, struct request *rq)
{
	return note(rq, false);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(rq__raw_issue, struct request *rq)
{
	return note(rq, true);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(rq__raw_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	return complete(rq, nr_bytes);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(rq__btf_insert, struct request *rq)
{
	return note(rq, false);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(rq__btf_issue, struct request *rq)
{
	return note(rq, true);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(rq__btf_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	return complete(rq, nr_bytes);
}

char LICENSE[] SEC("license") = "GPL";
