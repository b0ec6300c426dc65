// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Histogram printing against bcc's own output (taken from bcc 0.26's
 * _print_log2_hist/_print_linear_hist), and map snapshots on real maps.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <probekit/maps.h>

#include "unit.h"

static char *hist_of(bool log2, const __u64 *vals, size_t n, const char *type, bool strip)
{
	static char buf[8192];
	FILE *f;

	buf[0] = '\0';
	f = fmemopen(buf, sizeof(buf), "w");

	if (log2)
		pk_print_log2_hist(f, vals, n, type, strip);
	else
		pk_print_linear_hist(f, vals, n, type, strip);
	fclose(f);
	return buf;
}

PK_TEST(log2_hist_matches_bcc)
{
	__u64 v[65] = { [1] = 3, [3] = 17, [5] = 40, [6] = 1 };

	CHECK_STR(hist_of(true, v, 65, "usecs", false),
		  "     usecs               : count     distribution\n"
		  "         0 -> 1          : 3        |***                                     |\n"
		  "         2 -> 3          : 0        |                                        |\n"
		  "         4 -> 7          : 17       |*****************                       |\n"
		  "         8 -> 15         : 0        |                                        |\n"
		  "        16 -> 31         : 40       |****************************************|\n"
		  "        32 -> 63         : 1        |*                                       |\n");
}

PK_TEST(log2_hist_strips_leading_zeros)
{
	__u64 v[65] = { [3] = 17, [5] = 40, [6] = 1 };

	CHECK_STR(hist_of(true, v, 65, "usecs", true),
		  "     usecs               : count     distribution\n"
		  "         4 -> 7          : 17       |*****************                       |\n"
		  "         8 -> 15         : 0        |                                        |\n"
		  "        16 -> 31         : 40       |****************************************|\n"
		  "        32 -> 63         : 1        |*                                       |\n");
}

PK_TEST(log2_hist_goes_wide_past_slot_32)
{
	__u64 v[65] = { [3] = 2, [40] = 5 };
	char *out = hist_of(true, v, 65, "nsecs", true);

	CHECK(!strncmp(out,
		       "               nsecs                         : count     distribution\n"
		       "                   4 -> 7                    : 2        |********            |\n"
		       "                   8 -> 15                   : 0        |                    |\n",
		       strlen("               nsecs                         : count     distribution\n") +
			       2 * strlen("                   4 -> 7                    : 2        "
					  "|********            |\n")));
	CHECK(strstr(out, "        549755813888 -> 1099511627775        : 5        "
			  "|********************|\n") != NULL);
}

PK_TEST(log2_hist_single_slot_and_empty)
{
	__u64 one[2] = { 0, 7 }, none[3] = { 0 };

	CHECK_STR(hist_of(true, one, 2, "x", false),
		  "     x                   : count     distribution\n"
		  "         0 -> 1          : 7        |****************************************|\n");
	CHECK_STR(hist_of(true, none, 3, "x", false), "");
	CHECK_STR(hist_of(false, none, 3, "x", false), "");
}

PK_TEST(linear_hist_matches_bcc)
{
	__u64 v[6] = { 0, 0, 4, 9, 0, 1 };

	CHECK_STR(hist_of(false, v, 6, "kbytes", false),
		  "     kbytes        : count     distribution\n"
		  "        0          : 0        |                                        |\n"
		  "        1          : 0        |                                        |\n"
		  "        2          : 4        |*****************                       |\n"
		  "        3          : 9        |****************************************|\n"
		  "        4          : 0        |                                        |\n"
		  "        5          : 1        |****                                    |\n");
	CHECK_STR(hist_of(false, v, 6, "kbytes", true),
		  "     kbytes        : count     distribution\n"
		  "        2          : 4        |*****************                       |\n"
		  "        3          : 9        |****************************************|\n"
		  "        4          : 0        |                                        |\n"
		  "        5          : 1        |****                                    |\n");
}

PK_TEST(percpu_sum_adds_every_cpu)
{
	__u64 slots[3] = { 1, 20, 300 };
	__u32 small[6] = { 5, 0xdead, 6, 0xbeef, 7, 0 };

	CHECK_INT(pk_percpu_sum(slots, 8, 3), 321);
	CHECK_INT(pk_percpu_sum(small, 4, 3), 18);
}

/*
 * Real maps need privileges: without them, say so loudly, and fail under
 * PROBEKIT_REQUIRE_BPF=1 as the end-to-end tests do.
 */
static int make_map(enum bpf_map_type type, __u32 max_entries)
{
	int fd = bpf_map_create(type, NULL, sizeof(__u32), sizeof(__u64), max_entries, NULL);
	const char *require = getenv("PROBEKIT_REQUIRE_BPF");

	if (fd < 0 && (errno == EPERM || errno == EACCES) && !(require && !strcmp(require, "1")))
		printf("  SKIP map test: cannot create BPF maps here (%s); run as root\n",
		       strerror(errno));
	else if (fd < 0)
		pk_unit_fail(__FILE__, __LINE__, "bpf_map_create: %s", strerror(errno));
	return fd;
}

static int by_key(const void *k1, const void *v1, const void *k2, const void *v2, void *ctx)
{
	(void)v1;
	(void)v2;
	(void)ctx;
	return (int)*(const __u32 *)k1 - (int)*(const __u32 *)k2;
}

static void fill(int fd, __u32 n)
{
	__u32 k;
	__u64 v;

	for (k = 0; k < n; k++) {
		v = k * 10ULL;
		bpf_map_update_elem(fd, &k, &v, BPF_ANY);
	}
}

static void check_items(struct pk_map_snapshot *s, __u32 n)
{
	size_t i;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_INT(pk_map_snapshot__count(s), n);
	pk_map_snapshot__sort(s, by_key, NULL);
	for (i = 0; i < pk_map_snapshot__count(s); i++) {
		CHECK_INT(*(const __u32 *)pk_map_snapshot__key(s, i), i);
		CHECK_INT(*(const __u64 *)pk_map_snapshot__value(s, i), i * 10);
		/* the keys and the values are each one array (maps.h) */
		CHECK((const char *)pk_map_snapshot__key(s, i) ==
		      (const char *)pk_map_snapshot__key(s, 0) + i * 4);
		CHECK((const char *)pk_map_snapshot__value(s, i) ==
		      (const char *)pk_map_snapshot__value(s, 0) + i * 8);
	}
}

PK_TEST(map_items_batched_and_walked)
{
	LIBBPF_OPTS(pk_map_read_opts, walk, .no_batch = true);
	struct pk_map_snapshot *s;
	int fd = make_map(BPF_MAP_TYPE_HASH, 4096);

	if (fd < 0)
		return;
	/* more than one batch's worth, to cross the resume token */
	fill(fd, 1000);
	s = pk_map_snapshot__new(fd, NULL);
	check_items(s, 1000);
	CHECK(pk_map_snapshot__batched(s));
	pk_map_snapshot__free(s);
	s = pk_map_snapshot__new(fd, &walk);
	check_items(s, 1000);
	CHECK(!pk_map_snapshot__batched(s));
	pk_map_snapshot__free(s);
	close(fd);
}

PK_TEST(map_snapshot_and_clear_empties_hash)
{
	LIBBPF_OPTS(pk_map_read_opts, walk, .no_batch = true);
	struct pk_map_snapshot *s;
	int fd = make_map(BPF_MAP_TYPE_HASH, 256);

	if (fd < 0)
		return;
	fill(fd, 100);
	s = pk_map_snapshot__new_and_clear(fd, NULL);
	check_items(s, 100);
	pk_map_snapshot__free(s);
	s = pk_map_snapshot__new(fd, NULL);
	CHECK_INT(pk_map_snapshot__count(s), 0);
	pk_map_snapshot__free(s);
	fill(fd, 10);
	s = pk_map_snapshot__new_and_clear(fd, &walk);
	check_items(s, 10);
	pk_map_snapshot__free(s);
	CHECK_INT(pk_map_clear(fd), 0);
	s = pk_map_snapshot__new(fd, NULL);
	CHECK_INT(pk_map_snapshot__count(s), 0);
	pk_map_snapshot__free(s);
	close(fd);
}

PK_TEST(map_percpu_array_sums_and_zeroes)
{
	LIBBPF_OPTS(pk_map_read_opts, sum, .sum_percpu = true);
	int fd = make_map(BPF_MAP_TYPE_PERCPU_ARRAY, 4), ncpu = libbpf_num_possible_cpus();
	struct pk_map_snapshot *s;
	__u64 *vals, slots[4];
	__u32 k = 2;
	int cpu;

	if (fd < 0)
		return;
	vals = calloc(ncpu, sizeof(*vals));
	for (cpu = 0; cpu < ncpu; cpu++)
		vals[cpu] = cpu + 1;
	CHECK_INT(bpf_map_update_elem(fd, &k, vals, BPF_ANY), 0);
	s = pk_map_snapshot__new(fd, &sum);
	CHECK(s != NULL);
	CHECK_INT(pk_map_snapshot__count(s), 4);
	CHECK_INT(pk_map_snapshot__value_size(s), 8);
	CHECK_INT(*(const __u64 *)pk_map_snapshot__value(s, 2), ncpu * (ncpu + 1) / 2);
	pk_map_snapshot__free(s);
	CHECK_INT(pk_map_read_slots(fd, slots, 4, true), 0);
	CHECK_INT(slots[2], ncpu * (ncpu + 1) / 2);
	CHECK_INT(pk_map_read_slots(fd, slots, 4, false), 0);
	CHECK_INT(slots[2], 0);
	free(vals);
	close(fd);
}

PK_TEST(map_percpu_hash_snapshot_and_clear_sums)
{
	LIBBPF_OPTS(pk_map_read_opts, sum, .sum_percpu = true);
	int fd = make_map(BPF_MAP_TYPE_PERCPU_HASH, 64), ncpu = libbpf_num_possible_cpus();
	struct pk_map_snapshot *s;
	__u64 *vals;
	__u32 k;
	int cpu;

	if (fd < 0)
		return;
	vals = calloc(ncpu, sizeof(*vals));
	for (k = 0; k < 20; k++) {
		for (cpu = 0; cpu < ncpu; cpu++)
			vals[cpu] = k + cpu;
		bpf_map_update_elem(fd, &k, vals, BPF_ANY);
	}
	s = pk_map_snapshot__new_and_clear(fd, &sum);
	CHECK(s != NULL);
	CHECK(pk_map_snapshot__batched(s));
	CHECK_INT(pk_map_snapshot__count(s), 20);
	pk_map_snapshot__sort(s, by_key, NULL);
	for (k = 0; k < pk_map_snapshot__count(s); k++)
		CHECK_INT(*(const __u64 *)pk_map_snapshot__value(s, k),
			  k * ncpu + ncpu * (ncpu - 1) / 2);
	pk_map_snapshot__free(s);
	s = pk_map_snapshot__new(fd, NULL);
	CHECK_INT(pk_map_snapshot__count(s), 0);
	pk_map_snapshot__free(s);
	free(vals);
	close(fd);
}
