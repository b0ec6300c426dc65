/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_HIST_H
#define PROBEKIT_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_map;
struct btf;

/*
 * Histogram maps recognised from their BTF and printed as bcc's
 * print_log2_hist() and print_linear_hist() print them. Two shapes
 * (bpf/maps.bpf.h declares both):
 *
 * - slot -> count: an integer key and an integer value, on a map whose
 *   variable carries the BTF decl tag "pk_hist" (log2) or
 *   "pk_hist:linear:STEP" (PK_HIST(), PK_HIST_LINEAR()); a plain array of
 *   counters has no tag and is not a histogram;
 * - { bucket..., slot } -> count: a struct key whose last member is an
 *   integer named "slot", as PK_HIST_KEYED() makes and bcc's tools write
 *   by hand; log2 unless the map is tagged linear. One histogram per
 *   bucket (the members before slot), sorted by bucket, each under bcc's
 *   section header line "\nNAME = VALUE".
 *
 * The unit label is the "pk_hist_unit:UNIT" tag, else a word of the map's
 * name (usecs, us, nsecs, ns, msecs, ms, secs, bytes, kbytes, pages,
 * sectors...), else "value" as in bcc. A "pk_hist_section:LABEL" tag names
 * a single-member bucket in section headers instead of its member name.
 */
struct pk_hist;

struct pk_hist_desc {
	size_t sz;
	/* the map's name: its decl tags and its unit */
	const char *name;
	__u32 key_type_id;
	__u32 value_type_id;
	__u32 key_size;
	__u32 value_size;
	size_t : 0;
};
#define pk_hist_desc__last_field value_size

/*
 * The histogram a map of this description holds. @btf must outlive it.
 * Returns NULL with errno ENOENT when it holds none, or another errno.
 */
struct pk_hist *pk_hist__recognize(const struct btf *btf, const struct pk_hist_desc *desc);
/* The same for a libbpf map of the object @btf belongs to. */
struct pk_hist *pk_hist__from_map(const struct bpf_map *map, const struct btf *btf);
void pk_hist__free(struct pk_hist *h);

/* the width of a linear slot; 0 for log2 */
__u64 pk_hist__step(const struct pk_hist *h);
bool pk_hist__keyed(const struct pk_hist *h);
const char *pk_hist__unit(const struct pk_hist *h);

struct pk_hist_print_opts {
	size_t sz;
	/*
	 * One JSON object per histogram:
	 * {"map":"read_usecs","unit":"usecs","type":"log2","key":{"pid":42},
	 *  "buckets":[{"low":0,"high":1,"count":3},...]}
	 * ("step" for linear ones, "key" for keyed ones), with the rows the
	 * text shows.
	 */
	bool json;
	/* text: a "NAME:" line before the map's first histogram */
	bool title;
	/* pk_hist__print_map(): empty the map as it is read */
	bool clear;
	size_t : 0;
};
#define pk_hist_print_opts__last_field clear

/*
 * Prints the histograms in @n entries: @keys holds n keys of the
 * description's key_size, @values n values of its value_size (per-CPU
 * values summed). Returns the number of histograms printed (empty ones
 * print nothing, as in bcc), or a negative errno.
 */
int pk_hist__print(const struct pk_hist *h, FILE *out, const void *keys, const void *values,
		   size_t n, const struct pk_hist_print_opts *opts);
/* Reads @map (summing per-CPU values) and prints it as pk_hist__print(). */
int pk_hist__print_map(const struct pk_hist *h, FILE *out, const struct bpf_map *map,
		       const struct pk_hist_print_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
