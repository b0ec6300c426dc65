// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * statsnoop: trace the stat() family of system calls, as bcc's statsnoop
 * does, with the same options and columns.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <probekit/probekit.h>

#include "statsnoop.h"
#include "statsnoop.skel.h"

PK_SKEL_OPS(statsnoop_bpf);

static struct {
	bool timestamp, failed, sysname;
	pid_t pid;
	__u64 first_ts;
} env;

static const char *const sys_names[SN__COUNT] = {
	[SN_STAT] = "stat",	      [SN_LSTAT] = "lstat",	      [SN_NEWSTAT] = "newstat",
	[SN_NEWLSTAT] = "newlstat",   [SN_FSTATAT64] = "fstatat64",   [SN_NEWFSTATAT] = "newfstatat",
	[SN_STATX] = "statx",	      [SN_STATFS] = "statfs",
};

static int parse_opt(struct pk_run *run, int key, const char *arg)
{
	switch (key) {
	case 't': env.timestamp = true; return 0;
	case 'x': env.failed = true; return 0;
	case 's': env.sysname = true; return 0;
	case 'p':
		return pk_parse_pid_arg(run, "PID", arg, &env.pid);
	}
	return -EINVAL;
}

/*
 * fentry and kprobe programs have no target in their section: each gets
 * the running kernel's function for its syscall, when it has one (as bcc
 * checks ksymname(get_syscall_fnname(name))); kretprobe krp_stat goes on
 * every one of them.
 */
static int add_targets(struct pk_run *run, enum pk_mech mech)
{
	struct pk_attach *att = pk_run__attach(run);
	const char *prefix = mech == PK_MECH_FENTRY ? "fx_" : "kp_";
	char prog[64], fn[64];
	int sys, err = 0;

	for (sys = 1; sys < SN__COUNT && !err; sys++) {
		snprintf(prog, sizeof(prog), "%s%s", prefix, sys_names[sys]);
		pk_syscall_fnname(sys_names[sys], fn, sizeof(fn));
		err = pk_attach__add_target(att, &(struct pk_target){ .prog = prog, .target = fn,
							       .flags = PK_TARGET_OPTIONAL });
		if (!err && mech == PK_MECH_KPROBE)
			err = pk_attach__add_target(att, &(struct pk_target){
								 .prog = "krp_stat",
								 .target = fn,
								 .flags = PK_TARGET_OPTIONAL });
	}
	return err;
}

static int configure(struct pk_run *run, void *skel_ptr, enum pk_mech mech)
{
	struct statsnoop_bpf *skel = skel_ptr;
	bool wrapper;

	/* -c: the command the runtime started */
	skel->rodata->targ_tgid = env.pid ? env.pid : pk_run__child(run);
	skel->rodata->failed_only = env.failed;
	if (mech != PK_MECH_FENTRY && mech != PK_MECH_KPROBE)
		return 0;
	wrapper = strcmp(pk_syscall_prefix(), "sys_") != 0;
	skel->rodata->sys_wrapper = wrapper;
	/* fexit reads arguments through the wrapper's struct pt_regs */
	if (mech == PK_MECH_FENTRY && !wrapper)
		return -EOPNOTSUPP;
	return add_targets(run, mech);
}

static int start(struct pk_run *run)
{
	FILE *out = pk_run__out(run);

	if (pk_run__mechanism(run) == PK_MECH_KPROBE)
		pk_run__info(run, "%d kprobes attached",
			     pk_attach__count(pk_run__attach(run), PK_MECH_KPROBE));
	if (pk_run__json(run))
		return 0;
	if (env.timestamp)
		fprintf(out, "%-14s", "TIME(s)");
	fprintf(out, "%-7s %-16s %4s %3s", "PID", "COMM", "FD", "ERR");
	if (env.sysname)
		fprintf(out, " %-12s", "SYSCALL");
	fprintf(out, " PATH\n");
	return 0;
}

static void print_json(FILE *out, const struct statsnoop_event *e, size_t path_len,
		       const char *sys, double ts)
{
	struct pk_json j;

	pk_json__begin(&j, out);
	pk_json__double(&j, "time", ts);
	pk_json__uint(&j, "pid", e->pid);
	pk_json__uint(&j, "tid", e->tid);
	pk_json__str(&j, "comm", e->comm, sizeof(e->comm));
	pk_json__int(&j, "fd", e->ret >= 0 ? e->ret : -1);
	pk_json__int(&j, "err", e->ret >= 0 ? 0 : -e->ret);
	pk_json__str(&j, "syscall", sys, strlen(sys));
	pk_json__str(&j, "path", e->path, path_len);
	pk_json__bool(&j, "truncated", e->truncated);
	pk_json__end(&j);
}

/* One line, built without a stdio call per field: this runs per event. */
static void print_text(FILE *out, const struct statsnoop_event *e, size_t path_len,
		       const char *sys, double ts)
{
	struct pk_line l;
	size_t mark;

	pk_line__begin(&l, out);
	if (env.timestamp)
		pk_line__fixed(&l, ts, 9, -14);
	pk_line__uint(&l, e->pid, -7);
	pk_line__char(&l, ' ');
	mark = pk_line__mark(&l);
	pk_line__text(&l, e->comm, sizeof(e->comm));
	pk_line__pad(&l, mark, 16);
	pk_line__char(&l, ' ');
	pk_line__int(&l, e->ret >= 0 ? e->ret : -1, 4);
	pk_line__char(&l, ' ');
	pk_line__int(&l, e->ret >= 0 ? 0 : -e->ret, 3);
	if (env.sysname) {
		pk_line__char(&l, ' ');
		mark = pk_line__mark(&l);
		pk_line__str(&l, sys);
		pk_line__pad(&l, mark, 12);
	}
	pk_line__char(&l, ' ');
	pk_line__text(&l, e->path, path_len);
	if (e->truncated)
		pk_line__raw(&l, "...", 3);
	pk_line__end(&l);
}

static int print_event(struct pk_run *run, const void *data, size_t size)
{
	const struct statsnoop_event *e = data;
	FILE *out = pk_run__out(run);
	size_t path_len;
	const char *sys;
	double ts;

	/* the event ends after its path's NUL (pk_submit_cut()) */
	if (size <= offsetof(struct statsnoop_event, path))
		return 0;
	path_len = size - offsetof(struct statsnoop_event, path);
	if (path_len > sizeof(e->path))
		path_len = sizeof(e->path);
	sys = e->sys < SN__COUNT && sys_names[e->sys] ? sys_names[e->sys] : "?";
	if (!env.first_ts)
		env.first_ts = e->ts_ns;
	ts = (e->ts_ns - env.first_ts) / 1e9;
	if (pk_run__json(run))
		print_json(out, e, path_len, sys, ts);
	else
		print_text(out, e, path_len, sys, ts);
	return 0;
}

static const struct pk_option options[] = {
	{ "timestamp", 't', NULL, "include a timestamp column (seconds since the first event)" },
	{ "failed", 'x', NULL, "only show failed stats" },
	{ "pid", 'p', "PID", "only trace this process" },
	{ "sysname", 's', NULL, "include the syscall name column" },
	{},
};

#define EACH_SYS(prefix)                                                                    \
	prefix "stat", prefix "lstat", prefix "newstat", prefix "newlstat", prefix "fstatat64", \
		prefix "newfstatat", prefix "statx", prefix "statfs"

static const char *const fx_progs[] = { EACH_SYS("fx_"), NULL };
static const char *const kp_progs[] = { EACH_SYS("kp_"), NULL };
static const char *const krp_progs[] = { "krp_stat", NULL };
/* statx exists everywhere (Linux 4.11+); the others depend on the architecture */
static const char *const tp_progs[] = { "tp_enter_statx", "tp_exit_statx", NULL };
static const char *const tp_optional[] = {
	"tp_enter_stat",      "tp_exit_stat",	    "tp_enter_lstat",	   "tp_exit_lstat",
	"tp_enter_newstat",   "tp_exit_newstat",    "tp_enter_newlstat",   "tp_exit_newlstat",
	"tp_enter_fstatat64", "tp_exit_fstatat64",  "tp_enter_newfstatat", "tp_exit_newfstatat",
	"tp_enter_statfs",    "tp_exit_statfs",	    NULL,
};

/* on x86 the raw sys_exit alone has the number and the path (statsnoop.bpf.c) */
#if defined(__x86_64__) || defined(__i386__)
static const char *const raw_tp_progs[] = { "rt_exit", NULL };
#else
static const char *const raw_tp_progs[] = { "rt_enter", "rt_exit", NULL };
#endif

/* the exit tracepoints alone; which exist depends on the architecture */
static const char *const tpx_progs[] = { "tpx_exit_statx", NULL };
static const char *const tpx_optional[] = { "tpx_exit_stat",	   "tpx_exit_lstat",
					    "tpx_exit_newstat",	   "tpx_exit_newlstat",
					    "tpx_exit_fstatat64", "tpx_exit_newfstatat",
					    "tpx_exit_statfs",	   NULL };

/*
 * By the untraced-syscall tax, as in opensnoop.c: the raw sys_exit program
 * runs on every syscall, so it comes last; of the tracepoints, the exits
 * alone first (half the RCU waits at exit).
 */
static const struct pk_variant variants[] = {
	{ PK_MECH_FENTRY, NULL, fx_progs },
	{ PK_MECH_KPROBE, krp_progs, kp_progs },
	{ PK_MECH_TRACEPOINT, tpx_progs, tpx_optional, NULL, PK_VARIANT_KERNEL_BTF },
	{ PK_MECH_TRACEPOINT, tp_progs, tp_optional },
	{ PK_MECH_RAW_TP, raw_tp_progs, NULL },
	{},
};

const struct pk_tool statsnoop_tool = {
	.name = "statsnoop",
	.summary = "Trace stat() system calls: stat, lstat, fstatat, statx and statfs.",
	.usage = "[-txs] [-p PID | -c COMMAND] [-d SECS] [--json]",
	.examples = "  statsnoop           # trace all stat() syscalls\n"
		    "  statsnoop -t        # include timestamps\n"
		    "  statsnoop -s        # include the syscall name\n"
		    "  statsnoop -x        # only show failed stats\n"
		    "  statsnoop -p 181    # only trace PID 181\n"
		    "  statsnoop -c 'ls /' # run a command and trace only it\n"
		    "  statsnoop --json    # one JSON object per line\n",
	.options = options,
	.parse_opt = parse_opt,
	.skel = &statsnoop_bpf_ops,
	.variants = variants,
	.configure = configure,
	.start = start,
	.event = print_event,
	.flags = PK_TOOL_COMMAND,
};
