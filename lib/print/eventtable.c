// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Event records as a table: a column plan made once from BTF (offsets,
 * kinds, widths), then each record formatted into a struct pk_line with
 * the hand-written formatters of output.c. The plan's rules are in
 * eventtable.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>

#include <probekit/btfvalue.h>
#include <probekit/eventtable.h>
#include <probekit/stackid.h>
#include <probekit/usyms.h>

#include "colformat.h"
#include "print.h"

#define MAX_RESOLVE 32
/* widest column a char array gets (longer text is not cut, only unpadded) */
#define STRING_WIDTH_MAX 32
#define ENUM_WIDTH_MAX	 24
#define VALUE_WIDTH_MIN	 8
#define ERRNO_MAX	 4095

struct pk_event_table {
	const struct btf *btf;
	__u32 type_id;
	bool raw_time, pad_last;
	size_t ncols;
	struct pk_event_column *cols;
	/* for PK_COL_VALUE columns, made when the plan has one */
	struct pk_btf_printer *dump;
	/* the first record's time, that TIME(s) counts from */
	bool have_first;
	__u64 first_ts;
	/* what formatted columns need: the wall clock, symbols */
	struct pk__col_env env;
	/* the last column shown (not padded) */
	size_t last_shown;
	/* comma-separated, unpadded (pk__event_table_csv()) */
	bool csv;
	char value[512];
};

struct planner {
	struct pk_event_table *t;
	size_t cap;
	char *why;
	size_t why_size;
};

static bool is_char(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = pk__btf_resolve(btf, &id);

	return t && btf_is_int(t) && t->size == 1 && !(btf_int_encoding(t) & BTF_INT_BOOL);
}

static bool name_in(const char *name, const char *const *list)
{
	for (; *list; list++) {
		if (!strcmp(name, *list))
			return true;
	}
	return false;
}

static const char *last_component(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot ? dot + 1 : path;
}

static int digits(__u64 v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* The widest decimal an integer of @bits bits prints as. */
static int int_width(__u32 bits, bool is_signed)
{
	__u64 max = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;

	if (is_signed)
		return digits(max >> 1) + 1;
	return digits(max);
}

static int enum_width(const struct btf *btf, const struct btf_type *t)
{
	int i, w = 1, n;

	for (i = 0; i < btf_vlen(t); i++) {
		__u32 off = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
		const char *name = btf__name_by_offset(btf, off);

		n = name ? (int)strlen(name) : 0;
		if (n > w)
			w = n;
	}
	return w > ENUM_WIDTH_MAX ? ENUM_WIDTH_MAX : w;
}

/* Kind, size and width of a member of type @t (resolved @id), by type alone. */
static void by_type(const struct btf *btf, __u32 id, const struct btf_type *t, __u32 bits,
		    struct pk_event_column *c)
{
	__s64 size = t ? btf__resolve_size(btf, id) : -1;

	c->kind = PK_COL_VALUE;
	c->bit_size = size > 0 ? size * 8 : 0;
	if (!t)
		return;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		if (t->size > 8 || !btf_int_bits(t) || btf_int_bits(t) > 64)
			return;
		c->bit_offset += bits ? 0 : btf_int_offset(t);
		c->bit_size = bits ? bits : btf_int_bits(t);
		c->is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
		c->kind = btf_int_encoding(t) & BTF_INT_BOOL ? PK_COL_BOOL
			  : c->is_signed		     ? PK_COL_INT
							     : PK_COL_UINT;
		c->width = c->kind == PK_COL_BOOL ? -5 : int_width(c->bit_size, c->is_signed);
		return;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (!t->size || t->size > 8)
			return;
		c->kind = PK_COL_ENUM;
		c->bit_size = bits ? bits : t->size * 8;
		c->is_signed = btf_kflag(t);
		c->width = -enum_width(btf, t);
		return;
	case BTF_KIND_PTR:
		if (size != 8 && size != 4)
			return;
		c->kind = PK_COL_PTR;
		c->width = 2 + size * 2;
		return;
	case BTF_KIND_FLOAT:
		if (t->size == 4 || t->size == 8) {
			c->kind = PK_COL_FLOAT;
			c->width = 12;
		}
		return;
	case BTF_KIND_ARRAY:
		if (!is_char(btf, btf_array(t)->type) || bits)
			break;
		c->kind = PK_COL_STRING;
		c->bit_size = btf_array(t)->nelems * 8;
		c->width = -(int)(btf_array(t)->nelems < STRING_WIDTH_MAX ? btf_array(t)->nelems
									  : STRING_WIDTH_MAX);
		return;
	default: break;
	}
	c->width = -VALUE_WIDTH_MIN;
}

static bool is_integer(const struct pk_event_column *c)
{
	return c->kind == PK_COL_INT || c->kind == PK_COL_UINT;
}

/*
 * The treatment of members by name (eventtable.h); @top: a member of the
 * record itself; @stack: what pk_btf_stack_id() said of it, or NULL.
 */
static void by_name(struct pk_event_table *tab, struct pk_event_column *c, bool top,
		    const struct pk_stack_id_info *stack)
{
	static const char *const ids[] = {"pid", "tid", "uid", "ppid", "tgid", "gid", NULL};
	const char *name = last_component(c->path);

	if (!is_integer(c))
		return;
	if (stack) {
		c->kind = PK_COL_STACK_ID;
		c->user_stack = stack->kind == PK_STACK_USER;
		c->stack_kind = stack->kind;
		c->stack_map = stack->map;
		c->width = 7;
		return;
	}
	if (!top)
		return;
	if (name_in(name, ids) && c->bit_size <= 32) {
		c->width = 7;
	} else if ((!strcmp(name, "ts") || !strcmp(name, "ts_ns")) && c->bit_size >= 32 &&
		   !tab->raw_time) {
		c->kind = PK_COL_TIME;
		c->width = -14;
	} else if (!strcmp(name, "errno")) {
		/* a "ret" may be anything (getaddrinfo's -2 is EAI_NONAME): declared only */
		c->kind = PK_COL_ERRNO;
		c->is_signed = true;
		c->errno_positive = true;
		/* "-13 EACCES" */
		c->width = -10;
	}
}

static char *upper(const char *s)
{
	char *u = strdup(s), *p;

	for (p = u; p && *p; p++)
		*p = toupper((unsigned char)*p);
	return u;
}

/* bcc's exitsnoop -t: "TIME-" and the time zone's name ("TIME-UTC", "TIME-CET") */
static char *clock_header(const struct pk_event_column *c)
{
	char zone[16] = "UTC", *h;
	time_t now = time(NULL);
	struct tm tm;

	if (!c->utc && (!localtime_r(&now, &tm) || !strftime(zone, sizeof(zone), "%Z", &tm)))
		snprintf(zone, sizeof(zone), "?");
	h = malloc(strlen(zone) + 6);
	if (h)
		sprintf(h, "TIME-%s", zone);
	return h;
}

/* The header: declared, else the path in upper case, with a duration's unit. */
static char *header(const struct pk_event_column *c, const struct pk__col_decl *d)
{
	char *u, *h;

	if (d->header)
		return strdup(d->header);
	if (c->kind == PK_COL_TIME)
		return strdup("TIME(s)");
	if (c->kind == PK_COL_CLOCK && c->unit_shown == PK_UNIT_MS)
		return clock_header(c);
	if (c->kind == PK_COL_CLOCK)
		return strdup("TIME");
	u = upper(c->path);
	if (!u || c->kind != PK_COL_DURATION)
		return u;
	h = malloc(strlen(u) + 8);
	if (h)
		sprintf(h, "%s(%s)", u, pk__col_unit_name(c->unit_shown));
	free(u);
	return h;
}

/* Member @name of struct @st, at @base: its place, for a family or port. */
static bool sibling(const struct btf *btf, const struct btf_type *st, __u32 base, const char *name,
		    __u32 *bit_offset, __u32 *bit_size)
{
	const struct btf_member *m;
	int i;

	if (!st || !(btf_is_struct(st) || btf_is_union(st)))
		return false;
	m = btf_members(st);
	for (i = 0; i < btf_vlen(st); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		__s64 size = btf__resolve_size(btf, m->type);

		if (n && !strcmp(n, name) && !btf_member_bitfield_size(st, i) && size > 0 &&
		    size <= 8) {
			*bit_offset = base + btf_member_bit_offset(st, i);
			*bit_size = size * 8;
			return true;
		}
	}
	return false;
}

static int link_siblings(struct planner *p, const struct btf_type *st, __u32 base,
			 const struct pk__col_decl *d, struct pk_event_column *c)
{
	const struct btf *btf = p->t->btf;

	if (d->family &&
	    (c->kind != PK_COL_INET ||
	     !sibling(btf, st, base, d->family, &c->family_bit_offset, &c->family_bit_size))) {
		pk__why(p->why, p->why_size, "%s: pk_family:%s names no integer member beside it",
			c->path, d->family);
		return -EBADMSG;
	}
	if (c->kind == PK_COL_INET && !d->family) {
		pk__why(p->why, p->why_size, "%s: an inet column needs PK_INET(family member)",
			c->path);
		return -EBADMSG;
	}
	if (!d->port)
		return 0;
	if ((c->kind != PK_COL_IPV4 && c->kind != PK_COL_IPV6 && c->kind != PK_COL_INET) ||
	    !sibling(btf, st, base, d->port, &c->port_bit_offset, &c->port_bit_size)) {
		pk__why(p->why, p->why_size,
			"%s: pk_port:%s needs an address column and an integer member beside it",
			c->path, d->port);
		return -EBADMSG;
	}
	c->port_be = d->port_be;
	return 0;
}

static int add_column(struct planner *p, const char *path, __u32 id, __u32 bit_offset, __u32 bits,
		      bool top, const struct pk_stack_id_info *stack, const struct btf_type *st,
		      __u32 base, const struct pk__col_decl *d)
{
	struct pk_event_table *t = p->t;
	const struct btf_type *bt = pk__btf_resolve(t->btf, &id);
	struct pk_event_column *c;
	int hw;

	if (t->ncols == PK_EVENT_TABLE_MAX_COLUMNS)
		return -E2BIG;
	if (t->ncols == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct pk_event_column *cols = realloc(t->cols, cap * sizeof(*cols));

		if (!cols)
			return -ENOMEM;
		t->cols = cols;
		p->cap = cap;
	}
	c = &t->cols[t->ncols];
	memset(c, 0, sizeof(*c));
	c->type_id = id;
	c->bit_offset = bit_offset;
	c->path = strdup(path);
	if (!c->path)
		return -ENOMEM;
	t->ncols++;
	c->shown = true;
	c->pid_column = -1;
	by_type(t->btf, id, bt, bits, c);
	if (d->declared && !stack) {
		int err = pk__col_apply(t->btf, d, c, p->why, p->why_size);

		if (!err)
			err = link_siblings(p, st, base, d, c);
		if (err)
			return err;
	} else {
		by_name(t, c, top, stack);
	}
	if (d->when) {
		c->when = strdup(d->when);
		c->shown = false;
		if (!c->when)
			return -ENOMEM;
	}
	if (d->unless) {
		c->unless = strdup(d->unless);
		if (!c->unless)
			return -ENOMEM;
	}
	c->header = header(c, d);
	if (!c->header)
		return -ENOMEM;
	hw = strlen(c->header);
	if (c->width > 0 && c->width < hw)
		c->width = hw;
	else if (c->width <= 0 && -c->width < hw)
		c->width = -hw;
	/* PK_WIDTH: printf's, as bcc's format string has it; a longer header
	 * overflows it there too */
	if (d->has_width)
		c->width = d->width;
	c->precision = d->precision;
	if (d->width_when) {
		c->width_when = strdup(d->width_when);
		if (!c->width_when)
			return -ENOMEM;
		/* the variable's name ends at the tag's next colon */
		((char *)c->width_when)[strcspn(c->width_when, ":")] = '\0';
		c->when_width = d->when_width;
		c->when_precision = d->when_precision;
		c->base_width = c->width;
		c->base_precision = c->precision;
	}
	return 0;
}

static int plan_members(struct planner *p, __u32 sid, const struct btf_type *st, __u32 base,
			const char *prefix, int depth);

/* Member @i of struct @sid: columns, or the columns of its members. */
static int plan_member(struct planner *p, __u32 sid, const struct btf_type *st, int i, __u32 base,
		       const char *prefix, int depth)
{
	const struct btf *btf = p->t->btf;
	const struct btf_member *m = btf_members(st) + i;
	const char *name = btf__name_by_offset(btf, m->name_off);
	__u32 bits = btf_member_bitfield_size(st, i), off = base + btf_member_bit_offset(st, i);
	__u32 mid = m->type;
	const struct btf_type *mt = pk__btf_resolve(btf, &mid);
	bool aggregate = mt && (btf_is_struct(mt) || btf_is_union(mt)) && !bits;
	struct pk_stack_id_info stack;
	/* the rule `probekit run` symbolizes by; a broken tag leaves a number */
	int is_stack = pk_btf_stack_id(btf, sid, i, &stack);
	struct pk__col_decl d;
	char path[256];
	int err;

	if (!name)
		name = "";
	snprintf(path, sizeof(path), "%s%s%s", prefix ? prefix : "", prefix ? "." : "",
		 name[0] ? name : "?");
	err = pk__col_decl(btf, sid, i, m->type, &d, p->why, p->why_size);
	if (err) {
		/* the member's path first: "daddr: unknown column format ..." */
		char reason[256];

		snprintf(reason, sizeof(reason), "%s", p->why ? p->why : "");
		pk__why(p->why, p->why_size, "%s: %s", path, reason);
		return err;
	}
	if (d.is_kind)
		return 0; /* which record type this is: no column */
	if (!name[0] && aggregate && !d.declared && depth < PK_EVENT_TABLE_MAX_DEPTH)
		/* an anonymous struct or union: its members are the record's */
		return plan_members(p, mid, mt, off, prefix, depth + 1);
	if (!name[0])
		snprintf(path, sizeof(path), "%s%saddr", prefix ? prefix : "", prefix ? "." : "");
	if (aggregate && !d.declared && btf_is_struct(mt) && depth + 1 < PK_EVENT_TABLE_MAX_DEPTH)
		return plan_members(p, mid, mt, off, path, depth + 1);
	err = add_column(p, path, m->type, off, bits, !prefix, is_stack > 0 ? &stack : NULL, st,
			 base, &d);
	if (!err && is_stack == -EBADMSG)
		p->t->cols[p->t->ncols - 1].bad_stack_tag = stack.tag;
	return err;
}

static int plan_members(struct planner *p, __u32 sid, const struct btf_type *st, __u32 base,
			const char *prefix, int depth)
{
	int i, err;

	for (i = 0; i < btf_vlen(st); i++) {
		err = plan_member(p, sid, st, i, base, prefix, depth);
		if (err)
			return err;
	}
	return 0;
}

/* A whole value of a type that is not a struct: one column named @name. */
static int plan_scalar(struct planner *p, __u32 type_id, const char *name)
{
	struct pk__col_decl d;
	int err = pk__col_decl(p->t->btf, 0, -1, type_id, &d, p->why, p->why_size);

	return err ? err : add_column(p, name, type_id, 0, 0, true, NULL, NULL, 0, &d);
}

/* Address columns show their port: its own column goes. */
static void drop_port_columns(struct pk_event_table *t)
{
	size_t i, j, k;

	for (i = 0; i < t->ncols; i++) {
		const struct pk_event_column *a = &t->cols[i];

		if (!a->port_bit_size)
			continue;
		for (j = 0; j < t->ncols; j++) {
			struct pk_event_column *c = &t->cols[j];

			if (j == i || c->bit_offset != a->port_bit_offset ||
			    c->bit_size != a->port_bit_size ||
			    !(c->kind == PK_COL_INT || c->kind == PK_COL_UINT))
				continue;
			free((char *)c->path);
			free((char *)c->header);
			free((char *)c->when);
			free((char *)c->unless);
			for (k = j + 1; k < t->ncols; k++)
				t->cols[k - 1] = t->cols[k];
			t->ncols--;
			if (j < i)
				i--;
			break;
		}
	}
}

/* The pid or tgid column a user address is resolved in. */
static int find_pid_column(const struct pk_event_table *t)
{
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		if (!strcmp(t->cols[i].path, "tgid") || !strcmp(t->cols[i].path, "pid"))
			return i;
	}
	return -1;
}

static void find_last_shown(struct pk_event_table *t)
{
	size_t i;

	t->last_shown = t->ncols;
	for (i = 0; i < t->ncols; i++) {
		if (t->cols[i].shown)
			t->last_shown = i;
	}
}

/* What the formats need, once the columns are known. */
static int plan_env(struct pk_event_table *t)
{
	struct timespec mono, wall;
	size_t i;
	int pid = find_pid_column(t);

	t->env.btf = t->btf;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &wall);
	t->env.wall_offset =
	    (wall.tv_sec - mono.tv_sec) * 1000000000LL + (wall.tv_nsec - mono.tv_nsec);
	for (i = 0; i < t->ncols; i++) {
		struct pk_event_column *c = &t->cols[i];

		if (c->kind == PK_COL_VALUE && !t->dump && !(t->dump = pk_btf_printer__new(t->btf)))
			return -errno;
		if (c->kind != PK_COL_USYM)
			continue;
		c->pid_column = pid;
		if (!t->env.usyms && !(t->env.usyms = pk_usyms__new(NULL)))
			return -errno;
	}
	drop_port_columns(t);
	/* the port columns gone: the pid column may have moved */
	pid = find_pid_column(t);
	for (i = 0; i < t->ncols; i++) {
		if (t->cols[i].kind == PK_COL_USYM)
			t->cols[i].pid_column = pid;
	}
	find_last_shown(t);
	return 0;
}

struct pk_event_table *pk_event_table__new(const struct btf *btf, __u32 type_id,
					   const struct pk_event_table_opts *opts)
{
	struct pk_event_table *t;
	const struct btf_type *bt;
	struct planner p = {};
	const char *name;
	__u32 id = type_id;
	int err;

	bt = btf && PK_OPTS_VALID(opts, pk_event_table_opts) ? pk__btf_resolve(btf, &id) : NULL;
	name = PK_OPTS_GET(opts, name, NULL);
	if (!bt || (!(btf_is_struct(bt) || btf_is_union(bt)) && !name)) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->btf = btf;
	t->type_id = type_id;
	t->raw_time = PK_OPTS_GET(opts, raw_time, false);
	t->pad_last = PK_OPTS_GET(opts, pad_last, false);
	p.t = t;
	p.why = PK_OPTS_GET(opts, why, NULL);
	p.why_size = p.why ? PK_OPTS_GET(opts, why_size, 0) : 0;
	if (btf_is_struct(bt) || btf_is_union(bt))
		err = plan_members(&p, id, bt, 0, NULL, 0);
	else
		err = plan_scalar(&p, type_id, name);
	if (!err)
		err = plan_env(t);
	if (err) {
		pk_event_table__free(t);
		errno = -err;
		return NULL;
	}
	return t;
}

void pk_event_table__free(struct pk_event_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->ncols; i++) {
		free((char *)t->cols[i].path);
		free((char *)t->cols[i].header);
		free((char *)t->cols[i].when);
		free((char *)t->cols[i].unless);
		free((char *)t->cols[i].width_when);
	}
	free(t->cols);
	pk_btf_printer__free(t->dump);
	pk_usyms__free(t->env.usyms);
	free(t);
}

/*
 * Which of the '|'-separated variables of a "pk_when:a|b" column @var is
 * (PK_WHEN_ANY: shown while any is set), or -1.
 */
static int when_bit(const char *list, const char *var)
{
	size_t n = strlen(var);
	int bit = 0;

	for (;;) {
		size_t len = strcspn(list, "|");

		if (len == n && !strncmp(list, var, n))
			return bit < 32 ? bit : -1;
		if (!list[len])
			return -1;
		list += len + 1;
		bit++;
	}
}

int pk_event_table__show(struct pk_event_table *t, const char *when, bool on)
{
	size_t i;
	int n = 0;

	for (i = 0; t && when && i < t->ncols; i++) {
		struct pk_event_column *c = &t->cols[i];
		bool hit = false;

		if (c->width_when && !strcmp(c->width_when, when)) {
			c->width = on ? c->when_width : c->base_width;
			c->precision = on ? c->when_precision : c->base_precision;
		}
		int bit = c->when ? when_bit(c->when, when) : -1;

		if (bit >= 0) {
			c->when_mask = on ? c->when_mask | 1u << bit : c->when_mask & ~(1u << bit);
			c->when_on = c->when_mask != 0;
			hit = true;
		}
		if (c->unless && !strcmp(c->unless, when)) {
			c->unless_on = on;
			hit = true;
		}
		if (!hit)
			continue;
		c->shown = (!c->when || c->when_on) && !c->unless_on;
		n++;
	}
	if (t)
		find_last_shown(t);
	return n;
}

size_t pk_event_table__column_cnt(const struct pk_event_table *t)
{
	return t ? t->ncols : 0;
}

const struct pk_event_column *pk_event_table__column(const struct pk_event_table *t, size_t i)
{
	return t && i < t->ncols ? &t->cols[i] : NULL;
}

/* Reading values ------------------------------------------------------------ */

/* The raw bits of an integer-like column, zero-extended; -ENODATA past @size. */
static int load_bits(const struct pk_event_column *c, const unsigned char *d, size_t size, __u64 *v)
{
	size_t byte = c->bit_offset / 8, shift = c->bit_offset % 8;
	size_t nbytes = (shift + c->bit_size + 7) / 8;
	__u64 x;

	if (!c->bit_size || c->bit_size > 64 || byte > size || nbytes > size - byte)
		return -ENODATA;
	/* little-endian, as the BPF target of the hosts probekit runs on */
	x = 0;
	memcpy(&x, d + byte, nbytes < 8 ? nbytes : 8);
	x >>= shift;
	if (nbytes > 8)
		x |= (__u64)d[byte + 8] << (64 - shift);
	if (c->bit_size < 64)
		x &= (1ULL << c->bit_size) - 1;
	*v = x;
	return 0;
}

int pk_event_column__int(const struct pk_event_column *c, const void *data, size_t size, __s64 *v)
{
	__u64 x;
	int err;

	if (!c || !data || c->kind == PK_COL_STRING || c->kind == PK_COL_VALUE ||
	    c->kind == PK_COL_FLOAT || c->kind == PK_COL_PTR || c->kind == PK_COL_IPV6 ||
	    c->kind == PK_COL_INET)
		return -EINVAL;
	err = load_bits(c, data, size, &x);
	if (err)
		return err;
	*v = c->is_signed ? pk__sign_extend(x, c->bit_size) : (__s64)x;
	return 0;
}

/* The errno name of column @c's value @v, or NULL (eventtable.h's rule). */
static const char *errno_name(const struct pk_event_column *c, __s64 v)
{
	if (v < -ERRNO_MAX || v > (c->errno_positive ? ERRNO_MAX : -1) || !v)
		return NULL;
	return pk__errno_known_name((int)v);
}

/* Text ------------------------------------------------------------------------ */

static const char spaces[64] = "                                                               ";

static void put_spaces(struct pk_line *l, size_t n)
{
	while (n) {
		size_t k = n < sizeof(spaces) ? n : sizeof(spaces);

		pk_line__raw(l, spaces, k);
		n -= k;
	}
}

/* @s in a column of @width, printf's way */
static void put_field(struct pk_line *l, const char *s, size_t n, int width)
{
	size_t w = width < 0 ? -(size_t)width : (size_t)width;

	if (width > 0 && w > n)
		put_spaces(l, w - n);
	pk_line__raw(l, s, n);
	if (width < 0 && w > n)
		put_spaces(l, w - n);
}

static void put_hex(struct pk_line *l, __u64 v, int width)
{
	static const char hex[] = "0123456789abcdef";
	char buf[18], *p = buf + sizeof(buf);

	do {
		*--p = hex[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	put_field(l, p, buf + sizeof(buf) - p, width);
}

static void put_enum(const struct pk_event_table *t, const struct pk_event_column *c,
		     struct pk_line *l, __s64 v, int width)
{
	__u32 id = c->type_id;
	const struct btf_type *bt = pk__btf_resolve(t->btf, &id);
	int i;

	for (i = 0; bt && i < btf_vlen(bt); i++) {
		__u64 ev;
		const char *name;

		if (btf_is_enum(bt)) {
			__s32 sv = btf_enum(bt)[i].val;

			ev = c->is_signed ? (__u64)(__s64)sv : (__u64)(__u32)sv;
			name = btf__name_by_offset(t->btf, btf_enum(bt)[i].name_off);
		} else {
			ev = btf_enum64_value(btf_enum64(bt) + i);
			name = btf__name_by_offset(t->btf, btf_enum64(bt)[i].name_off);
		}
		if (c->bit_size < 64 && !c->is_signed)
			ev &= (1ULL << c->bit_size) - 1;
		if (ev == (__u64)v && name && name[0]) {
			put_field(l, name, strlen(name), width);
			return;
		}
	}
	if (c->is_signed)
		pk_line__int(l, v, width);
	else
		pk_line__uint(l, (__u64)v, width);
}

static void put_float(struct pk_line *l, const unsigned char *d, __u32 bits, int decimals,
		      int width)
{
	double v;
	float f;

	if (bits == 32) {
		memcpy(&f, d, 4);
		v = f;
	} else {
		memcpy(&v, d, 8);
	}
	if (v != v || v - v != 0) /* NaN or infinity */
		put_field(l,
			  v != v  ? "nan"
			  : v < 0 ? "-inf"
				  : "inf",
			  v != v || v > 0 ? 3 : 4, width);
	else
		pk_line__fixed(l, v, decimals, width);
}

static void put_errno(const struct pk_event_column *c, struct pk_line *l, __s64 v, int width)
{
	const char *name = errno_name(c, v);
	size_t mark = pk_line__mark(l), n = v < 0;
	__s64 rest = v;

	/* right-aligned (PK_WIDTH(3), bcc's "%3d"): the spaces go first */
	do {
		n++;
		rest /= 10;
	} while (rest);
	n += name ? 1 + strlen(name) : 0;
	if (width > 0 && (size_t)width > n)
		put_spaces(l, width - n);
	pk_line__int(l, v, 0);
	if (name) {
		pk_line__char(l, ' ');
		pk_line__str(l, name);
	}
	if (width < 0)
		pk_line__pad(l, mark, -width);
}

static void put_time(struct pk_event_table *t, struct pk_line *l, __u64 ts, int decimals,
		     int width)
{
	if (!t->have_first) {
		t->have_first = true;
		t->first_ts = ts;
	}
	/* records from other CPUs may come a little out of order: negative then */
	pk_line__fixed(l, (double)(__s64)(ts - t->first_ts) / 1e9, decimals, width);
}

static void put_string(struct pk_line *l, const struct pk_event_column *c, const unsigned char *d,
		       size_t size, int width)
{
	size_t byte = c->bit_offset / 8, n = c->bit_size / 8;
	size_t mark = pk_line__mark(l);

	/* a record cut short (pk_reserve_cut()) keeps the start of its text */
	if (byte + n > size)
		n = size - byte;
	/* PK_PRECISION: %-12.12s */
	if (c->precision >= 0 && n > (size_t)c->precision)
		n = (size_t)c->precision;
	pk_line__text(l, (const char *)d + byte, n);
	if (width < 0)
		pk_line__pad(l, mark, -width);
}

static void put_value(struct pk_event_table *t, struct pk_line *l, const struct pk_event_column *c,
		      const unsigned char *d, size_t size, int width)
{
	size_t byte = c->bit_offset / 8;
	int n = pk_btf_printer__text(t->dump, c->type_id, d + byte, size - byte, t->value,
				     sizeof(t->value));

	if (n < 0) {
		put_field(l, "?", 1, width);
		return;
	}
	/* btf_dump text, made printable by btfvalue.c; cut at the buffer */
	put_field(l, t->value, strnlen(t->value, sizeof(t->value)), width);
}

/* The pid a user address of this record is resolved in. */
static int record_pid(const struct pk_event_table *t, const struct pk_event_column *c,
		      const unsigned char *d, size_t size)
{
	__s64 pid;

	if (c->pid_column < 0 || pk_event_column__int(&t->cols[c->pid_column], d, size, &pid))
		return 0;
	return (int)pid;
}

/* A declared format's text into t->value; its length. */
static size_t format_text(const struct pk_event_table *t, const struct pk_event_column *c,
			  const unsigned char *d, size_t size, __u64 x, char *buf, size_t buf_size)
{
	struct pk__col_env env = t->env;

	if (c->kind == PK_COL_USYM)
		env.pid = record_pid(t, c, d, size);
	return pk__col_format(&env, c, d, size, x, buf, buf_size);
}

static bool is_byte_kind(enum pk_col_kind k)
{
	return k == PK_COL_STRING || k == PK_COL_VALUE || k == PK_COL_FLOAT || k == PK_COL_PTR ||
	       k == PK_COL_IPV6 || k == PK_COL_INET;
}

static void put_column(struct pk_event_table *t, struct pk_line *l, const struct pk_event_column *c,
		       const unsigned char *d, size_t size, int width)
{
	size_t byte = c->bit_offset / 8, n;
	__u64 x = 0;
	__s64 v;

	if (is_byte_kind(c->kind)) {
		if (byte >= size || (c->kind != PK_COL_STRING && c->bit_size / 8 > size - byte)) {
			put_field(l, "-", 1, width);
			return;
		}
	} else if (load_bits(c, d, size, &x)) {
		put_field(l, "-", 1, width);
		return;
	}
	v = c->is_signed ? pk__sign_extend(x, c->bit_size) : (__s64)x;
	switch (c->kind) {
	case PK_COL_INT:
	case PK_COL_STACK_ID:
		if (c->is_signed)
			pk_line__int(l, v, width);
		else
			pk_line__uint(l, x, width);
		return;
	case PK_COL_UINT: pk_line__uint(l, x, width); return;
	case PK_COL_BOOL: put_field(l, x ? "true" : "false", x ? 4 : 5, width); return;
	case PK_COL_ENUM: put_enum(t, c, l, v, width); return;
	case PK_COL_TIME: put_time(t, l, x, c->precision >= 0 ? c->precision : 9, width); return;
	case PK_COL_ERRNO: put_errno(c, l, v, width); return;
	case PK_COL_FLOAT:
		put_float(l, d + byte, c->bit_size, c->precision >= 0 ? c->precision : 3, width);
		return;
	case PK_COL_DURATION:
		if (c->precision < 0)
			break;
		/* bcc's "%.2f" of float(delta) / 1000000: rounded as printf does */
		pk_line__fixed(l, pk__col_duration_value(c, v, x), c->precision, width);
		return;
	case PK_COL_PTR: put_hex(l, pk__load_uint(d + byte, c->bit_size / 8), width); return;
	case PK_COL_STRING: put_string(l, c, d, size, width); return;
	case PK_COL_VALUE: put_value(t, l, c, d, size, width); return;
	default: break;
	}
	n = format_text(t, c, d, size, x, t->value, sizeof(t->value));
	/* names are ours or the kernel's; a symbol name is escaped all the same */
	if (width < 0) {
		size_t mark = pk_line__mark(l);

		pk_line__text(l, t->value, n);
		pk_line__pad(l, mark, -width);
	} else {
		put_field(l, t->value, n, width);
	}
}

/* The last column shown, when left-aligned, is not padded. */
void pk__event_table_csv(struct pk_event_table *t, bool on)
{
	if (t)
		t->csv = on;
}

static int column_width(const struct pk_event_table *t, size_t i)
{
	int w = t->cols[i].width;

	if (t->csv)
		return 0;
	return i == t->last_shown && w < 0 && !t->pad_last ? 0 : w;
}

void pk_event_table__header(const struct pk_event_table *t, struct pk_line *l)
{
	bool first = true;
	size_t i;

	for (i = 0; t && i < t->ncols; i++) {
		if (!t->cols[i].shown)
			continue;
		if (!first)
			pk_line__char(l, t->csv ? ',' : ' ');
		first = false;
		put_field(l, t->cols[i].header, strlen(t->cols[i].header), column_width(t, i));
	}
}

void pk_event_table__text(struct pk_event_table *t, struct pk_line *l, const void *data,
			  size_t size)
{
	bool first = true;
	size_t i;

	for (i = 0; t && data && i < t->ncols; i++) {
		if (!t->cols[i].shown)
			continue;
		if (!first)
			pk_line__char(l, t->csv ? ',' : ' ');
		first = false;
		put_column(t, l, &t->cols[i], data, size, column_width(t, i));
	}
}

/* JSON ------------------------------------------------------------------------ */

size_t pk__event_column_named(const struct pk_event_table *t, const struct pk_event_column *c,
			      const void *data, size_t size, char *buf, size_t buf_size)
{
	__u64 x = 0;

	if (c->kind <= PK_COL_VALUE || !buf_size)
		return 0;
	if (!is_byte_kind(c->kind) && load_bits(c, data, size, &x))
		return 0;
	if (is_byte_kind(c->kind) && c->bit_offset / 8 + c->bit_size / 8 > size)
		return 0;
	return format_text(t, c, data, size, x, buf, buf_size);
}

/* "named": {PATH: TEXT} of the declared formats beside the raw record. */
static void json_named(const struct pk_event_table *t, struct pk_json *j, const char *key,
		       const void *data, size_t size)
{
	char buf[512];
	bool open = false;
	size_t i, n;

	for (i = 0; key && i < t->ncols; i++) {
		const struct pk_event_column *c = &t->cols[i];

		n = pk__event_column_named(t, c, data, size, buf, sizeof(buf));
		if (!n)
			continue;
		if (!open && pk_json__object_begin(j, "named"))
			return;
		open = true;
		pk_json__str(j, c->path, buf, n);
	}
	if (open)
		pk_json__object_end(j);
}

struct json_record {
	const struct pk_event_table *t;
	const unsigned char *data;
	size_t size;
};

static bool is_addr_kind(enum pk_col_kind k)
{
	return k == PK_COL_IPV4 || k == PK_COL_IPV6 || k == PK_COL_INET;
}

/*
 * An address column's member as its address text ("127.0.0.1", "::1"), not
 * the union or bytes that hold it: what a reader of the JSON wants, and
 * what it round-trips to with inet_pton() and the family member. Its port
 * stays the number it is, in its own member.
 */
static bool json_address(void *ctx, struct pk_json *j, const char *name, size_t offset, size_t size)
{
	const struct json_record *r = ctx;
	char buf[64];
	size_t i, n, len = strlen(name);

	(void)size;
	for (i = 0; i < r->t->ncols; i++) {
		const struct pk_event_column *c = &r->t->cols[i];
		const char *dot = strrchr(c->path, '.');
		const char *last = dot ? dot + 1 : c->path;

		if (!is_addr_kind(c->kind) || c->bit_offset != offset * 8 || strlen(last) != len ||
		    memcmp(last, name, len))
			continue;
		n = pk__col_addr(c, r->data, r->size, buf, sizeof(buf));
		if (n)
			pk_json__str(j, name, buf, n);
		else
			pk_json__null(j, name);
		return true;
	}
	return false;
}

void pk__event_table_json_record(const struct pk_event_table *t, struct pk_json *j, const char *key,
				 const void *data, size_t size)
{
	struct json_record r = {t, data, size};
	size_t i;

	if (!t) {
		pk_json__null(j, key);
		return;
	}
	for (i = 0; i < t->ncols && !is_addr_kind(t->cols[i].kind); i++)
		;
	pk__btf_value_json_hook(t->btf, t->type_id, data, size, j, key,
				i < t->ncols ? json_address : NULL, &r);
}

void pk_event_table__json(const struct pk_event_table *t, struct pk_json *j, const char *key,
			  const void *data, size_t size)
{
	bool open = false;
	const char *name;
	size_t i;
	__s64 v;

	if (!t || !data) {
		pk_json__null(j, key);
		return;
	}
	pk__event_table_json_record(t, j, key, data, size);
	/* beside the record, not in it: the record keeps its type's shape */
	for (i = 0; key && i < t->ncols; i++) {
		const struct pk_event_column *c = &t->cols[i];

		if (c->kind != PK_COL_ERRNO || pk_event_column__int(c, data, size, &v) ||
		    !(name = errno_name(c, v)))
			continue;
		if (!open && pk_json__object_begin(j, "errno_name"))
			return;
		open = true;
		pk_json__str(j, c->path, name, strlen(name));
	}
	if (open)
		pk_json__object_end(j);
	json_named(t, j, key, data, size);
}
