// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Stack ids printed as stacks (stackprint.h): map entries and event records,
 * as text, JSON, folded lines and flame graphs. Which fields are stack ids
 * is pk_btf_stack_id()'s rule (stackid.h): a map's key and value types are
 * planned here once; an event record's plan is its event table's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <probekit/btfvalue.h>
#include <probekit/eventtable.h>
#include <probekit/flamegraph.h>
#include <probekit/hist.h>
#include <probekit/ksyms.h>
#include <probekit/mapprint.h>
#include <probekit/maps.h>
#include <probekit/output.h>
#include <probekit/stackid.h>
#include <probekit/stackprint.h>
#include <probekit/usyms.h>

#include "print.h"

#define MAX_FIELDS 8
#define MAX_PROGS  64
/* the kernel's BPF_OBJ_NAME_LEN less its NUL: a program's name in kallsyms, cut */
#define PROG_NAME_CUT 15
#define MAX_FRAMES 127
#define TEXT_MAX   4096
#define FRAME_MAX  512
/* the tokens of a line of a PK_STACK_ROWS_FORMAT() */
#define ROWS_TOKS 32
/* a folded line: a map name, a comm, a user and a kernel stack */
#define FOLD_MAX (2 * MAX_FRAMES + 2)
/* x86-64 and arm64 kernels live in the upper half of the address space */
#define KERNEL_HALF (1ULL << 63)

/* A number somewhere in a key or a value. */
struct loc {
	bool set;
	bool in_value;
	__u32 off, size;
	bool is_signed;
};

struct stack_field {
	struct loc at;
	enum pk_stack_kind kind;
	int stacks_fd;
	char name[64];
};

/* What to do with one map, or the event record: where its stack ids, pid, comm and count are. */
struct plan {
	const struct bpf_map *map;
	struct stack_field fields[MAX_FIELDS];
	int nr_fields;
	struct loc pid, count;
	struct loc comm; /* a char array */
	__u32 key_id, value_id;
	char name[64]; /* the map's, or "event" */
	char unit[64];
	/* PK_STACK_ROWS(_FORMAT): the text form (the tag's, in the BTF), NULL for items() */
	const char *rows;
};

/* The kernel stack named last, and the kernel's names for its frames. */
struct kernel_names {
	struct pk_kframes *kf;
	int n;
	__u64 ips[MAX_FRAMES];
	struct pk_kframe frames[MAX_FRAMES];
};

/* One stack: its frames innermost first, and the kind it turned out to be. */
struct stack {
	__s64 id;
	int n; /* frames, or a negative errno */
	enum pk_stack_kind kind;
	pid_t pid;
	__u64 ips[MAX_FRAMES];
};

struct pk_stack_printer {
	struct bpf_object *obj;
	const struct btf *btf;
	struct pk__stack_source src;
	/* opts' pid, later_pid: whose user stacks when a record names none */
	pid_t pid, later_pid;
	const char *name;
	/* room for one per printable map (plan_room()), none when there is none;
	 * a plan for each whose entries hold stack ids */
	struct plan *plans;
	int nr_plans, max_plans;
	/* the PK_EVENT() record's stack ids, in the "key" side */
	struct plan event;
	struct pk_usyms *usyms;
	struct pk_btf_printer *printer;
	bool warned_ksyms;
	/* made at the first kernel frame printed */
	struct kernel_names *knames;
	/* opts' annotate, delimit */
	bool annotate, delimit;
	/* the object's program names (its own), whose frames and glue lead kernel stacks */
	const char *progs[MAX_PROGS];
	int nr_progs;
	/* a program of the object runs from a tracepoint: stacks may start in its glue */
	bool traces;
	/* made at the first map printed (buffers()): TEXT_MAX each, a key, a value */
	char *key, *value;
	/* FOLD_MAX frames of FRAME_MAX bytes, for a folded line */
	char (*frames)[FRAME_MAX];
	/* MAX_FIELDS of them, for a folded line */
	struct stack *stacks;
};

/* Stack ids ------------------------------------------------------------- */

/* pk_btf_stack_id() (stackid.h), saying so when a tag breaks the convention. */
static bool stack_id_of(const struct pk_stack_printer *sp, const struct plan *p, __u32 id, int idx,
			const char *name, struct pk_stack_id_info *info)
{
	int ret = pk_btf_stack_id(sp->btf, id, idx, info);

	if (ret == -EBADMSG)
		fprintf(stderr, "%s: %s.%s is tagged \"%s\", not pk_stack_id[:user|:kernel][:MAP]: "
				"printed as a number\n",
			sp->name, p->name, name, info->tag);
	return ret > 0;
}

static bool is_stack_map(const struct bpf_map *m)
{
	return m && bpf_map__type(m) == BPF_MAP_TYPE_STACK_TRACE;
}

/*
 * The stack map a field's ids come from: the one its tag names, else the
 * object's only stack map. -1 when that leaves none or several.
 */
static int stacks_fd_for(const struct pk_stack_printer *sp, const char *map, const char *what)
{
	int fd, nr = 0;

	if (map) {
		fd = sp->src.find(sp->src.ctx, map, &nr);
		if (fd >= 0)
			return fd;
		fprintf(stderr, "%s: %s is tagged with stack map %s, which the object has not\n",
			sp->name, what, map);
	}
	fd = sp->src.find(sp->src.ctx, NULL, &nr);
	if (fd < 0 && nr > 1)
		fprintf(stderr, "%s: %s looks like a stack id, but the object has %d stack maps: "
				"tag it PK_STACK_ID_OF(map); printed as a number\n",
			sp->name, what, nr);
	return fd;
}

/* The object's stack map named @name, or with NULL its only one: the fd or -1. */
static int object_stack_map(void *ctx, const char *name, int *nr)
{
	const struct bpf_map *m, *only = NULL;
	struct bpf_object *obj = ctx;

	if (name) {
		m = bpf_object__find_map_by_name(obj, name);
		return is_stack_map(m) ? bpf_map__fd(m) : -1;
	}
	*nr = 0;
	bpf_object__for_each_map(m, obj) {
		if (is_stack_map(m)) {
			only = m;
			(*nr)++;
		}
	}
	return *nr == 1 ? bpf_map__fd(only) : -1;
}

/* The map's type and value size from libbpf: a read is one lookup, no info syscall. */
static int object_read_stack(void *ctx, int fd, __s64 id, __u64 *ips, size_t max)
{
	const struct bpf_map *m;

	bpf_object__for_each_map(m, (struct bpf_object *)ctx) {
		if (bpf_map__fd(m) == fd)
			return pk_stack_read_map(m, id, ips, max);
	}
	return -EBADF;
}

/* Layout ------------------------------------------------------------------ */

/* Skips modifiers; typedef names on the way are checked by the caller. */
static const struct btf_type *skip_mods(const struct btf *btf, __u32 *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);

	while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t) ||
		     btf_is_typedef(t))) {
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return t;
}

static bool int_loc(const struct btf *btf, __u32 type, __u32 off, bool in_value, struct loc *l)
{
	const struct btf_type *t = skip_mods(btf, &type);

	if (!t || (!btf_is_int(t) && !btf_is_enum(t)) || (t->size != 4 && t->size != 8) ||
	    (btf_is_int(t) && btf_int_offset(t)))
		return false;
	*l = (struct loc){ .set = true, .in_value = in_value, .off = off, .size = t->size,
			   .is_signed = btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED) };
	return true;
}

static void add_field(const struct pk_stack_printer *sp, struct plan *p, const struct loc *l,
		      enum pk_stack_kind kind, const char *map, const char *name)
{
	struct stack_field *f;
	char what[160];
	int fd;

	if (p->nr_fields == MAX_FIELDS)
		return;
	snprintf(what, sizeof(what), "%s.%s", p->name, name);
	f = &p->fields[p->nr_fields];
	f->kind = kind;
	fd = stacks_fd_for(sp, map, what);
	if (fd < 0)
		return;
	f->at = *l;
	f->stacks_fd = fd;
	snprintf(f->name, sizeof(f->name), "%s", name);
	p->nr_fields++;
}

static bool is_char_array(const struct btf *btf, __u32 type)
{
	const struct btf_type *t = skip_mods(btf, &type), *e;
	__u32 elem;

	if (!t || !btf_is_array(t))
		return false;
	elem = btf_array(t)->type;
	e = skip_mods(btf, &elem);
	return e && btf_is_int(e) && e->size == 1;
}

/* The stack ids, pid, comm and count of a key or value of type @id. */
static void scan(const struct pk_stack_printer *sp, struct plan *p, __u32 id, bool in_value)
{
	const char *side = in_value ? "value" : "key", *name;
	const struct btf *btf = sp->btf;
	struct pk_stack_id_info info;
	const struct btf_member *m;
	const struct btf_type *t;
	struct loc l;
	__u32 sid = id;
	int i;

	if (stack_id_of(sp, p, id, -1, side, &info) && int_loc(btf, id, 0, in_value, &l)) {
		add_field(sp, p, &l, info.kind, info.map, side);
		return;
	}
	t = skip_mods(btf, &sid);
	if (!t)
		return;
	if (in_value && !btf_is_composite(t)) {
		p->count.set = int_loc(btf, id, 0, true, &p->count);
		return;
	}
	if (!btf_is_struct(t))
		return;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		__u32 bits = btf_member_bit_offset(t, i);
		__s64 msize = btf__resolve_size(btf, m->type);

		/* BTF is the file's: a member past its struct is left alone */
		if (msize < 0 || bits / 8 + msize > t->size)
			continue;
		name = btf__name_by_offset(btf, m->name_off);
		if (btf_member_bitfield_size(t, i) || bits % 8 ||
		    !int_loc(btf, m->type, bits / 8, in_value, &l)) {
			if (name && !strcmp(name, "comm") && is_char_array(btf, m->type) &&
			    !(bits % 8)) {
				p->comm = (struct loc){ .set = true, .in_value = in_value,
							.off = bits / 8 };
				p->comm.size = msize;
			}
			continue;
		}
		if (stack_id_of(sp, p, sid, i, name ? name : "?", &info)) {
			add_field(sp, p, &l, info.kind, info.map, name ? name : "?");
		} else if (name && (!strcmp(name, "tgid") ||
				    (!strcmp(name, "pid") && (!p->pid.set || p->pid.in_value)))) {
			p->pid = l;
		} else if (in_value && !p->count.set) {
			p->count = l;
			snprintf(p->unit, sizeof(p->unit), "%s", name ? name : "");
		}
	}
}

/* A key and a value type: a plan, named @name; whether it has stack ids. */
static bool plan_types(const struct pk_stack_printer *sp, struct plan *p, const char *name,
		       __u32 key_id, __u32 value_id)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->key_id = key_id;
	p->value_id = value_id;
	scan(sp, p, key_id, false);
	scan(sp, p, value_id, true);
	if (!p->unit[0])
		snprintf(p->unit, sizeof(p->unit), "%s", p->count.set ? p->name : "entries");
	return p->nr_fields > 0;
}

static int private_tag(const char *tag, void *arg)
{
	*(bool *)arg |= !strcmp(tag, "pk_print:none");
	return 0;
}

bool pk__map_private(const struct btf *btf, const struct bpf_map *map)
{
	bool private = false;

	if (btf)
		pk__var_tags(btf, bpf_map__name(map), private_tag, &private);
	return private;
}

/* A histogram keyed by a stack id prints as histograms (hist.h), one a stack id. */
static bool is_hist(const struct pk_stack_printer *sp, const struct bpf_map *map)
{
	struct pk_hist *h = pk_hist__from_map(map, sp->btf);

	pk_hist__free(h);
	return h != NULL;
}

static int rows_tag(const char *tag, void *arg)
{
	struct plan *p = arg;

	if (!strcmp(tag, "pk_stack_rows"))
		p->rows = "";
	else if (!strncmp(tag, "pk_stack_rows:", 14))
		p->rows = tag + 14;
	return 0;
}

static void plan_rows(const struct pk_stack_printer *sp, struct plan *p);

static void plan_map(struct pk_stack_printer *sp, const struct bpf_map *map)
{
	__u32 key_id = bpf_map__btf_key_type_id(map), value_id = bpf_map__btf_value_type_id(map);
	struct plan *p;

	if (sp->nr_plans == sp->max_plans)
		return;
	p = &sp->plans[sp->nr_plans];
	/* the types must be the sizes the map has, or the layout is not its */
	if (!key_id || !value_id || btf__resolve_size(sp->btf, key_id) != bpf_map__key_size(map) ||
	    btf__resolve_size(sp->btf, value_id) != bpf_map__value_size(map))
		return;
	if (!plan_types(sp, p, bpf_map__name(map), key_id, value_id) || is_hist(sp, map))
		return;
	pk__var_tags(sp->btf, bpf_map__name(map), rows_tag, p);
	plan_rows(sp, p);
	p->map = map;
	sp->nr_plans++;
}

/* User stacks will print: a symbolizer, with -p's maps read now, so that
 * its stacks resolve once it is gone (events and maps alike). */
static void start_usyms(struct pk_stack_printer *sp)
{
	if (sp->usyms)
		return;
	sp->usyms = pk_usyms__new(NULL);
	if (sp->usyms && sp->pid)
		pk_usyms__load_pid(sp->usyms, sp->pid);
}

static bool plan_has_user(const struct plan *p)
{
	int k;

	for (k = 0; k < p->nr_fields; k++) {
		if (p->fields[k].kind != PK_STACK_KERNEL)
			return true;
	}
	return false;
}

struct pk_stack_printer *pk__stack_printer_new(const struct btf *btf,
					       const struct pk__stack_source *src,
					       const struct pk_stack_printer_opts *opts)
{
	struct pk_stack_printer *sp;

	if (!PK_OPTS_VALID(opts, pk_stack_printer_opts) || !src) {
		errno = EINVAL;
		return NULL;
	}
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return NULL;
	sp->btf = btf;
	sp->src = *src;
	sp->pid = PK_OPTS_GET(opts, pid, 0);
	sp->later_pid = PK_OPTS_GET(opts, later_pid, 0);
	sp->name = PK_OPTS_GET(opts, name, NULL) ?: "probekit";
	sp->annotate = PK_OPTS_GET(opts, annotate, false);
	sp->delimit = PK_OPTS_GET(opts, delimit, false);
	return sp;
}

/* The object's program names, and whether it traces (for machinery()). */
static void note_programs(struct pk_stack_printer *sp, struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		/* a sample (perf_event) stack starts where the CPU was, never in glue */
		if (bpf_program__type(prog) != BPF_PROG_TYPE_PERF_EVENT)
			sp->traces = true;
		if (sp->nr_progs < MAX_PROGS)
			sp->progs[sp->nr_progs++] = bpf_program__name(prog);
	}
}

/*
 * What printing a map's entries takes (~150 KB, most of it a folded line's
 * frames), made when the first map prints: a tool that prints no stacks,
 * or prints them only at the end, does not hold it while it traces.
 */
static int buffers(struct pk_stack_printer *sp)
{
	if (sp->frames)
		return 0;
	if (!sp->printer && sp->btf && !(sp->printer = pk_btf_printer__new(sp->btf)))
		return -ENOMEM;
	if (!sp->key)
		sp->key = malloc(TEXT_MAX);
	if (!sp->value)
		sp->value = malloc(TEXT_MAX);
	if (!sp->stacks)
		sp->stacks = calloc(MAX_FIELDS, sizeof(*sp->stacks));
	if (!sp->key || !sp->value || !sp->stacks)
		return -ENOMEM;
	sp->frames = calloc(FOLD_MAX, FRAME_MAX);
	return sp->frames ? 0 : -ENOMEM;
}

/* The maps that may print stacks, each a plan at most: the plans' room. */
static int plan_room(struct pk_stack_printer *sp, struct bpf_object *obj)
{
	struct bpf_map *map;
	int n = 0;

	bpf_object__for_each_map (map, obj) {
		/* PK_PRIVATE: capable --unique's stack-keyed "seen" is not for printing */
		if (pk_map__is_printable(map) && !pk__map_private(sp->btf, map))
			n++;
	}
	if (n && !(sp->plans = calloc(n, sizeof(*sp->plans))))
		return -ENOMEM;
	sp->max_plans = n;
	return 0;
}

struct pk_stack_printer *pk_stack_printer__new(struct bpf_object *obj,
					       const struct pk_stack_printer_opts *opts)
{
	struct pk__stack_source src = { object_stack_map, object_read_stack, obj };
	struct pk_stack_printer *sp;
	struct bpf_map *map;
	int i;

	if (!obj) {
		errno = EINVAL;
		return NULL;
	}
	sp = pk__stack_printer_new(bpf_object__btf(obj), &src, opts);
	if (!sp || !sp->btf)
		return sp;
	sp->obj = obj;
	note_programs(sp, obj);
	if (plan_room(sp, obj)) {
		pk_stack_printer__free(sp);
		errno = ENOMEM;
		return NULL;
	}
	bpf_object__for_each_map(map, obj) {
		if (pk_map__is_printable(map) && !pk__map_private(sp->btf, map))
			plan_map(sp, map);
	}
	for (i = 0; i < sp->nr_plans; i++) {
		if (plan_has_user(&sp->plans[i]))
			start_usyms(sp);
	}
	return sp;
}

void pk_stack_printer__free(struct pk_stack_printer *sp)
{
	if (!sp)
		return;
	pk_usyms__free(sp->usyms);
	if (sp->knames)
		pk_kframes__free(sp->knames->kf);
	free(sp->knames);
	pk_btf_printer__free(sp->printer);
	free(sp->plans);
	free(sp->key);
	free(sp->value);
	free(sp->frames);
	free(sp->stacks);
	free(sp);
}

void pk_stack_printer__load_pid(struct pk_stack_printer *sp, pid_t pid)
{
	if (sp && sp->usyms)
		pk_usyms__load_pid(sp->usyms, pid);
}

size_t pk_stack_printer__map_cnt(const struct pk_stack_printer *sp)
{
	return sp ? sp->nr_plans : 0;
}

const char *pk_stack_printer__map_name(const struct pk_stack_printer *sp, size_t i)
{
	return sp && i < (size_t)sp->nr_plans ? sp->plans[i].name : NULL;
}

const char *pk_stack_printer__map_unit(const struct pk_stack_printer *sp, size_t i)
{
	return sp && i < (size_t)sp->nr_plans ? sp->plans[i].unit : NULL;
}

static const struct plan *plan_of(const struct pk_stack_printer *sp, const struct bpf_map *map)
{
	int i;

	for (i = 0; sp && i < sp->nr_plans; i++) {
		if (sp->plans[i].map == map)
			return &sp->plans[i];
	}
	return NULL;
}

bool pk_stack_printer__has_map(const struct pk_stack_printer *sp, const struct bpf_map *map)
{
	return plan_of(sp, map) != NULL;
}

/* Reading ----------------------------------------------------------------- */

static __s64 load(const struct loc *l, const void *k, const void *v)
{
	const unsigned char *d = (const unsigned char *)(l->in_value ? v : k) + l->off;
	__u32 u32;
	__u64 u64;

	if (l->size == 4) {
		memcpy(&u32, d, 4);
		return l->is_signed ? (__s64)(__s32)u32 : (__s64)u32;
	}
	memcpy(&u64, d, 8);
	return (__s64)u64;
}

static pid_t pid_of(const struct pk_stack_printer *sp, const struct plan *p, const void *k,
		    const void *v)
{
	__s64 pid = p->pid.set ? load(&p->pid, k, v) : 0;

	return pid > 0 ? (pid_t)pid : sp->pid ? sp->pid : sp->later_pid;
}

static const struct pk_ksyms *ksyms(struct pk_stack_printer *sp)
{
	const struct pk_ksyms *ks = pk_ksyms();

	if (!sp->warned_ksyms && (!ks || pk_ksyms__addrs_hidden(ks))) {
		sp->warned_ksyms = true;
		fprintf(stderr, "%s: %s: kernel stacks show [unknown]\n", sp->name,
			ks ? "kernel addresses are hidden from this process (kptr_restrict)" :
			     "cannot read /proc/kallsyms");
	}
	return ks;
}

/*
 * Whether kallsyms' @name is one of the object's programs: "bpf_prog_TAG_NAME",
 * NAME the program's (from its BTF) or its first 15 bytes (without BTF).
 */
static bool own_program(const struct pk_stack_printer *sp, const char *name)
{
	size_t len;
	int i;

	if (strncmp(name, "bpf_prog_", 9) || strlen(name) < 9 + 17 || name[9 + 16] != '_')
		return false;
	name += 9 + 17;
	for (i = 0; i < sp->nr_progs; i++) {
		len = strlen(sp->progs[i]);
		if (!strcmp(name, sp->progs[i]) ||
		    (len > PROG_NAME_CUT && !strncmp(name, sp->progs[i], PROG_NAME_CUT) &&
		     !name[PROG_NAME_CUT]))
			return true;
	}
	return false;
}

/*
 * The kernel's code between a tracepoint and the BPF program it runs: a
 * raw_tp or tp_btf program's bpf_trace_runN under __bpf_trace_EVENT or
 * __traceiter_EVENT; a classic tracepoint's perf_trace_EVENT (or
 * perf_syscall_*); an fentry program's trampoline.
 */
static bool tracepoint_glue(const char *name)
{
	static const char *const prefixes[] = { "bpf_trace_run", "__bpf_trace_",    "perf_trace_",
						"perf_syscall_", "__traceiter_",    "bpf_trampoline_" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	}
	return false;
}

/*
 * Frame @i of kernel stack @s as the kernel's kallsyms names it (pk_kframes,
 * ksyms.h: one BPF run for a stack's new addresses), so that printing
 * kernel stacks reads no copy of /proc/kallsyms (~3 MB held at the end of
 * offcputime's run); the whole stack at its first frame. NULL when it
 * cannot: then the table names it.
 */
static const struct pk_kframe *kernel_frame(struct pk_stack_printer *sp, const struct stack *s,
					    int i)
{
	struct kernel_names *k = sp->knames;

	if (!k && (k = sp->knames = calloc(1, sizeof(*k))) && !(k->kf = pk_kframes__new(NULL))) {
		free(k);
		k = sp->knames = NULL;
	}
	if (!k)
		return NULL;
	/* the table after all (before 5.14, or the kernel's lookup failed): its warnings */
	if (!pk_kframes__kernel(k->kf))
		ksyms(sp);
	if (s->n != k->n || memcmp(s->ips, k->ips, s->n * sizeof(*s->ips))) {
		k->n = -1;
		if (pk_kframes__resolve(k->kf, s->ips, s->n, k->frames) != s->n)
			return NULL;
		memcpy(k->ips, s->ips, s->n * sizeof(*s->ips));
		k->n = s->n;
	}
	return &k->frames[i];
}

/* Frame @i of kernel stack @s's function name, the kernel's or the table's; NULL if none. */
static const char *kernel_frame_name(struct pk_stack_printer *sp, const struct stack *s, int i)
{
	const struct pk_kframe *kf = kernel_frame(sp, s, i);
	const struct pk_ksym *k;

	if (kf)
		return kf->name;
	k = pk_ksyms__find(ksyms(sp), s->ips[i]);
	return k ? k->name : NULL;
}

/*
 * How many leading frames of kernel stack @s are the tracing machinery: a
 * stack taken in one of the object's programs starts with that program and
 * the tracepoint's glue, which say nothing of the traced code. Only then:
 * a profile sample that landed in another tool's program keeps it. An
 * unnamed frame above machinery is our program, which kallsyms read before
 * it was loaded cannot name (stacksnoop's skip_machinery() has the rule).
 * A stack of nothing but machinery is left whole.
 */
static int machinery(struct pk_stack_printer *sp, const struct stack *s)
{
	const char *name;
	int i, skip = 0;

	for (i = 0; i < s->n; i++) {
		/* the kernel's names (no copy of kallsyms held), as frame() prints them */
		name = kernel_frame_name(sp, s, i);
		if (!name)
			continue;
		if (!own_program(sp, name) && !(sp->traces && tracepoint_glue(name)))
			break;
		skip = i + 1;
	}
	return skip < s->n ? skip : 0;
}

static void read_stack(struct pk_stack_printer *sp, const struct plan *p,
		       const struct stack_field *f, const void *k, const void *v, struct stack *s)
{
	int skip;

	s->id = load(&f->at, k, v);
	/* a 4-byte unsigned field holds bpf_get_stackid()'s int */
	if (f->at.size == 4 && !f->at.is_signed)
		s->id = (__s32)s->id;
	/* bpf_get_stackid()'s errors are small; other negative numbers are no errno */
	s->n = s->id >= 0    ? sp->src.read(sp->src.ctx, f->stacks_fd, s->id, s->ips, MAX_FRAMES) :
	       s->id > -4096 ? (int)s->id :
			       -EINVAL;
	s->kind = f->kind;
	if (s->kind == PK_STACK_ANY && s->n > 0)
		s->kind = s->ips[0] >= KERNEL_HALF ? PK_STACK_KERNEL : PK_STACK_USER;
	s->pid = s->kind == PK_STACK_KERNEL ? 0 : pid_of(sp, p, k, v);
	skip = s->kind == PK_STACK_KERNEL && s->n > 0 ? machinery(sp, s) : 0;
	if (skip) {
		s->n -= skip;
		memmove(s->ips, s->ips + skip, s->n * sizeof(s->ips[0]));
	}
}

/* Frame @i of @s as text: "sym+0x1f" ("sym+0x1f (module)" for user frames). */
static const char *frame(struct pk_stack_printer *sp, const struct stack *s, int i, bool offsets,
			 char *buf, size_t size)
{
	const struct pk_kframe *kf;

	if (s->kind == PK_STACK_KERNEL) {
		if ((kf = kernel_frame(sp, s, i)))
			pk_kframe__format(kf, offsets ? PK_KSYM_OFFSET : 0, buf, size);
		else
			pk_ksyms__format(ksyms(sp), s->ips[i], offsets ? PK_KSYM_OFFSET : 0, buf,
					 size);
		/* bcc profile's -a */
		if (sp->annotate && strlen(buf) + 5 <= size)
			strcat(buf, "_[k]");
		return buf;
	}
	if (!sp->usyms) {
		snprintf(buf, size, "[unknown]");
		return buf;
	}
	return pk_usyms__sym(sp->usyms, s->pid, s->ips[i],
			     offsets ? PK_USYM_OFFSET | PK_USYM_MODULE : 0, buf, size);
}

static const char *missed(const struct stack *s)
{
	return s->kind == PK_STACK_KERNEL ? "[Missed Kernel Stack]" :
	       s->kind == PK_STACK_USER	? "[Missed User Stack]" :
					  "[Missed Stack]";
}

/* Text -------------------------------------------------------------------- */

static void text_of(const struct pk_stack_printer *sp, __u32 id, const void *d, size_t n,
		    char *buf)
{
	size_t i, len;

	if (pk_btf_printer__text(sp->printer, id, d, n, buf, TEXT_MAX) >= 0)
		return;
	len = snprintf(buf, TEXT_MAX, "0x");
	for (i = 0; i < n && len + 3 < TEXT_MAX; i++)
		len += snprintf(buf + len, TEXT_MAX - len, "%02x", ((const unsigned char *)d)[i]);
}

/* A stack, a frame a line after a tab, built as one pk_line (no stdio call a frame). */
static void print_stack_text(struct pk_stack_printer *sp, FILE *out, const struct stack *s)
{
	char buf[FRAME_MAX];
	struct pk_line l;
	int i;

	pk_line__begin(&l, out);
	pk_line__char(&l, '\t');
	if (s->n < 0) {
		/* "[Missed Kernel Stack: the stack map is full]" */
		pk_line__raw(&l, missed(s), strlen(missed(s)) - 1);
		pk_line__str(&l, ": ");
		pk_line__str(&l, pk_stack_error(s->n));
		pk_line__char(&l, ']');
	} else if (!s->n) {
		pk_line__str(&l, "[empty stack]");
	}
	for (i = 0; i < s->n; i++) {
		if (i)
			pk_line__str(&l, "\n\t");
		frame(sp, s, i, true, buf, sizeof(buf));
		pk_line__text(&l, buf, sizeof(buf));
	}
	pk_line__end(&l);
}

/* bcc's stackcount: the entry, then each stack a frame a line, "--" between. */
static void print_text(struct pk_stack_printer *sp, FILE *out, const struct plan *p,
		       const void *k, __u32 ks, const void *v, __u32 vs)
{
	char name[256];
	struct stack s;
	int i, printed = 0;

	pk_escape_text(name, sizeof(name), p->name, strlen(p->name));
	text_of(sp, p->key_id, k, ks, sp->key);
	text_of(sp, p->value_id, v, vs, sp->value);
	fprintf(out, "%s[%s] = %s\n", name, sp->key, sp->value);
	for (i = 0; i < p->nr_fields; i++) {
		read_stack(sp, p, &p->fields[i], k, v, &s);
		/* -EFAULT: no stack in this mode (a user-mode sample has no
		 * kernel stack), which is no miss: nothing to print, as bcc */
		if (s.n == -EFAULT)
			continue;
		if (printed++)
			fputs("\t--\n", out);
		print_stack_text(sp, out, &s);
	}
}

/* JSON -------------------------------------------------------------------- */

static void json_stack(struct pk_stack_printer *sp, struct pk_json *j, const char *key,
		       const struct stack *s)
{
	const char *kind;
	char buf[FRAME_MAX];
	int i;

	pk_json__object_begin(j, key);
	pk_json__int(j, "id", s->id);
	kind = s->kind == PK_STACK_KERNEL ? "kernel" : s->kind == PK_STACK_USER ? "user" : "unknown";
	pk_json__str(j, "kind", kind, strlen(kind));
	if (s->n < 0)
		pk_json__str(j, "error", pk_stack_error(s->n), strlen(pk_stack_error(s->n)));
	pk_json__array_begin(j, "frames");
	for (i = 0; i < s->n; i++) {
		frame(sp, s, i, true, buf, sizeof(buf));
		pk_json__str(j, NULL, buf, strlen(buf));
	}
	pk_json__array_end(j);
	pk_json__array_begin(j, "addrs");
	for (i = 0; i < s->n; i++) {
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)s->ips[i]);
		pk_json__str(j, NULL, buf, strlen(buf));
	}
	pk_json__array_end(j);
	pk_json__object_end(j);
}

static const struct stack_field *field_at(const struct plan *p, bool in_value, __u32 off)
{
	int i;

	for (i = 0; i < p->nr_fields; i++) {
		if (p->fields[i].at.in_value == in_value && p->fields[i].at.off == off)
			return &p->fields[i];
	}
	return NULL;
}

/* Whether the stack ids of @p on this side are all members printable apart. */
static bool nestable(const struct plan *p, const struct btf_type *t, bool in_value)
{
	int i;

	if (!t || !btf_is_struct(t))
		return false;
	for (i = 0; i < btf_vlen(t); i++) {
		if (btf_member_bitfield_size(t, i) || btf_member_bit_offset(t, i) % 8)
			return false;
	}
	for (i = 0; i < p->nr_fields; i++) {
		if (p->fields[i].at.in_value == in_value)
			return true;
	}
	return false;
}

/* A key or value as its type nests it, its stack ids as stacks. */
static void json_side(struct pk_stack_printer *sp, struct pk_json *j, const char *key,
		      const struct plan *p, bool in_value, const void *k, const void *v,
		      __u32 size)
{
	__u32 id = in_value ? p->value_id : p->key_id, sid = id;
	const struct btf_type *t = skip_mods(sp->btf, &sid);
	const struct stack_field *f = field_at(p, in_value, 0);
	const void *d = in_value ? v : k;
	const struct btf_member *m;
	struct stack s;
	__s64 msize;
	__u32 off;
	int i;

	if (f && t && !btf_is_struct(t)) {
		read_stack(sp, p, f, k, v, &s);
		json_stack(sp, j, key, &s);
		return;
	}
	if (!nestable(p, t, in_value)) {
		pk_btf_value_json(sp->btf, id, d, size, j, key);
		return;
	}
	pk_json__object_begin(j, key);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(sp->btf, m->name_off);

		off = btf_member_bit_offset(t, i) / 8;
		f = field_at(p, in_value, off);
		msize = btf__resolve_size(sp->btf, m->type);
		if (f) {
			read_stack(sp, p, f, k, v, &s);
			json_stack(sp, j, name, &s);
		} else if (msize >= 0 && off + msize <= size) {
			pk_btf_value_json(sp->btf, m->type, (const char *)d + off, msize, j, name);
		}
	}
	pk_json__object_end(j);
}

static void print_json(struct pk_stack_printer *sp, FILE *out, const struct plan *p,
		       const void *k, __u32 ks, const void *v, __u32 vs)
{
	const char *name = p->name;
	struct pk_json j;

	pk_json__begin(&j, out);
	pk_json__str(&j, "map", name, strlen(name));
	json_side(sp, &j, "key", p, false, k, v, ks);
	json_side(sp, &j, "value", p, true, k, v, vs);
	pk_json__end(&j);
}

/* Folded ------------------------------------------------------------------ */

/*
 * One entry as flame-graph frames, outermost first, as bcc's stackcount -f
 * and profile -f give them: the comm if the record has one, the user
 * stack, then the kernel stack, names without offsets; a stack that was
 * not taken is one "[Missed User Stack]" frame. Returns the frame count.
 */
static int folded_frames(struct pk_stack_printer *sp, const struct plan *p, const void *k,
			 const void *v, bool prefix_map)
{
	struct stack *s = sp->stacks;
	int n = 0, pass, i, f;
	bool taken[PK_STACK_USER + 1] = {};

	if (prefix_map)
		snprintf(sp->frames[n++], FRAME_MAX, "%s", p->name);
	if (p->comm.set) {
		const char *c = (const char *)(p->comm.in_value ? v : k) + p->comm.off;

		snprintf(sp->frames[n++], FRAME_MAX, "%.*s", (int)strnlen(c, p->comm.size), c);
	}
	for (f = 0; f < p->nr_fields; f++) {
		read_stack(sp, p, &p->fields[f], k, v, &s[f]);
		if (s[f].id >= 0 && s[f].kind <= PK_STACK_USER)
			taken[s[f].kind] = true;
	}
	/* the user stacks (and those of no known kind), then the kernel's */
	for (pass = PK_STACK_USER; pass >= PK_STACK_KERNEL; pass--) {
		/* bcc profile's -d: "-" between the two, when both were taken */
		if (pass == PK_STACK_KERNEL && sp->delimit && taken[PK_STACK_USER] &&
		    taken[PK_STACK_KERNEL] && n < FOLD_MAX)
			snprintf(sp->frames[n++], FRAME_MAX, "-");
		for (f = 0; f < p->nr_fields; f++) {
			if (s[f].kind != (enum pk_stack_kind)pass &&
			    !(s[f].kind == PK_STACK_ANY && pass == PK_STACK_USER))
				continue;
			/* -EFAULT: no stack in this mode (a user-mode sample's kernel
			 * stack), as bcc's profile has it: no missed stack */
			if (s[f].n < 0 && s[f].n != -EFAULT && n < FOLD_MAX)
				snprintf(sp->frames[n++], FRAME_MAX, "%s", missed(&s[f]));
			for (i = s[f].n - 1; i >= 0 && n < FOLD_MAX; i--)
				frame(sp, &s[f], i, false, sp->frames[n++], FRAME_MAX);
		}
	}
	return n;
}

static void print_folded(struct pk_stack_printer *sp, FILE *out, int n, __u64 count)
{
	const char *names[FOLD_MAX];
	int i;

	for (i = 0; i < n; i++)
		names[i] = sp->frames[i];
	pk_print_folded(out, names, n, count);
}

static int add_svg(struct pk_stack_printer *sp, struct pk_flamegraph *fg, int n, __u64 count)
{
	const char *names[FOLD_MAX];
	int i;

	for (i = 0; i < n; i++)
		names[i] = sp->frames[i];
	return pk_flamegraph__add(fg, names, n, count);
}

static __u64 count_of(const struct plan *p, const void *k, const void *v);

/* Rows (PK_STACK_ROWS) ------------------------------------------------------ */

/* What a name in a PK_STACK_ROWS_FORMAT() stands for in a plan. */
enum rows_name {
	ROWS_NONE,
	ROWS_VALUE,   /* {value}: the entry's count */
	ROWS_ADDR,    /* {addr}: the frame's address, "%-16llx" */
	ROWS_KERNEL,  /* {kernel}: every kernel stack, a frame a line */
	ROWS_USER,    /* {user}: every other stack */
	ROWS_STACK,   /* {NAME} of a stack id: that stack */
	ROWS_DELIMIT, /* {?delimit}: -d, and a kernel and a user stack taken */
	ROWS_MEMBER,  /* a member of the key or value: a number or a char array */
};

struct rows_ref {
	enum rows_name what;
	int field; /* ROWS_STACK's */
	struct loc at; /* ROWS_MEMBER's */
	bool str;
};

static bool is_name(const struct pk__rows_tok *t, const char *name)
{
	return t->len == strlen(name) && !strncmp(t->s, name, t->len);
}

/* Member @t of the key's or the value's struct (the key's first). */
static bool member_of(const struct pk_stack_printer *sp, const struct plan *p,
		      const struct pk__rows_tok *t, struct rows_ref *r)
{
	const struct btf_member *m;
	const struct btf_type *st;
	__u32 id, off;
	__s64 size;
	int side, i;

	for (side = 0; side < 2; side++) {
		id = side ? p->value_id : p->key_id;
		st = skip_mods(sp->btf, &id);
		if (!st || !btf_is_struct(st))
			continue;
		m = btf_members(st);
		for (i = 0; i < btf_vlen(st); i++, m++) {
			if (!is_name(t, btf__name_by_offset(sp->btf, m->name_off) ?: ""))
				continue;
			off = btf_member_bit_offset(st, i) / 8;
			size = btf__resolve_size(sp->btf, m->type);
			if (btf_member_bitfield_size(st, i) || btf_member_bit_offset(st, i) % 8 ||
			    size <= 0 || off + size > st->size)
				return false;
			if (int_loc(sp->btf, m->type, off, side, &r->at))
				return true;
			r->str = is_char_array(sp->btf, m->type);
			r->at = (struct loc){ .set = true, .in_value = side, .off = off,
					      .size = size };
			return r->str;
		}
	}
	return false;
}

static enum rows_name rows_ref(const struct pk_stack_printer *sp, const struct plan *p,
			       const struct pk__rows_tok *t, struct rows_ref *r)
{
	static const struct {
		const char *name;
		enum rows_name what;
	} words[] = { { "value", ROWS_VALUE },	 { "addr", ROWS_ADDR },
		      { "kernel", ROWS_KERNEL }, { "user", ROWS_USER },
		      { "delimit", ROWS_DELIMIT } };
	size_t i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (is_name(t, words[i].name))
			return r->what = words[i].what;
	}
	for (i = 0; i < (size_t)p->nr_fields; i++) {
		if (is_name(t, p->fields[i].name)) {
			r->field = i;
			return r->what = ROWS_STACK;
		}
	}
	return r->what = member_of(sp, p, t, r) ? ROWS_MEMBER : ROWS_NONE;
}

static bool is_stack_ref(enum rows_name what)
{
	return what == ROWS_KERNEL || what == ROWS_USER || what == ROWS_STACK;
}

/* Why line @line of @p's format cannot print, or NULL when it can. */
static const char *rows_line_error(const struct pk_stack_printer *sp, const struct plan *p,
				   const char *line, size_t len)
{
	struct pk__rows_tok toks[ROWS_TOKS];
	int n = pk__rows_line(line, len, toks, ROWS_TOKS), i, stacks = 0, addrs = 0;
	struct rows_ref r;

	if (n < 0)
		return n == -E2BIG ? "a line of too many placeholders" : "a '{' opens no {NAME}";
	for (i = 0; i < n; i++) {
		if (toks[i].kind == PK_ROWS_TEXT)
			continue;
		rows_ref(sp, p, &toks[i], &r);
		if (toks[i].kind == PK_ROWS_WHEN) {
			if (r.what != ROWS_DELIMIT && r.what != ROWS_MEMBER)
				return "{?NAME} names no member (nor delimit)";
			continue;
		}
		if (r.what == ROWS_NONE || r.what == ROWS_DELIMIT)
			return "{NAME} names no member, stack id, value, addr, kernel or user";
		if (toks[i].rev && !is_stack_ref(r.what))
			return ":rev is for stacks";
		stacks += is_stack_ref(r.what);
		addrs += r.what == ROWS_ADDR;
	}
	if (stacks > 1)
		return "two stacks on a line";
	return addrs && !stacks ? "{addr} on a line without a stack" : NULL;
}

/*
 * PK_STACK_ROWS alone: bcc's profile, which offcputime shares: the kernel
 * frames, "--" (-d), the user frames, "-  comm (pid)" when the entry has
 * both, the count.
 */
static void default_rows(const struct pk_stack_printer *sp, struct plan *p)
{
	struct pk__rows_tok pid = { .kind = PK_ROWS_FIELD, .s = "pid", .len = 3 };
	struct rows_ref r;

	if (p->comm.set && rows_ref(sp, p, &pid, &r) == ROWS_MEMBER)
		p->rows = "    {kernel}\n{?delimit}    --\n    {user}\n"
			  "    -                {comm} ({pid})\n        {value}\n";
	else
		p->rows = "    {kernel}\n{?delimit}    --\n    {user}\n        {value}\n";
}

/* The plan's format checked, each line: one that cannot print is said, and items() print. */
static void plan_rows(const struct pk_stack_printer *sp, struct plan *p)
{
	const char *line = p->rows, *end, *err = NULL;

	if (!p->rows)
		return;
	if (!p->rows[0])
		default_rows(sp, p);
	for (line = p->rows; !err; line = end + 1) {
		end = strchrnul(line, '\n');
		err = rows_line_error(sp, p, line, end - line);
		if (!*end)
			break;
	}
	if (!err)
		return;
	fprintf(stderr, "%s: %s's PK_STACK_ROWS_FORMAT: %s: printed as entries\n", sp->name,
		p->name, err);
	p->rows = NULL;
}

/* An entry being laid out: its stacks read once, for all the lines. */
struct rows_entry {
	const void *k, *v;
	struct stack s[MAX_FIELDS];
};

/* {?NAME}: -d with both stacks taken; a member non-zero, a string not empty */
static bool rows_holds(const struct pk_stack_printer *sp, const struct plan *p,
		       const struct rows_ref *r, const struct rows_entry *e)
{
	const void *k = e->k, *v = e->v;
	const unsigned char *d;
	bool taken[PK_STACK_USER + 1] = {};
	int f;

	if (r->what == ROWS_MEMBER && r->str) {
		d = (const unsigned char *)(r->at.in_value ? v : k) + r->at.off;
		return d[0] != 0;
	}
	if (r->what == ROWS_MEMBER)
		return load(&r->at, k, v) != 0;
	if (!sp->delimit)
		return false;
	for (f = 0; f < p->nr_fields; f++) {
		if (e->s[f].id >= 0 && e->s[f].kind <= PK_STACK_USER)
			taken[e->s[f].kind] = true;
	}
	return taken[PK_STACK_KERNEL] && taken[PK_STACK_USER];
}

/* One line of the format; @s frame @i when it holds a stack. */
static void rows_print(struct pk_stack_printer *sp, FILE *out, const struct plan *p,
		       const struct pk__rows_tok *toks, int n, const void *k, const void *v,
		       const struct stack *s, int i)
{
	char buf[FRAME_MAX];
	struct rows_ref r;
	struct pk_line l;
	const char *d;
	int t;

	pk_line__begin(&l, out);
	for (t = 0; t < n; t++) {
		if (toks[t].kind == PK_ROWS_TEXT)
			pk_line__text(&l, toks[t].s, toks[t].len);
		if (toks[t].kind != PK_ROWS_FIELD)
			continue;
		switch (rows_ref(sp, p, &toks[t], &r)) {
		case ROWS_VALUE:
			pk_line__uint(&l, count_of(p, k, v), 0);
			break;
		case ROWS_ADDR:
			snprintf(buf, sizeof(buf), "%-16llx",
				 s->n > 0 ? (unsigned long long)s->ips[i] : 0ULL);
			pk_line__str(&l, buf);
			break;
		case ROWS_MEMBER:
			d = (const char *)(r.at.in_value ? v : k) + r.at.off;
			if (r.str)
				pk_line__text(&l, d, r.at.size);
			else if (r.at.is_signed)
				pk_line__int(&l, load(&r.at, k, v), 0);
			else
				pk_line__uint(&l, (__u64)load(&r.at, k, v), 0);
			break;
		default: /* the stack: bcc's frames have no offsets */
			pk_line__text(&l, s->n < 0 ? missed(s) : frame(sp, s, i, false, buf, sizeof(buf)),
				      FRAME_MAX);
		}
	}
	pk_line__end(&l);
}

/* A line of the format: once, a frame a time, or not at all ({?NAME}). */
static void rows_line(struct pk_stack_printer *sp, FILE *out, const struct plan *p,
		      const char *line, size_t len, const struct rows_entry *e)
{
	struct pk__rows_tok toks[ROWS_TOKS], *st = NULL;
	int n = pk__rows_line(line, len, toks, ROWS_TOKS), i, f;
	const void *k = e->k, *v = e->v;
	static const struct stack none;
	struct rows_ref r, sr = {};
	const struct stack *s;

	for (i = 0; i < n; i++) {
		if (toks[i].kind == PK_ROWS_TEXT)
			continue;
		rows_ref(sp, p, &toks[i], &r);
		if (toks[i].kind == PK_ROWS_WHEN && !rows_holds(sp, p, &r, e))
			return;
		if (toks[i].kind == PK_ROWS_FIELD && is_stack_ref(r.what)) {
			st = &toks[i];
			sr = r;
		}
	}
	if (!st) {
		rows_print(sp, out, p, toks, n, k, v, &none, 0);
		return;
	}
	for (f = 0; f < p->nr_fields; f++) {
		s = &e->s[f];
		if (sr.what == ROWS_STACK && f != sr.field)
			continue;
		/* {kernel}, {user}: a stack of no known kind is a user one, as in folded lines */
		if ((sr.what == ROWS_KERNEL && s->kind != PK_STACK_KERNEL) ||
		    (sr.what == ROWS_USER && s->kind == PK_STACK_KERNEL))
			continue;
		/* -EFAULT: no stack in this mode, printed as nothing (bcc's stack_id_err()) */
		if (s->n == -EFAULT)
			continue;
		if (s->n < 0)
			rows_print(sp, out, p, toks, n, k, v, s, 0);
		for (i = 0; i < s->n; i++)
			rows_print(sp, out, p, toks, n, k, v, s, st->rev ? s->n - 1 - i : i);
	}
}

/* An entry as its format lays it out, a line of the format at a time. */
static void print_rows(struct pk_stack_printer *sp, FILE *out, const struct plan *p,
		       const void *k, const void *v)
{
	struct rows_entry e = { k, v };
	const char *line, *end;
	int f;

	for (f = 0; f < p->nr_fields; f++)
		read_stack(sp, p, &p->fields[f], k, v, &e.s[f]);
	for (line = p->rows;; line = end + 1) {
		end = strchrnul(line, '\n');
		rows_line(sp, out, p, line, end - line, &e);
		if (!*end)
			break;
	}
}

/* Maps -------------------------------------------------------------------- */

static __u64 count_of(const struct plan *p, const void *k, const void *v)
{
	__s64 c;

	if (!p->count.set)
		return 1;
	c = load(&p->count, k, v);
	return c < 0 ? 0 : (__u64)c;
}

static int by_count_desc(const void *k1, const void *v1, const void *k2, const void *v2,
			 void *arg)
{
	const struct plan *p = arg;
	__u64 a = count_of(p, k1, v1), b = count_of(p, k2, v2);

	return a < b ? 1 : a > b ? -1 : 0;
}

/* bcc's stack tools print their counts smallest first (sorted(counts.items(), ...)). */
static int by_count_asc(const void *k1, const void *v1, const void *k2, const void *v2, void *arg)
{
	return by_count_desc(k2, v2, k1, v1, arg);
}

static bool all_zero(const unsigned char *d, size_t n)
{
	while (n--) {
		if (*d++)
			return false;
	}
	return true;
}

/* bcc's count of stacks that could not be displayed, for one entry */
static void count_missed(const struct plan *p, const void *k, const void *v,
			 const struct pk_stack_map_print_opts *opts)
{
	size_t *missed = PK_OPTS_GET(opts, missed, NULL);
	bool *collided = PK_OPTS_GET(opts, collided, NULL);
	__s64 id;
	int f;

	for (f = 0; f < p->nr_fields; f++) {
		id = load(&p->fields[f].at, k, v);
		if (p->fields[f].at.size == 4 && !p->fields[f].at.is_signed)
			id = (__s32)id;
		/* -EFAULT: no stack in this mode, no miss (bcc's stack_id_err()) */
		if (id >= 0 || id == -EFAULT)
			continue;
		if (missed)
			(*missed)++;
		if (collided && id == -EEXIST)
			*collided = true;
	}
}

static bool is_array(const struct bpf_map *map)
{
	return bpf_map__type(map) == BPF_MAP_TYPE_ARRAY ||
	       bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/*
 * One entry as @opts asks: into @folded (equal folded lines are one, so they
 * are gathered there and written after the map), into the graph, and
 * (unless folded) as text or JSON.
 */
static int print_entry(struct pk_stack_printer *sp, FILE *out, const struct plan *p,
		       const void *k, __u32 ks, const void *v, __u32 vs, bool json,
		       struct pk_flamegraph *folded, struct pk_flamegraph *fg)
{
	int nf;

	if (folded || fg) {
		if (!count_of(p, k, v))
			return 0;
		nf = folded_frames(sp, p, k, v, sp->nr_plans > 1);
		if (folded && add_svg(sp, folded, nf, count_of(p, k, v)))
			return -ENOMEM;
		if (fg && add_svg(sp, fg, nf, count_of(p, k, v)))
			return -EIO;
		if (folded)
			return 0;
	}
	if (json)
		print_json(sp, out, p, k, ks, v, vs);
	else if (p->rows)
		print_rows(sp, out, p, k, v);
	else
		print_text(sp, out, p, k, ks, v, vs);
	return 0;
}

int pk_stack_printer__print_map(struct pk_stack_printer *sp, FILE *out, const struct bpf_map *map,
				const struct pk_stack_map_print_opts *opts)
{
	LIBBPF_OPTS(pk_map_read_opts, ro, .sum_percpu = true);
	const struct plan *p = plan_of(sp, map);
	bool json = PK_OPTS_GET(opts, json, false);
	struct pk_flamegraph *fg = PK_OPTS_GET(opts, fg, NULL), *folded = NULL;
	size_t i, n, printed = 0, top = PK_OPTS_GET(opts, top, 0);
	struct pk_map_snapshot *s;
	__u32 ks, vs;
	bool rows;
	int err = 0;

	if (!PK_OPTS_VALID(opts, pk_stack_map_print_opts) || !out)
		return -EINVAL;
	if (!p)
		return -ENOENT;
	if (buffers(sp))
		return -ENOMEM;
	if (PK_OPTS_GET(opts, folded, false) && !(folded = pk_flamegraph__new()))
		return -errno;
	s = PK_OPTS_GET(opts, clear, false) ? pk_map_snapshot__new_and_clear(bpf_map__fd(map), &ro)
					    : pk_map_snapshot__new(bpf_map__fd(map), &ro);
	if (!s) {
		err = -errno;
		pk_flamegraph__free(folded);
		return err;
	}
	ks = pk_map_snapshot__key_size(s);
	vs = pk_map_snapshot__value_size(s);
	n = pk_map_snapshot__count(s);
	rows = p->rows && !json && !folded;
	if (!is_array(map))
		pk_map_snapshot__sort(s, rows ? by_count_asc : by_count_desc, (void *)p);
	/* rows: the @top largest, still smallest first; after a blank line, as bcc's print() */
	i = rows && !is_array(map) && top && n > top ? n - top : 0;
	if (rows)
		fputc('\n', out);
	for (; i < n && (!top || printed < top) && !err; i++) {
		const void *k = pk_map_snapshot__key(s, i), *v = pk_map_snapshot__value(s, i);

		if (is_array(map) && all_zero(v, vs))
			continue;
		printed++;
		count_missed(p, k, v, opts);
		err = print_entry(sp, out, p, k, ks, v, vs, json, folded, fg);
	}
	pk_map_snapshot__free(s);
	/* equal lines (two pids of one program, say) are one */
	if (folded && !err)
		pk_flamegraph__write_folded(folded, out);
	pk_flamegraph__free(folded);
	return err ? err : (int)printed;
}

/* For the fuzzer: an entry of a key and a value type, in every form. */
int pk__stack_printer_entries(struct pk_stack_printer *sp, FILE *text, FILE *json, FILE *folded,
			      __u32 key_id, const void *k, __u32 ks, __u32 value_id, const void *v,
			      __u32 vs)
{
	struct plan *p;

	if (!sp->plans && !(sp->plans = calloc(1, sizeof(*sp->plans))))
		return -ENOMEM;
	if (buffers(sp))
		return -ENOMEM;
	p = &sp->plans[0];
	plan_types(sp, p, "m", key_id, value_id);
	print_text(sp, text, p, k, ks, v, vs);
	print_json(sp, json, p, k, ks, v, vs);
	print_folded(sp, folded, folded_frames(sp, p, k, v, true), count_of(p, k, v));
	return p->nr_fields;
}

/* For the fuzzer: an entry of a key and a value type as @fmt lays it out;
 * whether the format could (else nothing was printed). */
bool pk__stack_printer_rows(struct pk_stack_printer *sp, FILE *out, const char *fmt, __u32 key_id,
			    const void *k, __u32 value_id, const void *v)
{
	/* a plan of its own: a printer made without an object has no room for plans */
	struct plan plan = {0}, *p = &plan;

	if (buffers(sp))
		return false;
	plan_types(sp, p, "m", key_id, value_id);
	p->rows = fmt;
	plan_rows(sp, p);
	if (p->rows)
		print_rows(sp, out, p, k, v);
	return p->rows;
}

/* Events ------------------------------------------------------------------ */

/* Column @c as a location in a record (the "key" side), if it is a whole 4 or 8 bytes. */
static bool column_loc(const struct pk_event_column *c, struct loc *l)
{
	if (c->bit_offset % 8 || (c->bit_size != 32 && c->bit_size != 64))
		return false;
	*l = (struct loc){ .set = true, .off = c->bit_offset / 8, .size = c->bit_size / 8,
			   .is_signed = c->is_signed };
	return true;
}

int pk_stack_printer__set_event(struct pk_stack_printer *sp, const struct pk_event_table *table)
{
	const struct pk_event_column *c;
	struct plan *p;
	struct loc l;
	size_t i;

	if (!sp)
		return -EINVAL;
	p = &sp->event;
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "event");
	for (i = 0; (c = pk_event_table__column(table, i)); i++) {
		if (c->bad_stack_tag)
			fprintf(stderr, "%s: event.%s is tagged \"%s\", not "
					"pk_stack_id[:user|:kernel][:MAP]: printed as a number\n",
				sp->name, c->path, c->bad_stack_tag);
		if (!column_loc(c, &l))
			continue;
		if (c->kind == PK_COL_STACK_ID)
			add_field(sp, p, &l, c->stack_kind, c->stack_map, c->path);
		else if (!strcmp(c->path, "tgid") || (!strcmp(c->path, "pid") && !p->pid.set))
			p->pid = l;
	}
	if (!p->nr_fields)
		return 0;
	if (plan_has_user(p))
		start_usyms(sp);
	return 1;
}

/* Whether a record of @size bytes holds every stack id of the event. */
static bool event_fits(const struct pk_stack_printer *sp, size_t size)
{
	const struct plan *p = &sp->event;
	int i;

	for (i = 0; i < p->nr_fields; i++) {
		if (p->fields[i].at.off + p->fields[i].at.size > size)
			return false;
	}
	return !p->pid.set || p->pid.off + p->pid.size <= size;
}

void pk_stack_printer__event_text(struct pk_stack_printer *sp, FILE *out, const void *data,
				  size_t size)
{
	struct stack s;
	int i, printed = 0;

	if (!sp || !sp->event.nr_fields || !event_fits(sp, size))
		return;
	for (i = 0; i < sp->event.nr_fields; i++) {
		read_stack(sp, &sp->event, &sp->event.fields[i], data, NULL, &s);
		if (s.n == -EFAULT) /* no stack in this mode: no miss (print_text) */
			continue;
		if (printed++)
			fputs("\t--\n", out);
		print_stack_text(sp, out, &s);
	}
	fputc('\n', out);
}

void pk_stack_printer__event_json(struct pk_stack_printer *sp, struct pk_json *j, const void *data,
				  size_t size)
{
	struct stack s;
	int i;

	if (!sp || !sp->event.nr_fields || !event_fits(sp, size))
		return;
	pk_json__object_begin(j, "stacks");
	for (i = 0; i < sp->event.nr_fields; i++) {
		read_stack(sp, &sp->event, &sp->event.fields[i], data, NULL, &s);
		json_stack(sp, j, sp->event.fields[i].name, &s);
	}
	pk_json__object_end(j);
}
