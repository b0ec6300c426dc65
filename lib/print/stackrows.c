// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A line of a PK_STACK_ROWS_FORMAT() (bpf/maps.bpf.h) as tokens: literal
 * text, "{NAME}" or "{NAME:rev}" (a member, the count, a frame),
 * "{?NAME}" (the line only when NAME holds), "{{" (a literal '{').
 * stackprint.c gives the names their meaning; this only splits.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "print.h"

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* "{" at @s: the token it opens, and its length in @s; 0 when malformed. */
static size_t placeholder(const char *s, size_t len, struct pk__rows_tok *t)
{
	size_t i = 1, name;

	t->kind = PK_ROWS_FIELD;
	t->rev = false;
	if (i < len && s[i] == '?') {
		t->kind = PK_ROWS_WHEN;
		i++;
	}
	for (name = i; i < len && name_char(s[i]); i++)
		;
	if (i == name || i == len)
		return 0;
	t->s = s + name;
	t->len = i - name;
	if (t->kind == PK_ROWS_FIELD && len - i > 4 && !strncmp(s + i, ":rev", 4)) {
		t->rev = true;
		i += 4;
	}
	return s[i] == '}' ? i + 1 : 0;
}

int pk__rows_line(const char *line, size_t len, struct pk__rows_tok *toks, int max)
{
	size_t i = 0, used;
	int n = 0;

	while (i < len) {
		if (n == max)
			return -E2BIG;
		if (line[i] == '{' && i + 1 < len && line[i + 1] == '{') {
			toks[n++] = (struct pk__rows_tok){ .kind = PK_ROWS_TEXT, .s = line + i,
							    .len = 1 };
			i += 2;
			continue;
		}
		if (line[i] == '{') {
			used = placeholder(line + i, len - i, &toks[n++]);
			if (!used)
				return -EINVAL;
			i += used;
			continue;
		}
		toks[n] = (struct pk__rows_tok){ .kind = PK_ROWS_TEXT, .s = line + i };
		while (i < len && line[i] != '{' && line[i] != '\n')
			i++, toks[n].len++;
		if (i < len && line[i] == '\n')
			return -EINVAL;
		n++;
	}
	return n;
}
