// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stacksnoop: print the kernel stack each time a kernel function or a
 * tracepoint is hit, as bcc's stacksnoop example does.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <probekit/probekit.h>

#include "stacksnoop.h"
#include "stacksnoop.skel.h"

PK_SKEL_OPS(stacksnoop_bpf);

/* distinct stack ids (the map holds 4096) plus the errors, with room to spare */
#define COUNT_SLOTS 16384

/* --folded and --svg: hits per distinct stack, counted as events come */
struct stack_count {
	__s32 stack_id;
	bool used;
	__u64 hits;
};

static struct {
	bool offset, verbose, folded;
	/* --svg: the flame graph's file, checked before tracing starts */
	const char *svg;
	struct stack_count *counts;
	/* hits that found the table full */
	__u64 uncounted;
	pid_t pid;
	struct pk_probe_spec spec;
	/* what the FUNCTION column shows */
	char label[300];
	__u64 start_ns;
	/* t:syscalls:sys_{enter,exit}_NAME: NAME's number, and which end */
	long sys_nr;
	bool sys_exit;
	/* why a t:CAT:EVENT has no raw tracepoint variant, for -v */
	char no_raw[200];
	/* names the frames: the kernel's own lookup, or the kallsyms table */
	struct pk_kframes *kf;
} env = { .sys_nr = -1 };

/* one stack's frames, named (the event path allocates nothing) */
static struct pk_kframe frames_of[STACKSNOOP_MAX_FRAMES];

static const char *const fe_progs[] = { "fe_func", NULL };
static const char *const kp_progs[] = { "kp_func", NULL };
static const char *const tp_progs[] = { "tp_func", NULL };
static const char *const rt_progs[] = { "rt_func", NULL };
static const char *const rt_sys_progs[] = { "rt_sys", NULL };

/* Filled from the target once it is known: a tracepoint, or the ways to hook a function. */
static struct pk_variant variants[3];
static struct pk_target targets[3][2];

static int parse_opt(struct pk_run *run, int key, const char *arg)
{
	switch (key) {
	case 's': env.offset = true; return 0;
	case 'v': env.verbose = true; return 0;
	case 'p':
		return pk_parse_pid_arg(run, "PID", arg, &env.pid);
	}
	return -EINVAL;
}

/* "Tracepoint "x" not found.", with the nearest names from @walk. */
static void not_found(struct pk_run *run, const char *what, const char *name,
		      int (*walk)(pk_target_fn fn, void *arg), const char *fmt)
{
	struct pk_suggest *sg = pk_suggest__new(name, 3);
	char near[1024];

	if (sg && walk(pk_suggest__add_cb, sg) == 0 &&
	    pk_suggest__format(sg, fmt, near, sizeof(near)))
		pk_run__error(run, "%s \"%s\" not found. Did you mean %s?", what, name, near);
	else
		pk_run__error(run, "%s \"%s\" not found.", what, name);
	pk_suggest__free(sg);
}

/* Says early, as bcc does, that no such function exists; the library resolves clones. */
static int find_function(struct pk_run *run, const char *name)
{
	const struct pk_ksyms *ks = pk_ksyms();
	const struct pk_ksym *s;

	if (!ks) {
		pk_run__error(run, "cannot read /proc/kallsyms: %s", strerror(errno));
		return -errno;
	}
	s = pk_ksyms__function(ks, name);
	if (!s) {
		not_found(run, "Function", name, pk_targets_kallsyms_functions, NULL);
		return -ENOENT;
	}
	if (strcmp(s->name, name))
		pk_run__info(run, "%s is %s in this kernel", name, s->name);
	return 0;
}

/*
 * Says, before anything is loaded, that no allowed way to hook a kernel
 * function works here and why, instead of a string of failed loads.
 */
static int check_function_hooks(struct pk_run *run, int nr)
{
	char reasons[1024] = "", why[512];
	size_t len = 0;
	int i;

	if (!pk_have_bpf_privileges())
		return 0; /* the runtime says what is missing */
	for (i = 0; i < nr; i++) {
		if (pk_mech_usable(variants[i].mech, why, sizeof(why)))
			return 0;
		len += snprintf(reasons + len, len < sizeof(reasons) ? sizeof(reasons) - len : 0,
				"%s%s: %s", i ? "; " : "", pk_mech_name(variants[i].mech), why);
	}
	pk_run__error(run,
		      "cannot trace kernel function %s: this kernel can hook no kernel function "
		      "(%s). Trace a tracepoint instead, such as t:syscalls:sys_enter_connect "
		      "(the list is in /sys/kernel/tracing/events)",
		      env.spec.name, reasons);
	return -EOPNOTSUPP;
}

/* Variant @i: @progs, attached to @target. */
static void set_variant(int i, enum pk_mech mech, const char *const *progs, const char *target)
{
	targets[i][0] = (struct pk_target){ .prog = progs[0], .target = target };
	variants[i] = (struct pk_variant){ mech, progs, NULL, targets[i] };
}

static int target_function(struct pk_run *run)
{
	enum pk_probe_kind kind = env.spec.kind;
	int nr = 0, err;

	err = find_function(run, env.spec.name);
	if (err)
		return err;
	if (kind == PK_PROBE_KFUNC || kind == PK_PROBE_FENTRY)
		set_variant(nr++, PK_MECH_FENTRY, fe_progs, env.spec.name);
	if (kind == PK_PROBE_KFUNC || kind == PK_PROBE_KPROBE)
		set_variant(nr++, PK_MECH_KPROBE, kp_progs, env.spec.name);
	snprintf(env.label, sizeof(env.label), "%s", env.spec.name);
	return check_function_hooks(run, nr);
}

/*
 * The raw tracepoint that t:@cat:@event is a view of, into @raw: the one
 * of the same name, or for syscalls:sys_enter_NAME (sys_exit_NAME) the raw
 * sys_enter (sys_exit) with NAME's number. Empty, with env.no_raw, when
 * there is none (dynamic kprobe/uprobe events, a syscall we have no number for).
 */
static void raw_view(const char *cat, const char *event, char *raw, size_t size)
{
	const char *name = NULL;

	raw[0] = '\0';
	if (!strcmp(cat, "kprobes") || !strcmp(cat, "uprobes") || !strcmp(cat, "ftrace")) {
		snprintf(env.no_raw, sizeof(env.no_raw), "%s events are not tracepoints", cat);
		return;
	}
	if (strcmp(cat, "syscalls")) {
		snprintf(raw, size, "%s", event);
		return;
	}
	if (!strncmp(event, "sys_enter_", 10))
		name = event + 10;
#if defined(__x86_64__)
	/* elsewhere the raw sys_exit program cannot tell the syscall (syscalls.bpf.h) */
	else if (!strncmp(event, "sys_exit_", 9))
		name = event + 9;
#endif
	env.sys_nr = name ? pk_syscall_nr(name) : -ENOENT;
	/* SYSCALL_DEFINE(newstat) is the syscall x86_64 numbers as stat */
	if (env.sys_nr < 0 && name && !strncmp(name, "new", 3))
		env.sys_nr = pk_syscall_nr(name + 3);
	if (env.sys_nr < 0) {
		snprintf(env.no_raw, sizeof(env.no_raw), "no syscall number known for %s", event);
		return;
	}
	env.sys_exit = !strncmp(event, "sys_exit_", 9);
	snprintf(raw, size, "%s", env.sys_exit ? "sys_exit" : "sys_enter");
}

static int target_tracepoint(struct pk_run *run)
{
	static char raw[256];
	const char *cat = env.spec.target, *event = env.spec.name;
	int nr = 0;

	snprintf(env.label, sizeof(env.label), "%s:%s", cat, event);
	/* without privileges tracefs may be unreadable; the runtime says so */
	if (pk_have_bpf_privileges() && !pk_tracepoint_exists(cat, event)) {
		char name[300];

		snprintf(name, sizeof(name), "%s:%s", cat, event);
		not_found(run, "Tracepoint", name, pk_targets_tracepoints, "t:%s");
		return -ENOENT;
	}
	/*
	 * The raw tracepoint first: stacksnoop needs the stack, not the fields,
	 * and a classic tracepoint waits an RCU grace period when detached
	 * (90 ms of a 100 ms exit). Where the raw one is missing, the attach
	 * layer says so and falls back.
	 */
	raw_view(cat, event, raw, sizeof(raw));
	if (raw[0])
		set_variant(nr++, PK_MECH_RAW_TP, env.sys_nr >= 0 ? rt_sys_progs : rt_progs, raw);
	set_variant(nr, PK_MECH_TRACEPOINT, tp_progs, env.label);
	return 0;
}

static int target_raw_tracepoint(struct pk_run *run)
{
	char sec[300], why[256];

	snprintf(env.label, sizeof(env.label), "%s", env.spec.name);
	snprintf(sec, sizeof(sec), "tp_btf/%s", env.spec.name);
	/* raw tracepoints are named in the kernel's BTF as btf_trace_<name> */
	if (pk_have_bpf_privileges() && !pk_attach_target_exists(sec, why, sizeof(why))) {
		not_found(run, "Raw tracepoint", env.spec.name, pk_targets_raw_tracepoints,
			  "raw_tp:%s");
		return -ENOENT;
	}
	set_variant(0, PK_MECH_RAW_TP, rt_progs, env.spec.name);
	return 0;
}

static int parse_args(struct pk_run *run, int argc, char **argv)
{
	/* the runtime's --folded and --svg, checked already */
	env.folded = pk_run__folded(run);
	env.svg = pk_run__svg(run);
	if (argc != 1)
		return pk_run__usage_error(
		    run,
		    argc ? "give one function or tracepoint, not %d"
			 : "give a kernel function or a tracepoint (see --help)",
		    argc);
	if (pk_probe_spec_parse(argv[0], &env.spec))
		return pk_run__usage_error(run,
					   "cannot read '%s': give a kernel function (func, "
					   "k:func, f:func) or a tracepoint (t:category:event, "
					   "raw_tp:name)",
					   argv[0]);
	switch (env.spec.kind) {
	case PK_PROBE_KFUNC:
	case PK_PROBE_KPROBE:
	case PK_PROBE_FENTRY:
		return target_function(run);
	case PK_PROBE_TRACEPOINT:
		return target_tracepoint(run);
	case PK_PROBE_RAW_TP:
		return target_raw_tracepoint(run);
	default:
		return pk_run__usage_error(run,
					   "'%s' is a %s probe: stacksnoop traces kernel functions "
					   "and tracepoints",
					   argv[0], pk_probe_kind_name(env.spec.kind));
	}
}

static __u64 now_ns(void)
{
	struct timespec ts;

	/* the clock of bpf_ktime_get_ns() */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int configure(struct pk_run *run, void *skel_ptr, enum pk_mech mech)
{
	struct stacksnoop_bpf *skel = skel_ptr;

	/* -c: the command the runtime started */
	skel->rodata->targ_tgid = env.pid ? env.pid : pk_run__child(run);
	/* only the program of the chosen way loads */
	bpf_program__set_autoload(skel->progs.fe_func, mech == PK_MECH_FENTRY);
	bpf_program__set_autoload(skel->progs.kp_func, mech == PK_MECH_KPROBE);
	bpf_program__set_autoload(skel->progs.tp_func, mech == PK_MECH_TRACEPOINT);
	bpf_program__set_autoload(skel->progs.rt_func, mech == PK_MECH_RAW_TP && env.sys_nr < 0);
	bpf_program__set_autoload(skel->progs.rt_sys, mech == PK_MECH_RAW_TP && env.sys_nr >= 0);
	skel->rodata->targ_nr = env.sys_nr;
	skel->rodata->targ_exit = env.sys_exit;
	env.start_ns = now_ns();
	return 0;
}

/* -v: why a t:CAT:EVENT is (or is not) on a raw tracepoint. */
static void explain_mechanism(struct pk_run *run, enum pk_mech mech)
{
	if (env.spec.kind != PK_PROBE_TRACEPOINT)
		return;
	if (mech == PK_MECH_RAW_TP && env.sys_nr >= 0)
		pk_run__info(run,
			     "raw_tp: %s as the raw tracepoint %s, syscall %ld only: the same "
			     "hits and stacks, and no RCU grace period to wait for at exit",
			     env.label, env.sys_exit ? "sys_exit" : "sys_enter", env.sys_nr);
	else if (mech == PK_MECH_RAW_TP)
		pk_run__info(run,
			     "raw_tp: %s as the raw tracepoint %s: the same hits and stacks, "
			     "and no RCU grace period to wait for at exit",
			     env.label, env.spec.name);
	else if (env.no_raw[0])
		pk_run__info(run, "tracepoint: no raw tracepoint for %s (%s)", env.label,
			     env.no_raw);
}

static int start(struct pk_run *run)
{
	const struct pk_ksyms *ks;
	FILE *out = pk_run__out(run);
	enum pk_mech mech = pk_run__mechanism(run);

	if (env.folded || env.svg) {
		env.counts = calloc(COUNT_SLOTS, sizeof(*env.counts));
		if (!env.counts) {
			pk_run__error(run, "cannot count stacks: %s", strerror(errno));
			return -ENOMEM;
		}
	}
	pk_run__info(run, "%d %s attached", pk_attach__count(pk_run__attach(run), mech),
		     pk_mech_name(mech));
	explain_mechanism(run, mech);
	/*
	 * The table the function check may have read is not needed when the
	 * kernel names the frames (4 MB less); otherwise it is read again now
	 * that our programs are in kallsyms, so the first stack prints at once.
	 */
	pk_ksyms_release();
	env.kf = pk_kframes__new(NULL);
	if (!env.kf) {
		pk_run__error(run, "cannot name kernel stacks: %s", strerror(errno));
		return -ENOMEM;
	}
	if (pk_kframes__kernel(env.kf)) {
		pk_run__info(run, "stacks: named by the kernel's kallsyms (bpf_snprintf %%pS)");
	} else {
		pk_run__info(run, "stacks: named from /proc/kallsyms (%s)",
			     pk_kframes__error(env.kf));
		ks = pk_ksyms();
		if (!ks)
			pk_run__error(run, "cannot read /proc/kallsyms (%s): stacks show [unknown]",
				      strerror(errno));
		else if (pk_ksyms__addrs_hidden(ks))
			pk_run__error(run, "kernel addresses are hidden from this process "
					   "(kptr_restrict): stacks show [unknown]");
	}
	if (pk_run__json(run) || env.folded)
		return 0;
	if (env.verbose)
		fprintf(out, "%-18s %-12s %-6s %-3s %s\n", "TIME(s)", "COMM", "PID", "CPU",
			"FUNCTION");
	else
		fprintf(out, "%-18s %s\n", "TIME(s)", "FUNCTION");
	return 0;
}

/*
 * A tracepoint's own glue, which calls the program: __bpf_trace_EVENT
 * for a raw tracepoint, perf_trace_EVENT (perf_syscall_enter/exit for
 * syscalls) for a classic one, __traceiter_EVENT on some kernels.
 */
static bool tracepoint_glue(const char *name)
{
	static const char *const prefixes[] = { "__bpf_trace_", "perf_trace_", "perf_syscall_",
						"__traceiter_" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	}
	return false;
}

/*
 * The frames of the tracing machinery (our BPF program, its trampoline,
 * bpf_trace_run2, a tracepoint's glue) come first: leave them out, so the
 * stack starts at the traced code, and a t:CAT:EVENT shows the same stack
 * on its raw tracepoint as on the classic one.
 */
static int skip_machinery(const struct pk_kframe *f, int n)
{
	bool tp = env.spec.kind == PK_PROBE_TRACEPOINT || env.spec.kind == PK_PROBE_RAW_TP;
	int i, skip = 0;

	/*
	 * An unnamed frame above a named piece of machinery is our program
	 * itself, which a kallsyms read racing other processes' BPF programs
	 * can miss: it goes too.
	 */
	for (i = 0; i < n; i++) {
		if (!f[i].name)
			continue;
		if (!((f[i].module && !strcmp(f[i].module, "bpf")) ||
		      !strncmp(f[i].name, "bpf_trace_run", 13) || (tp && tracepoint_glue(f[i].name))))
			break;
		skip = i + 1;
	}
	return skip < n ? skip : 0;
}

/* Names @n frames of @ips into frames_of, in one call; @n < 0 (no stack) passes through. */
static int name_frames(const __u64 *ips, int n)
{
	int err = n > 0 ? pk_kframes__resolve(env.kf, ips, n, frames_of) : n;

	return err < 0 && n > 0 ? 0 : err;
}

static void print_json(FILE *out, const struct stacksnoop_event *e, double ts,
		       const struct pk_kframe *frames, int n)
{
	unsigned int flags = env.offset ? PK_KSYM_OFFSET : 0;
	struct pk_json j;
	char sym[256];
	int i;

	pk_json__begin(&j, out);
	pk_json__double(&j, "time", ts);
	pk_json__uint(&j, "pid", e->pid);
	pk_json__uint(&j, "tid", e->tid);
	pk_json__uint(&j, "cpu", e->cpu);
	pk_json__str(&j, "comm", e->comm, sizeof(e->comm));
	pk_json__str(&j, "function", env.label, strlen(env.label));
	if (n < 0)
		pk_json__str(&j, "stack_error", pk_stack_error(n), strlen(pk_stack_error(n)));
	pk_json__array_begin(&j, "stack");
	for (i = 0; i < n; i++) {
		pk_kframe__format(&frames[i], flags, sym, sizeof(sym));
		pk_json__str(&j, NULL, sym, strlen(sym));
	}
	pk_json__array_end(&j);
	pk_json__end(&j);
}

/*
 * Some kernels (6.1 does) hand syscall tracepoint programs the registers
 * of user space, where no kernel stack starts. Say so once.
 */
static void explain_no_stack(struct pk_run *run)
{
	static bool said;

	if (said || pk_run__mechanism(run) != PK_MECH_TRACEPOINT ||
	    strcmp(env.spec.target, "syscalls"))
		return;
	said = true;
	pk_run__error(run,
		      "this kernel gives syscall tracepoints the user-space registers, so they "
		      "have no kernel stack; raw_tp:sys_enter (every system call) has one");
}

/* One more hit of @stack_id, in an open-addressing table made at start. */
static void count_stack(__s32 stack_id)
{
	__u32 h = (__u32)stack_id * 2654435761u, i;

	for (i = 0; i < COUNT_SLOTS; i++) {
		struct stack_count *c = &env.counts[(h + i) % COUNT_SLOTS];

		if (!c->used) {
			c->used = true;
			c->stack_id = stack_id;
		}
		if (c->stack_id == stack_id) {
			c->hits++;
			return;
		}
	}
	env.uncounted++;
}

static int print_event(struct pk_run *run, const void *data, size_t size)
{
	const struct stacksnoop_event *e = data;
	struct stacksnoop_bpf *skel = pk_run__skel(run);
	FILE *out = pk_run__out(run);
	__u64 ips[STACKSNOOP_MAX_FRAMES];
	const struct pk_kframe *frames;
	char comm[4 * STACKSNOOP_COMM_LEN + 1], sym[256];
	struct pk_line l;
	size_t len;
	double ts;
	int n, skip, i;

	if (size < sizeof(*e))
		return 0;
	if (env.counts)
		count_stack(e->stack_id);
	if (env.folded)
		return 0;
	ts = e->ts_ns > env.start_ns ? (e->ts_ns - env.start_ns) / 1e9 : 0;
	n = e->stack_id < 0 ? e->stack_id :
			      pk_stack_read_map(skel->maps.stacks, e->stack_id, ips,
					    STACKSNOOP_MAX_FRAMES);
	n = name_frames(ips, n);
	skip = n > 0 ? skip_machinery(frames_of, n) : 0;
	frames = frames_of + skip;
	n -= skip;
	if (pk_run__json(run)) {
		print_json(out, e, ts, frames, n);
		return 0;
	}
	pk_line__begin(&l, out);
	pk_line__fixed(&l, ts, 9, -18);
	pk_line__char(&l, ' ');
	if (env.verbose) {
		/* "%-12.12s": the escaped name, cut at 12 bytes */
		len = pk_escape_text(comm, sizeof(comm), e->comm, sizeof(e->comm));
		pk_line__raw(&l, comm, len < 12 ? len : 12);
		pk_line__raw(&l, "            ", len < 12 ? 12 - len : 0);
		pk_line__char(&l, ' ');
		pk_line__uint(&l, e->pid, -6);
		pk_line__char(&l, ' ');
		pk_line__uint(&l, e->cpu, -3);
		pk_line__char(&l, ' ');
	}
	pk_line__str(&l, env.label);
	pk_line__end(&l);
	if (n == -EFAULT)
		explain_no_stack(run);
	/* the stack in one fwrite too */
	pk_line__begin(&l, out);
	if (n < 0) {
		pk_line__str(&l, "\t[no stack: ");
		pk_line__str(&l, pk_stack_error(n));
		pk_line__str(&l, "]\n");
	}
	for (i = 0; i < n; i++) {
		pk_line__char(&l, '\t');
		pk_line__str(&l, pk_kframe__format(&frames[i], env.offset ? PK_KSYM_OFFSET : 0, sym,
						   sizeof(sym)));
		pk_line__char(&l, '\n');
	}
	pk_line__char(&l, '\n');
	pk_line__flush(&l);
	return 0;
}

static int by_hits(const void *a, const void *b)
{
	const struct stack_count *x = a, *y = b;

	if (x->used != y->used)
		return x->used ? -1 : 1;
	if (x->hits != y->hits)
		return x->hits > y->hits ? -1 : 1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

/*
 * The frames of one counted stack, outermost first, as --folded and the
 * flame graph show them; a stack not taken is one frame saying why.
 */
static int stack_names(struct pk_run *run, __s32 stack_id, char (*names)[256])
{
	struct stacksnoop_bpf *skel = pk_run__skel(run);
	unsigned int flags = env.offset ? PK_KSYM_OFFSET : 0;
	__u64 ips[STACKSNOOP_MAX_FRAMES];
	int n, skip, i;

	n = stack_id < 0 ? stack_id :
			   pk_stack_read_map(skel->maps.stacks, stack_id, ips,
					 STACKSNOOP_MAX_FRAMES);
	if (n <= 0) {
		snprintf(names[0], sizeof(names[0]), "[no stack: %s]",
			 n ? pk_stack_error(n) : "empty");
		return 1;
	}
	n = name_frames(ips, n);
	skip = skip_machinery(frames_of, n);
	for (i = skip; i < n; i++)
		pk_kframe__format(&frames_of[i], flags, names[n - 1 - i], sizeof(names[0]));
	return n - skip;
}

static int write_svg(struct pk_run *run, struct pk_flamegraph *fg)
{
	char title[400], why[4400];
	struct pk_flamegraph_opts opts = {
		.sz = sizeof(opts), .unit = "hits", .title = title,
	};
	int err;

	snprintf(title, sizeof(title), "Kernel stacks at %s", env.label);
	err = pk_flamegraph__save(fg, env.svg, &opts, why, sizeof(why));
	if (err)
		pk_run__error(run, "%s", why);
	else
		pk_run__info(run, "%s", why);
	return err;
}

/* --folded and --svg: every distinct stack with its hits, most first. */
static int finish_counts(struct pk_run *run)
{
	static char names[STACKSNOOP_MAX_FRAMES][256];
	const char *frames[STACKSNOOP_MAX_FRAMES];
	struct pk_flamegraph *fg = NULL;
	int i, n, err = 0;

	if (!env.counts)
		return 0;
	if (env.svg && !(fg = pk_flamegraph__new())) {
		pk_run__error(run, "cannot make the flame graph: %s", strerror(errno));
		err = -ENOMEM;
	}
	qsort(env.counts, COUNT_SLOTS, sizeof(*env.counts), by_hits);
	for (i = 0; !err && i < COUNT_SLOTS && env.counts[i].used; i++) {
		n = stack_names(run, env.counts[i].stack_id, names);
		for (int k = 0; k < n; k++)
			frames[k] = names[k];
		if (env.folded)
			pk_print_folded(pk_run__out(run), frames, n, env.counts[i].hits);
		if (!fg)
			continue;
		err = pk_flamegraph__add(fg, frames, n, env.counts[i].hits);
		if (err)
			pk_run__error(run, "cannot add to the flame graph: %s",
				      pk_flamegraph__error(fg));
	}
	if (env.uncounted)
		pk_run__error(run, "%llu hits were not counted: more distinct stacks than %d",
			      (unsigned long long)env.uncounted, COUNT_SLOTS);
	if (fg && !err)
		err = write_svg(run, fg);
	pk_flamegraph__free(fg);
	free(env.counts);
	env.counts = NULL;
	return err ? -1 : 0;
}

static int finish(struct pk_run *run)
{
	int err = finish_counts(run);

	pk_kframes__free(env.kf);
	env.kf = NULL;
	return err;
}

static const struct pk_option options[] = {
	{ "pid", 'p', "PID", "only trace this process" },
	{ "offset", 's', NULL, "show address offsets (name+0x1f)" },
	{ "verbose-columns", 'v', NULL, "print more fields: COMM, PID and CPU" },
	{},
};

const struct pk_tool stacksnoop_tool = {
	.name = "stacksnoop",
	.summary = "Print the kernel stack on each call of a kernel function or hit of a "
		   "tracepoint.",
	.usage = "[-sv] [-p PID | -c COMMAND] [-d SECS] [--json | --folded] [--svg FILE] "
		 "{FUNCTION | t:CATEGORY:EVENT | raw_tp:NAME}",
	.examples = "  stacksnoop tcp_v4_connect                # fentry, or else kprobe\n"
		    "  stacksnoop -s k:tcp_v4_connect           # kprobe only, with offsets\n"
		    "  stacksnoop t:syscalls:sys_enter_connect  # a tracepoint\n"
		    "  stacksnoop raw_tp:sched_switch           # a raw tracepoint\n"
		    "  stacksnoop -v -p 181 tracepoint:sched:sched_process_exit\n"
		    "  stacksnoop -c 'ls /' t:syscalls:sys_enter_getdents64  # only a command\n"
		    "  stacksnoop -d 5 --folded --svg out.svg raw_tp:sched_switch  # hits per stack\n",
	.options = options,
	.parse_opt = parse_opt,
	.parse_args = parse_args,
	.skel = &stacksnoop_bpf_ops,
	.variants = variants,
	.configure = configure,
	.start = start,
	.event = print_event,
	.finish = finish,
	.flags = PK_TOOL_COMMAND | PK_TOOL_STACKS,
};
