// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracepipe: print bpf_trace_printk() output from trace_pipe, raw as bcc's
 * trace_print() does, as a PID COMM OUTPUT table (trace_fields()), or
 * through a bcc-style "{1} {5}" format.
 */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <probekit/probekit.h>

/* Lines handled per wakeup, so that a flood cannot starve the loop. */
#define LINES_PER_WAKEUP 4096

static struct {
	bool fields;
	const char *fmt_text;
	struct pk_trace_format *fmt;
	pid_t pid;
	bool have_regex;
	regex_t regex;
	struct pk_trace_pipe *tp;
	unsigned long printed, skipped;
} env;

static int parse_opt(struct pk_run *run, int key, const char *arg)
{
	unsigned long v;
	int err;

	switch (key) {
	case 'F':
		env.fields = true;
		return 0;
	case 'f':
		env.fmt_text = arg;
		env.fmt = pk_trace_format__new(arg);
		if (!env.fmt)
			return pk_run__usage_error(
			    run,
			    "invalid format '%s': use {0}..{5} for task, pid, "
			    "cpu, flags, timestamp, message; {{ and }} for braces",
			    arg);
		return 0;
	case 'p':
		/* the process may be gone already: its lines may still be waiting */
		if (pk_parse_ulong(arg, 0x7fffffff, &v) || !v)
			return pk_run__usage_error(run, "invalid PID '%s'", arg);
		env.pid = (pid_t)v;
		return 0;
	case 'g':
		err = regcomp(&env.regex, arg, REG_EXTENDED | REG_NOSUB);
		if (err)
			return pk_run__usage_error(run, "invalid pattern '%s'", arg);
		env.have_regex = true;
		return 0;
	}
	return -EINVAL;
}

static bool wanted(const char *line, size_t len, const struct pk_trace_fields *f, bool parsed)
{
	char buf[8192];

	if (env.pid && (!parsed || (f->pid != env.pid && f->tgid != env.pid)))
		return false;
	if (!env.have_regex)
		return true;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	return regexec(&env.regex, buf, 0, NULL, 0) == 0;
}

static void print_json(FILE *out, const struct pk_trace_fields *f)
{
	struct pk_json j;

	pk_json__begin(&j, out);
	pk_json__str(&j, "task", f->task, sizeof(f->task));
	pk_json__int(&j, "pid", f->pid);
	if (f->tgid >= 0)
		pk_json__int(&j, "tgid", f->tgid);
	pk_json__int(&j, "cpu", f->cpu);
	pk_json__str(&j, "flags", f->flags, sizeof(f->flags));
	pk_json__str(&j, "ts", f->ts, sizeof(f->ts));
	pk_json__str(&j, "msg", f->msg, f->msg_len);
	pk_json__end(&j);
}

static void print_line(struct pk_run *run, const char *line, size_t len,
		       const struct pk_trace_fields *f, bool printk)
{
	FILE *out = pk_run__out(run);
	char task[4 * sizeof(f->task) + 1];
	struct pk_line l;
	size_t n;

	if (pk_run__json(run)) {
		if (printk)
			print_json(out, f);
	} else if (env.fmt) {
		if (printk)
			pk_trace_format__print(env.fmt, out, f);
	} else if (env.fields) {
		if (!printk)
			return;
		pk_line__begin(&l, out);
		pk_line__int(&l, f->pid, -6);
		pk_line__char(&l, ' ');
		/* "%-12.12s": the escaped name, cut at 12 bytes */
		n = pk_escape_text(task, sizeof(task), f->task, strlen(f->task));
		pk_line__raw(&l, task, n < 12 ? n : 12);
		pk_line__raw(&l, "             ", n < 12 ? 12 - n + 1 : 1);
		pk_line__text(&l, f->msg, f->msg_len);
		pk_line__end(&l);
	} else {
		pk_line__begin(&l, out);
		pk_line__text(&l, line, len);
		pk_line__end(&l);
	}
	env.printed++;
}

/* One trace_pipe line, filtered and printed. */
static int handle_line(const char *line, size_t len, void *ctx)
{
	struct pk_run *run = ctx;
	bool raw = !env.fields && !env.fmt && !pk_run__json(run);
	struct pk_trace_fields f;
	int err = pk_trace_fields(line, len, &f);

	/* raw mode prints every line, as bcc's trace_print() does */
	if (err && !raw)
		env.skipped++;
	if (wanted(line, len, &f, err != -EINVAL))
		print_line(run, line, len, &f, err == 0);
	return 0;
}

/* Everything waiting in trace_pipe. */
static int on_readable(struct pk_run *run, int fd)
{
	int err = pk_trace_pipe__drain(env.tp, LINES_PER_WAKEUP, handle_line, run);

	(void)fd;
	if (err)
		pk_run__error(run, "reading trace_pipe failed: %s", strerror(-err));
	return err;
}

static void report_open_error(struct pk_run *run, int err)
{
	char why[256];

	pk_trace_pipe_open_error(err, why, sizeof(why));
	pk_run__error(run, "%s", why);
}

static int tracepipe_main(struct pk_run *run)
{
	LIBBPF_OPTS(pk_trace_pipe_opts, opts, .nonblock = true);
	int status;

	if (!pk_have_bpf_privileges()) {
		pk_run__error(run, "needs root to read trace_pipe");
		return 1;
	}
	env.tp = pk_trace_pipe__open(&opts);
	if (!env.tp) {
		report_open_error(run, errno);
		return 1;
	}
	if (pk_run__watch_fd(run, pk_trace_pipe__fd(env.tp), on_readable)) {
		pk_trace_pipe__free(env.tp);
		return 1;
	}
	if (!pk_run__json(run)) {
		if (env.fields)
			fprintf(pk_run__out(run), "%-6s %-12s %s\n", "PID", "COMM", "OUTPUT");
		else
			fprintf(pk_run__out(run), "Reading bpf_trace_printk() output from %s/trace_pipe"
						  "... Hit Ctrl-C to end.\n",
				pk_tracefs_path());
	}
	pk_run__info(run, "using trace_pipe (shared by the whole machine: other programs' lines "
			  "show up too)");
	status = pk_run__loop(run);
	pk_run__info(run, "%lu line%s printed, %lu skipped (not from bpf_trace_printk)",
		     env.printed, env.printed == 1 ? "" : "s", env.skipped);
	pk_trace_pipe__free(env.tp);
	pk_trace_format__free(env.fmt);
	if (env.have_regex)
		regfree(&env.regex);
	return status;
}

static const struct pk_option options[] = {
	{ "fields", 'F', NULL, "print a PID COMM OUTPUT table of bpf_trace_printk lines" },
	{ "format", 'f', "FMT", "print lines through a bcc-style format such as \"{1} {5}\"" },
	{ "pid", 'p', "PID", "only lines from this process (pid or tgid)" },
	{ "grep", 'g', "PATTERN", "only lines matching this extended regular expression" },
	{},
};

const struct pk_tool tracepipe_tool = {
	.name = "tracepipe",
	.summary = "Print bpf_trace_printk() output from the kernel's trace_pipe.",
	.usage = "[-F | -f FMT] [-p PID] [-g PATTERN] [-d SECS] [--json]",
	.examples = "  tracepipe                  # raw lines, as bcc's trace_print()\n"
		    "  tracepipe -F               # PID COMM OUTPUT, as bcc's trace_fields()\n"
		    "  tracepipe -f '{1} {5}'     # pid and message only\n"
		    "  tracepipe -p 181 -g open   # lines of PID 181 that mention \"open\"\n",
	.options = options,
	.parse_opt = parse_opt,
	.main = tracepipe_main,
	.flags = PK_TOOL_LOOP,
};
