// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Maps printed as tables by the file's own row format (maptable.h). The
 * declaration comes from a file anyone may have written: every member it
 * names is checked against the BTF once, and rows only read inside the
 * key and value they were read into.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/maps.h>
#include <probekit/maptable.h>
#include <probekit/output.h>

#include "colformat.h"
#include "print.h"

#define MAX_FIELDS 16
#define MAX_TEXT 256

enum field_kind {
	F_UINT,
	F_INT,
	F_STR,
	F_TIME,
	/* an integer with a declared format (pk_syscall_t, PK_DURATION()...) */
	F_FORMAT,
};

struct field {
	char name[64];
	enum field_kind kind;
	bool in_value;
	__u32 offset, size;
	int width;
	/* F_FORMAT: the column colformat.c prints, at the member's own start */
	struct pk_event_column col;
};

/* the row: literal text, then a field, PK__ROW_PARTS times */
struct part {
	char text[MAX_TEXT];
	int field; /* -1: none (the trailing text) */
};

struct sort_key {
	int field;
	bool descending;
};

struct pk_map_table {
	struct bpf_object *obj;
	const struct bpf_map *map;
	struct field fields[MAX_FIELDS];
	int nr_fields;
	struct part parts[MAX_FIELDS + 1];
	int nr_parts;
	struct sort_key sort[MAX_FIELDS];
	int nr_sort;
	char header[MAX_TEXT];
	bool header_once, clear, percpu;
	/* the global named by PK_ROW_TOP() */
	char top[64];
};

/* The decl tags of the map's variable, one at a time through @fn. */
static int for_each_tag(const struct btf *btf, const char *var,
			int (*fn)(struct pk_map_table *t, const char *tag, char *why, size_t sz),
			struct pk_map_table *t, char *why, size_t why_size)
{
	__u32 i, n = btf__type_cnt(btf);
	int err;

	for (i = 1; i < n; i++) {
		const struct btf_type *tt = btf__type_by_id(btf, i), *v;
		const char *name;

		if (!btf_is_decl_tag(tt) || btf_decl_tag(tt)->component_idx != -1)
			continue;
		v = btf__type_by_id(btf, tt->type);
		name = v && btf_is_var(v) ? btf__name_by_offset(btf, v->name_off) : NULL;
		if (!name || strcmp(name, var))
			continue;
		name = btf__name_by_offset(btf, tt->name_off);
		if (name && (!strncmp(name, "pk_row", 6) || !strcmp(name, "pk_clear")) &&
		    (err = fn(t, name, why, why_size)))
			return err;
	}
	return 0;
}

/*
 * An integer member's declared format, as an event table's column has it
 * (struct @sid's member @idx, or the plain key or value @type with @sid 0):
 * then F_FORMAT. An undeclared one stays a number.
 */
static int take_format(const struct btf *btf, __u32 sid, int idx, __u32 type, struct field *f)
{
	struct pk__col_decl d;

	if (pk__col_decl(btf, sid, idx, type, &d, NULL, 0) || !d.declared ||
	    (!pk__col_is_int_format(d.kind) && d.kind != PK_COL_ERRNO))
		return 0;
	f->col.type_id = btf__resolve_type(btf, type);
	f->col.bit_size = f->size * 8;
	f->col.kind = f->kind == F_INT ? PK_COL_INT : PK_COL_UINT;
	f->col.is_signed = f->kind == F_INT;
	f->col.pid_column = -1;
	f->col.precision = -1;
	if (pk__col_apply(btf, &d, &f->col, NULL, 0))
		return -EINVAL;
	f->kind = F_FORMAT;
	return 0;
}

/* A member's place and kind: @type is the key's or value's. */
static int find_member(const struct btf *btf, __u32 type, const char *name, struct field *f)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, type));
	const struct btf_member *m = NULL;
	__u32 id = type, sid = 0;
	int i = -1;

	if (!t)
		return -ENOENT;
	if (btf_is_composite(t)) {
		m = btf_members(t);
		for (i = 0; i < btf_vlen(t); i++, m++) {
			const char *mn = btf__name_by_offset(btf, m->name_off);

			if (mn && !strcmp(mn, name) && !btf_member_bitfield_size(t, i) &&
			    !(btf_member_bit_offset(t, i) % 8))
				break;
		}
		if (i == btf_vlen(t))
			return -ENOENT;
		f->offset = btf_member_bit_offset(t, i) / 8;
		sid = btf__resolve_type(btf, type);
		id = m->type;
	} else if (strcmp(name, f->in_value ? "value" : "key")) {
		return -ENOENT;
	}
	id = btf__resolve_type(btf, id);
	t = btf__type_by_id(btf, id);
	if (t && btf_is_array(t)) {
		const struct btf_type *e = btf__type_by_id(btf, btf__resolve_type(btf,
								btf_array(t)->type));

		if (!e || !btf_is_int(e) || e->size != 1)
			return -EINVAL;
		f->kind = F_STR;
		f->size = btf_array(t)->nelems;
		return 0;
	}
	if (!t || (!btf_is_int(t) && !btf_is_any_enum(t)) || t->size > 8 || !t->size)
		return -EINVAL;
	f->size = t->size;
	f->kind = btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED) ? F_INT : F_UINT;
	return take_format(btf, sid, i, sid ? m->type : type, f);
}

/* The field called @name, added on first use; its index or -1 with @why. */
static int field_of(struct pk_map_table *t, const char *name, char *why, size_t why_size)
{
	const struct btf *btf = bpf_object__btf(t->obj);
	struct field f = {};
	int i, err;

	for (i = 0; i < t->nr_fields; i++) {
		if (!strcmp(t->fields[i].name, name))
			return i;
	}
	if (t->nr_fields == MAX_FIELDS || strlen(name) >= sizeof(f.name)) {
		pk__why(why, why_size, "too many or too long members");
		return -1;
	}
	snprintf(f.name, sizeof(f.name), "%s", name);
	if (!strcmp(name, "time")) {
		f.kind = F_TIME;
	} else {
		err = find_member(btf, bpf_map__btf_key_type_id(t->map), name, &f);
		if (err == -ENOENT) {
			f.in_value = true;
			err = find_member(btf, bpf_map__btf_value_type_id(t->map), name, &f);
		}
		if (err == -ENOENT || err == -EINVAL) {
			pk__why(why, why_size, "%s%s", name, err == -ENOENT ?
				" is not a member of its key or value" :
				" is neither an integer nor a char array");
			return -1;
		}
	}
	t->fields[t->nr_fields] = f;
	return t->nr_fields++;
}

/* "{name:W}..." into parts */
static int parse_row(struct pk_map_table *t, const char *fmt, char *why, size_t why_size)
{
	char name[64], shown[80];
	const char *p = fmt, *close, *colon;
	size_t n = 0;
	struct part *part = &t->parts[0];

	while (*p) {
		if (*p != '{') {
			if (n + 1 >= MAX_TEXT)
				goto bad;
			part->text[n++] = *p++;
			continue;
		}
		close = strchr(p, '}');
		colon = memchr(p, ':', close ? (size_t)(close - p) : 0);
		if (!close || (size_t)((colon ?: close) - p - 1) >= sizeof(name) ||
		    t->nr_parts == MAX_FIELDS)
			goto bad;
		memcpy(name, p + 1, (colon ?: close) - p - 1);
		name[(colon ?: close) - p - 1] = '\0';
		part->field = field_of(t, name, why, why_size);
		if (part->field < 0)
			return -EINVAL;
		t->fields[part->field].width = colon ? atoi(colon + 1) : 0;
		if (abs(t->fields[part->field].width) > 64)
			goto bad;
		part = &t->parts[++t->nr_parts];
		n = 0;
		p = close + 1;
	}
	part->field = -1;
	t->nr_parts++;
	return 0;
bad:
	pk_escape_text(shown, sizeof(shown), fmt, strnlen(fmt, 60));
	pk__why(why, why_size, "bad row format \"%s\": give text and {member:WIDTH}", shown);
	return -EINVAL;
}

static int parse_sort(struct pk_map_table *t, const char *s, char *why, size_t why_size)
{
	char name[64];
	size_t len;

	while (*s) {
		s += strspn(s, " ,");
		len = strcspn(s, " ,");
		if (!len)
			break;
		if (len >= sizeof(name) || t->nr_sort == MAX_FIELDS)
			return -EINVAL;
		t->sort[t->nr_sort].descending = *s == '-';
		memcpy(name, s + (*s == '-'), len - (*s == '-'));
		name[len - (*s == '-')] = '\0';
		t->sort[t->nr_sort].field = field_of(t, name, why, why_size);
		if (t->sort[t->nr_sort++].field < 0)
			return -EINVAL;
		s += len;
	}
	return 0;
}

static int take_tag(struct pk_map_table *t, const char *tag, char *why, size_t why_size)
{
	static const struct {
		const char *prefix;
		size_t off, size;
	} names[] = {
	    {"pk_row_top:", offsetof(struct pk_map_table, top), sizeof(t->top)},
	};
	size_t i, n;

	if (!strncmp(tag, "pk_row:", 7))
		return parse_row(t, tag + 7, why, why_size);
	if (!strncmp(tag, "pk_row_sort:", 12))
		return parse_sort(t, tag + 12, why, why_size);
	if (!strncmp(tag, "pk_row_header:", 14)) {
		tag += 14;
		/* leading newlines are the file's: blank lines before the table */
		n = strspn(tag, "\n");
		if (n >= sizeof(t->header) / 2)
			return -EINVAL;
		memset(t->header, '\n', n);
		pk_escape_text(t->header + n, sizeof(t->header) - n, tag + n, strlen(tag + n));
		return 0;
	}
	t->header_once |= !strcmp(tag, "pk_row_header_once");
	t->clear |= !strcmp(tag, "pk_clear");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *list = (char *)t + names[i].off;

		if (strncmp(tag, names[i].prefix, strlen(names[i].prefix)))
			continue;
		tag += strlen(names[i].prefix);
		if (strlen(tag) >= names[i].size) {
			pk__why(why, why_size, "%s: too long a name", names[i].prefix);
			return -EINVAL;
		}
		snprintf(list, names[i].size, "%s", tag);
	}
	return 0;
}

static int find_row(struct pk_map_table *t, const char *tag, char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	if (!strncmp(tag, "pk_row:", 7))
		t->nr_parts = -1;
	return 0;
}

struct pk_map_table *pk_map_table__new(struct bpf_object *obj, const struct bpf_map *map,
				       char *why, size_t why_size)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct pk_map_table *t;
	char reason[256] = "";
	int err;

	errno = 0;
	if (!btf || !map)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->obj = obj;
	t->map = map;
	/* the row first: the sort may name members the row does not show */
	for_each_tag(btf, bpf_map__name(map), find_row, t, NULL, 0);
	if (t->nr_parts != -1) {
		free(t);
		return NULL;
	}
	t->nr_parts = 0;
	err = for_each_tag(btf, bpf_map__name(map), take_tag, t, reason, sizeof(reason));
	if (!err && !t->nr_parts)
		err = -EINVAL;
	if (err) {
		pk__why(why, why_size, "map %s: %s", bpf_map__name(map), reason);
		free(t);
		errno = EINVAL;
		return NULL;
	}
	t->percpu = bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_HASH ||
		    bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY;
	return t;
}

bool pk_map_table__header_once(const struct pk_map_table *t)
{
	return t->header_once;
}


static __u64 global(const struct pk_map_table *t, const char *name, __u64 dflt);

void pk_map_table__header(const struct pk_map_table *t, FILE *out)
{
	if (t->header[0])
		fprintf(out, "%s\n", t->header);
}

void pk_map_table__free(struct pk_map_table *t)
{
	free(t);
}

struct global_ctx {
	const char *name;
	__u64 value;
	bool found;
};

static int read_global(const struct btf *btf, const struct pk__rodata_var *v, void *ctx)
{
	struct global_ctx *g = ctx;

	(void)btf;
	if (strcmp(v->name, g->name) || v->size > 8)
		return 0;
	g->value = 0;
	memcpy(&g->value, v->data, v->size);
	g->found = true;
	return 1;
}

/* A const volatile global's value (at most 8 bytes); @dflt when it is not there. */
__u64 pk__print_global(struct bpf_object *obj, const char *name, __u64 dflt)
{
	struct global_ctx g = { name };

	if (!name[0])
		return dflt;
	pk__rodata_vars(obj, read_global, &g);
	return g.found ? g.value : dflt;
}

static __u64 global(const struct pk_map_table *t, const char *name, __u64 dflt)
{
	return pk__print_global(t->obj, name, dflt);
}

static const char *field_data(const struct field *f, const void *key, const void *value)
{
	return (const char *)(f->in_value ? value : key) + f->offset;
}

struct row_ctx {
	const struct pk_map_table *t;
	const struct pk_map_snapshot *s;
};

static int compare(const void *k1, const void *v1, const void *k2, const void *v2, void *ctx)
{
	const struct pk_map_table *t = ctx;
	int i, c = 0;

	for (i = 0; i < t->nr_sort && !c; i++) {
		const struct field *f = &t->fields[t->sort[i].field];
		const char *a = field_data(f, k1, v1), *b = field_data(f, k2, v2);

		if (f->kind == F_STR)
			c = strncmp(a, b, f->size);
		else if (f->kind == F_INT || (f->kind == F_FORMAT && f->col.is_signed))
			c = pk__load_int(a, f->size) < pk__load_int(b, f->size) ? -1 :
			    pk__load_int(a, f->size) > pk__load_int(b, f->size);
		else if (f->kind == F_UINT || f->kind == F_FORMAT)
			c = pk__load_uint(a, f->size) < pk__load_uint(b, f->size) ? -1 :
			    pk__load_uint(a, f->size) > pk__load_uint(b, f->size);
		if (t->sort[i].descending)
			c = -c;
	}
	return c;
}

/* "-2 ENOENT" as an event table shows a kernel return; 0 and up as numbers */
static void errno_text(char *buf, size_t size, long long v)
{
	const char *name = v < 0 ? pk__errno_known_name((int)-v) : NULL;

	snprintf(buf, size, "%lld%s%s", v, name ? " " : "", name ?: "");
}

/* A declared format's text, as the table shows it. */
static void format_field(const struct pk_map_table *t, const struct field *f, const char *p,
			 char *buf, size_t size)
{
	struct pk__col_env env = {.btf = bpf_object__btf(t->obj)};

	if (f->col.kind == PK_COL_ERRNO)
		errno_text(buf, size, pk__load_int(p, f->size));
	else
		pk__col_format(&env, &f->col, (const unsigned char *)p, f->size,
			       pk__load_uint(p, f->size), buf, size);
}

static void text_field(FILE *out, const struct pk_map_table *t, const struct field *f,
		       const char *p, const char *time)
{
	char buf[4 * 256 + 1];

	if (f->kind == F_FORMAT)
		format_field(t, f, p, buf, sizeof(buf));
	else if (f->kind == F_TIME)
		snprintf(buf, sizeof(buf), "%s", time);
	else if (f->kind == F_STR)
		pk_escape_text(buf, sizeof(buf), p, strnlen(p, f->size));
	else if (f->kind == F_INT)
		snprintf(buf, sizeof(buf), "%lld", (long long)pk__load_int(p, f->size));
	else
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)pk__load_uint(p, f->size));
	fprintf(out, "%*s", f->width, buf);
}

static void json_field(struct pk_json *j, const struct field *f, const char *p, const char *time)
{
	if (f->kind == F_TIME)
		pk_json__str(j, f->name, time, strlen(time));
	else if (f->kind == F_STR)
		pk_json__str(j, f->name, p, strnlen(p, f->size));
	else if (f->kind == F_INT || (f->kind == F_FORMAT && f->col.is_signed))
		pk_json__int(j, f->name, pk__load_int(p, f->size));
	else
		pk_json__uint(j, f->name, pk__load_uint(p, f->size));
}

/*
 * "named": {FIELD: TEXT} of the declared formats beside the raw values, as
 * an event's JSON has them (funccount's function name beside its number).
 */
static void json_named(const struct pk_map_table *t, struct pk_json *j, const void *key,
		       const void *value)
{
	char buf[4 * 256 + 1];
	bool open = false;
	int i;

	for (i = 0; i < t->nr_fields; i++) {
		const struct field *f = &t->fields[i];

		if (f->kind != F_FORMAT)
			continue;
		format_field(t, f, field_data(f, key, value), buf, sizeof(buf));
		if (!buf[0] || (!open && pk_json__object_begin(j, "named")))
			continue;
		open = true;
		pk_json__str(j, f->name, buf, strlen(buf));
	}
	if (open)
		pk_json__object_end(j);
}

static void print_row(const struct pk_map_table *t, FILE *out, bool json, const void *key,
		      const void *value, const char *time)
{
	struct pk_json j;
	int i;

	if (json)
		pk_json__begin(&j, out);
	for (i = 0; i < t->nr_parts; i++) {
		const struct part *part = &t->parts[i];
		const struct field *f = part->field >= 0 ? &t->fields[part->field] : NULL;

		if (!json)
			fputs(part->text, out);
		if (f && json)
			json_field(&j, f, field_data(f, key, value), time);
		else if (f)
			text_field(out, t, f, field_data(f, key, value), time);
	}
	if (json) {
		json_named(t, &j, key, value);
		pk_json__end(&j);
	} else {
		fputc('\n', out);
	}
}

int pk_map_table__print(const struct pk_map_table *t, FILE *out, bool json, const char *time)
{
	return pk__map_table_print(t, out, json, time, false);
}

int pk__map_table_print(const struct pk_map_table *t, FILE *out, bool json, const char *time,
			bool clear)
{
	LIBBPF_OPTS(pk_map_read_opts, ro, .sum_percpu = t->percpu);
	struct pk_map_snapshot *s;
	size_t i, n, top;
	int fd = bpf_map__fd(t->map);

	clear |= t->clear;
	s = clear ? pk_map_snapshot__new_and_clear(fd, &ro) : pk_map_snapshot__new(fd, &ro);
	if (!s)
		return -errno;
	if (t->nr_sort)
		pk_map_snapshot__sort(s, compare, (void *)t);
	n = pk_map_snapshot__count(s);
	top = global(t, t->top, 0);
	if (top && top < n)
		n = top;
	if (!json && !t->header_once)
		pk_map_table__header(t, out);
	for (i = 0; i < n; i++)
		print_row(t, out, json, pk_map_snapshot__key(s, i), pk_map_snapshot__value(s, i),
			  time ?: "");
	pk_map_snapshot__free(s);
	return (int)n;
}
