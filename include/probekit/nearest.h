/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_NEAREST_H
#define PROBEKIT_NEAREST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * "Did you mean" for names that do not exist: the @max names of @cands
 * closest to @name by edit distance (at most a fifth of its length, and at
 * least 2), written to @out as "a, b, c". Returns how many were written.
 */
int pk_nearest_names(const char *name, const char *const *cands, size_t n, size_t max, char *out,
		     size_t size);

/*
 * The same for the target of a program's section name: tracepoints
 * ("tracepoint/cat/event", from tracefs), kernel functions ("fentry/",
 * "kprobe/", from the kernel's BTF) and raw tracepoints ("tp_btf/",
 * "raw_tp/"). Returns how many were written, 0 when none is close.
 */
int pk_nearest_targets(const char *sec_name, size_t max, char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif
