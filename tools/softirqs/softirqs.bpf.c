// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * softirqs: bcc's softirqs. Time spent in each kind of soft interrupt
 * (timer, net_rx, block, rcu...), or with -C how many times each ran, or
 * with -D the times as histograms, from the softirq_entry and softirq_exit
 * tracepoints. The kinds are /proc/softirqs' rows, in lower case, as bcc
 * names them.
 *
 * One fallback group: the raw tracepoints (as cheap as tp_btf, and they
 * attach without the kernel's BTF ids), tp_btf, then the classic ones. The
 * start is kept per CPU: a softirq runs to its end on its CPU, and another
 * does not start there before it ends (only hard interrupts come between).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "tool.bpf.h"

PK_TOOL_SUMMARY("Time spent in each kind of soft interrupt, as bcc's softirqs.");
PK_TOOL_EXAMPLE("softirqs                 # total time per kind, at Ctrl-C");
PK_TOOL_EXAMPLE("softirqs -C 1 5          # how many times each ran, every second, 5 times");
PK_TOOL_EXAMPLE("softirqs -D              # times as a histogram per kind");
PK_TOOL_EXAMPLE("softirqs -N -c 1         # in nanoseconds, on CPU 1 only");
PK_TOOL_BANNER("Tracing soft irq event time... Hit Ctrl-C to end.");
PK_PREFER("raw_tp tp_btf tracepoint");
/* bcc's [interval [count]]: no interval unless given */
PK_TOOL_INTERVAL_COUNT(0);

const volatile bool timestamp PK_OPTION(T, "timestamp", "", "include timestamp on output") = false;
/* bcc's summary layout: a blank line before each print, HH:MM:SS under -T */
PK_TOOL_STAMPED(timestamp);
const volatile bool count PK_OPTION(C, "count", "",
				    "count the softirqs' runs, not their time") = false;
const volatile bool
    dist PK_OPTION(D, "dist", "",
		   "the times as a histogram per kind (bcc's -d: -d is --duration here)") = false;
const volatile bool nsecs PK_OPTION(N, "nanoseconds", "",
				    "times in nanoseconds, not microseconds") = false;
/* -1: every CPU */
const volatile __s32 targ_cpu PK_OPTION(c, "cpu", "CPU", "only on this CPU")
    PK_OPTION_RANGE(0, 4095) = -1;

#define NAME_LEN 16

struct softirq_key {
	char name[NAME_LEN];
};

struct softirq_total {
	__u64 total;
};

PK_HASH(counts, struct softirq_key, struct softirq_total, 64)
PK_TABLE_ROW("{name:-18} {total:11}")
PK_ROW_HEADER("SOFTIRQ            TOTAL_count")
PK_ROW_SORT("total name") PK_CLEAR PK_TABLE_WHEN(count);
PK_HASH(times_us, struct softirq_key, struct softirq_total, 64)
PK_TABLE_ROW("{name:-18} {total:11}")
PK_ROW_HEADER("SOFTIRQ            TOTAL_usecs")
PK_ROW_SORT("total name") PK_CLEAR PK_TABLE_UNLESS(count) PK_TABLE_UNLESS(dist)
    PK_TABLE_UNLESS(nsecs);
PK_HASH(times_ns, struct softirq_key, struct softirq_total, 64)
PK_TABLE_ROW("{name:-18} {total:11}")
PK_ROW_HEADER("SOFTIRQ            TOTAL_nsecs")
PK_ROW_SORT("total name") PK_CLEAR PK_TABLE_UNLESS(count) PK_TABLE_UNLESS(dist) PK_TABLE_WHEN(nsecs);
PK_HIST_KEYED(dist_usecs, char[NAME_LEN], 64) PK_HIST_SECTION("softirq");
PK_HIST_KEYED(dist_nsecs, char[NAME_LEN], 64) PK_HIST_SECTION("softirq");

/* the softirq running on this CPU: its start and its kind */
struct softirq_start {
	__u64 ts;
	__u32 vec;
};

PK_PERCPU_ARRAY(pk_start, struct softirq_start, 1) PK_NO_METRIC;

/* the kernel's softirq_to_name[], in its order (include/linux/interrupt.h) */
static __always_inline void name_of(__u32 vec, struct softirq_key *key)
{
	switch (vec) {
	case 0: __builtin_memcpy(key->name, "hi", 3); break;
	case 1: __builtin_memcpy(key->name, "timer", 6); break;
	case 2: __builtin_memcpy(key->name, "net_tx", 7); break;
	case 3: __builtin_memcpy(key->name, "net_rx", 7); break;
	case 4: __builtin_memcpy(key->name, "block", 6); break;
	case 5: __builtin_memcpy(key->name, "irq_poll", 9); break;
	case 6: __builtin_memcpy(key->name, "tasklet", 8); break;
	case 7: __builtin_memcpy(key->name, "sched", 6); break;
	case 8: __builtin_memcpy(key->name, "hrtimer", 8); break;
	case 9: __builtin_memcpy(key->name, "rcu", 4); break;
	default: __builtin_memcpy(key->name, "unknown", 8); break;
	}
}

static __always_inline bool other_cpu(void)
{
	return targ_cpu >= 0 && bpf_get_smp_processor_id() != (__u32)targ_cpu;
}

static __always_inline struct softirq_start *start_of(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&pk_start, &zero);
}

static __always_inline void add(void *map, struct softirq_key *key, __u64 n)
{
	struct softirq_total zero = {}, *t = pk_lookup_or_try_init(map, key, &zero);

	if (t)
		__sync_fetch_and_add(&t->total, n);
}

static __always_inline int entry(__u32 vec)
{
	struct softirq_key key = {};
	struct softirq_start *s;

	if (other_cpu())
		return 0;
	if (count) {
		name_of(vec, &key);
		add(&counts, &key, 1);
		return 0;
	}
	s = start_of();
	if (!s)
		return 0;
	s->vec = vec;
	s->ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int softirq_exit(__u32 vec)
{
	struct softirq_key key = {};
	struct softirq_start *s;
	__u64 delta;

	if (count || other_cpu())
		return 0;
	s = start_of();
	/* started before we attached, or not this one */
	if (!s || !s->ts || s->vec != vec)
		return 0;
	delta = bpf_ktime_get_ns() - s->ts;
	s->ts = 0;
	if (!nsecs)
		delta /= 1000;
	name_of(vec, &key);
	if (dist && nsecs)
		pk_hist_add_keyed(&dist_nsecs, &key.name, delta);
	else if (dist)
		pk_hist_add_keyed(&dist_usecs, &key.name, delta);
	else
		add(nsecs ? (void *)&times_ns : (void *)&times_us, &key, delta);
	return 0;
}

SEC("raw_tp/softirq_entry")
int BPF_PROG(softirq__raw_entry, unsigned int vec)
{
	return entry(vec);
}

SEC("raw_tp/softirq_exit")
int BPF_PROG(softirq__raw_exit, unsigned int vec)
{
	return softirq_exit(vec);
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq__btf_entry, unsigned int vec)
{
	return entry(vec);
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirq__btf_exit, unsigned int vec)
{
	return softirq_exit(vec);
}

SEC("tracepoint/irq/softirq_entry")
int softirq__tp_entry(struct trace_event_raw_softirq *ctx)
{
	return entry(ctx->vec);
}

SEC("tracepoint/irq/softirq_exit")
int softirq__tp_exit(struct trace_event_raw_softirq *ctx)
{
	return softirq_exit(ctx->vec);
}

char LICENSE[] SEC("license") = "GPL";
