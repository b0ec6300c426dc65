// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where a program attaches: checked against the running kernel before
 * anything loads (so a missing target costs no load), then attached with
 * the libbpf call its program type needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/attach.h>
#include <probekit/features.h>
#include <probekit/ksyms.h>
#include <probekit/tracefs.h>
#include <probekit/uprobe.h>

#include "load.h"

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

/*
 * @t into its two halves in @buf: a tracepoint's "category:event" or
 * "category/event" at the first separator, a uprobe's "LIB:SYMBOL" at its
 * last colon (@last), since LIB may be a path ("/usr/bin/bash:readline").
 */
static bool split_target(const char *t, bool last, char *buf, size_t size, const char **second)
{
	char *sep;

	snprintf(buf, size, "%s", t);
	sep = last ? strrchr(buf, ':') : strpbrk(buf, ":/");
	if (!sep)
		return false;
	*sep = '\0';
	*second = sep + 1;
	return true;
}

#define split_tracepoint(t, buf, size, event) split_target(t, false, buf, size, event)
#define split_uprobe(t, buf, size, sym) split_target(t, true, buf, size, sym)

static bool tracepoint_exists(const char *t, char *why, size_t size)
{
	const char *event = "";
	char buf[256];

	if (!split_tracepoint(t, buf, sizeof(buf), &event)) {
		snprintf(why, size, "tracepoint %s is not category:event", t);
		return false;
	}
	if (pk_tracepoint_exists(buf, event))
		return true;
	snprintf(why, size, "tracepoint %s:%s does not exist", buf, event);
	return false;
}

/*
 * Raw tracepoints are named in the kernel's BTF as btf_trace_<name>;
 * without kernel BTF, each one's iterator (Linux 5.10+) says it. A trace
 * event of the name in tracefs says it first: reading the BTF for each
 * name is ~25 ms (biolatency has three).
 */
static bool raw_tracepoint_exists(const char *name, char *why, size_t size)
{
	char buf[256];

	if (pk__trace_event_named(name))
		return true;
	if (pk_btf_overridden() || !pk_feature_probe(PK_FEAT_BTF)->available) {
		snprintf(buf, sizeof(buf), "__traceiter_%s", name);
		if (pk_ksym_exists(buf))
			return true;
	} else {
		snprintf(buf, sizeof(buf), "btf_trace_%s", name);
		if (btf_has(buf, BTF_KIND_TYPEDEF, "tracepoint", why, size))
			return true;
	}
	snprintf(why, size, "raw tracepoint %s does not exist", name);
	return false;
}

bool pk_attach_target_exists(const char *sec, char *why, size_t size)
{
	char buf[256];
	const char *t;

	if (has_prefix(sec, "fentry/", &t) || has_prefix(sec, "fexit/", &t) ||
	    has_prefix(sec, "fmod_ret/", &t))
		return btf_has(t, BTF_KIND_FUNC, "function", why, size);
	if (has_prefix(sec, "tp_btf/", &t))
		return raw_tracepoint_exists(t, why, size);
	if (has_prefix(sec, "kprobe/", &t) || has_prefix(sec, "kretprobe/", &t)) {
		snprintf(buf, sizeof(buf), "%s", t);
		buf[strcspn(buf, "+")] = '\0';
		if (pk_ksym_exists(buf))
			return true;
		snprintf(why, size, "kernel function %s is not in /proc/kallsyms", buf);
		return false;
	}
	if (has_prefix(sec, "tracepoint/", &t) || has_prefix(sec, "tp/", &t))
		return tracepoint_exists(t, why, size);
	if (has_prefix(sec, "raw_tp/", &t) || has_prefix(sec, "raw_tracepoint/", &t)) {
		/* a module's tracepoint has no BTF typedef in vmlinux: its iterator says */
		snprintf(buf, sizeof(buf), "__traceiter_%s", t);
		return raw_tracepoint_exists(t, why, size) || pk_ksym_exists(buf);
	}
	return true;
}

enum pk_mech pk__prog_kind(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	switch (bpf_program__type(prog)) {
	case BPF_PROG_TYPE_TRACING:
		switch (bpf_program__expected_attach_type(prog)) {
		case BPF_TRACE_FENTRY:
		case BPF_TRACE_FEXIT:
		case BPF_MODIFY_RETURN: return PK_MECH_FENTRY;
		case BPF_TRACE_RAW_TP: return PK_MECH_TP_BTF;
		default: return PK_MECH_AUTO;
		}
	case BPF_PROG_TYPE_KPROBE:
		if (bpf_program__expected_attach_type(prog) ==
		    (enum bpf_attach_type)PK__BPF_TRACE_UPROBE_MULTI)
			return PK_MECH_UPROBE_MULTI;
		return sec[0] == 'u' ? PK_MECH_UPROBE : PK_MECH_KPROBE;
	case BPF_PROG_TYPE_TRACEPOINT: return PK_MECH_TRACEPOINT;
	case BPF_PROG_TYPE_RAW_TRACEPOINT: return PK_MECH_RAW_TP;
	default: return PK_MECH_AUTO;
	}
}

bool pk__is_retprobe(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	return !strncmp(sec, "kretprobe", 9) || !strncmp(sec, "uretprobe", 9);
}

/* A kernel function a kprobe can hook: its own name or a compiler clone's. */
static int kernel_function(const char *name, char *resolved, size_t size, char *why,
			   size_t why_size)
{
	const struct pk_ksyms *ks = pk_ksyms();
	const struct pk_ksym *s;

	if (!ks) {
		snprintf(why, why_size, "cannot read /proc/kallsyms: %s", strerror(errno));
		return -errno;
	}
	s = pk_ksyms__function(ks, name);
	if (s) {
		snprintf(resolved, size, "%s", s->name);
		return 0;
	}
	snprintf(why, why_size, "kernel function %s is not in /proc/kallsyms", name);
	return -ENOENT;
}

/* "LIB:SYMBOL": the library part must be found; the symbol is looked up on attach. */
static int uprobe_binary(const char *target, pid_t pid, char *why, size_t why_size)
{
	char lib[4096], path[4096];
	const char *sym = "";

	if (!split_uprobe(target, lib, sizeof(lib), &sym) || !*sym) {
		snprintf(why, why_size, "uprobe target '%s' is not LIB:SYMBOL", target);
		return -EINVAL;
	}
	return pk_uprobe_find_binary(lib, pid, path, sizeof(path), why, why_size);
}

int pk__target_resolve(struct bpf_program *prog, const char *target, pid_t pid, char *resolved,
		       size_t size, char *why, size_t why_size)
{
	int err;

	snprintf(resolved, size, "%s", target);
	switch (pk__prog_kind(prog)) {
	case PK_MECH_FENTRY:
		if (!btf_has(target, BTF_KIND_FUNC, "function", why, why_size))
			return -ENOENT;
		break;
	case PK_MECH_TP_BTF:
		if (!raw_tracepoint_exists(target, why, why_size))
			return -ENOENT;
		break;
	case PK_MECH_KPROBE: return kernel_function(target, resolved, size, why, why_size);
	case PK_MECH_TRACEPOINT: return tracepoint_exists(target, why, why_size) ? 0 : -ENOENT;
	case PK_MECH_RAW_TP:
		return raw_tracepoint_exists(target, why, why_size) ? 0 : -ENOENT;
	case PK_MECH_UPROBE:
	case PK_MECH_UPROBE_MULTI: return uprobe_binary(target, pid, why, why_size);
	default:
		snprintf(why, why_size, "%s (%s) is not a program that takes a target",
			 bpf_program__name(prog), bpf_program__section_name(prog));
		return -EINVAL;
	}
	/* the BTF kinds take their target at load time */
	err = bpf_program__set_attach_target(prog, 0, target);
	if (err)
		snprintf(why, why_size, "setting %s as the target of %s failed: %s", target,
			 bpf_program__name(prog), strerror(-err));
	return err;
}

static struct bpf_link *attach_uprobe(struct bpf_program *prog, const char *target, pid_t pid,
				      __u64 cookie, char *why, size_t why_size)
{
	LIBBPF_OPTS(pk_uprobe_opts, opts, .pid = pid, .retprobe = pk__is_retprobe(prog),
		    .cookie = cookie);
	const char *sym = "";
	char lib[4096];

	split_uprobe(target, lib, sizeof(lib), &sym);
	return pk_uprobe_attach(prog, lib, sym, &opts, why, why_size);
}

struct bpf_link *pk__target_attach(struct bpf_program *prog, const char *resolved, pid_t pid,
				   __u64 cookie, char *why, size_t why_size)
{
	/* the cookie names the target to a program attached to several */
	LIBBPF_OPTS(bpf_kprobe_opts, kopts, .bpf_cookie = cookie);
	LIBBPF_OPTS(bpf_tracepoint_opts, topts, .bpf_cookie = cookie);
	struct bpf_link *link;
	const char *event = "";
	char cat[256];
	int err;

	switch (pk__prog_kind(prog)) {
	case PK_MECH_KPROBE:
		kopts.retprobe = pk__is_retprobe(prog);
		link = bpf_program__attach_kprobe_opts(prog, resolved, &kopts);
		break;
	case PK_MECH_TRACEPOINT:
		split_tracepoint(resolved, cat, sizeof(cat), &event);
		link = bpf_program__attach_tracepoint_opts(prog, cat, event, &topts);
		break;
	case PK_MECH_RAW_TP: link = bpf_program__attach_raw_tracepoint(prog, resolved); break;
	case PK_MECH_UPROBE: return attach_uprobe(prog, resolved, pid, cookie, why, why_size);
	default:
		/* fentry and tp_btf got their target before load */
		link = bpf_program__attach(prog);
		break;
	}
	err = libbpf_get_error(link);
	if (!err)
		return link;
	snprintf(why, why_size, "attaching %s to %s failed: %s", bpf_program__name(prog), resolved,
		 strerror(-err));
	errno = -err;
	return NULL;
}

bool pk__same_uprobe_lib(const char *a, const char *b)
{
	size_t n = strcspn(a, ":/");

	return n == strcspn(b, ":/") && !strncmp(a, b, n);
}

int pk__uprobe_multi_targets(struct bpf_program *prog, const char *const *targets,
			     const __u64 *cookies, int n, pid_t pid, char *why, size_t why_size)
{
	const char **syms = calloc(n ? n : 1, sizeof(*syms));
	char lib[256];
	const char *sym = "";
	int i, fd;

	if (!syms)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		split_tracepoint(targets[i], lib, sizeof(lib), &sym);
		syms[i] = targets[i] + (sym - lib);
	}
	fd = pk__uprobe_multi_attach(prog, lib, pid, pk__is_retprobe(prog), syms, cookies, n, NULL,
				     why, why_size);
	free(syms);
	return fd;
}
