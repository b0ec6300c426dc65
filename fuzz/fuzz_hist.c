// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Histogram recognition and both printers on random BTF: the input builds
 * key and value types (ints of every size and sign, typedefs, arrays,
 * structs with "slot" and bucket members at any offset, bitfields), a map
 * variable with random pk_hist decl tags, key and value sizes that may
 * disagree with the types, and then (key, count) entries. Whatever is
 * recognised is printed as text (bcc's lines: no control characters but
 * the newlines) and as JSON (every line must parse); nothing may read past
 * the entries.
 */
#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <probekit/hist.h>
#include <probekit/maps.h>

#include "jsoncheck.h"

#include "fuzzinput.h"

static const char *const names[] = { "slot", "pid", "bucket", "", "comm", "x\n\x1b" };
static const char *const tags[] = {
	"pk_hist",
	"pk_hist:linear:1",
	"pk_hist:linear:(1024ULL)",
	"pk_hist:linear:0",
	"pk_hist:linear:18446744073709551615",
	"pk_hist:linear:x",
	"pk_hist_unit:usecs",
	"pk_hist_unit:\x1b[31m\"\\",
	"pk_hist_section:pid",
	"pk_hist_section:",
	"other",
};
static const char *const map_names[] = { "h", "read_usecs", "lat_ns_by_pid", "x\x7f\xff" };

static int add_type(struct btf *btf, struct in *in, int nr)
{
	unsigned int k = take(in) % 6, ref = nr ? 1 + take(in) % nr : 0, i, n, off, bits;
	static const int sizes[] = { 1, 2, 4, 8, 16 };
	int id;

	switch (k) {
	case 0:
	case 1:
		return btf__add_int(btf, "int", sizes[take(in) % 5],
				    take(in) & 1 ? BTF_INT_SIGNED : 0);
	case 2:
		return ref ? btf__add_typedef(btf, "t", ref) : -1;
	case 3:
		return ref ? btf__add_array(btf, ref, ref, take(in) % 20) : -1;
	case 4:
		n = take(in) % 5;
		id = btf__add_struct(btf, "key", take(in) % 48);
		for (i = 0, off = 0; id > 0 && i < n && ref; i++) {
			bits = take(in) % 8 == 0 ? take(in) % 33 : 0;
			/* mostly packed in order, sometimes anywhere */
			off = take(in) % 4 ? off : take(in) * 3 % 384;
			btf__add_field(btf, names[take(in) % 6], 1 + take(in) % nr, off, bits);
			off += 32;
		}
		return id;
	default:
		return ref ? btf__add_const(btf, ref) : -1;
	}
}

/* A small JSON checker: returns the position after one value, or NULL. */
static void check_text(const char *out, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		assert(out[i] == '\n' || ((unsigned char)out[i] >= 0x20 && out[i] != 0x7f));
}

static void print(struct pk_hist *h, const void *keys, const void *values, size_t n, bool json)
{
	LIBBPF_OPTS(pk_hist_print_opts, o, .json = json, .title = true);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int ret = pk_hist__print(h, f, keys, values, n, &o);

	fclose(f);
	assert(ret >= 0);
	if (json) {
		ret = json_lines_valid(out, len);
		assert(ret);
	} else {
		check_text(out, len);
	}
	free(out);
}

static __u32 size_of(struct btf *btf, __u32 id, unsigned int pick)
{
	long size = btf__resolve_size(btf, id);

	return pick % 4 || size <= 0 ? pick % 40 : (__u32)size;
}

/* The bcc-compatible printers on raw slot arrays, as pk_map_read_slots() fills them. */
static void raw_printers(struct in *in)
{
	__u64 vals[70] = { 0 };
	size_t i, n = take(in) % 70;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	for (i = 0; i < n && in->n >= 2; i++)
		vals[i] = (__u64)take(in) << (take(in) % 64);
	f = open_memstream(&out, &len);
	pk_print_log2_hist(f, vals, n, "usecs", in->n & 1);
	pk_print_linear_hist(f, vals, n, "x", in->n & 2);
	fclose(f);
	check_text(out, len);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct btf *btf = btf__new_empty();
	unsigned int nr = 0, want = 1 + take(&in) % 10, i, ntags;
	const char *name = map_names[take(&in) % 4];
	LIBBPF_OPTS(pk_hist_desc, d, .name = name);
	size_t n, stride;
	struct pk_hist *h;
	uint8_t *keys, *values;
	int var;

	raw_printers(&in);
	while (btf && nr < want && in.n) {
		if (add_type(btf, &in, nr) > 0)
			nr = btf__type_cnt(btf) - 1;
		else
			want--;
	}
	var = btf__add_var(btf, take(&in) % 4 ? name : "other", BTF_VAR_GLOBAL_ALLOCATED, nr ? 1 : 0);
	for (i = 0, ntags = take(&in) % 4; var > 0 && i < ntags; i++)
		btf__add_decl_tag(btf, tags[take(&in) % (sizeof(tags) / sizeof(tags[0]))], var, -1);
	d.key_type_id = nr ? take(&in) % (nr + 1) : 0;
	d.value_type_id = nr ? take(&in) % (nr + 1) : 0;
	d.key_size = size_of(btf, d.key_type_id, take(&in));
	d.value_size = size_of(btf, d.value_type_id, take(&in));
	h = pk_hist__recognize(btf, &d);
	if (h) {
		stride = (size_t)d.key_size + d.value_size;
		n = in.n / stride;
		n = n > 256 ? 256 : n;
		/* exactly the entries' bytes: reading past them is an ASan error */
		keys = malloc(n * d.key_size + 1);
		values = malloc(n * d.value_size + 1);
		for (i = 0; i < n; i++) {
			memcpy(keys + i * d.key_size, in.p + i * stride, d.key_size);
			memcpy(values + i * d.value_size, in.p + i * stride + d.key_size,
			       d.value_size);
		}
		print(h, keys, values, n, false);
		print(h, keys, values, n, true);
		assert(pk_hist__unit(h) && *pk_hist__unit(h));
		free(keys);
		free(values);
		pk_hist__free(h);
	}
	btf__free(btf);
	return 0;
}
