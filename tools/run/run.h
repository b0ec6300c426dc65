/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The printing half of `probekit run` (print.c). */
#ifndef PROBEKIT_TOOLS_RUN_H
#define PROBEKIT_TOOLS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

struct pk_run;
struct bpf_object;
struct pk_trace_format;

struct pk_stack_printer;
/* Sets what the event printer needs from the loaded object; @stacks prints
 * the records' stack ids; with @folded only folded stacks print. */
int run_events_init(struct pk_run *run, struct bpf_object *obj, struct pk_stack_printer *stacks,
		    bool folded);
void run_events_free(void);
/* One record from the event buffer. */
int run_print_event(struct pk_run *run, const void *data, size_t size);
/* One trace_pipe line: raw (bcc's trace_print()), as a table, or through @fmt. */
void run_print_trace_line(struct pk_run *run, const char *line, size_t len, bool fields,
			  const struct pk_trace_format *fmt);
struct run_maps_opts {
	size_t top;
	bool per_cpu, clear, globals;
	/* an -i print: a time line first */
	bool interval;
	/* maps with stack ids; --folded: only they print, folded; --svg: into @fg */
	struct pk_stack_printer *stacks;
	bool folded;
	struct pk_flamegraph *fg;
};
/* Every map the program declared (and with globals, its global variables). */
int run_print_maps(struct pk_run *run, struct bpf_object *obj, const struct run_maps_opts *o);
void run_maps_free(void);

#endif
