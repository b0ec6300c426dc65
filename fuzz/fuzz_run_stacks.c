// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `probekit run`'s stack printer (tools/run/stacks.c, included whole) on
 * random BTF layouts, keys, values and stacks: the input builds a BTF
 * (ints, structs with bitfields, arrays, typedefs named as stack ids,
 * PK_STACK_ID decl tags naming maps that may not exist), picks a key and a
 * value type, and the rest is their bytes; stacks come from the input too.
 * The text must be lines of escaped text, the JSON must parse, the folded
 * line must have one count; nothing may read past the key or the value.
 */
#include "../tools/run/stacks.c"

#include <assert.h>
#include <ctype.h>
#include <stdint.h>

#include "fuzzinput.h"

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

static struct in stack_src;

/* One stack map, "stacks" (fd 3); its stacks come from the input. */
static int fake_find(const char *name, int *nr)
{
	*nr = 1;
	return !name || !strcmp(name, "stacks") ? 3 : -1;
}

static int fake_read(int fd, __s64 id, __u64 *ips, size_t max)
{
	unsigned int n = take(&stack_src) % 12, i;

	assert(fd == 3 && id >= 0);
	if (n == 11)
		return -ENOENT;
	for (i = 0; i < n && i < max; i++)
		ips[i] = (take(&stack_src) & 1 ? 0xffffffff81000000ULL : 0x400000ULL) +
			 take(&stack_src) * 0x100;
	return (int)i;
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

static void print_all(struct plan *p, const void *k, __u32 ks, const void *v, __u32 vs,
		      const uint8_t *stacks, size_t nstacks)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int n;

	stack_src = (struct in){ stacks, nstacks };
	f = open_memstream(&out, &len);
	print_text(f, p, k, ks, v, vs);
	fclose(f);
	check_text(out, len);
	free(out);

	stack_src = (struct in){ stacks, nstacks };
	f = open_memstream(&out, &len);
	print_json(f, p, k, ks, v, vs);
	fclose(f);
	check_json(out, len);
	free(out);

	stack_src = (struct in){ stacks, nstacks };
	f = open_memstream(&out, &len);
	n = folded_frames(p, k, v, true);
	assert(n >= 1 && n <= FOLD_MAX);
	print_folded(f, n, count_of(p, k, v));
	fclose(f);
	check_folded(out, len);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct btf *btf = btf__new_empty();
	unsigned int nr = 0, want = 1 + take(&in) % 12;
	__s64 ks = -1, vs = -1;
	struct plan p = { .name = "m" };
	uint8_t *key, *val;

	while (btf && nr < want && in.n) {
		if (add_type(btf, &in, nr) > 0)
			nr = btf__type_cnt(btf) - 1;
		else
			want--;
	}
	if (!nr)
		goto out;
	p.key_id = 1 + take(&in) % nr;
	p.value_id = 1 + take(&in) % nr;
	ks = btf__resolve_size(btf, p.key_id);
	vs = btf__resolve_size(btf, p.value_id);
	if (ks <= 0 || vs <= 0 || ks > 512 || vs > 512)
		goto out;
	st.btf = btf;
	st.find_stack_map = fake_find;
	st.read_stack = fake_read;
	st.usyms = NULL; /* user frames print [unknown]: no process's maps read */
	st.printer = pk_btf_printer__new(btf);
	if (!st.stacks)
		st.stacks = calloc(MAX_FIELDS, sizeof(*st.stacks));
	scan(&p, p.key_id, false);
	scan(&p, p.value_id, true);
	/* exactly the key's and the value's bytes: reading past them is an ASan error */
	key = calloc(1, ks);
	val = calloc(1, vs);
	memcpy(key, in.p, in.n < (size_t)ks ? in.n : (size_t)ks);
	if (in.n > (size_t)ks)
		memcpy(val, in.p + ks, in.n - ks < (size_t)vs ? in.n - ks : (size_t)vs);
	print_all(&p, key, ks, val, vs, data, size);
	/* the same type as an event record */
	if (run_stacks_event_init(btf, p.key_id)) {
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);
		struct pk_json j;

		pk_usyms__free(st.usyms);
		st.usyms = NULL;
		stack_src = (struct in){ data, size };
		pk_json_begin(&j, f);
		run_stacks_event_json(&j, key, ks);
		pk_json_end(&j);
		fclose(f);
		check_json(out, len);
		free(out);
		out = NULL;
		f = open_memstream(&out, &len);
		run_stacks_event_text(f, key, ks);
		fclose(f);
		check_text(out, len);
		free(out);
	}
	free(key);
	free(val);
out:
	pk_btf_printer__free(st.printer);
	st.printer = NULL;
	btf__free(btf);
	return 0;
}
