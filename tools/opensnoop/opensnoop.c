// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * opensnoop: trace open(), openat() and openat2(), as bcc's opensnoop does,
 * with the same options and columns.
 */
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <probekit/probekit.h>

#include "opensnoop.h"
#include "opensnoop_print.h"
#include "opensnoop.skel.h"
#include "opensnoop_full.skel.h"

static struct {
	bool timestamp, print_uid, failed, extended, full_path;
	pid_t pid, tid;
	long uid;
	const char *name;
	__u64 flag_mask;
	bool want_rdonly;
	__u64 first_ts;
} env = { .uid = -1 };

struct open_flag {
	const char *name;
	unsigned int value;
};

static const struct open_flag open_flags[] = {
	{ "O_RDONLY", O_RDONLY },     { "O_WRONLY", O_WRONLY },	    { "O_RDWR", O_RDWR },
	{ "O_CREAT", O_CREAT },	      { "O_EXCL", O_EXCL },	    { "O_NOCTTY", O_NOCTTY },
	{ "O_TRUNC", O_TRUNC },	      { "O_APPEND", O_APPEND },	    { "O_NONBLOCK", O_NONBLOCK },
	{ "O_DSYNC", O_DSYNC },	      { "O_ASYNC", O_ASYNC },	    { "O_DIRECT", O_DIRECT },
	{ "O_DIRECTORY", O_DIRECTORY }, { "O_NOFOLLOW", O_NOFOLLOW }, { "O_NOATIME", O_NOATIME },
	{ "O_CLOEXEC", O_CLOEXEC },   { "O_SYNC", O_SYNC },	    { "O_PATH", O_PATH },
	{ "O_TMPFILE", O_TMPFILE },
};

static int add_flag_filter(struct pk_run *run, const char *arg)
{
	const char *name = strncasecmp(arg, "O_", 2) ? arg : arg + 2;
	unsigned long long bits;
	char *end;
	size_t i;

	/* a number: any of its bits (openat2 takes 64) */
	errno = 0;
	bits = strtoull(arg, &end, 0);
	if (arg[0] >= '0' && arg[0] <= '9' && !*end && !errno && bits) {
		env.flag_mask |= bits;
		return 0;
	}
	for (i = 0; i < sizeof(open_flags) / sizeof(open_flags[0]); i++) {
		if (strcasecmp(name, open_flags[i].name + 2))
			continue;
		if (open_flags[i].value == O_RDONLY)
			env.want_rdonly = true;
		env.flag_mask |= open_flags[i].value;
		return 0;
	}
	return pk_run__usage_error(
	    run, "unknown open flag '%s' (such as O_WRONLY, O_CREAT or 0x40)", arg);
}

static int parse_opt(struct pk_run *run, int key, const char *arg)
{
	switch (key) {
	case 'T': env.timestamp = true; return 0;
	case 'U': env.print_uid = true; return 0;
	case 'x': env.failed = true; return 0;
	case 'e': env.extended = true; return 0;
	case 'F': env.full_path = true; return 0;
	case 'n': env.name = arg; return 0;
	case 'f': return add_flag_filter(run, arg);
	case 'p': return pk_parse_pid_arg(run, "PID", arg, &env.pid);
	case 't': return pk_parse_pid_arg(run, "TID", arg, &env.tid);
	case 'u':
		if (pk_parse_long(arg, 0, (__u32)-2, &env.uid))
			return pk_run__usage_error(run, "invalid UID '%s'", arg);
		return 0;
	}
	return -EINVAL;
}

/*
 * Two objects from one source: -F loads opensnoop_full, which reads the
 * opener's directory with CO-RE and so needs the kernel's BTF (memory and
 * start-up time); without -F the fixed-ABI object needs none.
 */
struct skels {
	struct opensnoop_bpf *plain;
	struct opensnoop_full_bpf *full;
};

static void *skels_open_opts(const struct bpf_object_open_opts *opts)
{
	struct skels *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (env.full_path)
		s->full = opensnoop_full_bpf__open_opts(opts);
	else
		s->plain = opensnoop_bpf__open_opts(opts);
	if (!s->full && !s->plain) {
		free(s);
		return NULL;
	}
	return s;
}

static void *skels_open(void)
{
	return skels_open_opts(NULL);
}

/* The object that will load, so that a missing kernel BTF is told before. */
static const void *skels_elf_bytes(size_t *size)
{
	return env.full_path ? opensnoop_full_bpf__elf_bytes(size) : opensnoop_bpf__elf_bytes(size);
}

static int skels_load(void *p)
{
	struct skels *s = p;

	return s->full ? opensnoop_full_bpf__load(s->full) : opensnoop_bpf__load(s->plain);
}

static void skels_destroy(void *p)
{
	struct skels *s = p;

	if (!s)
		return;
	opensnoop_full_bpf__destroy(s->full);
	opensnoop_bpf__destroy(s->plain);
	free(s);
}

static struct bpf_object *skels_object(void *p)
{
	struct skels *s = p;

	return s->full ? s->full->obj : s->plain->obj;
}

static const struct pk_skel_ops opensnoop_bpf_ops = {
	.open = skels_open,
	.load = skels_load,
	.destroy = skels_destroy,
	.object = skels_object,
	.open_opts = skels_open_opts,
	.elf_bytes = skels_elf_bytes,
};

#define SET_FILTERS(rodata)                                                           \
	do {                                                                          \
		(rodata)->targ_tgid = env.pid;                                        \
		(rodata)->targ_tid = env.tid;                                         \
		(rodata)->targ_uid = env.uid < 0 ? (__u32)-1 : (__u32)env.uid;        \
		(rodata)->failed_only = env.failed;                                   \
		(rodata)->flag_mask = env.flag_mask;                                  \
		(rodata)->want_rdonly = env.want_rdonly;                              \
	} while (0)

static int configure(struct pk_run *run, void *skel_ptr, enum pk_mech mech)
{
	struct skels *s = skel_ptr;

	(void)mech;
	/* -c: the command the runtime started */
	if (!env.pid)
		env.pid = pk_run__child(run);
	if (s->full)
		SET_FILTERS(s->full->rodata);
	else
		SET_FILTERS(s->plain->rodata);
	return 0;
}

static int print_header(struct pk_run *run)
{
	FILE *out = pk_run__out(run);

	if (pk_run__json(run))
		return 0;
	if (env.timestamp)
		fprintf(out, "%-14s", "TIME(s)");
	if (env.print_uid)
		fprintf(out, "%-6s", "UID");
	fprintf(out, "%-6s %-16s %4s %3s ", env.tid ? "TID" : "PID", "COMM", "FD", "ERR");
	if (env.extended)
		fprintf(out, "%-8s %-4s ", "FLAGS", "MODE");
	fprintf(out, "PATH\n");
	return 0;
}

/*
 * -F: a relative path joined to the directory the kernel saw at the open
 * (the cwd or the dirfd's file); "..." first when that was cut at the top.
 * Without a directory (a bad dirfd) the path stays as the process gave it.
 */
static const char *full_path(const void *data, size_t size, size_t *len, char *buf,
			     size_t bufsize)
{
	const struct opensnoop_full_event *fe = data;
	const struct opensnoop_event *e = &fe->base;
	size_t dlen;
	int n;

	if (size < sizeof(*fe) || !fe->dir_ok)
		return e->path;
	dlen = fe->dir_len < sizeof(fe->dir) ? fe->dir_len : sizeof(fe->dir);
	n = snprintf(buf, bufsize, "%s%.*s/%.*s", fe->dir_cut ? "..." : "", (int)dlen, fe->dir,
		     (int)*len, e->path);
	*len = n < 0 ? 0 : (size_t)n < bufsize ? (size_t)n : bufsize - 1;
	return buf;
}

static int print_event(struct pk_run *run, const void *data, size_t size)
{
	const struct opensnoop_columns columns = {
		.timestamp = env.timestamp, .uid = env.print_uid, .tid = env.tid,
		.extended = env.extended,
	};
	const struct opensnoop_event *e = data;
	FILE *out = pk_run__out(run);
	char path_buf[OPENSNOOP_DIR_MAX + OPENSNOOP_PATH_MAX + 8];
	size_t path_len;
	const char *path;
	double ts;

	/* the event ends after its path's NUL (pk_submit_cut()) */
	if (size <= offsetof(struct opensnoop_event, path))
		return 0;
	path_len = size - offsetof(struct opensnoop_event, path);
	path_len = strnlen(e->path, path_len < sizeof(e->path) ? path_len : sizeof(e->path));
	if (env.name && !strstr(e->comm, env.name))
		return 0;
	if (!env.first_ts)
		env.first_ts = e->ts_ns;
	ts = (e->ts_ns - env.first_ts) / 1e9;
	path = full_path(data, size, &path_len, path_buf, sizeof(path_buf));
	if (pk_run__json(run))
		opensnoop_print_json(out, e, path, path_len, ts);
	else
		opensnoop_print_text(out, &columns, e, path, path_len, ts);
	return 0;
}

static const struct pk_option options[] = {
	{ "timestamp", 'T', NULL, "include a timestamp column (seconds since the first event)" },
	{ "print-uid", 'U', NULL, "include a UID column" },
	{ "failed", 'x', NULL, "only show failed opens" },
	{ "pid", 'p', "PID", "only trace this process" },
	{ "tid", 't', "TID", "only trace this thread" },
	{ "uid", 'u', "UID", "only trace this user" },
	{ "name", 'n', "NAME", "only show processes whose name contains NAME" },
	{ "extended_fields", 'e', NULL, "show the FLAGS and MODE columns" },
	{ "flag_filter", 'f', "FLAG",
	  "only show opens with FLAG (O_WRONLY..., or a number such as 0x10000000000); repeatable" },
	{ "full-path", 'F', NULL,
	  "show relative paths in full (the directory as the kernel saw it at the open)" },
	{},
};

static const char *const fentry_progs[] = { "fx_openat2", NULL };
static const char *const kprobe_progs[] = { "kp_openat2", "krp_openat2", NULL };
/* on x86 the raw sys_exit alone has the number and the arguments (opensnoop.bpf.c) */
#if defined(__x86_64__) || defined(__i386__)
static const char *const raw_tp_progs[] = { "rt_exit", NULL };
#else
static const char *const raw_tp_progs[] = { "rt_enter", "rt_exit", NULL };
#endif
static const char *const tp_progs[] = { "tp_enter_openat", "tp_exit_openat", NULL };
static const char *const tp_optional[] = { "tp_enter_open",    "tp_exit_open",	  "tp_enter_openat2",
					   "tp_exit_openat2",  "tp_enter_creat",  "tp_exit_creat",
					   NULL };

static const char *const tpx_progs[] = { "tpx_exit_openat", NULL };
static const char *const tpx_optional[] = { "tpx_exit_open", "tpx_exit_openat2", "tpx_exit_creat",
					    NULL };

/*
 * By what a tool may cost the syscalls it does not trace (bench/README.md,
 * "untraced-syscall tax"): fentry and kprobes run on the open path only; the
 * syscall tracepoints cost every other syscall a bit test; the raw
 * sys_exit tracepoint runs a program on every syscall (+10-17 % on a
 * getppid()), so it comes last, though its detach waits for no grace period.
 * Of the tracepoints, the exits alone first: half the RCU waits at exit.
 */
static const struct pk_variant variants[] = {
	{ PK_MECH_FENTRY, fentry_progs, NULL },
	{ PK_MECH_KPROBE, kprobe_progs, NULL },
	{ PK_MECH_TRACEPOINT, tpx_progs, tpx_optional, NULL, PK_VARIANT_KERNEL_BTF },
	{ PK_MECH_TRACEPOINT, tp_progs, tp_optional },
	{ PK_MECH_RAW_TP, raw_tp_progs, NULL },
	{},
};

const struct pk_tool opensnoop_tool = {
	.name = "opensnoop",
	.summary = "Trace open(), openat(), openat2() and creat() system calls.",
	.usage = "[-TUxeF] [-p PID | -t TID | -c COMMAND] [-u UID] [-n NAME] [-f FLAG]... "
		 "[-d SECS] [-b PAGES]",
	.examples = "  opensnoop                # trace all opens\n"
		    "  opensnoop -T             # include timestamps\n"
		    "  opensnoop -x             # only failed opens\n"
		    "  opensnoop -p 181         # only PID 181\n"
		    "  opensnoop -c 'cat /etc/hostname'  # run a command and trace only it\n"
		    "  opensnoop -n main        # only processes whose name contains \"main\"\n"
		    "  opensnoop -e -f O_WRONLY -f O_RDWR  # opens for writing, with flags\n"
		    "  opensnoop --json -d 10   # JSON lines for 10 seconds\n",
	.options = options,
	.parse_opt = parse_opt,
	.skel = &opensnoop_bpf_ops,
	.variants = variants,
	.configure = configure,
	.start = print_header,
	.event = print_event,
	.flags = PK_TOOL_COMMAND,
};
