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
 * A member's format is declared (bpf/probekit.bpf.h): by a pk_*_t typedef
 * anywhere on its type's typedef chain (pk_ipv4_t, pk_errno_t...) or by a
 * BTF decl tag on the member or a typedef, "pk_fmt:NAME" with NAME one of
 *	ipv4 ipv6	an address as the kernel keeps it (network order)
 *	inet		IPv4 or IPv6 by the sibling member a "pk_family:MEMBER"
 *			tag names (AF_INET 2, AF_INET6 10); a union or 16 bytes
 *	errno		a kernel return: "-2 ENOENT", "3"
 *	syscall signal	the name: "openat", "SIGKILL"
 *	open_flags	"O_WRONLY|O_CREAT"; flags: an enum's names joined by |
 *	hex bytes dev	"0x1f", "4.0K", "8:1" (kernel dev_t: major << 20 | minor)
 *	ksym usym	an address as its function (usym: in the record's
 *			tgid or pid)
 *	clock		a bpf_ktime_get_ns() as wall-clock HH:MM:SS
 *	wstatus		a wait status (a task's exit_code) as bcc's exitsnoop
 *			shows it: "0", "code 3", "signal 9 (KILL)",
 *			"signal 11 (SEGV), core dumped"
 *	duration:IN:OUT	a duration stored in IN shown in OUT (ns us ms s),
 *			the unit in the header: "LAT(ms)"
 * and tags "pk_port:MEMBER" / "pk_port_be:MEMBER" (an address column
 * shows ":PORT" from that sibling, host or network order, which is then
 * no column of its own), "pk_header:NAME" (the header) and "pk_when:VAR"
 * (hidden until pk_event_table__show(t, "VAR", true)). An unknown format
 * or one that does not fit its member's type fails the plan (EBADMSG,
 * with the reason in the opts' why). A pk_event_kind_t member (several
 * record types in one object) is no column.
 *
 * Members of the record itself with no declared format get the
 * treatment by name that cannot be wrong:
 *	comm		a char array, 16 wide
 *	pid tid uid ...	decimal, 7 wide (also ppid, tgid, gid)
 *	ts ts_ns	nanoseconds, shown as seconds since the first event in
 *			a "TIME(s)" column ("%-14.9f", bcc's -T)
 *	errno		decimal, and a value in -4095..4095 followed by its
 *			name: "-2 ENOENT" (a "ret" is only a number: declare
 *			it pk_errno_t when it holds one)
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
 * that it round-trips, except that an address column (pk_ipv4_t,
 * pk_ipv6_t, PK_INET) is its address text ("127.0.0.1", "::1"; null for
 * an INET family that is neither), its port staying the number in its own
 * member; plus the errno names found and the named form of each formatted
 * column ("named": {"daddr": "127.0.0.1:80"}).
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
	/* declared formats */
	PK_COL_IPV4,	   /* 4 bytes, network order */
	PK_COL_IPV6,	   /* 16 bytes */
	PK_COL_INET,	   /* 4 or 16 bytes as a family member says */
	PK_COL_SYSCALL,	   /* a syscall number as its name */
	PK_COL_SIGNAL,	   /* a signal number as its name */
	PK_COL_OPEN_FLAGS, /* open(2) flags as names */
	PK_COL_FLAGS,	   /* bits as the names of an enum */
	PK_COL_HEX,	   /* "0x1f" */
	PK_COL_DURATION,   /* in the shown unit */
	PK_COL_BYTES,	   /* "4.0K" */
	PK_COL_DEV,	   /* "major:minor" */
	PK_COL_KSYM,	   /* a kernel address as its function */
	PK_COL_USYM,	   /* a user address as its function */
	PK_COL_CLOCK,	   /* a bpf_ktime_get_ns() as HH:MM:SS */
	PK_COL_WSTATUS,	   /* a wait status: "code 3", "signal 9 (KILL)" */
	PK_COL_TARGET,	   /* a PK_TARGET_EACH cookie as its target's name */
};

/* PK_COL_DURATION units: powers of 1000 from ns */
enum pk_col_unit { PK_UNIT_NS, PK_UNIT_US, PK_UNIT_MS, PK_UNIT_S };

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
	/* "pk_when:VAR": the variable whose setting shows the column, else NULL */
	const char *when;
	/* shown in text: false while a when column is not asked for */
	bool shown;
	/* PK_COL_ERRNO: positive values are errnos too (a member named errno) */
	bool errno_positive;
	/* PK_COL_INET: the family member; address columns: the port member
	 * (bits from the record's start and size; a 0 size for none) */
	__u32 family_bit_offset, family_bit_size;
	__u32 port_bit_offset, port_bit_size;
	bool port_be;
	/* PK_COL_DURATION */
	enum pk_col_unit unit_stored, unit_shown;
	/* PK_COL_FLAGS: the enum that names the bits */
	__u32 flags_type_id;
	/* PK_COL_USYM: the column holding the process's pid, or -1 */
	int pid_column;
	/* "pk_unless:VAR": hidden while VAR is set (after @when's test), else NULL */
	const char *unless;
	bool when_on, unless_on;
	/* PK_COL_HEX "hex:bare": without 0x, bcc's "%x" */
	bool bare;
	/* "pk_when:a|b" (PK_WHEN_ANY): which of its variables are on */
	__u32 when_mask;
	/* PK_COL_CLOCK: in UTC ("clock:utc"), not local time; @unit_shown
	 * PK_UNIT_MS adds milliseconds ("clock:ms": HH:MM:SS.mmm) */
	bool utc;
	/* PK_PRECISION(n): printf's precision in text (a string's bytes, a
	 * TIME(s), float or duration column's decimals), or -1 */
	int precision;
	/* PK_WIDTH_WHEN(var, w, p): while @width_when is shown on, width and
	 * precision are @when_width and @when_precision, else @base_* */
	const char *width_when;
	int when_width, when_precision, base_width, base_precision;
};

struct pk_event_table_opts {
	size_t sz;
	/* ts/ts_ns as plain numbers, not seconds since the first record */
	bool raw_time;
	/* a type that is not a struct or union: one column of this path */
	const char *name;
	/* why the plan failed (a bad format declaration), one line */
	char *why;
	size_t why_size;
	/* pad the last column too: more columns follow on the line */
	bool pad_last;
	size_t : 0;
};
#define pk_event_table_opts__last_field pad_last

struct pk_event_table;

/*
 * Plans the columns of records of type @type_id (a struct or union, or
 * any type given a column name in @opts) in @btf, which must outlive the
 * table. Returns NULL with errno set: EINVAL for a type that is not a
 * struct or union, E2BIG for more than PK_EVENT_TABLE_MAX_COLUMNS
 * columns, EBADMSG for a format declaration that cannot be (opts' why).
 */
struct pk_event_table *pk_event_table__new(const struct btf *btf, __u32 type_id,
					   const struct pk_event_table_opts *opts);
void pk_event_table__free(struct pk_event_table *t);

/*
 * Shows (or hides) the columns declared "pk_when:@when" in text. Returns
 * how many columns have that declaration.
 */
int pk_event_table__show(struct pk_event_table *t, const char *when, bool on);

size_t pk_event_table__column_cnt(const struct pk_event_table *t);
/* Column @i, or NULL past the last. */
const struct pk_event_column *pk_event_table__column(const struct pk_event_table *t, size_t i);

/* Appends the header of the shown columns to @l (no newline). */

void pk_event_table__header(const struct pk_event_table *t, struct pk_line *l);
/* Appends one record's shown columns to @l (no newline). */
void pk_event_table__text(struct pk_event_table *t, struct pk_line *l, const void *data,
			  size_t size);
/*
 * Writes the record under @key (NULL inside an array) nested as its type,
 * then, when an errno column holds a named value, "errno_name": {"err":
 * "ENOENT"} beside it, and "named": {PATH: TEXT...} for formatted columns.
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
