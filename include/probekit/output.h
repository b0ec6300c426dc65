/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_OUTPUT_H
#define PROBEKIT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Writes bytes for a terminal: control characters and bytes that are not
 * valid UTF-8 become escapes (\n, \e, \x9b...), and a backslash becomes
 * "\\", so no file or process name can drive the terminal or fake a line.
 * Stops at @len or at the first NUL.
 */
void pk_fput_text(FILE *f, const char *s, size_t len);
/* The same into a buffer; returns the length it needed (like snprintf). */
size_t pk_escape_text(char *dst, size_t size, const char *s, size_t len);

/*
 * Writes a JSON string literal, quotes included. Bytes that are not valid
 * UTF-8 are written as the lone surrogates \udc80-\udcff (Python's
 * "surrogateescape"), so the output is always valid JSON and decodes back
 * to the exact input bytes.
 */
void pk_fput_json_str(FILE *f, const char *s, size_t len);

/*
 * One JSON object per line:
 *   struct pk_json j; pk_json_begin(&j, f); pk_json_int(&j, "pid", 1);
 *   pk_json_end(&j);
 */
struct pk_json {
	FILE *f;
	bool first;
};
void pk_json_begin(struct pk_json *j, FILE *f);
void pk_json_key(struct pk_json *j, const char *key);
void pk_json_int(struct pk_json *j, const char *key, int64_t v);
void pk_json_uint(struct pk_json *j, const char *key, uint64_t v);
void pk_json_double(struct pk_json *j, const char *key, double v);
void pk_json_bool(struct pk_json *j, const char *key, bool v);
void pk_json_null(struct pk_json *j, const char *key);
/* a string of at most @len bytes, ending early at a NUL */
void pk_json_str(struct pk_json *j, const char *key, const char *s, size_t len);
void pk_json_end(struct pk_json *j);

#ifdef __cplusplus
}
#endif
#endif
