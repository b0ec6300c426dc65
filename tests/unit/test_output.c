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

	pk_json_begin(&j, f);
	pk_json_int(&j, "pid", -1);
	pk_json_uint(&j, "fd", 3);
	pk_json_bool(&j, "ok", true);
	pk_json_str(&j, "comm", "cat\0junk", 8);
	pk_json_null(&j, "x");
	pk_json_end(&j);
	fclose(f);
	CHECK_STR(buf, "{\"pid\":-1,\"fd\":3,\"ok\":true,\"comm\":\"cat\",\"x\":null}\n");
}

PK_TEST(json_nested_containers)
{
	char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct pk_json j;

	pk_json_begin(&j, f);
	pk_json_int(&j, "a", 1);
	pk_json_array_begin(&j, "stack");
	pk_json_str(&j, NULL, "x", 1);
	pk_json_object_begin(&j, NULL);
	pk_json_uint(&j, "off", 2);
	pk_json_array_begin(&j, "e");
	pk_json_array_end(&j);
	pk_json_object_end(&j);
	pk_json_null(&j, NULL);
	pk_json_array_end(&j);
	pk_json_object_begin(&j, "k");
	pk_json_bool(&j, "b", false);
	/* left open: pk_json_end() closes it */
	pk_json_end(&j);
	fclose(f);
	CHECK_STR(buf, "{\"a\":1,\"stack\":[\"x\",{\"off\":2,\"e\":[]},null],\"k\":{\"b\":false}}\n");
}

PK_TEST(json_depth_is_bounded)
{
	char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct pk_json j;
	int i, rc = 0;

	pk_json_begin(&j, f);
	for (i = 0; i < PK_JSON_MAX_DEPTH + 5 && !rc; i++)
		rc = pk_json_array_begin(&j, i ? NULL : "deep");
	CHECK_INT(rc, -E2BIG);
	pk_json_end(&j);
	fclose(f);
	CHECK_INT(strlen(buf), 8 + 2 * (PK_JSON_MAX_DEPTH - 1) + 2);
}
