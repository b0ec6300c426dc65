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
#include <probekit/maptable.h>
#include <probekit/output.h>
#include <probekit/params.h>
#include <probekit/printf.h>
#include <probekit/stackprint.h>

#include "print.h"

#define LINE_MAX_BYTES	8192
#define MAX_EVENT_TYPES 16
#define MAX_PARAMS	64

/*
 * A record type PK_EVENT() names; with several, each record starts with its
 * type's BTF id (PK_EVENT_KIND, probekit.bpf.h), which tells them apart.
 */
struct event_type {
	__u32 id;
	const char *name;
	/* the table of a struct type (eventtable.h); other types print on one line */
	struct pk_event_table *table;
};

/* A printable map, and the histogram it holds, if any. */
struct map_plan {
	const struct bpf_map *map;
	struct pk_hist *hist;
	/* declared as a table (maptable.h): its rows in the file's format */
	struct pk_map_table *table;
};

struct pk_object_printer {
	struct bpf_object *obj;
	const struct btf *btf;
	FILE *out;
	bool json, folded;
	struct pk_stack_printer *stacks;
	struct pk_printf *printf_fmt;
	/* PK_EVENT(type) in the object, once or more, and a printer for them */
	struct event_type types[MAX_EVENT_TYPES];
	size_t nr_types;
	struct pk_btf_printer *event_printer;
	/* the table whose stack ids the stack printer reads, if any */
	const struct pk_event_table *stacks_table;
	/* the type of the last record printed as text: a header where it changes */
	const struct event_type *last_printed;
	struct map_plan *maps;
	size_t nr_maps;
	/* PK_TOOL_STAMPED(var): bcc's summary layout */
	bool stamped;
	char line[LINE_MAX_BYTES];
	char error[256];
};

/* The types PK_EVENT() named: each pk_event_type* is a pointer to one (probekit.bpf.h). */
static int find_event_types(struct pk_object_printer *p)
{
	__u32 i, n = p->btf ? btf__type_cnt(p->btf) : 0;
	size_t k;

	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(p->btf, i), *ptr;
		const char *name = btf__name_by_offset(p->btf, t->name_off);

		if (!btf_is_var(t) || !name || strncmp(name, "pk_event_type", 13))
			continue;
		ptr = btf__type_by_id(p->btf, t->type);
		if (!ptr || !btf_is_ptr(ptr))
			continue;
		for (k = 0; k < p->nr_types && p->types[k].id != ptr->type; k++)
			;
		if (k < p->nr_types)
			continue;
		if (p->nr_types == MAX_EVENT_TYPES) {
			snprintf(p->error, sizeof(p->error), "more than %d PK_EVENT() types",
				 MAX_EVENT_TYPES);
			return -E2BIG;
		}
		p->types[p->nr_types].id = ptr->type;
		p->types[p->nr_types++].name =
		    btf__name_by_offset(p->btf, btf__type_by_id(p->btf, ptr->type)->name_off);
	}
	return 0;
}

/* With several types, each begins with its kind (PK_EVENT_KIND). */
static bool starts_with_kind(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, id)), *m;
	const char *name;

	if (!t || !btf_is_struct(t) || !btf_vlen(t) || btf_member_bit_offset(t, 0))
		return false;
	m = btf__type_by_id(btf, btf_members(t)[0].type);
	name = m ? btf__name_by_offset(btf, m->name_off) : NULL;
	return m && btf_is_typedef(m) && name && !strcmp(name, "pk_event_kind_t");
}

/* Whether the global a file tag @prefix:VAR names is set (PK_TOOL_CSV(), PK_EVENTS_UNLESS()). */
static bool tag_var_set(const struct pk_object_printer *p, const char *prefix)
{
	const char *var;
	int i;

	for (i = 0; (var = pk_params__file_tag(p->btf, prefix, i)); i++) {
		if (pk__print_global(p->obj, var, 0))
			return true;
	}
	return false;
}

/* Columns declared "pk_when:VAR" show when the object's global VAR is set (-T, --set). */
static void show_asked_columns(struct pk_object_printer *p, struct pk_event_table *t)
{
	struct pk_param ps[MAX_PARAMS];
	int i, n = pk_params__list(p->obj, ps, MAX_PARAMS);

	for (i = 0; i < n && i < MAX_PARAMS; i++)
		pk_event_table__show(t, ps[i].name,
				     strcmp(ps[i].value, "0") && strcmp(ps[i].value, "false") &&
					 ps[i].value[0]);
}

static int plan_event_type(struct pk_object_printer *p, struct event_type *et)
{
	char why[200] = "";
	LIBBPF_OPTS(pk_event_table_opts, o, .why = why, .why_size = sizeof(why));

	if (p->nr_types > 1 && !starts_with_kind(p->btf, et->id)) {
		snprintf(p->error, sizeof(p->error),
			 "struct %s: with several PK_EVENT() types, each starts with PK_EVENT_KIND "
			 "(probekit.bpf.h)",
			 et->name);
		return -EINVAL;
	}
	/* a type that is no struct, or too wide a one, prints on one line */
	et->table = pk_event_table__new(p->btf, et->id, &o);
	if (!et->table && errno == EBADMSG) {
		snprintf(p->error, sizeof(p->error), "struct %s: %s", et->name, why);
		return -EINVAL;
	}
	if (!et->table && errno != EINVAL && errno != E2BIG)
		return -errno;
	if (!et->table)
		return 0;
	show_asked_columns(p, et->table);
	pk__event_table_csv(et->table, tag_var_set(p, "pk_csv"));
	/* the first type with stack ids has them printed under its rows */
	if (!p->stacks_table && pk_stack_printer__set_event(p->stacks, et->table) > 0)
		p->stacks_table = et->table;
	return 0;
}

static int plan_events(struct pk_object_printer *p)
{
	size_t i;
	int err = find_event_types(p);

	if (!err && p->nr_types && !(p->event_printer = pk_btf_printer__new(p->btf)))
		err = -errno;
	for (i = 0; !err && i < p->nr_types; i++)
		err = plan_event_type(p, &p->types[i]);
	if (err)
		return err;
	p->printf_fmt = pk_printf__new(p->obj);
	if (!p->printf_fmt && errno != ENOENT)
		return -errno;
	return 0;
}

/* A map the file keeps to itself (PK_PRIVATE: start times...): not printed. */
static bool is_private(const struct pk_object_printer *p, const struct bpf_map *map)
{
	return pk__map_private(p->btf, map);
}

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
		if (!pk_map__is_printable(map) || is_private(p, map))
			continue;
		p->maps[p->nr_maps].map = map;
		p->maps[p->nr_maps].table = pk_map_table__new(p->obj, map, p->error,
							      sizeof(p->error));
		/* a malformed declaration: said by pk_object_printer__error() */
		if (!p->maps[p->nr_maps].table && errno)
			return -errno;
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
	p->stamped = pk_params__file_tag(p->btf, "pk_stamped", 0) != NULL;
	p->stacks = PK_OPTS_GET(opts, stacks, NULL);
	err = plan_events(p);
	if (!err)
		err = plan_maps(p);
	if (err) {
		pk__why(PK_OPTS_GET(opts, why, NULL), PK_OPTS_GET(opts, why_size, 0), "%s",
			p->error);
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
	for (i = 0; i < p->nr_types; i++)
		pk_event_table__free(p->types[i].table);
	for (i = 0; i < p->nr_maps; i++) {
		pk_hist__free(p->maps[i].hist);
		pk_map_table__free(p->maps[i].table);
	}
	free(p->maps);
	free(p);
}

const char *pk_object_printer__error(const struct pk_object_printer *p)
{
	return p ? p->error : "";
}

/* Events ------------------------------------------------------------------ */

static void print_header(struct pk_object_printer *p, const struct event_type *et)
{
	struct pk_line l;

	pk_line__begin(&l, p->out);
	pk_event_table__header(et->table, &l);
	pk_line__end(&l);
	p->last_printed = et;
}

/*
 * PK_EVENTS_UNLESS(var): the file sends no records while the global is set
 * (a count mode that fills a table instead, tcpconnect -c); PK_EVENTS_WHEN(var):
 * none unless it is set (memleak without -t). Either way, no header.
 */
static bool events_off(const struct pk_object_printer *p)
{
	return tag_var_set(p, "pk_events_unless") ||
	       (pk_params__file_tag(p->btf, "pk_events_when", 0) && !tag_var_set(p, "pk_events_when"));
}

/* With one record type, its header comes first; several print theirs as their rows come. */
void pk_object_printer__header(struct pk_object_printer *p)
{
	if (!p || p->nr_types != 1 || !p->types[0].table || p->json || p->folded || events_off(p))
		return;
	print_header(p, &p->types[0]);
}

/* The type of a record: the only one, or the one its kind names. */
static const struct event_type *record_type(const struct pk_object_printer *p, const void *data,
					    size_t size)
{
	__u32 kind;
	size_t i;

	if (p->nr_types == 1)
		return &p->types[0];
	if (size < sizeof(kind))
		return NULL;
	memcpy(&kind, data, sizeof(kind));
	for (i = 0; i < p->nr_types; i++) {
		if (p->types[i].id == kind)
			return &p->types[i];
	}
	return NULL;
}

/* A record of a PK_EVENT() type: a table row, or one line of its value. */
static void print_typed(struct pk_object_printer *p, const struct event_type *et, const void *data,
			size_t size)
{
	bool stacks = et->table && et->table == p->stacks_table;
	struct pk_json j;
	struct pk_line l;

	if (p->json) {
		pk_json__begin(&j, p->out);
		if (p->nr_types > 1)
			pk_json__str(&j, "type", et->name, strlen(et->name));
		if (et->table)
			pk_event_table__json(et->table, &j, "event", data, size);
		else
			pk_btf_value_json(p->btf, et->id, data, size, &j, "event");
		if (stacks)
			pk_stack_printer__event_json(p->stacks, &j, data, size);
		pk_json__end(&j);
		return;
	}
	if (et->table) {
		if (p->last_printed != et)
			print_header(p, et);
		pk_line__begin(&l, p->out);
		pk_event_table__text(et->table, &l, data, size);
		pk_line__end(&l);
		if (stacks)
			pk_stack_printer__event_text(p->stacks, p->out, data, size);
		return;
	}
	if (pk_btf_printer__text(p->event_printer, et->id, data, size, p->line, sizeof(p->line)) <
	    0)
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
		pk_json__begin(&j, p->out);
		pk_json__str(&j, "printf", p->line, len);
		pk_json__end(&j);
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
		pk_json__begin(&j, p->out);
		pk_json__uint(&j, "event_size", size);
		pk_json__end(&j);
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
	const struct event_type *et;
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
	if (p->event_printer && (et = record_type(p, data, size))) {
		/* folded: the output holds only the folded stacks */
		if (!p->folded)
			print_typed(p, et, data, size);
		return 0;
	}
	print_raw(p, data, size);
	return 0;
}

/* Maps -------------------------------------------------------------------- */

/*
 * "[12:00:01]" before an interval's maps, or {"time": ...}; with
 * PK_TOOL_STAMPED, bcc's: a blank line, then "12:00:01" only under its -T.
 */
static void time_line(struct pk_object_printer *p, bool interval)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;
	struct pk_json j;

	strftime(buf, sizeof(buf), "%H:%M:%S", localtime_r(&t, &tm));
	if (p->stamped && !p->json) {
		fputc('\n', p->out);
		if (tag_var_set(p, "pk_stamped"))
			fprintf(p->out, "%-8s\n", buf);
		return;
	}
	if (!interval)
		return;
	if (p->json) {
		pk_json__begin(&j, p->out);
		pk_json__str(&j, "time", buf, strlen(buf));
		pk_json__end(&j);
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
/* The file's banner ({interval}: @interval_s), and the headers printed once. */
struct shown_ctx {
	struct bpf_object *obj;
	bool shown, clear;
};

static int map_tag(const char *tag, void *arg)
{
	struct shown_ctx *c = arg;

	if (!strncmp(tag, "pk_table_when:", 14))
		c->shown &= pk__print_global(c->obj, tag + 14, 0) != 0;
	else if (!strncmp(tag, "pk_table_unless:", 16))
		c->shown &= pk__print_global(c->obj, tag + 16, 0) == 0;
	else if (!strcmp(tag, "pk_clear"))
		c->clear = true;
	return 0;
}

/*
 * PK_TABLE_WHEN(var) / PK_TABLE_UNLESS(var), any number of them on any map:
 * printed only while each global is non-zero / zero. PK_CLEAR: each print
 * empties it.
 */
bool pk__map_shown(struct bpf_object *obj, const struct bpf_map *map, bool *clear)
{
	struct shown_ctx c = { .obj = obj, .shown = true };
	const struct btf *btf = bpf_object__btf(obj);

	if (btf)
		pk__var_tags(btf, bpf_map__name(map), map_tag, &c);
	if (clear)
		*clear = c.clear;
	return c.shown;
}

void pk_object_printer__banner(struct pk_object_printer *p, double interval_s)
{
	const char *banner = p ? pk_params__file_tag(p->btf, "pk_banner", 0) : NULL;
	const char *mark = banner ? strstr(banner, "{interval}") : NULL;
	char text[512];
	size_t i;

	if (!p || p->json)
		return;
	if (mark)
		snprintf(text, sizeof(text), "%.*s%g%s", (int)(mark - banner), banner, interval_s,
			 mark + 10);
	else if (banner)
		snprintf(text, sizeof(text), "%s", banner);
	if (banner) {
		pk_fput_text(p->out, text, strlen(text));
		fputc('\n', p->out);
	}
	for (i = 0; i < p->nr_maps; i++) {
		if (p->maps[i].table && pk_map_table__header_once(p->maps[i].table) &&
		    pk__map_shown(p->obj, p->maps[i].map, NULL))
			pk_map_table__header(p->maps[i].table, p->out);
	}
}

/* Whether a map other than a table prints: then -i's time line first. */
static bool prints_plain_maps(const struct pk_object_printer *p)
{
	size_t i;

	for (i = 0; i < p->nr_maps; i++) {
		if (!p->maps[i].table)
			return true;
	}
	return false;
}

static int print_table(struct pk_object_printer *p, const struct map_plan *plan, bool clear)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;

	strftime(now, sizeof(now), "%H:%M:%S", localtime_r(&t, &tm));
	return pk__map_table_print(plan->table, p->out, p->json, now, clear);
}

static int print_map(struct pk_object_printer *p, const struct map_plan *plan,
		     const struct pk_map_print_opts *po)
{
	LIBBPF_OPTS(pk_hist_print_opts, ho, .json = po->json, .title = !p->stamped,
		    .clear = po->clear);
	struct pk_map_print_opts mo = *po;
	bool clear;

	if (!pk__map_shown(p->obj, plan->map, &clear))
		return 0;
	if (plan->table)
		return print_table(p, plan, po->clear);
	ho.clear |= clear;
	mo.clear |= clear;
	if (!plan->hist)
		return pk_map__print(p->out, plan->map, p->btf, &mo);
	return pk_hist__print_map(plan->hist, p->out, plan->map, &ho);
}

int pk_object_printer__maps(struct pk_object_printer *p, const struct pk_object_maps_opts *opts)
{
	char why[200] = "";
	LIBBPF_OPTS(pk_map_print_opts, po, .json = p ? p->json : false,
		    .top = PK_OPTS_GET(opts, top, 0), .per_cpu = PK_OPTS_GET(opts, per_cpu, false),
		    .clear = PK_OPTS_GET(opts, clear, false), .why = why, .why_size = sizeof(why));
	LIBBPF_OPTS(pk_stack_map_print_opts, so, .json = po.json, .top = po.top, .clear = po.clear,
		    .folded = p ? p->folded : false, .fg = PK_OPTS_GET(opts, fg, NULL),
		    .missed = PK_OPTS_GET(opts, missed_stacks, NULL),
		    .collided = PK_OPTS_GET(opts, stacks_collided, NULL));
	const struct map_plan *plan;
	struct bpf_map *map;
	int n;

	if (!p || !PK_OPTS_VALID(opts, pk_object_maps_opts))
		return -EINVAL;
	p->error[0] = '\0';
	if (!p->folded && prints_plain_maps(p))
		time_line(p, PK_OPTS_GET(opts, time, false));
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
		if (n < 0 && why[0]) {
			/* a table declaration that cannot be */
			snprintf(p->error, sizeof(p->error), "%s", why);
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
