// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loading a tool's BPF object with fallback: each variant (fentry, kprobe,
 * tracepoint...) is checked against what the kernel allows before anything
 * is loaded, so a variant that cannot work costs no load and no libbpf
 * error noise; one that fails anyway is unloaded and the next is tried.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <probekit/attach.h>
#include <probekit/features.h>
#include <probekit/privileges.h>

#include "load.h"

struct target_slot {
	struct pk_target t;
	/* the name attached to, such as a kprobe's compiler clone */
	char resolved[256];
	bool usable;
};

/* A link made with the bpf() syscall, and how many functions it hooks. */
struct raw_link {
	int fd;
	int functions;
};

enum { T_PROBE, T_BTF, T_OPEN, T_LOAD, T_ATTACH, T__COUNT };

/* wall and CPU clocks at once: a busy machine stretches the first only */
struct lap_clock {
	long long wall, cpu;
};

static struct lap_clock lap_start(void)
{
	return (struct lap_clock){ pk__clock_ns(CLOCK_MONOTONIC), pk__clock_ns(CLOCK_PROCESS_CPUTIME_ID) };
}

struct pk_attach {
	const struct pk_skel_ops *ops;
	const struct pk_variant *variants;
	struct pk_attach_opts opts;
	/* the BTF file CO-RE relocations use instead of the kernel's, or NULL */
	const char *btf_file;
	/* the kernel's BTF cut down for this object's CO-RE, in the cache, or
	 * (pid set) being made there for the next start */
	struct pk__core_btf_job core_btf;
	bool core_btf_wanted;
	void *skel;
	enum pk_mech mech;
	struct bpf_link **links;
	/* the kind of program each link runs, known when it was added */
	enum pk_mech *link_kinds;
	int nr_links;
	/* uprobe_multi links, which libbpf 1.1 cannot hold: their fds */
	struct raw_link *raw;
	int nr_raw;
	/* the targets of the variant being tried: its own, then configure's */
	struct target_slot *targets;
	int nr_targets;
	const struct pk_variant *trying;
	bool names_checked;
	/* a mistake in the caller's tables: no other variant is tried */
	bool fatal;
	char fatal_why[256];
	char error[1024];
	/* the whole verifier log of the last rejected program */
	char *verifier_log;
	/* where pk_attach__load()'s time went (ns), said under -v */
	long long ns[T__COUNT], cpu_ns[T__COUNT];
};

/* Adds the time since *@since to part @t and restarts the clock. */
static void lap(struct pk_attach *att, int t, struct lap_clock *since)
{
	struct lap_clock now = lap_start();

	att->ns[t] += now.wall - since->wall;
	att->cpu_ns[t] += now.cpu - since->cpu;
	*since = now;
}

static const char *const mech_names[PK_MECH__COUNT] = {
	[PK_MECH_AUTO] = "auto",	 [PK_MECH_FENTRY] = "fentry", [PK_MECH_KPROBE] = "kprobe",
	[PK_MECH_TP_BTF] = "tp_btf",	 [PK_MECH_RAW_TP] = "raw_tp",
	[PK_MECH_TRACEPOINT] = "tracepoint", [PK_MECH_UPROBE] = "uprobe",
	[PK_MECH_UPROBE_MULTI] = "uprobe_multi",
};

static const enum pk_feature mech_feature[PK_MECH__COUNT] = {
	[PK_MECH_FENTRY] = PK_FEAT_KFUNC,	  [PK_MECH_KPROBE] = PK_FEAT_KPROBE,
	[PK_MECH_TP_BTF] = PK_FEAT_TP_BTF,	  [PK_MECH_RAW_TP] = PK_FEAT_RAW_TP,
	[PK_MECH_TRACEPOINT] = PK_FEAT_TRACEPOINT, [PK_MECH_UPROBE] = PK_FEAT_UPROBE,
	[PK_MECH_UPROBE_MULTI] = PK_FEAT_UPROBE_MULTI,
};

const char *pk_mech_name(enum pk_mech mech)
{
	return (unsigned int)mech < PK_MECH__COUNT ? mech_names[mech] : "unknown";
}

int pk_mech_by_name(const char *name, enum pk_mech *mech)
{
	int i;

	if (!strcmp(name, "kfunc"))
		name = "fentry";
	else if (!strcmp(name, "tp"))
		name = "tracepoint";
	for (i = PK_MECH_FENTRY; i < PK_MECH__COUNT; i++) {
		if (!strcmp(name, mech_names[i])) {
			*mech = i;
			return 0;
		}
	}
	return -EINVAL;
}

struct pk_attach *pk_attach__new(const struct pk_skel_ops *ops, const struct pk_variant *variants,
				 const struct pk_attach_opts *opts)
{
	struct pk_attach *att;

	if (!ops || !variants || !PK_OPTS_VALID(opts, pk_attach_opts)) {
		errno = EINVAL;
		return NULL;
	}
	att = calloc(1, sizeof(*att));
	if (!att)
		return NULL;
	att->ops = ops;
	att->variants = variants;
	att->opts.sz = sizeof(att->opts);
	att->opts.mechanism = PK_OPTS_GET(opts, mechanism, PK_MECH_AUTO);
	att->opts.configure = PK_OPTS_GET(opts, configure, NULL);
	att->opts.ctx = PK_OPTS_GET(opts, ctx, NULL);
	att->opts.log = PK_OPTS_GET(opts, log, NULL);
	att->opts.btf_path = PK_OPTS_GET(opts, btf_path, NULL);
	return att;
}

static void explain(struct pk_attach *att, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void explain(struct pk_attach *att, const char *fmt, ...)
{
	va_list ap;

	if (!att->opts.log)
		return;
	va_start(ap, fmt);
	vfprintf(att->opts.log, fmt, ap);
	va_end(ap);
	fputc('\n', att->opts.log);
}

static bool in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++) {
		if (!strcmp(*list, name))
			return true;
	}
	return false;
}

/* Whether @name belongs to a variant other than @v. */
static bool in_other_variant(const struct pk_attach *att, const struct pk_variant *v,
			     const char *name)
{
	const struct pk_variant *o;

	for (o = att->variants; o->mech != PK_MECH_AUTO; o++) {
		if (o != v && (in_list(o->progs, name) || in_list(o->optional, name)))
			return true;
	}
	return false;
}

/*
 * @fn on each of @n items of @size bytes at @items, side by side in threads
 * (at most 32 at once): detaching a link waits for RCU grace periods, and
 * where no kernel lock orders them, their waits overlap.
 */
static void in_parallel(void *(*fn)(void *), void *items, size_t size, int n)
{
	enum { MAX_THREADS = 32 };
	pthread_t threads[MAX_THREADS];
	bool started[MAX_THREADS];
	char *item = items;
	int i, batch;

	for (; n > 0; n -= batch, item += batch * size) {
		batch = n < MAX_THREADS ? n : MAX_THREADS;
		for (i = 1; i < batch; i++) {
			started[i] = !pthread_create(&threads[i], NULL, fn, item + i * size);
			if (!started[i])
				fn(item + i * size);
		}
		fn(item);
		for (i = 1; i < batch; i++) {
			if (started[i])
				pthread_join(threads[i], NULL);
		}
	}
}

static void *destroy_link(void *slot)
{
	bpf_link__destroy(*(struct bpf_link **)slot);
	return NULL;
}

/*
 * Detaching a link can wait for an RCU grace period. One after another, six
 * links took half a second here; side by side, the waits overlap where the
 * kernel takes no lock around them (classic tracepoints and perf-event
 * uprobes take event_mutex, so theirs still come one at a time).
 */
static void destroy_links(struct bpf_link **links, int n)
{
	in_parallel(destroy_link, links, sizeof(*links), n);
}

static void clear_targets(struct pk_attach *att)
{
	int i;

	for (i = 0; i < att->nr_targets; i++) {
		free((char *)att->targets[i].t.prog);
		free((char *)att->targets[i].t.target);
	}
	free(att->targets);
	att->targets = NULL;
	att->nr_targets = 0;
}

static void *close_raw_link(void *raw)
{
	close(((struct raw_link *)raw)->fd);
	return NULL;
}

/*
 * A uprobe_multi link's release waits for RCU grace periods under no lock
 * the others need: closed side by side, their waits overlap (memleak -p's
 * 20 functions detach in ~0.1 s so, where 20 perf-event uprobes took 1.7 s).
 */
static void close_raw_links(struct pk_attach *att)
{
	in_parallel(close_raw_link, att->raw, sizeof(*att->raw), att->nr_raw);
	free(att->raw);
	att->raw = NULL;
	att->nr_raw = 0;
}

static void detach_all(struct pk_attach *att)
{
	close_raw_links(att);
	destroy_links(att->links, att->nr_links);
	free(att->links);
	free(att->link_kinds);
	att->links = NULL;
	att->link_kinds = NULL;
	att->nr_links = 0;
	clear_targets(att);
	if (att->skel)
		att->ops->destroy(att->skel);
	att->skel = NULL;
}

static struct bpf_object *object_of(const struct pk_attach *att)
{
	return att->ops->object(att->skel);
}

/* A program the tables name that the object lacks is the caller's typo. */
static int check_name(struct pk_attach *att, const struct pk_variant *v, const char *name,
		      char *why, size_t size)
{
	if (bpf_object__find_program_by_name(object_of(att), name))
		return 0;
	snprintf(why, size, "the %s variant names program %s, which the BPF object does not have",
		 mech_names[v->mech], name);
	att->fatal = true;
	return -ENOENT;
}

static int check_names(struct pk_attach *att, char *why, size_t size)
{
	const struct pk_variant *v;
	const char *const *n;
	const struct pk_target *t;
	int err = 0;

	for (v = att->variants; v->mech != PK_MECH_AUTO && !err; v++) {
		for (n = v->progs; n && *n && !err; n++)
			err = check_name(att, v, *n, why, size);
		for (n = v->optional; n && *n && !err; n++)
			err = check_name(att, v, *n, why, size);
		for (t = v->targets; t && t->prog && !err; t++)
			err = check_name(att, v, t->prog, why, size);
	}
	att->names_checked = !err;
	return err;
}

static int add_target(struct pk_attach *att, const struct pk_target *t)
{
	struct target_slot *slots, *s;

	slots = realloc(att->targets, (att->nr_targets + 1) * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	att->targets = slots;
	s = &slots[att->nr_targets];
	memset(s, 0, sizeof(*s));
	s->t = *t;
	s->t.prog = strdup(t->prog);
	s->t.target = t->target ? strdup(t->target) : NULL;
	if (!s->t.prog || !s->t.target) {
		free((char *)s->t.prog);
		free((char *)s->t.target);
		return -ENOMEM;
	}
	att->nr_targets++;
	return 0;
}

int pk_attach__add_target(struct pk_attach *att, const struct pk_target *t)
{
	const struct pk_variant *v = att ? att->trying : NULL;

	if (!v || !t || !t->prog || !t->target)
		return -EINVAL;
	if (check_name(att, v, t->prog, att->fatal_why, sizeof(att->fatal_why)))
		return -ENOENT;
	return add_target(att, t);
}

/*
 * Checks the targets of @prog; returns how many can be attached, or a
 * negative errno when a required one is missing.
 */
static int resolve_targets(struct pk_attach *att, const struct pk_variant *v,
			   struct bpf_program *prog, char *why, size_t size)
{
	const char *name = bpf_program__name(prog);
	struct target_slot *s;
	enum pk_mech kind;
	char reason[256];
	int i, n = 0, err;

	for (i = 0; i < att->nr_targets; i++) {
		s = &att->targets[i];
		if (strcmp(s->t.prog, name))
			continue;
		err = pk__target_resolve(prog, s->t.target, s->t.pid, s->resolved,
					 sizeof(s->resolved), reason, sizeof(reason));
		s->usable = !err;
		n += !err;
		if (!err)
			continue;
		if (!(s->t.flags & PK_TARGET_OPTIONAL)) {
			snprintf(why, size, "%s", reason);
			return err;
		}
		explain(att, "  %s: leaving out %s on %s: %s", mech_names[v->mech], name,
			s->t.target, reason);
	}
	/* the BTF kinds take their one target at load time */
	kind = pk__prog_kind(prog);
	if (n > 1 && (kind == PK_MECH_FENTRY || kind == PK_MECH_TP_BTF)) {
		snprintf(why, size, "%s is a %s program: it takes one target, not %d", name,
			 mech_names[kind], n);
		return -EINVAL;
	}
	return n;
}

static bool has_targets(const struct pk_attach *att, const char *name)
{
	int i;

	for (i = 0; i < att->nr_targets; i++) {
		if (!strcmp(att->targets[i].t.prog, name))
			return true;
	}
	return false;
}

/* A section that names no target: the program's come from pk_attach__add_target(). */
static bool bare_section(const char *sec)
{
	static const char *const bare[] = {"uprobe", "uretprobe",  "kprobe", "kretprobe", "fentry",
					   "fexit",  "tracepoint", "tp",     "raw_tp",	  "tp_btf"};
	size_t i;

	for (i = 0; i < sizeof(bare) / sizeof(bare[0]); i++) {
		if (!strcmp(sec, bare[i]))
			return true;
	}
	return false;
}

/* Whether @prog can attach here: its targets, or its section's. */
static int program_usable(struct pk_attach *att, const struct pk_variant *v,
			  struct bpf_program *prog, char *reason, size_t size)
{
	int n;

	const char *sec = bpf_program__section_name(prog);

	if (!has_targets(att, bpf_program__name(prog)) && bare_section(sec)) {
		/* a bare SEC("uprobe") in a group: the target went to another member */
		snprintf(reason, size, "SEC(\"%s\") names no target and it was given none", sec);
		return -ENOENT;
	}
	if (!has_targets(att, bpf_program__name(prog)))
		return pk_attach_target_exists(sec, reason, size) ? 0 : -ENOENT;
	n = resolve_targets(att, v, prog, reason, size);
	if (n == 0)
		snprintf(reason, size, "none of its targets exists here");
	return n > 0 ? 0 : n < 0 ? n : -ENOENT;
}

/*
 * In a uprobe_multi variant, a uprobe program given targets is loaded for
 * uprobe_multi links (the kernel fixes the kind of link at load).
 */
static int multi_if_asked(struct pk_attach *att, const struct pk_variant *v,
			  struct bpf_program *prog)
{
	if (v->mech != PK_MECH_UPROBE_MULTI || pk__prog_kind(prog) != PK_MECH_UPROBE ||
	    !has_targets(att, bpf_program__name(prog)))
		return 0;
	return bpf_program__set_expected_attach_type(
		prog, (enum bpf_attach_type)PK__BPF_TRACE_UPROBE_MULTI);
}

/* Turns programs on or off for @v; a missing required target fails it. */
static int select_programs(struct pk_attach *att, const struct pk_variant *v, char *why,
			   size_t size)
{
	struct bpf_program *prog;
	char reason[256];
	int on = 0, err;

	bpf_object__for_each_program(prog, object_of(att)) {
		const char *name = bpf_program__name(prog);
		bool required = in_list(v->progs, name);
		bool optional = in_list(v->optional, name);

		if (!required && !optional) {
			if (in_other_variant(att, v, name)) {
				bpf_program__set_autoload(prog, false);
				continue;
			}
			/* in no variant, but given targets: they must exist */
			if (!has_targets(att, name) || !bpf_program__autoload(prog))
				continue;
			required = true;
		}
		err = program_usable(att, v, prog, reason, sizeof(reason));
		if (!err) {
			bpf_program__set_autoload(prog, true);
			err = multi_if_asked(att, v, prog);
			if (err) {
				snprintf(why, size, "%s: %s", name, strerror(-err));
				return err;
			}
			on++;
			continue;
		}
		if (required) {
			snprintf(why, size, "%s: %s", name, reason);
			return err;
		}
		explain(att, "  %s: leaving out %s: %s", mech_names[v->mech], name, reason);
		bpf_program__set_autoload(prog, false);
	}
	if (!on && (v->progs || v->optional)) {
		snprintf(why, size, "none of its programs can attach on this kernel");
		return -ENOENT;
	}
	return 0;
}

static enum pk_mech link_kind(const struct pk_attach *att, struct bpf_link *link);

static int add_link(struct pk_attach *att, struct bpf_link *link, enum pk_mech kind)
{
	struct bpf_link **links;
	enum pk_mech *kinds;

	links = realloc(att->links, (att->nr_links + 1) * sizeof(*links));
	if (!links)
		return -ENOMEM;
	att->links = links;
	kinds = realloc(att->link_kinds, (att->nr_links + 1) * sizeof(*kinds));
	if (!kinds)
		return -ENOMEM;
	att->link_kinds = kinds;
	kinds[att->nr_links] = kind;
	links[att->nr_links++] = link;
	return 0;
}

/* A link made elsewhere: its kind asked of the kernel once, here, not at each count. */
int pk_attach__add_link(struct pk_attach *att, struct bpf_link *link)
{
	return add_link(att, link, link_kind(att, link));
}

static int keep_link(struct pk_attach *att, struct bpf_link *link, struct bpf_program *prog,
		     const char *where)
{
	int err = add_link(att, link, pk__prog_kind(prog));

	if (err) {
		bpf_link__destroy(link);
		return err;
	}
	explain(att, "  %s: %s on %s", mech_names[att->trying->mech], bpf_program__name(prog),
		where);
	return 0;
}

static int keep_raw_link(struct pk_attach *att, int fd, int functions)
{
	struct raw_link *raw = realloc(att->raw, (att->nr_raw + 1) * sizeof(*raw));

	if (!raw) {
		close(fd);
		return -ENOMEM;
	}
	att->raw = raw;
	raw[att->nr_raw++] = (struct raw_link){ .fd = fd, .functions = functions };
	return 0;
}

int pk__attach_add_multi_link(struct pk_attach *att, int fd, const char *prog, const char *where)
{
	int err = keep_raw_link(att, fd, 1);

	if (!err)
		explain(att, "  uprobe_multi: %s on %s: one link for 1 function", prog, where);
	return err;
}

static void explain_multi(struct pk_attach *att, const char *prog, const char *const *targets,
			  int n)
{
	char list[1024];
	size_t len = 0;
	int i;

	list[0] = '\0';
	for (i = 0; i < n && len < sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", targets[i]);
	explain(att, "  uprobe_multi: %s on %s: one link for %d function%s", prog, list, n,
		n == 1 ? "" : "s");
}

/*
 * The usable targets of uprobe_multi program @prog from slot @first on
 * that share its library and process, into @targets and @cookies, marked
 * @done. Returns how many.
 */
static int gather_group(struct pk_attach *att, const char *name, int first, bool *done,
			const char **targets, __u64 *cookies)
{
	const struct target_slot *s = &att->targets[first], *o;
	int j, n = 0;

	for (j = first; j < att->nr_targets; j++) {
		o = &att->targets[j];
		if (done[j] || !o->usable || strcmp(o->t.prog, name) || o->t.pid != s->t.pid ||
		    !pk__same_uprobe_lib(s->resolved, o->resolved))
			continue;
		done[j] = true;
		targets[n] = o->resolved;
		cookies[n++] = o->t.cookie;
	}
	return n;
}

/* A uprobe_multi program: one link per library and process its targets are in. */
static int attach_multi(struct pk_attach *att, struct bpf_program *prog, char *why, size_t size)
{
	const char *name = bpf_program__name(prog);
	const char **targets = calloc(att->nr_targets, sizeof(*targets));
	__u64 *cookies = calloc(att->nr_targets, sizeof(*cookies));
	bool *done = calloc(att->nr_targets, sizeof(*done));
	int i, n, fd, err = targets && cookies && done ? 0 : -ENOMEM;

	if (err)
		snprintf(why, size, "%s", strerror(-err));
	for (i = 0; i < att->nr_targets && !err; i++) {
		if (done[i] || !att->targets[i].usable || strcmp(att->targets[i].t.prog, name))
			continue;
		n = gather_group(att, name, i, done, targets, cookies);
		fd = pk__uprobe_multi_targets(prog, targets, cookies, n, att->targets[i].t.pid,
					      why, size);
		err = fd < 0 ? fd : keep_raw_link(att, fd, n);
		if (!err)
			explain_multi(att, name, targets, n);
	}
	free(targets);
	free(cookies);
	free(done);
	return err;
}

static int attach_to_targets(struct pk_attach *att, struct bpf_program *prog, char *why,
			     size_t size)
{
	const char *name = bpf_program__name(prog);
	struct target_slot *s;
	struct bpf_link *link;
	int i, err;

	if (pk__prog_kind(prog) == PK_MECH_UPROBE_MULTI)
		return attach_multi(att, prog, why, size);
	for (i = 0; i < att->nr_targets; i++) {
		s = &att->targets[i];
		if (!s->usable || strcmp(s->t.prog, name))
			continue;
		link = pk__target_attach(prog, s->resolved, s->t.pid, s->t.cookie, why, size);
		if (!link)
			return -errno;
		err = keep_link(att, link, prog, s->resolved);
		if (err)
			return err;
	}
	return 0;
}

/* Opens the skeleton, with the BTF file for CO-RE when one stands in for the kernel's. */
static void *open_skel(struct pk_attach *att)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = att->btf_file);

	if (att->ops->open_ctx)
		return att->ops->open_ctx(att->ops->ctx, att->btf_file ? &oo : NULL);
	if (att->btf_file && att->ops->open_opts)
		return att->ops->open_opts(&oo);
	return att->ops->open();
}

static int attach_programs(struct pk_attach *att, char *why, size_t size)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	bpf_object__for_each_program(prog, object_of(att)) {
		const char *name = bpf_program__name(prog);

		/* autoattach off: the caller attaches it (pk_object's uprobes) */
		if (!bpf_program__autoload(prog) || !bpf_program__autoattach(prog))
			continue;
		if (has_targets(att, name)) {
			err = attach_to_targets(att, prog, why, size);
			if (err)
				return err;
			continue;
		}
		link = bpf_program__attach(prog);
		err = libbpf_get_error(link);
		/* a section without a target, and none given: the caller's to attach */
		if (err == -EOPNOTSUPP)
			continue;
		if (err) {
			snprintf(why, size, "attaching %s (%s) failed: %s", name,
				 bpf_program__section_name(prog), strerror(-err));
			return err;
		}
		err = keep_link(att, link, prog, bpf_program__section_name(prog));
		if (err)
			return err;
	}
	return 0;
}

static int add_variant_targets(struct pk_attach *att, const struct pk_variant *v)
{
	const struct pk_target *t;
	int err;

	for (t = v->targets; t && t->prog; t++) {
		err = add_target(att, t);
		if (err)
			return err;
	}
	return 0;
}

static int open_and_configure(struct pk_attach *att, const struct pk_variant *v, char *why,
			      size_t size)
{
	int err;

	att->skel = open_skel(att);
	if (!att->skel) {
		err = -errno;
		snprintf(why, size, "opening the BPF object failed: %s", strerror(-err));
		return err;
	}
	if (!att->names_checked && (err = check_names(att, why, size)))
		return err;
	err = add_variant_targets(att, v);
	if (err) {
		snprintf(why, size, "%s", strerror(-err));
		return err;
	}
	if (!att->opts.configure)
		return 0;
	err = att->opts.configure(att->skel, v->mech, att->opts.ctx);
	if (err && att->fatal)
		snprintf(why, size, "%s", att->fatal_why);
	else if (err)
		snprintf(why, size, "configuring the BPF object failed: %s", strerror(-err));
	return err;
}

static int open_variant(struct pk_attach *att, const struct pk_variant *v, char *why, size_t size)
{
	int err = open_and_configure(att, v, why, size);

	return err ?: select_programs(att, v, why, size);
}

/*
 * One load, with a log buffer per program. Only where a kernel before 6.4
 * filled the buffer with the start of a long log and never got to its
 * verdict, the object is opened and loaded once more with a bigger one.
 */
static int load_variant(struct pk_attach *att, const struct pk_variant *v, char *why, size_t size,
			struct lap_clock *t)
{
	struct pk__load_log ll = {.size = PK__LOG_SIZE};
	int err = open_variant(att, v, why, size);

	lap(att, T_OPEN, t);
	while (!err) {
		err = pk__load_explained(object_of(att), att->ops->load, att->skel, &ll, why, size);
		free(att->verifier_log);
		att->verifier_log = ll.log;
		if (!ll.cut || ll.size >= PK__LOG_SIZE_MAX)
			break;
		ll.size = PK__LOG_SIZE_MAX;
		detach_all(att);
		err = open_variant(att, v, why, size);
	}
	lap(att, T_LOAD, t);
	return err;
}

static int try_variant(struct pk_attach *att, const struct pk_variant *v, char *why, size_t size)
{
	struct lap_clock t = lap_start();
	int err;

	att->trying = v;
	err = load_variant(att, v, why, size, &t);
	if (!err)
		err = attach_programs(att, why, size);
	if (err)
		detach_all(att);
	lap(att, T_ATTACH, &t);
	/* targets are added while a variant is tried, not after */
	att->trying = NULL;
	return err;
}

bool pk_mech_usable(enum pk_mech mech, char *why, size_t size)
{
	const struct pk_feature_status *st;

	if (mech == PK_MECH_TP_BTF && !pk_feature_probe(PK_FEAT_BTF)->available) {
		snprintf(why, size, "%s", pk_feature_probe(PK_FEAT_BTF)->reason);
		return false;
	}
	if (mech <= PK_MECH_AUTO || mech >= PK_MECH__COUNT) {
		snprintf(why, size, "no such mechanism");
		return false;
	}
	st = pk_feature_probe(mech_feature[mech]);
	if (!st->available)
		snprintf(why, size, "%s", st->reason);
	return st->available;
}

static void append_error(struct pk_attach *att, const char *mech, const char *why)
{
	size_t len = strlen(att->error);

	snprintf(att->error + len, sizeof(att->error) - len, "%s%s: %s", len ? "; " : "", mech,
		 why);
}

static const void *elf_bytes(const struct pk_skel_ops *ops, size_t *size)
{
	if (ops->elf_bytes_ctx)
		return ops->elf_bytes_ctx(ops->ctx, size);
	return ops->elf_bytes ? ops->elf_bytes(size) : NULL;
}

/*
 * CO-RE against the kernel's own BTF, cut down to this object's types:
 * libbpf then parses a few KB instead of the whole kernel BTF (~60 ms of
 * CPU and 10 MB here), and the relocations come out the same. Making it is
 * a bpftool child of some 250 ms of CPU, more than the compile of a small
 * file: an object not seen before (run's first start after an edit) starts
 * on the whole BTF at once, and the child makes the cut-down one meanwhile,
 * at low priority, for the starts after it (start_core_btf(), finished in
 * pk_attach__free()). Without bpftool or a writable cache, the whole BTF
 * every time; -v says why.
 */
static void use_core_btf(struct pk_attach *att, const void *elf, size_t size)
{
	char why[512];
	int err;

	/* loaded again while the child of the first load still runs: let it be */
	if (att->core_btf.pid)
		return;
	err = pk__core_btf_find(&att->core_btf, VMLINUX_BTF_PATH, elf, size, att->opts.log, why,
				sizeof(why));
	if (err < 0) {
		explain(att, "  CO-RE: against the kernel's whole BTF: %s", why);
		return;
	}
	if (err == 1) {
		explain(att, "  CO-RE: against the kernel's whole BTF this once; a bpftool child "
			     "cuts it down for these programs meanwhile (bpftool gen min_core_btf), "
			     "for later starts, into %s", att->core_btf.path);
		att->core_btf_wanted = true;
		return;
	}
	att->btf_file = att->core_btf.path;
	explain(att, "  CO-RE: against the kernel's BTF cut down for these programs, from the "
		     "cache: %s", att->core_btf.path);
}

/* Once attached: the cut-down BTF use_core_btf() did not find, made in a child. */
static void start_core_btf(struct pk_attach *att)
{
	const void *elf;
	size_t size = 0;
	char why[512];

	if (!att->core_btf_wanted)
		return;
	att->core_btf_wanted = false;
	elf = elf_bytes(att->ops, &size);
	if (elf && pk__core_btf_start(&att->core_btf, VMLINUX_BTF_PATH, elf, size, why,
				      sizeof(why)))
		explain(att, "  CO-RE: the cut-down BTF is not made: %s", why);
}

/*
 * The child's BTF into the cache: a first run's exit waits for it (~0.3 s
 * here, more under emulation), at most 10 s before it is stopped and left
 * for the next start.
 */
static void finish_core_btf(struct pk_attach *att)
{
	char why[512];

	if (!att->core_btf.pid)
		return;
	if (pk__core_btf_finish(&att->core_btf, 10000, why, sizeof(why)))
		explain(att, "  CO-RE: the cut-down BTF is not made: %s", why);
	else
		explain(att, "  CO-RE: the cut-down BTF made for later starts: %s",
			att->core_btf.path);
}

/*
 * Which BTF the object's CO-RE relocations take: the kernel's (NULL in
 * att->btf_file), a file, or none, in which case an object with CO-RE
 * relocations cannot load (libbpf would want the kernel's BTF for it).
 */
static int choose_btf(struct pk_attach *att)
{
	const char *path = att->opts.btf_path;
	size_t size = 0;
	const void *elf;
	bool none;

	if (!path)
		path = pk_btf_overridden() ? pk_btf_path() : NULL;
	else if (!strcmp(path, PK_BTF_NONE))
		path = NULL;
	att->btf_file = path;
	if (path && access(path, R_OK)) {
		snprintf(att->error, sizeof(att->error), "cannot read the BTF file %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	/* a file given is used as it is; without one, only CO-RE needs the kernel's */
	elf = !path ? elf_bytes(att->ops, &size) : NULL;
	if (!elf || !pk__elf_needs_core(elf, size))
		return 0;
	/* the kernel's BTF probed only now: reading it is most of this function's time */
	none = att->opts.btf_path || pk_btf_overridden() ||
	       !pk_feature_probe(PK_FEAT_BTF)->available;
	if (none) {
		snprintf(att->error, sizeof(att->error),
			 "the programs need CO-RE (they read kernel structures), and "
			 PK__NO_KERNEL_BTF ": give a BTF file for this kernel with --btf FILE or "
			 "PROBEKIT_BTF=FILE (BTFHub's, or one from bpftool gen min_core_btf)");
		return -EOPNOTSUPP;
	}
	use_core_btf(att, elf, size);
	return 0;
}

static bool kernel_btf_usable(const struct pk_attach *att, const struct pk_variant *v, char *why,
			      size_t size)
{
	if (!(v->flags & PK_VARIANT_KERNEL_BTF))
		return true;
	if (att->opts.btf_path || pk_btf_overridden()) {
		snprintf(why, size,
			 "its programs need the kernel's own BTF, and --btf names another");
		return false;
	}
	/*
	 * The verifier reads the kernel's BTF, not us: whether the file exists is
	 * enough (the BTF feature probe reads all of it); were it unusable, the
	 * load would fail and the next variant be tried.
	 */
	if (access(VMLINUX_BTF_PATH, R_OK)) {
		snprintf(why, size, PK__NO_KERNEL_BTF);
		return false;
	}
	return true;
}

/* Under -v, the start-up's part in here; `make bench` reads the line. */
static void explain_times(struct pk_attach *att)
{
	static const char *const what[T__COUNT] = { "feature probes", "privileges and BTF", "open",
						    "load", "attach" };
	static const int order[] = { T_BTF, T_PROBE, T_OPEN, T_LOAD, T_ATTACH };
	char line[512];
	size_t i, n = 0;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%.1f ms %s (CPU %.1f)", i ? ", " : "",
			      att->ns[order[i]] / 1e6, what[order[i]], att->cpu_ns[order[i]] / 1e6);
	explain(att, "  attach times: %s", line);
}

int pk_attach__load(struct pk_attach *att)
{
	const struct pk_variant *v;
	char why[1024];
	bool tried = false, usable;
	int err = -ENOENT;
	struct lap_clock t;

	if (!att)
		return -EINVAL;
	att->error[0] = '\0';
	t = lap_start();
	err = pk_check_bpf_privileges(att->error, sizeof(att->error));
	if (!err)
		err = choose_btf(att);
	lap(att, T_BTF, &t);
	if (err)
		return err;
	err = -ENOENT;
	for (v = att->variants; v->mech != PK_MECH_AUTO; v++) {
		if (att->opts.mechanism != PK_MECH_AUTO && v->mech != att->opts.mechanism)
			continue;
		tried = true;
		t = lap_start();
		usable = pk_mech_usable(v->mech, why, sizeof(why)) &&
			 kernel_btf_usable(att, v, why, sizeof(why));
		lap(att, T_PROBE, &t);
		if (!usable) {
			explain(att, "  %s: not available: %s", mech_names[v->mech], why);
			append_error(att, mech_names[v->mech], why);
			err = -EOPNOTSUPP;
			continue;
		}
		err = try_variant(att, v, why, sizeof(why));
		if (!err) {
			att->mech = v->mech;
			att->error[0] = '\0';
			explain(att, "  %s: attached %d link%s", mech_names[v->mech],
				pk_attach__link_count(att),
				pk_attach__link_count(att) == 1 ? "" : "s");
			explain_times(att);
			start_core_btf(att);
			return 0;
		}
		if (att->fatal) {
			snprintf(att->error, sizeof(att->error), "%s", why);
			return -EINVAL;
		}
		explain(att, "  %s: failed: %s", mech_names[v->mech], why);
		append_error(att, mech_names[v->mech], why);
	}
	if (!tried) {
		snprintf(att->error, sizeof(att->error), "this tool has no %s variant",
			 mech_names[att->opts.mechanism]);
		return -EINVAL;
	}
	return err;
}

enum pk_mech pk_attach__mechanism(const struct pk_attach *att)
{
	return att ? att->mech : PK_MECH_AUTO;
}

void *pk_attach__skel(const struct pk_attach *att)
{
	return att ? att->skel : NULL;
}

struct bpf_object *pk_attach__object(const struct pk_attach *att)
{
	return att && att->skel ? att->ops->object(att->skel) : NULL;
}

int pk_attach__link_count(const struct pk_attach *att)
{
	return att ? att->nr_links + att->nr_raw : 0;
}

static __u32 obj_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

/* The kind of program a link runs, found by the program id the kernel reports. */
static enum pk_mech link_kind(const struct pk_attach *att, struct bpf_link *link)
{
	struct bpf_object *obj = pk_attach__object(att);
	struct bpf_link_info info = {};
	struct bpf_program *prog;
	__u32 len = sizeof(info);

	if (!obj || bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len))
		return PK_MECH_AUTO;
	bpf_object__for_each_program(prog, obj) {
		if (obj_id(bpf_program__fd(prog)) == info.prog_id)
			return pk__prog_kind(prog);
	}
	return PK_MECH_AUTO;
}

int pk_attach__count(const struct pk_attach *att, enum pk_mech kind)
{
	int i, n = 0;

	if (!att)
		return 0;
	if (kind == PK_MECH_AUTO)
		return pk_attach__link_count(att);
	if (kind == PK_MECH_UPROBE_MULTI)
		return att->nr_raw;
	for (i = 0; i < att->nr_links; i++)
		n += att->link_kinds[i] == kind;
	/* bcc's num_open_uprobes() counts functions */
	for (i = 0; kind == PK_MECH_UPROBE && i < att->nr_raw; i++)
		n += att->raw[i].functions;
	return n;
}

const char *pk_attach__error(const struct pk_attach *att)
{
	return att ? att->error : "";
}

const char *pk_attach__verifier_log(const struct pk_attach *att)
{
	return att ? att->verifier_log : NULL;
}

void pk_attach__free(struct pk_attach *att)
{
	if (!att)
		return;
	detach_all(att);
	finish_core_btf(att);
	free(att->verifier_log);
	free(att);
}
