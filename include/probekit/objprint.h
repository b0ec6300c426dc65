/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_OBJPRINT_H
#define PROBEKIT_OBJPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;
struct pk_flamegraph;
struct pk_stack_printer;

/*
 * What any loaded BPF object sends and holds, printed from its BTF, as
 * `probekit run` prints it:
 *  - events (events.h): pk_printf() lines (printf.h); records of the types
 *    PK_EVENT() names, each as an event table (eventtable.h) with its
 *    stacks under each row (columns declared "pk_when:VAR" shown when the
 *    object's global VAR is set), or on one line for a type that is no
 *    struct; several types are told apart by their PK_EVENT_KIND, each
 *    printing its header where the type of the records changes and a
 *    "type" in JSON; any other record as its size and first bytes;
 *  - maps: histograms (hist.h) as bcc prints them, maps of stack ids
 *    through a stack printer (stackprint.h), other maps as bcc's items()
 *    (mapprint.h), and with globals its global variables.
 * Which map is a histogram is planned once, when the printer is made.
 */
struct pk_object_printer_opts {
	size_t sz;
	/* one JSON object per line */
	bool json;
	/* only the maps of stack ids print, as folded lines; events print nothing */
	bool folded;
	/* the stack ids of records and maps, or NULL (printed as numbers) */
	struct pk_stack_printer *stacks;
	/* why pk_object_printer__new() failed, when the object's declarations
	 * cannot be printed (a bad column format, several record types without
	 * PK_EVENT_KIND) */
	char *why;
	size_t why_size;
	size_t : 0;
};
#define pk_object_printer_opts__last_field why_size

struct pk_object_printer;

/* After load; @obj and @opts' stack printer must outlive it. NULL with errno set. */
struct pk_object_printer *pk_object_printer__new(struct bpf_object *obj, FILE *out,
						 const struct pk_object_printer_opts *opts);
void pk_object_printer__free(struct pk_object_printer *p);

/* The records' table header, if they print as a table (not with JSON or folded). */
void pk_object_printer__header(struct pk_object_printer *p);
/* One record from the event buffer: pk_event_fn's contract. */
int pk_object_printer__event(struct pk_object_printer *p, const void *data, size_t size);

struct pk_object_maps_opts {
	size_t sz;
	/* only the @top largest entries of each hash map; 0 for all */
	size_t top;
	/* per-CPU values apart rather than summed */
	bool per_cpu;
	/* empty the maps as they are read */
	bool clear;
	/* the global variables too */
	bool globals;
	/* a time line first ("[12:00:01]", or {"time": ...}) */
	bool time;
	/* the maps of stack ids into this flame graph too */
	struct pk_flamegraph *fg;
	/* out, when not NULL: the stacks not taken, as pk_stack_map_print_opts has them */
	size_t *missed_stacks;
	bool *stacks_collided;
	size_t : 0;
};
#define pk_object_maps_opts__last_field stacks_collided

/*
 * Every map the program declared. Returns 0 or a negative errno, with
 * pk_object_printer__error() saying which map in one line.
 */
int pk_object_printer__maps(struct pk_object_printer *p, const struct pk_object_maps_opts *opts);
const char *pk_object_printer__error(const struct pk_object_printer *p);
/*
 * Once attached: the file's PK_TOOL_BANNER() ("{interval}" as @interval_s)
 * and the headers of its tables printed once (PK_ROW_HEADER_ONCE); text
 * only.
 */
void pk_object_printer__banner(struct pk_object_printer *p, double interval_s);

#ifdef __cplusplus
}
#endif
#endif
