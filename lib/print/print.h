/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The print layer's internals (lib/print/): BTF values, event tables, maps,
 * histograms, flame graphs, stacks, Prometheus metrics. Its files include
 * this for the layers below (lib/README.md).
 */
#ifndef PROBEKIT_PRINT_H
#define PROBEKIT_PRINT_H

#include <stdio.h>

#include "../data/data.h"

/* Histograms (histprint.c) for other writers than the printer (metrics.c) */
struct pk_hist;
struct pk__hist_member {
	const char *name;
	__u32 type_id, offset, size;
};
/* log2 slots (@step 0) and linear ones: the values slot @i holds */
/* PK_PRIVATE: a map the file keeps to itself, printed by no printer */
bool pk__map_private(const struct btf *btf, const struct bpf_map *map);
/* PK_TARGET_EACH: @names[i] is the target attached with cookie i (kept, not copied) */
void pk__col_target_names(const char *const *names, int n);
/* the name of the target attached with cookie @i, or NULL */
const char *pk__col_target_name(__u64 i);

void pk__hist_bounds(__u64 step, long i, __u64 *low, __u64 *high);
/* the slot of @key, values past @nr_slots in the last, as pk_hist_add() */
size_t pk__hist_slot_of(const struct pk_hist *h, const void *key, size_t nr_slots);
__u64 pk__hist_count(const struct pk_hist *h, const void *value);
/* a keyed histogram's bucket members, before the slot; *@n is 0 for others */
const struct pk__hist_member *pk__hist_members(const struct pk_hist *h, int *n);
/* a bucket member's name as section headers show it */
const char *pk__hist_member_label(const struct pk_hist *h, int i);
/* the unit word of @name that bcc's tools print ("usecs"...), else "value" */
void pk__unit_from_name(const char *name, char *unit, size_t size);

/*
 * The text of column @c of a record when it has a declared format (an
 * address, a syscall or signal name, flags...): its length, or 0 for a
 * column without one or a record too short for it (eventtable.c; JSON's
 * "named" and metrics' label values).
 */
struct pk_event_table;
struct pk_event_column;
size_t pk__event_column_named(const struct pk_event_table *t, const struct pk_event_column *c,
			      const void *data, size_t size, char *buf, size_t buf_size);

/*
 * pk_btf_value_json() with the members @fn prints itself: it is called for
 * each named member that is no bitfield, with its offset in @data and the
 * bytes from there, and returns true when it has put the member (as @name)
 * in @j. The event tables print their address columns so (eventtable.c).
 */
struct pk_json;
typedef bool (*pk__json_member_fn)(void *ctx, struct pk_json *j, const char *name, size_t offset,
				   size_t size);
void pk__btf_value_json_hook(const struct btf *btf, __u32 type_id, const void *data, size_t size,
			     struct pk_json *j, const char *key, pk__json_member_fn fn, void *ctx);
/*
 * @t's header and rows comma-separated and unpadded (PK_TOOL_CSV(), bcc's
 * tcplife -s); fields are not quoted, as bcc's are not.
 */
void pk__event_table_csv(struct pk_event_table *t, bool on);
/* A record of @t in JSON as pk_btf_value_json() puts it, its address columns as address text. */
void pk__event_table_json_record(const struct pk_event_table *t, struct pk_json *j, const char *key,
				 const void *data, size_t size);

/* One map as a metric family (metrics.c), for pk_metrics and the fuzzer */
struct pk__metric;
struct pk__metric_desc {
	const char *name;
	/* PK_METRIC_NAME(): the family's name as declared */
	const char *declared_name;
	__u32 map_type, key_type_id, value_type_id, key_size, value_size, max_entries;
	/* PK_GAUGE */
	bool gauge;
	/* one integer member of a struct value, at this offset (never a histogram) */
	bool member;
	__u32 value_offset;
};
/* NULL with errno ENOENT when the map holds nothing a metric can show */
struct pk__metric *pk__metric_new(const struct btf *btf, const struct pk__metric_desc *d);
void pk__metric_free(struct pk__metric *f);
const char *pk__metric_name(const struct pk__metric *f);
/* the map, "map.member" for a struct value's member */
const char *pk__metric_map(const struct pk__metric *f);
void pk__metric_set_name(struct pk__metric *f, const char *name);
bool pk__metric_is_hist(const struct pk__metric *f);
/* series left out by the limit, over every write so far */
__u64 pk__metric_dropped(const struct pk__metric *f);
/* a histogram's sums: the map @fd, keyed by its bucket (unkeyed: by 0) */
int pk__metric_set_sum(struct pk__metric *f, int fd, __u32 key_size, __u32 value_size,
		       __u32 count_size, bool percpu);
/* The family's exposition text for @n entries (values summed over CPUs). */
int pk__metric_write(struct pk__metric *f, FILE *out, const void *keys, const void *values,
		     size_t n, __u32 max_series);

/*
 * The metrics' HTTP server (metrics_http.c): libmicrohttpd, opened with
 * dlopen(), run from the caller's loop. GET /metrics answers what @write
 * puts in the stream. NULL with errno and @why when it cannot start.
 */
struct pk__http;
struct pk__http *pk__http_start(const char *addr, int (*write)(void *ctx, FILE *out), void *ctx,
				FILE *log, char *why, size_t why_size);
int pk__http_fd(const struct pk__http *s);
int pk__http_process(struct pk__http *s);
const char *pk__http_address(const struct pk__http *s);
void pk__http_stop(struct pk__http *s);
/* What a request gets: 200 (the metrics), 200 with the index page, 404 or 405. */
enum pk__http_route { PK__HTTP_METRICS, PK__HTTP_INDEX, PK__HTTP_NOT_FOUND, PK__HTTP_BAD_METHOD };
enum pk__http_route pk__http_route(const char *method, const char *url);
/* "[ADDR:]PORT" into a socket address (127.0.0.1 without ADDR); 0 or -EINVAL */
int pk__http_parse_addr(const char *s, void *sockaddr_storage, unsigned int *len);
/* stackprint.c: where a stack printer finds stack maps and reads stacks */
struct pk_stack_printer;
struct pk_stack_printer_opts;
struct pk__stack_source {
	/* the stack map named @name, or with NULL the only one (*@nr: how many): an fd or -1 */
	int (*find)(void *ctx, const char *name, int *nr);
	/* pk_stack_read()'s contract */
	int (*read)(void *ctx, int fd, __s64 id, __u64 *ips, size_t max);
	void *ctx;
};
/* A printer of @btf's types (NULL: none) whose stacks come from @src. */
struct pk_stack_printer *pk__stack_printer_new(const struct btf *btf,
					       const struct pk__stack_source *src,
					       const struct pk_stack_printer_opts *opts);
/* Plans a key and a value type and prints one entry as text, JSON and a
 * folded line; returns how many stack ids the plan found. */
int pk__stack_printer_entries(struct pk_stack_printer *sp, FILE *text, FILE *json, FILE *folded,
			      __u32 key_id, const void *k, __u32 ks, __u32 value_id, const void *v,
			      __u32 vs);

/* A token of a PK_STACK_ROWS_FORMAT() line (stackrows.c). */
enum pk__rows_tok_kind {
	PK_ROWS_TEXT,  /* literal text */
	PK_ROWS_FIELD, /* {NAME} or {NAME:rev} */
	PK_ROWS_WHEN,  /* {?NAME} */
};
struct pk__rows_tok {
	enum pk__rows_tok_kind kind;
	const char *s; /* the text, or the name */
	size_t len;
	bool rev; /* {NAME:rev}: a stack's frames outermost first */
};
/* The @len bytes of @line (no '\n') as at most @max tokens: their number,
 * -EINVAL when a '{' opens no placeholder, -E2BIG past @max. */
int pk__rows_line(const char *line, size_t len, struct pk__rows_tok *toks, int max);
/* Plans a key and a value type, and prints one entry as PK_STACK_ROWS_FORMAT(@fmt)
 * lays it out; false when the format cannot print (nothing printed). */
bool pk__stack_printer_rows(struct pk_stack_printer *sp, FILE *out, const char *fmt, __u32 key_id,
			    const void *k, __u32 value_id, const void *v);

/* A const volatile global's value (at most 8 bytes); @dflt when it is not there. */
struct bpf_object;
__u64 pk__print_global(struct bpf_object *obj, const char *name, __u64 dflt);
/*
 * Whether @map of @obj is printed at all, by its PK_TABLE_WHEN/UNLESS and
 * the globals they name (objprint.c), and whether each print empties it
 * (PK_CLEAR). Metrics export what is printed.
 */
bool pk__map_shown(struct bpf_object *obj, const struct bpf_map *map, bool *clear);
/* pk_map_table__print(), the map emptied too when @clear (run's --clear, PK_TOOL_CLEAR). */
struct pk_map_table;
int pk__map_table_print(const struct pk_map_table *t, FILE *out, bool json, const char *time,
			bool clear);

#endif
