/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_BTFVALUE_H
#define PROBEKIT_BTFVALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include <probekit/output.h>

#ifdef __cplusplus
extern "C" {
#endif

struct btf;

/*
 * Values printed from their BTF types, as bcc prints map items:
 *
 *	{prev_pid=0, curr_pid=3397}     a struct
 *	86                              a plain integer, bare
 *	"bash"                          a char array, as an escaped string
 *	[1, 2, 3]                       an array
 *
 * The text comes from libbpf's btf_dump__dump_type_data(), made compact
 * (casts and the dots of field names dropped, char arrays as strings).
 * The same value as JSON nests objects and arrays as the type does; char
 * arrays are strings that round-trip any bytes (see pk_json__str()).
 * Data shorter than the type prints what fits and marks the rest.
 */
struct pk_btf_printer;

/* @btf must outlive the printer. Returns NULL with errno set on failure. */
struct pk_btf_printer *pk_btf_printer__new(const struct btf *btf);
/*
 * Writes the value of type @type_id at @data (@size bytes) to @buf as one
 * line, NUL-terminated (cut when @buf is too small). Returns the length
 * the full text has, or a negative errno. No allocation once warmed up.
 */
int pk_btf_printer__text(struct pk_btf_printer *p, __u32 type_id, const void *data, size_t size,
			 char *buf, size_t buf_size);
void pk_btf_printer__free(struct pk_btf_printer *p);

/* Writes the value as JSON under @key (NULL inside an array). */
void pk_btf_value_json(const struct btf *btf, __u32 type_id, const void *data, size_t size,
		       struct pk_json *j, const char *key);

/*
 * The value as a number, for sorting: integers (any size up to 8 bytes,
 * behind typedefs, enums included), and the first member of a struct.
 * Returns 0, or -EINVAL when the type holds no number.
 */
int pk_btf_value_number(const struct btf *btf, __u32 type_id, const void *data, size_t size,
			long double *out);

#ifdef __cplusplus
}
#endif
#endif
