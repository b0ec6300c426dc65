// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * opensnoop: trace open(), openat() and openat2(), as bcc's opensnoop does,
 * with the same options and columns.
 */
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <probekit/probekit.h>

#include "opensnoop.h"
#include "opensnoop.skel.h"

PK_SKEL_OPS(opensnoop_bpf);

static struct {
	bool timestamp, print_uid, failed, extended, full_path;
	pid_t pid, tid;
	long uid;
	const char *name;
	__u32 flag_mask;
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
	size_t i;

	for (i = 0; i < sizeof(open_flags) / sizeof(open_flags[0]); i++) {
		if (strcasecmp(name, open_flags[i].name + 2))
			continue;
		if (open_flags[i].value == O_RDONLY)
			env.want_rdonly = true;
		env.flag_mask |= open_flags[i].value;
		return 0;
	}
	return pk_usage_error(run, "unknown open flag '%s' (such as O_WRONLY or O_CREAT)", arg);
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
			return pk_usage_error(run, "invalid UID '%s'", arg);
		return 0;
	}
	return -EINVAL;
}

static int configure(struct pk_run *run, void *skel_ptr, enum pk_mech mech)
{
	struct opensnoop_bpf *skel = skel_ptr;

	(void)run;
	(void)mech;
	skel->rodata->targ_tgid = env.pid;
	skel->rodata->targ_tid = env.tid;
	skel->rodata->targ_uid = env.uid < 0 ? (__u32)-1 : (__u32)env.uid;
	skel->rodata->failed_only = env.failed;
	skel->rodata->flag_mask = env.flag_mask;
	skel->rodata->want_rdonly = env.want_rdonly;
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
 * -F: a relative path is relative to the opener's cwd or its dirfd, which
 * /proc still shows while the process lives. Best effort: once it is gone,
 * the path stays as the process gave it.
 */
static const char *full_path(const struct opensnoop_event *e, size_t *len, char *buf,
			     size_t size)
{
	char link[64], dir[PATH_MAX];
	ssize_t n;

	if (!env.full_path || e->path[0] == '/' || !e->path[0])
		return e->path;
	if (e->dfd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%u/cwd", e->pid);
	else
		snprintf(link, sizeof(link), "/proc/%u/fd/%d", e->pid, e->dfd);
	n = readlink(link, dir, sizeof(dir) - 1);
	if (n <= 0)
		return e->path;
	dir[n] = '\0';
	n = snprintf(buf, size, "%s%s%.*s", dir, strcmp(dir, "/") ? "/" : "", (int)*len, e->path);
	*len = n < (ssize_t)size ? (size_t)n : size - 1;
	return buf;
}

static void print_json(FILE *out, const struct opensnoop_event *e, const char *path,
		       size_t path_len, double ts)
{
	struct pk_json j;

	pk_json_begin(&j, out);
	pk_json_double(&j, "time", ts);
	pk_json_uint(&j, "pid", e->pid);
	pk_json_uint(&j, "tid", e->tid);
	pk_json_uint(&j, "uid", e->uid);
	pk_json_str(&j, "comm", e->comm, sizeof(e->comm));
	pk_json_int(&j, "fd", e->ret >= 0 ? e->ret : -1);
	pk_json_int(&j, "err", e->ret >= 0 ? 0 : -e->ret);
	pk_json_uint(&j, "flags", e->flags);
	pk_json_uint(&j, "mode", e->mode);
	pk_json_str(&j, "path", path, path_len);
	pk_json_bool(&j, "truncated", e->truncated);
	pk_json_end(&j);
}

/* One line, built without a stdio call per field: this runs per event. */
static void print_text(FILE *out, const struct opensnoop_event *e, const char *path,
		       size_t path_len, double ts)
{
	struct pk_line l;
	size_t mark;

	pk_line_begin(&l, out);
	if (env.timestamp)
		pk_line_fixed(&l, ts, 9, -14);
	if (env.print_uid)
		pk_line_uint(&l, e->uid, -6);
	pk_line_uint(&l, env.tid ? e->tid : e->pid, -6);
	pk_line_char(&l, ' ');
	mark = pk_line_mark(&l);
	pk_line_text(&l, e->comm, sizeof(e->comm));
	pk_line_pad(&l, mark, 16);
	pk_line_char(&l, ' ');
	pk_line_int(&l, e->ret >= 0 ? e->ret : -1, 4);
	pk_line_char(&l, ' ');
	pk_line_int(&l, e->ret >= 0 ? 0 : -e->ret, 3);
	pk_line_char(&l, ' ');
	if (env.extended) {
		pk_line_octal(&l, e->flags, 8);
		pk_line_char(&l, ' ');
		if (!e->mode && !(e->flags & O_CREAT) && (e->flags & O_TMPFILE) != O_TMPFILE) {
			pk_line_raw(&l, "n/a  ", 5);
		} else {
			pk_line_octal(&l, e->mode, 4);
			pk_line_char(&l, ' ');
		}
	}
	pk_line_text(&l, path, path_len);
	if (e->truncated)
		pk_line_raw(&l, "...", 3);
	pk_line_end(&l);
}

static int print_event(struct pk_run *run, const void *data, size_t size)
{
	const struct opensnoop_event *e = data;
	FILE *out = pk_run__out(run);
	char path_buf[PATH_MAX + OPENSNOOP_PATH_MAX];
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
	path = full_path(e, &path_len, path_buf, sizeof(path_buf));
	if (pk_run__json(run))
		print_json(out, e, path, path_len, ts);
	else
		print_text(out, e, path, path_len, ts);
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
	{ "flag_filter", 'f', "FLAG", "only show opens with FLAG (O_WRONLY...); repeatable" },
	{ "full-path", 'F', NULL, "show relative paths in full (resolved through /proc)" },
	{},
};

static const char *const fentry_progs[] = { "fx_openat2", NULL };
static const char *const kprobe_progs[] = { "kp_openat2", "krp_openat2", NULL };
static const char *const tp_progs[] = { "tp_enter_openat", "tp_exit_openat", NULL };
static const char *const tp_optional[] = { "tp_enter_open", "tp_exit_open", "tp_enter_openat2",
					   "tp_exit_openat2", NULL };

static const struct pk_variant variants[] = {
	{ PK_MECH_FENTRY, fentry_progs, NULL },
	{ PK_MECH_KPROBE, kprobe_progs, NULL },
	{ PK_MECH_TRACEPOINT, tp_progs, tp_optional },
	{},
};

const struct pk_tool opensnoop_tool = {
	.name = "opensnoop",
	.summary = "Trace open(), openat() and openat2() system calls.",
	.usage = "[-TUxeF] [-p PID | -t TID] [-u UID] [-n NAME] [-f FLAG]... [-d SECS] [-b PAGES]",
	.examples = "  opensnoop                # trace all opens\n"
		    "  opensnoop -T             # include timestamps\n"
		    "  opensnoop -x             # only failed opens\n"
		    "  opensnoop -p 181         # only PID 181\n"
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
};
