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
#include <probekit/params.h>
#include <probekit/probekit.h>

#include "run.h"

bool run_has_events(const struct bpf_object *obj)
{
	return obj && bpf_object__find_map_by_name(obj, "pk_rb") &&
	       bpf_object__find_map_by_name(obj, "pk_pb");
}

static struct pk_printf *printf_fmt;
static char printf_line[8192];

/*
 * PK_EVENT(type) in the object, once or more: the records' types. With
 * several, each record starts with its type's BTF id (PK_EVENT_KIND,
 * probekit.bpf.h), which tells them apart.
 */
#define MAX_EVENT_TYPES 16
struct event_type {
	__u32 id;
	const char *name;
	/* the table of a struct type (eventtable.h); other types print on one line */
	struct pk_event_table *table;
};
static const struct btf *event_btf;
static struct pk_btf_printer *event_printer;
static struct event_type event_types[MAX_EVENT_TYPES];
static size_t event_type_cnt;
/* the type whose records carry the stacks printed under them */
static __u32 stacks_type;
/* the type of the last record printed as text: a header where it changes */
static const struct event_type *last_printed;

/* The types PK_EVENT() named: each pk_event_type* is a pointer to one (probekit.bpf.h). */
static int find_event_types(const struct btf *btf)
{
	__u32 i, n = btf ? btf__type_cnt(btf) : 0;
	size_t k;

	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i), *ptr;
		const char *name = btf__name_by_offset(btf, t->name_off);

		if (!btf_is_var(t) || !name || strncmp(name, "pk_event_type", 13))
			continue;
		ptr = btf__type_by_id(btf, t->type);
		if (!ptr || !btf_is_ptr(ptr))
			continue;
		for (k = 0; k < event_type_cnt && event_types[k].id != ptr->type; k++)
			;
		if (k < event_type_cnt)
			continue;
		if (event_type_cnt == MAX_EVENT_TYPES)
			return -E2BIG;
		event_types[event_type_cnt].id = ptr->type;
		event_types[event_type_cnt].name =
		    btf__name_by_offset(btf, btf__type_by_id(btf, ptr->type)->name_off);
		event_type_cnt++;
	}
	return 0;
}

/* With several types, each begins with its kind (PK_EVENT_KIND). */
static bool starts_with_kind(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	const struct btf_type *m;
	const char *name;

	if (!t || !btf_is_struct(t) || !btf_vlen(t) || btf_member_bit_offset(t, 0))
		return false;
	m = btf__type_by_id(btf, btf_members(t)[0].type);
	name = m ? btf__name_by_offset(btf, m->name_off) : NULL;
	return m && btf_is_typedef(m) && name && !strcmp(name, "pk_event_kind_t");
}

/* Columns declared "pk_when:VAR" are shown when the global VAR is set. */
static void show_asked_columns(struct bpf_object *obj, struct pk_event_table *t)
{
	struct pk_param ps[64];
	int i, n = pk_params__list(obj, ps, 64);

	for (i = 0; i < n && i < 64; i++) {
		bool on = strcmp(ps[i].value, "0") && strcmp(ps[i].value, "false") &&
			  strcmp(ps[i].value, "");

		pk_event_table__show(t, ps[i].name, on);
	}
}

static int plan_event_type(struct pk_run *run, struct bpf_object *obj, struct event_type *et)
{
	char why[256] = "";
	LIBBPF_OPTS(pk_event_table_opts, o, .why = why, .why_size = sizeof(why));

	if (event_type_cnt > 1 && !starts_with_kind(event_btf, et->id)) {
		pk_error(run,
			 "struct %s: with several PK_EVENT() types, each starts with "
			 "PK_EVENT_KIND (probekit.bpf.h)",
			 et->name);
		return -EINVAL;
	}
	et->table = pk_event_table__new(event_btf, et->id, &o);
	if (!et->table && errno == EBADMSG) {
		pk_error(run, "struct %s: %s", et->name, why);
		return -EINVAL;
	}
	if (!et->table && errno != EINVAL && errno != E2BIG)
		return -errno;
	if (et->table)
		show_asked_columns(obj, et->table);
	if (!stacks_type && run_stacks_event_init(event_btf, et->id))
		stacks_type = et->id;
	return 0;
}

static void print_header(struct pk_run *run, const struct event_type *et)
{
	struct pk_line l;

	pk_line_begin(&l, pk_run__out(run));
	pk_event_table__header(et->table, &l);
	pk_line_end(&l);
	last_printed = et;
}

int run_events_init(struct pk_run *run, struct bpf_object *obj)
{
	size_t i;
	int err;

	event_btf = bpf_object__btf(obj);
	err = find_event_types(event_btf);
	if (err) {
		pk_error(run, "more than %d PK_EVENT() types", MAX_EVENT_TYPES);
		return err;
	}
	if (event_type_cnt && !(event_printer = pk_btf_printer__new(event_btf)))
		return -errno;
	for (i = 0; i < event_type_cnt; i++) {
		err = plan_event_type(run, obj, &event_types[i]);
		if (err)
			return err;
	}
	if (event_type_cnt == 1 && event_types[0].table && !pk_run__json(run) &&
	    !run_stacks_folded()) {
		print_header(run, &event_types[0]);
		/* before a -c command's own output, which shares stdout */
		fflush(pk_run__out(run));
	}
	printf_fmt = pk_printf__new(obj);
	if (!printf_fmt && errno != ENOENT) {
		pk_error(run, "cannot read the pk_printf() formats: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void run_events_free(void)
{
	size_t i;

	pk_printf__free(printf_fmt);
	printf_fmt = NULL;
	pk_btf_printer__free(event_printer);
	event_printer = NULL;
	for (i = 0; i < event_type_cnt; i++)
		pk_event_table__free(event_types[i].table);
	event_type_cnt = 0;
	stacks_type = 0;
	last_printed = NULL;
}

/* The type of a record: the only one, or the one its kind names. */
static const struct event_type *record_type(const void *data, size_t size)
{
	__u32 kind;
	size_t i;

	if (event_type_cnt == 1)
		return &event_types[0];
	if (size < sizeof(kind))
		return NULL;
	memcpy(&kind, data, sizeof(kind));
	for (i = 0; i < event_type_cnt; i++) {
		if (event_types[i].id == kind)
			return &event_types[i];
	}
	return NULL;
}

/* A record of a PK_EVENT() type: a table row, or one line of its value. */
static void print_typed(struct pk_run *run, const struct event_type *et, const void *data,
			size_t size)
{
	bool stacks = et->id == stacks_type;
	FILE *out = pk_run__out(run);
	struct pk_json j;
	struct pk_line l;
	int n;

	if (pk_run__json(run)) {
		pk_json_begin(&j, out);
		if (event_type_cnt > 1)
			pk_json_str(&j, "type", et->name, strlen(et->name));
		if (et->table)
			pk_event_table__json(et->table, &j, "event", data, size);
		else
			pk_btf_value_json(event_btf, et->id, data, size, &j, "event");
		if (stacks)
			run_stacks_event_json(&j, data, size);
		pk_json_end(&j);
		return;
	}
	if (et->table) {
		if (last_printed != et)
			print_header(run, et);
		pk_line_begin(&l, out);
		pk_event_table__text(et->table, &l, data, size);
		pk_line_end(&l);
		if (stacks)
			run_stacks_event_text(out, data, size);
		return;
	}
	n = pk_btf_printer__text(event_printer, et->id, data, size, printf_line,
				 sizeof(printf_line));
	if (n < 0)
		return;
	fputs(printf_line, out);
	fputc('\n', out);
	if (stacks)
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
	const struct event_type *et;
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
	if (event_printer && (et = record_type(data, size))) {
		/* --folded: stdout holds only the folded stacks */
		if (!run_stacks_folded())
			print_typed(run, et, data, size);
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

int run_print_maps(struct pk_run *run, struct bpf_object *obj, const struct run_maps_opts *o)
{
	char why[256] = "";
	LIBBPF_OPTS(pk_map_print_opts, po, .json = pk_run__json(run), .top = o->top,
		    .per_cpu = o->per_cpu, .clear = o->clear, .why = why, .why_size = sizeof(why));
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;
	int n;

	if (o->interval && !run_stacks_folded())
		time_line(run);
	bpf_object__for_each_map (map, obj) {
		if (run_stacks_has_map(map))
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
			if (why[0])
				pk_error(run, "%s", why);
			else
				pk_error(run, "cannot read map %s: %s", bpf_map__name(map),
					 strerror(-n));
			return n;
		}
	}
	return 0;
}
