// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Options declared in BTF (pk_params__options_btf()) on random types and
 * tags: the input builds ints, bools, arrays, typedefs, structs, VARs in
 * .rodata, .data or no section at all, and decl tags whose text comes
 * from the input (well-formed PK_OPTION()/PK_FILTER_* shapes, cut ones,
 * on members, on types that are no variable). Whatever is accepted must
 * be an option a command line can carry: a long name of letters, digits,
 * '-' and '_', a short name that is a letter or digit or none, no two of
 * one name, printable value names and help, each on a .rodata variable.
 */
#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <probekit/params.h>

#include "fuzzinput.h"

static const char *const shapes[] = {
	"pk_option:m|min|USECS|only slower than USECS",
	"pk_option:'x'|extended||show more",
	"pk_option:|long-only|V|help: with | bars",
	"pk_option:\"q\"|quiet||",
	"pk_option:m|min|A|same long name again",
	"pk_option:mm|bad-short|V|h",
	"pk_option:m|bad name|V|h",
	"pk_option:m|min",
	"pk_option:",
	"pk_filter:pid",
	"pk_filter:uid",
	"pk_filter:cgroup",
	"pk_filter:nope",
	"pk_hist",
};
#define NR_SHAPES (sizeof(shapes) / sizeof(shapes[0]))
static const char *const var_names[] = {"min_us", "pk_filter_tgid", "pk_filter_uid",
					"pk_filter_cgroup", "flag", "", "x"};
#define NR_VAR_NAMES (sizeof(var_names) / sizeof(var_names[0]))

/* A tag's text: a known shape, or one made of the input's bytes. */
static const char *tag_text(struct in *in, char *buf, size_t size)
{
	size_t i, n;

	if (take(in) % 3)
		return shapes[take(in) % NR_SHAPES];
	n = take(in) % (size - 11);
	memcpy(buf, take(in) & 1 ? "pk_option:" : "pk_filter:", 11);
	for (i = 0; i < n; i++)
		buf[10 + i] = take(in) % 4 ? (char)(' ' + take(in) % 95) : (char)take(in);
	buf[10 + n] = '\0';
	/* btf__add_decl_tag() takes a C string: what follows a NUL is cut */
	return buf;
}

static int add_base(struct btf *btf, struct in *in, int nr)
{
	switch (take(in) % 6) {
	case 0: return btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	case 1: return btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	case 2: return btf__add_int(btf, "unsigned int", 4, 0);
	case 3:
		return btf__add_array(btf, 1, btf__add_int(btf, "char", 1, BTF_INT_SIGNED),
				      take(in) % 32);
	case 4: return nr ? btf__add_typedef(btf, "t", 1 + take(in) % nr) : -1;
	default: return nr ? btf__add_volatile(btf, 1 + take(in) % nr) : -1;
	}
}

static void check(const struct pk_param_option *o, int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		const char *c;

		assert(o[i].long_name[0] && isalnum((unsigned char)o[i].long_name[0]));
		for (c = o[i].long_name; *c; c++)
			assert(isalnum((unsigned char)*c) || *c == '-' || *c == '_');
		assert(!o[i].short_name || isalnum((unsigned char)o[i].short_name));
		for (c = o[i].help; *c; c++)
			assert((unsigned char)*c >= 0x20 && *c != 0x7f);
		for (c = o[i].value_name; *c; c++)
			assert((unsigned char)*c >= 0x20 && *c != 0x7f);
		for (c = o[i].name; *c; c++)
			assert((unsigned char)*c >= 0x20 && *c != 0x7f);
		for (j = 0; j < i; j++) {
			assert(strcmp(o[i].long_name, o[j].long_name));
			assert(!o[i].short_name || o[i].short_name != o[j].short_name);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	struct pk_param_option out[8];
	struct btf *btf = btf__new_empty();
	int nr = 0, vars[8], nv = 0, i, id, n, sec;
	char why[256], buf[64];

	if (!btf)
		return 0;
	for (i = 0, n = 1 + take(&in) % 8; i < n; i++) {
		id = add_base(btf, &in, nr);
		if (id > 0)
			nr = id;
	}
	for (i = 0, n = take(&in) % 8; i < n && nr; i++) {
		id = btf__add_var(btf, var_names[take(&in) % NR_VAR_NAMES], take(&in) % 3,
				  1 + take(&in) % nr);
		if (id > 0)
			vars[nv++] = id;
	}
	if (nv) {
		sec = btf__add_datasec(btf, take(&in) & 1 ? ".rodata" : ".data", 64);
		for (i = 0; sec > 0 && i < nv; i++) {
			if (take(&in) % 4)
				btf__add_datasec_var_info(btf, vars[i], i * 8, 4);
		}
	}
	for (i = 0, n = take(&in) % 10; i < n; i++) {
		int target = nv && take(&in) % 4 ? vars[take(&in) % nv]
						  : 1 + (int)(take(&in) % (nr + nv + 1));

		btf__add_decl_tag(btf, tag_text(&in, buf, sizeof(buf)), target,
				  take(&in) % 5 ? -1 : (int)(take(&in) % 3));
	}
	n = pk_params__options_btf(btf, out, 8, why, sizeof(why));
	if (n >= 0)
		check(out, n < 8 ? n : 8);
	else
		assert(why[0] && !strchr(why, '\n'));
	btf__free(btf);
	return 0;
}
