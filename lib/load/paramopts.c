// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Options declared in a BPF object: PK_OPTION() and PK_FILTER_*() tags
 * (bpf/probekit.bpf.h) on `const volatile` globals, read from the BTF.
 * A tag is "pk_option:SHORT|LONG|VALUE|HELP" or "pk_filter:KIND"; both
 * come from a file anyone may have written, so every field is checked.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/output.h>
#include <probekit/params.h>

#include "load.h"

/* The runtime's filters: the option each one is, and its variable. */
static const struct filter_kind {
	const char *kind;
	const char *var;
	char short_name;
	const char *long_name;
	const char *value_name;
	const char *help;
} filter_kinds[] = {
	{ "pid", "pk_filter_tgid", 'p', "pid", "PID", "trace this process only" },
	{ "tid", "pk_filter_tid", 't', "tid", "TID", "trace this thread only" },
	{ "uid", "pk_filter_uid", 'u', "uid", "UID", "trace this user only (a number or a name)" },
	{ "comm", "pk_filter_comm", 0, "comm", "COMM", "trace only tasks named COMM" },
	{ "cgroup", "pk_filter_cgroup", 0, "cgroup", "PATH",
	  "trace only tasks in this cgroup (v2) or below it" },
};

#define NR_FILTER_KINDS (sizeof(filter_kinds) / sizeof(filter_kinds[0]))

/* A variable's name for a message: it comes from the file. */
static const char *o_name(const char *name)
{
	static __thread char shown[64];

	pk_escape_text(shown, sizeof(shown), name ?: "?", name ? strnlen(name, 40) : 1);
	return shown;
}

/* Whether @var_id is a variable of a .rodata section: a `const volatile` global. */
static bool in_rodata(const struct btf *btf, __u32 var_id)
{
	__u32 i, n = btf__type_cnt(btf);
	int j;

	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const struct btf_var_secinfo *vs;
		const char *name;

		if (!btf_is_datasec(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (!name || strncmp(name, ".rodata", 7))
			continue;
		vs = btf_var_secinfos(t);
		for (j = 0; j < btf_vlen(t); j++, vs++) {
			if (vs->type == var_id)
				return true;
		}
	}
	return false;
}

static bool long_name_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= sizeof(((struct pk_param_option *)0)->long_name) || !isalnum((unsigned char)s[0]))
		return false;
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	}
	return true;
}

/* "m", "'m'", "\"m\"" or "": the short name, 0 for none, -1 when malformed. */
static int short_name(const char *s, size_t len)
{
	if (len == 3 && (s[0] == '\'' || s[0] == '"') && s[2] == s[0]) {
		s++;
		len = 1;
	}
	if (!len)
		return 0;
	if (len != 1 || !isalnum((unsigned char)s[0]))
		return -1;
	return (unsigned char)s[0];
}

static bool printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}
	return true;
}

/* "SHORT|LONG|VALUE|HELP" into @o; false with @why when malformed. */
static bool parse_option_tag(const char *tag, struct pk_param_option *o, char *why,
			     size_t why_size)
{
	const char *f[4], *end = tag + strlen(tag);
	size_t len[4];
	int i, c;

	f[0] = tag;
	for (i = 0; i < 3; i++) {
		const char *bar = strchr(f[i], '|');

		if (!bar) {
			pk__why(why, why_size, "give PK_OPTION(SHORT, \"LONG\", \"VALUE\", \"HELP\")");
			return false;
		}
		len[i] = bar - f[i];
		f[i + 1] = bar + 1;
	}
	len[3] = end - f[3];
	c = short_name(f[0], len[0]);
	if (c < 0) {
		pk__why(why, why_size, "the short name must be one letter or digit");
		return false;
	}
	if (!long_name_ok(f[1], len[1])) {
		pk__why(why, why_size, "the long name must be letters, digits, '-' and '_' "
				       "(at most %zu)", sizeof(o->long_name) - 1);
		return false;
	}
	if (len[2] >= sizeof(o->value_name) || len[3] >= sizeof(o->help) ||
	    !printable(f[2], len[2]) || !printable(f[3], len[3])) {
		pk__why(why, why_size, "the value name or help is too long or not printable");
		return false;
	}
	o->short_name = (char)c;
	memcpy(o->long_name, f[1], len[1]);
	memcpy(o->value_name, f[2], len[2]);
	memcpy(o->help, f[3], len[3]);
	return true;
}

static bool parse_filter_tag(const char *kind, const char *var, struct pk_param_option *o,
			     char *why, size_t why_size)
{
	const struct filter_kind *k;

	for (k = filter_kinds; k < filter_kinds + NR_FILTER_KINDS; k++) {
		if (strcmp(kind, k->kind))
			continue;
		if (strcmp(var, k->var)) {
			pk__why(why, why_size, "a %s filter goes on %s (PK_FILTER_...)", k->kind,
				k->var);
			return false;
		}
		snprintf(o->filter, sizeof(o->filter), "%s", k->kind);
		o->short_name = k->short_name;
		snprintf(o->long_name, sizeof(o->long_name), "%s", k->long_name);
		snprintf(o->value_name, sizeof(o->value_name), "%s", k->value_name);
		snprintf(o->help, sizeof(o->help), "%s", k->help);
		return true;
	}
	pk__why(why, why_size, "unknown filter; the filters are pid, tid, uid, comm, cgroup");
	return false;
}

static bool is_bool(const struct btf *btf, __u32 type)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, type));

	return t && btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_BOOL);
}

/* Two options may not share a name; neither may two declarations of one variable. */
static bool clashes(const struct pk_param_option *out, size_t n, const struct pk_param_option *o,
		    char *why, size_t why_size)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(out[i].long_name, o->long_name) ||
		    (o->short_name && out[i].short_name == o->short_name)) {
			pk__why(why, why_size, "%s and %s declare the same option name",
				out[i].name, o->name);
			return true;
		}
		if (!strcmp(out[i].name, o->name)) {
			pk__why(why, why_size, "%s is declared as an option twice", o->name);
			return true;
		}
	}
	return false;
}

/* One tag: 1 an option (in *o), 0 another tag, -EINVAL with @why. */
static int read_tag(const struct btf *btf, const struct btf_type *t, struct pk_param_option *o,
		    char *why, size_t why_size)
{
	const char *tag = btf__name_by_offset(btf, t->name_off), *var_name;
	const struct btf_type *var;
	char reason[200] = "", shown[64];
	bool ok;

	if (!tag || (strncmp(tag, "pk_option:", 10) && strncmp(tag, "pk_filter:", 10)))
		return 0;
	var = btf__type_by_id(btf, t->type);
	var_name = var ? btf__name_by_offset(btf, var->name_off) : NULL;
	if (!var || !btf_is_var(var) || !var_name || btf_decl_tag(t)->component_idx != -1 ||
	    !in_rodata(btf, t->type)) {
		pk_escape_text(shown, sizeof(shown), tag, strnlen(tag, 40));
		pk__why(why, why_size, "\"%s\" is not on a `const volatile` global", shown);
		return -EINVAL;
	}
	memset(o, 0, sizeof(*o));
	pk_escape_text(o->name, sizeof(o->name), var_name, strnlen(var_name, 60));
	pk__param_type_name(btf, var->type, o->type, sizeof(o->type));
	if (tag[3] == 'o')
		ok = parse_option_tag(tag + 10, o, reason, sizeof(reason));
	else
		ok = parse_filter_tag(tag + 10, var_name, o, reason, sizeof(reason));
	if (!ok) {
		pk__why(why, why_size, "the option declared on %s: %s", o->name, reason);
		return -EINVAL;
	}
	o->flag = !o->filter[0] && is_bool(btf, var->type);
	return 1;
}

/* "pk_range:LO:HI" on an option's variable: its range. */
static int read_ranges(const struct btf *btf, struct pk_param_option *out, size_t n, char *why,
		       size_t why_size)
{
	__u32 i, nr = btf__type_cnt(btf);
	size_t k;

	for (i = 1; i < nr; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i), *var;
		const char *tag, *name;
		long long lo, hi;
		int used = 0;

		if (!btf_is_decl_tag(t))
			continue;
		tag = btf__name_by_offset(btf, t->name_off);
		var = btf__type_by_id(btf, t->type);
		if (!tag || !var || !btf_is_var(var))
			continue;
		name = btf__name_by_offset(btf, var->name_off);
		for (k = 0; k < n && name; k++) {
			if (strcmp(out[k].name, name))
				continue;
			out[k].pid |= !strcmp(tag, "pk_check:pid");
			out[k].positional |= !strcmp(tag, "pk_positional");
			if (strncmp(tag, "pk_target:", 10))
				continue;
			/* cut, a list would lose its last programs without a word */
			if (strlen(tag + 10) >= sizeof(out[k].target_of)) {
				pk__why(why, why_size, "PK_TARGET() on %s: more than %zu characters "
						       "of program names", o_name(name),
					sizeof(out[k].target_of) - 1);
				return -EINVAL;
			}
			pk_escape_text(out[k].target_of, sizeof(out[k].target_of), tag + 10,
				       strlen(tag + 10));
		}
		if (strncmp(tag, "pk_range:", 9))
			continue;
		if (sscanf(tag + 9, "%lld:%lld%n", &lo, &hi, &used) != 2 || tag[9 + used] ||
		    lo > hi) {
			pk__why(why, why_size, "PK_OPTION_RANGE() on %s: give two integers, the "
					       "smaller first", o_name(name));
			return -EINVAL;
		}
		for (k = 0; k < n && name; k++) {
			if (!strcmp(out[k].name, name)) {
				out[k].ranged = true;
				out[k].min = lo;
				out[k].max = hi;
			}
		}
	}
	return 0;
}

int pk_params__options_btf(const struct btf *btf, struct pk_param_option *out, size_t max,
			   char *why, size_t why_size)
{
	struct pk_param_option o;
	__u32 i, n;
	size_t count = 0;
	int err;

	if (!btf || (!out && max))
		return -EINVAL;
	n = btf__type_cnt(btf);
	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);

		if (!t || !btf_is_decl_tag(t))
			continue;
		err = read_tag(btf, t, &o, why, why_size);
		if (err < 0)
			return err;
		if (!err)
			continue;
		if (count < max && clashes(out, count, &o, why, why_size))
			return -EINVAL;
		if (count < max)
			out[count] = o;
		count++;
	}
	err = read_ranges(btf, out, count < max ? count : max, why, why_size);
	return err ? err : (int)count;
}

struct default_ctx {
	struct pk_param_option *out;
	size_t n;
};

static int fill_default(const struct btf *btf, const struct pk__rodata_var *v, void *ctx)
{
	struct default_ctx *d = ctx;
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (!strcmp(d->out[i].name, v->name) && !d->out[i].filter[0])
			pk__param_format(btf, v->type, v->data, v->size, d->out[i].value,
					 sizeof(d->out[i].value));
	}
	return 0;
}

int pk_params__options(struct bpf_object *obj, struct pk_param_option *out, size_t max, char *why,
		       size_t why_size)
{
	const struct btf *btf = obj ? bpf_object__btf(obj) : NULL;
	struct default_ctx d = { out, 0 };
	int n;

	if (!obj)
		return -EINVAL;
	if (!btf)
		return 0;
	n = pk_params__options_btf(btf, out, max, why, why_size);
	if (n <= 0)
		return n;
	d.n = (size_t)n < max ? (size_t)n : max;
	pk__rodata_vars(obj, fill_default, &d);
	return n;
}

const char *pk_params__file_tag(const struct btf *btf, const char *prefix, int n)
{
	size_t len = prefix ? strlen(prefix) : 0;
	__u32 i, nr = btf ? btf__type_cnt(btf) : 0;

	for (i = 1; i < nr && len; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const char *tag;

		if (!btf_is_decl_tag(t))
			continue;
		tag = btf__name_by_offset(btf, t->name_off);
		if (tag && !strncmp(tag, prefix, len) && tag[len] == ':' && n-- == 0)
			return tag + len + 1;
	}
	return NULL;
}

/* Whether program @name is in @list, space-separated globs. */
bool pk__prog_listed(const char *list, const char *name)
{
	char pattern[128];
	size_t n;

	while (*list) {
		n = strcspn(list, " ");
		if (n && n < sizeof(pattern)) {
			memcpy(pattern, list, n);
			pattern[n] = '\0';
			if (!fnmatch(pattern, name, 0))
				return true;
		}
		list += n;
		list += strspn(list, " ");
	}
	return false;
}

bool pk_params__prog_off(const struct btf *btf, const char *name, bool pid)
{
	const char *list;
	int n;

	for (n = 0; (list = pk_params__file_tag(btf, pid ? "pk_without_pid" : "pk_with_pid", n));
	     n++) {
		if (pk__prog_listed(list, name))
			return true;
	}
	return false;
}
