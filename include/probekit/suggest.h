/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_SUGGEST_H
#define PROBEKIT_SUGGEST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * "Did you mean ...?": the names nearest to a misspelt one among
 * candidates handed in one by one (from kallsyms, tracefs, a symbol
 * table...), so nothing needs to be gathered first.
 *
 *	struct pk_suggest *s = pk_suggest__new("tcp_v4_conect", 3);
 *	for (each known name)
 *		pk_suggest__add(s, name);
 *	if (pk_suggest__format(s, buf, sizeof(buf)))
 *		fprintf(stderr, "... not found; did you mean %s?\n", buf);
 *	pk_suggest__free(s);
 *
 * A candidate is near when its edit distance (insertions, deletions,
 * substitutions and swaps of neighbours) is at most a quarter of the
 * name's length (at least 1, at most 3), or when it contains the name or
 * the name contains it. The nearest come first: smaller distance, then longer common
 * prefix, then shorter, then alphabetical.
 */
struct pk_suggest;

/* Keeps up to @max (1..64) names; NULL with errno set on failure. */
struct pk_suggest *pk_suggest__new(const char *name, size_t max);
void pk_suggest__free(struct pk_suggest *s);
/* Considers @candidate (copied when kept). Returns 0 or -ENOMEM. */
int pk_suggest__add(struct pk_suggest *s, const char *candidate);
/* How many names are kept, and the @i-th nearest. */
size_t pk_suggest__count(const struct pk_suggest *s);
const char *pk_suggest__name(const struct pk_suggest *s, size_t i);
/*
 * The kept names as "a, b or c", each decorated by @fmt if not NULL (a
 * printf format with one %s, such as "t:%s" or "'%s'"). Returns how many
 * names were written, 0 (and "") when none are near.
 */
size_t pk_suggest__format(const struct pk_suggest *s, const char *fmt, char *buf, size_t size);

/* pk_suggest__add() as a pk_target_fn (probekit/targets.h): candidates
 * straight from a walker. Returns 0, or -ENOMEM, which stops the walk. */
int pk_suggest__add_cb(const char *candidate, void *suggest);

/* The edit distance of @a and @b (optimal string alignment), at most @limit + 1. */
size_t pk_edit_distance(const char *a, const char *b, size_t limit);

#ifdef __cplusplus
}
#endif
#endif
