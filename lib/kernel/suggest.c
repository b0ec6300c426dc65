// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Nearest names for "did you mean ...?" messages. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <probekit/suggest.h>

/* Longer names are compared only by containment: the table stays small. */
#define MAX_LEN 256

struct pick {
	char *name;
	size_t dist, prefix, len;
};

struct pk_suggest {
	char *name;
	size_t len, limit, max, nr;
	struct pick picks[];
};

#define MIN(a, b) ((a) < (b) ? (a) : (b))

size_t pk_edit_distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best;
	size_t rows[3][MAX_LEN + 1], *pp, *p, *c;

	if ((la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	if (la > MAX_LEN || lb > MAX_LEN)
		return strcmp(a, b) ? limit + 1 : 0;
	for (j = 0; j <= lb; j++)
		rows[0][j] = j;
	for (i = 1; i <= la; i++) {
		/* row i lives in rows[i % 3] */
		pp = rows[(i + 1) % 3];
		p = rows[(i + 2) % 3];
		c = rows[i % 3];
		c[0] = i;
		best = c[0];
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];

			c[j] = MIN(MIN(p[j] + 1, c[j - 1] + 1), p[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				c[j] = MIN(c[j], pp[j - 2] + 1);
			best = MIN(best, c[j]);
		}
		if (best > limit)
			return limit + 1;
	}
	return MIN(rows[la % 3][lb], limit + 1);
}

struct pk_suggest *pk_suggest__new(const char *name, size_t max)
{
	struct pk_suggest *s;

	if (!name || !max || max > 64) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s) + max * sizeof(s->picks[0]));
	if (!s)
		return NULL;
	s->name = strdup(name);
	if (!s->name) {
		free(s);
		return NULL;
	}
	s->len = strlen(name);
	/* a typo or three, whatever the length: long names share long prefixes */
	s->limit = s->len / 4 < 1 ? 1 : s->len / 4 > 3 ? 3 : s->len / 4;
	s->max = max;
	return s;
}

void pk_suggest__free(struct pk_suggest *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr; i++)
		free(s->picks[i].name);
	free(s->name);
	free(s);
}

/* Whether @a ranks before @b. */
static bool nearer(const struct pick *a, const struct pick *b)
{
	if (a->dist != b->dist)
		return a->dist < b->dist;
	if (a->prefix != b->prefix)
		return a->prefix > b->prefix;
	if (a->len != b->len)
		return a->len < b->len;
	return strcmp(a->name, b->name) < 0;
}

int pk_suggest__add(struct pk_suggest *s, const char *cand)
{
	struct pick p = { .name = (char *)cand };
	size_t i, pos;

	if (!s || !cand || !cand[0] || !strcmp(cand, s->name))
		return 0;
	p.len = strlen(cand);
	p.dist = pk_edit_distance(s->name, cand, s->limit);
	if (p.dist > s->limit) {
		/* a part of the name, or the name in a longer one, ranks after typos */
		if (s->len < 3 || p.len < 3 || (!strstr(cand, s->name) && !strstr(s->name, cand)))
			return 0;
		p.dist = s->limit + 1;
	}
	while (p.prefix < p.len && cand[p.prefix] == s->name[p.prefix])
		p.prefix++;
	for (i = 0; i < s->nr; i++) {
		if (!strcmp(s->picks[i].name, cand))
			return 0;
	}
	for (pos = s->nr; pos && nearer(&p, &s->picks[pos - 1]); pos--)
		;
	if (pos >= s->max)
		return 0;
	p.name = strdup(cand);
	if (!p.name)
		return -ENOMEM;
	if (s->nr == s->max)
		free(s->picks[--s->nr].name);
	memmove(&s->picks[pos + 1], &s->picks[pos], (s->nr - pos) * sizeof(p));
	s->picks[pos] = p;
	s->nr++;
	return 0;
}

size_t pk_suggest__count(const struct pk_suggest *s)
{
	return s ? s->nr : 0;
}

const char *pk_suggest__name(const struct pk_suggest *s, size_t i)
{
	return s && i < s->nr ? s->picks[i].name : NULL;
}

size_t pk_suggest__format(const struct pk_suggest *s, const char *fmt, char *buf, size_t size)
{
	size_t i, len = 0, nr = pk_suggest__count(s);
	char item[MAX_LEN + 64];

	if (size)
		buf[0] = '\0';
	for (i = 0; i < nr; i++) {
		if (fmt)
			snprintf(item, sizeof(item), fmt, s->picks[i].name);
		else
			snprintf(item, sizeof(item), "%s", s->picks[i].name);
		len += snprintf(buf + MIN(len, size), len < size ? size - len : 0, "%s%s",
				!i ? "" : i + 1 == nr ? " or " : ", ", item);
	}
	return nr;
}

int pk_suggest__add_cb(const char *candidate, void *suggest)
{
	return pk_suggest__add(suggest, candidate);
}
