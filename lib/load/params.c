// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A BPF object's `const volatile` globals as named, typed parameters: the
 * variables of its .rodata DATASECs in BTF, read and written in the
 * sections' initial images, which libbpf copies into the maps at load.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/output.h>
#include <probekit/events.h>
#include <probekit/params.h>
#include <probekit/syscalls.h>

#include "load.h"

enum ptype_kind { PT_OTHER, PT_INT, PT_BOOL, PT_ENUM, PT_STR };

struct ptype {
	enum ptype_kind kind;
	const struct btf_type *t;
	size_t size;
	bool is_signed;
};

static void classify(const struct btf *btf, __u32 id, struct ptype *p)
{
	int rid = btf__resolve_type(btf, id);
	const struct btf_type *t = rid < 0 ? NULL : btf__type_by_id(btf, rid), *et;
	int eid;

	memset(p, 0, sizeof(*p));
	p->t = t;
	if (!t)
		return;
	if (btf_is_int(t)) {
		__u8 enc = btf_int_encoding(t);

		p->size = t->size;
		if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
			return;
		p->kind = enc & BTF_INT_BOOL ? PT_BOOL : PT_INT;
		p->is_signed = enc & BTF_INT_SIGNED;
	} else if (btf_is_any_enum(t)) {
		p->size = t->size;
		if (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8)
			p->kind = PT_ENUM;
		p->is_signed = btf_kflag(t);
	} else if (btf_is_array(t)) {
		eid = btf__resolve_type(btf, btf_array(t)->type);
		et = eid < 0 ? NULL : btf__type_by_id(btf, eid);
		if (et && btf_is_int(et) && et->size == 1 &&
		    !(btf_int_encoding(et) & BTF_INT_BOOL) && btf_array(t)->nelems) {
			p->kind = PT_STR;
			p->size = btf_array(t)->nelems;
		}
	}
}

/* "__u32", "bool", "enum color", "char[16]": the type as the C source wrote it. */
void pk__param_type_name(const struct btf *btf, __u32 id, char *buf, size_t size)
{
	char dims[48] = "";
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name;
	size_t n;
	int depth = 0;

	while (t && (btf_is_mod(t) || btf_is_array(t)) && depth++ < 16) {
		if (btf_is_array(t)) {
			n = strlen(dims);
			snprintf(dims + n, sizeof(dims) - n, "[%u]", btf_array(t)->nelems);
			id = btf_array(t)->type;
		} else {
			id = t->type;
		}
		t = btf__type_by_id(btf, id);
	}
	name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	if (!name)
		name = "";
	if (!t)
		snprintf(buf, size, "?%s", dims);
	else if (btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_BOOL))
		snprintf(buf, size, "bool%s", dims);
	else if (btf_is_any_enum(t))
		snprintf(buf, size, "enum%s%s%s", name[0] ? " " : "", name, dims);
	else if (btf_is_struct(t) || btf_is_union(t))
		snprintf(buf, size, "%s%s%s%s", btf_is_struct(t) ? "struct" : "union",
			 name[0] ? " " : "", name, dims);
	else if (btf_is_ptr(t))
		snprintf(buf, size, "pointer%s", dims);
	else
		snprintf(buf, size, "%s%s", name[0] ? name : "?", dims);
}

static void store_uint(void *dst, size_t size, __u64 v)
{
	__u8 u8 = v;
	__u16 u16 = v;
	__u32 u32 = v;

	switch (size) {
	case 1: memcpy(dst, &u8, 1); break;
	case 2: memcpy(dst, &u16, 2); break;
	case 4: memcpy(dst, &u32, 4); break;
	default: memcpy(dst, &v, 8);
	}
}

/* "-12", "0x1f": a sign and a magnitude; no octal, no spaces, no '+'. */
static int parse_magnitude(const char *s, bool *neg, __u64 *v)
{
	unsigned int base = 10, d;

	*neg = *s == '-';
	s += *neg;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (*v = 0; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (*v > (UINT64_MAX - d) / base)
			return -ERANGE;
		*v = *v * base + d;
	}
	return 0;
}

/* @text as an integer of @size bytes; the two's complement bits in *@out. */
static int parse_int(const char *text, size_t size, bool is_signed, __u64 *out, char *why,
		     size_t why_size)
{
	unsigned int bits = 8 * size;
	__u64 v, max;
	bool neg;
	int err = parse_magnitude(text, &neg, &v);

	if (err == -EINVAL) {
		snprintf(why, why_size, "not an integer (decimal or 0x hex)");
		return err;
	}
	if (!is_signed) {
		max = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
		if (!err && neg && v)
			err = -ERANGE;
		if (!err && v > max)
			err = -ERANGE;
		if (err)
			snprintf(why, why_size, "out of range 0..%llu", (unsigned long long)max);
		*out = v;
		return err;
	}
	max = (1ULL << (bits - 1)) - 1;
	if (!err && v > max + neg)
		err = -ERANGE;
	if (err) {
		snprintf(why, why_size, "out of range %lld..%llu", -(long long)max - 1,
			 (unsigned long long)max);
		return err;
	}
	*out = neg ? 0 - v : v;
	return 0;
}

static int parse_bool(const char *text, __u64 *out, char *why, size_t why_size)
{
	static const char *const yes[] = {"true", "1", "yes"}, *const no[] = {"false", "0", "no"};
	size_t i;

	for (i = 0; i < 3; i++) {
		if (!strcasecmp(text, yes[i]) || !strcasecmp(text, no[i])) {
			*out = !strcasecmp(text, yes[i]);
			return 0;
		}
	}
	snprintf(why, why_size, "not a bool (true/false/1/0/yes/no)");
	return -EINVAL;
}

static __u64 enum_value(const struct btf_type *t, int i)
{
	if (btf_is_enum64(t))
		return btf_enum64_value(btf_enum64(t) + i);
	return (__u64)(__s64)btf_enum(t)[i].val;
}

static const char *enum_name(const struct btf *btf, const struct btf_type *t, int i)
{
	return btf__name_by_offset(btf, btf_is_enum64(t) ? btf_enum64(t)[i].name_off
							 : btf_enum(t)[i].name_off);
}

static int parse_enum(const struct btf *btf, const struct ptype *p, const char *text, __u64 *out,
		      char *why, size_t why_size)
{
	size_t len = 0;
	int i, err;

	for (i = 0; i < btf_vlen(p->t); i++) {
		const char *name = enum_name(btf, p->t, i);

		if (name && !strcmp(name, text)) {
			*out = enum_value(p->t, i);
			return 0;
		}
	}
	err = parse_int(text, p->size, p->is_signed, out, why, why_size);
	if (err != -EINVAL)
		return err;
	len = snprintf(why, why_size, "not one of");
	for (i = 0; i < btf_vlen(p->t) && len < why_size; i++)
		len += snprintf(why + len, why_size - len, "%s%s", i ? ", " : " ",
				enum_name(btf, p->t, i) ?: "?");
	if (len < why_size)
		snprintf(why + len, why_size - len, "%s or a number", i ? "," : "");
	return -EINVAL;
}

/* The first pk_*_t typedef on @id's chain (a column format's: pk_errno_t...), else "". */
static const char *format_typedef(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name;

	while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
		name = btf__name_by_offset(btf, t->name_off);
		if (btf_is_typedef(t) && name && !strncmp(name, "pk_", 3))
			return name;
		t = btf__type_by_id(btf, t->type);
	}
	return "";
}

/*
 * An errno or a syscall given by name, for a pk_errno_t or pk_syscall_t
 * parameter (syscount -e EPERM, --syscall openat): its number in @text's
 * place, else @text unchanged (a number, or a name to be refused).
 */
static const char *named_number(const char *kind, const char *text, char *buf, size_t size)
{
	long nr = -1;
	int i;

	if (!strcmp(kind, "pk_syscall_t"))
		nr = pk_syscall_nr(text);
	for (i = 1; !strcmp(kind, "pk_errno_t") && i < 4096 && nr < 0; i++) {
		const char *name = pk__errno_known_name(i);

		if (name && !strcmp(name, text))
			nr = i;
	}
	if (nr < 0)
		return text;
	snprintf(buf, size, "%ld", nr);
	return buf;
}

int pk__param_parse(const struct btf *btf, __u32 type_id, const char *text, void *dst, size_t size,
		    char *why, size_t why_size)
{
	const char *kind = format_typedef(btf, type_id);
	char number[24];

	struct ptype p;
	size_t len;
	__u64 v = 0;
	int err;

	classify(btf, type_id, &p);
	if (p.kind == PT_OTHER || p.size != size) {
		snprintf(why, why_size, "this type cannot be set from text");
		return -EINVAL;
	}
	switch (p.kind) {
	case PT_STR:
		len = strlen(text);
		if (len >= size) {
			snprintf(why, why_size, "longer than %zu characters", size - 1);
			return -ERANGE;
		}
		memset(dst, 0, size);
		memcpy(dst, text, len);
		return 0;
	case PT_BOOL: err = parse_bool(text, &v, why, why_size); break;
	case PT_ENUM: err = parse_enum(btf, &p, text, &v, why, why_size); break;
	default:
		err = parse_int(named_number(kind, text, number, sizeof(number)), size, p.is_signed,
				&v, why, why_size);
		if (err == -EINVAL &&
		    (!strcmp(kind, "pk_errno_t") || !strcmp(kind, "pk_syscall_t")))
			snprintf(why, why_size, "neither %s name nor a number",
				 kind[3] == 'e' ? "an errno" : "a syscall");
	}
	if (!err)
		store_uint(dst, size, v);
	return err;
}

void pk__param_format(const struct btf *btf, __u32 type_id, const void *src, size_t size, char *buf,
		      size_t buf_size)
{
	struct ptype p;
	__u64 v;
	int i;

	classify(btf, type_id, &p);
	if (buf_size)
		buf[0] = '\0';
	if (p.kind == PT_OTHER || p.size != size)
		return;
	if (p.kind == PT_STR) {
		pk_escape_text(buf, buf_size, src, strnlen(src, size));
		return;
	}
	v = pk__load_uint(src, size);
	if (p.kind == PT_BOOL) {
		snprintf(buf, buf_size, "%s", v ? "true" : "false");
		return;
	}
	if (p.kind == PT_ENUM) {
		__u64 mask = size == 8 ? UINT64_MAX : (1ULL << (8 * size)) - 1;

		for (i = 0; i < btf_vlen(p.t); i++) {
			if ((enum_value(p.t, i) & mask) == v) {
				pk_escape_text(buf, buf_size, enum_name(btf, p.t, i) ?: "?", 256);
				return;
			}
		}
	}
	if (p.is_signed)
		snprintf(buf, buf_size, "%lld", (long long)pk__sign_extend(v, size * 8));
	else
		snprintf(buf, buf_size, "%llu", (unsigned long long)v);
}

/* Calls @fn for each variable of the .rodata sections until it returns non-zero. */
int pk__rodata_vars(struct bpf_object *obj, pk__rodata_var_fn fn, void *ctx)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	if (!btf)
		return 0;
	bpf_object__for_each_map (map, obj) {
		const struct btf_var_secinfo *vs;
		const struct btf_type *sec;
		const char *dot = strchr(bpf_map__name(map), '.');
		size_t data_size = 0;
		char *data;
		int id, i, err;

		if (!bpf_map__is_internal(map) || !dot || strncmp(dot, ".rodata", 7))
			continue;
		id = btf__find_by_name_kind(btf, dot, BTF_KIND_DATASEC);
		data = (char *)(uintptr_t)bpf_map__initial_value(map, &data_size);
		if (id < 0 || !data)
			continue;
		sec = btf__type_by_id(btf, id);
		vs = btf_var_secinfos(sec);
		for (i = 0; i < btf_vlen(sec); i++, vs++) {
			const struct btf_type *var = btf__type_by_id(btf, vs->type);
			struct pk__rodata_var v;

			if (!var || !btf_is_var(var) || (size_t)vs->offset + vs->size > data_size)
				continue;
			v.name = btf__name_by_offset(btf, var->name_off);
			if (!v.name)
				continue;
			v.type = var->type;
			v.map = map;
			v.data = data + vs->offset;
			v.size = vs->size;
			err = fn(btf, &v, ctx);
			if (err)
				return err;
		}
	}
	return 0;
}

struct rodata_find {
	const char *name;
	struct pk__rodata_var v;
};

static int rodata_match(const struct btf *btf, const struct pk__rodata_var *v, void *ctx)
{
	struct rodata_find *f = ctx;

	(void)btf;
	if (strcmp(v->name, f->name))
		return 0;
	f->v = *v;
	return 1;
}

void *pk__rodata_find(struct bpf_object *obj, const char *name, size_t *size)
{
	struct rodata_find f = {.name = name};

	if (pk__rodata_vars(obj, rodata_match, &f) != 1)
		return NULL;
	*size = f.v.size;
	return f.v.data;
}

int pk_object_set_rodata(struct bpf_object *obj, const char *name, const void *value, size_t size)
{
	size_t var_size;
	void *data = pk__rodata_find(obj, name, &var_size);

	if (!data)
		return -ENOENT;
	if (var_size != size)
		return -EINVAL;
	memcpy(data, value, size);
	return 0;
}

struct param_ctx {
	pk__rodata_var_fn fn;
	void *ctx;
};

static int param_filter(const struct btf *btf, const struct pk__rodata_var *v, void *ctx)
{
	struct param_ctx *pc = ctx;

	/* probekit's own, and statics inside functions ("fn.name") */
	if (!strncmp(v->name, "pk_", 3) || strchr(v->name, '.'))
		return 0;
	return pc->fn(btf, v, pc->ctx);
}

/* Calls @fn for each parameter until it returns non-zero, which is returned. */
static int for_each_param(struct bpf_object *obj, pk__rodata_var_fn fn, void *ctx)
{
	struct param_ctx pc = {fn, ctx};

	return pk__rodata_vars(obj, param_filter, &pc);
}

struct list_ctx {
	struct pk_param *out;
	size_t max, n;
};

static int list_one(const struct btf *btf, const struct pk__rodata_var *v, void *ctx)
{
	struct list_ctx *l = ctx;
	struct pk_param *p;

	if (l->n < l->max) {
		p = &l->out[l->n];
		snprintf(p->name, sizeof(p->name), "%s", v->name);
		pk__param_type_name(btf, v->type, p->type, sizeof(p->type));
		pk__param_format(btf, v->type, v->data, v->size, p->value, sizeof(p->value));
	}
	l->n++;
	return 0;
}

int pk_params__list(struct bpf_object *obj, struct pk_param *out, size_t max)
{
	struct list_ctx l = {out, out ? max : 0, 0};
	int err;

	if (!obj)
		return -EINVAL;
	err = for_each_param(obj, list_one, &l);
	return err ? err : (int)l.n;
}

struct find_ctx {
	const char *name;
	size_t name_len;
	const struct btf *btf;
	struct pk__rodata_var v;
};

static int find_one(const struct btf *btf, const struct pk__rodata_var *v, void *ctx)
{
	struct find_ctx *f = ctx;

	if (strlen(v->name) != f->name_len || strncmp(v->name, f->name, f->name_len))
		return 0;
	f->btf = btf;
	f->v = *v;
	return 1;
}

static int set_param(struct bpf_object *obj, const char *assignment, bool own, char *why,
		     size_t why_size)
{
	char reason[256], type[64], shown[96];
	const char *eq = assignment ? strchr(assignment, '=') : NULL;
	struct find_ctx f = {};
	int err;

	if (!why)
		why_size = 0;
	if (why_size)
		why[0] = '\0';
	if (!obj || !eq || eq == assignment) {
		snprintf(why, why_size, "expected NAME=VALUE");
		return -EINVAL;
	}
	f.name = assignment;
	f.name_len = (size_t)(eq - assignment);
	pk_escape_text(shown, sizeof(shown), assignment, f.name_len);
	if ((own ? pk__rodata_vars(obj, find_one, &f) : for_each_param(obj, find_one, &f)) != 1) {
		snprintf(why, why_size, "no parameter %s (a `const volatile` global)", shown);
		return -ENOENT;
	}
	if (bpf_map__fd(f.v.map) >= 0) {
		snprintf(why, why_size, "parameter %s cannot change: the object is loaded", shown);
		return -EBUSY;
	}
	pk__param_type_name(f.btf, f.v.type, type, sizeof(type));
	err = pk__param_parse(f.btf, f.v.type, eq + 1, f.v.data, f.v.size, reason, sizeof(reason));
	if (err) {
		pk_escape_text(shown, sizeof(shown), eq + 1, strlen(eq + 1));
		snprintf(why, why_size, "%.*s (%s): bad value \"%s\": %s", (int)f.name_len,
			 assignment, type, shown, reason);
	}
	return err;
}

int pk_params__set(struct bpf_object *obj, const char *assignment, char *why, size_t why_size)
{
	return set_param(obj, assignment, false, why, why_size);
}

int pk__param_set_own(struct bpf_object *obj, const char *assignment, char *why, size_t why_size)
{
	return set_param(obj, assignment, true, why, why_size);
}
