// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What `probekit run` prints: trace_pipe lines, event records, maps. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <probekit/btfvalue.h>
#include <probekit/eventtable.h>
#include <probekit/hist.h>
#include <probekit/mapprint.h>
#include <probekit/probekit.h>

#include "run.h"

bool run_has_events(const struct bpf_object *obj)
{
	return obj && bpf_object__find_map_by_name(obj, "pk_rb") &&
	       bpf_object__find_map_by_name(obj, "pk_pb");
}

static struct pk_printf *printf_fmt;
static char printf_line[8192];
/* PK_EVENT(type) in the object: the records' type, and a printer for it */
static const struct btf *event_btf;
static __u32 event_type;
static struct pk_btf_printer *event_printer;
/* the table of a struct type (eventtable.h); other types print on one line */
static struct pk_event_table *event_table;

/* The type PK_EVENT() named: pk_event_type is a pointer to it (probekit.bpf.h). */
static __u32 find_event_type(const struct btf *btf)
{
	const struct btf_type *t;
	int id;

	id = btf ? btf__find_by_name_kind(btf, "pk_event_type", BTF_KIND_VAR) : -1;
	if (id <= 0)
		return 0;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	return t && btf_is_ptr(t) ? t->type : 0;
}

int run_events_init(struct pk_run *run, struct bpf_object *obj)
{
	event_btf = bpf_object__btf(obj);
	event_type = find_event_type(event_btf);
	if (event_type && !(event_printer = pk_btf_printer__new(event_btf)))
		return -errno;
	if (event_type && !(event_table = pk_event_table__new(event_btf, event_type, NULL)) &&
	    errno != EINVAL && errno != E2BIG)
		return -errno;
	if (event_table && !pk_run__json(run) && !run_stacks_folded()) {
		struct pk_line l;

		pk_line_begin(&l, pk_run__out(run));
		pk_event_table__header(event_table, &l);
		pk_line_end(&l);
		/* before a -c command's own output, which shares stdout */
		fflush(pk_run__out(run));
	}
	run_stacks_event_init(event_btf, event_type);
	printf_fmt = pk_printf__new(obj);
	if (!printf_fmt && errno != ENOENT) {
		pk_error(run, "cannot read the pk_printf() formats: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void run_events_free(void)
{
	pk_printf__free(printf_fmt);
	printf_fmt = NULL;
	pk_btf_printer__free(event_printer);
	event_printer = NULL;
	pk_event_table__free(event_table);
	event_table = NULL;
}

/* A record of the PK_EVENT() type: a table row, or one line of its value. */
static void print_typed(struct pk_run *run, const void *data, size_t size)
{
	FILE *out = pk_run__out(run);
	struct pk_json j;
	struct pk_line l;
	int n;

	if (pk_run__json(run)) {
		pk_json_begin(&j, out);
		if (event_table)
			pk_event_table__json(event_table, &j, "event", data, size);
		else
			pk_btf_value_json(event_btf, event_type, data, size, &j, "event");
		run_stacks_event_json(&j, data, size);
		pk_json_end(&j);
		return;
	}
	if (event_table) {
		pk_line_begin(&l, out);
		pk_event_table__text(event_table, &l, data, size);
		pk_line_end(&l);
		run_stacks_event_text(out, data, size);
		return;
	}
	n = pk_btf_printer__text(event_printer, event_type, data, size, printf_line,
				 sizeof(printf_line));
	if (n < 0)
		return;
	fputs(printf_line, out);
	fputc('\n', out);
	run_stacks_event_text(out, data, size);
}

static void print_printf(struct pk_run *run, int len)
{
	FILE *out = pk_run__out(run);
	struct pk_json j;

	if ((size_t)len >= sizeof(printf_line))
		len = sizeof(printf_line) - 1;
	if (pk_run__json(run)) {
		pk_json_begin(&j, out);
		pk_json_str(&j, "printf", printf_line, len);
		pk_json_end(&j);
	} else {
		fwrite(printf_line, 1, len, out);
		fputc('\n', out);
	}
}

/*
 * A pk_printf() line, a record of the type PK_EVENT() names, or a record
 * nobody describes: its size and first bytes.
 */
int run_print_event(struct pk_run *run, const void *data, size_t size)
{
	FILE *out = pk_run__out(run);
	char line[256];
	size_t i, len;
	struct pk_json j;
	int n;

	if (printf_fmt) {
		n = pk_printf__format(printf_fmt, data, size, printf_line, sizeof(printf_line));
		if (n >= 0) {
			print_printf(run, n);
			return 0;
		}
	}
	if (event_printer) {
		/* --folded: stdout holds only the folded stacks */
		if (!run_stacks_folded())
			print_typed(run, data, size);
		return 0;
	}
	if (pk_run__json(run)) {
		pk_json_begin(&j, out);
		pk_json_uint(&j, "event_size", size);
		pk_json_end(&j);
		return 0;
	}
	len = snprintf(line, sizeof(line), "event (%zu bytes):", size);
	for (i = 0; i < size && i < 32 && len + 4 < sizeof(line); i++)
		len += snprintf(line + len, sizeof(line) - len, " %02x",
				((const unsigned char *)data)[i]);
	snprintf(line + len, sizeof(line) - len, "%s\n", size > 32 ? " ..." : "");
	fputs(line, out);
	return 0;
}

static void trace_json(FILE *out, const struct pk_trace_fields *f)
{
	struct pk_json j;

	pk_json_begin(&j, out);
	pk_json_str(&j, "task", f->task, sizeof(f->task));
	pk_json_int(&j, "pid", f->pid);
	pk_json_int(&j, "cpu", f->cpu);
	pk_json_str(&j, "flags", f->flags, sizeof(f->flags));
	pk_json_str(&j, "ts", f->ts, sizeof(f->ts));
	pk_json_str(&j, "msg", f->msg, f->msg_len);
	pk_json_end(&j);
}

void run_print_trace_line(struct pk_run *run, const char *line, size_t len, bool fields,
			  const struct pk_trace_format *fmt)
{
	FILE *out = pk_run__out(run);
	char task[4 * sizeof(((struct pk_trace_fields *)0)->task) + 1], head[512];
	struct pk_trace_fields f;
	bool printk = pk_trace_fields(line, len, &f) == 0;

	if (pk_run__json(run)) {
		if (printk)
			trace_json(out, &f);
	} else if (fmt) {
		if (printk)
			pk_trace_format__print(fmt, out, &f);
	} else if (fields) {
		/* bcc's trace_fields() loop: time, task, pid, message */
		if (!printk)
			return;
		pk_escape_text(task, sizeof(task), f.task, strlen(f.task));
		snprintf(head, sizeof(head), "%-18.9f %-16s %-6d ", f.ts_ns / 1e9, task, f.pid);
		fputs(head, out);
		pk_fput_text(out, f.msg, f.msg_len);
		fputc('\n', out);
	} else {
		pk_fput_text(out, line, len);
		fputc('\n', out);
	}
}

static void time_line(struct pk_run *run)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;
	struct pk_json j;

	strftime(buf, sizeof(buf), "%H:%M:%S", localtime_r(&t, &tm));
	if (pk_run__json(run)) {
		pk_json_begin(&j, pk_run__out(run));
		pk_json_str(&j, "time", buf, strlen(buf));
		pk_json_end(&j);
	} else {
		fprintf(pk_run__out(run), "[%s]\n", buf);
	}
}

/* A histogram (include/probekit/hist.h) as bcc prints it, any other map as items(). */
static int print_map(struct pk_run *run, const struct bpf_map *map, const struct btf *btf,
		     const struct pk_map_print_opts *po)
{
	LIBBPF_OPTS(pk_hist_print_opts, ho, .json = po->json, .title = true, .clear = po->clear);
	struct pk_hist *h = pk_hist__from_map(map, btf);
	int n;

	if (!h)
		return pk_map__print(pk_run__out(run), map, btf, po);
	n = pk_hist__print_map(h, pk_run__out(run), map, &ho);
	pk_hist__free(h);
	return n;
}

/* Maps declared as tables (maptable.h) ---------------------------------------- */

#define MAX_TABLES 32

static struct {
	const struct bpf_map *map;
	struct pk_map_table *table;
} tables[MAX_TABLES];
static int nr_tables;

static struct pk_map_table *table_of(const struct bpf_map *map)
{
	int i;

	for (i = 0; i < nr_tables; i++) {
		if (tables[i].map == map)
			return tables[i].table;
	}
	return NULL;
}

/* The file's banner, with {interval} as -i's seconds. */
static void print_banner(struct pk_run *run, const char *banner, double interval_s)
{
	const char *mark = strstr(banner, "{interval}");
	char text[512];
	size_t n = mark ? (size_t)(mark - banner) : strlen(banner);

	if (mark)
		snprintf(text, sizeof(text), "%.*s%g%s", (int)n, banner, interval_s, mark + 10);
	else
		snprintf(text, sizeof(text), "%s", banner);
	pk_fput_text(pk_run__out(run), text, strlen(text));
	fputc('\n', pk_run__out(run));
}

int run_tables_init(struct pk_run *run, struct bpf_object *obj, double interval_s)
{
	const char *banner = pk_params__file_tag(bpf_object__btf(obj), "pk_banner", 0);
	struct pk_map_table *t;
	struct bpf_map *map;
	char why[512];

	if (banner && !pk_run__json(run))
		print_banner(run, banner, interval_s);
	bpf_object__for_each_map (map, obj) {
		t = pk_map_table__new(obj, map, why, sizeof(why));
		if (!t && errno) {
			pk_error(run, "%s", why);
			return -EINVAL;
		}
		if (!t)
			continue;
		if (nr_tables == MAX_TABLES) {
			pk_map_table__free(t);
			break;
		}
		tables[nr_tables].map = map;
		tables[nr_tables++].table = t;
		if (pk_map_table__header_once(t) && !pk_run__json(run))
			pk_map_table__header(t, pk_run__out(run));
	}
	return 0;
}

void run_tables_free(void)
{
	while (nr_tables > 0)
		pk_map_table__free(tables[--nr_tables].table);
}

/* Whether a map other than a table prints: then -i prints a time line first. */
static bool prints_plain_maps(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map (map, obj) {
		if (pk_map__is_printable(map) && !table_of(map))
			return true;
	}
	return false;
}

static int print_table(struct pk_run *run, struct pk_map_table *t)
{
	char now[32];
	time_t s = time(NULL);
	struct tm tm;

	strftime(now, sizeof(now), "%H:%M:%S", localtime_r(&s, &tm));
	return pk_map_table__print(t, pk_run__out(run), pk_run__json(run), now);
}

int run_print_maps(struct pk_run *run, struct bpf_object *obj, const struct run_maps_opts *o)
{
	LIBBPF_OPTS(pk_map_print_opts, po, .json = pk_run__json(run), .top = o->top,
		    .per_cpu = o->per_cpu, .clear = o->clear);
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;
	int n;

	if (o->interval && !run_stacks_folded() && prints_plain_maps(obj))
		time_line(run);
	bpf_object__for_each_map (map, obj) {
		if (table_of(map))
			n = print_table(run, table_of(map));
		else if (run_stacks_has_map(map))
			n = run_stacks_print_map(run, map, &po);
		else if (run_stacks_folded())
			continue;
		else if (o->globals && bpf_map__is_internal(map))
			n = pk_map__print_globals(pk_run__out(run), map, btf, po.json);
		else if (pk_map__is_printable(map))
			n = print_map(run, map, btf, &po);
		else
			continue;
		if (n < 0) {
			pk_error(run, "cannot read map %s: %s", bpf_map__name(map), strerror(-n));
			return n;
		}
	}
	return 0;
}
