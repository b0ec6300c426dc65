// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * list: what can be attached here, as bcc's tplist and `bpftrace -l` say:
 * tracepoints, raw tracepoints, kernel functions (fentry targets from BTF,
 * kprobe targets from kallsyms), functions of a binary or library
 * (uprobes) and USDT probes of a binary, library or process. Patterns are
 * probe specs with globs ('t:syscalls:*open*', 'p:c:*alloc*').
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <probekit/cli.h>
#include <probekit/features.h>
#include <probekit/output.h>
#include <probekit/probespec.h>
#include <probekit/suggest.h>
#include <probekit/targets.h>
#include <probekit/tracefs.h>
#include <probekit/uprobe.h>

static struct {
	bool verbose;
	pid_t pid;
	char **patterns;
	int nr_patterns;
} env;

struct match {
	char *name;
	/* USDT: the argument spec (-v), else NULL */
	char *args;
};

/* One pattern's matches, gathered to print sorted and once each. */
struct matches {
	struct match *v;
	size_t nr, cap;
	/* what to compare with fnmatch(), and what goes before a match */
	const char *glob;
	const char *prefix;
};

static int add_match(struct matches *m, const char *name, const char *args)
{
	struct match *grown;

	if (m->nr == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;

		grown = realloc(m->v, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		m->v = grown;
		m->cap = cap;
	}
	if (asprintf(&m->v[m->nr].name, "%s%s", m->prefix, name) < 0)
		return -ENOMEM;
	m->v[m->nr].args = args ? strdup(args) : NULL;
	m->nr++;
	return 0;
}

static int match_cb(const char *name, void *arg)
{
	struct matches *m = arg;

	if (fnmatch(m->glob, name, 0))
		return 0;
	return add_match(m, name, NULL);
}

static void free_matches(struct matches *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		free(m->v[i].name);
		free(m->v[i].args);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static int by_name(const void *a, const void *b)
{
	const struct match *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->args ? x->args : "", y->args ? y->args : "");
}

static bool same(const struct match *x, const struct match *y)
{
	return !by_name(x, y);
}

/* "char prev_comm[16]" as {"name": "prev_comm", "type": "char[16]"}. */
static void field_json(struct pk_json *j, const char *decl)
{
	const char *space = strrchr(decl, ' '), *name = space ? space + 1 : decl;
	size_t name_len = strcspn(name, "["), type_len = space ? (size_t)(space - decl) : 0;
	char type[300];

	snprintf(type, sizeof(type), "%.*s%s", (int)type_len, decl, name + name_len);
	pk_json__str(j, "name", name, name_len);
	pk_json__str(j, "type", type, strlen(type));
}

/* A tracepoint's fields from its format file, as bpftrace -lv shows them. */
static void tracepoint_fields(struct pk_run *run, const char *probe, struct pk_json *j)
{
	const char *tracefs = pk_tracefs_path(), *colon;
	char path[PATH_MAX], line[512], decl[256];
	FILE *out = pk_run__out(run), *f;
	unsigned int offset, size, is_signed;

	colon = strchr(probe + 2, ':');
	if (!tracefs || !colon)
		return;
	snprintf(path, sizeof(path), "%s/events/%.*s/%s/format", tracefs,
		 (int)(colon - probe - 2), probe + 2, colon + 1);
	f = fopen(path, "re");
	if (!f)
		return;
	if (j)
		pk_json__array_begin(j, "fields");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " field:%255[^;]; offset:%u; size:%u; signed:%u;", decl, &offset,
			   &size, &is_signed) != 4 ||
		    strstr(decl, " common_"))
			continue;
		if (!j) {
			fprintf(out, "    ");
			pk_fput_text(out, decl, strlen(decl));
			fprintf(out, ";\n");
			continue;
		}
		pk_json__object_begin(j, NULL);
		field_json(j, decl);
		pk_json__uint(j, "offset", offset);
		pk_json__uint(j, "size", size);
		pk_json__bool(j, "signed", is_signed);
		pk_json__object_end(j);
	}
	if (j)
		pk_json__array_end(j);
	fclose(f);
}

static const char *kind_of(const char *probe)
{
	switch (probe[0]) {
	case 't': return "tracepoint";
	case 'r': return "raw_tracepoint";
	case 'f': return "fentry";
	case 'k': return "kprobe";
	case 'p': return "uprobe";
	case 'u': return "usdt";
	}
	return "probe";
}

static void print_matches(struct pk_run *run, struct matches *m)
{
	FILE *out = pk_run__out(run);
	struct pk_json j;
	size_t i, k;

	qsort(m->v, m->nr, sizeof(*m->v), by_name);
	for (i = 0; i < m->nr; i++) {
		const struct match *e = &m->v[i];

		if (i && same(e, e - 1))
			continue;
		if (pk_run__json(run)) {
			const char *kind = kind_of(e->name);

			pk_json__begin(&j, out);
			pk_json__str(&j, "probe", e->name, strlen(e->name));
			pk_json__str(&j, "kind", kind, strlen(kind));
			if (e->args)
				pk_json__str(&j, "args", e->args, strlen(e->args));
			if (env.verbose && e->name[0] == 't')
				tracepoint_fields(run, e->name, &j);
			pk_json__end(&j);
			continue;
		}
		pk_fput_text(out, e->name, strlen(e->name));
		fputc('\n', out);
		if (env.verbose && e->name[0] == 't')
			tracepoint_fields(run, e->name, NULL);
		if (env.verbose && e->args) {
			fputs("    args: ", out);
			k = strlen(e->args);
			pk_fput_text(out, k ? e->args : "(none)", k ? k : 6);
			fputc('\n', out);
		}
	}
}

/* USDT ------------------------------------------------------------------------ */

struct usdt_walk {
	struct matches *m;
	/* the file as the user names it */
	const char *path;
	const char *provider;
	const char *name;
};

static int usdt_cb(const struct pk_usdt_probe *p, void *arg)
{
	struct usdt_walk *w = arg;
	char full[PATH_MAX + 512];

	if (fnmatch(w->provider, p->provider, 0) ||
	    (fnmatch(w->name, p->name, 0) && !(snprintf(full, sizeof(full), "%s:%s", p->provider,
							 p->name) > 0 &&
					       !fnmatch(w->name, full, 0))))
		return 0;
	snprintf(full, sizeof(full), "%s:%s:%s", w->path, p->provider, p->name);
	return add_match(w->m, full, p->args);
}

/* The file of @lib for @pid (0: the system's), with the reason on failure. */
static int find_binary(struct pk_run *run, const char *lib, char *path, size_t size)
{
	char why[PATH_MAX + 256];

	if (pk_uprobe_find_binary(lib, env.pid, path, size, why, sizeof(why)) == 0)
		return 0;
	pk_run__error(run, "%s", why);
	return -ENOENT;
}

/* The probes in @file, printed as in @path. */
static int list_usdt_file(struct pk_run *run, struct matches *m, const char *file,
			  const char *path, const char *provider, const char *name)
{
	struct usdt_walk w = { m, path, provider, name };
	int err = pk_targets_usdt(file, usdt_cb, &w);

	if (err < 0 && err != -EINVAL)
		pk_run__error(run, "cannot read %s: %s", file, strerror(-err));
	return err == -EINVAL ? 0 : err;
}

/* Every file process @pid maps: its program and its libraries. */
static int list_usdt_pid(struct pk_run *run, struct matches *m, const char *provider,
			 const char *name)
{
	char path[64], line[PATH_MAX + 128], file[PATH_MAX], **seen = NULL;
	size_t nr_seen = 0, i;
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", env.pid);
	f = fopen(path, "re");
	if (!f) {
		pk_run__error(run, "cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		char *slash = strchr(line, '/'), **grown;

		/* the code mappings: one per file that can hold probes */
		if (!slash || !strstr(line, " r-xp "))
			continue;
		slash[strcspn(slash, "\n")] = '\0';
		for (i = 0; i < nr_seen && strcmp(seen[i], slash); i++)
			;
		if (i < nr_seen)
			continue;
		grown = realloc(seen, (nr_seen + 1) * sizeof(*seen));
		if (!grown || !(grown[nr_seen] = strdup(slash))) {
			seen = grown ? grown : seen;
			err = -ENOMEM;
			break;
		}
		seen = grown;
		nr_seen++;
		/* through the process's root, as its mount namespace sees the file */
		snprintf(file, sizeof(file), "/proc/%d/root%s", env.pid, slash);
		err = list_usdt_file(run, m, file, slash, provider, name);
	}
	for (i = 0; i < nr_seen; i++)
		free(seen[i]);
	free(seen);
	fclose(f);
	return err;
}

static int list_usdt(struct pk_run *run, struct matches *m, const struct pk_probe_spec *ps)
{
	char path[PATH_MAX], lib[PATH_MAX];
	const char *provider = "*", *colon;

	m->prefix = "u:";
	if (!strcmp(ps->target, "*") && env.pid)
		return list_usdt_pid(run, m, provider, ps->name);
	snprintf(lib, sizeof(lib), "%s", ps->target);
	/* u:LIB:PROVIDER:NAME parses as target "LIB:PROVIDER" */
	colon = strrchr(lib, ':');
	if (colon && find_binary(run, lib, path, sizeof(path)) && access(lib, F_OK)) {
		lib[colon - lib] = '\0';
		provider = ps->target + (colon - lib) + 1;
	}
	if (!strcmp(lib, "*") && env.pid)
		return list_usdt_pid(run, m, provider, ps->name);
	if (find_binary(run, lib, path, sizeof(path)))
		return -ENOENT;
	return list_usdt_file(run, m, path, path, provider, ps->name);
}

/* Kernel and user functions, tracepoints ---------------------------------------- */

static int list_functions(struct pk_run *run, struct matches *m, const struct pk_probe_spec *ps)
{
	const struct pk_feature_status *fe = pk_feature_probe(PK_FEAT_KFUNC);
	const struct pk_feature_status *kprobe = pk_feature_probe(PK_FEAT_KPROBE);
	bool want_fentry = ps->kind != PK_PROBE_KPROBE && ps->kind != PK_PROBE_KRETPROBE;
	bool want_kprobe = ps->kind != PK_PROBE_FENTRY && ps->kind != PK_PROBE_FEXIT;
	int err = 0;

	m->glob = ps->name;
	if (ps->kind == PK_PROBE_KFUNC && !fe->available && !kprobe->available) {
		pk_run__error(
		    run,
		    "no way to hook kernel functions works here (fentry: %s; kprobe: %s); "
		    "list tracepoints with 't:*:*'",
		    fe->reason, kprobe->reason);
		return -EOPNOTSUPP;
	}
	if (want_fentry && (fe->available || ps->kind != PK_PROBE_KFUNC)) {
		if (!fe->available)
			pk_run__error(run, "note: fentry cannot attach here: %s", fe->reason);
		m->prefix = "f:";
		err = pk_targets_btf_functions(match_cb, m);
		if (err)
			pk_run__error(run, "cannot read the kernel's BTF: %s", strerror(-err));
	}
	if (!err && want_kprobe && (kprobe->available || ps->kind != PK_PROBE_KFUNC)) {
		if (!kprobe->available) {
			pk_run__error(run, "kprobes are not available here: %s", kprobe->reason);
			return m->nr ? 0 : -EOPNOTSUPP;
		}
		m->prefix = "k:";
		err = pk_targets_kallsyms_functions(match_cb, m);
		if (err)
			pk_run__error(run, "cannot read /proc/kallsyms: %s", strerror(-err));
	}
	return err;
}

static int list_uprobes(struct pk_run *run, struct matches *m, const struct pk_probe_spec *ps)
{
	char path[PATH_MAX], prefix[PATH_MAX + 4];
	int err;

	if (find_binary(run, ps->target, path, sizeof(path)))
		return -ENOENT;
	snprintf(prefix, sizeof(prefix), "p:%s:", path);
	m->prefix = prefix;
	m->glob = ps->name;
	err = pk_targets_elf_functions(path, match_cb, m);
	if (err)
		pk_run__error(run, "cannot read the symbols of %s: %s", path, strerror(-err));
	/* the prefix lives on this stack: names were copied already */
	m->prefix = "";
	return err;
}

static int list_tracepoints(struct pk_run *run, struct matches *m, const char *glob)
{
	int err;

	m->prefix = "t:";
	m->glob = glob;
	err = pk_targets_tracepoints(match_cb, m);
	if (err)
		pk_run__error(run, "cannot read tracefs's available_events: %s", strerror(-err));
	return err;
}

static int list_raw_tracepoints(struct pk_run *run, struct matches *m, const char *glob)
{
	int err;

	m->prefix = "raw_tp:";
	m->glob = glob;
	err = pk_targets_raw_tracepoints(match_cb, m);
	if (err)
		pk_run__error(run, "cannot read the kernel's BTF: %s", strerror(-err));
	return err;
}

/* Did you mean: the nearest names from the source the pattern asked. */
static void suggest(struct pk_run *run, const char *pattern, const struct pk_probe_spec *ps)
{
	int (*walk)(pk_target_fn, void *) = NULL;
	char name[2 * PK_PROBE_SPEC_MAX + 2], near[2048], fmt[16];
	struct pk_suggest *s;
	size_t i, n = 0;

	switch (ps->kind) {
	case PK_PROBE_TRACEPOINT:
		walk = pk_targets_tracepoints;
		snprintf(name, sizeof(name), "%s:%s", ps->target, ps->name);
		snprintf(fmt, sizeof(fmt), "t:%%s");
		break;
	case PK_PROBE_RAW_TP:
		walk = pk_targets_raw_tracepoints;
		snprintf(name, sizeof(name), "%s", ps->name);
		snprintf(fmt, sizeof(fmt), "raw_tp:%%s");
		break;
	case PK_PROBE_FENTRY:
	case PK_PROBE_FEXIT:
	case PK_PROBE_KFUNC:
		walk = pk_targets_btf_functions;
		snprintf(name, sizeof(name), "%s", ps->name);
		snprintf(fmt, sizeof(fmt), "%%s");
		break;
	default:
		break;
	}
	/* globs say nothing about the name: leave them out */
	for (i = 0; name[i] && walk; i++) {
		if (!strchr("*?[]", name[i]))
			name[n++] = name[i];
	}
	if (walk)
		name[n] = '\0';
	s = walk && n ? pk_suggest__new(name, 3) : NULL;
	if (s && walk(pk_suggest__add_cb, s) == 0 && pk_suggest__format(s, fmt, near, sizeof(near)))
		pk_run__error(run, "nothing matches '%s'. Did you mean %s?", pattern, near);
	else
		pk_run__error(run, "nothing matches '%s'", pattern);
	pk_suggest__free(s);
}

static int list_pattern(struct pk_run *run, const char *pattern)
{
	struct pk_probe_spec *ps = malloc(sizeof(*ps));
	struct matches m = {};
	char glob[PK_PROBE_SPEC_MAX + 8];
	int err;

	if (!ps)
		return -ENOMEM;
	err = pk_probe_spec_parse(pattern, ps);
	/* "t:PATTERN" without a category part matches "category:event" whole */
	if (err && (!strncmp(pattern, "t:", 2) || !strncmp(pattern, "tp:", 3) ||
		    !strncmp(pattern, "tracepoint:", 11))) {
		snprintf(glob, sizeof(glob), "%s", strchr(pattern, ':') + 1);
		if (!glob[0]) {
			free(ps);
			return pk_run__usage_error(
			    run,
			    "cannot read '%s': give a tracepoint pattern such "
			    "as t:syscalls:*open*",
			    pattern);
		}
		err = list_tracepoints(run, &m, glob);
		ps->kind = PK_PROBE_TRACEPOINT;
		ps->target = "";
		ps->name = glob;
	} else if (err) {
		free(ps);
		return pk_run__usage_error(run,
					   "cannot read '%s': give a probe pattern such as "
					   "t:syscalls:*open*, raw_tp:sched_*, f:tcp_*, k:vfs_*, "
					   "p:c:*alloc* or u:python3:*",
					   pattern);
	} else {
		switch (ps->kind) {
		case PK_PROBE_TRACEPOINT:
			snprintf(glob, sizeof(glob), "%s:%s", ps->target, ps->name);
			err = list_tracepoints(run, &m, glob);
			break;
		case PK_PROBE_RAW_TP:
			err = list_raw_tracepoints(run, &m, ps->name);
			break;
		case PK_PROBE_UPROBE:
		case PK_PROBE_URETPROBE:
			err = list_uprobes(run, &m, ps);
			break;
		case PK_PROBE_USDT:
			err = list_usdt(run, &m, ps);
			if (!err && !m.nr && !strchr(ps->target, ':') && strcmp(ps->target, "*"))
				pk_run__error(run,
					      "note: u: is a USDT probe (as in bcc's trace); the "
					      "functions of %s are p:%s:%s",
					      ps->target, ps->target, ps->name);
			break;
		default:
			err = list_functions(run, &m, ps);
		}
	}
	if (!err && !m.nr) {
		suggest(run, pattern, ps);
		err = -ENOENT;
	}
	if (!err)
		print_matches(run, &m);
	free_matches(&m);
	free(ps);
	return err;
}

static int parse_opt(struct pk_run *run, int key, const char *arg)
{
	switch (key) {
	case 'v':
		env.verbose = true;
		return 0;
	case 'p':
		return pk_parse_pid_arg(run, "PID", arg, &env.pid);
	}
	return -EINVAL;
}

static int parse_args(struct pk_run *run, int argc, char **argv)
{
	(void)run;
	env.patterns = argv;
	env.nr_patterns = argc;
	return 0;
}

static int list_main(struct pk_run *run)
{
	static char *everything[] = { "t:*:*", "raw_tp:*", "*" };
	static char *of_pid[] = { "u:*:*" };
	char **patterns = env.patterns;
	int i, nr = env.nr_patterns, status = 0, err;

	if (!nr) {
		patterns = env.pid ? of_pid : everything;
		nr = env.pid ? 1 : 3;
	}
	for (i = 0; i < nr; i++) {
		err = list_pattern(run, patterns[i]);
		if (err == -PK_EUSAGE)
			return 2;
		/* listing everything, a source this kernel lacks is no failure */
		if (err && env.nr_patterns)
			status = 1;
	}
	if (fflush(pk_run__out(run)) || ferror(pk_run__out(run)))
		status = 1;
	return status;
}

static const struct pk_option options[] = {
	{ "verbose-fields", 'v', NULL, "show tracepoint fields and USDT arguments" },
	{ "pid", 'p', "PID", "resolve libraries as process PID maps them; alone, list its USDT probes" },
	{},
};

const struct pk_tool list_tool = {
	.name = "list",
	.summary = "List what can be traced here: tracepoints, raw tracepoints, kernel and user "
		   "functions, USDT probes.",
	.usage = "[-v] [-p PID] [--json] [PATTERN...]",
	.examples = "  probekit list                        # tracepoints, raw tracepoints, "
		    "kernel functions\n"
		    "  probekit list -v 't:sched:sched_switch'  # with its fields\n"
		    "  probekit list 't:syscalls:*open*' 'raw_tp:sched_*'\n"
		    "  probekit list 'f:tcp_v4_*' 'k:vfs_*'  # fentry and kprobe targets\n"
		    "  probekit list 'p:c:*alloc*'          # functions of libc (uprobes)\n"
		    "  probekit list 'u:/usr/bin/python3:*' # USDT probes of a binary\n"
		    "  probekit list -p 181                 # USDT probes of a process\n",
	.options = options,
	.parse_opt = parse_opt,
	.parse_args = parse_args,
	.main = list_main,
};
