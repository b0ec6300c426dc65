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
#include <malloc.h>
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

#define LOST_REPORT_MS 1000
#define OUT_BUFFER_SIZE (64 * 1024)

static volatile sig_atomic_t signalled;
/* when the first SIGINT or SIGTERM arrived (CLOCK_MONOTONIC ns), for -v */
static volatile long long signalled_ns;
static char out_buffer[OUT_BUFFER_SIZE];

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

pid_t pk_run__declared_pid(const struct pk_run *run)
{
	return run ? run->declared.pid : 0;
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
	/* clock_gettime() is async-signal-safe: on_signal() calls this */
	return pk__clock_ns(CLOCK_MONOTONIC);
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

/* pk_object's question at open: PK_PROGS_WHEN() of an option this run does not set. */
static bool program_left_out(const char *prog, void *ctx)
{
	const struct pk_run *run = ctx;

	return pk__declared_prog_off(&run->declared, prog);
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
	return pk__clock_ns(CLOCK_MONOTONIC) / 1000000;
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
	opts->leave_out = program_left_out;
	opts->ctx = run;
	if (!opts->pid)
		opts->pid = run->child.pid;
	if (!opts->sample_freq)
		opts->sample_freq = pk__declared_sample_freq(&run->declared);
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

/*
 * Once loaded, what only the load needed is given back: the declarations'
 * object, then the heap's free pages. glibc returns freed memory to the
 * kernel only from the top of the heap, and the load frees ~150 KB below
 * what the run keeps (libbpf's ELF and BTF work): malloc_trim() releases
 * those pages too, once, before the run's own buffers are made, so that
 * they do not count in its peak RSS.
 */
static void loaded(struct pk_run *run)
{
	pk__declared_loaded(&run->declared);
	malloc_trim(0);
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
	if (err)
		return 1;
	loaded(run);
	if (open_events(run))
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
	/* a signal that came once the loop was left (the traced process ended) took no stopping */
	long long start =
	    signalled && signalled_ns < run->stopped_ns ? signalled_ns : run->stopped_ns;

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
	status = pk__run_parse_command_line(&run, argc, argv);
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
