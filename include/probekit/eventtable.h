/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_EVENTTABLE_H
#define PROBEKIT_EVENTTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include <probekit/output.h>
#include <probekit/stackid.h>

#ifdef __cplusplus
extern "C" {
#endif

struct btf;

/*
 * Records of one BTF type (PK_EVENT(type) in bpf/probekit.bpf.h) printed as
 * a table, as bcc's tools print their events:
 *
 *	TIME(s)            PID COMM             RET          PATH
 *	0.000000000       4242 cat              -2 ENOENT    /nonexistent
 *
 * The column plan is made once from the BTF: one column per member, in
 * declaration order; members of a nested struct become "OUTER.INNER"
 * columns, anonymous structs and unions give their members as they are,
 * and anything else that is not a scalar (arrays other than char arrays,
 * named unions, structs nested deeper than PK_EVENT_TABLE_MAX_DEPTH) is
 * one column of btf_dump text ("[1, 2, 3]"). Headers are the member paths
 * in upper case. Numbers are right-aligned, strings left-aligned, each
 * header aligned as its column; a value wider than its column is never
 * cut, and the last column is not padded (a path fits there).
 *
 * Members of the record itself get the obvious treatment by name:
 *	comm		a char array, 16 wide
 *	pid tid uid ...	decimal, 7 wide (also ppid, tgid, gid)
 *	ts ts_ns	nanoseconds, shown as seconds since the first event in
 *			a "TIME(s)" column ("%-14.9f", bcc's -T)
 *	errno ret	decimal, and a value in -4095..-1 (errno: also 1..4095)
 *			followed by its name: "-2 ENOENT"
 * A member that pk_btf_stack_id() (stackid.h) says holds a stack id, at
 * any depth (named kstack, ustack, stack_id, user_stack_id..., tagged
 * PK_STACK_ID, PK_USTACK_ID..., of type pk_ustack_t...), is a
 * PK_COL_STACK_ID column: its raw id is printed, and a printer that
 * symbolizes stacks finds it in the plan.
 *
 * Char arrays print as escaped text up to their NUL (pk_escape_text()
 * rules). Records shorter than the type print "-" for what is missing.
 *
 * JSON nests as the type does (pk_btf_value_json()), with raw values so
 * that it round-trips, plus the errno names found.
 *
 * Printing a record allocates nothing and makes no stdio call per field:
 * it goes into a struct pk_line.
 */
#define PK_EVENT_TABLE_MAX_DEPTH   4
#define PK_EVENT_TABLE_MAX_COLUMNS 256

enum pk_col_kind {
	PK_COL_INT,	 /* signed integer (bitfields too) */
	PK_COL_UINT,	 /* unsigned integer */
	PK_COL_BOOL,	 /* true/false */
	PK_COL_ENUM,	 /* the enumerator's name, else the number */
	PK_COL_FLOAT,	 /* "%.3f" */
	PK_COL_PTR,	 /* "0x..." */
	PK_COL_STRING,	 /* a char array, escaped, up to its NUL */
	PK_COL_TIME,	 /* ts, ts_ns: seconds since the first record */
	PK_COL_ERRNO,	 /* errno, ret: the number and its errno name */
	PK_COL_STACK_ID, /* a stack id: printed raw, for a symbolizer */
	PK_COL_VALUE,	 /* anything else, as btf_dump text */
};

struct pk_event_column {
	/* the header ("PID", "TIME(s)", "OUTER.INNER") */
	const char *header;
	/* the member's path in the record ("pid", "outer.inner") */
	const char *path;
	/* the member's type, typedefs and qualifiers resolved */
	__u32 type_id;
	/* where the value is: bits from the record's start, and its size */
	__u32 bit_offset;
	__u32 bit_size;
	enum pk_col_kind kind;
	/* the value is sign-extended from bit_size bits (errno/ret always are) */
	bool is_signed;
	/* printf's width: positive right-aligns, negative left-aligns */
	int width;
	/* PK_COL_STACK_ID of a user stack (PK_STACK_USER), else kernel or unknown */
	bool user_stack;
	/* PK_COL_STACK_ID: the kind and the stack map pk_btf_stack_id() gave */
	enum pk_stack_kind stack_kind;
	const char *stack_map;
	/* a pk_stack_id tag that breaks the convention (the member prints as a
	 * number), for a printer to name; else NULL */
	const char *bad_stack_tag;
};

struct pk_event_table_opts {
	size_t sz;
	/* ts/ts_ns as plain numbers, not seconds since the first record */
	bool raw_time;
	size_t : 0;
};
#define pk_event_table_opts__last_field raw_time

struct pk_event_table;

/*
 * Plans the columns of records of type @type_id (a struct or union) in
 * @btf, which must outlive the table. Returns NULL with errno set:
 * EINVAL for a type that is not a struct or union, E2BIG for more than
 * PK_EVENT_TABLE_MAX_COLUMNS columns.
 */
struct pk_event_table *pk_event_table__new(const struct btf *btf, __u32 type_id,
					   const struct pk_event_table_opts *opts);
void pk_event_table__free(struct pk_event_table *t);

size_t pk_event_table__column_cnt(const struct pk_event_table *t);
/* Column @i, or NULL past the last. */
const struct pk_event_column *pk_event_table__column(const struct pk_event_table *t, size_t i);

/* Appends the header to @l (no newline). */
void pk_event_table__header(const struct pk_event_table *t, struct pk_line *l);
/* Appends one record's columns to @l (no newline). */
void pk_event_table__text(struct pk_event_table *t, struct pk_line *l, const void *data,
			  size_t size);
/*
 * Writes the record under @key (NULL inside an array) nested as its type,
 * then, when an errno column holds a named value, "errno_name": {"ret":
 * "ENOENT"} beside it.
 */
void pk_event_table__json(const struct pk_event_table *t, struct pk_json *j, const char *key,
			  const void *data, size_t size);

/*
 * The integer in column @c of a record (sign-extended for signed types):
 * 0, -EINVAL for a column that is not an integer, or -ENODATA when the
 * record is too short to hold it.
 */
int pk_event_column__int(const struct pk_event_column *c, const void *data, size_t size, __s64 *v);

#ifdef __cplusplus
}
#endif
#endif
