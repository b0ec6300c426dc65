// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Keeping the cache (cache.c) bounded: after each new entry, one walk
 * removes other kernels' and compilers' entries, broken and half-written
 * ones, then the least recently used while over the bound. Nothing used in
 * the last PRUNE_GRACE seconds goes: another process may be about to read it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base.h"

#define PRUNE_GRACE    (10 * 60)
#define DEFAULT_MAX_MB 256

struct entry {
	char path[PATH_MAX];
	time_t used;
	off_t bytes;
};

struct walk {
	const char *scope;
	const struct pk__digest *context;
	time_t now;
	struct entry *v;
	size_t n, cap;
	off_t total;
};

static void remove_entry(const char *path)
{
	char sum[PATH_MAX + 8];

	snprintf(sum, sizeof(sum), "%s" PK__CACHE_SUM, path);
	unlink(path);
	unlink(sum);
	snprintf(sum, sizeof(sum), "%s" PK__CACHE_OK, path);
	unlink(sum);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* One entry (by its header, @sum) of the walk: removed, or counted. */
static void visit_entry(struct walk *w, const char *sum, const struct stat *st, bool in_scope)
{
	char path[PATH_MAX];
	struct pk__cache_header h;
	struct stat pst;
	bool old = w->now - st->st_mtime > PRUNE_GRACE;
	char why[64];

	snprintf(path, sizeof(path), "%.*s", (int)(strlen(sum) - strlen(PK__CACHE_SUM)), sum);
	if (pk__cache_header_read(path, &h, why, sizeof(why)) ||
	    (in_scope && memcmp(h.context.b, w->context->b, sizeof(h.context.b)))) {
		if (old)
			remove_entry(path);
		return;
	}
	if (w->n == w->cap) {
		struct entry *v = realloc(w->v, (w->cap * 2 + 16) * sizeof(*v));

		if (!v)
			return;
		w->v = v;
		w->cap = w->cap * 2 + 16;
	}
	snprintf(w->v[w->n].path, sizeof(w->v[w->n].path), "%s", path);
	w->v[w->n].used = st->st_mtime;
	w->v[w->n].bytes = st->st_size + (lstat(path, &pst) ? 0 : pst.st_size);
	w->total += w->v[w->n].bytes;
	w->n++;
}

static void walk_dir(struct walk *w, const char *dir, int depth, bool in_scope)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (depth > 3 || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		const char *name = e->d_name;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
		    lstat(path, &st))
			continue;
		bool old = w->now - st.st_mtime > PRUNE_GRACE;
		char sum[PATH_MAX + 8];

		if (S_ISDIR(st.st_mode)) {
			walk_dir(w, path, depth + 1,
				 in_scope || (depth == 0 && !strcmp(name, w->scope)));
			/* an emptied directory of another kernel's goes too (not a
			 * new one, which a process may be about to fill) */
			if (depth > 0 && old)
				rmdir(path);
		} else if (ends_with(name, PK__CACHE_SUM)) {
			visit_entry(w, path, &st, in_scope);
		} else if (S_ISREG(st.st_mode) && old) {
			/* a temporary file or a payload without its header: left
			 * by a process that died; a check's memo goes with its entry */
			if (ends_with(name, PK__CACHE_OK))
				path[strlen(path) - strlen(PK__CACHE_OK)] = '\0';
			snprintf(sum, sizeof(sum), "%s" PK__CACHE_SUM, path);
			if (ends_with(name, PK__CACHE_OK))
				strcat(path, PK__CACHE_OK);
			if (!strncmp(name, ".tmp-", 5) || access(sum, F_OK))
				unlink(path);
		}
	}
	closedir(d);
}

static int by_use(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return (x->used > y->used) - (x->used < y->used);
}

static off_t max_bytes(void)
{
	const char *env = getenv("PROBEKIT_CACHE_MAX_MB");
	char *end;
	unsigned long mb = env ? strtoul(env, &end, 10) : 0;

	if (!env || !*env || *end || mb > (1UL << 20))
		mb = DEFAULT_MAX_MB;
	return (off_t)mb << 20;
}

void pk__cache_prune(const struct pk__cache *c, const char *sub, const struct pk__digest *context)
{
	struct walk w = {.scope = sub, .context = context, .now = time(NULL)};
	off_t max = max_bytes();

	walk_dir(&w, c->dir, 0, false);
	if (w.n)
		qsort(w.v, w.n, sizeof(*w.v), by_use);
	for (size_t i = 0; i < w.n && w.total > max; i++) {
		if (w.now - w.v[i].used <= PRUNE_GRACE)
			break;
		remove_entry(w.v[i].path);
		w.total -= w.v[i].bytes;
	}
	free(w.v);
}
