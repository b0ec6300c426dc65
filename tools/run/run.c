// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * run: bcc's BPF(text=...) loop for a plain BPF C file. Compile it (or take
 * a .bpf.o), load and attach every program by its SEC name with fallback
 * groups, echo its printk lines, and print its maps at the end and every
 * -i seconds. The work is the library's (compile.h, object.h, btfvalue.h);
 * this file is options and printing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <probekit/btfvalue.h>
#include <probekit/compile.h>
#include <probekit/object.h>
#include <probekit/probekit.h>

#include "run.h"

enum {
	O_SET = 0x1000,
	O_PARAMS,
	O_FIELDS,
	O_PRINTK_FORMAT,
	O_CLEAR,
	O_GLOBALS,
	O_TOP,
	O_PER_CPU,
};

#define MAX_SETS 64
#define MAX_DEFINES 16
#define LINES_PER_WAKEUP 4096

static struct {
	const char *file;
	/* a one-file tool compiled in, rather than a file */
	const struct pk_tool *onefile;
	/* PK_TOOL_NEEDS_PID: -p or -c, or a usage error */
	bool needs_pid;
	const char *output;
	const char *sets[MAX_SETS];
	int nr_sets;
	/* -D, for clang; NULL-terminated */
	const char *defines[MAX_DEFINES + 1];
	int nr_defines;
	bool list_params;
	bool fields;
	struct pk_trace_format *printk_fmt;
	unsigned long interval_ms;
	/* PK_TOOL_INTERVAL_COUNT: stop after this many prints (0: never), and those made */
	unsigned long count, printed;
	bool clear;
	bool globals;
	unsigned long top;
	bool per_cpu;
	pid_t pid;
	unsigned long freq;
	bool folded;
	const char *svg;

	char obj_path[4096];
	struct pk_trace_pipe *tp;
	struct pk_stack_printer *stacks;
	struct pk_object_printer *printer;
	/* --svg: the graph of one print pass */
	struct pk_flamegraph *fg;
} env;

static int parse_opt(struct pk_run *run, int key, const char *arg)
{
	int err;

	switch (key) {
	case 'o':
		env.output = arg;
		return 0;
	case O_SET:
		if (env.nr_sets == MAX_SETS)
			return pk_run__usage_error(run, "too many --set options (at most %d)",
						   MAX_SETS);
		if (!strchr(arg, '=') || arg[0] == '=')
			return pk_run__usage_error(run, "invalid --set '%s': give NAME=VALUE", arg);
		env.sets[env.nr_sets++] = arg;
		return 0;
	case 'D':
		if (env.nr_defines == MAX_DEFINES)
			return pk_run__usage_error(run, "too many -D options (at most %d)",
						   MAX_DEFINES);
		env.defines[env.nr_defines++] = arg;
		return 0;
	case O_PARAMS:
		env.list_params = true;
		return 0;
	case O_FIELDS:
		env.fields = true;
		return 0;
	case O_PRINTK_FORMAT:
		env.printk_fmt = pk_trace_format__new(arg);
		if (!env.printk_fmt)
			return pk_run__usage_error(
			    run,
			    "invalid format '%s': use {0}..{5} for task, pid, "
			    "cpu, flags, timestamp, message; {{ and }} for braces",
			    arg);
		return 0;
	case 'i':
		if (pk_parse_seconds(arg, &env.interval_ms))
			return pk_run__usage_error(run, "invalid interval '%s': give seconds > 0",
						   arg);
		return 0;
	case O_CLEAR:
		env.clear = true;
		return 0;
	case O_GLOBALS:
		env.globals = true;
		return 0;
	case O_TOP:
		if (pk_parse_ulong(arg, 1UL << 30, &env.top) || !env.top)
			return pk_run__usage_error(run, "invalid --top '%s': give a number > 0",
						   arg);
		return 0;
	case O_PER_CPU:
		env.per_cpu = true;
		return 0;
	case 'p':
		err = pk_parse_pid_arg(run, "PID", arg, &env.pid);
		pk_run__set_pid_filter(run, env.pid);
		return err;
	case 'F':
		if (pk_parse_ulong(arg, 100000, &env.freq) || !env.freq)
			return pk_run__usage_error(
			    run, "invalid frequency '%s': give Hz from 1 to 100000", arg);
		return 0;
	}
	return -EINVAL;
}

static int parse_args(struct pk_run *run, int argc, char **argv)
{
	if (argc == 0)
		return pk_run__usage_error(run,
					   "give a BPF C file (.bpf.c) or object (.bpf.o) to run");
	/* after the file: the file's PK_POSITIONAL options */
	if (argc > 1) {
		int err = pk_run__positional(run, argc - 1, argv + 1);

		if (err)
			return err;
	}
	env.file = argv[0];
	/* the runtime's --folded and --svg, checked already */
	env.folded = pk_run__folded(run);
	env.svg = pk_run__svg(run);
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool stopping(void *run)
{
	return pk_run__stopping(run);
}

/* Writes env.obj_path: the file itself, or its compiled object in the cache. */
static int find_object(struct pk_run *run)
{
	LIBBPF_OPTS(pk_compile_opts, copts, .log = pk_run__verbose(run) ? stderr : NULL,
		    .defines = env.defines, .cancel = stopping, .ctx = run);
	char why[1024];
	int err;

	if (!ends_with(env.file, ".c")) {
		err = pk_object_file_check(env.file, why, sizeof(why));
		if (err <= 0) {
			pk_run__error(run, "%s", why);
			return -EINVAL;
		}
		snprintf(env.obj_path, sizeof(env.obj_path), "%s", env.file);
		return env.nr_defines
			   ? pk_run__usage_error(run, "-D is for a .bpf.c, not an object")
			   : 0;
	}
	err = pk_compile(env.file, env.obj_path, sizeof(env.obj_path), &copts, why, sizeof(why));
	if (err)
		pk_run__error(run, "%s", why);
	return err;
}

/* -o: the object leaves the cache under the name asked for, atomically. */
static int keep_object(struct pk_run *run)
{
	char tmp[4200], buf[65536];
	int in, out, err = 0;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", env.output, getpid());
	in = open(env.obj_path, O_RDONLY | O_CLOEXEC);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (in < 0 || out < 0)
		err = errno;
	while (!err && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 || write(out, buf, n) != n)
			err = n < 0 ? errno : EIO;
	}
	if (out >= 0 && close(out) && !err)
		err = errno;
	if (in >= 0)
		close(in);
	if (!err && rename(tmp, env.output))
		err = errno;
	if (err) {
		unlink(tmp);
		pk_run__error(run, "cannot write %s: %s", env.output, strerror(err));
		return 1;
	}
	return 0;
}

/* Before each load attempt: the parameters. */
/*
 * A file's own parameter @name (a PK_OPTION of bcc's name, as "top" below),
 * or @def when it has none.
 */
static unsigned long file_param(struct bpf_object *obj, const char *name, unsigned long def)
{
	struct pk_param params[64];
	int i, n = pk_params__list(obj, params, 64);

	for (i = 0; i < n && i < 64; i++) {
		if (!strcmp(params[i].name, name))
			return strcmp(params[i].value, "true") ? strtoul(params[i].value, NULL, 0) : 1;
	}
	return def;
}

/* bcc's --stack-storage-size: the file's "stack_storage_size" sizes its stack maps */
static int size_stack_maps(struct pk_run *run, struct bpf_object *obj)
{
	unsigned long size = file_param(obj, "stack_storage_size", 0);
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj) {
		if (!size || bpf_map__type(map) != BPF_MAP_TYPE_STACK_TRACE)
			continue;
		err = bpf_map__set_max_entries(map, size);
		if (err) {
			pk_run__error(run, "cannot size stack map %s: %s", bpf_map__name(map),
				      strerror(-err));
			return err;
		}
	}
	return 0;
}

static int configure(struct pk_run *run, void *obj, enum pk_mech mech)
{
	int i, err;

	(void)mech;
	err = pk_run__apply_declared(run, obj);
	if (!err)
		err = pk_run__add_targets(run, pk_object__attach(pk_run__file_object(run)));
	if (!err)
		err = size_stack_maps(run, obj);
	if (err)
		return err;
	/* checked by check_params() already: a failure here is not the user's */
	for (i = 0; i < env.nr_sets; i++) {
		err = pk_params__set(obj, env.sets[i], NULL, 0);
		if (err)
			return err;
	}
	return 0;
}

/* Events ------------------------------------------------------------------ */

static int on_event(struct pk_run *run, const void *data, size_t size)
{
	(void)run;
	return pk_object_printer__event(env.printer, data, size);
}

/* The object's events and maps, printed by the library (objprint.h). */
static int start_printer(struct pk_run *run)
{
	char why[256] = "";
	LIBBPF_OPTS(pk_object_printer_opts, po, .json = pk_run__json(run), .folded = env.folded,
		    .stacks = env.stacks, .why = why, .why_size = sizeof(why));

	env.printer = pk_object_printer__new(pk_run__object(run), pk_run__out(run), &po);
	if (!env.printer) {
		if (why[0])
			pk_run__error(run, "%s", why);
		else
			pk_run__error(run, "cannot read how to print the object: %s",
				      strerror(errno));
		return -errno;
	}
	return 0;
}

/* printk ---------------------------------------------------------------- */

static int print_trace_line(const char *line, size_t len, void *run)
{
	run_print_trace_line(run, line, len, env.fields, env.printk_fmt);
	return 0;
}

static int on_trace_readable(struct pk_run *run, int fd)
{
	int err = pk_trace_pipe__drain(env.tp, LINES_PER_WAKEUP, print_trace_line, run);

	(void)fd;
	if (err)
		pk_run__error(run, "reading trace_pipe failed: %s", strerror(-err));
	return err;
}

static int start_printk(struct pk_run *run)
{
	LIBBPF_OPTS(pk_trace_pipe_opts, opts, .nonblock = true);
	pid_t holder;
	int err;

	if (!pk_object__uses_printk(pk_run__file_object(run)))
		return 0;
	env.tp = pk_trace_pipe__open(&opts);
	if (!env.tp) {
		/* looking for the holder may change errno */
		err = errno;
		holder = err == EBUSY ? pk_trace_pipe_holder() : 0;
		if (err == EBUSY)
			pk_run__error(
			    run,
			    "the program prints with bpf_trace_printk(), but trace_pipe is "
			    "busy: process %d is reading it, and the kernel allows one "
			    "reader at a time (pk_printf() needs no trace_pipe)",
			    holder);
		else
			pk_run__error(run, "cannot open trace_pipe: %s", strerror(err));
		return -err;
	}
	pk_run__info(run, "the program calls bpf_trace_printk(): echoing %s/trace_pipe",
		     pk_tracefs_path());
	if (env.fields && !pk_run__json(run) && !env.printk_fmt)
		fprintf(pk_run__out(run), "%-18s %-16s %-6s %s\n", "TIME(s)", "COMM", "PID",
			"MESSAGE");
	return pk_run__watch_fd(run, pk_trace_pipe__fd(env.tp), on_trace_readable);
}

/* Maps -------------------------------------------------------------------- */

/* bcc profile's -a and -d: the file's "annotations" and "delimited" */
static int start_stacks(struct pk_run *run)
{
	struct bpf_object *obj = pk_run__object(run);
	LIBBPF_OPTS(pk_stack_printer_opts, so, .name = pk_run__name(run), .pid = env.pid,
		    .later_pid = pk_run__child(run), .annotate = file_param(obj, "annotations", 0),
		    .delimit = file_param(obj, "delimited", 0));

	env.stacks = pk_stack_printer__new(pk_run__object(run), &so);
	if (!env.stacks) {
		pk_run__error(run, "cannot read the stack maps: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* -c: read its maps as it exits, for the user stacks printed at the end */
static void command_exit(struct pk_run *run, pid_t pid)
{
	(void)run;
	pk_stack_printer__load_pid(env.stacks, pid);
}

/* --svg: a graph of what one print of the maps shows */
static int svg_begin(struct pk_run *run)
{
	if (!env.svg || !pk_stack_printer__map_cnt(env.stacks))
		return 0;
	pk_flamegraph__free(env.fg);
	env.fg = pk_flamegraph__new();
	if (!env.fg) {
		pk_run__error(run, "cannot make the flame graph: %s", strerror(errno));
		return -ENOMEM;
	}
	return 0;
}

static int svg_end(struct pk_run *run)
{
	const char *map = pk_stack_printer__map_name(env.stacks, 0);
	char title[512], why[4600];
	struct pk_flamegraph_opts fo = { .sz = sizeof(fo), .title = title };
	int err;

	if (!env.fg)
		return 0;
	fo.unit = pk_stack_printer__map_unit(env.stacks, 0);
	if (pk_stack_printer__map_cnt(env.stacks) == 1)
		snprintf(title, sizeof(title), "%s: %s", env.file, map);
	else
		snprintf(title, sizeof(title), "%s", env.file);
	err = pk_flamegraph__save(env.fg, env.svg, &fo, why, sizeof(why));
	if (err)
		pk_run__error(run, "%s", why);
	else
		pk_run__info(run, "%s", why);
	pk_flamegraph__free(env.fg);
	env.fg = NULL;
	return err;
}

/*
 * A file's SEC("syscall") programs run once before each print: they fill
 * what its tables show from what its other programs counted (cachestat's
 * hit ratio of the interval), which a one-file tool has no user space for.
 */
static int run_print_programs(struct pk_run *run)
{
	struct bpf_object *obj = pk_run__object(run);
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		LIBBPF_OPTS(bpf_test_run_opts, o);

		if (bpf_program__type(prog) != BPF_PROG_TYPE_SYSCALL || bpf_program__fd(prog) < 0)
			continue;
		if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o)) {
			pk_run__error(run, "cannot run %s before the print: %s",
				      bpf_program__name(prog), strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* bcc's warning, after the stacks (a file with --stack-storage-size gets its hint) */
static void warn_missed_stacks(struct pk_run *run, size_t missed, bool collided)
{
	if (!missed)
		return;
	collided = collided && file_param(pk_run__object(run), "stack_storage_size", 0);
	fprintf(stderr, "WARNING: %zu stack traces could not be displayed.%s\n", missed,
		collided ? " Consider increasing --stack-storage-size." : "");
}

static int print_maps(struct pk_run *run, bool clear, bool interval)
{
	size_t missed = 0;
	bool collided = false;
	LIBBPF_OPTS(pk_object_maps_opts, o, .top = env.top, .per_cpu = env.per_cpu, .clear = clear,
		    .globals = env.globals, .time = interval, .missed_stacks = &missed,
		    .stacks_collided = &collided);
	int err = run_print_programs(run);

	if (err)
		return err;
	err = svg_begin(run);

	o.fg = env.fg;
	if (!err && (err = pk_object_printer__maps(env.printer, &o)))
		pk_run__error(run, "%s", pk_object_printer__error(env.printer));
	if (!err)
		err = svg_end(run);
	warn_missed_stacks(run, missed, collided);
	return err;
}

static int tick(struct pk_run *run)
{
	int err = print_maps(run, env.clear, true);

	/* PK_TOOL_INTERVAL_COUNT's count printed: done, with nothing more at the end */
	if (!err && env.count && ++env.printed >= env.count)
		pk_run__stop(run, 0);
	return err;
}

static int finish(struct pk_run *run)
{
	if (env.tp)
		on_trace_readable(run, -1);
	if (env.count && env.printed >= env.count)
		return 0;
	/* with -i, the last print has its time line as the others do */
	return print_maps(run, false, env.interval_ms != 0);
}

static void cleanup(struct pk_run *run)
{
	(void)run;
	pk_trace_pipe__free(env.tp);
	env.tp = NULL;
	pk_object_printer__free(env.printer);
	env.printer = NULL;
	pk_stack_printer__free(env.stacks);
	env.stacks = NULL;
	pk_flamegraph__free(env.fg);
	env.fg = NULL;
	pk_trace_format__free(env.printk_fmt);
	env.printk_fmt = NULL;
}

/* "a (__u32, 0), b (bool, false)" */
static void param_summary(struct pk_param *ps, int n, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%s (%s, %s)", i ? ", " : "", ps[i].name,
				ps[i].type, ps[i].value[0] ? ps[i].value : "cannot be set");
}

static void list_params(struct pk_run *run, struct pk_param *ps, int n)
{
	FILE *out = pk_run__out(run);
	struct pk_json j;
	int i;

	if (!pk_run__json(run) && n)
		fprintf(out, "%-24s %-20s %s\n", "NAME", "TYPE", "DEFAULT");
	for (i = 0; i < n; i++) {
		if (pk_run__json(run)) {
			pk_json__begin(&j, out);
			pk_json__str(&j, "name", ps[i].name, sizeof(ps[i].name));
			pk_json__str(&j, "type", ps[i].type, sizeof(ps[i].type));
			pk_json__str(&j, "default", ps[i].value, sizeof(ps[i].value));
			pk_json__end(&j);
		} else {
			fprintf(out, "%-24s %-20s %s\n", ps[i].name, ps[i].type, ps[i].value);
		}
	}
	if (!pk_run__json(run) && !n)
		fprintf(out, "%s has no parameters (const volatile globals)\n", env.file);
}

#define MAX_PARAMS 128

/*
 * --params and --set, on an object opened only for this: a bad --set is a
 * usage error (status 2) that lists the parameters, before any load.
 * Returns 0 to go on, 1 when --params printed the list, or a status.
 */
static int check_params(struct pk_run *run)
{
	struct pk_param *ps = NULL;
	char why[512], all[2048];
	struct bpf_object *obj;
	int i, n, err, status = 0;

	if (!env.list_params && !env.nr_sets)
		return 0;
	obj = bpf_object__open_file(env.obj_path, NULL);
	if (libbpf_get_error(obj)) {
		pk_run__error(run, "%s is not a usable BPF object", env.file);
		return 1;
	}
	ps = calloc(MAX_PARAMS, sizeof(*ps));
	n = ps ? pk_params__list(obj, ps, MAX_PARAMS) : -ENOMEM;
	if (n < 0) {
		pk_run__error(run, "cannot read the parameters of %s: %s", env.file, strerror(-n));
		status = 1;
		goto out;
	}
	n = n < MAX_PARAMS ? n : MAX_PARAMS;
	for (i = 0; i < env.nr_sets && !status; i++) {
		err = pk_params__set(obj, env.sets[i], why, sizeof(why));
		if (!err)
			continue;
		param_summary(ps, n, all, sizeof(all));
		if (n)
			pk_run__usage_error(run, "%s; the parameters are: %s", why, all);
		else
			pk_run__usage_error(run,
					    "%s; %s has no parameters (const volatile globals)",
					    why, env.file);
		status = 2;
	}
	if (!status && env.list_params) {
		list_params(run, ps, n);
		status = -1;
	}
out:
	free(ps);
	bpf_object__close(obj);
	return status;
}

/*
 * Whether the object has a stack map, whose user stacks need -c's command
 * held on its way out (the command_exit hook); the object is not open yet
 * when the command starts. Unsure means yes.
 */
static bool has_stack_map(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) == BPF_MAP_TYPE_STACK_TRACE)
			return true;
	}
	return false;
}

/* Whether @map carries the BTF decl tag @tag (PK_PRIVATE's "pk_print:none"). */
static bool map_tagged(const struct btf *btf, const struct bpf_map *map, const char *tag)
{
	__u32 i, n = btf ? btf__type_cnt(btf) : 0;
	const struct btf_type *t, *var;

	for (i = 1; i < n; i++) {
		t = btf__type_by_id(btf, i);
		if (!btf_is_decl_tag(t) || btf_decl_tag(t)->component_idx != -1 ||
		    strcmp(btf__name_by_offset(btf, t->name_off), tag))
			continue;
		var = btf__type_by_id(btf, t->type);
		if (var && btf_is_var(var) &&
		    !strcmp(btf__name_by_offset(btf, var->name_off), bpf_map__name(map)))
			return true;
	}
	return false;
}

/* Whether the object has a map that prints as a table or histogram (then -i). */
static bool has_tables(struct bpf_object *obj)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		if (pk_map__is_printable(map) && !map_tagged(btf, map, "pk_print:none"))
			return true;
	}
	return false;
}

static bool object_has_stack_map(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	bool found;

	if (!obj)
		return true;
	found = has_stack_map(obj);
	bpf_object__close(obj);
	return found;
}

/*
 * Before the file's own options are parsed: the file is compiled and its
 * declarations read. It is the first argument that looks like one (a
 * declared option's value may stand before it).
 */
static int declare(struct pk_run *run, int argc, char **argv)
{
	int i, err;

	for (i = 0; i < argc; i++) {
		if (!ends_with(argv[i], ".c") && !ends_with(argv[i], ".o"))
			continue;
		if (env.file)
			return pk_run__usage_error(run, "unexpected argument '%s': give one file",
						   argv[i]);
		env.file = argv[i];
	}
	if (!env.file && argc)
		env.file = argv[0];
	/* a file that cannot be read is said so after the options are checked */
	if (!env.file || access(env.file, R_OK))
		return 0;
	err = find_object(run);
	if (err)
		return err == -EINVAL && env.nr_defines ? -PK_EUSAGE : -EIO;
	/* Ctrl-C while clang ran: nothing is loaded */
	if (pk_run__stopping(run))
		return -EINTR;
	return env.output ? 0 : pk_run__declare_file(run, env.obj_path, env.file);
}

/*
 * After parsing: the object to load, or the end of the run for -o and
 * --params (and a bad --set, status 2).
 */
static int open_object(struct pk_run *run, const char **path, struct pk_object_opts *opts)
{
	int status, err;

	/* compiled already when the file declares options (declare()) */
	if (!env.obj_path[0] && (err = find_object(run)))
		return err == -EINVAL && env.nr_defines ? -PK_EUSAGE : -EIO;
	if (env.output)
		return keep_object(run) ? -EIO : 0;
	status = check_params(run);
	if (status)
		return status < 0 ? 0 : status == 2 ? -PK_EUSAGE : -EIO;
	/* -c: held on its way out for the user stacks, if any; its pid is the -p filter */
	if (pk_run__command(run))
		pk_run__set_command_exit(run, object_has_stack_map(env.obj_path));
	/* a file's own -p (PK_FILTER_PID) is run's: uprobes, samples and
	 * stacks of that process, and the run ends with it */
	if (!env.pid)
		env.pid = pk_run__declared_pid(run);
	if (env.needs_pid && !env.pid && !pk_run__command(run))
		return pk_run__usage_error(run, "give -p PID or -c COMMAND: %s traces one process",
					   env.file);
	opts->pid = env.pid;
	opts->sample_freq = env.freq;
	*path = env.obj_path;
	return 0;
}

/*
 * A file's own "top" option (bcc's -T of memleak, say) takes the place of
 * run's --top: how many entries of each hash map print, its stack maps too.
 */
static void file_top(struct pk_run *run)
{
	if (!env.top)
		env.top = file_param(pk_run__object(run), "top", 0);
}

/*
 * PK_TOOL_INTERVAL_COUNT(): bcc's [interval [count]] arguments; -i wins
 * over the first. Its default 0 leaves the run without an interval.
 */
static void file_interval_count(struct pk_run *run)
{
	struct bpf_object *obj = pk_run__object(run);

	if (!env.interval_ms)
		env.interval_ms = file_param(obj, "interval_secs", 0) * 1000;
	env.count = file_param(obj, "interval_count", 0);
}

/*
 * PK_TOOL_INTERVAL(): the file's -i, unless the command line gave one, or
 * PK_TOOL_INTERVAL_COUNT()'s interval argument did; PK_TOOL_CLEAR.
 */
static int file_interval(struct pk_run *run)
{
	const char *secs = pk_params__file_tag(bpf_object__btf(pk_run__object(run)), "pk_interval",
					       0);

	if (pk_params__file_tag(bpf_object__btf(pk_run__object(run)), "pk_interval_count", 0))
		file_interval_count(run);
	if (!env.interval_ms && secs && pk_parse_seconds(secs, &env.interval_ms)) {
		pk_run__error(run, "%s: PK_TOOL_INTERVAL(%s) is not a number of seconds", env.file,
			      secs);
		return -EINVAL;
	}
	/* PK_TOOL_CLEAR: each print empties the maps, as bcc's tools clear theirs */
	if (pk_params__file_tag(bpf_object__btf(pk_run__object(run)), "pk_clear", 0))
		env.clear = true;
	return 0;
}

static int start(struct pk_run *run)
{
	int err;

	err = start_stacks(run);
	if (!err)
		err = start_printer(run);
	if (!err)
		err = start_printk(run);
	if (err)
		return err;
	/* like mallocstacks: the traced process's end is the run's end (-c's
	 * end is watched by the runtime) */
	if (env.pid && (err = pk_run__watch_pid(run, env.pid))) {
		pk_run__error(run, "cannot watch process %d: %s", env.pid, strerror(-err));
		return err;
	}
	err = file_interval(run);
	if (err)
		return err;
	file_top(run);
	/* the file's banner and its tables' headers, once attached; with
	 * --folded nothing but the folded lines goes to stdout */
	if (!env.folded)
		pk_object_printer__banner(env.printer, env.interval_ms / 1000.0);
	/* the records' header under the banner, as bcc prints them */
	if (pk_run__events(run))
		pk_object_printer__header(env.printer);
	/* before a -c command's own output, which shares stdout */
	fflush(pk_run__out(run));
	if (env.interval_ms)
		pk_run__set_interval(run, env.interval_ms);
	return 0;
}

static const struct pk_option options[] = {
	{ "output", 'o', "FILE", "compile FILE.bpf.c into FILE (a .bpf.o) and exit" },
	{ "set", O_SET, "NAME=VALUE", "set the const volatile global NAME before load" },
	{ "define", 'D', "NAME=VALUE", "#define NAME VALUE for the compile (bcc's cflags)" },
	{ "params", O_PARAMS, NULL, "list the parameters (const volatile globals) and exit" },
	{ "interval", 'i', "SECS", "print the maps every SECS seconds, not only at the end" },
	{ "clear", O_CLEAR, NULL, "with -i: empty the maps after each print" },
	{ "top", O_TOP, "N", "print the N largest entries of each hash map" },
	{ "per-cpu", O_PER_CPU, NULL, "print per-CPU values apart rather than summed" },
	{ "globals", O_GLOBALS, NULL, "print the global variables too" },
	{ "fields", O_FIELDS, NULL, "printk lines as a TIME COMM PID MESSAGE table" },
	{ "printk-format", O_PRINTK_FORMAT, "FMT", "printk lines through a bcc format: \"{1} {5}\"" },
	{ "pid", 'p', "PID", "uprobes and perf_event sampling only in this process; end with it" },
	{ "frequency", 'F', "HZ", "perf_event programs sample the CPU clock at HZ (49)" },
	{},
};

/* One-file tools (tools/NAME/NAME.bpf.c alone) ------------------------------- */

/* run's options that make sense for a file compiled in (the runtime adds its own) */
static const struct pk_option onefile_options[] = {
	{ "interval", 'i', "SECS", "print the tables every SECS seconds, not only at the end" },
	{},
};

static const struct pk_option no_options[] = { {} };

/* The object compiled in, as a file libbpf can open: a memfd of its bytes. */
static int declare_onefile(struct pk_run *run, int argc, char **argv)
{
	const void *bytes;
	size_t size = 0;
	int fd;

	(void)argc;
	(void)argv;
	bytes = env.onefile->object(&size);
	fd = memfd_create(env.onefile->name, MFD_CLOEXEC);
	if (fd < 0 || write(fd, bytes, size) != (ssize_t)size) {
		pk_run__error(run, "cannot hold the object: %s", strerror(errno));
		return -EIO;
	}
	env.file = env.onefile->name;
	snprintf(env.obj_path, sizeof(env.obj_path), "/proc/self/fd/%d", fd);
	return pk_run__declare_file(run, env.obj_path, env.file);
}

/*
 * Whether the file's programs filter by pid (PK_FILTER_PID): then -c's
 * command is what they trace. PK_TOOL_COMMAND_LIFETIME offers -c to a file
 * that cannot filter so (what it traces runs in softirq, as retransmits
 * do): it traces everything for the command's lifetime. @command says
 * whether -c is offered; @needs whether the file must be given a pid
 * (PK_TOOL_NEEDS_PID: its uprobes would otherwise be in every process);
 * @stacks whether it has stacks to print (then --folded and --svg);
 * @tables whether it has maps that print (then -i).
 */
static bool file_traits(const struct pk_tool *tool, bool *needs, bool *command, bool *stacks,
			bool *tables)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = tool->name);
	struct pk_param_option opts[32];
	struct bpf_object *obj;
	size_t size = 0;
	const void *bytes = tool->object(&size);
	const char *tag;
	bool pid = false;
	int i, n;

	obj = bpf_object__open_mem(bytes, size, &oo);
	n = obj ? pk_params__options(obj, opts, 32, NULL, 0) : 0;
	for (i = 0; i < n && i < 32; i++)
		pid |= !strcmp(opts[i].filter, "pid");
	tag = obj ? pk_params__file_tag(bpf_object__btf(obj), "pk_needs", 0) : NULL;
	*needs = pid && tag && !strcmp(tag, "pid");
	*stacks = !obj || has_stack_map(obj);
	*tables = !obj || has_tables(obj);
	*command = pid || (obj && pk_params__file_tag(bpf_object__btf(obj), "pk_command", 0));
	bpf_object__close(obj);
	return pid;
}

/* A one-file tool's arguments: its PK_POSITIONAL options; then, as for a file, --folded and --svg. */
static int parse_onefile_args(struct pk_run *run, int argc, char **argv)
{
	int err = pk_run__positional(run, argc, argv);

	env.folded = pk_run__folded(run);
	env.svg = pk_run__svg(run);
	return err;
}

int run_onefile_main(const struct pk_tool *tool, int argc, char **argv);

int run_onefile_main(const struct pk_tool *tool, int argc, char **argv)
{
	extern const struct pk_tool run_tool;
	struct pk_tool t = run_tool;
	bool command, stacks, tables;

	t.name = tool->name;
	t.aliases = tool->aliases;
	t.summary = tool->summary;
	t.usage = "[OPTIONS]";
	t.examples = tool->examples;
	t.options = onefile_options;
	t.parse_args = parse_onefile_args;
	t.declare = declare_onefile;
	t.object = tool->object;
	/* -c only for a file whose programs filter by pid, or that asks for it */
	file_traits(tool, &env.needs_pid, &command, &stacks, &tables);
	if (!command)
		t.flags &= ~PK_TOOL_COMMAND;
	if (!stacks)
		t.flags &= ~PK_TOOL_STACKS;
	/* -i prints tables: a file of events alone has none */
	if (!tables)
		t.options = no_options;
	env.onefile = tool;
	return pk_tool_main(&t, argc, argv);
}

/* run's options a file's own may take the place of */
static const char *const yielding[] = { "pid", "top", "frequency", NULL };

const struct pk_tool run_tool = {
	.name = "run",
	.summary = "Compile, load and attach one BPF C file; echo its printk lines, print its maps.",
	.usage = "[OPTIONS] FILE.bpf.c | FILE.bpf.o",
	.examples = "  run task_switch.bpf.c            # its maps at Ctrl-C, as bcc's items()\n"
		    "  run -i 1 --clear counts.bpf.c    # every second, emptied each time\n"
		    "  run opensnoop_table.bpf.c        # PK_EVENT() records as a table\n"
		    "  run --fields trace_print.bpf.c   # printk lines as a table\n"
		    "  run --set target_pid=42 f.bpf.c  # a const volatile global, before load\n"
		    "  run -D MAX_ENTRIES=4096 f.bpf.c  # a constant for the compile (sizes maps)\n"
		    "  run -o f.bpf.o f.bpf.c           # compile only, keep the object\n"
		    "  run --svg a.svg -c ./prog m.bpf.c  # a flame graph of its stack maps\n"
		    "  run --metrics 9435 --quiet f.bpf.c # its maps for Prometheus\n",
	.options = options,
	.parse_opt = parse_opt,
	.parse_args = parse_args,
	.declare = declare,
	.yielding = yielding,
	.open = open_object,
	.configure = configure,
	.start = start,
	.event = on_event,
	.tick = tick,
	.finish = finish,
	.cleanup = cleanup,
	.flags = PK_TOOL_COMMAND | PK_TOOL_STACKS,
	.command_exit = command_exit,
};
