// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The parameter value parser on any text, for each kind of BTF type (built
 * in memory with libbpf's btf__add_*()): the first byte picks the type, the
 * rest is the text. Whatever parses must show as text that parses back to
 * the same bytes.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "../lib/load/load.h"

static struct btf *btf;
static int types[16], nr_types;

static void build(void)
{
	int s32, u8, e;

	btf = btf__new_empty();
	u8 = btf__add_int(btf, "unsigned char", 1, 0);
	types[nr_types++] = u8;
	types[nr_types++] = btf__add_int(btf, "signed char", 1, BTF_INT_SIGNED);
	types[nr_types++] = btf__add_int(btf, "short unsigned int", 2, 0);
	types[nr_types++] = btf__add_int(btf, "short", 2, BTF_INT_SIGNED);
	types[nr_types++] = btf__add_int(btf, "unsigned int", 4, 0);
	types[nr_types++] = s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	types[nr_types++] = btf__add_int(btf, "long long unsigned int", 8, 0);
	types[nr_types++] = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	types[nr_types++] = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	types[nr_types++] = e = btf__add_enum(btf, "color", 4);
	btf__add_enum_value(btf, "RED", 0);
	btf__add_enum_value(btf, "GREEN", 7);
	types[nr_types++] = btf__add_enum64(btf, "big", 8, true);
	btf__add_enum64_value(btf, "LOW", -5);
	btf__add_enum64_value(btf, "HIGH", 1ULL << 40);
	types[nr_types++] = btf__add_array(btf, s32, btf__add_int(btf, "char", 1, BTF_INT_SIGNED), 8);
	types[nr_types++] = btf__add_volatile(btf, btf__add_const(btf, btf__add_typedef(btf, "u32_t", types[4])));
	types[nr_types++] = btf__add_struct(btf, "pair", 8);
	types[nr_types++] = btf__add_array(btf, s32, s32, 2);
	types[nr_types++] = btf__add_ptr(btf, e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char val[16], again[16];
	char text[300], shown[300], why[128], name[64];
	int id, sz, err;

	if (!btf)
		build();
	if (size < 1 || size > sizeof(text))
		return 0;
	id = types[data[0] % nr_types];
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	sz = btf__resolve_size(btf, id);
	if (sz <= 0 || sz > (int)sizeof(val))
		sz = 4;
	pk__param_type_name(btf, id, name, sizeof(name));
	assert(strlen(name) < sizeof(name));
	err = pk__param_parse(btf, id, text, val, sz, why, sizeof(why));
	if (err) {
		assert(err == -EINVAL || err == -ERANGE);
		assert(why[0] && strlen(why) < sizeof(why));
		return 0;
	}
	pk__param_format(btf, id, val, sz, shown, sizeof(shown));
	/* escaped strings do not read back as the same bytes */
	if (strchr(shown, '\\'))
		return 0;
	err = pk__param_parse(btf, id, shown, again, sz, why, sizeof(why));
	assert(!err);
	assert(!memcmp(val, again, sz));
	return 0;
}
