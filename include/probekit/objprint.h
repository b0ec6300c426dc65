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
 *  - events (events.h): pk_printf() lines (printf.h); records of the type
 *    PK_EVENT() names, as an event table (eventtable.h) with their stacks
 *    under each row, or on one line for a type that is no struct; any
 *    other record as its size and first bytes;
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
	size_t :0;
};
#define pk_object_printer_opts__last_field stacks

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
	size_t :0;
};
#define pk_object_maps_opts__last_field fg

/*
 * Every map the program declared. Returns 0 or a negative errno, with
 * pk_object_printer__error() saying which map in one line.
 */
int pk_object_printer__maps(struct pk_object_printer *p, const struct pk_object_maps_opts *opts);
const char *pk_object_printer__error(const struct pk_object_printer *p);

#ifdef __cplusplus
}
#endif
#endif
