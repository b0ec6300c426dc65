// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Values printed from BTF: the items() text form and the JSON form. */
#include <errno.h>
#include <stdlib.h>

#include <bpf/btf.h>
#include <probekit/btfvalue.h>

#include "unit.h"

struct types {
	struct btf *btf;
	int u32, s64, ch, comm, pid_t, key, color, arr, bits;
};

static void make_types(struct types *t)
{
	t->btf = btf__new_empty();
	t->u32 = btf__add_int(t->btf, "unsigned int", 4, 0);
	t->s64 = btf__add_int(t->btf, "long long", 8, BTF_INT_SIGNED);
	t->ch = btf__add_int(t->btf, "char", 1, BTF_INT_SIGNED);
	t->comm = btf__add_array(t->btf, t->u32, t->ch, 8);
	t->pid_t = btf__add_typedef(t->btf, "pid_t", t->u32);
	t->arr = btf__add_array(t->btf, t->u32, t->u32, 3);
	t->key = btf__add_struct(t->btf, "key_t", 40);
	btf__add_field(t->btf, "prev_pid", t->pid_t, 0, 0);
	btf__add_field(t->btf, "curr_pid", t->u32, 32, 0);
	btf__add_field(t->btf, "delta", t->s64, 64, 0);
	btf__add_field(t->btf, "comm", t->comm, 128, 0);
	btf__add_field(t->btf, "slots", t->arr, 192, 0);
	t->color = btf__add_enum(t->btf, "color", 4);
	btf__add_enum_value(t->btf, "RED", 0);
	btf__add_enum_value(t->btf, "BLUE", 1);
	t->bits = btf__add_struct(t->btf, "flags", 4);
	btf__add_field(t->btf, "lo", t->u32, 0, 3);
	btf__add_field(t->btf, "hi", t->u32, 3, 5);
}

static void fill_key(unsigned char *d)
{
	unsigned int a[3] = { 1, 0, 7 };
	long long delta = -5;

	memset(d, 0, 40);
	memcpy(d + 4, &(unsigned int){ 3397 }, 4);
	memcpy(d + 8, &delta, 8);
	memcpy(d + 16, "ba\"h\n", 5);
	memcpy(d + 24, a, sizeof(a));
}

PK_TEST(btfvalue_text_is_bcc_items_form)
{
	struct types t;
	struct pk_btf_printer *p;
	unsigned char d[40];
	char buf[256], small[10];
	int n;

	make_types(&t);
	p = pk_btf_printer__new(t.btf);
	CHECK(p);
	fill_key(d);
	n = pk_btf_printer__text(p, t.key, d, sizeof(d), buf, sizeof(buf));
	CHECK_STR(buf, "{prev_pid=0, curr_pid=3397, delta=-5, comm=\"ba\\\"h\\n\", slots=[1, 0, 7]}");
	CHECK_INT(n, strlen(buf));
	/* cut to the buffer, the full length returned */
	CHECK_INT(pk_btf_printer__text(p, t.key, d, sizeof(d), small, sizeof(small)), n);
	CHECK_STR(small, "{prev_pid");
	/* a plain integer bare, through its typedef; an enum by name */
	CHECK(pk_btf_printer__text(p, t.pid_t, d + 4, 4, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "3397");
	CHECK(pk_btf_printer__text(p, t.color, &(int){ 1 }, 4, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "BLUE");
	/* too little data for the type */
	CHECK(pk_btf_printer__text(p, t.key, d, 8, buf, sizeof(buf)) < 0);
	pk_btf_printer__free(p);
	btf__free(t.btf);
}

static char *json_of(const struct btf *btf, int id, const void *d, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct pk_json j;

	pk_json__begin(&j, f);
	pk_btf_value_json(btf, id, d, n, &j, "v");
	pk_json__end(&j);
	fclose(f);
	return out;
}

PK_TEST(btfvalue_json_nests_as_the_type)
{
	struct types t;
	unsigned char d[40];
	long double num;
	char *s;

	make_types(&t);
	fill_key(d);
	s = json_of(t.btf, t.key, d, sizeof(d));
	CHECK_STR(s, "{\"v\":{\"prev_pid\":0,\"curr_pid\":3397,\"delta\":-5,\"comm\":\"ba\\\"h\\n\","
		     "\"slots\":[1,0,7]}}\n");
	free(s);
	s = json_of(t.btf, t.color, &(int){ 0 }, 4);
	CHECK_STR(s, "{\"v\":\"RED\"}\n");
	free(s);
	/* bitfields: lo = 5 (3 bits), hi = 9 (5 bits) */
	s = json_of(t.btf, t.bits, &(unsigned int){ 5 | 9 << 3 }, 4);
	CHECK_STR(s, "{\"v\":{\"lo\":5,\"hi\":9}}\n");
	free(s);
	/* a struct cut short: what is missing is null */
	s = json_of(t.btf, t.key, d, 12);
	CHECK(strstr(s, "\"curr_pid\":3397") && strstr(s, "\"comm\":null"));
	free(s);
	CHECK_INT(pk_btf_value_number(t.btf, t.s64, &(long long){ -7 }, 8, &num), 0);
	CHECK(num == -7);
	CHECK_INT(pk_btf_value_number(t.btf, t.comm, d, 8, &num), -EINVAL);
	btf__free(t.btf);
}
