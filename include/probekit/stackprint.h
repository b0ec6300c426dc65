/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_STACKPRINT_H
#define PROBEKIT_STACKPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <probekit/output.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_map;
struct bpf_object;
struct pk_event_table;
struct pk_flamegraph;

/*
 * Stack ids printed as stacks: map keys and values, and event records, that
 * hold the id of a stack in a BPF_MAP_TYPE_STACK_TRACE map print it
 * symbolized, as bcc's stackcount and mallocstacks print theirs; as folded
 * lines (flame-graph input) or into a flame graph (flamegraph.h).
 *
 * Which numbers are stack ids, which stack map holds them and whether they
 * are kernel or user stacks follows pk_btf_stack_id() (stackid.h). A map's
 * key and value types are planned once, when the printer is made; an event
 * record's plan is its event table's (eventtable.h), whose PK_COL_STACK_ID
 * columns are the record's stack ids.
 *
 * Text, an entry then each stack a frame a line:
 *	counts[{kstack=12, pid=42}] = 3
 *		do_sys_openat2+0x7a
 *		...
 * JSON: the key and value nested as their types, each stack id an object
 * {"id", "kind", "frames", "addrs"} (and "error" when it was not taken).
 */
struct pk_stack_printer_opts {
	size_t sz;
	/* whose user stacks, when a record names no pid (0: none); its maps
	 * are read when user stacks are to print, so that its stacks resolve
	 * once it is gone */
	pid_t pid;
	/* the prefix of warnings on stderr (a stack map a tag names but the
	 * object lacks, a broken tag...); NULL: "probekit" */
	const char *name;
	/* instead of @pid, a process that has yet to exec what it will run (a
	 * command started for tracing): its maps are read only when
	 * pk_stack_printer__load_pid() says */
	pid_t later_pid;
	/* bcc profile's -a: kernel frames end in "_[k]" (text and folded) */
	bool annotate;
	/* bcc profile's -d: a "-" frame between the user and the kernel stack
	 * of a folded line, when both were taken */
	bool delimit;
	size_t :0;
};
#define pk_stack_printer_opts__last_field delimit

struct pk_stack_printer;

/*
 * After load: plans every printable map (mapprint.h) of @obj that holds
 * stack ids; @obj must outlive the printer. Returns NULL with errno set.
 */
struct pk_stack_printer *pk_stack_printer__new(struct bpf_object *obj,
					       const struct pk_stack_printer_opts *opts);
void pk_stack_printer__free(struct pk_stack_printer *sp);

/* How many maps hold stack ids, and map @i's name and count unit ("bytes"). */
size_t pk_stack_printer__map_cnt(const struct pk_stack_printer *sp);
const char *pk_stack_printer__map_name(const struct pk_stack_printer *sp, size_t i);
const char *pk_stack_printer__map_unit(const struct pk_stack_printer *sp, size_t i);
bool pk_stack_printer__has_map(const struct pk_stack_printer *sp, const struct bpf_map *map);

/* Reads process @pid's memory maps now, so that its stacks resolve once it is gone. */
void pk_stack_printer__load_pid(struct pk_stack_printer *sp, pid_t pid);

struct pk_stack_map_print_opts {
	size_t sz;
	bool json;
	/* only the first @top entries, largest count first; 0 for all */
	size_t top;
	/* empty the map as it is read */
	bool clear;
	/* folded lines ("frame;frame;frame COUNT") instead of entries */
	bool folded;
	/* and/or: each entry's stack added to this flame graph */
	struct pk_flamegraph *fg;
	/*
	 * Out, when not NULL: added to, the stacks of the entries printed that
	 * were not taken (bcc's "N stack traces could not be displayed": an
	 * error other than -EFAULT, no stack in this mode); set, whether one
	 * was a hash collision in the stack map (-EEXIST)
	 */
	size_t *missed;
	bool *collided;
	size_t :0;
};
#define pk_stack_map_print_opts__last_field collided

/* Returns the number of entries printed, or a negative errno (-ENOENT: no stack ids). */
int pk_stack_printer__print_map(struct pk_stack_printer *sp, FILE *out, const struct bpf_map *map,
				const struct pk_stack_map_print_opts *opts);

/*
 * Records of the type @table plans: their stack ids are its PK_COL_STACK_ID
 * columns, their pid its "tgid" or "pid" column. Returns 1 when the record
 * has stack ids, 0 when not. @table must outlive the printer's use of it.
 */
int pk_stack_printer__set_event(struct pk_stack_printer *sp, const struct pk_event_table *table);
/* A record's stacks, a frame a line after a tab, "--" between, then an empty line. */
void pk_stack_printer__event_text(struct pk_stack_printer *sp, FILE *out, const void *data,
				  size_t size);
/* Beside a record's JSON: "stacks": {FIELD: {"id", "kind", "frames", "addrs"}...}. */
void pk_stack_printer__event_json(struct pk_stack_printer *sp, struct pk_json *j, const void *data,
				  size_t size);

#ifdef __cplusplus
}
#endif
#endif
