// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * execcount: execve() calls by root and by other users, per interval, as
 * bcc's map_values_sample counts them; --by-uid gives one row per uid.
 * Each interval's counts are read and cleared in one step.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>
#include <probekit/probekit.h>

#include "execcount.skel.h"

PK_SKEL_OPS(execcount_bpf);

#define DEFAULT_INTERVAL_MS 5000

static struct {
	unsigned long interval_ms;
	bool by_uid;
} env = { .interval_ms = DEFAULT_INTERVAL_MS };

enum { OPT_BY_UID = 0x100 };

static int parse_opt(struct pk_run *run, int key, const char *arg)
{
	switch (key) {
	case 'i':
		if (pk_parse_seconds(arg, &env.interval_ms))
			return pk_usage_error(run, "invalid interval '%s': give seconds > 0", arg);
		return 0;
	case OPT_BY_UID:
		env.by_uid = true;
		return 0;
	}
	return -EINVAL;
}

static int start(struct pk_run *run)
{
	FILE *out = pk_run__out(run);

	pk_run__set_interval(run, env.interval_ms);
	if (pk_run__json(run))
		return 0;
	fprintf(out, "Counting execve() calls every %g s... Hit Ctrl-C to end.\n",
		env.interval_ms / 1000.0);
	if (env.by_uid)
		fprintf(out, "%-8s %-10s %8s\n", "TIME", "UID", "EXECS");
	else
		fprintf(out, "%-8s %8s %8s\n", "TIME", "ROOT", "OTHER");
	return 0;
}

static int by_uid(const void *k1, const void *v1, const void *k2, const void *v2, void *ctx)
{
	__u32 a = *(const __u32 *)k1, b = *(const __u32 *)k2;

	(void)v1;
	(void)v2;
	(void)ctx;
	return a < b ? -1 : a > b;
}

static void print_uid(struct pk_run *run, const char *ts, __u32 uid, __u64 n)
{
	struct pk_json j;

	if (!pk_run__json(run)) {
		fprintf(pk_run__out(run), "%-8s %-10u %8llu\n", ts, uid, (unsigned long long)n);
		return;
	}
	pk_json_begin(&j, pk_run__out(run));
	pk_json_str(&j, "time", ts, strlen(ts));
	pk_json_uint(&j, "uid", uid);
	pk_json_uint(&j, "execs", n);
	pk_json_end(&j);
}

static void print_split(struct pk_run *run, const char *ts, __u64 root, __u64 other)
{
	struct pk_json j;

	if (!pk_run__json(run)) {
		fprintf(pk_run__out(run), "%-8s %8llu %8llu\n", ts, (unsigned long long)root,
			(unsigned long long)other);
		return;
	}
	pk_json_begin(&j, pk_run__out(run));
	pk_json_str(&j, "time", ts, strlen(ts));
	pk_json_uint(&j, "root", root);
	pk_json_uint(&j, "other", other);
	pk_json_end(&j);
}

/* Prints the interval's counts and starts the next one from zero. */
static int print_interval(struct pk_run *run)
{
	LIBBPF_OPTS(pk_map_read_opts, opts, .sum_percpu = true);
	struct execcount_bpf *skel = pk_run__skel(run);
	__u64 root = 0, other = 0, n;
	struct pk_map_snapshot *s;
	char ts[16];
	time_t now = time(NULL);
	size_t i;
	__u32 uid;

	s = pk_map__snapshot_and_clear(bpf_map__fd(skel->maps.counts), &opts);
	if (!s) {
		pk_error(run, "cannot read the counts: %s", strerror(errno));
		return -errno;
	}
	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
	pk_map_snapshot__sort(s, by_uid, NULL);
	for (i = 0; i < pk_map_snapshot__count(s); i++) {
		uid = *(const __u32 *)pk_map_snapshot__key(s, i);
		n = *(const __u64 *)pk_map_snapshot__value(s, i);
		if (env.by_uid)
			print_uid(run, ts, uid, n);
		else if (uid == 0)
			root += n;
		else
			other += n;
	}
	if (!env.by_uid)
		print_split(run, ts, root, other);
	pk_map_snapshot__free(s);
	return 0;
}

static const struct pk_option options[] = {
	{ "interval", 'i', "SECS", "print and clear the counts every SECS seconds (5)" },
	{ "by-uid", OPT_BY_UID, NULL, "one row per uid instead of root and other" },
	{},
};

static const char *const tp_progs[] = { "tp_execve", NULL };
static const char *const tp_optional[] = { "tp_execveat", NULL };
static const char *const raw_tp_progs[] = { "rt_sys_enter", NULL };

/*
 * The classic tracepoints first: the raw sys_enter program would run on
 * every syscall of the machine (the untraced-syscall tax, bench/README.md),
 * where the syscall tracepoints cost other syscalls a bit test. The price is
 * an RCU grace period per tracepoint when detached, one after another under
 * the kernel's event_mutex (two here). The raw one is for kernels without
 * syscall tracepoint events.
 */
static const struct pk_variant variants[] = {
	{ PK_MECH_TRACEPOINT, tp_progs, tp_optional },
	{ PK_MECH_RAW_TP, raw_tp_progs, NULL },
	{},
};

const struct pk_tool execcount_tool = {
	.name = "execcount",
	.summary = "Count execve() calls by root and by other users, per interval.",
	.usage = "[-i SECS] [-d SECS] [--by-uid] [--json]",
	.examples = "  execcount                # root and other users, every 5 seconds\n"
		    "  execcount -i 1 -d 10     # every second, for 10 seconds\n"
		    "  execcount --by-uid       # one row per uid\n",
	.options = options,
	.parse_opt = parse_opt,
	.skel = &execcount_bpf_ops,
	.variants = variants,
	.start = start,
	.tick = print_interval,
	.finish = print_interval,
	.flags = PK_TOOL_NO_EVENTS,
};
