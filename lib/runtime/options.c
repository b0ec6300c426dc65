// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The runtime's command line: the common options, the tool's own and those
 * a BPF object declares, parsed in two passes (the declarations are read
 * from the object the first pass names), and --help.
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
	/*
	 * An option the file declares may take the letter, keeping bcc's
	 * meaning (tcpconnect -c counts); the common one is then long only.
	 */
	bool yields;
};

static const struct common_option common_options[] = {
	{ { "help", C_HELP, NULL, "show this help and exit" }, 'h', FOR_ALL },
	{ { "version", C_VERSION, NULL, "show the version and exit" }, 0, FOR_ALL },
	{ { "verbose", C_VERBOSE, NULL, "say which mechanism is used and why (-vv: libbpf's log)" },
	  'v', FOR_ALL },
	{ { "json", C_JSON, NULL, "print one JSON object per line" }, 0, FOR_ALL },
	/* yields: bcc's profile -d is --delimited */
	{ { "duration", C_DURATION, "SECS", "stop after SECS seconds" }, 'd', FOR_LOOP, true },
	{ { "mechanism", C_MECHANISM, "NAME",
	    "use only NAME: fentry, kprobe, tp_btf, raw_tp, tracepoint, uprobe or uprobe_multi" },
	  0, FOR_BPF },
	/* yields -b to a file's own (bcc's tcprtt -b) */
	{ { "buffer-pages", C_PAGES, "PAGES", "event buffer pages per CPU, a power of two" },
	  'b', FOR_EVENTS, true },
	{ { "perf-buffer", C_PERFBUF, NULL, "use the perf buffer even where a ring buffer works" },
	  0, FOR_EVENTS },
	{ { "command", C_COMMAND, "COMMAND",
	    "run COMMAND (split into words as a shell would) and trace it until it exits" },
	  'c', FOR_COMMAND, true },
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

static bool declared_short(const struct pk_run *run, int key)
{
	int j;

	for (j = 0; j < run->declared.nr; j++) {
		if (run->declared.opts[j].short_name == key)
			return true;
	}
	return false;
}

static int common_short(const struct pk_run *run, const struct common_option *c)
{
	if (!c->short_key || tool_has_short(run->tool, c->short_key))
		return 0;
	return c->yields && declared_short(run, c->short_key) ? 0 : c->short_key;
}

static void print_option(FILE *f, int short_key, const struct pk_option *o)
{
	char left[64];

	snprintf(left, sizeof(left), "%c%c%s--%s%s%s", short_key ? '-' : ' ',
		 short_key ? short_key : ' ', short_key ? ", " : "  ", o->name, o->arg ? " " : "",
		 o->arg ? o->arg : "");
	/* a flag filling the column: its text under it, else its first word would read as
	 * the flag's value (-K, --kernel-stacks-only kernel...); and two spaces at least
	 * between an option and its text, which readers of --help (and its tests) split on */
	if (!o->arg && strlen(left) > 23)
		fprintf(f, "  %s\n  %-24s %s\n", left, "", o->doc);
	else
		fprintf(f, "  %-24s%s%s\n", left, strlen(left) < 24 ? " " : "  ", o->doc);
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

/*
 * The usage line, with the declared PK_POSITIONAL options as arguments in
 * their order, each optional one nesting the next: "[SECS [COUNT]]"; a
 * target without a default is needed, so bare: "PATTERN".
 */
static void print_usage(const struct pk_run *run)
{
	const struct pk__declared *d = &run->declared;
	const struct pk_param_option *o;
	int i, open = 0;

	printf("Usage: %s %s", run->name, run->tool->usage ? run->tool->usage : "[OPTIONS]");
	for (i = 0; i < d->nr; i++) {
		bool needed;

		o = &d->opts[i];
		if (!o->positional)
			continue;
		needed = o->target_of[0] && !o->value[0];
		printf(" %s%s", needed ? "" : "[", o->value_name[0] ? o->value_name : "VALUE");
		open += !needed;
	}
	while (open-- > 0)
		putchar(']');
	putchar('\n');
}

static void print_help(const struct pk_run *run)
{
	const struct pk_tool *tool = run->tool;
	const struct pk_option *o;
	size_t i;

	print_usage(run);
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
		print_option(stdout, common_short(run, &common_options[i]), &o);
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
static const char *common_taken(const struct pk_run *run, const char *name, int key)
{
	size_t i;

	for (i = 0; i < NR_COMMON; i++) {
		const struct common_option *c = &common_options[i];

		if (common_applies(run->tool, c) && (!strcmp(c->opt.name, name) ||
						     (key && !c->yields && common_short(run, c) == key)))
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
		other = common_taken(run, o->long_name, o->short_name);
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
				   common_short(run, &common_options[i]));
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
		if (common_options[i].short_key == key && common_applies(tool, &common_options[i]) &&
		    common_short(run, &common_options[i]) == key)
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
	/*
	 * A compiled-in one-file tool's declarations come from no argument:
	 * known before the first pass, a letter one takes from a common
	 * option (tcpconnect -c) is never read as the common one.
	 */
	err = run->tool->object ? run->tool->declare(run, 0, NULL) : 0;
	exact_long_names(run, argc, argv, copy, &argc);
	if (!err)
		err = parse_pass(run, argc, copy, PASS_KNOWN, help);
	if (!err && !run->tool->object)
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
int pk__run_parse_command_line(struct pk_run *run, int argc, char **argv)
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
	if (!err && pk__declared_list(&run->declared, run->out, run->json))
		return 1;
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
	/* PK_TOOL_DURATION_ARG: bcc's `profile 5`; an explicit -d/--duration wins */
	if (!err && !run->duration_ms)
		run->duration_ms = pk__declared_duration_ms(&run->declared);
	if (!err)
		err = check_targets_given(run);
	if (!err && (run->quiet || run->metrics_max) && !run->metrics_addr)
		return pk_run__usage_error(run, "--%s goes with --metrics",
					   run->quiet ? "quiet" : "metrics-max-series");
	return err ? err : check_command(run);
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
