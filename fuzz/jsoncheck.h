/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the fuzz targets that print JSON: a strict checker of one line. */
#ifndef PK_FUZZ_JSONCHECK_H
#define PK_FUZZ_JSONCHECK_H

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* A small JSON checker: returns the position after one value, or NULL. */
static const char *value(const char *s, int depth);

static const char *ws(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

static const char *string(const char *s)
{
	if (*s++ != '"')
		return NULL;
	for (; *s != '"'; s++) {
		if ((unsigned char)*s < 0x20)
			return NULL;
		if (*s == '\\' && !*++s)
			return NULL;
	}
	return s + 1;
}

static const char *container(const char *s, char close, int depth, int keyed)
{
	s = ws(s + 1);
	if (*s == close)
		return s + 1;
	for (;;) {
		if (keyed) {
			s = string(ws(s));
			if (!s || *(s = ws(s)) != ':')
				return NULL;
			s++;
		}
		s = value(ws(s), depth + 1);
		if (!s)
			return NULL;
		s = ws(s);
		if (*s == close)
			return s + 1;
		if (*s++ != ',')
			return NULL;
	}
}

static const char *value(const char *s, int depth)
{
	if (depth > 64)
		return NULL;
	if (*s == '{')
		return container(s, '}', depth, 1);
	if (*s == '[')
		return container(s, ']', depth, 0);
	if (*s == '"')
		return string(s);
	if (!strncmp(s, "null", 4) || !strncmp(s, "true", 4))
		return s + 4;
	if (!strncmp(s, "false", 5))
		return s + 5;
	if (*s == '-' || isdigit((unsigned char)*s)) {
		s += *s == '-';
		while (isdigit((unsigned char)*s) || *s == '.' || *s == 'e' || *s == 'E' ||
		       *s == '+' || *s == '-')
			s++;
		return s;
	}
	return NULL;
}

/* Whether @s is exactly one JSON value. */
static inline int json_valid(const char *s)
{
	const char *end = value(s, 0);

	return end && !*end;
}

/* Whether @out[0..@len) is lines of one JSON value each, every line ended; cuts them up. */
static inline int json_lines_valid(char *out, size_t len)
{
	char *line = out, *nl;

	if (len && out[len - 1] != '\n')
		return 0;
	for (; line < out + len; line = nl + 1) {
		nl = memchr(line, '\n', out + len - line);
		*nl = '\0';
		if (!json_valid(line)) {
			fprintf(stderr, "BAD JSON: %s\n", line);
			return 0;
		}
	}
	return 1;
}

#endif
