// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * funclatency: the time from a function's entry to its return, as a log2
 * histogram with its count, total and average, as bcc's funclatency shows
 * it. The pattern is bcc's: user functions ("c:read*", "/path/bin:func*",
 * by uprobes and uretprobes) or kernel ones ("vfs_r*", "k:vfs_read": a
 * kprobe and a kretprobe per match; fentry and fexit when it matches one
 * function, as they take theirs at load). The runtime expands the pattern
 * (PK_TARGET_EACH, -r a regular expression) and attaches match i with
 * cookie i. As bcc does, every match counts in one histogram, or with -F in
 * one per function ("Function = vfs_read").
 *
 * Nested and recursive calls are not timed properly (one start time per
 * thread), as in bcc.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"
#include "maps.bpf.h"

PK_TOOL_SUMMARY("Time a function's calls, user or kernel, as a histogram.");
PK_TOOL_EXAMPLE("funclatency c:malloc         # malloc()'s latency in every process, in ns");
PK_TOOL_EXAMPLE("funclatency -u -p 181 c:read # read() of libc in process 181, in us");
PK_TOOL_EXAMPLE("funclatency -m vfs_fsync     # a kernel function, in ms");
PK_TOOL_EXAMPLE("funclatency -i 2 -d 10 /usr/bin/bash:readline  # every 2 s for 10 s");
PK_TOOL_EXAMPLE("funclatency 'c:*printf'      # the *printf family, in one histogram");
PK_TOOL_EXAMPLE("funclatency -F 'vfs_r*'      # one histogram per matched function");
PK_TOOL_EXAMPLE("funclatency -r 'c:read(v)?$' # a regular expression");
PK_TOOL_BANNER("Tracing... Hit Ctrl-C to end.");

PK_FILTER_PID;

/* fentry before kprobe: a pattern that matches several falls to the kprobes */
const volatile bool timestamp PK_OPTION(T, "timestamp", "", "include timestamp on output") = false;
/* bcc's summary layout: a blank line before each print, HH:MM:SS under -T */
PK_TOOL_STAMPED(timestamp);
const volatile char pattern[256] PK_OPTION(, "pattern", "PATTERN",
					   "LIB:FUNC* (c:read*, /path:func*) or a kernel FUNC*")
    PK_TARGET(entry__uprobe exit__uprobe entry__fentry exit__fentry entry__kprobe exit__kprobe)
	PK_TARGET_EACH PK_POSITIONAL = "";
const volatile bool
    regexp PK_OPTION(r, "regexp", "",
		     "the pattern is a regular expression, not a glob") PK_TARGET_REGEX = false;
const volatile bool usecs PK_OPTION(u, "microseconds", "", "the histogram in us") = false;
const volatile bool msecs PK_OPTION(m, "milliseconds", "", "the histogram in ms") = false;
const volatile bool per_func PK_OPTION(F, "function", "",
				       "one histogram per function matched") = false;

/*
 * One histogram per unit: the options fill one, and an empty one does not
 * print. Each print empties them, as bcc's dist.clear() (-i).
 */
PK_HIST(nsecs, 64) PK_CLEAR;
PK_HIST(usecs_hist, 64) PK_HIST_UNIT("usecs") PK_CLEAR;
PK_HIST(msecs_hist, 64) PK_HIST_UNIT("msecs") PK_CLEAR;

/* -F: one per function, the bucket the match's cookie, printed as its name */
struct func_bucket {
	pk_target_t func;
};

PK_HIST_KEYED(nsecs_by_func, struct func_bucket, 64) PK_HIST_SECTION("Function") PK_CLEAR;
PK_HIST_KEYED(usecs_by_func, struct func_bucket, 64)
PK_HIST_SECTION("Function") PK_HIST_UNIT("usecs") PK_CLEAR;
PK_HIST_KEYED(msecs_by_func, struct func_bucket, 64)
PK_HIST_SECTION("Function") PK_HIST_UNIT("msecs") PK_CLEAR;

struct stats {
	__u64 avg;
	__u64 total;
	__u64 count;
};

PK_ARRAY(totals_ns, struct stats, 1)
PK_TABLE_ROW("avg = {avg} nsecs, total: {total} nsecs, count: {count}")
PK_TABLE_UNLESS(usecs) PK_TABLE_UNLESS(msecs) PK_CLEAR;
PK_ARRAY(totals_us, struct stats, 1)
PK_TABLE_ROW("avg = {avg} usecs, total: {total} usecs, count: {count}")
PK_TABLE_WHEN(usecs) PK_CLEAR;
PK_ARRAY(totals_ms, struct stats, 1)
PK_TABLE_ROW("avg = {avg} msecs, total: {total} msecs, count: {count}")
PK_TABLE_WHEN(msecs) PK_TABLE_UNLESS(usecs) PK_CLEAR;

/* when each thread entered the function */
PK_HASH(start, __u32, __u64, 10240) PK_PRIVATE;

static __always_inline int entry(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ts;

	if (pk_filtered())
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
	return 0;
}

/* @cookie: the match the probe was attached for (fentry's is always 0, its one match) */
static __always_inline int leave(__u64 cookie)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct func_bucket func = {.func = (__u32)cookie};
	struct stats *s;
	__u64 *ts, delta;

	ts = bpf_map_lookup_elem(&start, &tid);
	if (!ts)
		return 0;
	delta = bpf_ktime_get_ns() - *ts;
	bpf_map_delete_elem(&start, &tid);
	/* bcc divides before the histogram, so the slots and the totals are in the unit */
	if (usecs) {
		delta /= 1000;
		if (per_func)
			pk_hist_add_keyed(&usecs_by_func, &func, delta);
		else
			pk_hist_add(&usecs_hist, delta);
		s = bpf_map_lookup_elem(&totals_us, &zero);
	} else if (msecs) {
		delta /= 1000000;
		if (per_func)
			pk_hist_add_keyed(&msecs_by_func, &func, delta);
		else
			pk_hist_add(&msecs_hist, delta);
		s = bpf_map_lookup_elem(&totals_ms, &zero);
	} else {
		if (per_func)
			pk_hist_add_keyed(&nsecs_by_func, &func, delta);
		else
			pk_hist_add(&nsecs, delta);
		s = bpf_map_lookup_elem(&totals_ns, &zero);
	}
	if (s) {
		__u64 count = __sync_fetch_and_add(&s->count, 1) + 1;
		__u64 total = __sync_fetch_and_add(&s->total, delta) + delta;

		/* racy between CPUs, as bcc's is: the last writer's view */
		s->avg = total / count;
	}
	return 0;
}

SEC("uprobe")
int entry__uprobe(void *ctx)
{
	return entry();
}

SEC("uretprobe")
int exit__uprobe(void *ctx)
{
	return leave(bpf_get_attach_cookie(ctx));
}

SEC("fentry")
int entry__fentry(void *ctx)
{
	return entry();
}

SEC("fexit")
int exit__fentry(void *ctx)
{
	return leave(0);
}

SEC("kprobe")
int entry__kprobe(void *ctx)
{
	return entry();
}

SEC("kretprobe")
int exit__kprobe(void *ctx)
{
	return leave(bpf_get_attach_cookie(ctx));
}

char LICENSE[] SEC("license") = "GPL";
