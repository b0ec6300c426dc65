// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Parameters by BTF on tests/bpf/params.bpf.c: every type, every error, and the loaded values. */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/params.h>

#include "../../lib/load/load.h"
#include "bpfobj.h"
#include "unit.h"

static struct bpf_object *open_params(void)
{
	struct bpf_object *obj = bpf_object__open_file(pk_test_bpf_obj("params"), NULL);

	if (!obj)
		pk_unit_fail(__FILE__, __LINE__, "opening params.bpf.o: %s", strerror(errno));
	return obj;
}

static const struct pk_param *find(const struct pk_param *ps, int n, const char *name)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(ps[i].name, name))
			return &ps[i];
	}
	pk_unit_fail(__FILE__, __LINE__, "no parameter %s listed", name);
	return NULL;
}

#define CHECK_PARAM(ps, n, pname, ptype, pvalue)                     \
	do {                                                         \
		const struct pk_param *p_ = find(ps, n, pname);      \
		if (p_) {                                            \
			CHECK_STR(p_->type, ptype);                  \
			CHECK_STR(p_->value, pvalue);                \
		}                                                    \
	} while (0)

PK_TEST(params_list_defaults)
{
	struct bpf_object *obj = open_params();
	struct pk_param ps[32];
	int n;

	if (!obj)
		return;
	n = pk_params__list(obj, ps, 32);
	CHECK_INT(n, 16);
	/* the object's own order; probekit's pk_use_perfbuf is not a parameter */
	CHECK_STR(ps[0].name, "p_u8");
	for (int i = 0; i < n; i++)
		CHECK(strncmp(ps[i].name, "pk_", 3));
	CHECK_PARAM(ps, n, "p_u8", "__u8", "200");
	CHECK_PARAM(ps, n, "p_s8", "__s8", "-5");
	CHECK_PARAM(ps, n, "p_u16", "__u16", "65535");
	CHECK_PARAM(ps, n, "p_s16", "__s16", "-300");
	CHECK_PARAM(ps, n, "p_u32", "__u32", "7");
	CHECK_PARAM(ps, n, "p_int", "int", "-42");
	CHECK_PARAM(ps, n, "p_u64", "__u64", "18446744073709551615");
	CHECK_PARAM(ps, n, "p_s64", "__s64", "-9223372036854775808");
	CHECK_PARAM(ps, n, "p_long", "long", "3");
	CHECK_PARAM(ps, n, "p_uchar", "unsigned char", "65");
	CHECK_PARAM(ps, n, "p_bool", "bool", "true");
	CHECK_PARAM(ps, n, "p_color", "enum pk_test_color", "PK_GREEN");
	CHECK_PARAM(ps, n, "p_comm", "char[8]", "init");
	CHECK_PARAM(ps, n, "p_typedef", "my_count_t", "9");
	CHECK_PARAM(ps, n, "p_struct", "struct pk_test_pair", "");
	CHECK_PARAM(ps, n, "p_ints", "int[2]", "");
	/* a short array gets the first ones, the count is still all */
	CHECK_INT(pk_params__list(obj, ps, 2), 16);
	CHECK_INT(pk_params__list(obj, NULL, 0), 16);
	bpf_object__close(obj);
}

struct set_case {
	const char *assignment;
	int err;
	const char *name, *value, *why;
};

static const struct set_case set_cases[] = {
	{ "p_u8=255", 0, "p_u8", "255" },
	{ "p_u8=0xff", 0, "p_u8", "255" },
	{ "p_u8=256", -ERANGE, NULL, NULL, "p_u8 (__u8): bad value \"256\": out of range 0..255" },
	{ "p_u8=-1", -ERANGE, NULL, NULL, "out of range 0..255" },
	{ "p_u8=-0", 0, "p_u8", "0" },
	{ "p_u8=12x", -EINVAL, NULL, NULL, "not an integer (decimal or 0x hex)" },
	{ "p_u8=", -EINVAL, NULL, NULL, "not an integer" },
	{ "p_u8=0x", -EINVAL, NULL, NULL, "not an integer" },
	{ "p_u8= 1", -EINVAL, NULL, NULL, "not an integer" },
	{ "p_s8=-128", 0, "p_s8", "-128" },
	{ "p_s8=127", 0, "p_s8", "127" },
	{ "p_s8=128", -ERANGE, NULL, NULL, "out of range -128..127" },
	{ "p_s8=-129", -ERANGE, NULL, NULL, "out of range -128..127" },
	{ "p_u16=65536", -ERANGE, NULL, NULL, "out of range 0..65535" },
	{ "p_s16=-32768", 0, "p_s16", "-32768" },
	{ "p_u32=4294967295", 0, "p_u32", "4294967295" },
	{ "p_u32=4294967296", -ERANGE, NULL, NULL, "out of range 0..4294967295" },
	{ "p_int=-2147483648", 0, "p_int", "-2147483648" },
	{ "p_int=2147483648", -ERANGE, NULL, NULL, "out of range -2147483648..2147483647" },
	{ "p_u64=0xFFFFFFFFFFFFFFFF", 0, "p_u64", "18446744073709551615" },
	{ "p_u64=18446744073709551616", -ERANGE, NULL, NULL, "out of range" },
	{ "p_s64=9223372036854775807", 0, "p_s64", "9223372036854775807" },
	{ "p_s64=-9223372036854775809", -ERANGE, NULL, NULL, "out of range" },
	{ "p_long=-7", 0, "p_long", "-7" },
	{ "p_bool=no", 0, "p_bool", "false" },
	{ "p_bool=yes", 0, "p_bool", "true" },
	{ "p_bool=0", 0, "p_bool", "false" },
	{ "p_bool=TRUE", 0, "p_bool", "true" },
	{ "p_bool=2", -EINVAL, NULL, NULL, "not a bool (true/false/1/0/yes/no)" },
	{ "p_color=PK_BLUE", 0, "p_color", "PK_BLUE" },
	{ "p_color=0", 0, "p_color", "PK_RED" },
	{ "p_color=7", 0, "p_color", "7" },
	{ "p_color=PURPLE", -EINVAL, NULL, NULL,
	  "p_color (enum pk_test_color): bad value \"PURPLE\": not one of PK_RED, PK_GREEN, "
	  "PK_BLUE, or a number" },
	{ "p_color=-1", -ERANGE, NULL, NULL, "out of range 0..4294967295" },
	{ "p_comm=bash", 0, "p_comm", "bash" },
	{ "p_comm=1234567", 0, "p_comm", "1234567" },
	{ "p_comm=", 0, "p_comm", "" },
	{ "p_comm=12345678", -ERANGE, NULL, NULL, "longer than 7 characters" },
	{ "p_typedef=0x10", 0, "p_typedef", "16" },
	{ "p_struct=1", -EINVAL, NULL, NULL,
	  "p_struct (struct pk_test_pair): bad value \"1\": this type cannot be set from text" },
	{ "p_ints=1", -EINVAL, NULL, NULL, "cannot be set" },
	{ "nope=1", -ENOENT, NULL, NULL, "no parameter nope (a `const volatile` global)" },
	{ "pk_use_perfbuf=1", -ENOENT, NULL, NULL, "no parameter pk_use_perfbuf" },
	{ "p_u8", -EINVAL, NULL, NULL, "expected NAME=VALUE" },
	{ "=1", -EINVAL, NULL, NULL, "expected NAME=VALUE" },
	{ "p_u=1", -ENOENT, NULL, NULL, "no parameter p_u " },
	{ "p_comm=a\x1b[2J", 0, "p_comm", "a\\e[2J" },
	{ "p_u8=\x1b[2J", -EINVAL, NULL, NULL, "bad value \"\\e[2J\"" },
};

PK_TEST(params_set_every_type_and_error)
{
	struct bpf_object *obj = open_params();
	struct pk_param ps[32];
	char why[256];
	size_t i;
	int n, err;

	if (!obj)
		return;
	for (i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		const struct set_case *c = &set_cases[i];

		why[0] = 'x';
		err = pk_params__set(obj, c->assignment, why, sizeof(why));
		if (err != c->err)
			pk_unit_fail(__FILE__, __LINE__, "%s: %d (%s), expected %d", c->assignment,
				     err, why, c->err);
		if (c->why && !strstr(why, c->why))
			pk_unit_fail(__FILE__, __LINE__, "%s: \"%s\", expected \"%s\"", c->assignment,
				     why, c->why);
		if (!c->err)
			CHECK_STR(why, "");
		if (c->name) {
			n = pk_params__list(obj, ps, 32);
			CHECK_STR(find(ps, n, c->name)->value, c->value);
		}
	}
	/* a failed set leaves the value as it was */
	n = pk_params__list(obj, ps, 32);
	CHECK_STR(find(ps, n, "p_u8")->value, "0");
	CHECK_INT(pk_params__set(obj, "p_u8=1", NULL, 0), 0);
	CHECK_INT(pk_params__set(NULL, "p_u8=1", why, sizeof(why)), -EINVAL);
	bpf_object__close(obj);
}

/* What the kernel holds after load is what was set. */
PK_TEST(params_reach_the_kernel)
{
	struct bpf_object *obj;
	struct bpf_map *map, *rodata = NULL;
	struct pk_param ps[32];
	char why[256], value[256] = {};
	__u32 zero = 0;
	int n;

	if (!pk_test_need_bpf("params_reach_the_kernel") || !(obj = open_params()))
		return;
	CHECK_INT(pk_params__set(obj, "p_u32=123456", why, sizeof(why)), 0);
	CHECK_INT(pk_params__set(obj, "p_comm=sshd", why, sizeof(why)), 0);
	CHECK_INT(pk_params__set(obj, "p_color=PK_BLUE", why, sizeof(why)), 0);
	CHECK_INT(bpf_object__load(obj), 0);
	bpf_object__for_each_map(map, obj) {
		if (strstr(bpf_map__name(map), ".rodata"))
			rodata = map;
	}
	CHECK(rodata != NULL);
	if (rodata) {
		CHECK(bpf_map__value_size(rodata) <= sizeof(value));
		CHECK_INT(bpf_map_lookup_elem(bpf_map__fd(rodata), &zero, value), 0);
		/* the section's layout from BTF, checked against the bytes */
		struct btf *btf = bpf_object__btf(obj);
		int sec = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
		const struct btf_type *t = btf__type_by_id(btf, sec);
		const struct btf_var_secinfo *vs = btf_var_secinfos(t);
		int found = 0;

		for (int i = 0; i < btf_vlen(t); i++, vs++) {
			const char *name = btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off);
			__u32 u;

			if (!strcmp(name, "p_u32") || !strcmp(name, "p_color")) {
				memcpy(&u, value + vs->offset, 4);
				CHECK_INT(u, !strcmp(name, "p_u32") ? 123456 : 300);
				found++;
			} else if (!strcmp(name, "p_comm")) {
				CHECK_STR(value + vs->offset, "sshd");
				found++;
			}
		}
		CHECK_INT(found, 3);
	}
	n = pk_params__list(obj, ps, 32);
	CHECK_STR(find(ps, n, "p_comm")->value, "sshd");
	CHECK_INT(pk_params__set(obj, "p_u32=1", why, sizeof(why)), -EBUSY);
	CHECK(strstr(why, "the object is loaded") != NULL);
	bpf_object__close(obj);
}

/* The parser on types built in memory: the same rules without an object. */
PK_TEST(params_parser_in_memory_btf)
{
	struct btf *btf = btf__new_empty();
	char why[128], buf[64];
	int u8, s32, e, arr, td, cst;
	__u8 b = 0;
	__s32 v = 0;

	u8 = btf__add_int(btf, "unsigned char", 1, 0);
	s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	e = btf__add_enum(btf, "e", 4);
	btf__add_enum_value(btf, "A", 1);
	arr = btf__add_array(btf, s32, u8, 4);
	td = btf__add_typedef(btf, "myint", s32);
	cst = btf__add_const(btf, td);
	CHECK_INT(pk__param_parse(btf, u8, "0x7f", &b, 1, why, sizeof(why)), 0);
	CHECK_INT(b, 127);
	CHECK_INT(pk__param_parse(btf, cst, "-5", &v, 4, why, sizeof(why)), 0);
	CHECK_INT(v, -5);
	pk__param_type_name(btf, cst, buf, sizeof(buf));
	CHECK_STR(buf, "myint");
	pk__param_type_name(btf, arr, buf, sizeof(buf));
	CHECK_STR(buf, "unsigned char[4]");
	CHECK_INT(pk__param_parse(btf, e, "A", &v, 4, why, sizeof(why)), 0);
	CHECK_INT(v, 1);
	/* the size must be the type's */
	CHECK_INT(pk__param_parse(btf, s32, "1", &v, 2, why, sizeof(why)), -EINVAL);
	pk__param_format(btf, e, &v, 4, buf, sizeof(buf));
	CHECK_STR(buf, "A");
	btf__free(btf);
}
