// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <probekit/output.h>

#include "unit.h"

static char *json_of(const char *s, size_t len)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	pk_fput_json_str(f, s, len);
	fclose(f);
	return buf;
}

static char *text_of(const char *s, size_t len)
{
	static char buf[4096];

	pk_escape_text(buf, sizeof(buf), s, len);
	return buf;
}

PK_TEST(text_plain_is_unchanged)
{
	CHECK_STR(text_of("/etc/passwd", 11), "/etc/passwd");
	CHECK_STR(text_of("caf\xc3\xa9", 5), "caf\xc3\xa9");
}

PK_TEST(text_escapes_controls)
{
	CHECK_STR(text_of("a\nb", 3), "a\\nb");
	CHECK_STR(text_of("\x1b[31mred", 8), "\\e[31mred");
	CHECK_STR(text_of("tab\there", 8), "tab\\there");
	CHECK_STR(text_of("back\\slash", 10), "back\\\\slash");
	CHECK_STR(text_of("del\x7f", 4), "del\\x7f");
	CHECK_STR(text_of("\x01", 1), "\\x01");
}

PK_TEST(text_escapes_invalid_utf8_and_c1)
{
	CHECK_STR(text_of("\xff\xfe", 2), "\\xff\\xfe");
	/* U+009B is a one-character CSI on some terminals */
	CHECK_STR(text_of("\xc2\x9b", 2), "\\xc2\\x9b");
	/* overlong "/" and a UTF-16 surrogate */
	CHECK_STR(text_of("\xc0\xaf", 2), "\\xc0\\xaf");
	CHECK_STR(text_of("\xed\xa0\x80", 3), "\\xed\\xa0\\x80");
	/* a cut sequence at the end */
	CHECK_STR(text_of("ok\xe2\x82", 4), "ok\\xe2\\x82");
}

PK_TEST(text_stops_at_nul_and_len)
{
	CHECK_STR(text_of("abc\0def", 7), "abc");
	CHECK_STR(text_of("abcdef", 3), "abc");
}

PK_TEST(text_reports_needed_length)
{
	char small[4];

	CHECK_INT(pk_escape_text(small, sizeof(small), "a\nbc", 4), 5);
	CHECK_STR(small, "a\\n");
}

PK_TEST(json_escapes)
{
	CHECK_STR(json_of("plain", 5), "\"plain\"");
	CHECK_STR(json_of("q\"b\\", 4), "\"q\\\"b\\\\\"");
	CHECK_STR(json_of("nl\n\x1b", 4), "\"nl\\n\\u001b\"");
	CHECK_STR(json_of("\xc3\xa9", 2), "\"\xc3\xa9\"");
}

PK_TEST(json_invalid_utf8_as_surrogates)
{
	CHECK_STR(json_of("a\xff", 2), "\"a\\udcff\"");
	CHECK_STR(json_of("\xc3", 1), "\"\\udcc3\"");
}

PK_TEST(json_object_line)
{
	char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct pk_json j;

	pk_json__begin(&j, f);
	pk_json__int(&j, "pid", -1);
	pk_json__uint(&j, "fd", 3);
	pk_json__bool(&j, "ok", true);
	pk_json__str(&j, "comm", "cat\0junk", 8);
	pk_json__null(&j, "x");
	pk_json__end(&j);
	fclose(f);
	CHECK_STR(buf, "{\"pid\":-1,\"fd\":3,\"ok\":true,\"comm\":\"cat\",\"x\":null}\n");
}

PK_TEST(json_nested_containers)
{
	char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct pk_json j;

	pk_json__begin(&j, f);
	pk_json__int(&j, "a", 1);
	pk_json__array_begin(&j, "stack");
	pk_json__str(&j, NULL, "x", 1);
	pk_json__object_begin(&j, NULL);
	pk_json__uint(&j, "off", 2);
	pk_json__array_begin(&j, "e");
	pk_json__array_end(&j);
	pk_json__object_end(&j);
	pk_json__null(&j, NULL);
	pk_json__array_end(&j);
	pk_json__object_begin(&j, "k");
	pk_json__bool(&j, "b", false);
	/* left open: pk_json__end() closes it */
	pk_json__end(&j);
	fclose(f);
	CHECK_STR(buf, "{\"a\":1,\"stack\":[\"x\",{\"off\":2,\"e\":[]},null],\"k\":{\"b\":false}}\n");
}

PK_TEST(json_depth_is_bounded)
{
	char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct pk_json j;
	int i, rc = 0;

	pk_json__begin(&j, f);
	for (i = 0; i < PK_JSON_MAX_DEPTH + 5 && !rc; i++)
		rc = pk_json__array_begin(&j, i ? NULL : "deep");
	CHECK_INT(rc, -E2BIG);
	pk_json__end(&j);
	fclose(f);
	CHECK_INT(strlen(buf), 8 + 2 * (PK_JSON_MAX_DEPTH - 1) + 2);
}

/* What a pk_line holds after @fill, as written to its FILE. */
static char *line_of(void (*fill)(struct pk_line *l))
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct pk_line l;

	pk_line__begin(&l, f);
	fill(&l);
	pk_line__flush(&l);
	fclose(f);
	return buf;
}

static void fill_columns(struct pk_line *l)
{
	size_t mark;

	pk_line__uint(l, 42, -6);
	pk_line__char(l, '|');
	pk_line__int(l, -1, 4);
	pk_line__char(l, '|');
	pk_line__int(l, INT64_MIN, 3);
	pk_line__char(l, '|');
	pk_line__uint(l, UINT64_MAX, 0);
	pk_line__char(l, '|');
	mark = pk_line__mark(l);
	pk_line__text(l, "c\nm", 3);
	pk_line__pad(l, mark, 8);
	pk_line__char(l, '|');
	pk_line__octal(l, 0100002, 8);
	pk_line__char(l, '|');
	pk_line__octal(l, 0, 4);
	pk_line__char(l, '|');
	pk_line__str(l, "raw\n");
}

PK_TEST(line_columns_as_printf)
{
	char want[256];

	snprintf(want, sizeof(want), "%-6u|%4d|%3lld|%llu|%-8s|%08o|%04o|raw\n", 42, -1,
		 (long long)INT64_MIN, (unsigned long long)UINT64_MAX, "c\\nm", 0100002, 0);
	CHECK_STR(line_of(fill_columns), want);
}

PK_TEST(line_fixed_as_printf)
{
	static const double vals[] = { 0,	    -0.0,	  1.5,	     2.5,	 0.0000000005,
				       0.0000000015, 1e-300,	  123.456789123456, -3.25,
				       4503599.627370496, 1e12,	  1e300,	   1.0 / 3 };
	char want[512], got[512];
	size_t i;
	int d;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		for (d = 0; d <= 10; d += 3) {
			FILE *f = fmemopen(got, sizeof(got), "w");
			struct pk_line l;

			pk_line__begin(&l, f);
			pk_line__fixed(&l, vals[i], d, -14);
			pk_line__char(&l, '|');
			pk_line__fixed(&l, vals[i], d, 18);
			pk_line__end(&l);
			fclose(f);
			snprintf(want, sizeof(want), "%-14.*f|%18.*f\n", d, vals[i], d, vals[i]);
			CHECK_STR(got, want);
		}
	}
}

static void fill_long(struct pk_line *l)
{
	char path[3000];
	size_t mark;

	memset(path, 'a', sizeof(path));
	path[100] = '\n';
	mark = pk_line__mark(l);
	pk_line__text(l, path, sizeof(path));
	/* a column that started before the line spilled */
	pk_line__pad(l, mark, 3010);
	pk_line__char(l, '|');
}

PK_TEST(line_longer_than_its_buffer)
{
	const char *s = line_of(fill_long);

	CHECK_INT(strlen(s), 3010 + 1);
	CHECK(!strncmp(s + 99, "a\\na", 4));
	CHECK(!strcmp(s + 3001, "         |"));
}

PK_TEST(json_double_and_long_strings)
{
	static char buf[16384];
	char big[5000];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct pk_json j;

	memset(big, 'x', sizeof(big));
	pk_json__begin(&j, f);
	pk_json__double(&j, "time", 1.25);
	pk_json__double(&j, "nan", 0.0 / 0.0);
	pk_json__str(&j, "weird key\"", "v", 1);
	pk_json__str(&j, "big", big, sizeof(big));
	pk_json__end(&j);
	fclose(f);
	CHECK(!strncmp(buf, "{\"time\":1.250000000,\"nan\":null,\"weird key\\\"\":\"v\",\"big\":\"xxx", 59));
	CHECK_INT(strlen(buf), 59 - 3 + 5000 + 3);
}
