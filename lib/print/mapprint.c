// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Whole maps printed by BTF, as bcc's items() loops print them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/btfvalue.h>
#include <probekit/eventtable.h>
#include <probekit/mapprint.h>
#include <probekit/maps.h>
#include <probekit/output.h>
#include "print.h"

#define TEXT_MAX 4096

bool pk_map__is_printable(const struct bpf_map *map)
{
	const char *name = bpf_map__name(map);

	/* probekit's own, and libbpf's (__bpf_usdt_specs...) */
	if (bpf_map__is_internal(map) || !strncmp(name, "pk_", 3) || !strncmp(name, "__bpf", 5) ||
	    name[0] == '.')
		return false;
	switch (bpf_map__type(map)) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH: return true;
	default: return false;
	}
}

static bool is_array(const struct bpf_map *map)
{
	return bpf_map__type(map) == BPF_MAP_TYPE_ARRAY ||
	       bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* A map declared as a table (PK_TABLE...): its tags. */
struct table_decl {
	bool table;
	const char *key, *value, *sort;
	size_t top;
};

struct ctx {
	const struct bpf_map *map;
	/* PK_TABLE: the key's and the value's columns, and the sort column */
	struct table_decl decl;
	struct pk_event_table *keys, *values;
	const struct pk_event_column *sort_col;
	bool sort_in_key, sort_ascending;
	const struct btf *btf;
	struct pk_btf_printer *printer;
	__u32 key_id, value_id, value_size;
	int nr_cpus;  /* per-CPU slots in each value: 1 unless per_cpu */
	bool per_cpu; /* printed apart */
	bool json;
	FILE *out;
	char key[TEXT_MAX], value[TEXT_MAX], line[3 * TEXT_MAX];
};

/* A number to sort by: the value's, summed over CPUs. */
static long double number(const struct ctx *c, const void *v)
{
	size_t stride = (c->value_size + 7) & ~7UL;
	long double sum = 0, x;
	int cpu;

	for (cpu = 0; cpu < c->nr_cpus; cpu++) {
		if (!c->value_id ||
		    pk_btf_value_number(c->btf, c->value_id, (const char *)v + cpu * stride,
					c->value_size, &x))
			return 0;
		sum += x;
	}
	return sum;
}

static int by_value_desc(const void *k1, const void *v1, const void *k2, const void *v2, void *arg)
{
	const struct ctx *c = arg;
	long double a = number(c, v1), b = number(c, v2);

	(void)k1;
	(void)k2;
	return a < b ? 1 : a > b ? -1 : 0;
}

static void hex(char *buf, size_t size, const unsigned char *d, size_t n)
{
	size_t i, len = 0;

	len += snprintf(buf, size, "0x");
	for (i = 0; i < n && len + 3 < size; i++)
		len += snprintf(buf + len, size - len, "%02x", d[i]);
}

/* A key or value as text: by BTF, else as bytes. */
static void text(struct ctx *c, __u32 id, const void *d, size_t n, char *buf)
{
	if (!id || !c->printer || pk_btf_printer__text(c->printer, id, d, n, buf, TEXT_MAX) < 0)
		hex(buf, TEXT_MAX, d, n);
}

static void json_value(struct ctx *c, struct pk_json *j, const char *key, __u32 id, const void *d,
		       size_t n)
{
	char buf[TEXT_MAX];

	/* a table's key or value: its address columns as addresses */
	if (id && c->keys && id == c->key_id) {
		pk__event_table_json_record(c->keys, j, key, d, n);
		return;
	}
	if (id && c->values && id == c->value_id) {
		pk__event_table_json_record(c->values, j, key, d, n);
		return;
	}
	if (id) {
		pk_btf_value_json(c->btf, id, d, n, j, key);
		return;
	}
	hex(buf, sizeof(buf), d, n);
	pk_json__str(j, key, buf, strlen(buf));
}

static void print_json(struct ctx *c, const void *k, const void *v, __u32 key_size)
{
	size_t stride = (c->value_size + 7) & ~7UL;
	const char *name = bpf_map__name(c->map);
	struct pk_json j;
	int cpu;

	pk_json__begin(&j, c->out);
	pk_json__str(&j, "map", name, strlen(name));
	json_value(c, &j, "key", c->key_id, k, key_size);
	if (c->per_cpu) {
		pk_json__array_begin(&j, "values");
		for (cpu = 0; cpu < c->nr_cpus; cpu++)
			json_value(c, &j, NULL, c->value_id, (const char *)v + cpu * stride,
				   c->value_size);
		pk_json__array_end(&j);
	} else {
		json_value(c, &j, "value", c->value_id, v, c->value_size);
	}
	pk_json__end(&j);
}

static void print_text(struct ctx *c, const void *k, const void *v, __u32 key_size)
{
	size_t stride = (c->value_size + 7) & ~7UL, len;
	char name[256];
	int cpu;

	pk_escape_text(name, sizeof(name), bpf_map__name(c->map), strlen(bpf_map__name(c->map)));
	text(c, c->key_id, k, key_size, c->key);
	if (!c->per_cpu) {
		text(c, c->value_id, v, c->value_size, c->value);
		snprintf(c->line, sizeof(c->line), "%s[%s] = %s\n", name, c->key, c->value);
		fputs(c->line, c->out);
		return;
	}
	len = snprintf(c->line, sizeof(c->line), "%s[%s] = [", name, c->key);
	for (cpu = 0; cpu < c->nr_cpus && len < sizeof(c->line); cpu++) {
		text(c, c->value_id, (const char *)v + cpu * stride, c->value_size, c->value);
		len += snprintf(c->line + len, sizeof(c->line) - len, "%s%s", cpu ? ", " : "",
				c->value);
	}
	if (len < sizeof(c->line))
		snprintf(c->line + len, sizeof(c->line) - len, "]\n");
	else
		memcpy(c->line + sizeof(c->line) - 3, "]\n", 3);
	fputs(c->line, c->out);
}

static bool all_zero(const unsigned char *d, size_t n)
{
	while (n--) {
		if (*d++)
			return false;
	}
	return true;
}

/* Tables -------------------------------------------------------------------- */

static int table_tag(const char *tag, void *arg)
{
	struct table_decl *d = arg;

	if (strncmp(tag, "pk_table", 8))
		return 0;
	d->table = true;
	if (!strncmp(tag, "pk_table_key:", 13))
		d->key = tag + 13;
	else if (!strncmp(tag, "pk_table_value:", 15))
		d->value = tag + 15;
	else if (!strncmp(tag, "pk_table_sort:", 14))
		d->sort = tag + 14;
	else if (!strncmp(tag, "pk_table_top:", 13))
		d->top = strtoul(tag + 13, NULL, 10);
	return 0;
}

/* The map variable's "pk_table*" decl tags. */
static void read_table_decl(const struct btf *btf, const char *name, struct table_decl *d)
{
	memset(d, 0, sizeof(*d));
	pk__var_tags(btf, name, table_tag, d);
}

/* The column whose header (or path) is @name, in either table. */
static bool find_sort_column(struct ctx *c, const char *name)
{
	struct pk_event_table *tabs[2] = {c->keys, c->values};
	size_t i, k;

	c->sort_ascending = name[0] == '-';
	name += c->sort_ascending;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < pk_event_table__column_cnt(tabs[k]); i++) {
			const struct pk_event_column *col = pk_event_table__column(tabs[k], i);

			if (!strcasecmp(col->header, name) || !strcmp(col->path, name)) {
				c->sort_col = col;
				c->sort_in_key = k == 0;
				return true;
			}
		}
	}
	return false;
}

static int plan_table(struct ctx *c, char *why, size_t why_size)
{
	LIBBPF_OPTS(pk_event_table_opts, ko, .name = c->decl.key ? c->decl.key : "key",
		    .raw_time = true, .why = why, .why_size = why_size, .pad_last = true);
	LIBBPF_OPTS(pk_event_table_opts, vo, .name = c->decl.value ? c->decl.value : "value",
		    .raw_time = true, .why = why, .why_size = why_size);

	if (!c->key_id || !c->value_id)
		return -EINVAL;
	c->keys = pk_event_table__new(c->btf, c->key_id, &ko);
	c->values = c->keys ? pk_event_table__new(c->btf, c->value_id, &vo) : NULL;
	if (!c->values)
		return -errno;
	if (c->decl.sort && !find_sort_column(c, c->decl.sort)) {
		pk__why(why, why_size, "map %s: PK_TABLE_SORT(\"%s\") names no column",
			bpf_map__name(c->map), c->decl.sort);
		return -EBADMSG;
	}
	if (!c->decl.sort && pk_event_table__column_cnt(c->values)) {
		c->sort_col = pk_event_table__column(c->values, 0);
		c->sort_in_key = false;
	}
	return 0;
}

static long double sort_value(const struct ctx *c, const void *k, const void *v)
{
	const void *d = c->sort_in_key ? k : v;
	size_t size = c->sort_in_key ? bpf_map__key_size(c->map) : c->value_size;
	__s64 x;

	if (pk_event_column__int(c->sort_col, d, size, &x))
		return 0;
	/* an unsigned 64-bit value past INT64_MAX sorts as the number it is */
	return c->sort_col->is_signed ? (long double)x : (long double)(__u64)x;
}

/* Text in alphabetical order, numbers largest first; "-NAME" turns it round. */
static int by_column(const void *k1, const void *v1, const void *k2, const void *v2, void *arg)
{
	const struct ctx *c = arg;
	const struct pk_event_column *col = c->sort_col;
	size_t off = col->bit_offset / 8;
	long double a, b;
	int r;

	if (col->kind == PK_COL_STRING) {
		const char *s1 = (const char *)(c->sort_in_key ? k1 : v1) + off;
		const char *s2 = (const char *)(c->sort_in_key ? k2 : v2) + off;

		r = strncmp(s1, s2, col->bit_size / 8);
		return c->sort_ascending ? -r : r;
	}
	a = sort_value(c, k1, v1);
	b = sort_value(c, k2, v2);
	r = a < b ? 1 : a > b ? -1 : 0;
	return c->sort_ascending ? -r : r;
}

static void table_header(struct ctx *c)
{
	struct pk_line l;

	pk_line__begin(&l, c->out);
	pk_event_table__header(c->keys, &l);
	pk_line__char(&l, ' ');
	pk_event_table__header(c->values, &l);
	pk_line__end(&l);
}

static void table_row(struct ctx *c, const void *k, const void *v, __u32 key_size)
{
	struct pk_line l;

	pk_line__begin(&l, c->out);
	pk_event_table__text(c->keys, &l, k, key_size);
	pk_line__char(&l, ' ');
	pk_event_table__text(c->values, &l, v, c->value_size);
	pk_line__end(&l);
}

/* Snapshots ----------------------------------------------------------------- */

static int print_snapshot(struct ctx *c, struct pk_map_snapshot *s, size_t top)
{
	__u32 ks = pk_map_snapshot__key_size(s), vs = pk_map_snapshot__value_size(s);
	size_t i, n = pk_map_snapshot__count(s), printed = 0;

	if (c->keys && c->sort_col)
		pk_map_snapshot__sort(s, by_column, c);
	else if (!is_array(c->map) && !c->keys)
		pk_map_snapshot__sort(s, by_value_desc, c);
	if (c->keys && !c->json)
		table_header(c);
	for (i = 0; i < n && (!top || printed < top); i++) {
		const void *k = pk_map_snapshot__key(s, i), *v = pk_map_snapshot__value(s, i);

		if (is_array(c->map) && all_zero(v, vs))
			continue;
		if (c->json)
			print_json(c, k, v, ks);
		else if (c->keys)
			table_row(c, k, v, ks);
		else
			print_text(c, k, v, ks);
		printed++;
	}
	return (int)printed;
}

int pk_map__print(FILE *out, const struct bpf_map *map, const struct btf *btf,
		  const struct pk_map_print_opts *opts)
{
	bool per_cpu =
	    PK_OPTS_GET(opts, per_cpu, false) && pk_map_type_is_percpu(bpf_map__type(map));
	LIBBPF_OPTS(pk_map_read_opts, ro, .sum_percpu = !per_cpu);
	struct pk_map_snapshot *s;
	char why[256] = "";
	struct ctx *c;
	size_t top;
	int ret;

	if (!out || !map || !PK_OPTS_VALID(opts, pk_map_print_opts))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->map = map;
	c->btf = btf;
	c->out = out;
	c->json = PK_OPTS_GET(opts, json, false);
	c->key_id = btf ? bpf_map__btf_key_type_id(map) : 0;
	c->value_id = btf ? bpf_map__btf_value_type_id(map) : 0;
	c->value_size = bpf_map__value_size(map);
	c->nr_cpus = per_cpu ? libbpf_num_possible_cpus() : 1;
	c->per_cpu = per_cpu;
	c->printer = btf ? pk_btf_printer__new(btf) : NULL;
	if (btf)
		read_table_decl(btf, bpf_map__name(map), &c->decl);
	top = PK_OPTS_GET(opts, top, 0);
	if (!top)
		top = c->decl.top;
	ret = 0;
	/* a per-CPU table shown apart keeps the items() form */
	if (c->decl.table && !per_cpu)
		ret = plan_table(c, why, sizeof(why));
	if (ret == -EBADMSG) {
		pk__why(PK_OPTS_GET(opts, why, NULL), PK_OPTS_GET(opts, why_size, 0), "%s", why);
		goto out;
	}
	s = PK_OPTS_GET(opts, clear, false) ? pk_map_snapshot__new_and_clear(bpf_map__fd(map), &ro)
					    : pk_map_snapshot__new(bpf_map__fd(map), &ro);
	if (!s) {
		ret = -errno;
	} else {
		ret = print_snapshot(c, s, top);
		pk_map_snapshot__free(s);
	}
out:
	pk_event_table__free(c->keys);
	pk_event_table__free(c->values);
	pk_btf_printer__free(c->printer);
	free(c);
	return ret;
}

static int print_var(FILE *out, const struct btf *btf, struct pk_btf_printer *p,
		     const struct btf_var_secinfo *vs, const unsigned char *data, size_t size,
		     bool json)
{
	const struct btf_type *var = btf__type_by_id(btf, vs->type);
	const char *name = var ? btf__name_by_offset(btf, var->name_off) : NULL;
	char value[TEXT_MAX], line[TEXT_MAX + 256];
	struct pk_json j;

	if (!var || !btf_is_var(var) || !name || !strncmp(name, "pk_", 3) ||
	    vs->offset + vs->size > size)
		return 0;
	if (json) {
		pk_json__begin(&j, out);
		pk_json__str(&j, "global", name, strlen(name));
		pk_btf_value_json(btf, var->type, data + vs->offset, vs->size, &j, "value");
		pk_json__end(&j);
		return 1;
	}
	if (pk_btf_printer__text(p, var->type, data + vs->offset, vs->size, value, sizeof(value)) <
	    0)
		hex(value, sizeof(value), data + vs->offset, vs->size);
	snprintf(line, sizeof(line), "%s = %s\n", name, value);
	fputs(line, out);
	return 1;
}

int pk_map__print_globals(FILE *out, const struct bpf_map *map, const struct btf *btf, bool json)
{
	__u32 id = bpf_map__btf_value_type_id(map), zero = 0, size = bpf_map__value_size(map);
	const struct btf_type *sec = btf ? btf__type_by_id(btf, id) : NULL;
	const struct btf_var_secinfo *vs;
	struct pk_btf_printer *p;
	unsigned char *data;
	int i, n = 0;

	if (!sec || !btf_is_datasec(sec))
		return 0;
	data = calloc(1, size ? size : 1);
	p = pk_btf_printer__new(btf);
	if (!data || !p || bpf_map_lookup_elem(bpf_map__fd(map), &zero, data)) {
		n = -errno;
		goto out;
	}
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++)
		n += print_var(out, btf, p, vs, data, size, json);
out:
	pk_btf_printer__free(p);
	free(data);
	return n;
}
