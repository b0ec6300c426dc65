// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tool runtime: everything a tracing tool needs around its BPF program
 * and its event printer, written once.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include <probekit/cli.h>
#include <probekit/events.h>
#include <probekit/features.h>
#include <probekit/flamegraph.h>
#include <probekit/ksyms.h>
#include <probekit/params.h>
#include <probekit/metrics.h>

#include "runtime.h"

#define MAX_WATCHES 8
#define LOST_REPORT_MS 1000
#define OUT_BUFFER_SIZE (64 * 1024)

enum common_id {
	C_HELP = 0x10000,
	C_VERSION,
	C_VERBOSE,
	C_JSON,
	C_DURATION,
	C_MECHANISM,
	C_PAGES,
	C_PERFBUF,
	C_COMMAND,
	C_BTF,
	C_METRICS,
	C_METRICS_MAX,
	C_QUIET,
	C_FOLDED,
	C_SVG,
	/* options declared in the BPF object: C_DECLARED + their index */
	C_DECLARED = 0x20000,
};

enum common_scope {
	FOR_ALL,
	FOR_BPF,
	/* tools with BPF of their own: a skeleton, or a one-file tool's object */
	FOR_BTF,
	FOR_EVENTS,
	/* tools with BPF, and .main tools that run pk_run__loop() */
	FOR_LOOP,
	/* tools with PK_TOOL_COMMAND */
	FOR_COMMAND,
	/* tools with BPF maps: skeletons, and .main tools with PK_TOOL_METRICS */
	FOR_METRICS,
	/* tools with PK_TOOL_STACKS */
	FOR_STACKS,
};

struct common_option {
	struct pk_option opt;
	int short_key;
	enum common_scope scope;
};

static const struct common_option common_options[] = {
	{ { "help", C_HELP, NULL, "show this help and exit" }, 'h', FOR_ALL },
	{ { "version", C_VERSION, NULL, "show the version and exit" }, 0, FOR_ALL },
	{ { "verbose", C_VERBOSE, NULL, "say which mechanism is used and why (-vv: libbpf's log)" },
	  'v', FOR_ALL },
	{ { "json", C_JSON, NULL, "print one JSON object per line" }, 0, FOR_ALL },
	{ { "duration", C_DURATION, "SECS", "stop after SECS seconds" }, 'd', FOR_LOOP },
	{ { "mechanism", C_MECHANISM, "NAME",
	    "use only NAME: fentry, kprobe, tp_btf, raw_tp, tracepoint, uprobe or uprobe_multi" },
	  0, FOR_BPF },
	{ { "buffer-pages", C_PAGES, "PAGES", "event buffer pages per CPU, a power of two" },
	  'b', FOR_EVENTS },
	{ { "perf-buffer", C_PERFBUF, NULL, "use the perf buffer even where a ring buffer works" },
	  0, FOR_EVENTS },
	{ { "command", C_COMMAND, "COMMAND",
	    "run COMMAND (split into words as a shell would) and trace it until it exits" },
	  'c', FOR_COMMAND },
	{ { "btf", C_BTF, "FILE",
	    "kernel BTF from FILE for a kernel without it (BTFHub's, bpftool gen min_core_btf), "
	    "or 'none'" },
	  0, FOR_BTF },
	{ { "metrics", C_METRICS, "[ADDR:]PORT",
	    "serve the maps as Prometheus metrics at http://ADDR:PORT/metrics "
	    "(ADDR 127.0.0.1 unless given)" },
	  0, FOR_METRICS },
	{ { "metrics-max-series", C_METRICS_MAX, "N",
	    "with --metrics: at most N series per map and scrape (10000)" },
	  0, FOR_METRICS },
	{ { "quiet", C_QUIET, NULL, "with --metrics: print nothing on stdout" }, 0, FOR_METRICS },
	{ { "folded", C_FOLDED, NULL,
	    "print the stacks folded, flamegraph.pl's input: frame;frame;frame COUNT" },
	  'f', FOR_STACKS },
	{ { "svg", C_SVG, "FILE", "write a flame graph of the stacks to FILE (SVG)" }, 0,
	  FOR_STACKS },
};

#define NR_COMMON (sizeof(common_options) / sizeof(common_options[0]))

struct watch {
	int fd;
	int (*fn)(struct pk_run *run, int fd);
	bool owned;
};

struct pk_run {
	const struct pk_tool *tool;
	const char *name;
	FILE *out;
	bool out_broken;
	bool json;
	/* --folded, --svg FILE (PK_TOOL_STACKS) */
	bool folded;
	const char *svg;
	int verbose;
	unsigned long duration_ms;
	enum pk_mech mechanism;
	struct pk_events_opts events_opts;
	struct pk_attach *att;
	/* tool->open's object, which owns att */
	struct pk_object *obj;
	struct pk_events *events;
	unsigned int interval_ms;
	int epfd;
	struct watch watches[MAX_WATCHES];
	int nr_watches;
	bool stop;
	int status;
	__u64 lost_reported;
	/* -c */
	const char *command;
	struct pk__child child;
	bool saw_pid;
	/* pk_run__set_command_exit(false): no ptrace of -c's command */
	bool no_command_exit;
	/* options and filters declared in the BPF object */
	struct pk__declared declared;
	/* the pid filter's value from the tool's own -p (run's) */
	pid_t filter_pid;
	/* why a target a declared option gave cannot be attached: the load's reason */
	char target_why[512];
	/* tool options seen before the declarations, handled after them */
	struct {
		int key;
		const char *arg;
	} deferred[64];
	int nr_deferred;
	/* --metrics */
	const char *metrics_addr;
	unsigned long metrics_max;
	bool quiet;
	struct pk_metrics *metrics;
	struct pk_events *metrics_events;
	/* the way out, for -v: the loop left, the final work done, all detached */
	long long stopped_ns, finished_ns, detached_ns;
	/* the way in, for -v: main entered, attaching began and ended */
	long long main_ns, attach_ns, attached_ns;
};

static volatile sig_atomic_t signalled;
/* when the first SIGINT or SIGTERM arrived (CLOCK_MONOTONIC ns), for -v */
static volatile long long signalled_ns;
static char out_buffer[OUT_BUFFER_SIZE];

/* Messages ------------------------------------------------------------------ */

static void vmessage(const struct pk_run *run, const char *fmt, va_list ap)
{
	if (!run->out_broken)
		fflush(run->out);
	fprintf(stderr, "%s: ", run->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int pk_run__usage_error(const struct pk_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(run, fmt, ap);
	va_end(ap);
	return -PK_EUSAGE;
}

void pk_run__error(const struct pk_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(run, fmt, ap);
	va_end(ap);
}

void pk_run__info(const struct pk_run *run, const char *fmt, ...)
{
	va_list ap;

	if (!run->verbose)
		return;
	va_start(ap, fmt);
	vmessage(run, fmt, ap);
	va_end(ap);
}

/* Option values ------------------------------------------------------------ */

int pk_parse_pid_arg(const struct pk_run *run, const char *what, const char *arg, pid_t *out)
{
	int err = pk_parse_pid(arg, out);

	if (err == -ESRCH)
		return pk_run__usage_error(run, "no process with %s %s", what, arg);
	if (err)
		return pk_run__usage_error(run, "invalid %s '%s'", what, arg);
	return 0;
}

/* Accessors ----------------------------------------------------------------- */

FILE *pk_run__out(const struct pk_run *run)
{
	return run->out;
}

bool pk_run__json(const struct pk_run *run)
{
	return run->json;
}

int pk_run__verbose(const struct pk_run *run)
{
	return run->verbose;
}

const char *pk_run__name(const struct pk_run *run)
{
	return run->name;
}

void *pk_run__skel(const struct pk_run *run)
{
	return pk_attach__skel(run->att);
}

struct bpf_object *pk_run__object(const struct pk_run *run)
{
	return pk_attach__object(run->att);
}

enum pk_mech pk_run__mechanism(const struct pk_run *run)
{
	return pk_attach__mechanism(run->att);
}

struct pk_attach *pk_run__attach(const struct pk_run *run)
{
	return run->att;
}

struct pk_object *pk_run__file_object(const struct pk_run *run)
{
	return run->obj;
}

struct pk_events *pk_run__events(const struct pk_run *run)
{
	return run->events;
}

bool pk_run__folded(const struct pk_run *run)
{
	return run->folded;
}

const char *pk_run__svg(const struct pk_run *run)
{
	return run->svg;
}

void pk_run__set_interval(struct pk_run *run, unsigned int ms)
{
	run->interval_ms = ms;
}

void pk_run__stop(struct pk_run *run, int status)
{
	run->stop = true;
	if (status > run->status)
		run->status = status;
}

bool pk_run__stopping(const struct pk_run *run)
{
	return signalled || run->stop;
}

int pk_run__watch_fd(struct pk_run *run, int fd, int (*fn)(struct pk_run *run, int fd))
{
	if (run->nr_watches == MAX_WATCHES)
		return -E2BIG;
	run->watches[run->nr_watches++] = (struct watch){ .fd = fd, .fn = fn };
	return 0;
}

const char *pk_run__command(const struct pk_run *run)
{
	return run->command;
}

pid_t pk_run__child(const struct pk_run *run)
{
	return run->child.pid;
}

void pk_run__set_command_exit(struct pk_run *run, bool wanted)
{
	run->no_command_exit = !wanted;
}

static bool wants_command_exit(const struct pk_run *run)
{
	return run->tool->command_exit && !run->no_command_exit;
}

static void command_exiting(void *ctx, pid_t pid)
{
	struct pk_run *run = ctx;

	run->tool->command_exit(run, pid);
}

static void say_how_the_command_ended(struct pk_run *run)
{
	if (run->child.reaped)
		pk_run__info(run, "the command exited with status %d", run->child.status);
	else
		pk_run__info(run, "the command (pid %d) is still running", run->child.pid);
}

/* A stopping tool ends the command it started (bpftrace's grace, 500 ms). */
#define COMMAND_GRACE_MS 500

/* @hook: the tool's command_exit, while what it reads is still there */
static void end_command(struct pk_run *run, bool hook)
{
	bool running = run->child.pid && !run->child.reaped;

	pk__child_end(&run->child, COMMAND_GRACE_MS,
		      hook && wants_command_exit(run) ? command_exiting : NULL, run);
	if (running)
		say_how_the_command_ended(run);
}

static int on_sigchld(struct pk_run *run, int fd)
{
	(void)fd;
	if (pk__child_poll(&run->child, wants_command_exit(run) ? command_exiting : NULL, run)) {
		say_how_the_command_ended(run);
		pk_run__stop(run, 0);
	}
	return 0;
}

pid_t pk_run__spawn(struct pk_run *run, const char *command)
{
	char why[PATH_MAX + 64] = "";
	int err;

	if (run->child.pid)
		return -EBUSY;
	err = pk__child_start(&run->child, command, wants_command_exit(run), why,
			      sizeof(why));
	if (err) {
		pk_run__error(run, "%s", why);
		return err;
	}
	if (why[0])
		pk_run__info(run, "%s: a short-lived command may lose symbols", why);
	pk_run__info(run, "started pid %d for: %s", run->child.pid, command);
	err = pk_run__watch_fd(run, run->child.sigfd, on_sigchld);
	if (err) {
		pk_run__error(run, "cannot watch the command: %s", strerror(-err));
		return err;
	}
	return run->child.pid;
}

static int on_pid_exit(struct pk_run *run, int fd)
{
	(void)fd;
	pk_run__info(run, "the traced process exited");
	pk_run__stop(run, 0);
	return 0;
}

int pk_run__watch_pid(struct pk_run *run, pid_t pid)
{
	int fd = syscall(SYS_pidfd_open, pid, 0);
	int err;

	if (fd < 0)
		return -errno;
	err = pk_run__watch_fd(run, fd, on_pid_exit);
	if (err) {
		close(fd);
		return err;
	}
	run->watches[run->nr_watches - 1].owned = true;
	return 0;
}

/* Option parsing ------------------------------------------------------------ */

static bool tool_has_short(const struct pk_tool *tool, int key)
{
	const struct pk_option *o;

	for (o = tool->options; o && o->name; o++) {
		if (o->key == key)
			return true;
	}
	return false;
}

static bool has_bpf(const struct pk_tool *tool)
{
	return tool->skel || tool->open;
}

static bool common_applies(const struct pk_tool *tool, const struct common_option *c)
{
	if (c->scope == FOR_BPF)
		return has_bpf(tool);
	if (c->scope == FOR_BTF)
		return has_bpf(tool) || tool->object;
	if (c->scope == FOR_LOOP)
		return has_bpf(tool) || (tool->flags & PK_TOOL_LOOP);
	if (c->scope == FOR_EVENTS)
		return has_bpf(tool) && !(tool->flags & PK_TOOL_NO_EVENTS);
	if (c->scope == FOR_COMMAND)
		return tool->flags & PK_TOOL_COMMAND;
	if (c->scope == FOR_METRICS)
		return has_bpf(tool) || (tool->flags & PK_TOOL_METRICS);
	if (c->scope == FOR_STACKS)
		return tool->flags & PK_TOOL_STACKS;
	return true;
}

static int common_short(const struct pk_tool *tool, const struct common_option *c)
{
	return c->short_key && !tool_has_short(tool, c->short_key) ? c->short_key : 0;
}

static void print_option(FILE *f, int short_key, const struct pk_option *o)
{
	char left[64];

	snprintf(left, sizeof(left), "%c%c%s--%s%s%s", short_key ? '-' : ' ',
		 short_key ? short_key : ' ', short_key ? ", " : "  ", o->name, o->arg ? " " : "",
		 o->arg ? o->arg : "");
	fprintf(f, "  %-24s %s\n", left, o->doc);
}

static bool shadowed(const struct pk_run *run, int key);
static int check_targets_given(struct pk_run *run);

/* "(5)": a default worth showing */
static void declared_doc(const struct pk_param_option *o, char *buf, size_t size)
{
	const char *v = o->value;
	bool none = !v[0] || !strcmp(v, "0") || !strcmp(v, "false") || o->flag;

	snprintf(buf, size, "%s%s%s%s", o->help, none ? "" : " (", none ? "" : v, none ? "" : ")");
}

static void print_declared_help(const struct pk_run *run)
{
	const struct pk__declared *d = &run->declared;
	char doc[sizeof(d->opts->help) + sizeof(d->opts->value) + 4];
	int i;

	for (i = 0; i < d->nr; i++) {
		const struct pk_param_option *o = &d->opts[i];
		struct pk_option po = { o->long_name, 0, o->flag ? NULL : o->value_name, doc };

		declared_doc(o, doc, sizeof(doc));
		if (!po.arg || !po.arg[0])
			po.arg = o->flag ? NULL : "VALUE";
		print_option(stdout, o->short_name, &po);
	}
}

static void print_help(const struct pk_run *run)
{
	const struct pk_tool *tool = run->tool;
	const char *name = run->name;
	const struct pk_option *o;
	size_t i;

	printf("Usage: %s %s\n", name, tool->usage ? tool->usage : "[OPTIONS]");
	if (tool->summary)
		printf("%s\n", tool->summary);
	if (tool->options && tool->options->name) {
		printf("\nOptions:\n");
		for (o = tool->options; o->name; o++) {
			if (!shadowed(run, o->key))
				print_option(stdout, o->key < 256 ? o->key : 0, o);
		}
	}
	if (run->declared.nr) {
		printf("\nOptions of %s:\n", run->declared.source);
		print_declared_help(run);
	}
	printf("\nCommon options:\n");
	for (i = 0; i < NR_COMMON; i++) {
		struct pk_option o = common_options[i].opt;
		char doc[128];

		if (!common_applies(tool, &common_options[i]))
			continue;
		if (o.key == C_PAGES) {
			snprintf(doc, sizeof(doc), "%s (%u)", o.doc,
				 tool->buffer_pages ?: PK_EVENTS_DEFAULT_PAGES);
			o.doc = doc;
		}
		print_option(stdout, common_short(tool, &common_options[i]), &o);
	}
	if (tool->examples)
		printf("\nExamples:\n%s", tool->examples);
}

static int parse_common(struct pk_run *run, int id, const char *arg)
{
	unsigned long v;

	switch (id) {
	case C_VERBOSE:
		run->verbose++;
		return 0;
	case C_JSON:
		run->json = true;
		return 0;
	case C_DURATION:
		if (pk_parse_seconds(arg, &run->duration_ms))
			return pk_run__usage_error(run, "invalid duration '%s': give seconds > 0",
						   arg);
		return 0;
	case C_MECHANISM:
		if (pk_mech_by_name(arg, &run->mechanism))
			return pk_run__usage_error(
			    run,
			    "unknown mechanism '%s': use fentry, kprobe, "
			    "tp_btf, raw_tp, tracepoint, uprobe or uprobe_multi",
			    arg);
		return 0;
	case C_PAGES:
		if (pk_parse_ulong(arg, 1UL << 20, &v) || !v || (v & (v - 1)))
			return pk_run__usage_error(run,
						   "invalid buffer size '%s': give a power of two "
						   "number of pages",
						   arg);
		run->events_opts.pages = v;
		return 0;
	case C_PERFBUF:
		run->events_opts.force_perf = true;
		return 0;
	case C_COMMAND:
		if (!arg[0])
			return pk_run__usage_error(run, "empty command");
		run->command = arg;
		return 0;
	case C_METRICS: {
		struct sockaddr_storage sa;
		unsigned int len;

		if (pk__http_parse_addr(arg, &sa, &len))
			return pk_run__usage_error(
			    run,
			    "invalid --metrics address '%s': give [ADDR:]PORT "
			    "with a numeric ADDR (0.0.0.0, [::1]) and PORT 0-65535",
			    arg);
		run->metrics_addr = arg;
		return 0;
	}
	case C_METRICS_MAX:
		if (pk_parse_ulong(arg, 1UL << 24, &run->metrics_max) || !run->metrics_max)
			return pk_run__usage_error(
			    run,
			    "invalid --metrics-max-series '%s': give a number "
			    "from 1 to %lu",
			    arg, 1UL << 24);
		return 0;
	case C_QUIET:
		run->quiet = true;
		return 0;
	case C_FOLDED:
		run->folded = true;
		return 0;
	case C_SVG:
		if (!arg[0])
			return pk_run__usage_error(run, "empty --svg file name");
		run->svg = arg;
		return 0;
	case C_BTF:
		v = (unsigned long)-pk_btf_set_path(arg);
		if (v)
			return pk_run__usage_error(run, "cannot use '%s' as kernel BTF: %s", arg,
						   v == EINVAL ? "not a BTF file"
							       : strerror((int)v));
		return 0;
	}
	return -EINVAL;
}

struct option_table {
	struct option longs[64 + PK__MAX_DECLARED];
	char shorts[160 + 2 * PK__MAX_DECLARED];
};

static void add_option(struct option_table *t, int *nl, size_t *ns, const struct pk_option *o,
		       int val, int short_key)
{
	t->longs[*nl] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL,
					 val };
	(*nl)++;
	if (short_key && *ns + 3 < sizeof(t->shorts)) {
		t->shorts[(*ns)++] = short_key;
		if (o->arg)
			t->shorts[(*ns)++] = ':';
	}
}

/* The common option of this long or short name, if any. */
static const char *common_taken(const struct pk_tool *tool, const char *name, int key)
{
	size_t i;

	for (i = 0; i < NR_COMMON; i++) {
		const struct common_option *c = &common_options[i];

		if (common_applies(tool, c) &&
		    (!strcmp(c->opt.name, name) || (key && common_short(tool, c) == key)))
			return c->opt.name;
	}
	return NULL;
}

static const struct pk_option *tool_option(const struct pk_tool *tool, int key)
{
	const struct pk_option *o;

	for (o = tool->options; o && o->name; o++) {
		if (o->key == key)
			return o;
	}
	return NULL;
}

/* Whether the tool's option @key gives way to a declared one of its name. */
static bool yielding(const struct pk_tool *tool, int key)
{
	const struct pk_option *o = tool_option(tool, key);
	const char *const *y;

	for (y = tool->yielding; o && y && *y; y++) {
		if (!strcmp(*y, o->name))
			return true;
	}
	return false;
}

/*
 * Whether a declared option takes the tool option @key's name or letter:
 * the file's option wins where the tool lets it (run's --pid and --top, so
 * that `run tools/taskswitch/taskswitch.bpf.c` has taskswitch's options).
 */
static bool shadowed(const struct pk_run *run, int key)
{
	const struct pk_option *o = tool_option(run->tool, key);
	int j;

	for (j = 0; o && yielding(run->tool, key) && j < run->declared.nr; j++) {
		const struct pk_param_option *d = &run->declared.opts[j];

		if (!strcmp(d->long_name, o->name) || (key < 256 && d->short_name == key))
			return true;
	}
	return false;
}

/* The tool's option of this long or short name, unless it gives way. */
static const char *tool_taken(const struct pk_tool *tool, const char *name, int key)
{
	const struct pk_option *o;

	for (o = tool->options; o && o->name; o++) {
		if ((!strcmp(o->name, name) || (key && o->key == key)) && !yielding(tool, o->key))
			return o->name;
	}
	return NULL;
}

/* A declared option may not take the name of a common one, nor of most of the tool's. */
static int check_declared(struct pk_run *run)
{
	const struct pk__declared *d = &run->declared;
	const char *other;
	char whose[80];
	int i;

	for (i = 0; i < d->nr; i++) {
		const struct pk_param_option *o = &d->opts[i];

		snprintf(whose, sizeof(whose), "the common option");
		other = common_taken(run->tool, o->long_name, o->short_name);
		if (!other && (other = tool_taken(run->tool, o->long_name, o->short_name)))
			snprintf(whose, sizeof(whose), "%s's", run->tool->name);
		if (other)
			return pk_run__usage_error(run,
						   "%s: the option --%s%s%s%s declared on %s "
						   "clashes with %s --%s",
						   d->source, o->long_name,
						   o->short_name ? " (-" : "",
						   o->short_name ? (char[2]){o->short_name, 0} : "",
						   o->short_name ? ")" : "", o->name, whose, other);
	}
	return 0;
}

static void build_table(const struct pk_run *run, struct option_table *t)
{
	const struct pk_tool *tool = run->tool;
	const struct pk_option *o;
	size_t ns = 0, i;
	int nl = 0, j;

	memset(t, 0, sizeof(*t));
	t->shorts[ns++] = ':';
	for (o = tool->options; o && o->name && nl < 40; o++) {
		if (!shadowed(run, o->key))
			add_option(t, &nl, &ns, o, o->key, o->key < 256 ? o->key : 0);
	}
	for (i = 0; i < NR_COMMON; i++) {
		if (common_applies(tool, &common_options[i]))
			add_option(t, &nl, &ns, &common_options[i].opt, common_options[i].opt.key,
				   common_short(tool, &common_options[i]));
	}
	for (j = 0; j < run->declared.nr; j++) {
		const struct pk_param_option *d = &run->declared.opts[j];
		struct pk_option po = { d->long_name, 0, d->flag ? NULL : "V", NULL };

		add_option(t, &nl, &ns, &po, C_DECLARED + j, d->short_name);
	}
}

static int map_short_to_common(const struct pk_run *run, int key)
{
	const struct pk_tool *tool = run->tool;
	size_t i;
	int j;

	if (tool_has_short(tool, key) && !shadowed(run, key))
		return key;
	for (i = 0; i < NR_COMMON; i++) {
		if (common_options[i].short_key == key && common_applies(tool, &common_options[i]))
			return common_options[i].opt.key;
	}
	for (j = 0; j < run->declared.nr; j++) {
		if (run->declared.opts[j].short_name == key)
			return C_DECLARED + j;
	}
	return key;
}

/* A typo in -c fails here, before anything is loaded or forked. */
static int check_command(struct pk_run *run)
{
	char why[PATH_MAX + 64];
	int err;

	if (!run->command)
		return 0;
	if (run->saw_pid)
		return pk_run__usage_error(run, "give -p PID or -c COMMAND, not both");
	err = pk__command_check(run->command, why, sizeof(why));
	if (err == -EINVAL)
		return pk_run__usage_error(run, "%s", why);
	if (err)
		pk_run__error(run, "%s", why);
	return err;
}

/* --folded and --svg: a file that cannot be written fails now, not after the tracing. */
static int check_stacks(struct pk_run *run)
{
	char why[PATH_MAX + 128];
	int err;

	if (run->folded && run->json)
		return pk_run__usage_error(run, "--folded and --json do not go together");
	if (!run->svg)
		return 0;
	err = pk_flamegraph_can_save(run->svg, why, sizeof(why));
	if (err)
		pk_run__error(run, "%s", why);
	return err ? -EIO : 0;
}

static int parse_declared(struct pk_run *run, int i, const char *arg)
{
	char why[512];

	if (pk__declared_parse(&run->declared, i, arg, why, sizeof(why)))
		return pk_run__usage_error(run, "%s", why);
	/* -p and -c do not go together */
	run->saw_pid |= !strcmp(run->declared.opts[i].filter, "pid");
	return 0;
}

/*
 * How a pass over the command line treats options. A tool whose options
 * come partly from its BPF object (run's FILE) needs two: the first takes
 * the tool's and the common options and lets others by, the tool then
 * declares the object's, and the second takes those alone.
 */
enum pass {
	PASS_ALL,
	PASS_KNOWN,
	PASS_DECLARED,
};

/* One getopt pass; returns 0, 1 for --version, or a negative errno. */
static int parse_pass(struct pk_run *run, int argc, char **argv, enum pass pass, bool *help)
{
	const struct pk_tool *tool = run->tool;
	struct option_table t;
	int c, err;

	build_table(run, &t);
	opterr = 0;
	/* 0, not 1: also resets glibc's state inside a cluster such as -xz */
	optind = 0;
	while ((c = getopt_long(argc, argv, t.shorts, t.longs, NULL)) != -1) {
		if (c == '?' && pass == PASS_KNOWN)
			continue;
		if (c == '?') {
			if (optopt && optopt < 256)
				return pk_run__usage_error(run, "unknown option '-%c' (see --help)",
							   optopt);
			return pk_run__usage_error(run, "unknown option '%s' (see --help)",
						   argv[optind - 1]);
		}
		if (c == ':')
			return pk_run__usage_error(run, "option '%s' needs a value (see --help)",
						   argv[optind - 1]);
		if (c < 256)
			c = map_short_to_common(run, c);
		if (c >= C_DECLARED) {
			err = parse_declared(run, c - C_DECLARED, optarg);
			if (err)
				return err;
			continue;
		}
		if (pass == PASS_DECLARED)
			continue;
		if (c == C_HELP) {
			*help = true;
			continue;
		}
		if (c == C_VERSION) {
			printf("%s (probekit) %s\n", run->name, PK_VERSION);
			return 1;
		}
		if (pass == PASS_KNOWN && c < C_HELP && yielding(tool, c)) {
			if (run->nr_deferred == 64)
				return pk_run__usage_error(run, "too many options");
			run->deferred[run->nr_deferred].key = c;
			run->deferred[run->nr_deferred++].arg = optarg;
			continue;
		}
		run->saw_pid |= c == 'p';
		err = c >= C_HELP ? parse_common(run, c, optarg) :
		      tool->parse_opt ? tool->parse_opt(run, c, optarg) :
					-EINVAL;
		if (err)
			return err;
	}
	return 0;
}

static const struct option *long_option(const struct option_table *t, const char *arg)
{
	size_t len = strcspn(arg, "=");
	const struct option *o;

	for (o = t->longs; o->name; o++) {
		if (strlen(o->name) == len && !strncmp(o->name, arg, len))
			return o;
	}
	return NULL;
}

static bool short_takes_value(const struct option_table *t, char c)
{
	const char *p = c != ':' ? strchr(t->shorts + 1, c) : NULL;

	return p && p[1] == ':';
}

/*
 * Long options by their whole name only, where the options come in two
 * passes: getopt would take a declared --comm, unknown to the first pass,
 * for an abbreviated --command. The first pass leaves unknown long options
 * out of its copy (@keep NULL: the second pass refuses them).
 */
static int exact_long_names(struct pk_run *run, int argc, char **argv, char **keep, int *nkeep)
{
	struct option_table t;
	const struct option *o;
	int i, n = 0;
	char *a;

	build_table(run, &t);
	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (keep)
			keep[n++] = a;
		if (i == 0 || a[0] != '-' || !a[1])
			continue;
		if (!strcmp(a, "--")) {
			while (keep && ++i < argc)
				keep[n++] = argv[i];
			break;
		}
		if (a[1] != '-') {
			/* a cluster: a short option with a value takes the rest, or the next */
			for (a++; *a; a++) {
				if (short_takes_value(&t, *a)) {
					if (!a[1] && i + 1 < argc && keep)
						keep[n++] = argv[i + 1];
					i += !a[1];
					break;
				}
			}
			continue;
		}
		o = long_option(&t, a + 2);
		if (!o && keep)
			n--;
		else if (!o)
			return pk_run__usage_error(run, "unknown option '%s' (see --help)", a);
		else if (o->has_arg == required_argument && !strchr(a, '=') && i + 1 < argc) {
			if (keep)
				keep[n++] = argv[i + 1];
			i++;
		}
	}
	if (nkeep)
		*nkeep = n;
	return 0;
}

/* The first pass runs on a copy: getopt moves the arguments it passes over. */
static int first_pass(struct pk_run *run, int argc, char **argv, bool *help)
{
	char **copy = calloc(argc + 1, sizeof(*copy));
	int err;

	if (!copy)
		return -ENOMEM;
	exact_long_names(run, argc, argv, copy, &argc);
	err = parse_pass(run, argc, copy, PASS_KNOWN, help);
	if (!err && run->tool->declare)
		err = run->tool->declare(run, argc - optind, copy + optind);
	free(copy);
	if (err && *help)
		err = 0;
	return err ? err : check_declared(run);
}

/* The tool's own options from the first pass, but those a declared one took. */
static int replay_deferred(struct pk_run *run)
{
	int i, c, err;

	for (i = 0; i < run->nr_deferred; i++) {
		c = run->deferred[i].key;
		if (shadowed(run, c))
			continue;
		run->saw_pid |= c == 'p';
		err = run->tool->parse_opt ? run->tool->parse_opt(run, c, run->deferred[i].arg) :
					     -EINVAL;
		if (err)
			return err;
	}
	return 0;
}

/* Returns 0 to go on, 1 to exit 0 (help, version), or a negative errno. */
static int parse_command_line(struct pk_run *run, int argc, char **argv)
{
	const struct pk_tool *tool = run->tool;
	bool help = false;
	int err;

	if (tool->declare)
		err = first_pass(run, argc, argv, &help);
	else
		err = check_declared(run);
	if (!err && !help)
		err = replay_deferred(run);
	if (!err && !help && tool->declare)
		err = exact_long_names(run, argc, argv, NULL, NULL);
	if (!err && !help)
		err = parse_pass(run, argc, argv, tool->declare ? PASS_DECLARED : PASS_ALL, &help);
	if (help) {
		print_help(run);
		return 1;
	}
	if (!err)
		err = check_stacks(run);
	if (err)
		return err;
	if (optind < argc) {
		if (!tool->parse_args)
			return pk_run__usage_error(run, "unexpected argument '%s' (see --help)",
						   argv[optind]);
		err = tool->parse_args(run, argc - optind, argv + optind);
	} else {
		err = tool->parse_args ? tool->parse_args(run, 0, argv + argc) : 0;
	}
	if (!err)
		err = check_targets_given(run);
	if (!err && (run->quiet || run->metrics_max) && !run->metrics_addr)
		return pk_run__usage_error(run, "--%s goes with --metrics",
					   run->quiet ? "quiet" : "metrics-max-series");
	return err ? err : check_command(run);
}

/* Declared options ---------------------------------------------------------- */

int pk_run__declare_file(struct pk_run *run, const char *path, const char *name)
{
	char why[512];
	int err = pk__declared_open(&run->declared, path, name, NULL, 0, why, sizeof(why));

	if (err)
		pk_run__error(run, "%s", why);
	return err;
}

int pk_run__add_targets(struct pk_run *run, struct pk_attach *att)
{
	return pk__declared_targets(&run->declared, att, run->target_why, sizeof(run->target_why));
}

/* A program whose target an option gives cannot go without it. */
static int check_targets_given(struct pk_run *run)
{
	const struct pk__declared *d = &run->declared;
	int i;

	for (i = 0; i < d->nr; i++) {
		const struct pk_param_option *o = &d->opts[i];

		if (o->target_of[0] && !d->sets[i] && !o->value[0])
			return pk_run__usage_error(run, "give --%s %s%s: program %s attaches there",
						   o->long_name, o->value_name,
						   o->positional ? " (or as an argument)" : "",
						   o->target_of);
	}
	return 0;
}

int pk_run__positional(struct pk_run *run, int argc, char **argv)
{
	char why[512];
	int i;

	for (i = 0; i < argc; i++) {
		if (pk__declared_positional(&run->declared, argv[i], why, sizeof(why)))
			return pk_run__usage_error(run, "%s", why);
	}
	return 0;
}

void pk_run__set_pid_filter(struct pk_run *run, pid_t pid)
{
	run->filter_pid = pid;
}

int pk_run__apply_declared(struct pk_run *run, struct bpf_object *obj)
{
	pid_t pid = run->filter_pid ? run->filter_pid : run->child.pid;
	char why[512];
	int err;

	if (!run->declared.obj)
		return 0;
	err = pk__declared_apply(&run->declared, obj, pid, why, sizeof(why));
	if (err)
		pk_run__error(run, "%s", why);
	return err;
}

/* Metrics --------------------------------------------------------------------- */

static __u64 metrics_lost(void *ctx)
{
	struct pk_run *run = ctx;

	return run->metrics_events ? pk_events__lost(run->metrics_events) : 0;
}

static int on_metrics(struct pk_run *run, int fd)
{
	(void)fd;
	return pk_metrics__process(run->metrics);
}

int pk_run__serve_metrics(struct pk_run *run, struct bpf_object *obj, struct pk_events *events)
{
	LIBBPF_OPTS(pk_metrics_opts, opts, .max_series = run->metrics_max, .tool = run->name,
		    .lost_events = metrics_lost, .ctx = run, .log = run->verbose ? stderr : NULL);
	int err;

	if (!run->metrics_addr || run->metrics)
		return 0;
	run->metrics_events = events;
	run->metrics = pk_metrics__new(obj, &opts);
	if (!run->metrics) {
		err = -errno;
		pk_run__error(run, "cannot make metrics of the maps: %s", strerror(errno));
		return err;
	}
	err = pk_metrics__serve(run->metrics, run->metrics_addr);
	if (!err)
		err = pk_run__watch_fd(run, pk_metrics__fd(run->metrics), on_metrics);
	if (err) {
		pk_run__error(run, "%s", pk_metrics__error(run->metrics));
		return err;
	}
	pk_run__info(
	    run, "metrics of %d map%s at http://%s/metrics", pk_metrics__count(run->metrics),
	    pk_metrics__count(run->metrics) == 1 ? "" : "s", pk_metrics__address(run->metrics));
	return 0;
}

/* --quiet: the tool's output goes nowhere; errors still reach stderr. */
static int go_quiet(struct pk_run *run)
{
	int fd;

	if (!run->quiet)
		return 0;
	fflush(stdout);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		pk_run__error(run, "--quiet: cannot open /dev/null: %s", strerror(errno));
		return -errno;
	}
	close(fd);
	return 0;
}

/* Running ------------------------------------------------------------------- */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_signal(int sig)
{
	/* clock_gettime() is async-signal-safe */
	if (!signalled)
		signalled_ns = now_ns();
	signalled = sig;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int libbpf_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int libbpf_everything(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

/* The object has probekit.bpf.h's event buffer. */
static bool object_has_events(const struct bpf_object *obj)
{
	return bpf_object__find_map_by_name(obj, "pk_rb") &&
	       bpf_object__find_map_by_name(obj, "pk_pb");
}

static bool tool_has_events(const struct pk_run *run, const struct bpf_object *obj)
{
	if (run->tool->open)
		return object_has_events(obj);
	return !(run->tool->flags & PK_TOOL_NO_EVENTS);
}

static int configure_object(void *skel, enum pk_mech mech, void *ctx)
{
	struct pk_run *run = ctx;
	struct bpf_object *obj = run->tool->open ? skel : run->tool->skel->object(skel);
	int err;

	if (run->tool->configure) {
		err = run->tool->configure(run, skel, mech);
		if (err)
			return err;
	}
	err = pk_run__apply_declared(run, obj);
	if (err)
		return err;
	if (!tool_has_events(run, obj))
		return 0;
	return pk_events_configure(obj, &run->events_opts);
}

static int configure_file_object(struct bpf_object *obj, enum pk_mech mech, void *ctx)
{
	return configure_object(obj, mech, ctx);
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct pk_run *run = ctx;

	return run->tool->event ? run->tool->event(run, data, size) : 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Output errors end the tool; a closed pipe (| head) ends it quietly. */
static bool output_failed(struct pk_run *run)
{
	bool quiet;

	if (fflush(run->out) == 0 && !ferror(run->out))
		return false;
	/* a signal that interrupts a blocked write is a request to stop */
	quiet = errno == EPIPE || (errno == EINTR && signalled);
	if (!quiet)
		pk_run__error(run, "writing output failed: %s", strerror(errno));
	run->out_broken = true;
	pk_run__stop(run, quiet ? 0 : 1);
	return true;
}

static void report_lost(struct pk_run *run, bool final)
{
	__u64 lost;

	if (!run->events)
		return;
	lost = pk_events__lost(run->events);
	if (lost > run->lost_reported || (final && (lost || run->verbose)))
		fprintf(stderr, "%s: %llu event%s lost%s\n", run->name, (unsigned long long)lost,
			lost == 1 ? "" : "s", final ? "" : " so far");
	run->lost_reported = lost;
}

static int setup_epoll(struct pk_run *run)
{
	struct epoll_event e = { .events = EPOLLIN };
	int i;

	run->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (run->epfd < 0)
		return -errno;
	if (run->events) {
		int err = pk_events__epoll_add(run->events, run->epfd, 0);

		if (err)
			return err;
	}
	for (i = 0; i < run->nr_watches; i++) {
		e.data.u32 = i + 1;
		if (epoll_ctl(run->epfd, EPOLL_CTL_ADD, run->watches[i].fd, &e))
			return -errno;
	}
	return 0;
}

/*
 * The one place the runtime takes events from the buffer, once per turn of
 * the loop: whether the buffer woke it, a deadline did (pk_events__wait()
 * shortens the wait while events flow: the wakeup protocol, lib/events.c),
 * or another descriptor did. The first turn takes what was sent before the
 * buffers joined the epoll set, which may never be announced (seen with the
 * perf buffer on Linux 6.1); the last, after the stop, what the buffer
 * still holds, which belongs to the run.
 */
static int take_events(struct pk_run *run)
{
	int ret;

	if (!run->events || run->out_broken)
		return 0;
	ret = pk_events__consume(run->events);
	return ret < 0 && ret != -EINTR ? ret : 0;
}

static int dispatch(struct pk_run *run, const struct epoll_event *e)
{
	struct watch *w;
	int ret;

	/* the event buffer's fds (tag 0): take_events() reads them */
	if (e->data.u32 == 0)
		return 0;
	w = &run->watches[e->data.u32 - 1];
	ret = w->fn(run, w->fd);
	return ret < 0 ? ret : 0;
}

static long long next_deadline(struct pk_run *run, long long end, long long tick,
			       long long lost)
{
	long long next = lost;

	if (end && end < next)
		next = end;
	if (run->interval_ms && tick < next)
		next = tick;
	return next;
}

/*
 * Under -v, when the tool went live: after main (the runtime's clock) and
 * in CPU time since exec (the kernel's count, which includes the dynamic
 * loader and libc's start and is not stretched by a busy machine). `make
 * bench` reads the line; pk_attach's "attach times" line splits the attach.
 */
static void report_start_times(struct pk_run *run)
{
	long long now = now_ns();
	struct timespec cpu;
	char parts[160] = "";

	if (!run->verbose || !run->main_ns)
		return;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	if (run->attached_ns)
		snprintf(parts, sizeof(parts),
			 " (%.1f ms to attach, %.1f ms attach, %.1f ms buffers and header)",
			 (run->attach_ns - run->main_ns) / 1e6,
			 (run->attached_ns - run->attach_ns) / 1e6, (now - run->attached_ns) / 1e6);
	pk_run__info(run, "start: live %.1f ms after main%s, %.1f ms CPU since exec",
		     (now - run->main_ns) / 1e6, parts, cpu.tv_sec * 1e3 + cpu.tv_nsec / 1e6);
	run->main_ns = 0;
}

struct loop_clock {
	long long end, tick, lost;
};

/* Waits for the next descriptor or deadline, and serves it. */
static int loop_turn(struct pk_run *run, struct loop_clock *c)
{
	struct epoll_event evs[MAX_WATCHES + 1];
	long long now = now_ms(), wait = next_deadline(run, c->end, c->tick, c->lost) - now;
	int n, i, err;

	if (run->events)
		wait = pk_events__wait(run->events, wait > INT_MAX ? INT_MAX : (int)wait);
	n = epoll_wait(run->epfd, evs, MAX_WATCHES + 1, wait > 0 ? (int)wait : 0);
	if (n < 0 && errno != EINTR)
		return -errno;
	for (i = 0; i < n && !run->stop; i++) {
		err = dispatch(run, &evs[i]);
		if (err)
			return err;
	}
	now = now_ms();
	if (c->end && now >= c->end)
		run->stop = true;
	if (run->interval_ms && now >= c->tick) {
		c->tick = now + run->interval_ms;
		if (run->tool->tick && (err = run->tool->tick(run)) < 0)
			return err;
	}
	if (now >= c->lost) {
		c->lost = now + LOST_REPORT_MS;
		report_lost(run, false);
	}
	return 0;
}

static int poll_loop(struct pk_run *run)
{
	long long start = now_ms();
	struct loop_clock c = {
		.end = run->duration_ms ? start + run->duration_ms : 0,
		.tick = start + run->interval_ms,
		.lost = start + LOST_REPORT_MS,
	};
	bool last = false;
	int err;

	err = setup_epoll(run);
	if (!err)
		err = pk__child_go(&run->child);
	if (!err)
		report_start_times(run);
	while (!err) {
		int taken = take_events(run);

		/* after the stop, a failing tool->event changes nothing */
		if (last || output_failed(run))
			break;
		err = taken;
		last = signalled || run->stop;
		if (!err && !last)
			err = loop_turn(run, &c);
	}
	return err;
}

int pk_run__loop(struct pk_run *run)
{
	int err;

	if (output_failed(run))
		return run->status;
	err = poll_loop(run);
	if (err) {
		pk_run__error(run, "%s", strerror(-err));
		pk_run__stop(run, 1);
	}
	end_command(run, true);
	if (run->out)
		output_failed(run);
	return run->status;
}

/* The events of a loaded object, if it has them. */
static int open_events(struct pk_run *run)
{
	int err;

	if (!tool_has_events(run, pk_run__object(run)))
		return 0;
	run->events = pk_events__new(pk_run__object(run), on_event, run, &run->events_opts);
	if (!run->events) {
		err = -errno;
		pk_run__error(run, "cannot set up the event buffer: %s", strerror(errno));
		return err;
	}
	return 0;
}

static int load_skeleton(struct pk_run *run)
{
	LIBBPF_OPTS(pk_attach_opts, opts, .mechanism = run->mechanism,
		    .configure = configure_object, .ctx = run,
		    .log = run->verbose ? stderr : NULL);
	int err;

	run->attach_ns = now_ns();
	run->att = pk_attach__new(run->tool->skel, run->tool->variants, &opts);
	if (!run->att)
		return -errno;
	err = pk_attach__load(run->att);
	run->attached_ns = now_ns();
	/* kallsyms may have been read to check kprobe targets: give back the
	 * ~10 MB; a tool that symbolizes loads it again when it needs it */
	pk_ksyms_release();
	if (err)
		pk_run__error(run, "cannot attach: %s", pk_attach__error(run->att));
	return err;
}

/* tool->open's file, as a pk_object; -c's command is its process. */
static int load_file(struct pk_run *run, const char *path, struct pk_object_opts *opts)
{
	char why[1024];
	int err;

	opts->mechanism = run->mechanism;
	opts->log = run->verbose ? stderr : NULL;
	opts->configure = configure_file_object;
	opts->ctx = run;
	if (!opts->pid)
		opts->pid = run->child.pid;
	run->obj = pk_object__open(path, opts, why, sizeof(why));
	if (!run->obj) {
		err = -errno;
		pk_run__error(run, "%s", why);
		return err;
	}
	err = pk_object__load(run->obj);
	pk_ksyms_release();
	if (err) {
		pk_run__error(run, "%s%s", run->tool->object ? "cannot attach: " : "",
			      run->target_why[0] ? run->target_why : pk_object__error(run->obj));
		if (run->verbose && pk_object__verifier_log(run->obj))
			fprintf(stderr, "%s", pk_object__verifier_log(run->obj));
		return err;
	}
	run->att = pk_object__attach(run->obj);
	return 0;
}

/* After tool->start, which may attach more: the line says the tool is live. */
static void report_using(struct pk_run *run)
{
	int links = pk_attach__link_count(run->att);

	pk_run__info(run, "using %s (%d link%s)%s%s", pk_mech_name(pk_run__mechanism(run)), links,
		     links == 1 ? "" : "s", run->events ? ", events through the " : "",
		     run->events ? pk_events__kind(run->events) : "");
}

/* tool->open: 0 and the file to load, or the status to end with. */
static int open_file(struct pk_run *run, const char **path, struct pk_object_opts *opts)
{
	int err;

	*path = NULL;
	if (!run->tool->open)
		return 0;
	err = run->tool->open(run, path, opts);
	if (err)
		return err == -PK_EUSAGE ? 2 : 1;
	return *path ? 0 : run->status;
}

static int run_bpf_tool(struct pk_run *run)
{
	const struct pk_tool *tool = run->tool;
	LIBBPF_OPTS(pk_object_opts, opts);
	const char *path;
	char why[128];
	int err;

	err = open_file(run, &path, &opts);
	if (err || (tool->open && !path))
		return err;
	if (pk_check_bpf_privileges(why, sizeof(why))) {
		pk_run__error(run, "%s", why);
		return 1;
	}
	if (run->command && pk_run__spawn(run, run->command) < 0)
		return 1;
	err = path ? load_file(run, path, &opts) : load_skeleton(run);
	if (err || open_events(run))
		return 1;
	if (signalled)
		return 0;
	if (pk_run__serve_metrics(run, pk_run__object(run), run->events))
		return 1;
	if (tool->start && (err = tool->start(run)) < 0)
		return 1;
	report_using(run);
	if (!output_failed(run))
		err = poll_loop(run);
	if (err) {
		pk_run__error(run, "%s", strerror(-err));
		run->status = 1;
	}
	run->stopped_ns = now_ns();
	/* what is already in the buffer belongs to the run */
	if (run->events && !run->out_broken)
		pk_events__consume(run->events);
	end_command(run, true);
	if (tool->finish && !run->out_broken && tool->finish(run) < 0)
		run->status = 1;
	if (!run->out_broken)
		output_failed(run);
	report_lost(run, true);
	run->finished_ns = now_ns();
	return run->status;
}

/*
 * Where the time between Ctrl-C (or -d) and the end went; `make bench`
 * reads it to split a tool's exit time into its parts.
 */
static void report_exit_times(struct pk_run *run)
{
	long long start = signalled ? signalled_ns : run->stopped_ns;

	if (!run->stopped_ns || !run->finished_ns || !run->detached_ns)
		return;
	pk_run__info(run, "exit: %.1f ms to stop, %.1f ms final work, %.1f ms detach",
		     (run->stopped_ns - start) / 1e6, (run->finished_ns - run->stopped_ns) / 1e6,
		     (run->detached_ns - run->finished_ns) / 1e6);
}

static void cleanup(struct pk_run *run)
{
	int i;

	pk_metrics__free(run->metrics);
	if (run->tool->cleanup)
		run->tool->cleanup(run);
	pk_events__free(run->events);
	if (run->obj)
		pk_object__free(run->obj);
	else
		pk_attach__free(run->att);
	end_command(run, false);
	pk__child_release(&run->child);
	pk__declared_free(&run->declared);
	for (i = 0; i < run->nr_watches; i++) {
		if (run->watches[i].owned)
			close(run->watches[i].fd);
	}
	if (run->epfd > 0)
		close(run->epfd);
	run->detached_ns = now_ns();
	report_exit_times(run);
}

int pk_tool_main(const struct pk_tool *tool, int argc, char **argv)
{
	struct pk_run run = {
		.tool = tool,
		.out = stdout,
		.epfd = -1,
		.events_opts = { .sz = sizeof(struct pk_events_opts) },
		.child = { .go_fd = -1, .sigfd = -1 },
	};
	const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
	int status;

	run.main_ns = now_ns();
	run.name = slash ? slash + 1 : (argc > 0 ? argv[0] : tool->name);
	run.events_opts.pages = tool->buffer_pages;
	setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
	install_signals();
	/* objects opened for their declarations say why they fail themselves */
	libbpf_set_print(libbpf_quiet);
	status = parse_command_line(&run, argc, argv);
	if (status) {
		/* what parsing opened: a file's declarations, the tool's own */
		pk__declared_free(&run.declared);
		if (tool->cleanup)
			tool->cleanup(&run);
		/* a usage error, or (another errno) a run-time fact the parser reported */
		return status > 0 ? 0 : status == -PK_EUSAGE ? 2 : 1;
	}
	if (go_quiet(&run))
		return 1;
	libbpf_set_print(run.verbose > 1 ? libbpf_everything :
			 run.verbose ? libbpf_warnings :
				       libbpf_quiet);
	if (tool->main)
		status = tool->main(&run);
	else
		status = run_bpf_tool(&run);
	cleanup(&run);
	if (!run.out_broken && fflush(run.out) && errno != EPIPE)
		status = status ? status : 1;
	return status;
}
