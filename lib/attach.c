// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loading a tool's BPF object with fallback: each variant (fentry, kprobe,
 * tracepoint...) is checked against what the kernel allows before anything
 * is loaded, so a variant that cannot work costs no load and no libbpf
 * error noise; one that fails anyway is unloaded and the next is tried.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/attach.h>
#include <probekit/features.h>
#include <probekit/ksyms.h>
#include <probekit/tracefs.h>

#include "internal.h"

struct pk_attach {
	const struct pk_skel_ops *ops;
	const struct pk_variant *variants;
	struct pk_attach_opts opts;
	/* the BTF file CO-RE relocations use instead of the kernel's, or NULL */
	const char *btf_file;
	void *skel;
	enum pk_mech mech;
	struct bpf_link **links;
	int nr_links;
	char error[1024];
	/* the whole verifier log of the last rejected program */
	char *verifier_log;
};

static const char *const mech_names[PK_MECH__COUNT] = {
	[PK_MECH_AUTO] = "auto",	 [PK_MECH_FENTRY] = "fentry", [PK_MECH_KPROBE] = "kprobe",
	[PK_MECH_TP_BTF] = "tp_btf",	 [PK_MECH_RAW_TP] = "raw_tp",
	[PK_MECH_TRACEPOINT] = "tracepoint", [PK_MECH_UPROBE] = "uprobe",
};

static const enum pk_feature mech_feature[PK_MECH__COUNT] = {
	[PK_MECH_FENTRY] = PK_FEAT_KFUNC,	  [PK_MECH_KPROBE] = PK_FEAT_KPROBE,
	[PK_MECH_TP_BTF] = PK_FEAT_TP_BTF,	  [PK_MECH_RAW_TP] = PK_FEAT_RAW_TP,
	[PK_MECH_TRACEPOINT] = PK_FEAT_TRACEPOINT, [PK_MECH_UPROBE] = PK_FEAT_UPROBE,
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

static bool btf_has(const char *name, int kind, const char *what, char *why, size_t size)
{
	int id = pk__btf_find(name, kind);

	if (id > 0)
		return true;
	if (id == -ENOENT)
		snprintf(why, size, "%s %s is not in the kernel's BTF", what, name);
	else
		snprintf(why, size, "no usable kernel BTF to find %s in (%s)", name, strerror(-id));
	return false;
}

static bool has_prefix(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n))
		return false;
	*rest = s + n;
	return true;
}

bool pk_attach_target_exists(const char *sec, char *why, size_t size)
{
	char buf[256], *slash;
	const char *t;

	if (has_prefix(sec, "fentry/", &t) || has_prefix(sec, "fexit/", &t) ||
	    has_prefix(sec, "fmod_ret/", &t))
		return btf_has(t, BTF_KIND_FUNC, "function", why, size);
	if (has_prefix(sec, "tp_btf/", &t)) {
		/* without kernel BTF, each tracepoint's iterator (Linux 5.10+) says it */
		if (pk_btf_overridden() || !pk_feature_probe(PK_FEAT_BTF)->available) {
			snprintf(buf, sizeof(buf), "__traceiter_%s", t);
			if (pk_ksym_exists(buf))
				return true;
			snprintf(why, size, "raw tracepoint %s does not exist", t);
			return false;
		}
		snprintf(buf, sizeof(buf), "btf_trace_%s", t);
		if (btf_has(buf, BTF_KIND_TYPEDEF, "tracepoint", why, size))
			return true;
		snprintf(why, size, "raw tracepoint %s does not exist", t);
		return false;
	}
	if (has_prefix(sec, "kprobe/", &t) || has_prefix(sec, "kretprobe/", &t)) {
		snprintf(buf, sizeof(buf), "%s", t);
		buf[strcspn(buf, "+")] = '\0';
		if (pk_ksym_exists(buf))
			return true;
		snprintf(why, size, "kernel function %s is not in /proc/kallsyms", buf);
		return false;
	}
	if (has_prefix(sec, "tracepoint/", &t) || has_prefix(sec, "tp/", &t)) {
		snprintf(buf, sizeof(buf), "%s", t);
		slash = strchr(buf, '/');
		if (slash) {
			*slash = '\0';
			if (pk_tracepoint_exists(buf, slash + 1))
				return true;
			*slash = ':';
		}
		snprintf(why, size, "tracepoint %s does not exist", buf);
		return false;
	}
	return true;
}

struct pk_attach *pk_attach__new(const struct pk_skel_ops *ops, const struct pk_variant *variants,
				 const struct pk_attach_opts *opts)
{
	struct pk_attach *att;

	if (!ops || !variants) {
		errno = EINVAL;
		return NULL;
	}
	att = calloc(1, sizeof(*att));
	if (!att)
		return NULL;
	att->ops = ops;
	att->variants = variants;
	if (opts)
		memcpy(&att->opts, opts,
		       opts->sz < sizeof(att->opts) ? opts->sz : sizeof(att->opts));
	att->opts.sz = sizeof(att->opts);
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

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/*
 * Detaching a tracepoint waits for an RCU grace period. One after another,
 * six links took half a second here; side by side their waits overlap.
 */
static void destroy_links(struct bpf_link **links, int n)
{
	enum { MAX_THREADS = 32 };
	pthread_t threads[MAX_THREADS];
	bool started[MAX_THREADS];
	int i, batch;

	while (n > 0) {
		batch = n < MAX_THREADS ? n : MAX_THREADS;
		for (i = 1; i < batch; i++) {
			started[i] = !pthread_create(&threads[i], NULL, destroy_link, links[i]);
			if (!started[i])
				bpf_link__destroy(links[i]);
		}
		bpf_link__destroy(links[0]);
		for (i = 1; i < batch; i++) {
			if (started[i])
				pthread_join(threads[i], NULL);
		}
		links += batch;
		n -= batch;
	}
}

static void detach_all(struct pk_attach *att)
{
	destroy_links(att->links, att->nr_links);
	free(att->links);
	att->links = NULL;
	att->nr_links = 0;
	if (att->skel)
		att->ops->destroy(att->skel);
	att->skel = NULL;
}

/* Turns programs on or off for @v; a missing required target fails it. */
static int select_programs(struct pk_attach *att, const struct pk_variant *v, char *why,
			   size_t size)
{
	struct bpf_object *obj = att->ops->object(att->skel);
	struct bpf_program *prog;
	char reason[256];

	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);
		bool required = in_list(v->progs, name);
		bool optional = in_list(v->optional, name);

		if (!required && !optional) {
			if (in_other_variant(att, v, name))
				bpf_program__set_autoload(prog, false);
			continue;
		}
		if (pk_attach_target_exists(bpf_program__section_name(prog), reason,
					    sizeof(reason))) {
			bpf_program__set_autoload(prog, true);
			continue;
		}
		if (required) {
			snprintf(why, size, "%s", reason);
			return -ENOENT;
		}
		explain(att, "  %s: leaving out %s: %s", mech_names[v->mech], name, reason);
		bpf_program__set_autoload(prog, false);
	}
	return 0;
}

int pk_attach__add_link(struct pk_attach *att, struct bpf_link *link)
{
	struct bpf_link **links;

	links = realloc(att->links, (att->nr_links + 1) * sizeof(*links));
	if (!links)
		return -ENOMEM;
	att->links = links;
	links[att->nr_links++] = link;
	return 0;
}

static int attach_programs(struct pk_attach *att, char *why, size_t size)
{
	struct bpf_object *obj = att->ops->object(att->skel);
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog))
			continue;
		link = bpf_program__attach(prog);
		err = libbpf_get_error(link);
		/* sections without a target are the tool's to attach */
		if (err == -EOPNOTSUPP)
			continue;
		if (err) {
			snprintf(why, size, "attaching %s (%s) failed: %s", bpf_program__name(prog),
				 bpf_program__section_name(prog), strerror(-err));
			return err;
		}
		err = pk_attach__add_link(att, link);
		if (err) {
			bpf_link__destroy(link);
			return err;
		}
	}
	return 0;
}

/* Opens the skeleton, with the BTF file for CO-RE when one stands in for the kernel's. */
static void *open_skel(struct pk_attach *att)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = att->btf_file);

	if (att->btf_file && att->ops->open_opts)
		return att->ops->open_opts(&oo);
	return att->ops->open();
}

/* A failed load, done again from a fresh open to capture the verifier's log. */
static int reload_explained(struct pk_attach *att, const struct pk_variant *v, char *why,
			    size_t size)
{
	int err;

	detach_all(att);
	att->skel = open_skel(att);
	err = att->skel ? select_programs(att, v, why, size) : -errno;
	if (!err && att->opts.configure)
		err = att->opts.configure(att->skel, v->mech, att->opts.ctx);
	if (err) {
		snprintf(why, size, "loading the programs failed, then reopening them: %s",
			 strerror(-err));
		return err;
	}
	free(att->verifier_log);
	return pk__load_explained(att->ops->object(att->skel), att->ops->load, att->skel,
				  &att->verifier_log, why, size);
}

static int try_variant(struct pk_attach *att, const struct pk_variant *v, char *why, size_t size)
{
	int err;

	att->skel = open_skel(att);
	if (!att->skel) {
		err = -errno;
		snprintf(why, size, "opening the BPF object failed: %s", strerror(-err));
		return err;
	}
	err = select_programs(att, v, why, size);
	if (!err && att->opts.configure) {
		err = att->opts.configure(att->skel, v->mech, att->opts.ctx);
		if (err)
			snprintf(why, size, "configuring the BPF object failed: %s", strerror(-err));
	}
	if (!err) {
		err = att->ops->load(att->skel);
		if (err)
			err = reload_explained(att, v, why, size);
	}
	if (!err)
		err = attach_programs(att, why, size);
	if (err)
		detach_all(att);
	return err;
}

static bool mech_usable(struct pk_attach *att, enum pk_mech mech, char *why, size_t size)
{
	const struct pk_feature_status *st;

	if (mech == PK_MECH_TP_BTF && !pk_feature_probe(PK_FEAT_BTF)->available) {
		snprintf(why, size, "%s", pk_feature_probe(PK_FEAT_BTF)->reason);
		return false;
	}
	st = pk_feature_probe(mech_feature[mech]);
	if (!st->available)
		snprintf(why, size, "%s", st->reason);
	(void)att;
	return st->available;
}

static void append_error(struct pk_attach *att, const char *mech, const char *why)
{
	size_t len = strlen(att->error);

	snprintf(att->error + len, sizeof(att->error) - len, "%s%s: %s", len ? "; " : "", mech,
		 why);
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
	none = att->opts.btf_path || pk_btf_overridden() ? !path :
							 !pk_feature_probe(PK_FEAT_BTF)->available;
	att->btf_file = path;
	if (path && access(path, R_OK)) {
		snprintf(att->error, sizeof(att->error), "cannot read the BTF file %s: %s", path,
			 strerror(errno));
		return -errno;
	}
	elf = none && att->ops->elf_bytes ? att->ops->elf_bytes(&size) : NULL;
	if (elf && pk__elf_needs_core(elf, size)) {
		snprintf(att->error, sizeof(att->error),
			 "the programs need CO-RE (they read kernel structures), and "
			 PK__NO_KERNEL_BTF ": give a BTF file for this kernel with --btf FILE or "
			 "PROBEKIT_BTF=FILE (BTFHub's, or one from bpftool gen min_core_btf)");
		return -EOPNOTSUPP;
	}
	return 0;
}

int pk_attach__load(struct pk_attach *att)
{
	const struct pk_variant *v;
	char why[1024];
	bool tried = false;
	int err = -ENOENT;

	if (!att)
		return -EINVAL;
	att->error[0] = '\0';
	err = choose_btf(att);
	if (err)
		return err;
	err = -ENOENT;
	for (v = att->variants; v->mech != PK_MECH_AUTO; v++) {
		if (att->opts.mechanism != PK_MECH_AUTO && v->mech != att->opts.mechanism)
			continue;
		tried = true;
		if (!mech_usable(att, v->mech, why, sizeof(why))) {
			explain(att, "  %s: not available: %s", mech_names[v->mech], why);
			append_error(att, mech_names[v->mech], why);
			err = -EOPNOTSUPP;
			continue;
		}
		err = try_variant(att, v, why, sizeof(why));
		if (!err) {
			att->mech = v->mech;
			att->error[0] = '\0';
			explain(att, "  %s: attached %d program%s", mech_names[v->mech],
				att->nr_links, att->nr_links == 1 ? "" : "s");
			return 0;
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
	return att ? att->nr_links : 0;
}

/* What @prog hooks, from its type and section ("uprobe" and "kprobe" share a type). */
static enum pk_mech prog_kind(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	switch (bpf_program__type(prog)) {
	case BPF_PROG_TYPE_TRACING:
		switch (bpf_program__expected_attach_type(prog)) {
		case BPF_TRACE_FENTRY:
		case BPF_TRACE_FEXIT:
		case BPF_MODIFY_RETURN:
			return PK_MECH_FENTRY;
		case BPF_TRACE_RAW_TP:
			return PK_MECH_TP_BTF;
		default:
			return PK_MECH_AUTO;
		}
	case BPF_PROG_TYPE_KPROBE:
		return sec[0] == 'u' ? PK_MECH_UPROBE : PK_MECH_KPROBE;
	case BPF_PROG_TYPE_TRACEPOINT:
		return PK_MECH_TRACEPOINT;
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		return PK_MECH_RAW_TP;
	default:
		return PK_MECH_AUTO;
	}
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
			return prog_kind(prog);
	}
	return PK_MECH_AUTO;
}

int pk_attach__count(const struct pk_attach *att, enum pk_mech kind)
{
	int i, n = 0;

	if (!att)
		return 0;
	if (kind == PK_MECH_AUTO)
		return att->nr_links;
	for (i = 0; i < att->nr_links; i++)
		n += link_kind(att, att->links[i]) == kind;
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
	free(att->verifier_log);
	free(att);
}
