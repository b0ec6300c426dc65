// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The event table on random record types and bytes: the input builds a
 * BTF (ints, bitfields, chars, arrays, nested and anonymous structs and
 * unions, enums, pointers, floats, typedefs, PK_STACK_ID tags, declared
 * formats by tag and by pk_*_t typedef, good and broken; members named
 * like the special fields), the rest is a record. The format plans are
 * fuzzed with the hidden columns shown and not, and as scalar tables.
 * (usym is left out: it would read the maps of whatever pid a record
 * names.) For every struct
 * or union the planner takes, the header and two rows (the second for the
 * time columns) must be single lines without control characters, and the
 * JSON form must parse; nothing may read past the record.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <probekit/eventtable.h>

#include "jsoncheck.h"

#include "fuzzinput.h"

static const char *const names[] = {"comm",	"pid",	 "tid", "uid",	  "ts",
				    "ts_ns",	"errno", "ret", "kstack", "ustack",
				    "stack_id", "path",	 "x",	"",  "user_stack_id",
				    "af",	"dport"};
#define NR_NAMES (sizeof(names) / sizeof(names[0]))
/* pk_btf_stack_id()'s tag shapes, and broken ones */
static const char *const tags[] = {
	"pk_stack_id",	     "pk_stack_id:user",  "pk_stack_id:kernel:m", "pk_stack_id:",
	"pk_stack_id:m:user", "pk_stack_idx",	   "pk_fmt:ipv4",	  "pk_fmt:ipv6",
	"pk_fmt:inet",	     "pk_family:af",	   "pk_family:nope",	  "pk_port:dport",
	"pk_port_be:dport",  "pk_port_be:comm",	   "pk_fmt:errno",	  "pk_fmt:syscall",
	"pk_fmt:signal",     "pk_fmt:open_flags",  "pk_fmt:flags",	  "pk_fmt:flags:comm",
	"pk_fmt:hex",	     "pk_fmt:bytes",	   "pk_fmt:dev",	  "pk_fmt:ksym",
	"pk_fmt:clock",	     "pk_fmt:duration:ns:ms", "pk_fmt:duration:s:ns", "pk_fmt:duration:ns",
	"pk_fmt:bogus",	     "pk_header:H",	   "pk_header:",	  "pk_when:w",
	/* the layout tags: bcc's widths and precisions, good and bad */
	"pk_width:-16",	     "pk_width:7",	   "pk_width:0",	  "pk_width:x",
	"pk_width:-999",     "pk_precision:2",	   "pk_precision:0",	  "pk_precision:-1",
	"pk_width_when:w:-26:-1", "pk_width_when:w:6:2", "pk_width_when::1:1", "pk_width_when:w:1",
	"pk_when:w|v",	     "pk_when:|",	   "pk_fmt:hex:bare",	  "pk_fmt:hex:x",
};
/* the typedefs of bpf/probekit.bpf.h, and others */
static const char *const typedefs[] = {
	"t",		"pk_ipv4_t",	   "pk_ipv6_t", "pk_errno_t",	   "pk_syscall_t",
	"pk_signal_t",	"pk_open_flags_t", "pk_hex_t",	"pk_hex64_t",	   "pk_bytes_t",
	"pk_dev_t",	"pk_ksym_t",	   "pk_event_kind_t", "pk_ustack_t",
};
#define NR_TYPEDEFS (sizeof(typedefs) / sizeof(typedefs[0]))
#define NR_TAGS (sizeof(tags) / sizeof(tags[0]))

static const char *name(struct in *in)
{
	return names[take(in) % NR_NAMES];
}

static int add_aggregate(struct btf *btf, struct in *in, int nr, bool is_union)
{
	unsigned int i, n = take(in) % 6, bits;
	const char *nm = take(in) & 1 ? "s" : NULL;
	int id = is_union ? btf__add_union(btf, nm, take(in) % 64)
			  : btf__add_struct(btf, nm, take(in) % 64);

	for (i = 0; id > 0 && i < n && nr; i++) {
		bits = take(in) % 4 == 0 ? take(in) % 65 : 0;
		btf__add_field(btf, name(in), 1 + take(in) % nr, take(in) * 4 % 512, bits);
		if (take(in) % 8 == 0)
			btf__add_decl_tag(btf, tags[take(in) % NR_TAGS], id, i);
	}
	return id;
}

static int add_type(struct btf *btf, struct in *in, int nr)
{
	unsigned int k = take(in) % 11, ref = nr ? 1 + take(in) % nr : 0, i, n;
	static const int sizes[] = {1, 2, 4, 8, 16};
	int id;

	switch (k) {
	case 0:
		return btf__add_int(
		    btf, take(in) & 1 ? "char" : "int", sizes[take(in) % 5],
		    (int[]){0, BTF_INT_SIGNED, BTF_INT_CHAR, BTF_INT_BOOL}[take(in) % 4]);
	case 1: return btf__add_ptr(btf, ref);
	case 2: return ref ? btf__add_array(btf, ref, ref, take(in) % 40) : -1;
	case 3:
	case 4: return add_aggregate(btf, in, nr, k == 4);
	case 5:
		id = btf__add_enum(btf, name(in), sizes[take(in) % 4]);
		for (i = 0, n = take(in) % 4; id > 0 && i < n; i++)
			btf__add_enum_value(btf, names[i], (int8_t)take(in));
		return id;
	case 6:
		id = ref ? btf__add_typedef(btf, typedefs[take(in) % NR_TYPEDEFS], ref) : -1;
		if (id > 0 && take(in) % 8 == 0)
			btf__add_decl_tag(btf, tags[take(in) % NR_TAGS], id, -1);
		return id;
	case 7: return btf__add_const(btf, ref);
	case 8: return btf__add_float(btf, "double", take(in) & 1 ? 8 : 4);
	case 9:
		id = btf__add_enum64(btf, name(in), 8, take(in) & 1);
		for (i = 0, n = take(in) % 3; id > 0 && i < n; i++)
			btf__add_enum64_value(btf, names[i], (uint64_t)take(in) << 40);
		return id;
	default:
		/* the record's usual shape: char arrays */
		return btf__add_array(btf, nr ? ref : 0,
				      btf__add_int(btf, "char", 1, BTF_INT_SIGNED), take(in) % 64);
	}
}

/* One line of text: printable bytes (escapes included), one newline at the end. */
static void check_line(const char *s, size_t len)
{
	size_t i;

	assert(len && s[len - 1] == '\n');
	for (i = 0; i + 1 < len; i++)
		assert((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

/* The header (@n == SIZE_MAX) or a row of @n bytes, checked as one line. */
static void check_text(struct pk_event_table *t, const void *d, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct pk_line l;

	pk_line__begin(&l, f);
	if (n == SIZE_MAX)
		pk_event_table__header(t, &l);
	else
		pk_event_table__text(t, &l, d, n);
	pk_line__end(&l);
	fclose(f);
	check_line(out, len);
	free(out);
}

static void check_json(const struct pk_event_table *t, const void *d, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct pk_json j;

	pk_json__begin(&j, f);
	pk_event_table__json(t, &j, "event", d, n);
	pk_json__end(&j);
	fclose(f);
	assert(len && out[len - 1] == '\n');
	out[len - 1] = '\0';
	if (!json_valid(out))
		fprintf(stderr, "BAD JSON: %s\n", out);
	assert(json_valid(out));
	free(out);
}

static void check_columns(const struct pk_event_table *t, const void *d, size_t n)
{
	const struct pk_event_column *c;
	size_t i;
	__s64 v;

	for (i = 0; (c = pk_event_table__column(t, i)); i++) {
		assert(c->header && c->header[0] && c->path);
		pk_event_column__int(c, d, n, &v);
	}
	assert(i == pk_event_table__column_cnt(t) && i <= PK_EVENT_TABLE_MAX_COLUMNS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	struct btf *btf = btf__new_empty();
	char why[256] = "";
	LIBBPF_OPTS(pk_event_table_opts, o, .raw_time = size & 1, .why = why, .why_size = sizeof(why));
	struct pk_event_table *t;
	unsigned int nr = 0, want = 1 + take(&in) % 16, i;
	uint8_t *copy;

	while (btf && nr < want && in.n) {
		if (add_type(btf, &in, nr) > 0)
			nr = btf__type_cnt(btf) - 1;
		else
			want--;
	}
	/* a copy of exactly the remaining bytes: reading past it is an ASan error */
	copy = malloc(in.n ? in.n : 1);
	memcpy(copy, in.p, in.n);
	for (i = 1; btf && i <= nr; i++) {
		/* odd types as a map's scalar key or value; structs as records */
		o.name = i % 2 ? "value" : NULL;
		o.pad_last = i % 3 == 0;
		t = pk_event_table__new(btf, i, &o);
		if (!t) {
			/* a broken declaration says why */
			assert(errno != EBADMSG || why[0]);
			continue;
		}
		check_columns(t, copy, in.n);
		check_text(t, copy, SIZE_MAX);
		check_text(t, copy, in.n);
		check_text(t, copy, in.n / 2);
		check_json(t, copy, in.n);
		pk_event_table__show(t, "w", true);
		check_text(t, copy, SIZE_MAX);
		pk_event_table__show(t, "v", true);
		pk_event_table__show(t, "w", false);
		check_text(t, copy, in.n);
		check_text(t, copy, in.n);
		pk_event_table__free(t);
	}
	free(copy);
	btf__free(btf);
	return 0;
}
