// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * runqlen: run-queue length sampled on the CPU clock (a software perf
 * event) at 99 Hz on every CPU, as a linear histogram, as bcc's runqlen
 * shows it: the tasks waiting on the CPU's run queue, the running one not
 * counted. -C gives one histogram per CPU. The whole tool is this file.
 *
 * The length is the CPU's struct rq's nr_running, which counts the tasks
 * of every class and cgroup, read through CO-RE: the rq is the current
 * task's CFS queue's (cfs_rq->rq, or the rq it is embedded in on kernels
 * without group scheduling). bcc reads the current task's CFS queue's
 * count, which under a cgroup is that group's alone. (The per-CPU kernel
 * variable runqueues would do as well, but this kernel's BTF names it
 * without kallsyms giving its address.)
 *
 * -O (bcc's --runqocc): instead of the histograms, the share of samples
 * that found a task waiting, over all CPUs ("runqocc: 12.50%") or, with
 * -C, per CPU. Each CPU counts its samples in its own slot; before each
 * print, runqlen__occupancy() (a BPF_PROG_TYPE_SYSCALL program the runtime
 * runs) turns their growth since the last print into the rows. -T puts the
 * time (HH:MM:SS) above each print, as bcc's does.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "tool.bpf.h"

PK_TOOL_SUMMARY("Summarize scheduler run queue length as a histogram.");
PK_TOOL_EXAMPLE("runqlen              # run queue length until Ctrl-C");
PK_TOOL_EXAMPLE("runqlen -C           # one histogram per CPU");
PK_TOOL_EXAMPLE("runqlen 1 10         # every second, 10 times, then exit");
PK_TOOL_EXAMPLE("runqlen -O -C        # how often each CPU had a task waiting");
PK_TOOL_BANNER("Sampling run queue length... Hit Ctrl-C to end.");
PK_TOOL_CLEAR;
/* bcc's [interval [count]]: no interval unless given */
PK_TOOL_INTERVAL_COUNT(0);
PK_SAMPLE_FREQ(99);

const volatile bool per_cpu PK_OPTION(C, "cpus", "", "one histogram per CPU") = false;
const volatile bool runqocc PK_OPTION(O, "runqocc", "", "report run queue occupancy") = false;
const volatile bool show_ts PK_OPTION(T, "timestamp", "", "include timestamp on output") = false;

#define SLOTS	 64
#define MAX_CPUS 1024

/*
 * -T's time, above what it dates: maps print in the order the code first
 * uses them, so runqlen__occupancy() (which sets it) comes before do_sample().
 */
struct ts_row {
	__u8 set;
};
PK_ARRAY(timestamp, struct ts_row, 1) PK_TABLE_ROW("{time:-8}") PK_TABLE_WHEN(show_ts) PK_NO_METRIC;

PK_HIST_LINEAR(runqlen, SLOTS, 1) PK_HIST_UNIT("runqlen") PK_TABLE_UNLESS(runqocc);
PK_HIST_LINEAR_KEYED(cpu_runqlen, __u32, SLOTS, 1)
PK_HIST_SECTION("cpu") PK_HIST_UNIT("runqlen") PK_TABLE_UNLESS(runqocc);

struct occ {
	__u64 samples;
	__u64 queued;
};
/* by CPU: each CPU's samples write its own slot only */
PK_ARRAY(occ_counts, struct occ, MAX_CPUS) PK_PRIVATE;
/* the counts at the last print */
PK_ARRAY(occ_seen, struct occ, MAX_CPUS) PK_PRIVATE;

/* bcc's "%0.2f%%" (rows print integers and text) */
struct occ_row {
	char pct[16];
};
PK_ARRAY(occupancy, struct occ_row, 1)
PK_TABLE_ROW("runqocc: {pct}") PK_TABLE_WHEN(runqocc) PK_TABLE_UNLESS(per_cpu) PK_NO_METRIC;

struct cpu_occ_row {
	__u32 cpu;
	char pct[16];
};
PK_HASH(cpu_occupancy, __u32, struct cpu_occ_row, MAX_CPUS)
PK_TABLE_ROW("runqocc, CPU {cpu:-3} {pct:6}")
PK_ROW_SORT("cpu") PK_TABLE_WHEN(runqocc) PK_TABLE_WHEN(per_cpu) PK_NO_METRIC;

/* The current CPU's run queue: its CFS queue's, or the one that holds it. */
static __always_inline struct rq *this_rq(void)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct cfs_rq *cfs = BPF_CORE_READ(task, se.cfs_rq);

	if (bpf_core_field_exists(cfs->rq))
		return BPF_CORE_READ(cfs, rq);
	return (void *)cfs - bpf_core_field_offset(struct rq, cfs);
}

/* @queued of @samples as "%.2f%%", rounded */
static __always_inline void percent(char *buf, __u64 queued, __u64 samples)
{
	static const char fmt[] = "%llu.%02llu%%";
	__u64 hundredths = samples ? (queued * 20000 / samples + 1) / 2 : 0, args[2];

	args[0] = hundredths / 100;
	args[1] = hundredths % 100;
	bpf_snprintf(buf, 16, fmt, args, sizeof(args));
}

struct occ_sum {
	__u64 samples;
	__u64 queued;
};

/* bpf_loop()'s callback: CPU @cpu's growth since the last print */
static long occupancy_of(__u32 cpu, struct occ_sum *sum)
{
	struct occ *o = bpf_map_lookup_elem(&occ_counts, &cpu);
	struct occ *seen = bpf_map_lookup_elem(&occ_seen, &cpu);
	struct cpu_occ_row row = {.cpu = cpu};
	__u64 n, q;

	if (!o || !seen)
		return 1;
	n = o->samples - seen->samples;
	q = o->queued - seen->queued;
	seen->samples += n;
	seen->queued += q;
	sum->samples += n;
	sum->queued += q;
	if (per_cpu && n) {
		percent(row.pct, q, n);
		bpf_map_update_elem(&cpu_occupancy, &cpu, &row, BPF_ANY);
	}
	return 0;
}

SEC("syscall")
int runqlen__occupancy(void *ctx)
{
	struct occ_sum sum = {};
	struct occ_row *all;
	struct ts_row *ts;
	__u32 zero = 0;

	/* an entry of zeros is not printed: the time row has one byte set */
	ts = bpf_map_lookup_elem(&timestamp, &zero);
	if (ts)
		ts->set = 1;
	if (!runqocc)
		return 0;
	bpf_loop(MAX_CPUS, occupancy_of, &sum, 0);
	all = bpf_map_lookup_elem(&occupancy, &zero);
	if (all)
		percent(all->pct, sum.queued, sum.samples);
	return 0;
}

SEC("perf_event")
int do_sample(void *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 len = BPF_CORE_READ(this_rq(), nr_running);

	/* the running task is not waiting */
	if (len > 0)
		len--;
	if (runqocc) {
		struct occ *o = bpf_map_lookup_elem(&occ_counts, &cpu);

		if (o) {
			o->samples++;
			o->queued += len > 0;
		}
	} else if (per_cpu)
		pk_hist_add_linear_keyed(&cpu_runqlen, &cpu, len, 1);
	else
		pk_hist_add_linear(&runqlen, len, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
