// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Histogram maps recognised from BTF built here, and printed against the
 * text bcc 0.26's table.py prints for the same counts (_print_log2_hist,
 * _print_linear_hist, and print_log2_hist's "\n%s = %r" section header).
 */
#include <errno.h>
#include <stdlib.h>

#include <bpf/btf.h>
#include <probekit/hist.h>

#include "unit.h"

/* type ids in the BTF below */
enum { U32 = 1, U64, PID_KEY, NO_SLOT_KEY, S32, FIRST_VAR };

static struct btf *hist_btf(void)
{
	struct btf *btf = btf__new_empty();

	btf__add_int(btf, "__u32", 4, 0);
	btf__add_int(btf, "__u64", 8, 0);
	btf__add_struct(btf, "pid_key", 8);
	btf__add_field(btf, "pid", U32, 0, 0);
	btf__add_field(btf, "slot", U32, 32, 0);
	btf__add_struct(btf, "no_slot", 8);
	btf__add_field(btf, "pid", U32, 0, 0);
	btf__add_field(btf, "count", U32, 32, 0);
	btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	return btf;
}

/* a map variable named @name with decl tags @tags (NULL-terminated) */
static void add_var(struct btf *btf, const char *name, const char *const *tags)
{
	int id = btf__add_var(btf, name, BTF_VAR_GLOBAL_ALLOCATED, U32);

	while (tags && *tags)
		btf__add_decl_tag(btf, *tags++, id, -1);
}

static struct pk_hist *recognize(struct btf *btf, const char *name, __u32 key, __u32 value)
{
	LIBBPF_OPTS(pk_hist_desc, d, .name = name, .key_type_id = key, .value_type_id = value,
		    .key_size = key == PID_KEY || key == NO_SLOT_KEY ? 8 : 4,
		    .value_size = value == U64 ? 8 : 4);

	return pk_hist__recognize(btf, &d);
}

PK_TEST(hist_recognises_only_marked_arrays_and_slot_keys)
{
	struct btf *btf = hist_btf();
	struct pk_hist *h;

	add_var(btf, "counts", NULL);
	add_var(btf, "read_usecs", (const char *[]){"pk_hist", NULL});
	add_var(btf, "sizes",
		(const char *[]){"pk_hist:linear:(1024ULL)", "pk_hist_unit:kb", NULL});
	add_var(btf, "bad_step", (const char *[]){"pk_hist:linear:4*2", NULL});
	add_var(btf, "zero_step", (const char *[]){"pk_hist:linear:0", NULL});
	add_var(btf, "lat_ns_by_pid", NULL);

	/* a plain array of counters is not a histogram */
	errno = 0;
	CHECK(!recognize(btf, "counts", U32, U64));
	CHECK_INT(errno, ENOENT);
	/* the tag makes it one, its unit a word of its name */
	h = recognize(btf, "read_usecs", U32, U64);
	CHECK(h && !pk_hist__keyed(h) && pk_hist__step(h) == 0);
	CHECK_STR(pk_hist__unit(h), "usecs");
	pk_hist__free(h);
	/* counts must be integers */
	CHECK(!recognize(btf, "read_usecs", U32, PID_KEY));
	/* a linear tag's step, and a unit annotation over the name */
	h = recognize(btf, "sizes", U32, U32);
	CHECK(h && pk_hist__step(h) == 1024);
	CHECK_STR(pk_hist__unit(h), "kb");
	pk_hist__free(h);
	/* a step that is no number, or 0, marks nothing */
	CHECK(!recognize(btf, "bad_step", U32, U64));
	CHECK(!recognize(btf, "zero_step", U32, U64));
	/* { bucket, slot } keys need no tag; without a slot member, no histogram */
	h = recognize(btf, "lat_ns_by_pid", PID_KEY, U64);
	CHECK(h && pk_hist__keyed(h) && pk_hist__step(h) == 0);
	CHECK_STR(pk_hist__unit(h), "nsecs");
	pk_hist__free(h);
	CHECK(!recognize(btf, "lat_ns_by_pid", NO_SLOT_KEY, U64));
	CHECK(!recognize(btf, "no_such_map", U32, U64));
	pk_hist__free(NULL);
	btf__free(btf);
}

static char *print(struct pk_hist *h, const void *keys, const void *vals, size_t n, bool json)
{
	static char buf[16384];
	LIBBPF_OPTS(pk_hist_print_opts, o, .json = json);
	FILE *f;
	int ret;

	buf[0] = '\0';
	f = fmemopen(buf, sizeof(buf), "w");
	ret = pk_hist__print(h, f, keys, vals, n, &o);

	fclose(f);
	return ret < 0 ? NULL : buf;
}

PK_TEST(hist_keyed_text_is_bccs_sorted_by_bucket)
{
	struct btf *btf = hist_btf();
	/* map order, not bucket order; pid 10 slot 1 split across two entries is not possible in
	 * a hash, but the printer adds what it is given */
	struct {
		__u32 pid, slot;
	} keys[] = {{200, 2}, {10, 3}, {10, 1}};
	__u64 vals[] = {1, 17, 3};
	struct pk_hist *h;

	add_var(btf, "lat_by_pid", (const char *[]){"pk_hist_unit:usecs", NULL});
	h = recognize(btf, "lat_by_pid", PID_KEY, U64);
	CHECK(h != NULL);
	CHECK_STR(
	    print(h, keys, vals, 3, false),
	    "\n"
	    "pid = 10\n"
	    "     usecs               : count     distribution\n"
	    "         0 -> 1          : 3        |*******                                 |\n"
	    "         2 -> 3          : 0        |                                        |\n"
	    "         4 -> 7          : 17       |****************************************|\n"
	    "\n"
	    "pid = 200\n"
	    "     usecs               : count     distribution\n"
	    "         0 -> 1          : 0        |                                        |\n"
	    "         2 -> 3          : 1        |****************************************|\n");
	CHECK_STR(
	    print(h, keys, vals, 3, true),
	    "{\"map\":\"lat_by_pid\",\"unit\":\"usecs\",\"type\":\"log2\",\"key\":{\"pid\":10},"
	    "\"buckets\":[{\"low\":0,\"high\":1,\"count\":3},{\"low\":2,\"high\":3,\"count\":0},"
	    "{\"low\":4,\"high\":7,\"count\":17}]}\n"
	    "{\"map\":\"lat_by_pid\",\"unit\":\"usecs\",\"type\":\"log2\",\"key\":{\"pid\":200},"
	    "\"buckets\":[{\"low\":0,\"high\":1,\"count\":0},{\"low\":2,\"high\":3,\"count\":1}]}"
	    "\n");
	CHECK_INT(pk_hist__print(h, stdout, keys, vals, 0, NULL), 0);
	pk_hist__free(h);
	btf__free(btf);
}

PK_TEST(hist_linear_and_wide_log2_text)
{
	struct btf *btf = hist_btf();
	__u32 slots[] = {0, 2, 9}, wide[] = {1, 33};
	__u64 counts[] = {2, 5, 0}, wide_counts[] = {1, 3};
	struct pk_hist *h;
	char *out;

	add_var(btf, "wait_msecs", (const char *[]){"pk_hist:linear:1", NULL});
	add_var(btf, "lat_nsecs", (const char *[]){"pk_hist", NULL});
	add_var(btf, "gaps", (const char *[]){"pk_hist:linear:250", NULL});
	h = recognize(btf, "wait_msecs", U32, U64);
	/* the zero count in slot 9 is past the last used slot: trimmed, as bcc does */
	CHECK_STR(print(h, slots, counts, 3, false),
		  "     msecs         : count     distribution\n"
		  "        0          : 2        |****************                        |\n"
		  "        1          : 0        |                                        |\n"
		  "        2          : 5        |****************************************|\n");
	pk_hist__free(h);
	/* a step: rows show each slot's lowest value */
	h = recognize(btf, "gaps", U32, U64);
	CHECK_STR(print(h, slots, counts, 2, false),
		  "     value         : count     distribution\n"
		  "        0          : 2        |****************                        |\n"
		  "        250        : 0        |                                        |\n"
		  "        500        : 5        |****************************************|\n");
	CHECK_STR(
	    print(h, slots, counts, 2, true),
	    "{\"map\":\"gaps\",\"unit\":\"value\",\"type\":\"linear\",\"step\":250,\"buckets\":["
	    "{\"low\":0,\"high\":249,\"count\":2},{\"low\":250,\"high\":499,\"count\":0},"
	    "{\"low\":500,\"high\":749,\"count\":5}]}\n");
	pk_hist__free(h);
	/* past slot 32 bcc goes wide: 20-digit columns, 20 stars */
	h = recognize(btf, "lat_nsecs", U32, U64);
	out = print(h, wide, wide_counts, 2, false);
	CHECK(
	    out &&
	    !strncmp(
		out,
		"               nsecs                         : count     distribution\n"
		"                   0 -> 1                    : 1        |******              |\n",
		142));
	CHECK(strstr(out, "\n          4294967296 -> 8589934591           : 3        "
			  "|********************|\n") != NULL);
	pk_hist__free(h);
	btf__free(btf);
}

PK_TEST(hist_edges_empty_clamped_and_bad_opts)
{
	struct btf *btf = hist_btf();
	__u32 slots[] = {0, 70, 5};
	__u64 counts[] = {9, 1, 0};
	struct {
		struct pk_hist_print_opts o;
		long unknown;
	} newer = {.o.sz = sizeof(newer), .unknown = 1};
	struct pk_hist_print_opts tiny = {.sz = 1};
	struct pk_hist *h;
	char *out;

	add_var(btf, "h", (const char *[]){"pk_hist", NULL});
	h = recognize(btf, "h", U32, U64);
	/* only slot 0 (never filled by pk_log2l()) set: bcc prints nothing */
	CHECK_STR(print(h, slots, counts, 1, false), "");
	CHECK_STR(print(h, slots, counts, 1, true), "");
	/* slot 70 is past bcc's 65: it counts in the last, 2^63 -> 2^64 - 1 */
	out = print(h, slots, counts, 2, true);
	CHECK(out && strstr(out, "{\"low\":9223372036854775808,\"high\":18446744073709551615,"
				 "\"count\":1}]}\n"));
	CHECK_INT(pk_hist__print(h, stdout, slots, counts, 2, &newer.o), -EINVAL);
	CHECK_INT(pk_hist__print(h, stdout, slots, counts, 2, &tiny), -EINVAL);
	CHECK_INT(pk_hist__print(NULL, stdout, slots, counts, 2, NULL), -EINVAL);
	CHECK_INT(pk_hist__print(h, stdout, NULL, counts, 2, NULL), -EINVAL);
	pk_hist__free(h);
	/* a signed slot below zero counts in slot 0 */
	add_var(btf, "s", (const char *[]){"pk_hist:linear:1", NULL});
	{
		LIBBPF_OPTS(pk_hist_desc, d, .name = "s", .key_type_id = S32, .value_type_id = U64,
			    .key_size = 4, .value_size = 8);
		__s32 neg[] = {-5, 1};
		__u64 c[] = {4, 4};

		h = pk_hist__recognize(btf, &d);
		CHECK_STR(
		    print(h, neg, c, 2, false),
		    "     value         : count     distribution\n"
		    "        0          : 4        |****************************************|\n"
		    "        1          : 4        |****************************************|\n");
		pk_hist__free(h);
		d.sz = 3;
		errno = 0;
		CHECK(!pk_hist__recognize(btf, &d));
		CHECK_INT(errno, EINVAL);
	}
	btf__free(btf);
}

/* bucket keys printed from BTF: a struct member through btf_dump, several members joined */
PK_TEST(hist_struct_and_multi_member_buckets)
{
	struct btf *btf = hist_btf();
	int chr = btf__add_int(btf, "char", 1, BTF_INT_CHAR);
	int comm = btf__add_array(btf, U32, chr, 4);
	int task = btf__add_struct(btf, "task", 8);
	int nested, flat;
	struct {
		__u32 pid;
		char comm[4];
		__u32 slot;
	} keys[] = {{7, "sh", 1}, {7, "ab", 1}};
	__u64 vals[] = {2, 1};
	struct pk_hist *h;

	btf__add_field(btf, "pid", U32, 0, 0);
	btf__add_field(btf, "comm", comm, 32, 0);
	nested = btf__add_struct(btf, "nested_key", 12);
	btf__add_field(btf, "task", task, 0, 0);
	btf__add_field(btf, "slot", U32, 64, 0);
	flat = btf__add_struct(btf, "flat_key", 12);
	btf__add_field(btf, "pid", U32, 0, 0);
	btf__add_field(btf, "comm", comm, 32, 0);
	btf__add_field(btf, "slot", U32, 64, 0);
	{
		LIBBPF_OPTS(pk_hist_desc, d, .name = "by_task", .key_type_id = nested,
			    .value_type_id = U64, .key_size = 12, .value_size = 8);

		h = pk_hist__recognize(btf, &d);
		CHECK_STR(print(h, keys, vals, 2, false),
			  "\n"
			  "task = {pid=7, comm=\"ab\"}\n"
			  "     value               : count     distribution\n"
			  "         0 -> 1          : 1        "
			  "|****************************************|\n"
			  "\n"
			  "task = {pid=7, comm=\"sh\"}\n"
			  "     value               : count     distribution\n"
			  "         0 -> 1          : 2        "
			  "|****************************************|\n");
		pk_hist__free(h);
		d.key_type_id = flat;
		h = pk_hist__recognize(btf, &d);
		CHECK_STR(print(h, keys, vals, 1, false),
			  "\n"
			  /* a string bucket as its text, as bcc's section lines read */
			  "pid = 7, comm = sh\n"
			  "     value               : count     distribution\n"
			  "         0 -> 1          : 2        "
			  "|****************************************|\n");
		CHECK_STR(print(h, keys, vals, 1, true),
			  "{\"map\":\"by_task\",\"unit\":\"value\",\"type\":\"log2\","
			  "\"key\":{\"pid\":7,\"comm\":\"sh\"},"
			  "\"buckets\":[{\"low\":0,\"high\":1,\"count\":2}]}\n");
		pk_hist__free(h);
	}
	btf__free(btf);
}
