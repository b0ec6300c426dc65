// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The runtime's side of options declared in a BPF object (paramopts.c
 * reads them): values checked on the command line against an object
 * opened for that, kept as NAME=VALUE, and set in the object that loads,
 * on each load attempt. The standard filters get their values here too.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pwd.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include <bpf/libbpf.h>

#include <probekit/attach.h>
#include <probekit/output.h>
#include <probekit/params.h>
#include <probekit/parse.h>
#include <probekit/syscalls.h>
#include <probekit/targets.h>
#include <probekit/uprobe.h>

#include "runtime.h"

static int take_options(struct pk__declared *d, char *why, size_t why_size)
{
	char reason[256] = "";
	int n;

	n = pk_params__options(d->obj, NULL, 0, reason, sizeof(reason));
	if (n > PK__MAX_DECLARED) {
		pk__why(why, why_size, "%s declares %d options; at most %d", d->source, n,
			PK__MAX_DECLARED);
		return -E2BIG;
	}
	if (n > 0) {
		d->opts = calloc(n, sizeof(*d->opts));
		if (!d->opts)
			return -ENOMEM;
		n = pk_params__options(d->obj, d->opts, n, reason, sizeof(reason));
	}
	if (n < 0) {
		pk__why(why, why_size, "%s: %s", d->source, reason);
		return n;
	}
	d->nr = n;
	return 0;
}

static int option_index(const struct pk__declared *d, const char *var, size_t len)
{
	int i;

	for (i = 0; i < d->nr; i++) {
		if (strlen(d->opts[i].name) == len && !strncmp(d->opts[i].name, var, len))
			return i;
	}
	return -1;
}

/* PK_PROGS_WHEN()/PK_PROGS_UNLESS() must name an option: a typo would load, or drop, always. */
static int check_progs_tags(const struct pk__declared *d, char *why, size_t why_size)
{
	static const char *const kinds[] = {"pk_progs_when", "pk_progs_unless"};
	const struct btf *btf = bpf_object__btf(d->obj);
	const char *tag, *colon;
	size_t k;
	int n;

	for (k = 0; btf && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (n = 0; (tag = pk_params__file_tag(btf, kinds[k], n)); n++) {
			colon = strchr(tag, ':');
			if (colon && option_index(d, tag, colon - tag) >= 0)
				continue;
			pk__why(why, why_size,
				"%s: %s() names '%.*s', which is not one of its options", d->source,
				k ? "PK_PROGS_UNLESS" : "PK_PROGS_WHEN",
				colon ? (int)(colon - tag) : (int)strlen(tag), tag);
			return -EINVAL;
		}
	}
	return 0;
}

int pk__declared_open(struct pk__declared *d, const char *path, const char *name,
		      const void *data, size_t size, char *why, size_t why_size)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = name ?: path);
	const char *shown = name ?: path, *slash = strrchr(shown, '/');
	int err;

	pk__declared_free(d);
	snprintf(d->source, sizeof(d->source), "%s", slash ? slash + 1 : shown);
	d->obj = data ? bpf_object__open_mem(data, size, &oo) : bpf_object__open_file(path, NULL);
	if (!d->obj) {
		err = -errno;
		pk__why(why, why_size, "%s is not a usable BPF object", path);
		return err;
	}
	err = take_options(d, why, why_size);
	if (!err)
		err = check_progs_tags(d, why, why_size);
	if (err)
		pk__declared_free(d);
	return err;
}

void pk__declared_free(struct pk__declared *d)
{
	int i;

	bpf_object__close(d->obj);
	free(d->opts);
	for (i = 0; i < PK__MAX_DECLARED; i++)
		free(d->sets[i]);
	memset(d, 0, sizeof(*d));
}

void pk__declared_loaded(struct pk__declared *d)
{
	int i;

	bpf_object__close(d->obj);
	d->obj = NULL;
	free(d->opts);
	d->opts = NULL;
	d->nr = 0;
	for (i = 0; i < PK__MAX_DECLARED; i++) {
		free(d->sets[i]);
		d->sets[i] = NULL;
	}
}

/* cgroup v2's id is its directory's inode; its level, the steps below the root. */
static int cgroup_of(const char *path, __u64 *id, __u32 *level, char *why, size_t why_size)
{
	char real[PATH_MAX], *p;
	struct statfs sfs;
	struct stat st, up;

	if (!realpath(path, real) || stat(real, &st) || statfs(real, &sfs)) {
		pk__why(why, why_size, "cannot use cgroup %s: %s", path, strerror(errno));
		return -errno;
	}
	if (sfs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode)) {
		pk__why(why, why_size, "%s is not a cgroup v2 directory", path);
		return -EINVAL;
	}
	*id = st.st_ino;
	*level = 0;
	/* up to the mount's root, which is the hierarchy's (level 0) */
	while ((p = strrchr(real, '/')) && p != real) {
		*p = '\0';
		if (stat(real, &up) || up.st_dev != st.st_dev)
			break;
		(*level)++;
	}
	if (p == real && real[1] && !stat("/", &up) && up.st_dev == st.st_dev)
		(*level)++;
	return 0;
}

static int parse_uid(const char *arg, __u32 *uid)
{
	unsigned long v;
	struct passwd *pw;
	FILE *f;

	if (!pk_parse_ulong(arg, UINT32_MAX - 1, &v)) {
		*uid = v;
		return 0;
	}
	/* /etc/passwd itself: getpwnam()'s NSS modules cannot load in a static binary */
	f = fopen("/etc/passwd", "re");
	while (f && (pw = fgetpwent(f))) {
		if (!strcmp(pw->pw_name, arg)) {
			*uid = pw->pw_uid;
			fclose(f);
			return 0;
		}
	}
	if (f)
		fclose(f);
	return -EINVAL;
}

static int parse_filter(struct pk__declared *d, const struct pk_param_option *o, const char *arg,
			char *why, size_t why_size)
{
	pid_t pid;
	int err;

	if (!strcmp(o->filter, "pid") || !strcmp(o->filter, "tid")) {
		err = pk_parse_pid(arg, &pid);
		if (err == -ESRCH)
			pk__why(why, why_size, "no process with %s %s", o->value_name, arg);
		else if (err)
			pk__why(why, why_size, "invalid %s '%s'", o->value_name, arg);
		if (!err && o->filter[0] == 'p')
			d->pid = pid;
		else if (!err)
			d->tid = pid;
		return err ? -EINVAL : 0;
	}
	if (!strcmp(o->filter, "uid")) {
		if (parse_uid(arg, &d->uid) == 0) {
			d->uid_given = true;
			return 0;
		}
		pk__why(why, why_size, "invalid UID '%s': give a number or a user name", arg);
		return -EINVAL;
	}
	if (!strcmp(o->filter, "comm")) {
		if (!arg[0] || strlen(arg) >= sizeof(d->comm)) {
			pk__why(why, why_size, "invalid COMM '%s': give 1 to 15 characters, as the "
					       "kernel keeps them", arg);
			return -EINVAL;
		}
		snprintf(d->comm, sizeof(d->comm), "%s", arg);
		return 0;
	}
	return cgroup_of(arg, &d->cgroup, &d->cgroup_level, why, why_size) ? -EINVAL : 0;
}

int pk__declared_parse(struct pk__declared *d, int i, const char *arg, char *why, size_t why_size)
{
	const struct pk_param_option *o = &d->opts[i];
	char reason[320], *set, what[32], shown[64];
	pid_t pid;
	size_t k;
	int err;

	if (o->filter[0])
		return parse_filter(d, o, arg, why, why_size);
	if (o->pid && pk_parse_pid(arg, &pid) == -ESRCH) {
		pk__why(why, why_size, "no process with %s %s", o->value_name, arg);
		return -EINVAL;
	}
	if (asprintf(&set, "%s=%s", o->name, o->flag ? "true" : arg) < 0)
		return -ENOMEM;
	/* checked on the object opened for this: a bad value is a usage error */
	err = pk_params__set(d->obj, set, reason, sizeof(reason));
	if (!err && o->ranged &&
	    (strtoll(arg, NULL, 0) < o->min || strtoll(arg, NULL, 0) > o->max)) {
		snprintf(reason, sizeof(reason), "give a number from %lld to %lld", o->min, o->max);
		err = -ERANGE;
	}
	if (err) {
		free(set);
		/* "invalid count '0' for -t: give a number from 1 to 1000000" */
		for (k = 0; k + 1 < sizeof(what) && o->value_name[k]; k++)
			what[k] = tolower((unsigned char)o->value_name[k]);
		what[k] = '\0';
		pk_escape_text(shown, sizeof(shown), arg, strnlen(arg, 40));
		pk__why(why, why_size, "invalid %s '%s' for %s%s: %s", k ? what : "value", shown,
			o->short_name ? "-" : "--",
			o->short_name ? (char[2]){ o->short_name, 0 } : o->long_name, reason);
		return -EINVAL;
	}
	free(d->sets[i]);
	d->sets[i] = set;
	return 0;
}

static int set_own(struct bpf_object *obj, const char *fmt, unsigned long long v, char *why,
		   size_t why_size)
{
	char set[96];

	snprintf(set, sizeof(set), fmt, v);
	return pk__param_set_own(obj, set, why, why_size);
}

/* The filters' values, where the object declares them. */
static int apply_filters(const struct pk__declared *d, struct bpf_object *obj, pid_t pid,
			 char *why, size_t why_size)
{
	char set[64];
	int err = 0;

	if (pid)
		err = set_own(obj, "pk_filter_tgid=%llu", pid, why, why_size);
	if (!err && d->tid)
		err = set_own(obj, "pk_filter_tid=%llu", d->tid, why, why_size);
	if (!err && d->uid_given)
		err = set_own(obj, "pk_filter_uid=%llu", d->uid + 1ULL, why, why_size);
	if (!err && d->comm[0]) {
		snprintf(set, sizeof(set), "pk_filter_comm=%s", d->comm);
		err = pk__param_set_own(obj, set, why, why_size);
	}
	if (!err && d->cgroup)
		err = set_own(obj, "pk_filter_cgroup=%llu", d->cgroup, why, why_size);
	if (!err && d->cgroup)
		err = set_own(obj, "pk_filter_cgroup_level=%llu", d->cgroup_level, why, why_size);
	return err;
}

bool pk__declared_has_filter(const struct pk__declared *d, const char *kind)
{
	int i;

	for (i = 0; i < d->nr; i++) {
		if (!strcmp(d->opts[i].filter, kind))
			return true;
	}
	return false;
}

/*
 * PK_WITH_PID() / PK_WITHOUT_PID(): the programs that are not for this run
 * (with or without a pid filter) are not loaded; pk_object leaves them out
 * of its variants too.
 */
static void programs_for_pid(struct bpf_object *obj, bool pid)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		if (pk_params__prog_off(bpf_object__btf(obj), bpf_program__name(prog), pid))
			bpf_program__set_autoload(prog, false);
	}
}

static const char *value_of(const struct pk__declared *d, int i);

/* Whether option variable @var has a value that is set: not "", "0" or "false". */
static bool option_set(const struct pk__declared *d, const char *var, size_t len)
{
	int i = option_index(d, var, len);
	const char *v = i >= 0 ? value_of(d, i) : NULL;

	/* check_progs_tags() refused a tag without an option at open */
	return v && v[0] && strcmp(v, "0") && strcmp(v, "false");
}

/* Whether a "VAR:PROGS" tag of @kind lists @prog with VAR set (@set) or not. */
static bool listed_with(const struct pk__declared *d, const char *kind, const char *prog, bool set)
{
	const struct btf *btf = d->obj ? bpf_object__btf(d->obj) : NULL;
	const char *tag, *colon;
	int n;

	for (n = 0; btf && (tag = pk_params__file_tag(btf, kind, n)); n++) {
		colon = strchr(tag, ':');
		if (colon && pk__prog_listed(colon + 1, prog) &&
		    option_set(d, tag, colon - tag) == set)
			return true;
	}
	return false;
}

bool pk__declared_prog_off(const struct pk__declared *d, const char *prog)
{
	return listed_with(d, "pk_progs_when", prog, false) ||
	       listed_with(d, "pk_progs_unless", prog, true);
}

/* PK_PROGS_WHEN(): the programs of an option this run does not set are not loaded. */
static void programs_for_options(const struct pk__declared *d, struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program (prog, obj) {
		if (pk__declared_prog_off(d, bpf_program__name(prog)))
			bpf_program__set_autoload(prog, false);
	}
}

int pk__declared_apply(const struct pk__declared *d, struct bpf_object *obj, pid_t pid,
		       char *why, size_t why_size)
{
	int i, err;

	for (i = 0; i < d->nr; i++) {
		if (d->sets[i] && (err = pk_params__set(obj, d->sets[i], why, why_size)))
			return err;
	}
	if (!pk__declared_has_filter(d, "pid"))
		pid = 0;
	programs_for_pid(obj, d->pid || pid);
	programs_for_options(d, obj);
	return apply_filters(d, obj, d->pid ? d->pid : pid, why, why_size);
}

/* The value option @i has: given, else its default. */
static const char *value_of(const struct pk__declared *d, int i)
{
	const char *eq = d->sets[i] ? strchr(d->sets[i], '=') : NULL;

	return eq ? eq + 1 : d->opts[i].value;
}

/*
 * The kind of program a target is for, as bcc's funccount and funclatency
 * read one: "t:CAT:EVENT" a tracepoint, "k:FUNC", "f:FUNC" or a bare FUNC a
 * kernel function (kprobe or fentry), "p:LIB:SYM" or "LIB:SYM" a user
 * function. @target is set past the prefix.
 */
static bool kind_fits(enum pk_mech kind, const char *value, const char **target)
{
	const char *colon = strchr(value, ':');

	*target = value;
	if (!strncmp(value, "t:", 2)) {
		*target = value + 2;
		return kind == PK_MECH_TRACEPOINT;
	}
	if (!strncmp(value, "k:", 2) || !strncmp(value, "f:", 2) || !colon) {
		*target = value + (colon ? 2 : 0);
		return kind == PK_MECH_KPROBE || kind == PK_MECH_FENTRY;
	}
	if (!strncmp(value, "p:", 2))
		*target = value + 2;
	return kind == PK_MECH_UPROBE || kind == PK_MECH_UPROBE_MULTI;
}

/*
 * PK_TARGET_EACH: the names that match a pattern, in the order found, each
 * once. The table outlives the attachment: the printer names cookie i by
 * names[i] (pk__col_target_names()).
 */
#define PK_TARGET_EACH_MAX 1000

struct matches {
	const char *glob;
	regex_t re;
	bool regex;
	char **names;
	int nr;
};

static struct matches each;

static int match_one(const char *name, void *arg)
{
	struct matches *m = arg;
	char **names;
	int i;

	if (m->regex ? regexec(&m->re, name, 0, NULL, 0) : fnmatch(m->glob, name, 0))
		return 0;
	for (i = 0; i < m->nr; i++) {
		if (!strcmp(m->names[i], name))
			return 0;
	}
	if (m->nr == PK_TARGET_EACH_MAX)
		return -E2BIG;
	names = realloc(m->names, (m->nr + 1) * sizeof(*names));
	if (!names)
		return -ENOMEM;
	m->names = names;
	if (!(names[m->nr] = strdup(name)))
		return -ENOMEM;
	m->nr++;
	return 0;
}

static void matches_reset(struct matches *m)
{
	while (m->nr)
		free(m->names[--m->nr]);
	free(m->names);
	m->names = NULL;
	if (m == &each)
		pk__col_target_names(NULL, 0);
}

static int is_tag(const char *tag, void *ctx)
{
	return !strcmp(tag, ctx);
}

static bool has_tag(const struct pk__declared *d, int i, const char *tag)
{
	const struct btf *btf = d->obj ? bpf_object__btf(d->obj) : NULL;

	return btf && pk__var_tags(btf, d->opts[i].name, is_tag, (void *)tag) > 0;
}

/* A bool option tagged @tag is given (true). */
static bool flag_set(const struct pk__declared *d, const char *tag)
{
	const char *v;
	int i;

	for (i = 0; i < d->nr; i++) {
		if (!d->opts[i].flag || !has_tag(d, i, tag))
			continue;
		v = value_of(d, i);
		if (v[0] && strcmp(v, "0") && strcmp(v, "false"))
			return true;
	}
	return false;
}

/* The value of a bool option tagged PK_TARGET_REGEX is true. */
static bool regex_asked(const struct pk__declared *d)
{
	return flag_set(d, "pk_target_regex");
}

/*
 * The targets of @kind's program that @pattern (past its prefix) matches,
 * into each.names: "CAT:EVENT" for a tracepoint, FUNC for a kernel
 * function, LIB:SYM for a user one (the library as given, the symbols of
 * the file it names).
 */
static int expand(const struct pk__declared *d, enum pk_mech kind, const char *pattern,
		  bool regex, char *lib, size_t lib_size, char *why, size_t why_size)
{
	char path[PATH_MAX], rebuf[600];
	const char *pat = pattern;
	struct matches found = {};
	int err;

	lib[0] = '\0';
	if (kind == PK_MECH_UPROBE || kind == PK_MECH_UPROBE_MULTI) {
		const char *colon = strchr(pattern, ':');

		if (!colon) {
			pk__why(why, why_size, "%s: give LIB:PATTERN", pattern);
			return -EINVAL;
		}
		snprintf(lib, lib_size, "%.*s", (int)(colon - pattern), pattern);
		pat = colon + 1;
		err = pk_uprobe_find_binary(lib, d->pid, path, sizeof(path), why, why_size);
		if (err)
			return err;
	}
	found.glob = pat;
	found.regex = regex;
	/*
	 * A name without wildcards is that one target, checked when attached
	 * as without PK_TARGET_EACH: a kernel function the lists leave out
	 * (__x64_sys_getppid, an alias of the __do_sys_getppid that ftrace
	 * lists) still takes a kprobe.
	 */
	if (!regex && !strpbrk(pat, "*?[")) {
		err = match_one(pat, &found);
		goto done;
	}
	if (regex) {
		snprintf(rebuf, sizeof(rebuf), "^(%s)", pat);
		if (regcomp(&found.re, rebuf, REG_EXTENDED | REG_NOSUB)) {
			pk__why(why, why_size, "%s: not a regular expression", pat);
			return -EINVAL;
		}
	}
	switch (kind) {
	case PK_MECH_TRACEPOINT: err = pk_targets_tracepoints(match_one, &found); break;
	case PK_MECH_KPROBE: err = pk__targets_kprobe_functions(match_one, &found); break;
	case PK_MECH_FENTRY: err = pk_targets_btf_functions(match_one, &found); break;
	default: err = pk_targets_elf_functions(path, match_one, &found); break;
	}
	if (regex)
		regfree(&found.re);
done:
	if (err == -E2BIG)
		pk__why(why, why_size, "%s: more than %d matches", pattern, PK_TARGET_EACH_MAX);
	else if (err)
		pk__why(why, why_size, "%s: listing the targets failed: %s", pattern,
			strerror(-err));
	else if (!found.nr)
		pk__why(why, why_size, "%s: nothing here matches", pattern);
	if (!err && !found.nr)
		err = -ENOENT;
	/* a failed expansion keeps the names of an earlier one (another kind's) */
	if (err) {
		matches_reset(&found);
		return err;
	}
	matches_reset(&each);
	each = found;
	return 0;
}

/* PK_TARGET_EACH: program @t->prog once per match of @t->target, cookie i for match i. */
static int add_each(const struct pk__declared *d, enum pk_mech kind, struct pk_target *t,
		    bool regex, struct pk_attach *att, char *why, size_t why_size)
{
	char lib[PATH_MAX], target[PATH_MAX + 256];
	int i, err = expand(d, kind, t->target, regex, lib, sizeof(lib), why, why_size);

	for (i = 0; !err && i < each.nr; i++) {
		snprintf(target, sizeof(target), "%s%s%s", lib, lib[0] ? ":" : "", each.names[i]);
		t->target = target;
		t->cookie = i;
		if ((err = pk_attach__add_target(att, t)))
			pk__why(why, why_size, "%s", pk_attach__error(att));
	}
	if (!err)
		pk__col_target_names((const char *const *)each.names, each.nr);
	return err;
}

/*
 * PK_TARGET(a b c): several programs. The value goes to those of its kind
 * (kind_fits()); the others get no target, so they do not load.
 */
static int add_routed(const struct pk__declared *d, int i, const char *value,
		      struct pk_attach *att, char *why, size_t why_size)
{
	const struct pk_param_option *o = &d->opts[i];
	bool is_each = has_tag(d, i, "pk_target_each");
	const char *p = o->target_of, *target;
	bool missed = false;
	char name[64];
	size_t len;
	int n = 0, err;

	while (*(p += strspn(p, " "))) {
		struct bpf_program *prog;
		struct pk_target t = {};

		len = strcspn(p, " ");
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		p += len;
		prog = bpf_object__find_program_by_name(d->obj, name);
		if (!prog || !kind_fits(pk__prog_kind(prog), value, &target))
			continue;
		t.prog = name;
		t.target = target;
		if (is_each)
			err = add_each(d, pk__prog_kind(prog), &t, regex_asked(d), att, why,
				       why_size);
		else if ((err = pk_attach__add_target(att, &t)))
			pk__why(why, why_size, "%s", pk_attach__error(att));
		/*
		 * a pattern no function of this kind matches (a syscall wrapper
		 * in kallsyms, not in BTF) leaves this program out: another kind
		 * may take it, else this "nothing here matches" is the error
		 */
		if (err == -ENOENT && is_each) {
			missed = true;
			continue;
		}
		if (err)
			return err;
		n++;
	}
	if (!n && missed)
		return -ENOENT;
	/* another kind took it: no "nothing here matches" for the one that did not */
	if (missed && why_size)
		why[0] = '\0';
	if (!n) {
		pk__why(why, why_size, "--%s %s: no program here attaches to such a target (%s)",
			o->long_name, value, o->target_of);
		return -EINVAL;
	}
	return 0;
}

/*
 * A uprobe program's target given as a library or binary alone (bcc's
 * bashreadline -s /lib/libreadline.so): the symbol of the option's
 * default ("/bin/bash:readline") goes with it, into @buf.
 */
static bool library_alone(const struct pk__declared *d, const struct pk_param_option *o,
			  const char *value, char *buf, size_t size)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(d->obj, o->target_of);
	const char *sym = strrchr(o->value, ':');
	enum pk_mech kind = prog ? pk__prog_kind(prog) : PK_MECH_AUTO;

	if (strchr(value, ':') || !sym || (kind != PK_MECH_UPROBE && kind != PK_MECH_UPROBE_MULTI))
		return false;
	snprintf(buf, size, "%s%s", value, sym);
	return true;
}

/*
 * PK_TARGET_CHOICE(progs, "v1=target1 v2=target2"): programs @progs take
 * the target that the option's value chooses (fsslower -t xfs).
 */
struct choice {
	const struct pk__declared *d;
	const struct pk_param_option *o;
	const char *value;
	struct pk_attach *att;
	char *why;
	size_t why_size;
	int err;
};

static int add_choice(const char *tag, void *ctx)
{
	struct choice *c = ctx;
	const char *bar = strchr(tag, '|'), *p, *q;
	size_t vlen = strlen(c->value), len;
	char prog[64], target[128];

	if (strncmp(tag, "pk_target_choice:", 17) || !bar)
		return 0;
	for (p = bar + 1; *(p += strspn(p, " ")); p += len) {
		len = strcspn(p, " ");
		if (len > vlen && p[vlen] == '=' && !strncmp(p, c->value, vlen))
			break;
	}
	if (!*p) {
		pk__why(c->why, c->why_size, "--%s %s: choose one of: %s", c->o->long_name,
			c->value, bar + 1);
		/* the values alone: "ext4=ext4_sync_file xfs=..." as "ext4 xfs ..." */
		for (q = strstr(c->why, "choose one of: "); q && (q = strchr(q, '='));) {
			len = strcspn(q, " ");
			memmove((char *)q, q + len, strlen(q + len) + 1);
		}
		return c->err = -EINVAL;
	}
	snprintf(target, sizeof(target), "%.*s", (int)(len - vlen - 1), p + vlen + 1);
	for (p = tag + 17; p < bar; p += len) {
		struct pk_target t = {.prog = prog, .target = target};

		p += strspn(p, " ");
		len = strcspn(p, " |");
		snprintf(prog, sizeof(prog), "%.*s", (int)len, p);
		if (!len || !bpf_object__find_program_by_name(c->d->obj, prog))
			continue;
		if ((c->err = pk_attach__add_target(c->att, &t))) {
			pk__why(c->why, c->why_size, "%s", pk_attach__error(c->att));
			return c->err;
		}
	}
	return 0;
}

int pk__declared_targets(const struct pk__declared *d, struct pk_attach *att, char *why,
			 size_t why_size)
{
	const struct btf *btf = d->obj ? bpf_object__btf(d->obj) : NULL;
	char lib_sym[PATH_MAX + 64];
	int i, err;

	for (i = 0; i < d->nr; i++) {
		const struct pk_param_option *o = &d->opts[i];
		struct pk_target t = { .prog = o->target_of, .target = value_of(d, i) };
		struct choice c = {d, o, t.target, att, why, why_size, 0};

		if (btf && pk__var_tags(btf, o->name, add_choice, &c) && c.err)
			return c.err;
		if (!o->target_of[0])
			continue;
		if (!t.target[0]) {
			pk__why(why, why_size, "give --%s %s: program %s attaches there",
				o->long_name, o->value_name, o->target_of);
			return -EINVAL;
		}
		if (strchr(o->target_of, ' ') || has_tag(d, i, "pk_target_each")) {
			err = add_routed(d, i, t.target, att, why, why_size);
			if (err)
				return err;
			continue;
		}
		if (library_alone(d, o, t.target, lib_sym, sizeof(lib_sym)))
			t.target = lib_sym;
		if ((err = pk_attach__add_target(att, &t)))
			pk__why(why, why_size, "%s", pk_attach__error(att));
		if (err)
			return err;
	}
	return 0;
}

int pk__declared_positional(struct pk__declared *d, const char *arg, char *why, size_t why_size)
{
	int i;

	for (i = 0; i < d->nr; i++) {
		if (d->opts[i].positional && !d->sets[i])
			return pk__declared_parse(d, i, arg, why, why_size);
	}
	pk__why(why, why_size, "unexpected argument '%s'", arg);
	return -EINVAL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* bcc's syscount -l: sorted, four a line, "%-22s" joined by three blanks */
static void list_syscalls(FILE *out, bool json)
{
	long nr, max = pk_syscall_max(), n = 0, i;
	const char **names = calloc(max > 0 ? max : 1, sizeof(*names));
	struct pk_json j;

	for (nr = 0; names && nr < max; nr++) {
		if (pk_syscall_name(nr))
			names[n++] = pk_syscall_name(nr);
	}
	if (names)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		if (json) {
			pk_json__begin(&j, out);
			pk_json__str(&j, "syscall", names[i], strlen(names[i]));
			pk_json__int(&j, "nr", pk_syscall_nr(names[i]));
			pk_json__end(&j);
			continue;
		}
		fprintf(out, "%s%-22s", i % 4 ? "   " : "", names[i]);
		if (i % 4 == 3 || i == n - 1)
			fputc('\n', out);
	}
	free(names);
}

bool pk__declared_list(const struct pk__declared *d, FILE *out, bool json)
{
	if (!flag_set(d, "pk_lists:syscalls"))
		return false;
	list_syscalls(out, json);
	return true;
}

/* The value of the option tagged @tag (given, else its default), or NULL when none is. */
static const char *tagged_value(const struct pk__declared *d, const char *tag)
{
	int i;

	for (i = 0; i < d->nr; i++) {
		if (has_tag(d, i, tag))
			return value_of(d, i);
	}
	return NULL;
}

unsigned long pk__declared_sample_freq(const struct pk__declared *d)
{
	const char *v = tagged_value(d, "pk_sample_freq");

	return v ? strtoul(v, NULL, 0) : 0;
}

unsigned long pk__declared_duration_ms(const struct pk__declared *d)
{
	const char *v = tagged_value(d, "pk_duration");

	return v ? strtoul(v, NULL, 0) * 1000 : 0;
}
