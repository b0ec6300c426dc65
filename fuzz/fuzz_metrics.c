// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Prometheus exposition writer (lib/metrics.c) on random maps: the
 * input builds a key type (integers of every size and sign, enums, char
 * arrays holding any bytes, structs of them with names Prometheus reserves
 * or cannot take, a trailing "slot"), a value type, map variables with
 * random pk_hist/pk_metric tags and names, sizes that may disagree with
 * the types, and entries of random bytes. Whatever becomes a metric is
 * written with a random series limit, and every line must be what
 * Prometheus' text parser accepts: names and label names of the allowed
 * characters, label values with only the \\, \" and \n escapes, valid
 * UTF-8, numbers strtod() reads, no sample twice, at most the limit. The
 * rest of the input goes to the HTTP request router and address parser.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../lib/print/print.h"
#include "fuzzinput.h"

static const char *const member_names[] = {"slot", "le",   "__x",     "a b", "",   "quantile",
					   "fd",   "comm", "x\"\\\n", "9z",  "pid"};
static const char *const map_names[] = {
    "h", "read_usecs", "lat_nsecs_by_pid", "x\x7f\xff", "calls_total", "kb", "us"};
static const char *const declared[] = {NULL, NULL, NULL, "my_total", "a-b.c", "9x", ""};
static const char *const tags[] = {
    "pk_hist",
    "pk_hist:linear:1",
    "pk_hist:linear:1000",
    "pk_hist_unit:usecs",
    "pk_hist_unit:kbytes",
    "pk_hist_section:pid",
    "pk_hist_section:le",
    "other",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int scalar(struct btf *btf, struct in *in)
{
	static const int sizes[] = {1, 2, 4, 8};
	int id, i, n;

	switch (take(in) % 4) {
	case 0:
		id = btf__add_enum(btf, "e", sizes[take(in) % 4]);
		for (i = 0, n = take(in) % 4; id > 0 && i < n; i++)
			btf__add_enum_value(btf, i % 2 ? "B\n" : "READ", take(in) - 2);
		return id;
	case 1:
		id = btf__add_int(btf, "char", 1, BTF_INT_CHAR);
		return id > 0 ? btf__add_array(btf, id, id, 1 + take(in) % 20) : id;
	default:
		return btf__add_int(btf, "int", sizes[take(in) % 4],
				    take(in) & 1 ? BTF_INT_SIGNED : 0);
	}
}

/* A scalar key, or a struct of scalars, maybe ending in an integer "slot". */
static int key_type(struct btf *btf, struct in *in)
{
	int ids[6], i, n = take(in) % 6, id;
	__u32 off = 0;

	if (!n)
		return scalar(btf, in);
	for (i = 0; i < n; i++)
		ids[i] = scalar(btf, in);
	id = btf__add_struct(btf, "key", 0);
	for (i = 0; id > 0 && i < n; i++) {
		long size = btf__resolve_size(btf, ids[i]);

		off = (off + 7) / 8 * 8;
		if (ids[i] <= 0 || size <= 0 ||
		    btf__add_field(btf,
				   i == n - 1 && take(in) & 1
				       ? "slot"
				       : member_names[take(in) % N(member_names)],
				   ids[i], off * 8, 0))
			return -1;
		off += size;
	}
	if (id > 0)
		((struct btf_type *)btf__type_by_id(btf, id))->size = (off + 7) / 8 * 8;
	return id;
}

static bool name_char(char c, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || (colon && c == ':');
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		unsigned char c = s[i];
		size_t len = c < 0x80	      ? 1
			     : (c >> 5) == 6  ? 2
			     : (c >> 4) == 14 ? 3
			     : (c >> 3) == 30 ? 4
					      : 0;

		if (!len || i + len > n || (len == 2 && c < 0xc2))
			return false;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		}
		i += len;
	}
	return true;
}

/* One sample line, as Prometheus' text parser reads it; returns its series' length. */
static size_t check_sample(const char *l)
{
	const char *p = l, *names[40];
	size_t nnames = 0, i, series;
	char *end;

	assert(name_char(*p, true) && !(*p >= '0' && *p <= '9'));
	while (name_char(*p, true))
		p++;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			const char *n = p;

			assert(name_char(*p, false) && !(*p >= '0' && *p <= '9'));
			assert(!(p[0] == '_' && p[1] == '_'));
			while (name_char(*p, false))
				p++;
			for (i = 0; i < nnames; i++)
				assert(strncmp(names[i], n, p - n + 1));
			assert(nnames < 40);
			names[nnames++] = n;
			assert(*p == '=' && p[1] == '"');
			for (p += 2; *p != '"'; p++) {
				assert(*p && *p != '\n');
				if (*p == '\\') {
					p++;
					assert(*p == '\\' || *p == '"' || *p == 'n');
				}
			}
			p++;
			if (*p == ',')
				p++;
			else
				assert(*p == '}');
		}
		p++;
	}
	series = p - l;
	assert(*p == ' ');
	p++;
	if (strcmp(p, "+Inf") && strcmp(p, "-Inf")) {
		strtod(p, &end);
		assert(end != p && !*end);
	}
	return series;
}

static int compare_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_output(char *out, size_t len, __u32 max_series)
{
	char *lines[20000], *l, *save = NULL;
	size_t n = 0, i;

	assert(strlen(out) == len && valid_utf8((unsigned char *)out, len));
	for (l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "# HELP ", 7) || !strncmp(l, "# TYPE ", 7))
			continue;
		assert(l[0] != '#');
		l[check_sample(l)] = '\0';
		assert(n < 20000);
		lines[n++] = l;
	}
	assert(n <= max_series);
	qsort(lines, n, sizeof(*lines), compare_str);
	for (i = 1; i < n; i++)
		assert(strcmp(lines[i - 1], lines[i]));
}

static void write_metric(struct btf *btf, struct in *in)
{
	struct pk__metric_desc d = {
	    .name = map_names[take(in) % N(map_names)],
	    .declared_name = declared[take(in) % N(declared)],
	    .map_type = take(in) & 1 ? BPF_MAP_TYPE_ARRAY : BPF_MAP_TYPE_HASH,
	    .gauge = take(in) % 4 == 0,
	    .max_entries = take(in) % 70,
	};
	int key = key_type(btf, in), value, var, i;
	__u32 max_series = 1 + take(in) * 4, n;
	struct pk__metric *f;
	uint8_t *keys, *values;
	char *out = NULL;
	size_t len = 0;
	FILE *o;

	value = take(in) % 5 ? btf__add_int(btf, "u64", 1 << take(in) % 4, take(in) & 1)
			     : key_type(btf, in);
	var = btf__add_var(btf, d.name, BTF_VAR_GLOBAL_ALLOCATED, value > 0 ? value : 1);
	for (i = take(in) % 3; var > 0 && i > 0; i--)
		btf__add_decl_tag(btf, tags[take(in) % N(tags)], var, -1);
	if (key <= 0 || value <= 0)
		return;
	d.key_type_id = key;
	d.value_type_id = value;
	d.key_size = take(in) % 8 ? btf__resolve_size(btf, key) : take(in) % 64;
	d.value_size = take(in) % 8 ? btf__resolve_size(btf, value) : take(in) % 16;
	f = pk__metric_new(btf, &d);
	if (!f)
		return;
	n = take(in) % 64;
	keys = calloc(n + 1, d.key_size + 1);
	values = calloc(n + 1, d.value_size + 1);
	assert(keys && values);
	for (i = 0; i < (int)(n * d.key_size) && in->n; i++)
		keys[i] = take(in);
	for (i = 0; i < (int)(n * d.value_size) && in->n; i++)
		values[i] = take(in);
	/* twice: the second write keeps the buckets the first one showed */
	for (i = 0; i < 2; i++) {
		o = open_memstream(&out, &len);
		assert(o && pk__metric_write(f, o, keys, values, n, max_series) == 0);
		fclose(o);
		check_output(out, len, max_series);
		free(out);
		out = NULL;
	}
	pk__metric_free(f);
	free(keys);
	free(values);
}

static void route(struct in *in)
{
	static const char *const methods[] = {"GET", "HEAD", "POST", "get", "", NULL};
	char url[64], storage[sizeof(struct sockaddr_storage)];
	size_t i, n = take(in) % sizeof(url);
	enum pk__http_route r;
	unsigned int len;

	for (i = 0; i < n; i++)
		url[i] = take(in);
	url[n] = '\0';
	r = pk__http_route(methods[take(in) % N(methods)], url);
	assert(r == PK__HTTP_NOT_FOUND || !strcmp(url, "/") || !strcmp(url, "/metrics"));
	if (!pk__http_parse_addr(url, storage, &len))
		assert(len <= sizeof(storage));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	struct btf *btf = btf__new_empty();

	if (btf)
		write_metric(btf, &in);
	btf__free(btf);
	route(&in);
	return 0;
}
