// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Values by BTF: the text is libbpf's btf_dump output, rewritten into
 * bcc's compact items() form; JSON comes from a walk of the type, since
 * btf_dump has no JSON form.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include <probekit/btfvalue.h>

#include "print.h"

#define MAX_RESOLVE 32

struct pk_btf_printer {
	const struct btf *btf;
	struct btf_dump *dump;
	char *raw;
	size_t len, cap;
	bool oom;
};

static void collect(void *ctx, const char *fmt, va_list ap)
{
	struct pk_btf_printer *p = ctx;
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(p->raw + p->len, p->cap - p->len, fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	if (p->len + n + 1 > p->cap) {
		size_t cap = (p->len + n + 1) * 2;
		char *raw = realloc(p->raw, cap);

		if (!raw) {
			p->oom = true;
			return;
		}
		p->raw = raw;
		p->cap = cap;
		vsnprintf(p->raw + p->len, p->cap - p->len, fmt, ap);
	}
	p->len += n;
}

struct pk_btf_printer *pk_btf_printer__new(const struct btf *btf)
{
	struct pk_btf_printer *p;

	if (!btf) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->btf = btf;
	p->cap = 256;
	p->raw = malloc(p->cap);
	p->dump = btf_dump__new((struct btf *)btf, collect, p, NULL);
	if (!p->raw || !p->dump) {
		pk_btf_printer__free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void pk_btf_printer__free(struct pk_btf_printer *p)
{
	if (!p)
		return;
	btf_dump__free(p->dump);
	free(p->raw);
	free(p);
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void puts_(struct out *o, const char *s)
{
	while (*s)
		put(o, *s++);
}

static void put_escaped(struct out *o, unsigned char c)
{
	char hex[8];

	switch (c) {
	case '"': puts_(o, "\\\""); return;
	case '\\': puts_(o, "\\\\"); return;
	case '\n': puts_(o, "\\n"); return;
	case '\t': puts_(o, "\\t"); return;
	case '\r': puts_(o, "\\r"); return;
	}
	if (c < 0x20 || c >= 0x7f) {
		snprintf(hex, sizeof(hex), "\\x%02x", c);
		puts_(o, hex);
	} else {
		put(o, c);
	}
}

/*
 * A char array as btf_dump prints it, ['a','b',10,] (stopping at the NUL),
 * becomes "ab\n". @s points at the '['; returns the position after ']'.
 */
static const char *char_array(struct out *o, const char *s)
{
	put(o, '"');
	for (s++; *s && *s != ']';) {
		if (s[0] == '\'' && s[1] && s[2] == '\'') {
			put_escaped(o, (unsigned char)s[1]);
			s += 3;
		} else if (*s == '-' || isdigit((unsigned char)*s)) {
			put_escaped(o, (unsigned char)strtol(s, (char **)&s, 0));
		} else {
			s++;
		}
		if (*s == ',')
			s++;
	}
	put(o, '"');
	return *s ? s + 1 : s;
}

/* Skips a "(type)" cast at @s; says whether it was a char array's. */
static const char *skip_cast(const char *s, bool *chars)
{
	const char *start = s;
	int depth = 0;

	do {
		if (*s == '(')
			depth++;
		else if (*s == ')')
			depth--;
		s++;
	} while (*s && depth > 0);
	*chars = s - start > 8 && !strncmp(s - 2, "])", 2) && memmem(start, s - start, "char[", 5);
	return s;
}

/* btf_dump's compact form to bcc's: {.a = (int)1,.b = (char[4])['x',],} -> {a=1, b="x"}. */
static void compact(const char *s, struct out *o)
{
	bool value_pos = true, chars = false;

	while (*s) {
		if (value_pos && *s == '(') {
			s = skip_cast(s, &chars);
			continue;
		}
		if (chars && *s == '[') {
			s = char_array(o, s);
			chars = false;
			value_pos = false;
			continue;
		}
		chars = false;
		if (*s == '\'' && s[1] && s[2] == '\'') {
			put(o, '\'');
			put_escaped(o, (unsigned char)s[1]);
			put(o, '\'');
			s += 3;
			value_pos = false;
			continue;
		}
		if (*s == ',' && (s[1] == '}' || s[1] == ']')) {
			s++;
			continue;
		}
		if (*s == '.' && value_pos) {
			s++;
			continue;
		}
		if (!strncmp(s, " = ", 3)) {
			put(o, '=');
			s += 3;
			value_pos = true;
			continue;
		}
		put(o, *s);
		if (*s == ',')
			put(o, ' ');
		value_pos = *s == '{' || *s == '[' || *s == ',';
		s++;
	}
}


/* One value through btf_dump, made compact, appended to @o. */
static int dump_leaf(struct pk_btf_printer *p, __u32 id, const void *data, size_t size,
		     struct out *o)
{
	LIBBPF_OPTS(btf_dump_type_data_opts, opts, .compact = true, .emit_zeroes = true);
	int err;

	p->len = 0;
	p->raw[0] = '\0';
	p->oom = false;
	err = btf_dump__dump_type_data(p->dump, id, data, size, &opts);
	if (p->oom)
		err = -ENOMEM;
	if (err < 0)
		return err;
	compact(p->raw, o);
	return 0;
}

static int text_value(struct pk_btf_printer *p, __u32 id, const unsigned char *d, size_t size,
		      struct out *o, int depth);

static int text_members(struct pk_btf_printer *p, const struct btf_type *t,
			const unsigned char *d, size_t size, struct out *o, int depth)
{
	const struct btf_member *m = btf_members(t);
	char num[32];
	int i, err;

	put(o, '{');
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(p->btf, m->name_off);
		__u32 bits = btf_member_bitfield_size(t, i), off = btf_member_bit_offset(t, i);
		__u32 mid = m->type;
		const struct btf_type *mt = pk__btf_resolve(p->btf, &mid);
		size_t byte = off / 8, nbytes = (off % 8 + bits + 7) / 8;

		if (i)
			puts_(o, ", ");
		if (name && name[0]) {
			puts_(o, name);
			put(o, '=');
		}
		if (bits && mt && btf_is_int(mt) && nbytes <= 8 && bits <= 64 && byte + nbytes <= size) {
			/* a bitfield: btf_dump prints those only inside their struct */
			__u64 v = pk__load_uint(d + byte, nbytes) >> (off % 8);

			v &= bits < 64 ? (1ULL << bits) - 1 : ~0ULL;
			if (btf_int_encoding(mt) & BTF_INT_SIGNED)
				snprintf(num, sizeof(num), "%lld", (long long)pk__sign_extend(v, bits));
			else
				snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
			puts_(o, num);
			continue;
		}
		err = byte <= size && !bits ? text_value(p, m->type, d + byte, size - byte, o, depth + 1) :
					      -E2BIG;
		if (err)
			put(o, '?');
	}
	put(o, '}');
	return 0;
}

/*
 * Structs, unions and arrays of them are taken apart here and their
 * members dumped one call each: libbpf before 1.5 stops printing every
 * array that follows a NUL-terminated char array within one call.
 */
static int text_value(struct pk_btf_printer *p, __u32 id, const unsigned char *d, size_t size,
		      struct out *o, int depth)
{
	const struct btf_type *t = pk__btf_resolve(p->btf, &id), *et;
	__u32 eid, i;
	__s64 esz;

	if (!t || depth > MAX_RESOLVE)
		return -EINVAL;
	if (btf_is_struct(t) || btf_is_union(t)) {
		if (t->size > size)
			return -E2BIG;
		return text_members(p, t, d, size, o, depth);
	}
	if (btf_is_array(t)) {
		eid = btf_array(t)->type;
		et = pk__btf_resolve(p->btf, &eid);
		esz = btf__resolve_size(p->btf, eid);
		if (et && esz > 0 && (btf_is_composite(et) || btf_is_array(et))) {
			if ((__u64)esz * btf_array(t)->nelems > size)
				return -E2BIG;
			put(o, '[');
			for (i = 0; i < btf_array(t)->nelems; i++) {
				if (i)
					puts_(o, ", ");
				if (text_value(p, eid, d + i * esz, esz, o, depth + 1))
					put(o, '?');
			}
			put(o, ']');
			return 0;
		}
	}
	return dump_leaf(p, id, d, size, o);
}

int pk_btf_printer__text(struct pk_btf_printer *p, __u32 type_id, const void *data, size_t size,
			 char *buf, size_t buf_size)
{
	struct out o = { buf, buf_size, 0 };
	int err;

	if (!p || !data || (!buf && buf_size))
		return -EINVAL;
	err = text_value(p, type_id, data, size, &o, 0);
	if (err < 0) {
		if (buf_size)
			snprintf(buf, buf_size, "<%s>", strerror(-err));
		return err;
	}
	if (buf_size)
		buf[o.len < buf_size ? o.len : buf_size - 1] = '\0';
	return (int)o.len;
}

/* JSON --------------------------------------------------------------------- */


static bool is_char(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = pk__btf_resolve(btf, &id);

	return t && btf_is_int(t) && t->size == 1 && !(btf_int_encoding(t) & BTF_INT_BOOL);
}

/* The caller's printer of some members (pk__btf_value_json_hook()), and where the value began. */
struct hook {
	pk__json_member_fn fn;
	void *ctx;
	const unsigned char *base;
};

static void walk(const struct btf *btf, __u32 id, const unsigned char *d, size_t size,
		 struct pk_json *j, const char *key, int depth, const struct hook *h);

/* @nbytes little-endian bytes at @d hold the value at @bit_off, @bits wide. */
static void json_int_bits(__u8 enc, const unsigned char *d, size_t nbytes, struct pk_json *j,
			  const char *key, unsigned int bit_off, unsigned int bits)
{
	__u64 v = pk__load_uint(d, nbytes) >> (bit_off < 64 ? bit_off : 0);

	if (bits < 64)
		v &= (1ULL << bits) - 1;
	if (enc & BTF_INT_BOOL)
		pk_json__bool(j, key, v != 0);
	else if (enc & BTF_INT_SIGNED)
		pk_json__int(j, key, pk__sign_extend(v, bits ? bits : 64));
	else
		pk_json__uint(j, key, v);
}

static void json_int(const struct btf_type *t, const unsigned char *d, size_t size,
		     struct pk_json *j, const char *key)
{
	unsigned int bits = btf_int_bits(t), off = btf_int_offset(t);

	if (t->size > 8 || t->size > size || !bits || bits > 64 || off + bits > t->size * 8) {
		pk_json__null(j, key);
		return;
	}
	json_int_bits(btf_int_encoding(t), d, t->size, j, key, off, bits);
}

static void json_enum(const struct btf *btf, const struct btf_type *t, const unsigned char *d,
		      size_t size, struct pk_json *j, const char *key)
{
	bool is_signed = btf_kflag(t);
	__u64 v;
	int i;

	if (t->size > 8 || t->size > size || !t->size) {
		pk_json__null(j, key);
		return;
	}
	v = pk__load_uint(d, t->size);
	if (is_signed)
		v = (__u64)pk__sign_extend(v, t->size * 8);
	for (i = 0; i < btf_vlen(t); i++) {
		__u64 ev;
		const char *name;

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;

			ev = is_signed ? (__u64)(__s64)e->val : (__u32)e->val;
			if (t->size < 8 && !is_signed)
				ev &= t->size == 4 ? 0xffffffffULL : (1ULL << (t->size * 8)) - 1;
			name = btf__name_by_offset(btf, e->name_off);
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;

			ev = btf_enum64_value(e);
			name = btf__name_by_offset(btf, e->name_off);
		}
		if (ev == v && name && name[0]) {
			pk_json__str(j, key, name, strlen(name));
			return;
		}
	}
	if (is_signed)
		pk_json__int(j, key, (__s64)v);
	else
		pk_json__uint(j, key, v);
}

static void json_array(const struct btf *btf, const struct btf_type *t, const unsigned char *d,
		       size_t size, struct pk_json *j, const char *key, int depth,
		       const struct hook *h)
{
	const struct btf_array *a = btf_array(t);
	__s64 esz = btf__resolve_size(btf, a->type);
	size_t i, n = a->nelems;

	if (is_char(btf, a->type)) {
		pk_json__str(j, key, (const char *)d, n < size ? n : size);
		return;
	}
	if (esz <= 0 || pk_json__array_begin(j, key)) {
		pk_json__null(j, key);
		return;
	}
	for (i = 0; i < n && (i + 1) * (size_t)esz <= size; i++)
		walk(btf, a->type, d + i * esz, esz, j, NULL, depth + 1, h);
	pk_json__array_end(j);
}

static void json_members(const struct btf *btf, const struct btf_type *t, const unsigned char *d,
			 size_t size, struct pk_json *j, int depth, const struct hook *h)
{
	const struct btf_member *m = btf_members(t);
	int i;

	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		__u32 bits = btf_member_bitfield_size(t, i), off = btf_member_bit_offset(t, i);
		__u32 mid = m->type;
		const struct btf_type *mt = pk__btf_resolve(btf, &mid);
		size_t byte = off / 8;

		if (!mt || byte > size) {
			pk_json__null(j, name && name[0] ? name : "?");
			continue;
		}
		if ((!name || !name[0]) && (btf_is_struct(mt) || btf_is_union(mt))) {
			/* an anonymous struct or union: its members belong here */
			if (depth < PK_JSON_MAX_DEPTH)
				json_members(btf, mt, d + byte, size - byte, j, depth + 1, h);
			continue;
		}
		if (h && name && name[0] && !bits &&
		    h->fn(h->ctx, j, name, d + byte - h->base, size - byte))
			continue;
		if (bits && btf_is_int(mt)) {
			/* a bitfield: read the bytes that hold it */
			size_t nbytes = (off % 8 + bits + 7) / 8;

			if (byte + nbytes > size || nbytes > 8 || bits > 64) {
				pk_json__null(j, name && name[0] ? name : "?");
				continue;
			}
			json_int_bits(btf_int_encoding(mt), d + byte, nbytes, j, name, off % 8, bits);
			continue;
		}
		walk(btf, m->type, d + byte, size - byte, j, name && name[0] ? name : "?",
		     depth + 1, h);
	}
}

/* JSON has no NaN or infinity */
static void json_double(struct pk_json *j, const char *key, double v)
{
	if (isfinite(v))
		pk_json__double(j, key, v);
	else
		pk_json__null(j, key);
}

static void walk(const struct btf *btf, __u32 id, const unsigned char *d, size_t size,
		 struct pk_json *j, const char *key, int depth, const struct hook *h)
{
	const struct btf_type *t = pk__btf_resolve(btf, &id);

	if (!t || depth > PK_JSON_MAX_DEPTH) {
		pk_json__null(j, key);
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		json_int(t, d, size, j, key);
		return;
	case BTF_KIND_PTR:
		if (size >= 8)
			pk_json__uint(j, key, pk__load_uint(d, 8));
		else
			pk_json__null(j, key);
		return;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		json_enum(btf, t, d, size, j, key);
		return;
	case BTF_KIND_FLOAT:
		if (t->size == 4 && size >= 4) {
			float f;

			memcpy(&f, d, 4);
			json_double(j, key, f);
		} else if (t->size == 8 && size >= 8) {
			double f;

			memcpy(&f, d, 8);
			json_double(j, key, f);
		} else {
			pk_json__null(j, key);
		}
		return;
	case BTF_KIND_ARRAY: json_array(btf, t, d, size, j, key, depth, h); return;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if (pk_json__object_begin(j, key)) {
			pk_json__null(j, key);
			return;
		}
		json_members(btf, t, d, size, j, depth, h);
		pk_json__object_end(j);
		return;
	default: pk_json__null(j, key);
	}
}

void pk_btf_value_json(const struct btf *btf, __u32 type_id, const void *data, size_t size,
		       struct pk_json *j, const char *key)
{
	if (!btf || !data) {
		pk_json__null(j, key);
		return;
	}
	walk(btf, type_id, data, size, j, key, 0, NULL);
}

void pk__btf_value_json_hook(const struct btf *btf, __u32 type_id, const void *data, size_t size,
			     struct pk_json *j, const char *key, pk__json_member_fn fn, void *ctx)
{
	struct hook h = {.fn = fn, .ctx = ctx, .base = data};

	if (!btf || !data) {
		pk_json__null(j, key);
		return;
	}
	walk(btf, type_id, data, size, j, key, 0, fn ? &h : NULL);
}

int pk_btf_value_number(const struct btf *btf, __u32 id, const void *data, size_t size,
			long double *out)
{
	const struct btf_type *t;
	int i;

	for (i = 0; i < MAX_RESOLVE; i++) {
		t = pk__btf_resolve(btf, &id);
		if (!t)
			return -EINVAL;
		if (btf_is_composite(t) && btf_vlen(t) > 0 && btf_is_struct(t) &&
		    !btf_member_bitfield_size(t, 0) && btf_members(t)->offset == 0) {
			id = btf_members(t)->type;
			continue;
		}
		break;
	}
	if ((btf_is_int(t) || btf_is_enum(t) || btf_is_enum64(t)) && t->size <= 8 &&
	    t->size <= size && t->size) {
		__u64 v = pk__load_uint(data, t->size);
		bool is_signed = btf_is_int(t) ? btf_int_encoding(t) & BTF_INT_SIGNED : btf_kflag(t);

		*out = is_signed ? (long double)pk__sign_extend(v, t->size * 8) : (long double)v;
		return 0;
	}
	return -EINVAL;
}
