/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_MAPS_H
#define PROBEKIT_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Reading BPF maps from user space, as bcc's items(), keys(), values() and
 * clear() do: a snapshot holds every key and value of a map at one time.
 * Batch lookups are used where the kernel and the map type have them, and
 * get-next-key walks everywhere else.
 */
struct pk_map_read_opts {
	size_t sz;
	/*
	 * Per-CPU maps: add the CPUs' values into one value, word by word
	 * (u64 words when the value size is a multiple of 8, else u32), so
	 * counters and histogram slots come out summed. Without it a per-CPU
	 * value is nr_cpus slots of round_up(value_size, 8) bytes.
	 */
	bool sum_percpu;
	/* walk with get-next-key even where batch lookups work */
	bool no_batch;
	size_t :0;
};
#define pk_map_read_opts__last_field no_batch

struct pk_map_snapshot;

/* Every entry of the map (bcc's items()); NULL with errno set on failure. */
struct pk_map_snapshot *pk_map_snapshot__new(int map_fd, const struct pk_map_read_opts *opts);
/*
 * Every entry, and the map emptied, for tools that print per interval.
 * Hash maps use lookup-and-delete batches (each bucket read and emptied
 * at once), or delete the keys just read; array maps, whose entries cannot
 * be deleted, have the values read set to zero.
 */
struct pk_map_snapshot *pk_map_snapshot__new_and_clear(int map_fd,
						       const struct pk_map_read_opts *opts);
size_t pk_map_snapshot__count(const struct pk_map_snapshot *s);
__u32 pk_map_snapshot__key_size(const struct pk_map_snapshot *s);
/* The size of each value as stored in the snapshot (see sum_percpu). */
__u32 pk_map_snapshot__value_size(const struct pk_map_snapshot *s);
/*
 * Entry @i's key and value, or NULL past the last. The keys are one array
 * (entry i at key(s, 0) + i * key_size), and so are the values: key(s, 0)
 * and value(s, 0) hand over all of them without a copy.
 */
const void *pk_map_snapshot__key(const struct pk_map_snapshot *s, size_t i);
const void *pk_map_snapshot__value(const struct pk_map_snapshot *s, size_t i);
/* Whether the kernel's batch operations were used to take it. */
bool pk_map_snapshot__batched(const struct pk_map_snapshot *s);
/* Orders the entries; @cmp compares two (key, value) pairs like qsort's. */
void pk_map_snapshot__sort(struct pk_map_snapshot *s,
			   int (*cmp)(const void *k1, const void *v1, const void *k2, const void *v2,
				      void *ctx),
			   void *ctx);
void pk_map_snapshot__free(struct pk_map_snapshot *s);

/* Deletes every entry of a hash map, zeroes every value of an array. */
int pk_map_clear(int map_fd);

/* Whether @map_type stores one value per CPU. */
bool pk_map_type_is_percpu(__u32 map_type);
/*
 * Adds up one per-CPU value: @values holds @nr_cpus slots of
 * round_up(value_size, 8) bytes, each starting with a u64 (value_size 8)
 * or a u32 (value_size 4).
 */
__u64 pk_percpu_sum(const void *values, __u32 value_size, int nr_cpus);

/*
 * Reads a histogram map, keyed by slot index (u32 or u64) with u64 or u32
 * values, per-CPU or not, into @vals[0..n) (summed over CPUs; slots past
 * @n are added to the last). Returns 0 or a negative errno.
 */
int pk_map_read_slots(int map_fd, __u64 *vals, size_t n, bool clear);

/*
 * Histograms printed exactly as bcc's print_log2_hist() and
 * print_linear_hist(). Log2 slot i holds values from 2^(i-1) to 2^i - 1,
 * slot 1 also 0, as pk_log2l() in maps.bpf.h computes them.
 */
void pk_print_log2_hist(FILE *out, const __u64 *vals, size_t n, const char *val_type,
			bool strip_leading_zero);
void pk_print_linear_hist(FILE *out, const __u64 *vals, size_t n, const char *val_type,
			  bool strip_leading_zero);

#ifdef __cplusplus
}
#endif
#endif
