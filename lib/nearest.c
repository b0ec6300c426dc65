// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Nearest existing names, for errors about names that do not exist. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include <probekit/nearest.h>
#include <probekit/tracefs.h>

#define MAX_NAME 128

/* Levenshtein distance, giving up (returning limit + 1) past @limit. */
static size_t distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[MAX_NAME + 1];

	if (la > MAX_NAME || lb > MAX_NAME || (la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0], best;

		row[0] = i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], v = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			diag = up;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
	}
	return row[lb];
}

struct pick {
	const char *name;
	size_t dist;
};

#define MAX_PICKS 8

struct picks {
	struct pick p[MAX_PICKS];
	size_t n, max, limit;
	const char *want;
};

static void consider(struct picks *ps, const char *cand)
{
	size_t d = distance(ps->want, cand, ps->limit), i;

	if (d > ps->limit || d == 0)
		return;
	for (i = 0; i < ps->n; i++) {
		if (!strcmp(ps->p[i].name, cand))
			return;
	}
	if (ps->n == ps->max && d >= ps->p[ps->n - 1].dist)
		return;
	if (ps->n < ps->max)
		ps->n++;
	for (i = ps->n - 1; i > 0 && ps->p[i - 1].dist > d; i--)
		ps->p[i] = ps->p[i - 1];
	ps->p[i] = (struct pick){ cand, d };
}

static void picks_init(struct picks *ps, const char *name, size_t max)
{
	size_t len = strlen(name);

	ps->n = 0;
	ps->max = max < MAX_PICKS ? max : MAX_PICKS;
	ps->limit = len / 5 > 2 ? len / 5 : 2;
	ps->want = name;
}

static int picks_write(const struct picks *ps, char *out, size_t size)
{
	size_t i, len = 0;

	if (size)
		out[0] = '\0';
	for (i = 0; i < ps->n && len < size; i++)
		len += snprintf(out + len, size - len, "%s%s", i ? ", " : "", ps->p[i].name);
	return (int)ps->n;
}

int pk_nearest_names(const char *name, const char *const *cands, size_t n, size_t max, char *out,
		     size_t size)
{
	struct picks ps;
	size_t i;

	picks_init(&ps, name, max);
	for (i = 0; i < n && ps.max; i++)
		consider(&ps, cands[i]);
	return picks_write(&ps, out, size);
}

/* Candidates are strings that must outlive the picks: keep them all. */
struct pool {
	char **s;
	size_t n, cap;
};

static const char *pool_add(struct pool *pl, const char *s)
{
	char **ns;

	if (pl->n == pl->cap) {
		pl->cap = pl->cap ? pl->cap * 2 : 256;
		ns = realloc(pl->s, pl->cap * sizeof(*ns));
		if (!ns)
			return NULL;
		pl->s = ns;
	}
	return pl->s[pl->n++] = strdup(s);
}

static void pool_free(struct pool *pl)
{
	while (pl->n)
		free(pl->s[--pl->n]);
	free(pl->s);
}

static void tracepoints(struct picks *ps, struct pool *pl)
{
	char path[256], line[MAX_NAME * 2];
	const char *tfs = pk_tracefs_path(), *c;
	FILE *f;

	if (!tfs)
		return;
	snprintf(path, sizeof(path), "%s/available_events", tfs);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] && (c = pool_add(pl, line)))
			consider(ps, c);
	}
	fclose(f);
}

static void btf_names(struct picks *ps, struct pool *pl, int kind, const char *prefix)
{
	struct btf *btf = btf__load_vmlinux_btf();
	size_t plen = strlen(prefix);
	__u32 id, n;

	if (!btf)
		return;
	n = btf__type_cnt(btf);
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name;

		if (btf_kind(t) != kind)
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (!name || strncmp(name, prefix, plen))
			continue;
		if (distance(ps->want, name + plen, ps->limit) <= ps->limit)
			consider(ps, pool_add(pl, name + plen) ?: "");
	}
	btf__free(btf);
}

int pk_nearest_targets(const char *sec, size_t max, char *out, size_t size)
{
	char want[MAX_NAME * 2], *slash;
	struct pool pl = {};
	struct picks ps;
	const char *t = strchr(sec, '/');
	int n;

	if (size)
		out[0] = '\0';
	if (!t || !t[1])
		return 0;
	snprintf(want, sizeof(want), "%s", t + 1);
	want[strcspn(want, "+")] = '\0';
	picks_init(&ps, want, max);
	if (!strncmp(sec, "tracepoint/", 11) || !strncmp(sec, "tp/", 3)) {
		slash = strchr(want, '/');
		if (slash)
			*slash = ':';
		tracepoints(&ps, &pl);
	} else if (!strncmp(sec, "tp_btf/", 7) || !strncmp(sec, "raw_tp/", 7) ||
		   !strncmp(sec, "raw_tracepoint/", 15)) {
		btf_names(&ps, &pl, BTF_KIND_TYPEDEF, "btf_trace_");
	} else if (!strncmp(sec, "fentry/", 7) || !strncmp(sec, "fexit/", 6) ||
		   !strncmp(sec, "kprobe/", 7) || !strncmp(sec, "kretprobe/", 10) ||
		   !strncmp(sec, "fmod_ret/", 9)) {
		btf_names(&ps, &pl, BTF_KIND_FUNC, "");
	}
	n = picks_write(&ps, out, size);
	pool_free(&pl);
	return n;
}
