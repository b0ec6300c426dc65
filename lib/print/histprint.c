// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Histograms as bcc prints them (table.py's _print_log2_hist and
 * _print_linear_hist), recognised in maps by their BTF (include/probekit/hist.h).
 * The printer works on (key, count) entries in memory, so that it can be
 * tested and fuzzed without a kernel; pk_hist__print_map() reads the map.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/btfvalue.h>
#include <probekit/hist.h>
#include <probekit/maps.h>
#include <probekit/output.h>
#include "print.h"

/* bcc's stars_max, log2_index_max and linear_index_max */
#define STARS_MAX	   40
#define LOG2_SLOTS	   65
#define LINEAR_SLOTS	   1025
#define MAX_BUCKET_MEMBERS 16
#define LABEL_MAX	   64
#define TEXT_MAX	   1024

#define member pk__hist_member

struct pk_hist {
	const struct btf *btf;
	struct pk_btf_printer *printer;
	char *name;
	__u64 step;
	__u32 key_size, value_size, count_size;
	/* keyed: the slot member; unkeyed: the whole key */
	__u32 slot_offset, slot_size;
	bool slot_signed;
	int nr_members;
	struct member members[MAX_BUCKET_MEMBERS];
	char unit[LABEL_MAX], section[LABEL_MAX];
	/* PK_CLEAR: each print empties it (counts per interval) */
	bool clear;
};

/* Rows ----------------------------------------------------------------------- */

/* bcc's _stars(): floor(width * val / max) stars, at most width */
static void stars(struct pk_line *l, __u64 val, __u64 val_max, int width)
{
	unsigned __int128 want = val_max ? (unsigned __int128)width * val / val_max : 0;
	int i, n = want >= (unsigned)width ? width : (int)want;

	pk_line__char(l, '|');
	for (i = 0; i < width; i++)
		pk_line__char(l, i < n ? '*' : ' ');
	pk_line__char(l, '|');
}

struct rows {
	const __u64 *vals;
	size_t n;
	/* 0: log2 */
	__u64 step;
	long idx_max;
	__u64 val_max;
};

static void scan(struct rows *r)
{
	size_t i;

	r->idx_max = -1;
	r->val_max = 0;
	for (i = 0; i < r->n; i++) {
		if (r->vals[i] > 0)
			r->idx_max = i;
		if (r->vals[i] > r->val_max)
			r->val_max = r->vals[i];
	}
}

/* bcc prints a log2 histogram from slot 1, and only when a slot past 0 is set */
static long first_row(const struct rows *r)
{
	return r->step ? 0 : 1;
}

static bool empty(const struct rows *r)
{
	return r->idx_max < first_row(r);
}

void pk__hist_bounds(__u64 step, long i, __u64 *low, __u64 *high)
{
	if (!step) {
		*low = i >= 64 ? 1ULL << 63 : (1ULL << i) >> 1;
		*high = i >= 64 ? ~0ULL : (1ULL << i) - 1;
		if (*low == *high)
			(*low)--;
		return;
	}
	if (__builtin_mul_overflow((__u64)i, step, low))
		*low = ~0ULL;
	if (__builtin_add_overflow(*low, step - 1, high))
		*high = ~0ULL;
}

static void bounds(const struct rows *r, long i, __u64 *low, __u64 *high)
{
	pk__hist_bounds(r->step, i, low, high);
}

static void text_header(struct pk_line *l, const struct rows *r, const char *unit)
{
	bool wide = !r->step && r->idx_max > 32;
	size_t mark;

	pk_line__str(l, wide ? "               " : "     ");
	mark = pk_line__mark(l);
	pk_line__text(l, unit, strlen(unit));
	pk_line__pad(l, mark, r->step ? 13 : wide ? 29 : 19);
	pk_line__str(l, " : count     distribution");
	pk_line__end(l);
}

/*
 * bcc's rows: "%10d -> %-10d : %-8d |%-*s|" (log2; %20d and 20 stars past
 * slot 32) or "        %-10d : %-8d |%-*s|" (linear, the slot's low value).
 */
static void text_rows(FILE *out, const struct rows *r, const char *unit, bool strip)
{
	bool wide = !r->step && r->idx_max > 32;
	struct pk_line l;
	__u64 low, high;
	long i;

	if (empty(r))
		return;
	pk_line__begin(&l, out);
	text_header(&l, r, unit);
	for (i = first_row(r); i <= r->idx_max; i++) {
		if (strip && !r->vals[i])
			continue;
		strip = false;
		bounds(r, i, &low, &high);
		if (r->step) {
			pk_line__str(&l, "        ");
			pk_line__uint(&l, low, -10);
		} else {
			pk_line__uint(&l, low, wide ? 20 : 10);
			pk_line__str(&l, " -> ");
			pk_line__uint(&l, high, wide ? -20 : -10);
		}
		pk_line__str(&l, " : ");
		pk_line__uint(&l, r->vals[i], -8);
		pk_line__char(&l, ' ');
		stars(&l, r->vals[i], r->val_max, wide ? STARS_MAX / 2 : STARS_MAX);
		pk_line__end(&l);
	}
}

static void json_rows(struct pk_json *j, const struct rows *r)
{
	__u64 low, high;
	long i;

	pk_json__array_begin(j, "buckets");
	for (i = first_row(r); i <= r->idx_max; i++) {
		bounds(r, i, &low, &high);
		pk_json__object_begin(j, NULL);
		pk_json__uint(j, "low", low);
		pk_json__uint(j, "high", high);
		pk_json__uint(j, "count", r->vals[i]);
		pk_json__object_end(j);
	}
	pk_json__array_end(j);
}

void pk_print_log2_hist(FILE *out, const __u64 *vals, size_t n, const char *val_type,
			bool strip_leading_zero)
{
	struct rows r = {.vals = vals, .n = n};

	scan(&r);
	text_rows(out, &r, val_type, strip_leading_zero);
}

void pk_print_linear_hist(FILE *out, const __u64 *vals, size_t n, const char *val_type,
			  bool strip_leading_zero)
{
	struct rows r = {.vals = vals, .n = n, .step = 1};

	scan(&r);
	text_rows(out, &r, val_type, strip_leading_zero);
}

/* Recognition ---------------------------------------------------------------- */

/* An integer type behind typedefs and qualifiers, or NULL. */
static const struct btf_type *int_type(const struct btf *btf, __u32 id)
{
	int rid = btf__resolve_type(btf, id);
	const struct btf_type *t = rid > 0 ? btf__type_by_id(btf, rid) : NULL;

	if (!t || !btf_is_int(t) || t->size < 1 || t->size > 8 || btf_int_offset(t) ||
	    btf_int_bits(t) != t->size * 8)
		return NULL;
	return t;
}

/* "10", "(10)", "10ULL": the step of "pk_hist:linear:STEP" (PK__STR() of a macro argument) */
static __u64 parse_step(const char *s)
{
	unsigned long long v;
	int open = 0;
	char *end;

	while (*s == '(') {
		s++;
		open++;
	}
	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return 0;
	end += strspn(end, "uUlL");
	while (open && *end == ')') {
		end++;
		open--;
	}
	return open || *end ? 0 : v;
}

static void copy_label(char *dst, const char *src)
{
	snprintf(dst, LABEL_MAX, "%s", src);
}

struct tags {
	struct pk_hist *h;
	bool tagged;
};

static int read_tag(const char *tag, void *ctx)
{
	struct tags *t = ctx;
	struct pk_hist *h = t->h;

	if (!strcmp(tag, "pk_hist")) {
		t->tagged = true;
	} else if (!strncmp(tag, "pk_hist:linear:", 15)) {
		h->step = parse_step(tag + 15);
		t->tagged = h->step > 0;
	} else if (!strncmp(tag, "pk_hist_unit:", 13)) {
		copy_label(h->unit, tag + 13);
	} else if (!strncmp(tag, "pk_hist_section:", 16)) {
		copy_label(h->section, tag + 16);
	} else if (!strcmp(tag, "pk_clear")) {
		h->clear = true;
	}
	return 0;
}

/* The map variable's decl tags: returns whether one says "histogram". */
static bool read_tags(const struct btf *btf, const char *name, struct pk_hist *h)
{
	struct tags t = {h, false};

	pk__var_tags(btf, name, read_tag, &t);
	return t.tagged;
}

static const struct {
	const char *word, *unit;
} units[] = {
    {"usecs", "usecs"},	  {"usec", "usecs"},	{"us", "usecs"},    {"nsecs", "nsecs"},
    {"nsec", "nsecs"},	  {"ns", "nsecs"},	{"msecs", "msecs"}, {"msec", "msecs"},
    {"ms", "msecs"},	  {"secs", "secs"},	{"sec", "secs"},    {"bytes", "bytes"},
    {"kbytes", "kbytes"}, {"kb", "kbytes"},	{"pages", "pages"}, {"sectors", "sectors"},
    {"slots", "slots"},	  {"cycles", "cycles"}, {"calls", "calls"},
};

/* The last word of @name (split at '_' and '.') that is a unit bcc's tools print. */
void pk__unit_from_name(const char *name, char *unit, size_t size)
{
	const char *end = name + strlen(name), *w;
	size_t i, len;

	while (end > name) {
		for (w = end; w > name && w[-1] != '_' && w[-1] != '.'; w--)
			;
		len = end - w;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strlen(units[i].word) == len && !strncasecmp(w, units[i].word, len)) {
				snprintf(unit, size, "%s", units[i].unit);
				return;
			}
		}
		end = w > name ? w - 1 : name;
	}
	snprintf(unit, size, "value");
}

/*
 * A bucket that is a struct of one member (PK_HIST_KEYED(name, struct
 * {char comm[16];}, ...)) is that member: "comm = wl_hog".
 */
static void unwrap_bucket(const struct btf *btf, struct member *b)
{
	__u32 id = b->type_id;
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	const struct btf_member *m;
	__s64 size;

	if (!t || !btf_is_struct(t) || btf_vlen(t) != 1 || btf_member_bitfield_size(t, 0))
		return;
	m = btf_members(t);
	size = btf__resolve_size(btf, m->type);
	if (size <= 0 || btf_member_bit_offset(t, 0) % 8)
		return;
	b->name = btf__name_by_offset(btf, m->name_off);
	b->type_id = m->type;
	b->offset += btf_member_bit_offset(t, 0) / 8;
	b->size = size;
}

/* A struct key { bucket members..., slot }: the members before slot are the bucket. */
static bool keyed_shape(struct pk_hist *h, const struct btf_type *key)
{
	const struct btf *btf = h->btf;
	const struct btf_member *m = btf_members(key);
	int i, vlen = btf_vlen(key);
	const struct btf_type *slot;
	__s64 size;

	if (vlen < 2 || vlen - 1 > MAX_BUCKET_MEMBERS)
		return false;
	for (i = 0; i < vlen; i++) {
		if (btf_member_bitfield_size(key, i) || btf_member_bit_offset(key, i) % 8)
			return false;
		size = btf__resolve_size(btf, m[i].type);
		if (size <= 0 || btf_member_bit_offset(key, i) / 8 + size > h->key_size)
			return false;
		if (i == vlen - 1)
			break;
		/* the bucket lies before the slot: buckets are compared as those bytes */
		if (btf_member_bit_offset(key, i) / 8 + size >
		    btf_member_bit_offset(key, vlen - 1) / 8)
			return false;
		h->members[i] = (struct member){btf__name_by_offset(btf, m[i].name_off), m[i].type,
						btf_member_bit_offset(key, i) / 8, size};
		if (vlen == 2)
			unwrap_bucket(btf, &h->members[0]);
	}
	slot = int_type(btf, m[vlen - 1].type);
	if (!slot || strcmp(btf__name_by_offset(btf, m[vlen - 1].name_off) ?: "", "slot"))
		return false;
	h->nr_members = vlen - 1;
	h->slot_offset = btf_member_bit_offset(key, vlen - 1) / 8;
	h->slot_size = slot->size;
	h->slot_signed = btf_int_encoding(slot) & BTF_INT_SIGNED;
	return true;
}

static bool recognize(struct pk_hist *h, const struct pk_hist_desc *d)
{
	const struct btf *btf = h->btf;
	const struct btf_type *v = int_type(btf, d->value_type_id), *k;
	bool tagged = read_tags(btf, d->name, h);
	int kid = btf__resolve_type(btf, d->key_type_id);

	if (!v || v->size > d->value_size || kid <= 0)
		return false;
	h->count_size = v->size;
	k = btf__type_by_id(btf, kid);
	if (k && btf_is_struct(k) && k->size <= d->key_size && keyed_shape(h, k))
		return true;
	k = int_type(btf, d->key_type_id);
	if (!tagged || !k || k->size > d->key_size)
		return false;
	h->slot_size = k->size;
	h->slot_signed = btf_int_encoding(k) & BTF_INT_SIGNED;
	return true;
}

struct pk_hist *pk_hist__recognize(const struct btf *btf, const struct pk_hist_desc *desc)
{
	struct pk_hist *h;

	if (!btf || !desc || !PK_OPTS_VALID(desc, pk_hist_desc) || !PK_OPTS_HAS(desc, value_size) ||
	    !desc->name || !desc->key_size || !desc->value_size) {
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->btf = btf;
	h->key_size = desc->key_size;
	h->value_size = desc->value_size;
	if (!recognize(h, desc)) {
		free(h);
		errno = ENOENT;
		return NULL;
	}
	/* a section label names a one-member bucket; several keep their own names */
	if (h->nr_members > 1)
		h->section[0] = '\0';
	if (!h->unit[0])
		pk__unit_from_name(desc->name, h->unit, sizeof(h->unit));
	h->name = strdup(desc->name);
	h->printer = h->nr_members ? pk_btf_printer__new(btf) : NULL;
	if (!h->name || (h->nr_members && !h->printer)) {
		pk_hist__free(h);
		errno = ENOMEM;
		return NULL;
	}
	return h;
}

struct pk_hist *pk_hist__from_map(const struct bpf_map *map, const struct btf *btf)
{
	LIBBPF_OPTS(pk_hist_desc, d);

	if (!map || !btf) {
		errno = EINVAL;
		return NULL;
	}
	d.name = bpf_map__name(map);
	d.key_type_id = bpf_map__btf_key_type_id(map);
	d.value_type_id = bpf_map__btf_value_type_id(map);
	d.key_size = bpf_map__key_size(map);
	d.value_size = bpf_map__value_size(map);
	if (!d.key_type_id || !d.value_type_id) {
		errno = ENOENT;
		return NULL;
	}
	return pk_hist__recognize(btf, &d);
}

void pk_hist__free(struct pk_hist *h)
{
	if (!h)
		return;
	pk_btf_printer__free(h->printer);
	free(h->name);
	free(h);
}

__u64 pk_hist__step(const struct pk_hist *h)
{
	return h ? h->step : 0;
}

bool pk_hist__keyed(const struct pk_hist *h)
{
	return h && h->nr_members;
}

const char *pk_hist__unit(const struct pk_hist *h)
{
	return h ? h->unit : NULL;
}

/* Printing ------------------------------------------------------------------- */

struct entries {
	const struct pk_hist *h;
	const unsigned char *keys, *values;
};

size_t pk__hist_slot_of(const struct pk_hist *h, const void *keyp, size_t nr_slots)
{
	const unsigned char *key = keyp;
	__u64 raw = pk__load_uint(key + h->slot_offset, h->slot_size);
	unsigned int sign = h->slot_size * 8 - 1;

	if (h->slot_signed && (raw >> sign) & 1)
		return 0;
	/* as pk_hist_add() does: values past the last slot count in it */
	return raw < nr_slots ? raw : nr_slots - 1;
}

/* the bucket's first member as a number, when it is one */
static bool bucket_number(const struct pk_hist *h, const unsigned char *key, long double *x)
{
	const struct member *m = &h->members[0];

	return h->nr_members == 1 &&
	       !pk_btf_value_number(h->btf, m->type_id, key + m->offset, m->size, x);
}

static int compare_buckets(const void *a, const void *b, void *arg)
{
	const struct entries *e = arg;
	const struct pk_hist *h = e->h;
	const unsigned char *k1 = e->keys + *(const size_t *)a * h->key_size;
	const unsigned char *k2 = e->keys + *(const size_t *)b * h->key_size;
	long double x1, x2;

	if (bucket_number(h, k1, &x1) && bucket_number(h, k2, &x2) && x1 != x2)
		return x1 < x2 ? -1 : 1;
	return memcmp(k1, k2, h->slot_offset);
}

/* Whether @id is an array of chars: text. */
static bool is_char_array(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, id)), *e;

	if (!t || !btf_is_array(t))
		return false;
	e = btf__type_by_id(btf, btf__resolve_type(btf, btf_array(t)->type));
	return e && btf_is_int(e) && e->size == 1;
}

/* A pk_target_t member (a PK_TARGET_EACH cookie): its target's name, else NULL. */
static const char *target_name(const struct pk_hist *h, const struct member *m,
			       const unsigned char *key)
{
	const struct btf_type *t = btf__type_by_id(h->btf, m->type_id);
	__u32 cookie;

	while (t && btf_is_mod(t))
		t = btf__type_by_id(h->btf, t->type);
	if (!t || !btf_is_typedef(t) || m->size != sizeof(cookie) ||
	    strcmp(btf__name_by_offset(h->btf, t->name_off) ?: "", "pk_target_t"))
		return NULL;
	memcpy(&cookie, key + m->offset, sizeof(cookie));
	return pk__col_target_name(cookie);
}

/*
 * AF_INET or AF_INET6 for a bucket member typed pk_ipv4_t or pk_ipv6_t
 * (probekit.bpf.h), which prints as its address (tcprtt -b: "127.0.0.1");
 * else 0.
 */
static int addr_family(const struct pk_hist *h, const struct member *m)
{
	__u32 id = m->type_id;
	int i;

	for (i = 0; i < 8; i++) {
		const struct btf_type *t = btf__type_by_id(h->btf, id);
		const char *name = t ? btf__name_by_offset(h->btf, t->name_off) : NULL;

		if (!t || (!btf_is_typedef(t) && !btf_is_const(t) && !btf_is_volatile(t)))
			return 0;
		if (btf_is_typedef(t) && name && !strcmp(name, "pk_ipv4_t") && m->size == 4)
			return AF_INET;
		if (btf_is_typedef(t) && name && !strcmp(name, "pk_ipv6_t") && m->size == 16)
			return AF_INET6;
		id = t->type;
	}
	return 0;
}

/*
 * A bucket member's value: a target's name (funclatency -F's "Function =
 * vfs_read"), an address, a char array as its text ("wl_hog"), else
 * btf_dump's.
 */
static void member_text(const struct pk_hist *h, const struct member *m, const unsigned char *key,
			char *buf)
{
	const char *name = target_name(h, m, key);
	int af = addr_family(h, m);

	if (name) {
		pk_escape_text(buf, TEXT_MAX, name, strlen(name));
		return;
	}
	if (af && inet_ntop(af, key + m->offset, buf, TEXT_MAX))
		return;
	if (is_char_array(h->btf, m->type_id)) {
		pk_escape_text(buf, TEXT_MAX, (const char *)key + m->offset,
			       strnlen((const char *)key + m->offset, m->size));
		return;
	}
	if (pk_btf_printer__text(h->printer, m->type_id, key + m->offset, m->size, buf, TEXT_MAX) <
	    0)
		snprintf(buf, TEXT_MAX, "?");
}

__u64 pk__hist_count(const struct pk_hist *h, const void *value)
{
	return pk__load_uint(value, h->count_size);
}

const struct pk__hist_member *pk__hist_members(const struct pk_hist *h, int *n)
{
	*n = h->nr_members;
	return h->members;
}

const char *pk__hist_member_label(const struct pk_hist *h, int i)
{
	if (h->section[0])
		return h->section;
	return h->members[i].name && *h->members[i].name ? h->members[i].name : "key";
}

/* bcc's "\n%s = %r" % (section_header, bucket); several members joined by ", " */
static void text_section(const struct pk_hist *h, FILE *out, const unsigned char *key)
{
	char buf[TEXT_MAX];
	struct pk_line l;
	const char *label;
	int i;

	pk_line__begin(&l, out);
	pk_line__end(&l);
	for (i = 0; i < h->nr_members; i++) {
		label = pk__hist_member_label(h, i);
		if (i)
			pk_line__str(&l, ", ");
		pk_line__text(&l, label, strlen(label));
		pk_line__str(&l, " = ");
		member_text(h, &h->members[i], key, buf);
		pk_line__str(&l, buf);
	}
	pk_line__end(&l);
}

static void print_json(const struct pk_hist *h, FILE *out, const struct rows *r,
		       const unsigned char *key)
{
	struct pk_json j;
	int i;

	pk_json__begin(&j, out);
	pk_json__str(&j, "map", h->name, strlen(h->name));
	pk_json__str(&j, "unit", h->unit, strlen(h->unit));
	pk_json__str(&j, "type", h->step ? "linear" : "log2", h->step ? 6 : 4);
	if (h->step)
		pk_json__uint(&j, "step", h->step);
	if (h->nr_members) {
		pk_json__object_begin(&j, "key");
		for (i = 0; i < h->nr_members; i++) {
			const struct member *m = &h->members[i];
			const char *label = pk__hist_member_label(h, i);
			const char *name = target_name(h, m, key);
			char buf[INET6_ADDRSTRLEN];
			int af = addr_family(h, m);

			/* a target's name, an address as its text, as in event records */
			if (name)
				pk_json__str(&j, label, name, strlen(name));
			else if (af && inet_ntop(af, key + m->offset, buf, sizeof(buf)))
				pk_json__str(&j, label, buf, strlen(buf));
			else
				pk_btf_value_json(h->btf, m->type_id, key + m->offset, m->size, &j,
						  label);
		}
		pk_json__object_end(&j);
	}
	json_rows(&j, r);
	pk_json__end(&j);
}

/* The histogram of entries order[0..n), which share a bucket. */
static int print_group(const struct entries *e, FILE *out, const size_t *order, size_t n,
		       const struct pk_hist_print_opts *opts, bool *titled)
{
	const struct pk_hist *h = e->h;
	const unsigned char *key = e->keys + order[0] * h->key_size;
	size_t i, nr_slots = h->step ? LINEAR_SLOTS : LOG2_SLOTS;
	struct rows r = {.n = nr_slots, .step = h->step};
	__u64 *vals = calloc(nr_slots, sizeof(*vals));

	if (!vals)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		size_t slot = pk__hist_slot_of(h, e->keys + order[i] * h->key_size, nr_slots);
		__u64 c = pk__load_uint(e->values + order[i] * h->value_size, h->count_size);

		vals[slot] =
		    __builtin_add_overflow(vals[slot], c, &vals[slot]) ? ~0ULL : vals[slot];
	}
	r.vals = vals;
	scan(&r);
	if (empty(&r)) {
		free(vals);
		return 0;
	}
	if (PK_OPTS_GET(opts, json, false)) {
		print_json(h, out, &r, key);
	} else {
		if (PK_OPTS_GET(opts, title, false) && !*titled) {
			pk_fput_text(out, h->name, strlen(h->name));
			fputs(":\n", out);
			*titled = true;
		}
		if (h->nr_members)
			text_section(h, out, key);
		text_rows(out, &r, h->unit, false);
	}
	free(vals);
	return 1;
}

int pk_hist__print(const struct pk_hist *h, FILE *out, const void *keys, const void *values,
		   size_t n, const struct pk_hist_print_opts *opts)
{
	struct entries e = {h, keys, values};
	size_t i, start, *order;
	bool titled = false;
	int ret, printed = 0;

	if (!h || !out || (n && (!keys || !values)) || !PK_OPTS_VALID(opts, pk_hist_print_opts))
		return -EINVAL;
	if (!n)
		return 0;
	order = calloc(n, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		order[i] = i;
	if (h->nr_members)
		qsort_r(order, n, sizeof(*order), compare_buckets, &e);
	for (start = 0; start < n; start = i) {
		for (i = start + 1; h->nr_members && i < n; i++) {
			if (compare_buckets(&order[start], &order[i], &e))
				break;
		}
		if (!h->nr_members)
			i = n;
		ret = print_group(&e, out, order + start, i - start, opts, &titled);
		if (ret < 0) {
			free(order);
			return ret;
		}
		printed += ret;
	}
	free(order);
	return printed;
}

int pk_hist__print_map(const struct pk_hist *h, FILE *out, const struct bpf_map *map,
		       const struct pk_hist_print_opts *opts)
{
	LIBBPF_OPTS(pk_map_read_opts, ro, .sum_percpu = true);
	struct pk_map_snapshot *s;
	int ret;

	if (!h || !map || !PK_OPTS_VALID(opts, pk_hist_print_opts))
		return -EINVAL;
	if (bpf_map__key_size(map) != h->key_size || bpf_map__value_size(map) != h->value_size)
		return -EINVAL;
	s = PK_OPTS_GET(opts, clear, false) || h->clear
		? pk_map_snapshot__new_and_clear(bpf_map__fd(map), &ro)
		: pk_map_snapshot__new(bpf_map__fd(map), &ro);
	if (!s)
		return -errno;
	/* a snapshot's keys and values are two arrays, as pk_hist__print() takes them: no copy */
	ret = pk_map_snapshot__value_size(s) != h->value_size
		  ? -EINVAL
		  : pk_hist__print(h, out, pk_map_snapshot__key(s, 0), pk_map_snapshot__value(s, 0),
				   pk_map_snapshot__count(s), opts);
	pk_map_snapshot__free(s);
	return ret;
}
