// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A BPF object's maps as Prometheus metrics, from their BTF: which maps are
 * counters, gauges and histograms, their names and labels, and the text
 * exposition format (0.0.4) of their contents read at scrape time
 * (include/probekit/metrics.h). The HTTP side is metrics_http.c. The
 * writer works on entries in memory, so that it can be fuzzed without a
 * kernel (fuzz/fuzz_metrics.c).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/btfvalue.h>
#include <probekit/eventtable.h>
#include <probekit/hist.h>
#include <probekit/maps.h>
#include <probekit/metrics.h>
#include <probekit/output.h>

#include "print.h"

#define MAX_LABELS   16
#define NAME_MAX_LEN 128
/* one label value's text, escaped */
#define VALUE_TEXT_MAX 1024
#define LOG2_SLOTS     65
#define LINEAR_SLOTS   1025
/* PK_HIST_KEYED's buckets per map (bpf/maps.bpf.h) */
#define HIST_MAX_KEYS 1024

enum kind { COUNTER, GAUGE, HISTOGRAM };

struct label {
	char name[NAME_MAX_LEN];
	__u32 type_id, offset, size;
	/* a key member with a declared format (pk_ipv4_t, pk_syscall_t...): its
	 * column in key_table, whose text is the label value; else NULL */
	const struct pk_event_column *col;
};

struct pk__metric {
	const struct btf *btf;
	struct pk_btf_printer *printer;
	enum kind kind;
	char map[NAME_MAX_LEN];
	/* the family's name: probekit_read_seconds, probekit_execs_total */
	char name[NAME_MAX_LEN];
	__u32 key_size, value_size, max_entries;
	/* values: integer offset, width and sign */
	__u32 count_offset, count_size;
	bool count_signed;
	/* a unit in the name made a base unit: values * mul / div (exact powers of ten, so
	 * that 999 usecs is the double 0.000999 reads as) */
	double mul, div;
	int nr_labels;
	struct label labels[MAX_LABELS];
	/* a struct key's columns as `probekit run` prints them, for the labels
	 * of members with a declared format (NULL when it cannot be planned) */
	struct pk_event_table *key_table;
	struct pk_hist *hist;
	__u64 step;
	/* slots a key can name (the last may hold what is past the range) */
	size_t nr_slots;
	bool last_slot_open;
	/* buckets written so far: they stay, so a series' buckets never shrink */
	size_t top;
	/* PK_HIST_SUM_OF(): the map of sums, read by key at scrape time */
	int sum_fd;
	__u32 sum_key_size, sum_value_size, sum_count_size;
	bool sum_percpu;
	__u64 dropped;
};

/* Names ---------------------------------------------------------------------- */

static const struct {
	const char *word, *base;
	double mul, div;
} base_units[] = {
    {"usecs", "seconds", 1, 1e6}, {"usec", "seconds", 1, 1e6}, {"us", "seconds", 1, 1e6},
    {"nsecs", "seconds", 1, 1e9}, {"nsec", "seconds", 1, 1e9}, {"ns", "seconds", 1, 1e9},
    {"msecs", "seconds", 1, 1e3}, {"msec", "seconds", 1, 1e3}, {"ms", "seconds", 1, 1e3},
    {"secs", "seconds", 1, 1},	  {"sec", "seconds", 1, 1},    {"seconds", "seconds", 1, 1},
    {"kbytes", "bytes", 1024, 1}, {"kb", "bytes", 1024, 1},    {"bytes", "bytes", 1, 1},
};

#define NR_BASE_UNITS (sizeof(base_units) / sizeof(base_units[0]))

static int base_unit(const char *word, size_t len)
{
	size_t i;

	for (i = 0; i < NR_BASE_UNITS; i++) {
		if (strlen(base_units[i].word) == len && !strncmp(word, base_units[i].word, len))
			return (int)i;
	}
	return -1;
}

/* Letters, digits, '_' (and ':' in metric names); a digit cannot start one. */
static void sanitize(char *s, bool metric)
{
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || (metric && *s == ':')))
			*s = '_';
	}
}

/*
 * probekit_<map> with its last unit word made a base unit: read_usecs ->
 * probekit_read_seconds (values times 1e-6). A unit that only a tag gives
 * (@unit, "usecs") is added at the end. Counters end in _total.
 */
static void family_name(struct pk__metric *f, const char *declared, const char *unit)
{
	char base[NAME_MAX_LEN];
	const char *w, *end;
	int u = -1;
	size_t len;

	f->mul = f->div = 1;
	if (declared && !*declared)
		declared = NULL;
	snprintf(base, sizeof(base), "%s", declared ? declared : f->map);
	len = strlen(base);
	for (end = base + len; end > base && u == -1; end = w > base ? w - 1 : base) {
		for (w = end; w > base && w[-1] != '_'; w--)
			;
		u = base_unit(w, end - w);
		if (u >= 0 && !declared) {
			char tail[NAME_MAX_LEN];

			snprintf(tail, sizeof(tail), "%s", end);
			snprintf(base + (w - base), sizeof(base) - (w - base), "%s%s",
				 base_units[u].base, tail);
		}
	}
	if (u < 0 && unit && (u = base_unit(unit, strlen(unit))) >= 0 && !declared)
		snprintf(base + len, sizeof(base) - len, "_%s", base_units[u].base);
	if (u >= 0) {
		f->mul = base_units[u].mul;
		f->div = base_units[u].div;
	}
	snprintf(f->name, sizeof(f->name), "%s%s", declared ? "" : "probekit_", base);
	sanitize(f->name, true);
	if (f->name[0] >= '0' && f->name[0] <= '9')
		f->name[0] = '_';
	len = strlen(f->name);
	if (f->kind == COUNTER && (len < 6 || strcmp(f->name + len - 6, "_total")))
		snprintf(f->name + len, sizeof(f->name) - len, "_total");
}

static void label_name(struct pk__metric *f, char *out, const char *name, int i)
{
	int j;

	snprintf(out, NAME_MAX_LEN, "%s", name && *name ? name : "member");
	sanitize(out, false);
	/* "__" starts Prometheus' own labels; le is the histograms' */
	while (out[0] == '_' && out[1] == '_')
		memmove(out, out + 1, strlen(out));
	if ((out[0] >= '0' && out[0] <= '9') || !strcmp(out, "le") || !strcmp(out, "_") ||
	    !strcmp(out, "quantile"))
		snprintf(out, NAME_MAX_LEN, "key_%s", name && *name ? name : "member");
	sanitize(out, false);
	for (j = 0; j < i; j++) {
		if (!strcmp(f->labels[j].name, out)) {
			snprintf(out + strlen(out), NAME_MAX_LEN - strlen(out), "_%d", i);
			break;
		}
	}
}

/* Recognition ------------------------------------------------------------------ */

static const struct btf_type *int_type(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = pk__btf_resolve(btf, &id);

	if (t && btf_is_enum(t) && t->size >= 1 && t->size <= 8)
		return t;
	if (!t || !btf_is_int(t) || t->size < 1 || t->size > 8 || btf_int_offset(t) ||
	    btf_int_bits(t) != t->size * 8)
		return NULL;
	return t;
}

static bool is_signed(const struct btf_type *t)
{
	if (btf_is_enum(t))
		return btf_kflag(t);
	return btf_int_encoding(t) & BTF_INT_SIGNED;
}

static int add_label(struct pk__metric *f, const char *name, __u32 type_id, __u32 offset,
		     __u32 size)
{
	struct label *l;

	if (f->nr_labels == MAX_LABELS)
		return -E2BIG;
	if (!size || offset + size > f->key_size)
		return -EINVAL;
	l = &f->labels[f->nr_labels];
	label_name(f, l->name, name, f->nr_labels);
	l->type_id = type_id;
	l->offset = offset;
	l->size = size;
	f->nr_labels++;
	return 0;
}

/*
 * A struct key's columns as the printers plan them: a member with a
 * declared format gets that format's text as its label value. A key the
 * planner refuses (a bad declaration) keeps plain labels; printing it says why.
 */
static void plan_key_table(struct pk__metric *f, __u32 key_type_id)
{
	LIBBPF_OPTS(pk_event_table_opts, opts, .raw_time = true);

	f->key_table = pk_event_table__new(f->btf, key_type_id, &opts);
}

static const struct pk_event_column *formatted_column(const struct pk_event_table *t,
						      __u32 bit_offset)
{
	size_t i, n = pk_event_table__column_cnt(t);

	for (i = 0; i < n; i++) {
		const struct pk_event_column *c = pk_event_table__column(t, i);

		if (c->bit_offset == bit_offset && c->kind > PK_COL_VALUE)
			return c;
	}
	return NULL;
}

static bool is_shown_port(const struct pk_event_table *t, __u32 bit_offset)
{
	size_t i, n = pk_event_table__column_cnt(t);

	for (i = 0; i < n; i++) {
		const struct pk_event_column *c = pk_event_table__column(t, i);

		if (c->port_bit_size && c->port_bit_offset == bit_offset)
			return true;
	}
	return false;
}

/* A struct key: one label per member; a scalar key: "key"; an array's index. */
static int key_labels(struct pk__metric *f, __u32 key_type_id, __u32 map_type)
{
	const struct btf_type *t;
	const struct btf_member *m;
	__u32 id = key_type_id;
	int i, err;

	if (map_type == BPF_MAP_TYPE_ARRAY || map_type == BPF_MAP_TYPE_PERCPU_ARRAY)
		return f->max_entries == 1 ? 0 : add_label(f, "index", key_type_id, 0, f->key_size);
	t = pk__btf_resolve(f->btf, &id);
	if (!t)
		return -EINVAL;
	if (!btf_is_struct(t))
		return add_label(f, "key", key_type_id, 0, f->key_size);
	plan_key_table(f, key_type_id);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++) {
		__s64 size = btf__resolve_size(f->btf, m[i].type);
		__u32 bit_offset = btf_member_bit_offset(t, i);

		if (btf_member_bitfield_size(t, i) || bit_offset % 8 || size <= 0)
			return -EINVAL;
		/* a port shown with its address ("10.0.0.1:80") is no label of its own */
		if (is_shown_port(f->key_table, bit_offset))
			continue;
		err = add_label(f, btf__name_by_offset(f->btf, m[i].name_off), m[i].type,
				bit_offset / 8, size);
		if (err)
			return err;
		f->labels[f->nr_labels - 1].col = formatted_column(f->key_table, bit_offset);
	}
	return 0;
}

static int hist_labels(struct pk__metric *f)
{
	const struct pk__hist_member *m;
	int i, n, err;

	m = pk__hist_members(f->hist, &n);
	for (i = 0; i < n; i++) {
		err = add_label(f, pk__hist_member_label(f->hist, i), m[i].type_id, m[i].offset,
				m[i].size);
		if (err)
			return err;
	}
	return 0;
}

static void hist_slots(struct pk__metric *f, __u32 map_type)
{
	bool keyed = pk_hist__keyed(f->hist);
	size_t cap = f->step ? LINEAR_SLOTS : LOG2_SLOTS;

	f->step = pk_hist__step(f->hist);
	cap = f->step ? LINEAR_SLOTS : LOG2_SLOTS;
	/* pk_hist_add() puts what is past the last slot in it: that one has no bound */
	f->nr_slots = cap;
	f->last_slot_open = true;
	if (!keyed && (map_type == BPF_MAP_TYPE_ARRAY || map_type == BPF_MAP_TYPE_PERCPU_ARRAY))
		f->nr_slots = f->max_entries;
	else if (keyed && f->max_entries % HIST_MAX_KEYS == 0)
		f->nr_slots = f->max_entries / HIST_MAX_KEYS;
	if (!f->nr_slots || f->nr_slots > cap)
		f->nr_slots = cap;
}

static int recognize(struct pk__metric *f, const struct pk__metric_desc *d)
{
	LIBBPF_OPTS(pk_hist_desc, hd, .name = d->name, .key_type_id = d->key_type_id,
		    .value_type_id = d->value_type_id, .key_size = d->key_size,
		    .value_size = d->value_size);
	const struct btf_type *v;

	if (d->key_size && d->key_type_id && !d->member)
		f->hist = pk_hist__recognize(f->btf, &hd);
	if (f->hist) {
		f->kind = HISTOGRAM;
		hist_slots(f, d->map_type);
		family_name(f, d->declared_name, pk_hist__unit(f->hist));
		return hist_labels(f);
	}
	v = int_type(f->btf, d->value_type_id);
	if (!v || d->value_offset > d->value_size || v->size > d->value_size - d->value_offset)
		return -ENOENT;
	f->count_offset = d->value_offset;
	f->count_size = v->size;
	f->count_signed = is_signed(v);
	f->kind = d->gauge ? GAUGE : COUNTER;
	family_name(f, d->declared_name, NULL);
	return key_labels(f, d->key_type_id, d->map_type);
}

void pk__metric_free(struct pk__metric *f)
{
	if (!f)
		return;
	pk_hist__free(f->hist);
	pk_event_table__free(f->key_table);
	pk_btf_printer__free(f->printer);
	free(f);
}

struct pk__metric *pk__metric_new(const struct btf *btf, const struct pk__metric_desc *d)
{
	struct pk__metric *f;
	int err;

	if (!btf || !d || !d->name || !d->value_size || !d->value_type_id) {
		errno = EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->btf = btf;
	f->sum_fd = -1;
	f->key_size = d->key_size;
	f->value_size = d->value_size;
	f->max_entries = d->max_entries;
	snprintf(f->map, sizeof(f->map), "%s", d->name);
	f->printer = pk_btf_printer__new(btf);
	err = f->printer ? recognize(f, d) : -ENOMEM;
	if (err) {
		pk__metric_free(f);
		errno = -err;
		return NULL;
	}
	return f;
}

const char *pk__metric_map(const struct pk__metric *f)
{
	return f->map;
}

const char *pk__metric_name(const struct pk__metric *f)
{
	return f->name;
}

void pk__metric_set_name(struct pk__metric *f, const char *name)
{
	snprintf(f->name, sizeof(f->name), "%s", name);
}

bool pk__metric_is_hist(const struct pk__metric *f)
{
	return f->kind == HISTOGRAM;
}

__u64 pk__metric_dropped(const struct pk__metric *f)
{
	return f->dropped;
}

int pk__metric_set_sum(struct pk__metric *f, int fd, __u32 key_size, __u32 value_size,
		       __u32 count_size, bool percpu)
{
	int n;

	pk__hist_members(f->hist, &n);
	/* the sum's key is the histogram's bucket, the bytes before its slot */
	if (f->kind != HISTOGRAM || (n && key_size > f->key_size) || count_size > value_size ||
	    count_size > 8)
		return -EINVAL;
	f->sum_fd = fd;
	f->sum_key_size = key_size;
	f->sum_value_size = value_size;
	f->sum_count_size = count_size;
	f->sum_percpu = percpu;
	return 0;
}

/* Writing ----------------------------------------------------------------------- */

/* An entry's label set, as `a="x",b="y"`, in the arena. */
struct row {
	size_t text, len;
	size_t slot;
	const unsigned char *key;
	long double value;
};

struct arena {
	char *buf;
	size_t len, size;
};

static int arena_add(struct arena *a, const char *s, size_t n)
{
	if (a->len + n + 1 > a->size) {
		size_t size = a->size ? a->size * 2 : 4096;
		char *p;

		while (size < a->len + n + 1)
			size *= 2;
		p = realloc(a->buf, size);
		if (!p)
			return -ENOMEM;
		a->buf = p;
		a->size = size;
	}
	memcpy(a->buf + a->len, s, n);
	a->len += n;
	a->buf[a->len] = '\0';
	return 0;
}

/*
 * The exposition format's label value escapes: backslash, double quote,
 * newline; HELP text has the first and the last only.
 */
static size_t escape_text(char *dst, size_t size, const char *s, bool quote)
{
	size_t n = 0;

	for (; *s && n + 3 < size; s++) {
		if (*s == '\\' || (*s == '"' && quote) || *s == '\n') {
			dst[n++] = '\\';
			dst[n++] = *s == '\n' ? 'n' : *s;
		} else {
			dst[n++] = *s;
		}
	}
	dst[n] = '\0';
	return n;
}

static bool char_array(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = pk__btf_resolve(btf, &id), *e;

	if (!t || !btf_is_array(t))
		return false;
	id = btf_array(t)->type;
	e = pk__btf_resolve(btf, &id);
	return e && btf_is_int(e) && e->size == 1;
}

static const char *enum_name(const struct btf *btf, const struct btf_type *t, __s64 v)
{
	const struct btf_enum *e = btf_enum(t);
	int i;

	if (!btf_is_enum(t))
		return NULL;
	for (i = 0; i < btf_vlen(t); i++) {
		if (e[i].val == v)
			return btf__name_by_offset(btf, e[i].name_off);
	}
	return NULL;
}

/*
 * A label value as the printer shows it: integers in decimal, enums by
 * name, char arrays as text (escaped as pk_escape_text() does for a
 * terminal, so any bytes make valid UTF-8), anything else as btfvalue.h
 * prints it.
 */
static void value_text(const struct pk__metric *f, const struct label *l, const unsigned char *key,
		       char *buf, size_t size)
{
	const unsigned char *p = key + l->offset;
	const struct btf_type *t = int_type(f->btf, l->type_id);
	const char *name;
	__s64 v;

	if (l->col && pk__event_column_named(f->key_table, l->col, key, f->key_size, buf, size))
		return;
	if (t && t->size == l->size) {
		if (!is_signed(t)) {
			snprintf(buf, size, "%llu", (unsigned long long)pk__load_uint(p, t->size));
			return;
		}
		v = pk__load_int(p, t->size);
		name = enum_name(f->btf, t, v);
		if (name && *name)
			pk_escape_text(buf, size, name, strlen(name));
		else
			snprintf(buf, size, "%lld", (long long)v);
		return;
	}
	if (char_array(f->btf, l->type_id)) {
		pk_escape_text(buf, size, (const char *)p, l->size);
		return;
	}
	if (pk_btf_printer__text(f->printer, l->type_id, p, l->size, buf, size) < 0)
		snprintf(buf, size, "?");
}

static int label_text(const struct pk__metric *f, const unsigned char *key, struct arena *a)
{
	char raw[VALUE_TEXT_MAX], esc[VALUE_TEXT_MAX * 2 + 4];
	int i, err = 0;

	for (i = 0; i < f->nr_labels && !err; i++) {
		value_text(f, &f->labels[i], key, raw, sizeof(raw));
		escape_text(esc, sizeof(esc), raw, true);
		err = (i ? arena_add(a, ",", 1) : 0) ?:
		      arena_add(a, f->labels[i].name, strlen(f->labels[i].name)) ?:
		      arena_add(a, "=\"", 2) ?: arena_add(a, esc, strlen(esc)) ?:
		      arena_add(a, "\"", 1);
	}
	return err;
}

static long double entry_value(const struct pk__metric *f, const void *value)
{
	if (f->kind == HISTOGRAM)
		return pk__hist_count(f->hist, value);
	value = (const unsigned char *)value + f->count_offset;
	if (f->count_signed)
		return pk__load_int(value, f->count_size);
	return pk__load_uint(value, f->count_size);
}

struct sort_ctx {
	const struct pk__metric *f;
	const struct row *rows;
	const char *text;
};

static int compare_rows(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	const struct row *r1 = &c->rows[*(const size_t *)a], *r2 = &c->rows[*(const size_t *)b];
	int d = strcmp(c->text + r1->text, c->text + r2->text);

	if (d)
		return d;
	return r1->slot < r2->slot ? -1 : r1->slot > r2->slot;
}

/* One label set: its rows, order[first..first+n), and what they add up to. */
struct group {
	size_t first, n;
	long double total;
};

static int compare_groups_by_total(const void *a, const void *b)
{
	const struct group *g1 = a, *g2 = b;

	return g1->total > g2->total ? -1 : g1->total < g2->total;
}

static int compare_groups_by_first(const void *a, const void *b)
{
	const struct group *g1 = a, *g2 = b;

	return g1->first < g2->first ? -1 : g1->first > g2->first;
}

static bool unscaled(const struct pk__metric *f)
{
	return f->mul == 1 && f->div == 1;
}

static long double scaled(const struct pk__metric *f, long double v)
{
	return unscaled(f) ? v : (double)v * f->mul / f->div;
}

/* Go's strconv 'g' -1: the shortest text that reads back as the same double */
static void put_number(char *buf, size_t size, long double v, bool integral)
{
	int prec;

	if (integral && v >= 0 && v < 18446744073709551616.0L) {
		snprintf(buf, size, "%llu", (unsigned long long)v);
		return;
	}
	if (integral && v < 0 && v >= -9223372036854775808.0L) {
		snprintf(buf, size, "%lld", (long long)v);
		return;
	}
	if (isinf((double)v)) {
		snprintf(buf, size, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, (double)v);
		if (strtod(buf, NULL) == (double)v)
			return;
	}
}

static void put_sample(FILE *out, const char *name, const char *suffix, const char *labels,
		       const char *extra, long double v, bool integral)
{
	char num[64];
	bool any = (labels && *labels) || extra;

	put_number(num, sizeof(num), v, integral);
	fprintf(out, "%s%s%s%s%s%s%s %s\n", name, suffix, any ? "{" : "", labels ? labels : "",
		labels && *labels && extra ? "," : "", extra ? extra : "", any ? "}" : "", num);
}

/* A name from BTF as a label value: any bytes become valid, escaped UTF-8. */
static void escape_name(char *dst, size_t size, const char *name, bool quote)
{
	char text[NAME_MAX_LEN * 4 + 1];

	pk_escape_text(text, sizeof(text), name, strlen(name));
	escape_text(dst, size, text, quote);
}

static void put_header(FILE *out, const struct pk__metric *f)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};
	static const char *const what[] = {"counts", "values", "histogram"};
	char map[NAME_MAX_LEN * 8 + 1];

	escape_name(map, sizeof(map), f->map, false);
	fprintf(out, "# HELP %s %s of BPF map %s\n# TYPE %s %s\n", f->name, what[f->kind], map,
		f->name, types[f->kind]);
}

static bool read_sum(const struct pk__metric *f, const unsigned char *key, long double *sum)
{
	unsigned char keybuf[512] = {0}, *vals;
	int ncpu = f->sum_percpu ? libbpf_num_possible_cpus() : 1, i, nh;
	size_t stride;
	__u64 total = 0;

	if (f->sum_fd < 0 || f->sum_key_size > sizeof(keybuf) || ncpu <= 0)
		return false;
	pk__hist_members(f->hist, &nh);
	if (nh)
		memcpy(keybuf, key, f->sum_key_size);
	stride = f->sum_percpu ? (f->sum_value_size + 7) / 8 * 8 : f->sum_value_size;
	vals = calloc(ncpu, stride);
	if (!vals)
		return false;
	if (bpf_map_lookup_elem(f->sum_fd, keybuf, vals)) {
		free(vals);
		*sum = 0;
		return true;
	}
	for (i = 0; i < ncpu; i++)
		total += pk__load_uint(vals + i * stride, f->sum_count_size);
	free(vals);
	*sum = total;
	return true;
}

static size_t bucket_count(const struct pk__metric *f)
{
	return f->top < f->nr_slots - (f->last_slot_open ? 1 : 0)
		   ? f->top
		   : f->nr_slots - (f->last_slot_open ? 1 : 0);
}

static void put_histogram(FILE *out, const struct pk__metric *f, const char *labels,
			  const struct row *rows, const size_t *order, size_t n)
{
	size_t i, j = 0, buckets = bucket_count(f);
	char le[80], num[64];
	long double cum = 0, sum;
	__u64 low, high;

	for (i = 0; i < buckets; i++) {
		for (; j < n && rows[order[j]].slot <= i; j++)
			cum += rows[order[j]].value;
		pk__hist_bounds(f->step, (long)i, &low, &high);
		put_number(num, sizeof(num), scaled(f, high), unscaled(f));
		snprintf(le, sizeof(le), "le=\"%s\"", num);
		put_sample(out, f->name, "_bucket", labels, le, cum, true);
	}
	for (; j < n; j++)
		cum += rows[order[j]].value;
	put_sample(out, f->name, "_bucket", labels, "le=\"+Inf\"", cum, true);
	if (read_sum(f, rows[order[0]].key, &sum))
		put_sample(out, f->name, "_sum", labels, NULL, scaled(f, sum), unscaled(f));
	put_sample(out, f->name, "_count", labels, NULL, cum, true);
}

static void put_group(FILE *out, const struct pk__metric *f, const char *text,
		      const struct row *rows, const size_t *order, const struct group *g)
{
	const char *labels = text + rows[order[g->first]].text;

	if (f->kind == HISTOGRAM)
		put_histogram(out, f, labels, rows, order + g->first, g->n);
	else
		put_sample(out, f->name, "", labels, NULL, scaled(f, g->total), unscaled(f));
}

static size_t group_cost(const struct pk__metric *f)
{
	if (f->kind != HISTOGRAM)
		return 1;
	return bucket_count(f) + 2 + (f->sum_fd >= 0);
}

/* Label sets over the limit are left out, the smallest first. */
static size_t apply_limit(struct pk__metric *f, struct group *groups, size_t n, __u32 max_series)
{
	size_t cost = group_cost(f), keep = max_series / cost;

	if (n <= keep)
		return n;
	qsort(groups, n, sizeof(*groups), compare_groups_by_total);
	f->dropped += (n - keep) * cost;
	qsort(groups, keep, sizeof(*groups), compare_groups_by_first);
	return keep;
}

static size_t make_groups(struct pk__metric *f, const struct row *rows, const char *text,
			  const size_t *order, size_t n, struct group *groups)
{
	size_t i, ng = 0;

	for (i = 0; i < n; i++) {
		const struct row *r = &rows[order[i]];

		if (!ng || strcmp(text + r->text, text + rows[order[groups[ng - 1].first]].text))
			groups[ng++] = (struct group){.first = i};
		groups[ng - 1].n++;
		groups[ng - 1].total += r->value;
		if (f->kind == HISTOGRAM && r->value && r->slot + 1 > f->top)
			f->top = r->slot + 1;
	}
	return ng;
}

static int fill_rows(struct pk__metric *f, const unsigned char *keys, const unsigned char *values,
		     size_t n, struct row *rows, struct arena *a)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		const unsigned char *key = keys + i * f->key_size;

		rows[i].text = a->len;
		rows[i].key = key;
		err = label_text(f, key, a);
		if (!err)
			err = arena_add(a, "", 0);
		if (err)
			return err;
		a->len++;
		rows[i].value = entry_value(f, values + i * f->value_size);
		rows[i].slot =
		    f->kind == HISTOGRAM ? pk__hist_slot_of(f->hist, key, f->nr_slots) : 0;
	}
	return 0;
}

int pk__metric_write(struct pk__metric *f, FILE *out, const void *keys, const void *values,
		     size_t n, __u32 max_series)
{
	struct arena a = {0};
	struct row *rows = calloc(n ? n : 1, sizeof(*rows));
	size_t *order = calloc(n ? n : 1, sizeof(*order));
	struct group *groups = calloc(n ? n : 1, sizeof(*groups));
	size_t i, ng;
	int err = rows && order && groups ? 0 : -ENOMEM;

	if (!err && n && (!keys || !values))
		err = -EINVAL;
	if (!err)
		err = fill_rows(f, keys, values, n, rows, &a);
	if (!err) {
		struct sort_ctx c = {f, rows, a.buf};

		for (i = 0; i < n; i++)
			order[i] = i;
		qsort_r(order, n, sizeof(*order), compare_rows, &c);
		ng = make_groups(f, rows, a.buf, order, n, groups);
		ng = apply_limit(f, groups, ng, max_series ?: PK_METRICS_DEFAULT_MAX_SERIES);
		put_header(out, f);
		for (i = 0; i < ng; i++)
			put_group(out, f, a.buf, rows, order, &groups[i]);
	}
	free(a.buf);
	free(rows);
	free(order);
	free(groups);
	return err;
}

/* A BPF object's maps ------------------------------------------------------------ */

#define MAX_FAMILIES 64

struct family {
	struct pk__metric *metric;
	const struct bpf_map *map;
};

struct pk_metrics {
	struct bpf_object *obj;
	struct family families[MAX_FAMILIES];
	int nr;
	__u32 max_series;
	char tool[NAME_MAX_LEN];
	__u64 (*lost_events)(void *ctx);
	void *ctx;
	FILE *log;
	struct pk__http *http;
	char error[256];
};

struct tag_find {
	const char *prefix, *value;
};

static int find_tag(const char *tag, void *ctx)
{
	struct tag_find *f = ctx;
	size_t len = strlen(f->prefix);

	if (strncmp(tag, f->prefix, len))
		return 0;
	f->value = tag + len;
	return 1;
}

/* The value of the map variable's decl tag "@prefix...", or NULL. */
static const char *map_tag(const struct btf *btf, const char *map, const char *prefix)
{
	struct tag_find f = {prefix, NULL};

	pk__var_tags(btf, map, find_tag, &f);
	return f.value;
}

static bool exportable_type(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_LRU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static void say(struct pk_metrics *m, const char *fmt, const char *map)
{
	if (m->log) {
		fprintf(m->log, fmt, map);
		fputc('\n', m->log);
	}
}

static bool name_taken(const struct pk_metrics *m, const char *name)
{
	static const char *const own[] = {
	    "probekit_build_info",
	    "probekit_lost_events_total",
	    "probekit_series_dropped_total",
	    "probekit_scrape_duration_seconds",
	};
	size_t i;
	int j;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		if (!strncmp(name, own[i], strlen(own[i])))
			return true;
	}
	for (j = 0; j < m->nr; j++) {
		if (!strcmp(pk__metric_name(m->families[j].metric), name))
			return true;
	}
	return false;
}

/* Two maps with one name (read_usecs, read_nsecs): the later one keeps its map's name. */
static void unique_name(struct pk_metrics *m, struct pk__metric *f, const char *map)
{
	char name[NAME_MAX_LEN + 16];
	int i;

	if (!name_taken(m, pk__metric_name(f)))
		return;
	for (i = 2; i < 100; i++) {
		snprintf(name, sizeof(name), "probekit_map_%s_%d%s", map, i,
			 pk__metric_is_hist(f) ? "" : "_total");
		sanitize(name, true);
		if (!name_taken(m, name))
			break;
	}
	pk__metric_set_name(f, name);
}

/*
 * A struct value ({ count, total_ns }): one family per integer member,
 * named map_member (probekit_stats_count_total, probekit_stats_total_seconds_total).
 * Returns how many.
 */
static int add_members(struct pk_metrics *m, const struct btf *btf, const struct bpf_map *map,
		       const struct pk__metric_desc *d)
{
	char name[NAME_MAX_LEN], declared[NAME_MAX_LEN];
	__u32 id = d->value_type_id;
	const struct btf_type *t = pk__btf_resolve(btf, &id);
	const struct btf_member *mb;
	struct pk__metric_desc md;
	struct pk__metric *f;
	int i, added = 0;

	if (!t || !btf_is_struct(t))
		return 0;
	mb = btf_members(t);
	for (i = 0; i < btf_vlen(t) && m->nr < MAX_FAMILIES; i++) {
		const char *member = btf__name_by_offset(btf, mb[i].name_off);

		if (btf_member_bitfield_size(t, i) || btf_member_bit_offset(t, i) % 8 || !member ||
		    !*member || !int_type(btf, mb[i].type))
			continue;
		snprintf(name, sizeof(name), "%s.%s", d->name, member);
		snprintf(declared, sizeof(declared), "%s_%s", d->declared_name ?: "", member);
		md = *d;
		md.name = name;
		md.declared_name = d->declared_name ? declared : NULL;
		md.value_type_id = mb[i].type;
		md.value_offset = btf_member_bit_offset(t, i) / 8;
		md.member = true;
		f = pk__metric_new(btf, &md);
		if (!f)
			continue;
		unique_name(m, f, name);
		m->families[m->nr++] = (struct family){f, map};
		added++;
	}
	return added;
}

static int add_map(struct pk_metrics *m, const struct btf *btf, const struct bpf_map *map)
{
	const char *name = bpf_map__name(map);
	struct pk__metric_desc d = {
	    .name = name,
	    .declared_name = map_tag(btf, name, "pk_metric_name:"),
	    .map_type = bpf_map__type(map),
	    .key_type_id = bpf_map__btf_key_type_id(map),
	    .value_type_id = bpf_map__btf_value_type_id(map),
	    .key_size = bpf_map__key_size(map),
	    .value_size = bpf_map__value_size(map),
	    .max_entries = bpf_map__max_entries(map),
	    .gauge = map_tag(btf, name, "pk_metric:gauge") != NULL,
	};
	struct pk__metric *f;

	/* pk_*: probekit.bpf.h's own (pk_heap, pk_events) */
	if (bpf_map__is_internal(map) || !exportable_type(d.map_type) || !strncmp(name, "pk_", 3) ||
	    map_tag(btf, name, "pk_metric:none") || map_tag(btf, name, "pk_hist_sum:"))
		return 0;
	if (m->nr == MAX_FAMILIES) {
		say(m, "metrics: map %s left out: too many maps", name);
		return 0;
	}
	f = pk__metric_new(btf, &d);
	if (!f && errno == ENOMEM)
		return -ENOMEM;
	if (f) {
		unique_name(m, f, name);
		m->families[m->nr++] = (struct family){f, map};
		return 0;
	}
	if (add_members(m, btf, map, &d) == 0)
		say(m, "metrics: map %s left out: its values are not integer counts", name);
	return 0;
}

/* PK_HIST_SUM_OF(hist): the map holding hist's sums. */
static void add_sums(struct pk_metrics *m, const struct btf *btf)
{
	const struct bpf_map *map;
	const struct btf_type *v;
	const char *of;
	int i;

	bpf_object__for_each_map (map, m->obj) {
		of = map_tag(btf, bpf_map__name(map), "pk_hist_sum:");
		v = of ? int_type(btf, bpf_map__btf_value_type_id(map)) : NULL;
		for (i = 0; v && of && i < m->nr; i++) {
			if (strcmp(bpf_map__name(m->families[i].map), of) ||
			    pk__metric_set_sum(m->families[i].metric, bpf_map__fd(map),
					       bpf_map__key_size(map), bpf_map__value_size(map),
					       v->size, pk_map_type_is_percpu(bpf_map__type(map))))
				continue;
			of = NULL;
		}
		if (of)
			say(m,
			    "metrics: map %s left out: not the sums of a histogram of the same key",
			    bpf_map__name(map));
	}
}

struct pk_metrics *pk_metrics__new(struct bpf_object *obj, const struct pk_metrics_opts *opts)
{
	const struct btf *btf = obj ? bpf_object__btf(obj) : NULL;
	const struct bpf_map *map;
	struct pk_metrics *m;
	int err = 0;

	if (!obj || !PK_OPTS_VALID(opts, pk_metrics_opts)) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->obj = obj;
	m->max_series = PK_OPTS_GET(opts, max_series, 0) ?: PK_METRICS_DEFAULT_MAX_SERIES;
	snprintf(m->tool, sizeof(m->tool), "%s", PK_OPTS_GET(opts, tool, NULL) ?: "probekit");
	m->lost_events = PK_OPTS_GET(opts, lost_events, NULL);
	m->ctx = PK_OPTS_GET(opts, ctx, NULL);
	m->log = PK_OPTS_GET(opts, log, NULL);
	if (btf) {
		bpf_object__for_each_map (map, obj) {
			/* what the tool prints: not a -m histogram's twin without -m */
			if (!err && pk__map_shown(obj, map, NULL))
				err = add_map(m, btf, map);
		}
		add_sums(m, btf);
	}
	if (err) {
		pk_metrics__free(m);
		errno = -err;
		return NULL;
	}
	return m;
}

void pk_metrics__free(struct pk_metrics *m)
{
	int i;

	if (!m)
		return;
	pk__http_stop(m->http);
	for (i = 0; i < m->nr; i++)
		pk__metric_free(m->families[i].metric);
	free(m);
}

int pk_metrics__count(const struct pk_metrics *m)
{
	return m ? m->nr : -EINVAL;
}

const char *pk_metrics__error(const struct pk_metrics *m)
{
	return m ? m->error : "no metrics";
}

static int write_family(struct pk_metrics *m, struct family *fam, FILE *out)
{
	LIBBPF_OPTS(pk_map_read_opts, ro, .sum_percpu = true);
	struct pk_map_snapshot *s = pk_map_snapshot__new(bpf_map__fd(fam->map), &ro);
	size_t i, n, ks, vs;
	unsigned char *keys, *values;
	int err;

	if (!s)
		return -errno;
	n = pk_map_snapshot__count(s);
	ks = pk_map_snapshot__key_size(s);
	vs = pk_map_snapshot__value_size(s);
	keys = malloc(n * ks + 1);
	values = malloc(n * vs + 1);
	err = keys && values ? 0 : -ENOMEM;
	for (i = 0; !err && i < n; i++) {
		memcpy(keys + i * ks, pk_map_snapshot__key(s, i), ks);
		memcpy(values + i * vs, pk_map_snapshot__value(s, i), vs);
	}
	/* the snapshot goes before the text is made: one copy at a time */
	pk_map_snapshot__free(s);
	if (!err)
		err = pk__metric_write(fam->metric, out, keys, values, n, m->max_series);
	free(keys);
	free(values);
	return err;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void write_health(struct pk_metrics *m, FILE *out, const struct timespec *t0)
{
	char tool[NAME_MAX_LEN * 8 + 1], map[NAME_MAX_LEN * 8 + 1], num[64];
	int i;

	escape_name(tool, sizeof(tool), m->tool, true);
	fprintf(out,
		"# HELP probekit_build_info probekit's version and the tool serving these metrics\n"
		"# TYPE probekit_build_info gauge\n"
		"probekit_build_info{version=\"%s\",tool=\"%s\"} 1\n"
		"# HELP probekit_lost_events_total events the kernel could not hand to the tool\n"
		"# TYPE probekit_lost_events_total counter\n"
		"probekit_lost_events_total %llu\n",
		PK_VERSION, tool,
		(unsigned long long)(m->lost_events ? m->lost_events(m->ctx) : 0));
	fprintf(out, "# HELP probekit_series_dropped_total series left out of scrapes by the "
		     "per-map limit\n# TYPE probekit_series_dropped_total counter\n");
	for (i = 0; i < m->nr; i++) {
		escape_name(map, sizeof(map), pk__metric_map(m->families[i].metric), true);
		fprintf(out, "probekit_series_dropped_total{map=\"%s\"} %llu\n", map,
			(unsigned long long)pk__metric_dropped(m->families[i].metric));
	}
	put_number(num, sizeof(num), seconds_since(t0), false);
	fprintf(out,
		"# HELP probekit_scrape_duration_seconds how long this scrape took to read "
		"the maps\n# TYPE probekit_scrape_duration_seconds gauge\n"
		"probekit_scrape_duration_seconds %s\n",
		num);
}

int pk_metrics__write(struct pk_metrics *m, FILE *out)
{
	struct timespec t0;
	int i, err;

	if (!m || !out)
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < m->nr; i++) {
		err = write_family(m, &m->families[i], out);
		if (err) {
			snprintf(m->error, sizeof(m->error), "cannot read map %s: %s",
				 bpf_map__name(m->families[i].map), strerror(-err));
			return err;
		}
	}
	write_health(m, out, &t0);
	return ferror(out) ? -EIO : 0;
}

static int write_cb(void *ctx, FILE *out)
{
	return pk_metrics__write(ctx, out);
}

int pk_metrics__serve(struct pk_metrics *m, const char *addr)
{
	if (!m || !addr)
		return -EINVAL;
	if (m->http) {
		snprintf(m->error, sizeof(m->error), "already serving");
		return -EBUSY;
	}
	m->http = pk__http_start(addr, write_cb, m, m->log, m->error, sizeof(m->error));
	return m->http ? 0 : -errno;
}

const char *pk_metrics__address(const struct pk_metrics *m)
{
	return m && m->http ? pk__http_address(m->http) : NULL;
}

int pk_metrics__fd(const struct pk_metrics *m)
{
	return m && m->http ? pk__http_fd(m->http) : -EINVAL;
}

int pk_metrics__process(struct pk_metrics *m)
{
	return m && m->http ? pk__http_process(m->http) : -EINVAL;
}
