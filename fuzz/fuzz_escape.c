// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The escapers on any bytes. Text output must hold no control character
 * and no invalid UTF-8; JSON output must decode back to the input bytes
 * (up to the first NUL), with \udc80-\udcff standing for raw bytes.
 * The line builder (struct pk_line) must write what the escapers write,
 * across its buffer's spills, and format numbers byte for byte as printf.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <probekit/output.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	abort();
}

static size_t put_utf8(unsigned char *out, unsigned int cp)
{
	if (cp < 0x80) {
		out[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = 0xc0 | cp >> 6;
		out[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	out[0] = 0xe0 | cp >> 12;
	out[1] = 0x80 | ((cp >> 6) & 0x3f);
	out[2] = 0x80 | (cp & 0x3f);
	return 3;
}

/* A JSON string decoder for exactly what pk_fput_json_str() may write. */
static size_t json_decode(const char *s, size_t len, unsigned char *out)
{
	size_t i = 1, n = 0;

	assert(len >= 2 && s[0] == '"' && s[len - 1] == '"');
	while (i < len - 1) {
		unsigned char c = s[i];

		assert(c >= 0x20 && c != 0x7f);
		if (c != '\\') {
			out[n++] = c;
			i++;
			continue;
		}
		c = s[i + 1];
		if (c == 'u') {
			unsigned int cp = hexval(s[i + 2]) << 12 | hexval(s[i + 3]) << 8 |
					  hexval(s[i + 4]) << 4 | hexval(s[i + 5]);

			if (cp >= 0xdc80 && cp <= 0xdcff)
				out[n++] = cp & 0xff;
			else
				n += put_utf8(out + n, cp);
			i += 6;
			continue;
		}
		assert(c == '"' || c == '\\' || c == 'n' || c == 't');
		out[n++] = c == 'n' ? '\n' : c == 't' ? '\t' : c;
		i += 2;
	}
	return n;
}

static void check_text(const uint8_t *data, size_t size)
{
	size_t need = pk_escape_text(NULL, 0, (const char *)data, size);
	char *buf = malloc(need + 1);
	size_t i;

	assert(pk_escape_text(buf, need + 1, (const char *)data, size) == need);
	assert(strlen(buf) == need);
	for (i = 0; i < need; i++)
		assert((unsigned char)buf[i] >= 0x20 && buf[i] != 0x7f);
	free(buf);
}

/* pk_line__text() inside a line, after a column, equals pk_escape_text(). */
static void check_line_text(const uint8_t *data, size_t size)
{
	size_t need = pk_escape_text(NULL, 0, (const char *)data, size), len = 0;
	char *want = malloc(need + 1), *got = NULL;
	FILE *f = open_memstream(&got, &len);
	struct pk_line l;
	size_t mark;

	pk_escape_text(want, need + 1, (const char *)data, size);
	pk_line__begin(&l, f);
	pk_line__uint(&l, size, -7);
	mark = pk_line__mark(&l);
	pk_line__text(&l, (const char *)data, size);
	pk_line__pad(&l, mark, 1500);
	pk_line__end(&l);
	fclose(f);
	assert(len == 7 + (need > 1500 ? need : 1500) + 1);
	assert(memcmp(got + 7, want, need) == 0 && got[len - 1] == '\n');
	free(want);
	free(got);
}

/* Numbers from the input's first bytes, against snprintf. */
static void check_numbers(const uint8_t *data, size_t size)
{
	char want[1024], *got = NULL;
	size_t len = 0;
	int64_t i;
	double d;
	FILE *f;
	struct pk_line l;
	int width, decimals;

	if (size < 10)
		return;
	memcpy(&d, data, sizeof(d));
	memcpy(&i, data, sizeof(i));
	width = (int8_t)data[8] % 40;
	decimals = data[9] % 12;
	f = open_memstream(&got, &len);
	pk_line__begin(&l, f);
	pk_line__fixed(&l, d, decimals, width);
	pk_line__char(&l, '|');
	pk_line__int(&l, i, width);
	pk_line__char(&l, '|');
	pk_line__uint(&l, (uint64_t)i, width);
	pk_line__char(&l, '|');
	pk_line__octal(&l, (uint32_t)i, decimals);
	pk_line__end(&l);
	fclose(f);
	snprintf(want, sizeof(want), "%*.*f|%*lld|%*llu|%0*o\n", width, decimals, d, width,
		 (long long)i, width, (unsigned long long)i, decimals, (uint32_t)i);
	assert(strcmp(got, want) == 0);
	free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = NULL;
	size_t json_len = 0, plain = strnlen((const char *)data, size), n;
	unsigned char *decoded = malloc(size * 4 + 8);
	FILE *f = open_memstream(&json, &json_len);

	pk_fput_json_str(f, (const char *)data, size);
	fclose(f);
	n = json_decode(json, json_len, decoded);
	assert(n == plain && memcmp(decoded, data, n) == 0);
	free(json);
	free(decoded);
	check_text(data, size);
	check_line_text(data, size);
	check_numbers(data, size);
	return 0;
}
