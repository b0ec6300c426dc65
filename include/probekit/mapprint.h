/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_MAPPRINT_H
#define PROBEKIT_MAPPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_map;
struct btf;

/*
 * A whole map printed from its BTF, in the spirit of bcc's items():
 *
 *	stats[{prev_pid=0, curr_pid=3397}] = 86
 *	uidcnt[0] = 12
 *
 * Hash maps are sorted by value, largest first (values that are numbers,
 * or structs whose first member is one); arrays go by index, leaving out
 * entries whose value is all zero bytes. Per-CPU values are summed, or
 * with per_cpu printed as [cpu0, cpu1, ...]. As JSON, one object per
 * entry: {"map": "stats", "key": {...}, "value": 86} ("values" per CPU).
 *
 * A map whose variable carries "pk_table*" decl tags (PK_TABLE and the
 * others of bpf/maps.bpf.h) prints as a table instead, bcc's syscount way:
 *
 *	COMM             COUNT
 *	wl_hog           12346
 *
 * one header line, then a row per entry: the key's columns, the value's,
 * planned as event records are (eventtable.h: members of a struct key or
 * value are columns with their declared formats; a scalar key or value is
 * one column named by "pk_table_key:NAME"/"pk_table_value:NAME", else KEY
 * and VALUE). Rows sort by the column "pk_table_sort:NAME" names (its
 * header or member path; "-NAME" turns the order round), else by the
 * value's first column; numbers largest first, text in order. The first
 * "pk_table_top:N" rows print unless @top says otherwise.
 */
struct pk_map_print_opts {
	size_t sz;
	bool json;
	/* only the first @top entries after sorting; 0 for all */
	size_t top;
	bool per_cpu;
	/* empty the map as it is read (see pk_map_snapshot__new_and_clear()) */
	bool clear;
	/* why a table declaration cannot be printed (-EBADMSG), one line */
	char *why;
	size_t why_size;
	size_t : 0;
};
#define pk_map_print_opts__last_field why_size

/* Returns the number of entries printed, or a negative errno. */
int pk_map__print(FILE *out, const struct bpf_map *map, const struct btf *btf,
		  const struct pk_map_print_opts *opts);

/*
 * The global variables of a loaded .bss, .data or .rodata map, one
 * "name = value" line (or JSON object {"global": name, "value": ...}) each;
 * probekit's own (pk_*) are left out. Returns the number printed.
 */
int pk_map__print_globals(FILE *out, const struct bpf_map *map, const struct btf *btf, bool json);

/*
 * Whether a map is one its program declared to hold data worth printing:
 * not .bss/.data/.rodata/.kconfig, not probekit's own (names starting with
 * "pk_"), and of a type that holds keys and values (hash, array, LRU,
 * per-CPU).
 */
bool pk_map__is_printable(const struct bpf_map *map);

#ifdef __cplusplus
}
#endif
#endif
