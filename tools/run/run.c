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
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
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
	O_MECHANISM,
	O_PERF_BUFFER,
	O_FOLDED,
	O_SVG,
};

#define MAX_SETS 64
#define LINES_PER_WAKEUP 4096

static struct {
	const char *file;
	const char *output;
	const char *sets[MAX_SETS];
	int nr_sets;
	bool list_params;
	bool fields;
	struct pk_trace_format *printk_fmt;
	unsigned long interval_ms;
	bool clear;
	bool globals;
	unsigned long top;
	bool per_cpu;
	enum pk_mech mechanism;
	struct pk_events_opts events_opts;
	pid_t pid;
	unsigned long freq;
	bool folded;
	const char *svg;

	char obj_path[4096];
	struct pk_object *obj;
	struct pk_events *events;
	int events_epfd;
	int events_timer;
	struct pk_trace_pipe *tp;
} env = {
	.events_epfd = -1,
	.events_timer = -1,
	.events_opts = { .sz = sizeof(struct pk_events_opts) },
};

static int parse_opt(struct pk_run *run, int key, const char *arg)
{
	unsigned long v;

	switch (key) {
	case 'o':
		env.output = arg;
		return 0;
	case O_SET:
		if (env.nr_sets == MAX_SETS)
			return pk_usage_error(run, "too many --set options (at most %d)", MAX_SETS);
		if (!strchr(arg, '=') || arg[0] == '=')
			return pk_usage_error(run, "invalid --set '%s': give NAME=VALUE", arg);
		env.sets[env.nr_sets++] = arg;
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
			return pk_usage_error(run, "invalid format '%s': use {0}..{5} for task, pid, "
						   "cpu, flags, timestamp, message; {{ and }} for braces",
					      arg);
		return 0;
	case 'i':
		if (pk_parse_seconds(arg, &env.interval_ms))
			return pk_usage_error(run, "invalid interval '%s': give seconds > 0", arg);
		return 0;
	case O_CLEAR:
		env.clear = true;
		return 0;
	case O_GLOBALS:
		env.globals = true;
		return 0;
	case O_TOP:
		if (pk_parse_ulong(arg, 1UL << 30, &env.top) || !env.top)
			return pk_usage_error(run, "invalid --top '%s': give a number > 0", arg);
		return 0;
	case O_PER_CPU:
		env.per_cpu = true;
		return 0;
	case O_MECHANISM:
		if (pk_mech_by_name(arg, &env.mechanism))
			return pk_usage_error(run, "unknown mechanism '%s': use fentry, kprobe, "
						   "tp_btf, raw_tp, tracepoint or uprobe", arg);
		return 0;
	case 'b':
		if (pk_parse_ulong(arg, 1UL << 20, &v) || !v || (v & (v - 1)))
			return pk_usage_error(run, "invalid buffer size '%s': give a power of two "
						   "number of pages", arg);
		env.events_opts.pages = v;
		return 0;
	case O_PERF_BUFFER:
		env.events_opts.force_perf = true;
		return 0;
	case 'p':
		return pk_parse_pid_arg(run, "PID", arg, &env.pid);
	case O_FOLDED:
		env.folded = true;
		return 0;
	case O_SVG:
		if (!arg[0])
			return pk_usage_error(run, "empty --svg file name");
		env.svg = arg;
		return 0;
	case 'F':
		if (pk_parse_ulong(arg, 100000, &env.freq) || !env.freq)
			return pk_usage_error(run, "invalid frequency '%s': give Hz from 1 to 100000",
					      arg);
		return 0;
	}
	return -EINVAL;
}

static int parse_args(struct pk_run *run, int argc, char **argv)
{
	char why[4200];

	if (argc == 0)
		return pk_usage_error(run, "give a BPF C file (.bpf.c) or object (.bpf.o) to run");
	if (argc > 1)
		return pk_usage_error(run, "unexpected argument '%s': give one file", argv[1]);
	env.file = argv[0];
	if (env.folded && pk_run__json(run))
		return pk_usage_error(run, "--folded and --json do not go together");
	/* a file that cannot be written fails now, not after the tracing */
	if (env.svg && pk_flamegraph__can_save(env.svg, why, sizeof(why))) {
		pk_error(run, "%s", why);
		return -EIO;
	}
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Writes env.obj_path: the file itself, or its compiled object in the cache. */
static int find_object(struct pk_run *run)
{
	LIBBPF_OPTS(pk_compile_opts, copts, .log = pk_run__verbose(run) ? stderr : NULL);
	char why[1024];
	int err;

	if (!ends_with(env.file, ".c")) {
		err = pk_object_file_check(env.file, why, sizeof(why));
		if (err <= 0) {
			pk_error(run, "%s", why);
			return -EINVAL;
		}
		snprintf(env.obj_path, sizeof(env.obj_path), "%s", env.file);
		return 0;
	}
	err = pk_compile(env.file, env.obj_path, sizeof(env.obj_path), &copts, why, sizeof(why));
	if (err)
		pk_error(run, "%s", why);
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
		pk_error(run, "cannot write %s: %s", env.output, strerror(err));
		return 1;
	}
	return 0;
}

/* Before each load attempt: parameters and the event buffer. */
static int configure(struct bpf_object *obj, enum pk_mech mech, void *ctx)
{
	int i, err;

	(void)mech;
	(void)ctx;
	/* checked by check_params() already: a failure here is not the user's */
	for (i = 0; i < env.nr_sets; i++) {
		err = pk_params__set(obj, env.sets[i], NULL, 0);
		if (err)
			return err;
	}
	if (run_has_events(obj))
		return pk_events__configure(obj, &env.events_opts);
	return 0;
}

/* Events ------------------------------------------------------------------ */

static int on_event(void *ctx, const void *data, size_t size)
{
	return run_print_event(ctx, data, size);
}

static int on_events_readable(struct pk_run *run, int fd)
{
	int n;

	(void)run;
	(void)fd;
	/* consume hands over a batch at a time: take what is waiting, since
	 * the batched wakeups may not announce the rest */
	do
		n = pk_events__consume(env.events);
	while (n > 0);
	return n < 0 && n != -EINTR ? n : 0;
}

/*
 * Records submitted without a wakeup (pk_submit() wakes the reader at most
 * once a millisecond) are collected every PK_BATCH_POLL_MS as well.
 */
static int on_events_timer(struct pk_run *run, int fd)
{
	__u64 ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return -errno;
	return on_events_readable(run, fd);
}

static int start_events_timer(struct pk_run *run)
{
	struct itimerspec its = {
		.it_interval = { .tv_nsec = PK_BATCH_POLL_MS * 1000000L },
		.it_value = { .tv_nsec = PK_BATCH_POLL_MS * 1000000L },
	};

	env.events_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (env.events_timer < 0 || timerfd_settime(env.events_timer, 0, &its, NULL))
		return -errno;
	return pk_run__watch_fd(run, env.events_timer, on_events_timer);
}

static int start_events(struct pk_run *run)
{
	struct bpf_object *obj = pk_object__bpf(env.obj);
	int err;

	if (!run_has_events(obj))
		return 0;
	err = run_events_init(run, obj);
	if (err)
		return err;
	env.events = pk_events__new(obj, on_event, run, &env.events_opts);
	if (!env.events) {
		err = -errno;
		pk_error(run, "cannot set up the event buffer: %s", strerror(errno));
		return err;
	}
	/* the runtime watches single fds: an epoll set stands for the buffers */
	env.events_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (env.events_epfd < 0)
		return -errno;
	err = pk_events__epoll_add(env.events, env.events_epfd, 0);
	if (!err)
		err = pk_run__watch_fd(run, env.events_epfd, on_events_readable);
	if (!err)
		err = start_events_timer(run);
	if (err)
		pk_error(run, "cannot watch the event buffer: %s", strerror(-err));
	return err;
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
		pk_error(run, "reading trace_pipe failed: %s", strerror(-err));
	return err;
}

static int start_printk(struct pk_run *run)
{
	LIBBPF_OPTS(pk_trace_pipe_opts, opts, .nonblock = true);
	pid_t holder;
	int err;

	if (!pk_object__uses_printk(env.obj))
		return 0;
	env.tp = pk_trace_pipe__open(&opts);
	if (!env.tp) {
		/* looking for the holder may change errno */
		err = errno;
		holder = err == EBUSY ? pk_trace_pipe_holder() : 0;
		if (err == EBUSY)
			pk_error(run, "the program prints with bpf_trace_printk(), but trace_pipe is "
				      "busy: process %d is reading it, and the kernel allows one "
				      "reader at a time (pk_printf() needs no trace_pipe)",
				 holder);
		else
			pk_error(run, "cannot open trace_pipe: %s", strerror(err));
		return -err;
	}
	pk_info(run, "the program calls bpf_trace_printk(): echoing %s/trace_pipe",
		pk_tracefs_path());
	if (env.fields && !pk_run__json(run) && !env.printk_fmt)
		fprintf(pk_run__out(run), "%-18s %-16s %-6s %s\n", "TIME(s)", "COMM", "PID",
			"MESSAGE");
	return pk_run__watch_fd(run, pk_trace_pipe__fd(env.tp), on_trace_readable);
}

/* Maps -------------------------------------------------------------------- */

static int start_stacks(struct pk_run *run)
{
	struct run_stacks_opts so = {
		.file = env.file, .svg = env.svg, .folded = env.folded,
		.pid = pk_run__child(run) ? 0 : env.pid, .child = pk_run__child(run),
	};
	int err;

	err = run_stacks_init(pk_object__bpf(env.obj), &so);
	if (err)
		pk_error(run, "cannot read the stack maps: %s", strerror(-err));
	return err;
}

/* -c: read its maps as it exits, for the user stacks printed at the end */
static void command_exit(struct pk_run *run, pid_t pid)
{
	(void)run;
	run_stacks_process_exiting(pid);
}

static int print_maps(struct pk_run *run, bool clear, bool interval)
{
	struct run_maps_opts o = {
		.top = env.top,
		.per_cpu = env.per_cpu,
		.clear = clear,
		.globals = env.globals,
		.interval = interval,
	};

	int err = run_stacks_begin(run);

	if (!err)
		err = run_print_maps(run, pk_object__bpf(env.obj), &o);
	if (!err)
		err = run_stacks_end(run);
	return err;
}

static int tick(struct pk_run *run)
{
	return print_maps(run, env.clear, true);
}

static int finish(struct pk_run *run)
{
	if (env.events)
		pk_events__consume(env.events);
	if (env.tp)
		on_trace_readable(run, -1);
	return print_maps(run, false, false);
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
			pk_json_begin(&j, out);
			pk_json_str(&j, "name", ps[i].name, sizeof(ps[i].name));
			pk_json_str(&j, "type", ps[i].type, sizeof(ps[i].type));
			pk_json_str(&j, "default", ps[i].value, sizeof(ps[i].value));
			pk_json_end(&j);
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
		pk_error(run, "%s is not a usable BPF object", env.file);
		return 1;
	}
	ps = calloc(MAX_PARAMS, sizeof(*ps));
	n = ps ? pk_params__list(obj, ps, MAX_PARAMS) : -ENOMEM;
	if (n < 0) {
		pk_error(run, "cannot read the parameters of %s: %s", env.file, strerror(-n));
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
			pk_usage_error(run, "%s; the parameters are: %s", why, all);
		else
			pk_usage_error(run, "%s; %s has no parameters (const volatile globals)", why,
				       env.file);
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

static int load(struct pk_run *run)
{
	LIBBPF_OPTS(pk_object_opts, oopts, .mechanism = env.mechanism,
		    .log = pk_run__verbose(run) ? stderr : NULL, .pid = env.pid,
		    .sample_freq = env.freq, .configure = configure);
	char why[1024];
	int err;

	env.obj = pk_object__open(env.obj_path, &oopts, why, sizeof(why));
	if (!env.obj) {
		pk_error(run, "%s", why);
		return -errno;
	}
	if (!pk_have_bpf_privileges()) {
		pk_error(run, "needs root, or CAP_BPF and CAP_PERFMON, to load BPF programs");
		return -EPERM;
	}
	err = pk_object__load(env.obj);
	/* kallsyms may have been read to check kprobe targets */
	pk_ksyms_release();
	if (err) {
		pk_error(run, "%s", pk_object__error(env.obj));
		if (pk_run__verbose(run) && pk_object__verifier_log(env.obj))
			fprintf(stderr, "%s", pk_object__verifier_log(env.obj));
	}
	return err;
}

/*
 * Whether the object has a stack map, whose user stacks need -c's command
 * held on its way out (the command_exit hook); the object is not open yet
 * when the command starts. Unsure means yes.
 */
static bool object_has_stack_map(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	const struct bpf_map *map;
	bool found = false;

	if (!obj)
		return true;
	bpf_object__for_each_map(map, obj) found |= bpf_map__type(map) == BPF_MAP_TYPE_STACK_TRACE;
	bpf_object__close(obj);
	return found;
}

static int run_main(struct pk_run *run)
{
	int status = 1, err, links;

	err = find_object(run);
	if (err)
		return 1;
	if (env.output)
		return keep_object(run);
	status = check_params(run);
	if (status)
		return status < 0 ? 0 : status;
	status = 1;
	/* -c: the command waits until the loop starts; its pid is the -p filter */
	if (pk_run__command(run)) {
		pid_t child;

		pk_run__set_command_exit(run, object_has_stack_map(env.obj_path));
		child = pk_run__spawn(run, pk_run__command(run));

		if (child < 0)
			return 1;
		env.pid = child;
	}
	err = load(run);
	if (!err)
		err = start_stacks(run);
	if (!err)
		err = start_events(run);
	if (!err)
		err = start_printk(run);
	if (!err)
		err = pk_run__serve_metrics(run, pk_object__bpf(env.obj), env.events);
	if (err)
		goto out;
	/* like mallocstacks: the traced process's end is the run's end (-c's
	 * end is watched by the runtime) */
	if (env.pid && !pk_run__child(run) && (err = pk_run__watch_pid(run, env.pid))) {
		pk_error(run, "cannot watch process %d: %s", env.pid, strerror(-err));
		goto out;
	}
	if (env.interval_ms)
		pk_run__set_interval(run, env.interval_ms);
	links = pk_attach__link_count(pk_object__attach(env.obj));
	pk_info(run, "using %s (%d link%s)%s%s", pk_mech_name(pk_object__mechanism(env.obj)),
		links, links == 1 ? "" : "s", env.events ? ", events through the " : "",
		env.events ? pk_events__kind(env.events) : "");
	status = pk_run__loop(run);
	if (finish(run) < 0)
		status = 1;
	if (env.events && (pk_events__lost(env.events) || pk_run__verbose(run)))
		fprintf(stderr, "%s: %llu event%s lost\n", pk_run__name(run),
			(unsigned long long)pk_events__lost(env.events),
			pk_events__lost(env.events) == 1 ? "" : "s");
out:
	pk_trace_pipe__free(env.tp);
	pk_events__free(env.events);
	run_events_free();
	run_stacks_free();
	if (env.events_epfd >= 0)
		close(env.events_epfd);
	if (env.events_timer >= 0)
		close(env.events_timer);
	pk_object__free(env.obj);
	pk_trace_format__free(env.printk_fmt);
	return status;
}

static const struct pk_option options[] = {
	{ "output", 'o', "FILE", "compile FILE.bpf.c into FILE (a .bpf.o) and exit" },
	{ "set", O_SET, "NAME=VALUE", "set the const volatile global NAME before load" },
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
	{ "folded", O_FOLDED, NULL, "maps of stack ids as folded stacks: frame;frame;frame COUNT" },
	{ "svg", O_SVG, "FILE", "write a flame graph of the maps of stack ids to FILE (SVG)" },
	{ "mechanism", O_MECHANISM, "NAME", "use only group members of this kind: fentry, "
					    "kprobe, tp_btf, raw_tp, tracepoint" },
	{ "buffer-pages", 'b', "PAGES", "event buffer pages per CPU, a power of two (64)" },
	{ "perf-buffer", O_PERF_BUFFER, NULL, "use the perf buffer even where a ring buffer works" },
	{},
};

const struct pk_tool run_tool = {
	.name = "run",
	.summary = "Compile, load and attach one BPF C file; echo its printk lines, print its maps.",
	.usage = "[OPTIONS] FILE.bpf.c | FILE.bpf.o",
	.examples = "  run task_switch.bpf.c            # its maps at Ctrl-C, as bcc's items()\n"
		    "  run -i 1 --clear counts.bpf.c    # every second, emptied each time\n"
		    "  run opensnoop_table.bpf.c        # PK_EVENT() records as a table\n"
		    "  run --fields trace_print.bpf.c   # printk lines as a table\n"
		    "  run --set target_pid=42 f.bpf.c  # a const volatile global, before load\n"
		    "  run -o f.bpf.o f.bpf.c           # compile only, keep the object\n"
		    "  run --svg a.svg -c ./prog m.bpf.c  # a flame graph of its stack maps\n"
		    "  run --metrics 9435 --quiet f.bpf.c # its maps for Prometheus\n",
	.options = options,
	.parse_opt = parse_opt,
	.parse_args = parse_args,
	.main = run_main,
	.tick = tick,
	.flags = PK_TOOL_LOOP | PK_TOOL_COMMAND | PK_TOOL_METRICS,
	.command_exit = command_exit,
};
