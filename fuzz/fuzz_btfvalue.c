// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The BTF value printers on random types and bytes: the input builds a BTF
 * (ints, pointers, arrays, structs and unions with bitfields, enums,
 * typedefs, qualifiers, floats), the rest is the value. The text form must
 * be one NUL-terminated line without control characters, whatever the
 * buffer size; the JSON form must parse; neither may read past the data.
 */
#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <probekit/btfvalue.h>

#include "jsoncheck.h"

#include "fuzzinput.h"

static const char *const names[] = {"a", "b", "comm", "pid", "x", ""};

static const char *name(struct in *in)
{
	return names[take(in) % 6];
}

static int add_type(struct btf *btf, struct in *in, int nr)
{
	unsigned int k = take(in) % 11, ref = nr ? 1 + take(in) % nr : 0, i, n, bits;
	static const int sizes[] = {1, 2, 4, 8, 16};
	int id;

	switch (k) {
	case 0:
		return btf__add_int(
		    btf, take(in) & 1 ? "char" : "int", sizes[take(in) % 5],
		    (int[]){0, BTF_INT_SIGNED, BTF_INT_CHAR, BTF_INT_BOOL}[take(in) % 4]);
	case 1: return btf__add_ptr(btf, ref);
	case 2: return ref ? btf__add_array(btf, ref, ref, take(in) % 20) : -1;
	case 3:
	case 4:
		n = take(in) % 5;
		id = k == 3 ? btf__add_struct(btf, name(in), take(in) % 48)
			    : btf__add_union(btf, name(in), take(in) % 48);
		for (i = 0; id > 0 && i < n && ref; i++) {
			bits = take(in) % 4 == 0 ? take(in) % 33 : 0;
			btf__add_field(btf, name(in), 1 + take(in) % nr, take(in) * 3 % 384, bits);
		}
		return id;
	case 5:
		id = btf__add_enum(btf, name(in), sizes[take(in) % 4]);
		for (i = 0, n = take(in) % 4; id > 0 && i < n; i++)
			btf__add_enum_value(btf, names[i], (int8_t)take(in));
		return id;
	case 6: return ref ? btf__add_typedef(btf, "t", ref) : -1;
	case 7: return btf__add_const(btf, ref);
	case 8: return btf__add_volatile(btf, ref);
	case 9: return btf__add_float(btf, "double", take(in) & 1 ? 8 : 4);
	default:
		id = btf__add_enum64(btf, name(in), 8, take(in) & 1);
		for (i = 0, n = take(in) % 3; id > 0 && i < n; i++)
			btf__add_enum64_value(btf, names[i], (uint64_t)take(in) << 40);
		return id;
	}
}

static void check_text(struct pk_btf_printer *p, __u32 id, const void *d, size_t n)
{
	char buf[512], small[7];
	int len = pk_btf_printer__text(p, id, d, n, buf, sizeof(buf));
	size_t i;

	if (len < 0)
		return;
	assert(strlen(buf) == ((size_t)len < sizeof(buf) ? (size_t)len : sizeof(buf) - 1));
	for (i = 0; buf[i]; i++)
		assert((unsigned char)buf[i] >= 0x20 && buf[i] != 0x7f);
	assert(pk_btf_printer__text(p, id, d, n, small, sizeof(small)) == len);
	assert(strlen(small) <= 6);
}

static void check_json(const struct btf *btf, __u32 id, const void *d, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct pk_json j;
	const char *end;
	long double num;

	pk_json__begin(&j, f);
	pk_btf_value_json(btf, id, d, n, &j, "v");
	pk_json__end(&j);
	fclose(f);
	assert(len && out[len - 1] == '\n');
	out[len - 1] = '\0';
	end = value(out, 0);
	if (!(end && !*end))
		fprintf(stderr, "BAD JSON: %s\n", out);
	assert(end && !*end);
	free(out);
	pk_btf_value_number(btf, id, d, n, &num);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	struct btf *btf = btf__new_empty();
	struct pk_btf_printer *p;
	unsigned int nr = 0, want = 1 + take(&in) % 12, i;
	uint8_t *copy;

	while (btf && nr < want && in.n) {
		if (add_type(btf, &in, nr) > 0)
			nr = btf__type_cnt(btf) - 1;
		else
			want--;
	}
	p = pk_btf_printer__new(btf);
	/* a copy of exactly the remaining bytes: reading past it is an ASan error */
	copy = malloc(in.n ? in.n : 1);
	memcpy(copy, in.p, in.n);
	for (i = 1; p && i <= nr; i++) {
		check_text(p, i, copy, in.n);
		check_json(btf, i, copy, in.n);
	}
	free(copy);
	pk_btf_printer__free(p);
	btf__free(btf);
	return 0;
}
