// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The library's stack printer (lib/stackprint.c), as `probekit run` uses it, on
 * random BTF layouts, keys, values and stacks: the input builds a BTF
 * (ints, structs with bitfields, arrays, typedefs named as stack ids,
 * PK_STACK_ID decl tags naming maps that may not exist), picks a key and a
 * value type, and the rest is their bytes; stacks come from the input too.
 * The text must be lines of escaped text, the JSON must parse, the folded
 * line must have one count; nothing may read past the key or the value.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <probekit/eventtable.h>
#include <probekit/output.h>
#include <probekit/stackprint.h>

#include "../lib/print/print.h"

#include "fakestacks.h"

static const char *const names[] = { "kstack", "ustack", "stack_id", "user_stack_id", "pid",
				     "tgid", "comm", "calls", "x", "", "kern_stackid" };
static const char *const typedefs[] = { "pk_ustack_t", "pk_kstack_t", "stack_id_t", "t" };
static const char *const tags[] = { "pk_stack_id",	     "pk_stack_id:user",
				    "pk_stack_id:kernel:stacks", "pk_stack_id:nosuch",
				    "pk_stack_id:user:stacks",   "other",
				    "pk_stack_id:stacks:user" };

static int add_type(struct btf *btf, struct in *in, int nr)
{
	unsigned int k = take(in) % 8, ref = nr ? 1 + take(in) % nr : 0, i, n, bits;
	static const int sizes[] = { 1, 2, 4, 8, 16 };
	int id;

	switch (k) {
	case 0:
	case 1:
		return btf__add_int(btf, take(in) & 1 ? "char" : "int", sizes[take(in) % 5],
				    take(in) & 1 ? BTF_INT_SIGNED : 0);
	case 2:
		return ref ? btf__add_array(btf, ref, ref, take(in) % 20) : -1;
	case 3:
	case 4:
		n = take(in) % 6;
		id = btf__add_struct(btf, "s", take(in) % 48);
		for (i = 0; id > 0 && i < n && ref; i++) {
			bits = take(in) % 5 == 0 ? take(in) % 33 : 0;
			btf__add_field(btf, names[take(in) % 11], 1 + take(in) % nr,
				       take(in) % 8 ? take(in) % 12 * 32 : take(in) * 3 % 384, bits);
		}
		return id;
	case 5:
		return ref ? btf__add_typedef(btf, typedefs[take(in) % 4], ref) : -1;
	case 6:
		return ref ? btf__add_decl_tag(btf, tags[take(in) % 7], ref,
					       (int)(take(in) % 6) - 1) : -1;
	default:
		return btf__add_const(btf, ref);
	}
}

#include "jsoncheck.h"

/* Text: lines of printable bytes and tabs. */
static void check_text(const char *out, size_t len)
{
	size_t i;

	assert(!len || out[len - 1] == '\n');
	for (i = 0; i < len; i++)
		assert(out[i] == '\n' || out[i] == '\t' ||
		       ((unsigned char)out[i] >= 0x20 && out[i] != 0x7f));
}

static void check_json(char *out, size_t len)
{
	int ok;

	assert(len && out[len - 1] == '\n');
	out[len - 1] = '\0';
	ok = json_valid(out);
	assert(ok);
}

static void check_folded(const char *out, size_t len)
{
	const char *sp = memrchr(out, ' ', len);

	check_text(out, len);
	assert(len && sp && memchr(out, '\n', len) == out + len - 1);
	for (sp++; *sp != '\n'; sp++)
		assert(isdigit((unsigned char)*sp));
}

/* An entry as text, JSON and a folded line, each checked. */
static void print_all(struct pk_stack_printer *sp, __u32 key_id, const void *k, __u32 ks,
		      __u32 value_id, const void *v, __u32 vs, const uint8_t *stacks,
		      size_t nstacks)
{
	char *out[3] = { NULL };
	size_t len[3] = { 0 };
	FILE *f[3];
	int i;

	stack_src = (struct in){ stacks, nstacks };
	for (i = 0; i < 3; i++)
		f[i] = open_memstream(&out[i], &len[i]);
	pk__stack_printer_entries(sp, f[0], f[1], f[2], key_id, k, ks, value_id, v, vs);
	for (i = 0; i < 3; i++)
		fclose(f[i]);
	check_text(out[0], len[0]);
	check_json(out[1], len[1]);
	check_folded(out[2], len[2]);
	for (i = 0; i < 3; i++)
		free(out[i]);
}

/* The key type as an event record: its table's stack id columns, printed. */
static void print_event(struct pk_stack_printer *sp, const struct btf *btf, __u32 type_id,
			const void *data, __u32 size, const uint8_t *stacks, size_t nstacks)
{
	struct pk_event_table *t = pk_event_table__new(btf, type_id, NULL);
	char *out = NULL;
	size_t len = 0;
	struct pk_json j;
	FILE *f;

	if (!t || pk_stack_printer__set_event(sp, t) <= 0)
		goto out;
	stack_src = (struct in){ stacks, nstacks };
	f = open_memstream(&out, &len);
	pk_json__begin(&j, f);
	pk_stack_printer__event_json(sp, &j, data, size);
	pk_json__end(&j);
	fclose(f);
	check_json(out, len);
	free(out);
	out = NULL;
	stack_src = (struct in){ stacks, nstacks };
	f = open_memstream(&out, &len);
	pk_stack_printer__event_text(sp, f, data, size);
	fclose(f);
	check_text(out, len);
	free(out);
out:
	pk_event_table__free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk__stack_source src = { fake_find, fake_read, NULL };
	/* user frames print [unknown]: no process's maps are read */
	struct pk_stack_printer_opts opts = { .sz = sizeof(opts), .name = "fuzz" };
	struct pk_stack_printer *sp = NULL;
	struct in in = { data, size };
	struct btf *btf = btf__new_empty();
	unsigned int nr = 0, want = 1 + take(&in) % 12;
	__u32 key_id, value_id;
	__s64 ks = -1, vs = -1;
	uint8_t *key, *val;

	while (btf && nr < want && in.n) {
		if (add_type(btf, &in, nr) > 0)
			nr = btf__type_cnt(btf) - 1;
		else
			want--;
	}
	if (!nr)
		goto out;
	key_id = 1 + take(&in) % nr;
	value_id = 1 + take(&in) % nr;
	ks = btf__resolve_size(btf, key_id);
	vs = btf__resolve_size(btf, value_id);
	if (ks <= 0 || vs <= 0 || ks > 512 || vs > 512)
		goto out;
	sp = pk__stack_printer_new(btf, &src, &opts);
	assert(sp);
	/* exactly the key's and the value's bytes: reading past them is an ASan error */
	key = calloc(1, ks);
	val = calloc(1, vs);
	memcpy(key, in.p, in.n < (size_t)ks ? in.n : (size_t)ks);
	if (in.n > (size_t)ks)
		memcpy(val, in.p + ks, in.n - ks < (size_t)vs ? in.n - ks : (size_t)vs);
	print_all(sp, key_id, key, ks, value_id, val, vs, data, size);
	print_event(sp, btf, key_id, key, ks, data, size);
	free(key);
	free(val);
out:
	pk_stack_printer__free(sp);
	btf__free(btf);
	return 0;
}
