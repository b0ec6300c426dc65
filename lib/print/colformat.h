/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Declared column formats (colformat.c): what a member's typedefs and BTF
 * decl tags ask for, and the text of each format. eventtable.h has the
 * rules; eventtable.c plans and prints with them.
 */
#ifndef PROBEKIT_COLFORMAT_H
#define PROBEKIT_COLFORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include <probekit/eventtable.h>

struct btf;
struct btf_type;
struct pk_usyms;

/* What the tags and typedefs of one member declare. */
struct pk__col_decl {
	/* a format's kind, or PK_COL_VALUE when none is declared */
	enum pk_col_kind kind;
	bool declared;
	/* the member is a pk_event_kind_t: no column */
	bool is_kind;
	const char *header, *when, *unless, *family, *port;
	bool port_be;
	/* PK_COL_CLOCK "clock:utc": UTC, not local time */
	bool utc;
	/* PK_COL_HEX "hex:bare": no 0x */
	bool bare;
	enum pk_col_unit unit_stored, unit_shown;
	/* PK_COL_FLAGS: the enum named in "flags:ENUM", else 0 (the member's) */
	__u32 flags_type_id;
	/* PK_WIDTH(n): printf's width, as declared (has_width); PK_PRECISION(n):
	 * printf's precision, or -1 */
	bool has_width;
	int width, precision;
	/* PK_WIDTH_WHEN(var, w, p): the layout while @width_when is set */
	const char *width_when;
	int when_width, when_precision;
};

/*
 * Reads the declarations of member @idx of struct @sid (-1 with @sid 0:
 * only the typedef chain of @type_id). Returns 0, or -EBADMSG with @why
 * for an unknown format.
 */
int pk__col_decl(const struct btf *btf, __u32 sid, int idx, __u32 type_id, struct pk__col_decl *d,
		 char *why, size_t why_size);

/*
 * Applies @d to column @c planned by type alone: its kind, width and
 * unit. Returns 0, or -EBADMSG with @why when the member's type does not
 * fit the format.
 */
int pk__col_apply(const struct btf *btf, const struct pk__col_decl *d, struct pk_event_column *c,
		  char *why, size_t why_size);

/* Whether @kind is one of the declared formats that reads an integer. */
bool pk__col_is_int_format(enum pk_col_kind kind);

/* What a formatted column's text needs besides the record. */
struct pk__col_env {
	const struct btf *btf;
	/* CLOCK_REALTIME minus CLOCK_MONOTONIC, in ns */
	__s64 wall_offset;
	struct pk_usyms *usyms;
	/* the pid for a PK_COL_USYM column */
	int pid;
};

/*
 * The text of formatted column @c: @x holds an integer format's value
 * (raw bits, zero-extended); @d and @size the record for the address
 * kinds. Returns the length written into @buf (NUL-terminated).
 */
size_t pk__col_format(const struct pk__col_env *env, const struct pk_event_column *c,
		      const unsigned char *d, size_t size, __u64 x, char *buf, size_t buf_size);

/*
 * The address of address column @c alone, without its port: JSON's value
 * for it. Returns its length, or 0 for an INET column whose family is
 * neither AF_INET nor AF_INET6, or a record too short.
 */
size_t pk__col_addr(const struct pk_event_column *c, const unsigned char *d, size_t size, char *buf,
		    size_t buf_size);
/*
 * A duration column's value in its shown unit, as a double, the way bcc
 * computes it (float(delta) / 1000000) before its "%.2f".
 */
double pk__col_duration_value(const struct pk_event_column *c, __s64 sv, __u64 x);

/* the unit's name: "ns", "us", "ms", "s" */
const char *pk__col_unit_name(enum pk_col_unit u);

#endif
