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
 * A line of output built in memory with no stdio call per field, then
 * handed to its FILE in one fwrite (pk_line__end()), so a printer's cost is
 * the formatting itself. Lines longer than 1 KiB go out in pieces,
 * never cut. Until pk_line__end() or pk_line__flush(), nothing reaches the
 * FILE: do not write to it directly in between.
 *
 *   struct pk_line l;
 *   pk_line__begin(&l, out);
 *   pk_line__uint(&l, pid, -6);            like "%-6u"
 *   pk_line__char(&l, ' ');
 *   size_t m = pk_line__mark(&l);
 *   pk_line__text(&l, comm, sizeof(comm)); escaped as pk_fput_text()
 *   pk_line__pad(&l, m, 16);               "%-16s" of what was added since m
 *   pk_line__end(&l);                      '\n', then one fwrite
 *
 * Widths are printf's: a positive width right-aligns, a negative one
 * left-aligns, and a value wider than its column is never cut.
 */
/* Opaque: declare one (on the stack is fine), use only these functions. */
struct pk_line {
	union {
		char bytes[1088];
		uint64_t align;
		void *ptr;
	} opaque_;
};
void pk_line__begin(struct pk_line *l, FILE *f);
/* bytes as they are (no escaping) */
void pk_line__raw(struct pk_line *l, const char *s, size_t len);
void pk_line__str(struct pk_line *l, const char *s);
void pk_line__char(struct pk_line *l, char c);
/* escaped for a terminal, at most @len bytes, ending early at a NUL */
void pk_line__text(struct pk_line *l, const char *s, size_t len);
/* a JSON string literal, quotes included, as pk_fput_json_str() */
void pk_line__json_str(struct pk_line *l, const char *s, size_t len);
void pk_line__int(struct pk_line *l, int64_t v, int width);
void pk_line__uint(struct pk_line *l, uint64_t v, int width);
/* octal, zero-filled to at least @digits digits ("%08o") */
void pk_line__octal(struct pk_line *l, uint64_t v, int digits);
/* "%*.*f": the same bytes as printf, without its cost for common values */
void pk_line__fixed(struct pk_line *l, double v, int decimals, int width);
/* where the line is now, for pk_line__pad() */
size_t pk_line__mark(const struct pk_line *l);
/* spaces until @width bytes were added since @mark */
void pk_line__pad(struct pk_line *l, size_t mark, int width);
/* hands what is built to the FILE, without ending the line */
void pk_line__flush(struct pk_line *l);
/* a newline, then everything to the FILE */
void pk_line__end(struct pk_line *l);

/*
 * One JSON object per line:
 *   struct pk_json j; pk_json__begin(&j, f); pk_json__int(&j, "pid", 1);
 *   pk_json__array_begin(&j, "stack"); pk_json__str(&j, NULL, "f", 1);
 *   pk_json__array_end(&j); pk_json__end(&j);
 * Inside an object every value has a key; inside an array the key is NULL.
 * Containers nest up to PK_JSON_MAX_DEPTH deep; pk_json__end() closes any
 * still open, so a line is always complete JSON. The line is built in a
 * struct pk_line and reaches @f at pk_json__end() (long lines earlier, in
 * pieces): do not write to @f directly in between.
 */
#define PK_JSON_MAX_DEPTH 32
/* Opaque, as struct pk_line. */
struct pk_json {
	union {
		char bytes[1152];
		uint64_t align;
		void *ptr;
	} opaque_;
};
void pk_json__begin(struct pk_json *j, FILE *f);
/* writes the separator and, inside an object, "key": */
void pk_json__key(struct pk_json *j, const char *key);
void pk_json__int(struct pk_json *j, const char *key, int64_t v);
void pk_json__uint(struct pk_json *j, const char *key, uint64_t v);
/* "%.9f" */
void pk_json__double(struct pk_json *j, const char *key, double v);
void pk_json__bool(struct pk_json *j, const char *key, bool v);
void pk_json__null(struct pk_json *j, const char *key);
/* a string of at most @len bytes, ending early at a NUL */
void pk_json__str(struct pk_json *j, const char *key, const char *s, size_t len);
/* nested containers; -E2BIG past PK_JSON_MAX_DEPTH (nothing is written) */
int pk_json__object_begin(struct pk_json *j, const char *key);
int pk_json__array_begin(struct pk_json *j, const char *key);
/* closes the innermost container; the top-level object only by pk_json__end() */
void pk_json__object_end(struct pk_json *j);
void pk_json__array_end(struct pk_json *j);
/* closes every open container and the line, and writes it to the FILE */
void pk_json__end(struct pk_json *j);

#ifdef __cplusplus
}
#endif
#endif
