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

/* Whether the object has probekit's event buffer (bpf/probekit.bpf.h). */
bool run_has_events(const struct bpf_object *obj);
/* Sets what the event printer needs from the loaded object. */
int run_events_init(struct pk_run *run, struct bpf_object *obj);
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
};
/* The maps declared as tables; the file's banner, and headers printed once. */
int run_tables_init(struct pk_run *run, struct bpf_object *obj, double interval_s);
void run_tables_free(void);
/* Every map the program declared (and with globals, its global variables). */
int run_print_maps(struct pk_run *run, struct bpf_object *obj, const struct run_maps_opts *o);


/* Stacks (stacks.c): stack-id fields printed as symbolized stacks. */
struct bpf_map;
struct pk_map_print_opts;
struct run_stacks_opts {
	const char *file;
	/* --svg FILE, --folded */
	const char *svg;
	bool folded;
	/* whose user stacks, when the record names no pid: -p, else -c's */
	pid_t pid, child;
};
/* Finds the maps that hold stack ids, after load. */
int run_stacks_init(struct bpf_object *obj, const struct run_stacks_opts *opts);
void run_stacks_free(void);
/* -c: the command exits, its maps still readable. */
void run_stacks_process_exiting(pid_t pid);
bool run_stacks_has_map(const struct bpf_map *map);
/* --folded: only the stack maps print, as folded lines */
bool run_stacks_folded(void);
/* A map with stack ids: the entry, then its stacks (or folded lines). */
int run_stacks_print_map(struct pk_run *run, const struct bpf_map *map,
			 const struct pk_map_print_opts *po);
/* Around one print of the maps: --svg's graph is made of what it prints. */
int run_stacks_begin(struct pk_run *run);
int run_stacks_end(struct pk_run *run);
/* The PK_EVENT() type: whether it has stack ids (printed under the line). */
struct btf;
struct pk_json;
bool run_stacks_event_init(const struct btf *btf, __u32 type_id);
/* A record's stacks, a frame a line, after its line. */
void run_stacks_event_text(FILE *out, const void *data, size_t size);
/* Beside a record's JSON: "stacks": {FIELD: {"id", "kind", "frames", "addrs"}...}. */
void run_stacks_event_json(struct pk_json *j, const void *data, size_t size);

#endif
