// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A loaded object's events and maps, printed from its BTF (objprint.h): the
 * printer `probekit run` hands the runtime, and any tool can.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <probekit/btfvalue.h>
#include <probekit/eventtable.h>
#include <probekit/flamegraph.h>
#include <probekit/hist.h>
#include <probekit/mapprint.h>
#include <probekit/objprint.h>
#include <probekit/output.h>
#include <probekit/printf.h>
#include <probekit/stackprint.h>

#include "print.h"

#define LINE_MAX_BYTES 8192

/* A printable map, and the histogram it holds, if any. */
struct map_plan {
	const struct bpf_map *map;
	struct pk_hist *hist;
};

struct pk_object_printer {
	struct bpf_object *obj;
	const struct btf *btf;
	FILE *out;
	bool json, folded;
	struct pk_stack_printer *stacks;
	struct pk_printf *printf_fmt;
	/* PK_EVENT(type) in the object: the records' type, and a printer for it */
	__u32 event_type;
	struct pk_btf_printer *event_printer;
	/* the table of a struct type (eventtable.h); other types print on one line */
	struct pk_event_table *event_table;
	struct map_plan *maps;
	size_t nr_maps;
	char line[LINE_MAX_BYTES];
	char error[256];
};

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

static int plan_events(struct pk_object_printer *p)
{
	p->event_type = find_event_type(p->btf);
	if (p->event_type && !(p->event_printer = pk_btf_printer__new(p->btf)))
		return -errno;
	/* a type that is no struct, or too wide a one, prints on one line */
	if (p->event_type &&
	    !(p->event_table = pk_event_table__new(p->btf, p->event_type, NULL)) &&
	    errno != EINVAL && errno != E2BIG)
		return -errno;
	if (p->event_table)
		pk_stack_printer__set_event(p->stacks, p->event_table);
	p->printf_fmt = pk_printf__new(p->obj);
	if (!p->printf_fmt && errno != ENOENT)
		return -errno;
	return 0;
}

/* Which maps hold histograms: a BTF walk and an allocation a map, made once. */
static int plan_maps(struct pk_object_printer *p)
{
	struct bpf_map *map;
	size_t n = 0;

	bpf_object__for_each_map (map, p->obj)
		n++;
	p->maps = calloc(n ? n : 1, sizeof(*p->maps));
	if (!p->maps)
		return -ENOMEM;
	bpf_object__for_each_map (map, p->obj) {
		if (!pk_map__is_printable(map))
			continue;
		p->maps[p->nr_maps].map = map;
		p->maps[p->nr_maps++].hist = p->btf ? pk_hist__from_map(map, p->btf) : NULL;
	}
	return 0;
}

struct pk_object_printer *pk_object_printer__new(struct bpf_object *obj, FILE *out,
						 const struct pk_object_printer_opts *opts)
{
	struct pk_object_printer *p;
	int err;

	if (!obj || !out || !PK_OPTS_VALID(opts, pk_object_printer_opts)) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->obj = obj;
	p->btf = bpf_object__btf(obj);
	p->out = out;
	p->json = PK_OPTS_GET(opts, json, false);
	p->folded = PK_OPTS_GET(opts, folded, false);
	p->stacks = PK_OPTS_GET(opts, stacks, NULL);
	err = plan_events(p);
	if (!err)
		err = plan_maps(p);
	if (err) {
		pk_object_printer__free(p);
		errno = -err;
		return NULL;
	}
	return p;
}

void pk_object_printer__free(struct pk_object_printer *p)
{
	size_t i;

	if (!p)
		return;
	pk_printf__free(p->printf_fmt);
	pk_btf_printer__free(p->event_printer);
	pk_event_table__free(p->event_table);
	for (i = 0; i < p->nr_maps; i++)
		pk_hist__free(p->maps[i].hist);
	free(p->maps);
	free(p);
}

const char *pk_object_printer__error(const struct pk_object_printer *p)
{
	return p ? p->error : "";
}

/* Events ------------------------------------------------------------------ */

void pk_object_printer__header(struct pk_object_printer *p)
{
	struct pk_line l;

	if (!p || !p->event_table || p->json || p->folded)
		return;
	pk_line_begin(&l, p->out);
	pk_event_table__header(p->event_table, &l);
	pk_line_end(&l);
}

/* A record of the PK_EVENT() type: a table row, or one line of its value. */
static void print_typed(struct pk_object_printer *p, const void *data, size_t size)
{
	struct pk_json j;
	struct pk_line l;

	if (p->json) {
		pk_json_begin(&j, p->out);
		if (p->event_table)
			pk_event_table__json(p->event_table, &j, "event", data, size);
		else
			pk_btf_value_json(p->btf, p->event_type, data, size, &j, "event");
		pk_stack_printer__event_json(p->stacks, &j, data, size);
		pk_json_end(&j);
		return;
	}
	if (p->event_table) {
		pk_line_begin(&l, p->out);
		pk_event_table__text(p->event_table, &l, data, size);
		pk_line_end(&l);
		pk_stack_printer__event_text(p->stacks, p->out, data, size);
		return;
	}
	if (pk_btf_printer__text(p->event_printer, p->event_type, data, size, p->line,
				 sizeof(p->line)) < 0)
		return;
	fputs(p->line, p->out);
	fputc('\n', p->out);
}

static void print_printf(struct pk_object_printer *p, int len)
{
	struct pk_json j;

	if ((size_t)len >= sizeof(p->line))
		len = sizeof(p->line) - 1;
	if (p->json) {
		pk_json_begin(&j, p->out);
		pk_json_str(&j, "printf", p->line, len);
		pk_json_end(&j);
	} else {
		fwrite(p->line, 1, len, p->out);
		fputc('\n', p->out);
	}
}

/* A record nobody describes: its size and first bytes. */
static void print_raw(struct pk_object_printer *p, const void *data, size_t size)
{
	char line[256];
	struct pk_json j;
	size_t i, len;

	if (p->json) {
		pk_json_begin(&j, p->out);
		pk_json_uint(&j, "event_size", size);
		pk_json_end(&j);
		return;
	}
	len = snprintf(line, sizeof(line), "event (%zu bytes):", size);
	for (i = 0; i < size && i < 32 && len + 4 < sizeof(line); i++)
		len += snprintf(line + len, sizeof(line) - len, " %02x",
				((const unsigned char *)data)[i]);
	snprintf(line + len, sizeof(line) - len, "%s\n", size > 32 ? " ..." : "");
	fputs(line, p->out);
}

int pk_object_printer__event(struct pk_object_printer *p, const void *data, size_t size)
{
	int n;

	if (!p)
		return -EINVAL;
	if (p->printf_fmt) {
		n = pk_printf__format(p->printf_fmt, data, size, p->line, sizeof(p->line));
		if (n >= 0) {
			print_printf(p, n);
			return 0;
		}
	}
	if (p->event_printer) {
		/* folded: the output holds only the folded stacks */
		if (!p->folded)
			print_typed(p, data, size);
		return 0;
	}
	print_raw(p, data, size);
	return 0;
}

/* Maps -------------------------------------------------------------------- */

static void time_line(struct pk_object_printer *p)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;
	struct pk_json j;

	strftime(buf, sizeof(buf), "%H:%M:%S", localtime_r(&t, &tm));
	if (p->json) {
		pk_json_begin(&j, p->out);
		pk_json_str(&j, "time", buf, strlen(buf));
		pk_json_end(&j);
	} else {
		fprintf(p->out, "[%s]\n", buf);
	}
}

static const struct map_plan *plan_of(const struct pk_object_printer *p, const struct bpf_map *map)
{
	size_t i;

	for (i = 0; i < p->nr_maps; i++) {
		if (p->maps[i].map == map)
			return &p->maps[i];
	}
	return NULL;
}

/* A histogram as bcc prints it, any other map as items(). */
static int print_map(struct pk_object_printer *p, const struct map_plan *plan,
		     const struct pk_map_print_opts *po)
{
	LIBBPF_OPTS(pk_hist_print_opts, ho, .json = po->json, .title = true, .clear = po->clear);

	if (!plan->hist)
		return pk_map__print(p->out, plan->map, p->btf, po);
	return pk_hist__print_map(plan->hist, p->out, plan->map, &ho);
}

int pk_object_printer__maps(struct pk_object_printer *p, const struct pk_object_maps_opts *opts)
{
	LIBBPF_OPTS(pk_map_print_opts, po, .json = p ? p->json : false,
		    .top = PK_OPTS_GET(opts, top, 0), .per_cpu = PK_OPTS_GET(opts, per_cpu, false),
		    .clear = PK_OPTS_GET(opts, clear, false));
	LIBBPF_OPTS(pk_stack_map_print_opts, so, .json = po.json, .top = po.top, .clear = po.clear,
		    .folded = p ? p->folded : false, .fg = PK_OPTS_GET(opts, fg, NULL));
	const struct map_plan *plan;
	struct bpf_map *map;
	int n;

	if (!p || !PK_OPTS_VALID(opts, pk_object_maps_opts))
		return -EINVAL;
	p->error[0] = '\0';
	if (PK_OPTS_GET(opts, time, false) && !p->folded)
		time_line(p);
	bpf_object__for_each_map (map, p->obj) {
		if (pk_stack_printer__has_map(p->stacks, map))
			n = pk_stack_printer__print_map(p->stacks, p->out, map, &so);
		else if (p->folded)
			continue;
		else if (PK_OPTS_GET(opts, globals, false) && bpf_map__is_internal(map))
			n = pk_map__print_globals(p->out, map, p->btf, po.json);
		else if ((plan = plan_of(p, map)))
			n = print_map(p, plan, &po);
		else
			continue;
		if (n == -EIO && so.fg) {
			snprintf(p->error, sizeof(p->error), "cannot add to the flame graph: %s",
				 pk_flamegraph__error(so.fg));
			return n;
		}
		if (n < 0) {
			snprintf(p->error, sizeof(p->error), "cannot read map %s: %s",
				 bpf_map__name(map), strerror(-n));
			return n;
		}
	}
	return 0;
}
