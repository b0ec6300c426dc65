// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The runtime's side of options declared in a BPF object (paramopts.c
 * reads them): values checked on the command line against an object
 * opened for that, kept as NAME=VALUE, and set in the object that loads,
 * on each load attempt. The standard filters get their values here too.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
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
	return apply_filters(d, obj, d->pid ? d->pid : pid, why, why_size);
}

/* The value option @i has: given, else its default. */
static const char *value_of(const struct pk__declared *d, int i)
{
	const char *eq = d->sets[i] ? strchr(d->sets[i], '=') : NULL;

	return eq ? eq + 1 : d->opts[i].value;
}

int pk__declared_targets(const struct pk__declared *d, struct pk_attach *att, char *why,
			 size_t why_size)
{
	int i, err;

	for (i = 0; i < d->nr; i++) {
		const struct pk_param_option *o = &d->opts[i];
		struct pk_target t = { .prog = o->target_of, .target = value_of(d, i) };

		if (!o->target_of[0])
			continue;
		if (!t.target[0]) {
			pk__why(why, why_size, "give --%s %s: program %s attaches there",
				o->long_name, o->value_name, o->target_of);
			return -EINVAL;
		}
		err = pk_attach__add_target(att, &t);
		if (err) {
			pk__why(why, why_size, "%s", pk_attach__error(att));
			return err;
		}
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
