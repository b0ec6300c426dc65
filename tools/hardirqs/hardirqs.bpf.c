// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hardirqs: bcc's hardirqs. Time spent in each hard interrupt handler (or,
 * with -C, how many times it ran, or with -d, the times as histograms),
 * keyed by the handler's name (struct irqaction's, as /proc/interrupts
 * shows it), from the irq_handler_entry and irq_handler_exit tracepoints.
 *
 * One fallback group: the raw tracepoints (first: as cheap as tp_btf, and
 * they attach without the kernel's BTF ids), tp_btf, then the classic
 * tracepoints, whose exit event has no name: the entry keeps it per CPU (a
 * hard interrupt handler runs to its end on the CPU it started on, and does
 * not nest in another with interrupts enabled on these kernels).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "tool.bpf.h"

PK_TOOL_SUMMARY("Time spent in each hard interrupt handler, as bcc's hardirqs.");
PK_TOOL_EXAMPLE("hardirqs                 # total time per handler, at Ctrl-C");
PK_TOOL_EXAMPLE("hardirqs -C 1 5          # how many times each ran, every second, 5 times");
PK_TOOL_EXAMPLE("hardirqs -D              # times as a histogram per handler");
PK_TOOL_EXAMPLE("hardirqs -N -c 1         # in nanoseconds, on CPU 1 only");
PK_TOOL_BANNER("Tracing hard irq event time... Hit Ctrl-C to end.");
PK_PREFER("raw_tp tp_btf tracepoint");
/* bcc's [interval [outputs]]: no interval unless given */
PK_TOOL_INTERVAL_COUNT(0);

const volatile bool timestamp PK_OPTION(T, "timestamp", "", "include timestamp on output") = false;
/* bcc's summary layout: a blank line before each print, HH:MM:SS under -T */
PK_TOOL_STAMPED(timestamp);
const volatile bool count PK_OPTION(C, "count", "",
				    "count the handlers' runs, not their time") = false;
const volatile bool dist
    PK_OPTION(D, "dist", "",
	      "the times as a histogram per handler (bcc's -d: -d is --duration here)") = false;
const volatile bool nsecs PK_OPTION(N, "nanoseconds", "",
				    "times in nanoseconds, not microseconds") = false;
/* -1: every CPU */
const volatile __s32 targ_cpu PK_OPTION(c, "cpu", "CPU", "only on this CPU")
    PK_OPTION_RANGE(0, 4095) = -1;

#define NAME_LEN 32

struct irq_key {
	char name[NAME_LEN];
};

struct irq_total {
	__u64 total;
};

PK_HASH(counts, struct irq_key, struct irq_total, 1024)
PK_TABLE_ROW("{name:-26} {total:11}")
PK_ROW_HEADER("HARDIRQ                    TOTAL_count")
PK_ROW_SORT("total name") PK_CLEAR PK_TABLE_WHEN(count);
PK_HASH(times_us, struct irq_key, struct irq_total, 1024)
PK_TABLE_ROW("{name:-26} {total:11}")
PK_ROW_HEADER("HARDIRQ                    TOTAL_usecs")
PK_ROW_SORT("total name") PK_CLEAR PK_TABLE_UNLESS(count) PK_TABLE_UNLESS(dist)
    PK_TABLE_UNLESS(nsecs);
PK_HASH(times_ns, struct irq_key, struct irq_total, 1024)
PK_TABLE_ROW("{name:-26} {total:11}")
PK_ROW_HEADER("HARDIRQ                    TOTAL_nsecs")
PK_ROW_SORT("total name") PK_CLEAR PK_TABLE_UNLESS(count) PK_TABLE_UNLESS(dist) PK_TABLE_WHEN(nsecs);
PK_HIST_KEYED(dist_usecs, char[NAME_LEN], 64) PK_HIST_SECTION("hardirq");
PK_HIST_KEYED(dist_nsecs, char[NAME_LEN], 64) PK_HIST_SECTION("hardirq");

/* the handler running on this CPU: its start and its name */
struct irq_start {
	__u64 ts;
	struct irq_key key;
};

PK_PERCPU_ARRAY(pk_start, struct irq_start, 1) PK_NO_METRIC;

static __always_inline bool other_cpu(void)
{
	return targ_cpu >= 0 && bpf_get_smp_processor_id() != (__u32)targ_cpu;
}

static __always_inline struct irq_start *start_of(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&pk_start, &zero);
}

static __always_inline void add(void *map, struct irq_key *key, __u64 n)
{
	struct irq_total zero = {}, *t = pk_lookup_or_try_init(map, key, &zero);

	if (t)
		__sync_fetch_and_add(&t->total, n);
}

/* the classic tracepoint has the name in its record (@loc: a __data_loc) */
static __always_inline int entry(const char *name, bool user_tp, void *ctx, __u32 loc)
{
	struct irq_key key = {};
	struct irq_start *s;

	if (other_cpu())
		return 0;
	if (user_tp)
		bpf_probe_read_kernel_str(key.name, sizeof(key.name), (void *)ctx + (loc & 0xffff));
	else
		bpf_probe_read_kernel_str(key.name, sizeof(key.name), name);
	if (count) {
		add(&counts, &key, 1);
		return 0;
	}
	s = start_of();
	if (!s)
		return 0;
	s->key = key;
	s->ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int handler_exit(void)
{
	struct irq_start *s;
	__u64 delta;

	if (count || other_cpu())
		return 0;
	s = start_of();
	if (!s || !s->ts)
		return 0;
	delta = bpf_ktime_get_ns() - s->ts;
	s->ts = 0;
	if (!nsecs)
		delta /= 1000;
	if (dist && nsecs)
		pk_hist_add_keyed(&dist_nsecs, &s->key.name, delta);
	else if (dist)
		pk_hist_add_keyed(&dist_usecs, &s->key.name, delta);
	else
		add(nsecs ? (void *)&times_ns : (void *)&times_us, &s->key, delta);
	return 0;
}

SEC("raw_tp/irq_handler_entry")
int BPF_PROG(irq__raw_entry, int irq, struct irqaction *action)
{
	return entry(BPF_CORE_READ(action, name), false, ctx, 0);
}

SEC("raw_tp/irq_handler_exit")
int BPF_PROG(irq__raw_exit)
{
	return handler_exit();
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(irq__btf_entry, int irq, struct irqaction *action)
{
	return entry(action->name, false, ctx, 0);
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(irq__btf_exit)
{
	return handler_exit();
}

SEC("tracepoint/irq/irq_handler_entry")
int irq__tp_entry(struct trace_event_raw_irq_handler_entry *ctx)
{
	return entry(0, true, ctx, ctx->__data_loc_name);
}

SEC("tracepoint/irq/irq_handler_exit")
int irq__tp_exit(void *ctx)
{
	return handler_exit();
}

char LICENSE[] SEC("license") = "GPL";
