/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bcc's map conveniences for libbpf programs, so that BPF code reads like
 * bcc's without its rewriter:
 *
 *	__u64 zero = 0, *val = pk_lookup_or_try_init(&stats, &key, &zero);
 *	if (val)
 *		(*val)++;
 *	pk_increment(&counts, &uid);		   // bcc's counts.increment(uid)
 *	pk_increment(&dist, &(__u32){ pk_log2l(delta) });  // a print_log2_hist slot
 *
 * Include it after vmlinux.h and <bpf/bpf_helpers.h>.
 */
#ifndef PROBEKIT_MAPS_BPF_H
#define PROBEKIT_MAPS_BPF_H

#ifndef EEXIST
#define EEXIST 17
#endif

/*
 * The value for @key, created from @init when it is missing (bcc's
 * lookup_or_try_init). NULL when the map is full. Another CPU creating the
 * entry first is fine: the entry it made is returned.
 */
static __always_inline void *pk_lookup_or_try_init(void *map, const void *key, const void *init)
{
	void *val = bpf_map_lookup_elem(map, key);
	long err;

	if (val)
		return val;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return 0;
	return bpf_map_lookup_elem(map, key);
}

/* Adds @n to the u64 counter at @key, creating it at 0 (bcc's increment(key, n)). */
static __always_inline void pk_increment_by(void *map, const void *key, __u64 n)
{
	__u64 zero = 0, *val = pk_lookup_or_try_init(map, key, &zero);

	if (val)
		__sync_fetch_and_add(val, n);
}

#define pk_increment(map, key) pk_increment_by(map, key, 1)

/* floor(log2(v)) for v > 0, 0 for 0. */
static __always_inline __u32 pk_log2(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

/*
 * The log2 histogram slot of @v as bcc numbers them: 1 for 0 and 1, 2 for
 * 2-3, 3 for 4-7... (pk_print_log2_hist() prints these slots).
 */
static __always_inline __u32 pk_log2l(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? pk_log2(hi) + 32 + 1 : pk_log2((__u32)v) + 1;
}

#endif
