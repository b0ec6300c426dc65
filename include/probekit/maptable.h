/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_MAPTABLE_H
#define PROBEKIT_MAPTABLE_H

#include <stdbool.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A map the BPF file declares as a table (PK_TABLE_ROW() and friends in
 * bpf/maps.bpf.h): each entry one row, formatted by the file's row format
 * ("{prev_pid:7} {prev_comm:-16} -> {count:8}"), sorted, cut to a top N,
 * emptied after each print where the file says so; in JSON, one object
 * per row with the row's members in order.
 */
struct bpf_map;
struct bpf_object;
struct pk_map_table;

/*
 * For a map of @obj (opened or loaded). NULL with errno 0 when the map is
 * no table; NULL with errno EINVAL and a one-line reason in @why when its
 * declaration names a member the key and value do not have, or is
 * malformed. Globals it names (PK_ROW_TOP(top)) are read when printing.
 */
struct pk_map_table *pk_map_table__new(struct bpf_object *obj, const struct bpf_map *map,
				       char *why, size_t why_size);
/* Whether the header is printed once at the start (PK_ROW_HEADER_ONCE). */
bool pk_map_table__header_once(const struct pk_map_table *t);
/* Prints the header line (text only; nothing without one). */
void pk_map_table__header(const struct pk_map_table *t, FILE *out);
/*
 * Prints the rows, after the header unless it is printed once; with
 * PK_CLEAR, empties the map. Whether it prints at all (PK_TABLE_WHEN/UNLESS)
 * is the object printer's call. @time is the "time" member's text.
 * Returns the number of rows or a negative errno.
 */
int pk_map_table__print(const struct pk_map_table *t, FILE *out, bool json, const char *time);
void pk_map_table__free(struct pk_map_table *t);

#ifdef __cplusplus
}
#endif
#endif
