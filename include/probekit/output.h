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
 *   pk_json_array_begin(&j, "stack"); pk_json_str(&j, NULL, "f", 1);
 *   pk_json_array_end(&j); pk_json_end(&j);
 * Inside an object every value has a key; inside an array the key is NULL.
 * Containers nest up to PK_JSON_MAX_DEPTH deep; pk_json_end() closes any
 * still open, so a line is always complete JSON.
 */
#define PK_JSON_MAX_DEPTH 32
struct pk_json {
	FILE *f;
	unsigned int depth;
	/* bit d set: the container at depth d already holds a value */
	uint64_t nonempty;
	/* bit d set: the container at depth d is an array */
	uint64_t is_array;
};
void pk_json_begin(struct pk_json *j, FILE *f);
/* writes the separator and, inside an object, "key": */
void pk_json_key(struct pk_json *j, const char *key);
void pk_json_int(struct pk_json *j, const char *key, int64_t v);
void pk_json_uint(struct pk_json *j, const char *key, uint64_t v);
void pk_json_double(struct pk_json *j, const char *key, double v);
void pk_json_bool(struct pk_json *j, const char *key, bool v);
void pk_json_null(struct pk_json *j, const char *key);
/* a string of at most @len bytes, ending early at a NUL */
void pk_json_str(struct pk_json *j, const char *key, const char *s, size_t len);
/* nested containers; -E2BIG past PK_JSON_MAX_DEPTH (nothing is written) */
int pk_json_object_begin(struct pk_json *j, const char *key);
int pk_json_array_begin(struct pk_json *j, const char *key);
/* closes the innermost container; the top-level object only by pk_json_end() */
void pk_json_object_end(struct pk_json *j);
void pk_json_array_end(struct pk_json *j);
/* closes every open container and the line */
void pk_json_end(struct pk_json *j);

#ifdef __cplusplus
}
#endif
#endif
