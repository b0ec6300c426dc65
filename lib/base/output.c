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

#define ESC_MAX 8 /* the longest escape of one character: \xc2\x9b */

/* Bytes that stand for themselves: printable ASCII but for the escapes. */
static const unsigned char text_plain[256] = { [0x20 ... 0x5b] = 1, [0x5d ... 0x7e] = 1 };
static const unsigned char json_plain[256] = { [0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1,
					       [0x5d ... 0x7e] = 1 };
static const char hex[] = "0123456789abcdef";

static size_t put_hex(char *o, unsigned char c)
{
	o[0] = '\\';
	o[1] = 'x';
	o[2] = hex[c >> 4];
	o[3] = hex[c & 15];
	return 4;
}

/* One character that is not plain (nor NUL) at s[*i], escaped for a terminal. */
static size_t text_escape_one(const unsigned char *s, size_t len, size_t *i, char *o)
{
	const char *two = NULL;
	size_t run, n = 0;
	uint32_t cp;

	run = utf8_len(s + *i, len - *i, &cp);
	if (run && cp >= 0x20 && cp != 0x7f && cp != '\\' && (cp < 0x80 || cp > 0x9f)) {
		memcpy(o, s + *i, run);
		*i += run;
		return run;
	}
	switch (s[*i]) {
	case '\\': two = "\\\\"; break;
	case '\n': two = "\\n"; break;
	case '\t': two = "\\t"; break;
	case '\r': two = "\\r"; break;
	case 0x1b: two = "\\e"; break;
	}
	if (two) {
		memcpy(o, two, 2);
		n = 2;
	} else {
		/* a C1 control is two valid bytes: escape both */
		if (run == 2)
			n = put_hex(o, s[(*i)++]);
		n += put_hex(o + n, s[*i]);
	}
	(*i)++;
	return n;
}

/* The same for a JSON string: \uXXXX, and \udcXX for a byte that is not UTF-8. */
static size_t json_escape_one(const unsigned char *s, size_t len, size_t *i, char *o)
{
	size_t run;
	uint32_t cp;

	run = utf8_len(s + *i, len - *i, &cp);
	if (run && cp >= 0x20 && cp != '"' && cp != '\\' && cp != 0x7f &&
	    (cp < 0x80 || cp > 0x9f)) {
		memcpy(o, s + *i, run);
		*i += run;
		return run;
	}
	o[0] = '\\';
	if (run == 1 && (cp == '"' || cp == '\\' || cp == '\n' || cp == '\t')) {
		o[1] = cp == '\n' ? 'n' : cp == '\t' ? 't' : (char)cp;
		*i += 1;
		return 2;
	}
	if (run) {
		/* other control characters, C0 and C1 */
		memcpy(o + 1, "u00", 3);
		o[4] = hex[(cp >> 4) & 15];
		o[5] = hex[cp & 15];
		*i += run;
		return 6;
	}
	/* a byte that is not UTF-8: a lone surrogate carries it */
	memcpy(o + 1, "udc", 3);
	o[4] = hex[s[*i] >> 4];
	o[5] = hex[s[*i] & 15];
	*i += 1;
	return 6;
}

/*
 * Escapes s[*pos..len) into @o until the input ends (at @len or a NUL) or
 * fewer than ESC_MAX bytes of @room are left; returns the bytes written and
 * sets *done at the end of the input.
 */
static size_t escape_some(bool json, const unsigned char *s, size_t len, size_t *pos, char *o,
			  size_t room, bool *done)
{
	const unsigned char *plain = json ? json_plain : text_plain;
	size_t i = *pos, n = 0;

	*done = false;
	for (;;) {
		/* printable ASCII, the common case, is copied as it is scanned */
		while (i < len && n < room && plain[s[i]])
			o[n++] = s[i++];
		if (i >= len || !s[i]) {
			*done = true;
			break;
		}
		if (room - n < ESC_MAX)
			break;
		n += json ? json_escape_one(s, len, &i, o + n) : text_escape_one(s, len, &i, o + n);
	}
	*pos = i;
	return n;
}

/*
 * The layouts behind struct pk_line and struct pk_json, which the header
 * keeps opaque: the library's own, free to change within the storage the
 * header reserves. may_alias: that storage is declared as the public type.
 */
#define PK_LINE_SIZE 1024

struct __attribute__((may_alias)) line {
	FILE *f;
	size_t len;
	/* bytes of this line already handed to f */
	size_t spilled;
	char buf[PK_LINE_SIZE];
};

struct __attribute__((may_alias)) json {
	FILE *f;
	unsigned int depth;
	/* bit d set: the container at depth d already holds a value */
	uint64_t nonempty;
	/* bit d set: the container at depth d is an array */
	uint64_t is_array;
	struct pk_line line;
};

_Static_assert(sizeof(struct line) <= sizeof(struct pk_line) &&
		   _Alignof(struct line) <= _Alignof(struct pk_line),
	       "struct pk_line's storage holds a line");
_Static_assert(sizeof(struct json) <= sizeof(struct pk_json) &&
		   _Alignof(struct json) <= _Alignof(struct pk_json),
	       "struct pk_json's storage holds a json");
_Static_assert(PK_JSON_MAX_DEPTH < 64, "one bit per depth in a uint64_t");

static inline struct line *L(const struct pk_line *l)
{
	return (struct line *)l;
}

static inline struct json *J(const struct pk_json *j)
{
	return (struct json *)j;
}

/* Lines --------------------------------------------------------------------- */

static void line_spill(struct pk_line *l)
{
	if (L(l)->len && L(l)->f)
		fwrite_unlocked(L(l)->buf, 1, L(l)->len, L(l)->f);
	L(l)->spilled += L(l)->len;
	L(l)->len = 0;
}

/* Room for @n (<= PK_LINE_SIZE) more bytes. */
static inline char *line_room(struct pk_line *l, size_t n)
{
	if (PK_LINE_SIZE - L(l)->len < n)
		line_spill(l);
	return L(l)->buf + L(l)->len;
}

void pk_line__begin(struct pk_line *l, FILE *f)
{
	L(l)->f = f;
	L(l)->len = 0;
	L(l)->spilled = 0;
}

void pk_line__raw(struct pk_line *l, const char *s, size_t len)
{
	size_t n;

	while (len) {
		if (L(l)->len == PK_LINE_SIZE)
			line_spill(l);
		n = PK_LINE_SIZE - L(l)->len;
		if (n > len)
			n = len;
		memcpy(L(l)->buf + L(l)->len, s, n);
		L(l)->len += n;
		s += n;
		len -= n;
	}
}

void pk_line__str(struct pk_line *l, const char *s)
{
	pk_line__raw(l, s, strlen(s));
}

void pk_line__char(struct pk_line *l, char c)
{
	*line_room(l, 1) = c;
	L(l)->len++;
}

static void line_escape(struct pk_line *l, bool json, const char *s, size_t len)
{
	size_t pos = 0;
	bool done = false;

	while (!done) {
		char *o = line_room(l, ESC_MAX);

		L(l)->len += escape_some(json, (const unsigned char *)s, len, &pos, o,
					 PK_LINE_SIZE - L(l)->len, &done);
		if (!done)
			line_spill(l);
	}
}

void pk_line__text(struct pk_line *l, const char *s, size_t len)
{
	line_escape(l, false, s, len);
}

void pk_line__json_str(struct pk_line *l, const char *s, size_t len)
{
	pk_line__char(l, '"');
	line_escape(l, true, s, len);
	pk_line__char(l, '"');
}

static void line_spaces(struct pk_line *l, size_t n)
{
	size_t k;

	while (n) {
		if (L(l)->len == PK_LINE_SIZE)
			line_spill(l);
		k = PK_LINE_SIZE - L(l)->len;
		if (k > n)
			k = n;
		memset(L(l)->buf + L(l)->len, ' ', k);
		L(l)->len += k;
		n -= k;
	}
}

/* @s (at most 64 bytes) in a column of @width, printf's way */
static void line_field(struct pk_line *l, const char *s, size_t n, int width)
{
	size_t w = width < 0 ? -(size_t)width : (size_t)width;
	size_t pad = w > n ? w - n : 0;
	char *o;

	if (n + pad <= 64) {
		o = line_room(l, n + pad);
		if (width > 0) {
			memset(o, ' ', pad);
			memcpy(o + pad, s, n);
		} else {
			memcpy(o, s, n);
			memset(o + n, ' ', pad);
		}
		L(l)->len += n + pad;
		return;
	}
	if (width > 0)
		line_spaces(l, pad);
	pk_line__raw(l, s, n);
	if (width < 0)
		line_spaces(l, pad);
}

static const char digits2[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
			      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
			      "8081828384858687888990919293949596979899";

/* The decimal digits of @v, ending at @end; returns where they start. */
static char *dec(char *end, uint64_t v)
{
	while (v >= 100) {
		unsigned int r = v % 100;

		v /= 100;
		end -= 2;
		memcpy(end, digits2 + 2 * r, 2);
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, digits2 + 2 * v, 2);
	} else {
		*--end = '0' + v;
	}
	return end;
}

void pk_line__uint(struct pk_line *l, uint64_t v, int width)
{
	char buf[24], *p = dec(buf + sizeof(buf), v);

	line_field(l, p, buf + sizeof(buf) - p, width);
}

void pk_line__int(struct pk_line *l, int64_t v, int width)
{
	char buf[24], *p = dec(buf + sizeof(buf), v < 0 ? -(uint64_t)v : (uint64_t)v);

	if (v < 0)
		*--p = '-';
	line_field(l, p, buf + sizeof(buf) - p, width);
}

void pk_line__octal(struct pk_line *l, uint64_t v, int digits)
{
	char buf[48], *end = buf + sizeof(buf), *p = end;

	do {
		*--p = '0' + (v & 7);
		v >>= 3;
	} while (v);
	while (end - p < digits && p > buf)
		*--p = '0';
	line_field(l, p, end - p, 0);
}

static const uint64_t pow10[] = { 1,	   10,	     100,	1000,	    10000,
				  100000, 1000000, 10000000, 100000000, 1000000000 };

/*
 * @v * 10^@decimals rounded to an integer exactly as printf rounds it (to
 * nearest, ties to even, on the exact binary value), when it fits in 60
 * bits: v is m * 2^e, so the product is an integer times a power of two.
 */
static bool scaled_exactly(double v, int decimals, uint64_t *q)
{
	uint64_t bits, m, p = pow10[decimals];
	unsigned __int128 prod, rest, half;
	int exp, e;

	memcpy(&bits, &v, sizeof(bits));
	exp = (bits >> 52) & 0x7ff;
	m = bits & ((1ULL << 52) - 1);
	if (exp == 0x7ff)
		return false;
	e = exp ? exp - 1075 : -1074;
	if (exp)
		m |= 1ULL << 52;
	if (e >= 0) {
		/* an integer: only small enough ones */
		if (e > 7 || (m << e) > (1ULL << 60) / p)
			return false;
		*q = (m << e) * p;
		return true;
	}
	if (-e >= 127) {
		*q = 0; /* below 2^-127 * 2^83: rounds to 0 */
		return true;
	}
	prod = (unsigned __int128)m * p;
	if ((prod >> -e) >= (1ULL << 60))
		return false;
	*q = (uint64_t)(prod >> -e);
	rest = prod & (((unsigned __int128)1 << -e) - 1);
	half = (unsigned __int128)1 << (-e - 1);
	if (rest > half || (rest == half && (*q & 1)))
		(*q)++;
	return true;
}

void pk_line__fixed(struct pk_line *l, double v, int decimals, int width)
{
	char buf[48], *end = buf + sizeof(buf), *p = end;
	uint64_t q, bits;
	int i;

	if (decimals < 0 || decimals > 9 || !scaled_exactly(v, decimals, &q)) {
		/* rare: huge, non-finite or very precise values */
		line_spill(l);
		if (L(l)->f)
			L(l)->spilled += fprintf(L(l)->f, "%*.*f", width, decimals, v);
		return;
	}
	for (i = 0; i < decimals; i++) {
		*--p = '0' + q % 10;
		q /= 10;
	}
	if (decimals)
		*--p = '.';
	p = dec(p, q);
	memcpy(&bits, &v, sizeof(bits));
	if (bits >> 63)
		*--p = '-';
	line_field(l, p, end - p, width);
}

size_t pk_line__mark(const struct pk_line *l)
{
	return L(l)->spilled + L(l)->len;
}

void pk_line__pad(struct pk_line *l, size_t mark, int width)
{
	size_t used = L(l)->spilled + L(l)->len - mark;

	if (width > 0 && used < (size_t)width)
		line_spaces(l, width - used);
}

void pk_line__flush(struct pk_line *l)
{
	line_spill(l);
}

void pk_line__end(struct pk_line *l)
{
	pk_line__char(l, '\n');
	line_spill(l);
}

/* The old interfaces, on top of lines ---------------------------------------- */

void pk_fput_text(FILE *f, const char *s, size_t len)
{
	struct pk_line l;

	pk_line__begin(&l, f);
	pk_line__text(&l, s, len);
	pk_line__flush(&l);
}

size_t pk_escape_text(char *dst, size_t size, const char *s, size_t len)
{
	char tmp[256];
	size_t pos = 0, total = 0, n, k;
	bool done = false;

	while (!done) {
		n = escape_some(false, (const unsigned char *)s, len, &pos, tmp, sizeof(tmp), &done);
		if (total + 1 < size) {
			k = size - 1 - total;
			memcpy(dst + total, tmp, n < k ? n : k);
		}
		total += n;
	}
	if (size)
		dst[total < size ? total : size - 1] = '\0';
	return total;
}

void pk_fput_json_str(FILE *f, const char *s, size_t len)
{
	struct pk_line l;

	pk_line__begin(&l, f);
	pk_line__json_str(&l, s, len);
	pk_line__flush(&l);
}

/* JSON ----------------------------------------------------------------------- */

void pk_json__begin(struct pk_json *j, FILE *f)
{
	J(j)->f = f;
	J(j)->depth = 0;
	J(j)->nonempty = 0;
	J(j)->is_array = 0;
	pk_line__begin(&J(j)->line, f);
	pk_line__char(&J(j)->line, '{');
}

void pk_json__key(struct pk_json *j, const char *key)
{
	uint64_t bit = 1ULL << J(j)->depth;

	bool comma = J(j)->nonempty & bit;
	size_t n, i;
	char *o;

	J(j)->nonempty |= bit;
	if (J(j)->is_array & bit) {
		if (comma)
			pk_line__char(&J(j)->line, ',');
		return;
	}
	key = key ? key : "";
	n = strlen(key);
	/* keys are short plain words: ,"key": in one piece */
	if (n <= 64) {
		o = line_room(&J(j)->line, n + 4);
		o[0] = ',';
		o += comma;
		o[0] = '"';
		for (i = 0; i < n && json_plain[(unsigned char)key[i]]; i++)
			o[i + 1] = key[i];
		if (i == n) {
			o[n + 1] = '"';
			o[n + 2] = ':';
			L(&J(j)->line)->len += comma + n + 3;
			return;
		}
	}
	if (comma)
		pk_line__char(&J(j)->line, ',');
	pk_line__json_str(&J(j)->line, key, n);
	pk_line__char(&J(j)->line, ':');
}

static int json_open(struct pk_json *j, const char *key, bool array)
{
	uint64_t bit;

	if (J(j)->depth + 1 >= PK_JSON_MAX_DEPTH)
		return -E2BIG;
	pk_json__key(j, key);
	J(j)->depth++;
	bit = 1ULL << J(j)->depth;
	J(j)->nonempty &= ~bit;
	if (array)
		J(j)->is_array |= bit;
	else
		J(j)->is_array &= ~bit;
	pk_line__char(&J(j)->line, array ? '[' : '{');
	return 0;
}

int pk_json__object_begin(struct pk_json *j, const char *key)
{
	return json_open(j, key, false);
}

int pk_json__array_begin(struct pk_json *j, const char *key)
{
	return json_open(j, key, true);
}

static void json_close(struct pk_json *j)
{
	if (!J(j)->depth)
		return;
	pk_line__char(&J(j)->line, J(j)->is_array & (1ULL << J(j)->depth) ? ']' : '}');
	J(j)->depth--;
}

void pk_json__object_end(struct pk_json *j)
{
	json_close(j);
}

void pk_json__array_end(struct pk_json *j)
{
	json_close(j);
}

void pk_json__int(struct pk_json *j, const char *key, int64_t v)
{
	pk_json__key(j, key);
	pk_line__int(&J(j)->line, v, 0);
}

void pk_json__uint(struct pk_json *j, const char *key, uint64_t v)
{
	pk_json__key(j, key);
	pk_line__uint(&J(j)->line, v, 0);
}

void pk_json__double(struct pk_json *j, const char *key, double v)
{
	uint64_t bits;

	pk_json__key(j, key);
	memcpy(&bits, &v, sizeof(bits));
	/* JSON has no NaN or infinity */
	if (((bits >> 52) & 0x7ff) == 0x7ff)
		pk_line__raw(&J(j)->line, "null", 4);
	else
		pk_line__fixed(&J(j)->line, v, 9, 0);
}

void pk_json__bool(struct pk_json *j, const char *key, bool v)
{
	pk_json__key(j, key);
	if (v)
		pk_line__raw(&J(j)->line, "true", 4);
	else
		pk_line__raw(&J(j)->line, "false", 5);
}

void pk_json__null(struct pk_json *j, const char *key)
{
	pk_json__key(j, key);
	pk_line__raw(&J(j)->line, "null", 4);
}

void pk_json__str(struct pk_json *j, const char *key, const char *s, size_t len)
{
	pk_json__key(j, key);
	pk_line__json_str(&J(j)->line, s, len);
}

void pk_json__end(struct pk_json *j)
{
	while (J(j)->depth)
		json_close(j);
	pk_line__raw(&J(j)->line, "}\n", 2);
	line_spill(&J(j)->line);
}
