// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Event records as a table: the column plan, the rows, the JSON form. */
#include <errno.h>
#include <stdlib.h>

#include <bpf/btf.h>
#include <probekit/eventtable.h>
#include <probekit/ksyms.h>
#include <time.h>

#include "unit.h"

struct ev_types {
	struct btf *btf;
	int u8, u16, s8, u32, s32, u64, s64, ch, comm, path, arr, inner, event, errno_t;
};

/*
 * struct event {
 *	__u64 ts_ns; __u32 pid; __s32 tid; __u32 uid; char comm[16];
 *	struct { __u16 a; __s8 b; } in; int arr[3]; pk_errno_t ret; char path[32];
 * (pk_errno_t: a typedef of __s64 here, declaring the format)
 * };
 */
static void make_event(struct ev_types *t)
{
	t->btf = btf__new_empty();
	t->u8 = btf__add_int(t->btf, "unsigned char", 1, 0);
	t->u16 = btf__add_int(t->btf, "unsigned short", 2, 0);
	t->s8 = btf__add_int(t->btf, "signed char", 1, BTF_INT_SIGNED);
	t->u32 = btf__add_int(t->btf, "unsigned int", 4, 0);
	t->s32 = btf__add_int(t->btf, "int", 4, BTF_INT_SIGNED);
	t->u64 = btf__add_int(t->btf, "unsigned long long", 8, 0);
	t->s64 = btf__add_int(t->btf, "long long", 8, BTF_INT_SIGNED);
	t->ch = btf__add_int(t->btf, "char", 1, BTF_INT_SIGNED);
	t->comm = btf__add_array(t->btf, t->u32, t->ch, 16);
	t->path = btf__add_array(t->btf, t->u32, t->ch, 32);
	t->arr = btf__add_array(t->btf, t->u32, t->s32, 3);
	t->errno_t = btf__add_typedef(t->btf, "pk_errno_t", t->s64);
	t->inner = btf__add_struct(t->btf, "inner", 4);
	btf__add_field(t->btf, "a", t->u16, 0, 0);
	btf__add_field(t->btf, "b", t->s8, 16, 0);
	t->event = btf__add_struct(t->btf, "event", 96);
	btf__add_field(t->btf, "ts_ns", t->u64, 0, 0);
	btf__add_field(t->btf, "pid", t->u32, 64, 0);
	btf__add_field(t->btf, "tid", t->s32, 96, 0);
	btf__add_field(t->btf, "uid", t->u32, 128, 0);
	btf__add_field(t->btf, "comm", t->comm, 160, 0);
	btf__add_field(t->btf, "in", t->inner, 288, 0);
	btf__add_field(t->btf, "arr", t->arr, 320, 0);
	btf__add_field(t->btf, "ret", t->errno_t, 448, 0);
	btf__add_field(t->btf, "path", t->path, 512, 0);
}

static void fill_event(unsigned char *d, unsigned long long ts, long long ret)
{
	int arr[3] = {1, 2, 3};

	memset(d, 0, 96);
	memcpy(d, &ts, 8);
	memcpy(d + 8, &(unsigned int){4242}, 4);
	memcpy(d + 12, &(int){4243}, 4);
	memcpy(d + 16, &(unsigned int){1000}, 4);
	memcpy(d + 20, "ca\tt\x1b", 5);
	memcpy(d + 36, &(unsigned short){7}, 2);
	d[38] = (unsigned char)-3;
	memcpy(d + 40, arr, sizeof(arr));
	memcpy(d + 56, &ret, 8);
	memcpy(d + 64, "/tmp/x\n\xff", 8);
}

/* What @fn writes through a struct pk_line, as a string (caller frees). */
#define LINE_OF(out, call)                                                                         \
	do {                                                                                       \
		size_t len_ = 0;                                                                   \
		FILE *f_ = open_memstream(&(out), &len_);                                          \
		struct pk_line l;                                                                  \
		pk_line__begin(&l, f_);                                                            \
		call;                                                                              \
		pk_line__flush(&l);                                                                \
		fclose(f_);                                                                        \
	} while (0)

PK_TEST(eventtable_plan_columns_and_widths)
{
	static const struct {
		const char *header, *path;
		enum pk_col_kind kind;
		int width;
	} want[] = {
	    {"TIME(s)", "ts_ns", PK_COL_TIME, -14}, {"PID", "pid", PK_COL_UINT, 7},
	    {"TID", "tid", PK_COL_INT, 7},	    {"UID", "uid", PK_COL_UINT, 7},
	    {"COMM", "comm", PK_COL_STRING, -16},   {"IN.A", "in.a", PK_COL_UINT, 5},
	    {"IN.B", "in.b", PK_COL_INT, 4},	    {"ARR", "arr", PK_COL_VALUE, -8},
	    {"RET", "ret", PK_COL_ERRNO, -10},	    {"PATH", "path", PK_COL_STRING, -32},
	};
	struct ev_types t;
	struct pk_event_table *tab;
	const struct pk_event_column *c;
	size_t i;

	make_event(&t);
	tab = pk_event_table__new(t.btf, t.event, NULL);
	CHECK(tab != NULL);
	CHECK_INT(pk_event_table__column_cnt(tab), 10);
	for (i = 0; i < 10; i++) {
		c = pk_event_table__column(tab, i);
		CHECK_STR(c->header, want[i].header);
		CHECK_STR(c->path, want[i].path);
		CHECK_INT(c->kind, want[i].kind);
		CHECK_INT(c->width, want[i].width);
	}
	c = pk_event_table__column(tab, 6);
	CHECK_INT(c->bit_offset, 304);
	CHECK_INT(c->bit_size, 8);
	CHECK(c->is_signed);
	CHECK(pk_event_table__column(tab, 10) == NULL);
	pk_event_table__free(tab);
	btf__free(t.btf);
}

PK_TEST(eventtable_text_rows_as_printf_would)
{
	struct ev_types t;
	struct pk_event_table *tab;
	unsigned char d[96];
	char *out = NULL, want[512];

	make_event(&t);
	tab = pk_event_table__new(t.btf, t.event, NULL);
	LINE_OF(out, pk_event_table__header(tab, &l));
	/* the oracle is printf with the widths of bcc's tools */
	snprintf(want, sizeof(want), "%-14s %7s %7s %7s %-16s %5s %4s %-8s %-10s %s", "TIME(s)",
		 "PID", "TID", "UID", "COMM", "IN.A", "IN.B", "ARR", "RET", "PATH");
	CHECK_STR(out, want);
	free(out);

	fill_event(d, 5000000000ULL, -2);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	snprintf(want, sizeof(want), "%-14.9f %7d %7d %7d %-16s %5d %4d %-8s %-10s %s", 0.0, 4242,
		 4243, 1000, "ca\\tt\\e", 7, -3, "[1, 2, 3]", "-2 ENOENT", "/tmp/x\\n\\xff");
	CHECK_STR(out, want);
	free(out);

	/* seconds since the first record; a ret that is no errno has no name */
	fill_event(d, 6500000000ULL, 3);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	snprintf(want, sizeof(want), "%-14.9f %7d %7d %7d %-16s %5d %4d %-8s %-10s %s", 1.5, 4242,
		 4243, 1000, "ca\\tt\\e", 7, -3, "[1, 2, 3]", "3", "/tmp/x\\n\\xff");
	CHECK_STR(out, want);
	free(out);

	/* a record cut short: what is missing prints "-", text keeps its start */
	fill_event(d, 6500000000ULL, -13);
	LINE_OF(out, pk_event_table__text(tab, &l, d, 24));
	snprintf(want, sizeof(want), "%-14.9f %7d %7d %7d %-16s %5s %4s %-8s %-10s %s", 1.5, 4242,
		 4243, 1000, "ca\\tt", "-", "-", "-", "-", "-");
	CHECK_STR(out, want);
	free(out);
	pk_event_table__free(tab);
	btf__free(t.btf);
}

PK_TEST(eventtable_raw_time_and_unsigned_ret)
{
	struct pk_event_table_opts o = {.sz = sizeof(o), .raw_time = true};
	struct btf *btf = btf__new_empty();
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	int ev = btf__add_struct(btf, "ev", 16);
	struct pk_event_table *tab;
	unsigned char d[16];
	char *out = NULL;
	__s64 v;

	btf__add_field(btf, "ts", u64, 0, 0);
	btf__add_field(btf, "errno", u32, 64, 0);
	btf__add_field(btf, "x", u32, 96, 0);
	tab = pk_event_table__new(btf, ev, &o);
	CHECK(tab != NULL);
	CHECK_INT(pk_event_table__column(tab, 0)->kind, PK_COL_UINT);
	CHECK_INT(pk_event_table__column(tab, 1)->kind, PK_COL_ERRNO);
	memcpy(d, &(unsigned long long){123456789}, 8);
	/* errno holds positive numbers too; an unsigned -1 is still -1 */
	memcpy(d + 8, &(unsigned int){13}, 4);
	memcpy(d + 12, &(unsigned int){4294967295u}, 4);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	CHECK_STR(out, "           123456789 13 EACCES  4294967295");
	free(out);
	memcpy(d + 8, &(unsigned int){4294967295u}, 4);
	CHECK_INT(pk_event_column__int(pk_event_table__column(tab, 1), d, sizeof(d), &v), 0);
	CHECK_INT(v, -1);
	CHECK_INT(pk_event_column__int(pk_event_table__column(tab, 2), d, sizeof(d), &v), 0);
	CHECK_INT(v, 4294967295LL);
	CHECK_INT(pk_event_column__int(pk_event_table__column(tab, 2), d, 15, &v), -ENODATA);
	pk_event_table__free(tab);
	btf__free(btf);
}

PK_TEST(eventtable_scalars_bitfields_enums_stacks)
{
	struct btf *btf = btf__new_empty();
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int b = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	int dbl = btf__add_float(btf, "double", 8);
	int color = btf__add_enum(btf, "color", 4), ptr, anon, un, ev;
	struct pk_event_table *tab;
	unsigned char d[40] = {};
	char *out = NULL, want[256];
	double x = 2.25;

	btf__add_enum_value(btf, "RED", 0);
	btf__add_enum_value(btf, "MAGENTA", 1);
	ptr = btf__add_ptr(btf, u32);
	un = btf__add_union(btf, "u", 4);
	btf__add_field(btf, "i", s32, 0, 0);
	anon = btf__add_union(btf, NULL, 4);
	btf__add_field(btf, "kstack", s32, 0, 0);
	ev = btf__add_struct(btf, "ev", 40);
	btf__add_field(btf, "lo", u32, 0, 3);
	btf__add_field(btf, "hi", s32, 3, 5);
	btf__add_field(btf, "ok", b, 8, 0);
	btf__add_field(btf, "color", color, 32, 0);
	btf__add_field(btf, "p", ptr, 64, 0);
	btf__add_field(btf, "x", dbl, 128, 0);
	btf__add_field(btf, NULL, anon, 192, 0);
	btf__add_field(btf, "ustack", s32, 224, 0);
	btf__add_field(btf, "u", un, 256, 0);
	btf__add_field(btf, "tagged", s32, 288, 0);
	btf__add_decl_tag(btf, "pk_stack_id", ev, 9);
	d[0] = 5 | (0x1e << 3); /* lo 5, hi -2 */
	d[1] = 1;
	d[4] = 1;
	memcpy(d + 8, &(unsigned long long){0xffffffff81000000ULL}, 8);
	memcpy(d + 16, &x, 8);
	memcpy(d + 24, &(int){17}, 4);
	memcpy(d + 28, &(int){-14}, 4);
	memcpy(d + 32, &(int){9}, 4);
	memcpy(d + 36, &(int){3}, 4);
	tab = pk_event_table__new(btf, ev, NULL);
	CHECK(tab != NULL);
	CHECK_INT(pk_event_table__column_cnt(tab), 10);
	CHECK_INT(pk_event_table__column(tab, 6)->kind, PK_COL_STACK_ID);
	CHECK_STR(pk_event_table__column(tab, 6)->path, "kstack");
	CHECK(!pk_event_table__column(tab, 6)->user_stack);
	CHECK_INT(pk_event_table__column(tab, 7)->kind, PK_COL_STACK_ID);
	CHECK(pk_event_table__column(tab, 7)->user_stack);
	CHECK_INT(pk_event_table__column(tab, 8)->kind, PK_COL_VALUE);
	CHECK_INT(pk_event_table__column(tab, 9)->kind, PK_COL_STACK_ID);
	/* the plan the stack printer (stackprint.h) takes: kind, map, no bad tag */
	CHECK_INT(pk_event_table__column(tab, 6)->stack_kind, PK_STACK_KERNEL);
	CHECK_INT(pk_event_table__column(tab, 7)->stack_kind, PK_STACK_USER);
	CHECK_INT(pk_event_table__column(tab, 9)->stack_kind, PK_STACK_ANY);
	CHECK(pk_event_table__column(tab, 9)->stack_map == NULL);
	CHECK(pk_event_table__column(tab, 9)->bad_stack_tag == NULL);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	snprintf(want, sizeof(want), "%2d %3d %-5s %-7s %18s %12.3f %7d %7d %-8s %7d", 5, -2,
		 "true", "MAGENTA", "0xffffffff81000000", 2.25, 17, -14, "{i=9}", 3);
	CHECK_STR(out, want);
	free(out);
	/* an enum value with no name is its number */
	memcpy(d + 4, &(int){7}, 4);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	CHECK(strstr(out, " true  7       0x") != NULL);
	free(out);
	pk_event_table__free(tab);
	btf__free(btf);
}

/*
 * Stack ids by pk_btf_stack_id(), the rule `probekit run` symbolizes by:
 * bcc's user_stack_id, tags with a kind or a map, a nested member, a
 * pk_ustack_t member; not a 2-byte kstack, not "stack", not a broken tag.
 */
PK_TEST(eventtable_stack_ids_as_run_finds_them)
{
	struct btf *btf = btf__new_empty();
	int u16 = btf__add_int(btf, "unsigned short", 2, 0);
	int s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	int ust = btf__add_typedef(btf, "pk_ustack_t", s32), in, ev;
	static const struct {
		const char *path;
		enum pk_col_kind kind;
		bool user;
	} want[] = {
		{ "user_stack_id", PK_COL_STACK_ID, true }, { "where", PK_COL_STACK_ID, true },
		{ "how", PK_COL_STACK_ID, false },	    { "in.kernel_stack_id", PK_COL_STACK_ID, false },
		{ "alloc", PK_COL_STACK_ID, true },	    { "kstack", PK_COL_UINT, false },
		{ "stack", PK_COL_INT, false },		    { "broken", PK_COL_INT, false },
	};
	struct pk_event_table *tab;
	unsigned char d[36] = {};
	char *out = NULL;
	size_t i;

	in = btf__add_struct(btf, "in", 8);
	btf__add_field(btf, "kernel_stack_id", u64, 0, 0);
	ev = btf__add_struct(btf, "ev", 36);
	btf__add_field(btf, "user_stack_id", s32, 0, 0);
	btf__add_field(btf, "where", s32, 32, 0);
	btf__add_field(btf, "how", s32, 64, 0);
	btf__add_field(btf, "in", in, 96, 0);
	btf__add_field(btf, "alloc", ust, 160, 0);
	btf__add_field(btf, "kstack", u16, 192, 0);
	btf__add_field(btf, "stack", s32, 224, 0);
	btf__add_field(btf, "broken", s32, 256, 0);
	btf__add_decl_tag(btf, "pk_stack_id:user", ev, 1);
	btf__add_decl_tag(btf, "pk_stack_id:kernel:kstacks", ev, 2);
	btf__add_decl_tag(btf, "pk_stack_id:kstacks:user", ev, 7);
	memcpy(d, &(int){-14}, 4);
	memcpy(d + 4, &(int){3}, 4);
	d[8] = 4;
	d[12] = 5;
	d[20] = 6;
	d[24] = 7;
	d[28] = 8;
	d[32] = 9;
	tab = pk_event_table__new(btf, ev, NULL);
	CHECK(tab != NULL);
	CHECK_INT(pk_event_table__column_cnt(tab), 8);
	for (i = 0; tab && i < 8; i++) {
		const struct pk_event_column *c = pk_event_table__column(tab, i);

		CHECK_STR(c->path, want[i].path);
		CHECK_INT(c->kind, want[i].kind);
		CHECK_INT(c->user_stack, want[i].user);
	}
	/* the map a tag names, and a broken tag kept for the stack printer to name */
	if (tab) {
		CHECK_STR(pk_event_table__column(tab, 2)->stack_map, "kstacks");
		CHECK_INT(pk_event_table__column(tab, 2)->stack_kind, PK_STACK_KERNEL);
		CHECK_STR(pk_event_table__column(tab, 7)->bad_stack_tag, "pk_stack_id:kstacks:user");
		CHECK(pk_event_table__column(tab, 6)->bad_stack_tag == NULL);
	}
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	CHECK_STR(out, "          -14       3       4                  5       6      7           8           9");
	free(out);
	pk_event_table__free(tab);
	btf__free(btf);
}

PK_TEST(eventtable_json_nested_with_errno_names)
{
	struct ev_types t;
	struct pk_event_table *tab;
	unsigned char d[96];
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	struct pk_json j;

	make_event(&t);
	tab = pk_event_table__new(t.btf, t.event, NULL);
	fill_event(d, 5000000000ULL, -2);
	f = open_memstream(&out, &len);
	pk_json__begin(&j, f);
	pk_event_table__json(tab, &j, "event", d, sizeof(d));
	pk_json__end(&j);
	fclose(f);
	CHECK_STR(out, "{\"event\":{\"ts_ns\":5000000000,\"pid\":4242,\"tid\":4243,\"uid\":1000,"
		       "\"comm\":\"ca\\tt\\u001b\",\"in\":{\"a\":7,\"b\":-3},\"arr\":[1,2,3],"
		       "\"ret\":-2,\"path\":\"/tmp/x\\n\\udcff\"},"
		       "\"errno_name\":{\"ret\":\"ENOENT\"}}\n");
	free(out);
	pk_event_table__free(tab);
	btf__free(t.btf);
}

PK_TEST(eventtable_refuses_what_it_cannot_plan)
{
	struct {
		struct pk_event_table_opts o;
		long unknown;
	} newer = {.o.sz = sizeof(newer), .unknown = 1};
	struct btf *btf = btf__new_empty();
	int u32 = btf__add_int(btf, "unsigned int", 4, 0), wide, i;
	char name[16];

	errno = 0;
	CHECK(!pk_event_table__new(btf, u32, NULL));
	CHECK_INT(errno, EINVAL);
	CHECK(!pk_event_table__new(NULL, 1, NULL));
	CHECK(!pk_event_table__new(btf, 999, NULL));
	wide = btf__add_struct(btf, "wide", 4 * (PK_EVENT_TABLE_MAX_COLUMNS + 1));
	for (i = 0; i <= PK_EVENT_TABLE_MAX_COLUMNS; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		btf__add_field(btf, name, u32, 32 * i, 0);
	}
	errno = 0;
	CHECK(!pk_event_table__new(btf, wide, NULL));
	CHECK_INT(errno, E2BIG);
	/* a newer caller asking for something unknown here */
	errno = 0;
	CHECK(!pk_event_table__new(btf, wide, &newer.o));
	CHECK_INT(errno, EINVAL);
	pk_event_table__free(NULL);
	CHECK_INT(pk_event_table__column_cnt(NULL), 0);
	btf__free(btf);
}

/* @tab's record @d in JSON holds @want. */
static void json_addrs_check(struct pk_event_table *tab, const unsigned char *d, size_t size,
			     const char *want)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct pk_json j;

	pk_json__begin(&j, f);
	pk_event_table__json(tab, &j, "event", d, size);
	pk_json__end(&j);
	fclose(f);
	CHECK(out && strstr(out, want) != NULL);
	if (!out || !strstr(out, want))
		fprintf(stderr, "got %s\n", out);
	free(out);
}

/* A struct of one member per declared format, and what each prints. */
PK_TEST(eventtable_declared_formats)
{
	struct btf *btf = btf__new_empty();
	int u8 = btf__add_int(btf, "unsigned char", 1, 0);
	int u16 = btf__add_int(btf, "unsigned short", 2, 0);
	int s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	int v6 = btf__add_array(btf, u32, u8, 16);
	int ipv4 = btf__add_typedef(btf, "pk_ipv4_t", u32);
	int sig = btf__add_typedef(btf, "pk_signal_t", s32);
	int sysno = btf__add_typedef(btf, "pk_syscall_t", s32);
	int dev = btf__add_typedef(btf, "pk_dev_t", u32);
	int bytes = btf__add_typedef(btf, "pk_bytes_t", u64);
	int hex = btf__add_typedef(btf, "pk_hex_t", u32);
	int oflags = btf__add_typedef(btf, "pk_open_flags_t", u32);
	int bits = btf__add_enum(btf, "bits", 4);
	int un, ev, ncols;
	struct pk_event_table *tab;
	unsigned char d[64] = {0};
	char *out = NULL, why[256] = "";
	struct pk_event_table_opts o = {.sz = sizeof(o), .why = why, .why_size = sizeof(why)};

	btf__add_enum_value(btf, "B_NONE", 0);
	btf__add_enum_value(btf, "B_ONE", 1);
	btf__add_enum_value(btf, "B_FOUR", 4);
	un = btf__add_union(btf, NULL, 16);
	btf__add_field(btf, "v4", u32, 0, 0);
	btf__add_field(btf, "v6", v6, 0, 0);
	ev = btf__add_struct(btf, "ev", 64);
	btf__add_field(btf, "src", ipv4, 0, 0);		/* 0 */
	btf__add_field(btf, "sport", u16, 32, 0);	/* 1: shown with src */
	btf__add_field(btf, "af", u16, 48, 0);		/* 2 */
	btf__add_field(btf, "dst", un, 64, 0);		/* 3 */
	btf__add_field(btf, "sig", sig, 192, 0);	/* 4 */
	btf__add_field(btf, "nr", sysno, 224, 0);	/* 5 */
	btf__add_field(btf, "dev", dev, 256, 0);	/* 6 */
	btf__add_field(btf, "flags", oflags, 288, 0);	/* 7 */
	btf__add_field(btf, "size", bytes, 320, 0);	/* 8 */
	btf__add_field(btf, "lat", u64, 384, 0);	/* 9 */
	btf__add_field(btf, "mask", hex, 448, 0);	/* 10 */
	btf__add_field(btf, "b", bits, 480, 0);		/* 11 */
	btf__add_decl_tag(btf, "pk_port_be:sport", ev, 0);
	btf__add_decl_tag(btf, "pk_fmt:inet", ev, 3);
	btf__add_decl_tag(btf, "pk_family:af", ev, 3);
	btf__add_decl_tag(btf, "pk_header:DEST", ev, 3);
	btf__add_decl_tag(btf, "pk_fmt:duration:ns:ms", ev, 9);
	btf__add_decl_tag(btf, "pk_fmt:flags", ev, 11);
	btf__add_decl_tag(btf, "pk_when:extended", ev, 10);

	tab = pk_event_table__new(btf, ev, &o);
	CHECK(tab != NULL);
	ncols = pk_event_table__column_cnt(tab);
	CHECK_INT(ncols, 11);
	LINE_OF(out, pk_event_table__header(tab, &l));
	CHECK_STR(out, "SRC                      AF DEST                      SIG       NR               "
		       "DEV       FLAGS                       SIZE    LAT(ms) B");
	free(out);
	memcpy(d, (unsigned char[]){10, 1, 2, 3}, 4);
	memcpy(d + 4, (unsigned char[]){0x1f, 0x90}, 2); /* 8080, network order */
	memcpy(d + 6, &(unsigned short){10}, 2);
	memcpy(d + 8, (unsigned char[]){0xfe, 0x80, [15] = 1}, 16);
	memcpy(d + 24, &(int){9}, 4);
	memcpy(d + 28, &(int){257}, 4);
	memcpy(d + 32, &(unsigned int){(8 << 20) | 17}, 4);
	memcpy(d + 36, &(unsigned int){01 | 0100 | 02000000}, 4);
	memcpy(d + 40, &(unsigned long long){1536}, 8);
	memcpy(d + 48, &(unsigned long long){12345678}, 8);
	memcpy(d + 56, &(unsigned int){0xbeef}, 4);
	memcpy(d + 60, &(unsigned int){5 | 16}, 4);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	CHECK_STR(out, "10.1.2.3:8080            10 fe80::1                   SIGKILL   openat           "
		       "8:17      O_WRONLY|O_CREAT|O_CLOEXEC    1.5K     12.345 B_ONE|B_FOUR|0x10");
	free(out);
	/* the hidden column, asked for */
	CHECK_INT(pk_event_table__show(tab, "extended", true), 1);
	LINE_OF(out, pk_event_table__header(tab, &l));
	CHECK(strstr(out, "LAT(ms)       MASK B") != NULL);
	free(out);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	CHECK(strstr(out, " 12.345     0xbeef B_ONE") != NULL);
	free(out);
	/* IPv4 by the family */
	memcpy(d + 6, &(unsigned short){2}, 2);
	memcpy(d + 8, (unsigned char[]){192, 168, 0, 1}, 4);
	memcpy(d + 60, &(unsigned int){0}, 4);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	CHECK(strstr(out, "    2 192.168.0.1               SIGKILL") != NULL);
	CHECK(strstr(out, " B_NONE") != NULL);
	free(out);
	/* JSON: each address as its text, the port a number of its own member */
	json_addrs_check(tab, d, sizeof(d),
			 "\"src\":\"10.1.2.3\",\"sport\":36895,\"af\":2,"
			 "\"dst\":\"192.168.0.1\",");
	memcpy(d + 6, &(unsigned short){10}, 2);
	memcpy(d + 8, (unsigned char[]){0xfe, 0x80, [15] = 1}, 16);
	json_addrs_check(tab, d, sizeof(d), "\"af\":10,\"dst\":\"fe80::1\",");
	/* a family that is neither: no address */
	memcpy(d + 6, &(unsigned short){1}, 2);
	json_addrs_check(tab, d, sizeof(d), "\"af\":1,\"dst\":null,");
	pk_event_table__free(tab);

	/* a format that does not fit, and one nobody knows: a reason naming the member */
	btf__add_decl_tag(btf, "pk_fmt:ipv4", ev, 8);
	CHECK(!pk_event_table__new(btf, ev, &o));
	CHECK_INT(errno, EBADMSG);
	CHECK_STR(why, "size: format ipv4 needs a 4-byte integer");
	btf__add_decl_tag(btf, "pk_fmt:ipv5", ev, 5);
	CHECK(!pk_event_table__new(btf, ev, &o));
	CHECK(strstr(why, "nr: unknown column format \"pk_fmt:ipv5\"") == why);
	btf__free(btf);
}

/* A wait status, as bcc's exitsnoop prints it. */
PK_TEST(eventtable_wstatus_format)
{
	struct btf *btf = btf__new_empty();
	int s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int ws = btf__add_typedef(btf, "pk_wstatus_t", s32);
	int ev = btf__add_struct(btf, "ev", 4);
	struct pk_event_table *tab;
	char *out = NULL;

	btf__add_field(btf, "status", ws, 0, 0);
	tab = pk_event_table__new(btf, ev, NULL);
	CHECK_INT(pk_event_table__column(tab, 0)->kind, PK_COL_WSTATUS);
	LINE_OF(out, pk_event_table__text(tab, &l, &(int){0}, 4));
	CHECK_STR(out, "0");
	free(out);
	LINE_OF(out, pk_event_table__text(tab, &l, &(int){3 << 8}, 4));
	CHECK_STR(out, "code 3");
	free(out);
	LINE_OF(out, pk_event_table__text(tab, &l, &(int){9}, 4));
	CHECK_STR(out, "signal 9 (KILL)");
	free(out);
	LINE_OF(out, pk_event_table__text(tab, &l, &(int){11 | 0x80}, 4));
	CHECK_STR(out, "signal 11 (SEGV), core dumped");
	free(out);
	pk_event_table__free(tab);
	btf__free(btf);
}

/* A ret is a number unless declared: getaddrinfo's -2 is no ENOENT. */
PK_TEST(eventtable_ret_is_no_errno_by_name)
{
	struct btf *btf = btf__new_empty();
	int s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int ev = btf__add_struct(btf, "ev", 4);
	struct pk_event_table *tab;
	char *out = NULL;

	btf__add_field(btf, "ret", s32, 0, 0);
	tab = pk_event_table__new(btf, ev, NULL);
	CHECK_INT(pk_event_table__column(tab, 0)->kind, PK_COL_INT);
	LINE_OF(out, pk_event_table__text(tab, &l, &(int){-2}, 4));
	CHECK_STR(out, "         -2");
	free(out);
	pk_event_table__free(tab);
	btf__free(btf);
}

/*
 * PK_WIDTH and PK_PRECISION lay a row out as bcc's format string would:
 * "%-7d %-12.12s %3d %7.2f %-8.3f %s" here (the oracle: printf itself).
 * A longer header overflows a declared width, as in bcc; a duration
 * rounds as printf rounds the double (1.005 ms is 1.00499... : "1.00").
 */
PK_TEST(eventtable_declared_width_and_precision)
{
	struct btf *btf = btf__new_empty();
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	int ch = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	int comm = btf__add_array(btf, u32, ch, 16);
	int errno_t = btf__add_typedef(btf, "pk_errno_t", s32);
	int ev = btf__add_struct(btf, "ev", 56);
	struct pk_event_table *tab;
	unsigned char d[56] = {0};
	char *out = NULL, want[128];
	const char *bad[] = {"pk_width:x", "pk_width:-256", "pk_precision:-1", "pk_width:"};
	size_t i;

	btf__add_field(btf, "pid", u32, 0, 0);
	btf__add_field(btf, "comm", comm, 32, 0);
	btf__add_field(btf, "ret", errno_t, 160, 0);
	btf__add_field(btf, "lat", u64, 192, 0);
	btf__add_field(btf, "ts", u64, 256, 0);
	btf__add_field(btf, "tail", comm, 320, 0);
	btf__add_decl_tag(btf, "pk_width:-7", ev, 0);
	btf__add_decl_tag(btf, "pk_width:-12", ev, 1);
	btf__add_decl_tag(btf, "pk_precision:12", ev, 1);
	btf__add_decl_tag(btf, "pk_header:LONGER_HEADER", ev, 1);
	btf__add_decl_tag(btf, "pk_width:3", ev, 2);
	btf__add_decl_tag(btf, "pk_fmt:duration:ns:ms", ev, 3);
	btf__add_decl_tag(btf, "pk_width:7", ev, 3);
	btf__add_decl_tag(btf, "pk_precision:2", ev, 3);
	btf__add_decl_tag(btf, "pk_width:-8", ev, 4);
	btf__add_decl_tag(btf, "pk_precision:3", ev, 4);
	tab = pk_event_table__new(btf, ev, NULL);
	CHECK(tab != NULL);
	LINE_OF(out, pk_event_table__header(tab, &l));
	snprintf(want, sizeof(want), "%-7s %-12s %3s %7s %-8s %s", "PID", "LONGER_HEADER", "RET",
		 "LAT(ms)", "TIME(s)", "TAIL");
	CHECK_STR(out, want);
	free(out);
	memcpy(d, &(unsigned int){4242}, 4);
	memcpy(d + 4, "a-long-command-name", 16);
	memcpy(d + 24, &(unsigned long long){1005000}, 8);
	memcpy(d + 32, &(unsigned long long){5000000000ULL}, 8);
	memcpy(d + 40, "end", 4);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	snprintf(want, sizeof(want), "%-7d %-12.12s %3d %7.2f %-8.3f %s", 4242, "a-long-command-name",
		 0, 1005000 / 1e6, 0.0, "end");
	CHECK_STR(out, want);
	free(out);
	/* a failure's errno after its number; the width holds it right-aligned */
	memcpy(d + 20, &(int){-2}, 4);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	CHECK(strstr(out, " -2 ENOENT ") != NULL);
	free(out);
	pk_event_table__free(tab);
	btf__free(btf);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[256] = "";
		struct pk_event_table_opts o = {.sz = sizeof(o), .why = why, .why_size = sizeof(why)};

		btf = btf__new_empty();
		u32 = btf__add_int(btf, "unsigned int", 4, 0);
		ev = btf__add_struct(btf, "ev", 4);
		btf__add_field(btf, "pid", u32, 0, 0);
		btf__add_decl_tag(btf, bad[i], ev, 0);
		tab = pk_event_table__new(btf, ev, &o);
		CHECK(tab == NULL && strstr(why, "pid: ") == why);
		pk_event_table__free(tab);
		btf__free(btf);
	}
}

/*
 * PK_WHEN_ANY(wide, csv): shown while either is set; PK_WIDTH_WHEN(wide,
 * 6, -1): its width while wide is set, the declared one again after.
 */
PK_TEST(eventtable_when_any_and_width_when)
{
	struct btf *btf = btf__new_empty();
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int ev = btf__add_struct(btf, "ev", 8);
	struct pk_event_table *tab;
	unsigned int d[2] = {4, 77};
	char *out = NULL;

	btf__add_field(btf, "ip", u32, 0, 0);
	btf__add_field(btf, "kb", u32, 32, 0);
	btf__add_decl_tag(btf, "pk_when:wide|csv", ev, 0);
	btf__add_decl_tag(btf, "pk_width:-2", ev, 0);
	btf__add_decl_tag(btf, "pk_width:5", ev, 1);
	btf__add_decl_tag(btf, "pk_width_when:wide:6:-1", ev, 1);
	tab = pk_event_table__new(btf, ev, NULL);
	CHECK(tab != NULL);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	CHECK_STR(out, "   77");
	free(out);
	CHECK_INT(pk_event_table__show(tab, "wide", true), 1);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	CHECK_STR(out, "4      77");
	free(out);
	/* csv on, wide off: still shown, the declared width back */
	pk_event_table__show(tab, "csv", true);
	pk_event_table__show(tab, "wide", false);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	CHECK_STR(out, "4     77");
	free(out);
	pk_event_table__show(tab, "csv", false);
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	CHECK_STR(out, "   77");
	free(out);
	pk_event_table__free(tab);
	btf__free(btf);
}

/* A kernel address as its function (the oracle: kallsyms by name), a ktime as the wall clock. */
PK_TEST(eventtable_ksym_and_clock_formats)
{
	struct btf *btf = btf__new_empty();
	int u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	int ksym = btf__add_typedef(btf, "pk_ksym_t", u64);
	int ev = btf__add_struct(btf, "ev", 16);
	struct pk_event_table *tab;
	struct timespec mono;
	char *out = NULL, want[64];
	unsigned long long d[2];
	time_t now;
	__u64 addr;

	btf__add_field(btf, "ip", ksym, 0, 0);
	btf__add_field(btf, "ts", u64, 64, 0);
	btf__add_decl_tag(btf, "pk_fmt:clock", ev, 1);
	tab = pk_event_table__new(btf, ev, NULL);
	CHECK(tab != NULL);
	CHECK_INT(pk_event_table__column(tab, 0)->kind, PK_COL_KSYM);
	CHECK_INT(pk_event_table__column(tab, 1)->kind, PK_COL_CLOCK);
	if (pk_ksymname("do_nanosleep", &addr)) {
		/* hidden addresses (not root): the clock alone */
		addr = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &mono);
	now = time(NULL);
	d[0] = addr;
	d[1] = mono.tv_sec * 1000000000ULL + mono.tv_nsec;
	LINE_OF(out, pk_event_table__text(tab, &l, d, sizeof(d)));
	strftime(want, sizeof(want), "%H:%M:%S", localtime(&now));
	if (addr)
		CHECK(!strncmp(out, "do_nanosleep ", 13));
	/* the second may turn between the two readings */
	CHECK(strlen(out) > 8 && (!strcmp(out + strlen(out) - 8, want) ||
				  now + 1 == time(NULL)));
	free(out);
	pk_event_table__free(tab);
	btf__free(btf);
}
