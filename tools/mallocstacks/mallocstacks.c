// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mallocstacks: bytes allocated by malloc(), calloc() and realloc() per
 * user stack in one process, as bcc's mallocstacks example prints them,
 * with folded (flame graph) and JSON output too.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <probekit/probekit.h>

#include "mallocstacks.h"
#include "mallocstacks.skel.h"

PK_SKEL_OPS(mallocstacks_bpf);

#define LIBC "c"
#define MAX_IMAGES 16

static struct {
	pid_t pid;
	unsigned long top;
	bool folded;
	/* --svg: the flame graph's file, checked before tracing starts */
	const char *svg;
	/* -c: the runtime started the command */
	bool child;
	/* one symbolizer per image the process exec'd, for their own maps */
	struct pk_usyms *usyms[MAX_IMAGES];
} env;

struct entry {
	struct mallocstacks_key key;
	struct mallocstacks_total total;
};

/* one program, told which function fired by the target's cookie */
static const struct {
	const char *target;
	enum mallocstacks_func cookie;
} probes[] = {
	{ LIBC ":malloc", MALLOCSTACKS_MALLOC },
	{ LIBC ":calloc", MALLOCSTACKS_CALLOC },
	{ LIBC ":realloc", MALLOCSTACKS_REALLOC },
};

/* The symbolizer for the process's image number @gen (0 before any exec). */
static struct pk_usyms *usyms_of(__u32 gen)
{
	__u32 i = gen < MAX_IMAGES ? gen : MAX_IMAGES - 1;

	if (!env.usyms[i])
		env.usyms[i] = pk_usyms__new(NULL);
	return env.usyms[i] ? env.usyms[i] : env.usyms[0];
}

static int parse_opt(struct pk_run *run, int key, const char *arg)
{
	switch (key) {
	case 'p':
		return pk_parse_pid_arg(run, "PID", arg, &env.pid);
	case 't':
		if (pk_parse_ulong(arg, 1000000000, &env.top) || !env.top)
			return pk_run__usage_error(run, "invalid number of stacks '%s'", arg);
		return 0;
	}
	return -EINVAL;
}

static int parse_args(struct pk_run *run, int argc, char **argv)
{
	if (argc)
		return pk_run__usage_error(run, "unexpected argument '%s'", argv[0]);
	if (!env.pid && !pk_run__command(run))
		return pk_run__usage_error(run, "give one of -p PID or -c COMMAND");
	/* the runtime's -f and --svg, checked already */
	env.folded = pk_run__folded(run);
	env.svg = pk_run__svg(run);
	return 0;
}

static int configure(struct pk_run *run, void *skel_ptr, enum pk_mech mech)
{
	struct mallocstacks_bpf *skel = skel_ptr;
	size_t i;
	int err = 0;

	(void)mech;
	if (pk_run__child(run)) {
		env.pid = pk_run__child(run);
		env.child = true;
	}
	skel->rodata->targ_tgid = env.pid;
	/* before its exec, a -c child maps our own libc: the system's */
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]) && !err; i++)
		err = pk_attach__add_target(pk_run__attach(run),
					    &(struct pk_target){ .prog = "alloc_enter",
								 .target = probes[i].target,
								 .pid = env.pid,
								 .cookie = probes[i].cookie });
	return err;
}

/* A short command's maps, read as it exits, so that its stacks still resolve. */
static void read_maps_at_exit(struct pk_run *run, pid_t pid)
{
	struct mallocstacks_bpf *skel = pk_run__skel(run);

	pk_usyms__load_pid(usyms_of(skel->bss->generation), pid);
	pk_run__info(run, "read the maps of pid %d as it exits", pid);
}

/* A static binary, or one with its own allocator, never calls libc's. */
static void check_libc_is_mapped(struct pk_run *run)
{
	char path[PATH_MAX], why[PATH_MAX + 256], mine[64];

	if (env.child || pk_uprobe_find_binary(LIBC, env.pid, path, sizeof(path), why, sizeof(why)))
		return;
	snprintf(mine, sizeof(mine), "/proc/%d/", env.pid);
	if (strncmp(path, mine, strlen(mine)))
		pk_run__error(run,
			      "warning: pid %d maps no libc; probing %s, which it may never call",
			      env.pid, path);
	else
		pk_run__info(run, "probing %s", path);
}

static int start(struct pk_run *run)
{
	int err;

	if (!usyms_of(0)) {
		pk_run__error(run, "cannot set up the symbolizer: %s", strerror(errno));
		return -1;
	}
	if (!env.child)
		pk_usyms__load_pid(usyms_of(0), env.pid);
	check_libc_is_mapped(run);
	pk_run__info(run, "attached %d uprobes to libc for pid %d",
		     pk_attach__count(pk_run__attach(run), PK_MECH_UPROBE), env.pid);
	/* the runtime watches a -c command itself */
	err = env.child ? 0 : pk_run__watch_pid(run, env.pid);
	if (err) {
		pk_run__error(run, "cannot watch pid %d: %s", env.pid, strerror(-err));
		return -1;
	}
	if (!pk_run__json(run) && !env.folded)
		fprintf(pk_run__out(run), "Attaching to malloc, calloc and realloc in pid %d, "
			"Ctrl-C to quit.\n", env.pid);
	return 0;
}

/*
 * The frames of @key, innermost first: the probed function, its caller
 * (from the key, unless the kernel's walk has it already), then the rest
 * of the kernel's walk.
 */
static int read_stack(struct pk_run *run, const struct mallocstacks_key *key, __u64 *ips)
{
	struct mallocstacks_bpf *skel = pk_run__skel(run);
	__u64 walk[MALLOCSTACKS_DEPTH];
	__s32 id = key->stack_id;
	int n = 0, i = 0;

	memset(walk, 0, sizeof(walk));
	if (id >= 0)
		bpf_map_lookup_elem(bpf_map__fd(skel->maps.stacks), &id, walk);
	if (walk[0])
		ips[n++] = walk[i++];
	if (key->caller && walk[1] != key->caller)
		ips[n++] = key->caller;
	for (; i < MALLOCSTACKS_DEPTH && walk[i] && n < MALLOCSTACKS_DEPTH + 1; i++)
		ips[n++] = walk[i];
	return n;
}

/* A new stack: look its frames up now, while the process and its maps
 * are there, so they still resolve if it exits before we print. */
static int on_new_stack(struct pk_run *run, const void *data, size_t size)
{
	__u64 ips[MALLOCSTACKS_DEPTH + 1];
	struct mallocstacks_event e;
	struct pk_usyms *u;
	struct pk_usym sym;
	int i, n;

	if (size < sizeof(e))
		return 0;
	/* a perf buffer record is only 4-byte aligned */
	memcpy(&e, data, sizeof(e));
	u = usyms_of(e.key.generation);
	if (e.kind == MALLOCSTACKS_EXEC) {
		/* the new image's maps, while they are there to read */
		pk_run__info(run, "pid %u exec'd (image %u)", e.pid, e.key.generation);
		pk_usyms__load_pid(u, e.pid);
		return 0;
	}
	n = read_stack(run, &e.key, ips);
	for (i = 0; i < n; i++)
		pk_usyms__resolve(u, e.pid, ips[i], 0, &sym);
	return 0;
}

static int by_bytes(const void *k1, const void *v1, const void *k2, const void *v2, void *ctx)
{
	const struct mallocstacks_total *x = v1, *y = v2;
	const struct mallocstacks_key *a = k1, *b = k2;

	(void)ctx;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (a->stack_id != b->stack_id)
		return a->stack_id < b->stack_id ? -1 : 1;
	return a->caller < b->caller ? -1 : a->caller > b->caller;
}

static void print_text(FILE *out, const struct entry *e, const __u64 *ips, int n)
{
	char buf[1024];
	int i;

	fprintf(out, "%" PRIu64 " bytes allocated at:\n", (uint64_t)e->total.bytes);
	if (e->key.stack_id < 0)
		fprintf(out, "\t[no user stack: %s]\n", strerror(-e->key.stack_id));
	for (i = 0; i < n; i++) {
		pk_usyms__sym(usyms_of(e->key.generation), env.pid, ips[i],
			      PK_USYM_OFFSET | PK_USYM_MODULE, buf,
			      sizeof(buf));
		fputc('\t', out);
		pk_fput_text(out, buf, strlen(buf));
		fputc('\n', out);
	}
}

/*
 * The name of frame @i of @e as folded output and the flame graph show
 * it; a stack of no frames gets one saying why.
 */
static void frame_name(const struct entry *e, const __u64 *ips, int n, int i, char *buf,
		       size_t size)
{
	if (n == 0)
		snprintf(buf, size, "%s", e->key.stack_id < 0 ? "[no user stack]" : "[unknown]");
	else
		pk_usyms__sym(usyms_of(e->key.generation), env.pid, ips[i], 0, buf, size);
}

/* The stack's frames, outermost first, as folded lines and the flame graph show them. */
static int folded_frames(const struct entry *e, const __u64 *ips, int n, const char **frames)
{
	static char names[MALLOCSTACKS_DEPTH + 1][512];
	int i, nr = n ? n : 1;

	for (i = 0; i < nr; i++) {
		frame_name(e, ips, n, nr - 1 - i, names[i], sizeof(names[i]));
		frames[i] = names[i];
	}
	return nr;
}

static int write_svg(struct pk_run *run, struct pk_flamegraph *fg)
{
	struct pk_flamegraph_opts opts = {
		.sz = sizeof(opts), .unit = "bytes", .title = "malloc, calloc and realloc bytes",
	};
	char why[4400];
	int err = pk_flamegraph__save(fg, env.svg, &opts, why, sizeof(why));

	if (err)
		pk_run__error(run, "%s", why);
	else
		pk_run__info(run, "%s", why);
	return err;
}

static void print_json(FILE *out, const struct entry *e, const __u64 *ips, int n)
{
	struct pk_usym s;
	struct pk_json j;
	char addr[32];
	int i;

	pk_json__begin(&j, out);
	pk_json__uint(&j, "pid", env.pid);
	pk_json__uint(&j, "bytes", e->total.bytes);
	pk_json__uint(&j, "allocations", e->total.calls);
	if (e->key.stack_id < 0)
		pk_json__str(&j, "stack_error", strerror(-e->key.stack_id), 128);
	pk_json__array_begin(&j, "stack");
	for (i = 0; i < n; i++) {
		pk_usyms__resolve(usyms_of(e->key.generation), env.pid, ips[i], 0, &s);
		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)ips[i]);
		pk_json__object_begin(&j, NULL);
		pk_json__str(&j, "addr", addr, sizeof(addr));
		if (s.name) {
			pk_json__str(&j, "symbol", s.name, strlen(s.name));
			pk_json__uint(&j, "offset", s.offset);
		} else {
			pk_json__null(&j, "symbol");
		}
		if (s.module)
			pk_json__str(&j, "module", s.module, strlen(s.module));
		else
			pk_json__null(&j, "module");
		pk_json__object_end(&j);
	}
	pk_json__array_end(&j);
	pk_json__end(&j);
}

static int finish(struct pk_run *run)
{
	FILE *out = pk_run__out(run);
	__u64 ips[MALLOCSTACKS_DEPTH + 1];
	struct mallocstacks_bpf *skel = pk_run__skel(run);
	struct pk_flamegraph *fg = NULL;
	const char *frames[MALLOCSTACKS_DEPTH + 1];
	struct pk_map_snapshot *snap;
	struct entry e;
	size_t nr, i, shown = 0;
	int err = 0, nf;

	if (!env.usyms[0])
		return 0;
	if (env.svg && !(fg = pk_flamegraph__new())) {
		pk_run__error(run, "cannot make the flame graph: %s", strerror(errno));
		return -1;
	}
	snap = pk_map_snapshot__new(bpf_map__fd(skel->maps.totals), NULL);
	if (!snap) {
		err = -errno;
		pk_run__error(run, "cannot read the totals: %s", strerror(errno));
	} else {
		pk_map_snapshot__sort(snap, by_bytes, NULL);
	}
	nr = snap ? pk_map_snapshot__count(snap) : 0;
	for (i = 0; i < nr && (!env.top || shown < env.top); i++) {
		int n;

		memcpy(&e.key, pk_map_snapshot__key(snap, i), sizeof(e.key));
		memcpy(&e.total, pk_map_snapshot__value(snap, i), sizeof(e.total));
		if (!e.total.bytes)
			continue;
		shown++;
		n = read_stack(run, &e.key, ips);
		nf = env.folded || fg ? folded_frames(&e, ips, n, frames) : 0;
		if (pk_run__json(run))
			print_json(out, &e, ips, n);
		else if (env.folded)
			pk_print_folded(out, frames, nf, e.total.bytes);
		else
			print_text(out, &e, ips, n);
		if (fg && !err && (err = pk_flamegraph__add(fg, frames, nf, e.total.bytes)))
			pk_run__error(run, "cannot add to the flame graph: %s",
				      pk_flamegraph__error(fg));
	}
	if (fg && !err)
		err = write_svg(run, fg);
	pk_flamegraph__free(fg);
	pk_map_snapshot__free(snap);
	for (i = 0; i < MAX_IMAGES; i++) {
		pk_usyms__free(env.usyms[i]);
		env.usyms[i] = NULL;
	}
	return err ? -1 : 0;
}

static const struct pk_option options[] = {
	{ "pid", 'p', "PID", "trace this process" },
	{ "top", 't', "N", "print only the N stacks that allocated most" },
	{},
};

static const char *const uprobe_progs[] = { "alloc_enter", NULL };

/* one uprobe_multi link detaches with one RCU grace period, three uprobes with three */
static const struct pk_variant variants[] = {
	{ PK_MECH_UPROBE_MULTI, uprobe_progs, NULL },
	{ PK_MECH_UPROBE, uprobe_progs, NULL },
	{},
};

const struct pk_tool mallocstacks_tool = {
	.name = "mallocstacks",
	.summary = "Count bytes allocated by malloc(), calloc() and realloc() per user stack.",
	.usage = "{-p PID | -c COMMAND} [-f] [--svg FILE] [-t N] [-d SECS]",
	.examples = "  mallocstacks -p 181            # until Ctrl-C or until 181 exits\n"
		    "  mallocstacks -c './app --x'    # run and trace a command\n"
		    "  mallocstacks -p 181 -d 5 -t 10 # the 10 biggest stacks after 5 s\n"
		    "  mallocstacks -p 181 -f > out.folded; flamegraph.pl out.folded > a.svg\n"
		    "  mallocstacks -p 181 --svg a.svg  # the flame graph, without flamegraph.pl\n",
	.options = options,
	.parse_opt = parse_opt,
	.parse_args = parse_args,
	.skel = &mallocstacks_bpf_ops,
	.variants = variants,
	.configure = configure,
	.start = start,
	.event = on_new_stack,
	.finish = finish,
	.flags = PK_TOOL_COMMAND | PK_TOOL_STACKS,
	.command_exit = read_maps_at_exit,
	/* events are new stacks only, 40 bytes: 8 pages per CPU hold 1,600 of them,
	 * and the ring (mapped twice) adds 128 KB to the peak RSS, not 1 MB */
	.buffer_pages = 8,
};
