// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <probekit/output.h>

/*
 * Length of the valid UTF-8 sequence at @s (at most @n bytes), or 0 when
 * the bytes there are not one: overlong forms, surrogates and code points
 * past U+10FFFF are all invalid.
 */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

/* Writes into dst when there is room, always counts. */
struct sink {
	FILE *f;
	char *dst;
	size_t size, len;
};

static void sink_put(struct sink *k, const char *s, size_t n)
{
	if (k->f) {
		fwrite_unlocked(s, 1, n, k->f);
	} else if (k->len < k->size) {
		size_t room = k->size - k->len - 1;

		memcpy(k->dst + k->len, s, n < room ? n : room);
	}
	k->len += n;
}

static void sink_hex(struct sink *k, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char buf[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	sink_put(k, buf, 4);
}

static void escape_text(struct sink *k, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run;
	uint32_t cp;

	while (i < len && s[i]) {
		/* printable ASCII, the common case, goes out in one piece */
		for (run = i; run < len && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '\\'; run++)
			;
		if (run > i) {
			sink_put(k, (const char *)s + i, run - i);
			i = run;
			continue;
		}
		run = utf8_len(s + i, len - i, &cp);
		if (run && cp >= 0x20 && cp != 0x7f && cp != '\\' && (cp < 0x80 || cp > 0x9f)) {
			sink_put(k, (const char *)s + i, run);
			i += run;
			continue;
		}
		switch (s[i]) {
		case '\\': sink_put(k, "\\\\", 2); break;
		case '\n': sink_put(k, "\\n", 2); break;
		case '\t': sink_put(k, "\\t", 2); break;
		case '\r': sink_put(k, "\\r", 2); break;
		case 0x1b: sink_put(k, "\\e", 2); break;
		default:
			/* a C1 control is two valid bytes: escape both */
			if (run == 2)
				sink_hex(k, s[i++]);
			sink_hex(k, s[i]);
			break;
		}
		i++;
	}
}

void pk_fput_text(FILE *f, const char *s, size_t len)
{
	struct sink k = { .f = f };

	escape_text(&k, s, len);
}

size_t pk_escape_text(char *dst, size_t size, const char *s, size_t len)
{
	struct sink k = { .dst = dst, .size = size };

	escape_text(&k, s, len);
	if (size)
		dst[k.len < size ? k.len : size - 1] = '\0';
	return k.len;
}

void pk_fput_json_str(FILE *f, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run;
	uint32_t cp;
	char u[6] = { '\\', 'u', '0', '0', 0, 0 };

	putc_unlocked('"', f);
	while (i < len && s[i]) {
		for (run = i; run < len && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '\\' &&
			      s[run] != '"';
		     run++)
			;
		if (run > i) {
			fwrite_unlocked(s + i, 1, run - i, f);
			i = run;
			continue;
		}
		run = utf8_len(s + i, len - i, &cp);
		if (run && cp >= 0x20 && cp != '"' && cp != '\\' && cp != 0x7f &&
		    (cp < 0x80 || cp > 0x9f)) {
			fwrite_unlocked(s + i, 1, run, f);
			i += run;
			continue;
		}
		if (run == 1 && (cp == '"' || cp == '\\')) {
			putc_unlocked('\\', f);
			putc_unlocked(cp, f);
		} else if (run == 1 && cp == '\n') {
			fputs_unlocked("\\n", f);
		} else if (run == 1 && cp == '\t') {
			fputs_unlocked("\\t", f);
		} else if (run) {
			/* other control characters, C0 and C1 */
			u[4] = hex[(cp >> 4) & 15];
			u[5] = hex[cp & 15];
			fwrite_unlocked(u, 1, 6, f);
			i += run;
			continue;
		} else {
			/* a byte that is not UTF-8: a lone surrogate carries it */
			fprintf(f, "\\udc%02x", s[i]);
		}
		i++;
	}
	putc_unlocked('"', f);
}

void pk_json_begin(struct pk_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->nonempty = 0;
	j->is_array = 0;
	putc_unlocked('{', f);
}

void pk_json_key(struct pk_json *j, const char *key)
{
	uint64_t bit = 1ULL << j->depth;

	if (j->nonempty & bit)
		putc_unlocked(',', j->f);
	j->nonempty |= bit;
	if (j->is_array & bit)
		return;
	pk_fput_json_str(j->f, key ? key : "", key ? strlen(key) : 0);
	putc_unlocked(':', j->f);
}

static int json_open(struct pk_json *j, const char *key, bool array)
{
	uint64_t bit;

	if (j->depth + 1 >= PK_JSON_MAX_DEPTH)
		return -E2BIG;
	pk_json_key(j, key);
	j->depth++;
	bit = 1ULL << j->depth;
	j->nonempty &= ~bit;
	if (array)
		j->is_array |= bit;
	else
		j->is_array &= ~bit;
	putc_unlocked(array ? '[' : '{', j->f);
	return 0;
}

int pk_json_object_begin(struct pk_json *j, const char *key)
{
	return json_open(j, key, false);
}

int pk_json_array_begin(struct pk_json *j, const char *key)
{
	return json_open(j, key, true);
}

static void json_close(struct pk_json *j)
{
	if (!j->depth)
		return;
	putc_unlocked(j->is_array & (1ULL << j->depth) ? ']' : '}', j->f);
	j->depth--;
}

void pk_json_object_end(struct pk_json *j)
{
	json_close(j);
}

void pk_json_array_end(struct pk_json *j)
{
	json_close(j);
}

void pk_json_int(struct pk_json *j, const char *key, int64_t v)
{
	pk_json_key(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void pk_json_uint(struct pk_json *j, const char *key, uint64_t v)
{
	pk_json_key(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void pk_json_double(struct pk_json *j, const char *key, double v)
{
	pk_json_key(j, key);
	fprintf(j->f, "%.9f", v);
}

void pk_json_bool(struct pk_json *j, const char *key, bool v)
{
	pk_json_key(j, key);
	fputs_unlocked(v ? "true" : "false", j->f);
}

void pk_json_null(struct pk_json *j, const char *key)
{
	pk_json_key(j, key);
	fputs_unlocked("null", j->f);
}

void pk_json_str(struct pk_json *j, const char *key, const char *s, size_t len)
{
	pk_json_key(j, key);
	pk_fput_json_str(j->f, s, len);
}

void pk_json_end(struct pk_json *j)
{
	while (j->depth)
		json_close(j);
	fputs_unlocked("}\n", j->f);
}
