// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Stacks in `probekit run`: map keys and values that hold the id of a
 * stack in a BPF_MAP_TYPE_STACK_TRACE map print as that stack, symbolized,
 * as bcc's stackcount and mallocstacks print theirs; --folded prints them
 * as flame-graph input and --svg draws the flame graph.
 *
 * Which fields are stack ids, which stack map holds them and whether they
 * are kernel or user stacks is read from the object's BTF, by the rules
 * bpf/probekit.bpf.h documents (PK_STACK_ID decl tags, or the names
 * kstack, ustack, stack_id, user_stack_id...).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <probekit/btfvalue.h>
#include <probekit/flamegraph.h>
#include <probekit/hist.h>
#include <probekit/ksyms.h>
#include <probekit/mapprint.h>
#include <probekit/maps.h>
#include <probekit/output.h>
#include <probekit/probekit.h>
#include <probekit/stackid.h>
#include <probekit/usyms.h>

#include "run.h"

#define MAX_FIELDS 8
#define MAX_PLANS 64
#define MAX_FRAMES 127
#define TEXT_MAX 4096
#define FRAME_MAX 512
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

/* What to do with one map: where its stack ids, pid, comm and count are. */
struct plan {
	const struct bpf_map *map;
	struct stack_field fields[MAX_FIELDS];
	int nr_fields;
	struct loc pid, count;
	struct loc comm; /* a char array */
	__u32 key_id, value_id;
	char name[64]; /* the map's, or "event" */
	char unit[64];
};

/* One stack: its frames innermost first, and the kind it turned out to be. */
struct stack {
	__s64 id;
	int n; /* frames, or a negative errno */
	enum pk_stack_kind kind;
	pid_t pid;
	__u64 ips[MAX_FRAMES];
};

static struct {
	struct bpf_object *obj;
	const struct btf *btf;
	struct run_stacks_opts opts;
	struct plan plans[MAX_PLANS];
	int nr_plans;
	/* the PK_EVENT() record's stack ids, in the "key" side */
	struct plan event;
	struct pk_usyms *usyms;
	struct pk_btf_printer *printer;
	/* --svg: the graph of one print pass */
	struct pk_flamegraph *fg;
	bool warned_ksyms;
	/* the object's stack maps; other sources in the fuzz target */
	int (*find_stack_map)(const char *name, int *nr);
	int (*read_stack)(int fd, __s64 id, __u64 *ips, size_t max);
	char key[TEXT_MAX], value[TEXT_MAX], line[3 * TEXT_MAX];
	char frames[FOLD_MAX][FRAME_MAX];
	struct stack *stacks; /* MAX_FIELDS of them, for a folded line */
} st;

/* Stack ids ------------------------------------------------------------- */

/* pk_btf_stack_id() (stackid.h), saying so when a tag breaks the convention. */
static bool stack_id_of(const struct plan *p, __u32 id, int idx, const char *name,
			struct pk_stack_id_info *info)
{
	int ret = pk_btf_stack_id(st.btf, id, idx, info);

	if (ret == -EBADMSG)
		fprintf(stderr, "run: %s.%s is tagged \"%s\", not pk_stack_id[:user|:kernel][:MAP]: "
				"printed as a number\n",
			p->name, name, info->tag);
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
static int stacks_fd_for(const char *map, const char *what)
{
	int fd, nr = 0;

	if (map) {
		fd = st.find_stack_map(map, &nr);
		if (fd >= 0)
			return fd;
		fprintf(stderr, "run: %s is tagged with stack map %s, which the object has not\n",
			what, map);
	}
	fd = st.find_stack_map(NULL, &nr);
	if (fd < 0 && nr > 1)
		fprintf(stderr, "run: %s looks like a stack id, but the object has %d stack maps: "
				"tag it PK_STACK_ID_OF(map); printed as a number\n",
			what, nr);
	return fd;
}

/* The object's stack map named @name, or with NULL its only one: the fd or -1. */
static int object_stack_map(const char *name, int *nr)
{
	const struct bpf_map *m, *only = NULL;

	if (name) {
		m = bpf_object__find_map_by_name(st.obj, name);
		return is_stack_map(m) ? bpf_map__fd(m) : -1;
	}
	*nr = 0;
	bpf_object__for_each_map(m, st.obj) {
		if (is_stack_map(m)) {
			only = m;
			(*nr)++;
		}
	}
	return *nr == 1 ? bpf_map__fd(only) : -1;
}

/* Layout ------------------------------------------------------------------ */

/* Skips modifiers; typedef names on the way are checked by the caller. */
static const struct btf_type *skip_mods(__u32 *id)
{
	const struct btf_type *t = btf__type_by_id(st.btf, *id);

	while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t) ||
		     btf_is_typedef(t))) {
		*id = t->type;
		t = btf__type_by_id(st.btf, *id);
	}
	return t;
}

static bool int_loc(__u32 type, __u32 off, bool in_value, struct loc *l)
{
	const struct btf_type *t = skip_mods(&type);

	if (!t || (!btf_is_int(t) && !btf_is_enum(t)) || (t->size != 4 && t->size != 8) ||
	    (btf_is_int(t) && btf_int_offset(t)))
		return false;
	*l = (struct loc){ .set = true, .in_value = in_value, .off = off, .size = t->size,
			   .is_signed = btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED) };
	return true;
}

static void add_field(struct plan *p, const struct loc *l, const struct pk_stack_id_info *info,
		      const char *name)
{
	struct stack_field *f;
	char what[160];
	int fd;

	if (p->nr_fields == MAX_FIELDS)
		return;
	snprintf(what, sizeof(what), "%s.%s", p->name, name);
	f = &p->fields[p->nr_fields];
	f->kind = info->kind;
	fd = stacks_fd_for(info->map, what);
	if (fd < 0)
		return;
	f->at = *l;
	f->stacks_fd = fd;
	snprintf(f->name, sizeof(f->name), "%s", name);
	p->nr_fields++;
}

static bool is_char_array(__u32 type)
{
	const struct btf_type *t = skip_mods(&type), *e;
	__u32 elem;

	if (!t || !btf_is_array(t))
		return false;
	elem = btf_array(t)->type;
	e = skip_mods(&elem);
	return e && btf_is_int(e) && e->size == 1;
}

/* The stack ids, pid, comm and count of a key or value of type @id. */
static void scan(struct plan *p, __u32 id, bool in_value)
{
	const char *side = in_value ? "value" : "key", *name;
	struct pk_stack_id_info info;
	const struct btf_member *m;
	const struct btf_type *t;
	struct loc l;
	__u32 sid = id;
	int i;

	if (stack_id_of(p, id, -1, side, &info) && int_loc(id, 0, in_value, &l)) {
		add_field(p, &l, &info, side);
		return;
	}
	t = skip_mods(&sid);
	if (!t)
		return;
	if (in_value && !btf_is_composite(t)) {
		p->count.set = int_loc(id, 0, true, &p->count);
		return;
	}
	if (!btf_is_struct(t))
		return;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		__u32 bits = btf_member_bit_offset(t, i);
		__s64 msize = btf__resolve_size(st.btf, m->type);

		/* BTF is the file's: a member past its struct is left alone */
		if (msize < 0 || bits / 8 + msize > t->size)
			continue;
		name = btf__name_by_offset(st.btf, m->name_off);
		if (btf_member_bitfield_size(t, i) || bits % 8 ||
		    !int_loc(m->type, bits / 8, in_value, &l)) {
			if (name && !strcmp(name, "comm") && is_char_array(m->type) && !(bits % 8)) {
				p->comm = (struct loc){ .set = true, .in_value = in_value,
							.off = bits / 8 };
				p->comm.size = msize;
			}
			continue;
		}
		if (stack_id_of(p, sid, i, name ? name : "?", &info)) {
			add_field(p, &l, &info, name ? name : "?");
		} else if (name && (!strcmp(name, "tgid") ||
				    (!strcmp(name, "pid") && (!p->pid.set || p->pid.in_value)))) {
			p->pid = l;
		} else if (in_value && !p->count.set) {
			p->count = l;
			snprintf(p->unit, sizeof(p->unit), "%s", name ? name : "");
		}
	}
}

/* A histogram keyed by a stack id prints as histograms (hist.h), one a stack id. */
static bool is_hist(const struct bpf_map *map)
{
	struct pk_hist *h = pk_hist__from_map(map, st.btf);

	pk_hist__free(h);
	return h != NULL;
}

static void make_plan(const struct bpf_map *map)
{
	struct plan *p = &st.plans[st.nr_plans];

	memset(p, 0, sizeof(*p));
	p->map = map;
	snprintf(p->name, sizeof(p->name), "%s", bpf_map__name(map));
	p->key_id = bpf_map__btf_key_type_id(map);
	p->value_id = bpf_map__btf_value_type_id(map);
	/* the types must be the sizes the map has, or the layout is not its */
	if (!p->key_id || !p->value_id ||
	    btf__resolve_size(st.btf, p->key_id) != bpf_map__key_size(map) ||
	    btf__resolve_size(st.btf, p->value_id) != bpf_map__value_size(map))
		return;
	scan(p, p->key_id, false);
	scan(p, p->value_id, true);
	if (!p->nr_fields || is_hist(map))
		return;
	if (!p->unit[0])
		snprintf(p->unit, sizeof(p->unit), "%s",
			 p->count.set ? p->name : "entries");
	st.nr_plans++;
}

/* User stacks will print: a symbolizer, with -p's maps read now, so that
 * its stacks resolve once it is gone (events and maps alike). */
static void start_usyms(void)
{
	if (st.usyms)
		return;
	st.usyms = pk_usyms__new(NULL);
	if (st.usyms && st.opts.pid)
		pk_usyms__load_pid(st.usyms, st.opts.pid);
}

int run_stacks_init(struct bpf_object *obj, const struct run_stacks_opts *opts)
{
	struct bpf_map *map;
	int i;

	st.obj = obj;
	st.btf = bpf_object__btf(obj);
	st.find_stack_map = object_stack_map;
	st.read_stack = pk_stack_read;
	st.opts = *opts;
	if (!st.btf)
		return 0;
	bpf_object__for_each_map(map, obj) {
		if (pk_map__is_printable(map) && st.nr_plans < MAX_PLANS)
			make_plan(map);
	}
	if (!st.nr_plans)
		return 0;
	st.printer = pk_btf_printer__new(st.btf);
	st.stacks = calloc(MAX_FIELDS, sizeof(*st.stacks));
	if (!st.printer || !st.stacks)
		return -ENOMEM;
	for (i = 0; i < st.nr_plans && !st.usyms; i++) {
		for (int k = 0; k < st.plans[i].nr_fields; k++) {
			if (st.plans[i].fields[k].kind != PK_STACK_KERNEL)
				start_usyms();
		}
	}
	return 0;
}

void run_stacks_process_exiting(pid_t pid)
{
	if (st.usyms)
		pk_usyms__load_pid(st.usyms, pid);
}

void run_stacks_free(void)
{
	pk_usyms__free(st.usyms);
	pk_btf_printer__free(st.printer);
	pk_flamegraph__free(st.fg);
	free(st.stacks);
	st.stacks = NULL;
	memset(&st.plans, 0, st.nr_plans * sizeof(st.plans[0]));
	st.usyms = NULL;
	st.printer = NULL;
	st.fg = NULL;
	st.nr_plans = 0;
}

static const struct plan *plan_of(const struct bpf_map *map)
{
	int i;

	for (i = 0; i < st.nr_plans; i++) {
		if (st.plans[i].map == map)
			return &st.plans[i];
	}
	return NULL;
}

bool run_stacks_has_map(const struct bpf_map *map)
{
	return plan_of(map) != NULL;
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


static pid_t pid_of(const struct plan *p, const void *k, const void *v)
{
	__s64 pid = p->pid.set ? load(&p->pid, k, v) : 0;

	return pid > 0 ? (pid_t)pid : st.opts.pid ? st.opts.pid : st.opts.child;
}

static void read_stack(const struct plan *p, const struct stack_field *f, const void *k,
		       const void *v, struct stack *s)
{
	s->id = load(&f->at, k, v);
	/* a 4-byte unsigned field holds bpf_get_stackid()'s int */
	if (f->at.size == 4 && !f->at.is_signed)
		s->id = (__s32)s->id;
	/* bpf_get_stackid()'s errors are small; other negative numbers are no errno */
	s->n = s->id >= 0    ? st.read_stack(f->stacks_fd, s->id, s->ips, MAX_FRAMES) :
	       s->id > -4096 ? (int)s->id :
			       -EINVAL;
	s->kind = f->kind;
	if (s->kind == PK_STACK_ANY && s->n > 0)
		s->kind = s->ips[0] >= KERNEL_HALF ? PK_STACK_KERNEL : PK_STACK_USER;
	s->pid = s->kind == PK_STACK_KERNEL ? 0 : pid_of(p, k, v);
}

static const struct pk_ksyms *ksyms(void)
{
	const struct pk_ksyms *ks = pk_ksyms();

	if (!st.warned_ksyms && (!ks || pk_ksyms__addrs_hidden(ks))) {
		st.warned_ksyms = true;
		fprintf(stderr, "run: %s: kernel stacks show [unknown]\n",
			ks ? "kernel addresses are hidden from this process (kptr_restrict)" :
			     "cannot read /proc/kallsyms");
	}
	return ks;
}

/* Frame @i of @s as text: "sym+0x1f" ("sym+0x1f (module)" for user frames). */
static const char *frame(const struct stack *s, int i, bool offsets, char *buf, size_t size)
{
	if (s->kind == PK_STACK_KERNEL)
		return pk_ksyms__format(ksyms(), s->ips[i], offsets ? PK_KSYM_OFFSET : 0, buf,
					size);
	if (!st.usyms) {
		snprintf(buf, size, "[unknown]");
		return buf;
	}
	return pk_usyms__sym(st.usyms, s->pid, s->ips[i],
			     offsets ? PK_USYM_OFFSET | PK_USYM_MODULE : 0, buf, size);
}

static const char *missed(const struct stack *s)
{
	return s->kind == PK_STACK_KERNEL ? "[Missed Kernel Stack]" :
	       s->kind == PK_STACK_USER	? "[Missed User Stack]" :
					  "[Missed Stack]";
}

/* Text -------------------------------------------------------------------- */

static void text_of(__u32 id, const void *d, size_t n, char *buf)
{
	size_t i, len;

	if (pk_btf_printer__text(st.printer, id, d, n, buf, TEXT_MAX) >= 0)
		return;
	len = snprintf(buf, TEXT_MAX, "0x");
	for (i = 0; i < n && len + 3 < TEXT_MAX; i++)
		len += snprintf(buf + len, TEXT_MAX - len, "%02x", ((const unsigned char *)d)[i]);
}

/* A stack, a frame a line after a tab, built as one pk_line (no stdio call a frame). */
static void print_stack_text(FILE *out, const struct stack *s)
{
	char buf[FRAME_MAX];
	struct pk_line l;
	int i;

	pk_line_begin(&l, out);
	pk_line_char(&l, '\t');
	if (s->n < 0) {
		/* "[Missed Kernel Stack: the stack map is full]" */
		pk_line_raw(&l, missed(s), strlen(missed(s)) - 1);
		pk_line_str(&l, ": ");
		pk_line_str(&l, pk_stack_error(s->n));
		pk_line_char(&l, ']');
	} else if (!s->n) {
		pk_line_str(&l, "[empty stack]");
	}
	for (i = 0; i < s->n; i++) {
		if (i)
			pk_line_str(&l, "\n\t");
		frame(s, i, true, buf, sizeof(buf));
		pk_line_text(&l, buf, sizeof(buf));
	}
	pk_line_end(&l);
}

/* bcc's stackcount: the entry, then each stack a frame a line, "--" between. */
static void print_text(FILE *out, const struct plan *p, const void *k, __u32 ks, const void *v,
		       __u32 vs)
{
	char name[256];
	struct stack s;
	int i;

	pk_escape_text(name, sizeof(name), p->name, strlen(p->name));
	text_of(p->key_id, k, ks, st.key);
	text_of(p->value_id, v, vs, st.value);
	snprintf(st.line, sizeof(st.line), "%s[%s] = %s\n", name, st.key, st.value);
	fputs(st.line, out);
	for (i = 0; i < p->nr_fields; i++) {
		if (i)
			fputs("\t--\n", out);
		read_stack(p, &p->fields[i], k, v, &s);
		print_stack_text(out, &s);
	}
}

/* JSON -------------------------------------------------------------------- */

static void json_stack(struct pk_json *j, const char *key, const struct stack *s)
{
	const char *kind;
	char buf[FRAME_MAX];
	int i;

	pk_json_object_begin(j, key);
	pk_json_int(j, "id", s->id);
	kind = s->kind == PK_STACK_KERNEL ? "kernel" : s->kind == PK_STACK_USER ? "user" : "unknown";
	pk_json_str(j, "kind", kind, strlen(kind));
	if (s->n < 0)
		pk_json_str(j, "error", pk_stack_error(s->n), strlen(pk_stack_error(s->n)));
	pk_json_array_begin(j, "frames");
	for (i = 0; i < s->n; i++) {
		frame(s, i, true, buf, sizeof(buf));
		pk_json_str(j, NULL, buf, strlen(buf));
	}
	pk_json_array_end(j);
	pk_json_array_begin(j, "addrs");
	for (i = 0; i < s->n; i++) {
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)s->ips[i]);
		pk_json_str(j, NULL, buf, strlen(buf));
	}
	pk_json_array_end(j);
	pk_json_object_end(j);
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
static void json_side(struct pk_json *j, const char *key, const struct plan *p, bool in_value,
		      const void *k, const void *v, __u32 size)
{
	__u32 id = in_value ? p->value_id : p->key_id, sid = id;
	const struct btf_type *t = skip_mods(&sid);
	const struct stack_field *f = field_at(p, in_value, 0);
	const void *d = in_value ? v : k;
	const struct btf_member *m;
	struct stack s;
	__s64 msize;
	__u32 off;
	int i;

	if (f && t && !btf_is_struct(t)) {
		read_stack(p, f, k, v, &s);
		json_stack(j, key, &s);
		return;
	}
	if (!nestable(p, t, in_value)) {
		pk_btf_value_json(st.btf, id, d, size, j, key);
		return;
	}
	pk_json_object_begin(j, key);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(st.btf, m->name_off);

		off = btf_member_bit_offset(t, i) / 8;
		f = field_at(p, in_value, off);
		msize = btf__resolve_size(st.btf, m->type);
		if (f) {
			read_stack(p, f, k, v, &s);
			json_stack(j, name, &s);
		} else if (msize >= 0 && off + msize <= size) {
			pk_btf_value_json(st.btf, m->type, (const char *)d + off, msize, j, name);
		}
	}
	pk_json_object_end(j);
}

static void print_json(FILE *out, const struct plan *p, const void *k, __u32 ks, const void *v,
		       __u32 vs)
{
	const char *name = p->name;
	struct pk_json j;

	pk_json_begin(&j, out);
	pk_json_str(&j, "map", name, strlen(name));
	json_side(&j, "key", p, false, k, v, ks);
	json_side(&j, "value", p, true, k, v, vs);
	pk_json_end(&j);
}

/* Folded ------------------------------------------------------------------ */

/*
 * One entry as flame-graph frames, outermost first, as bcc's stackcount -f
 * and profile -f give them: the comm if the record has one, the user
 * stack, then the kernel stack, names without offsets; a stack that was
 * not taken is one "[Missed User Stack]" frame. Returns the frame count.
 */
static int folded_frames(const struct plan *p, const void *k, const void *v, bool prefix_map)
{
	struct stack *s = st.stacks;
	int n = 0, pass, i, f;

	if (prefix_map)
		snprintf(st.frames[n++], FRAME_MAX, "%s", p->name);
	if (p->comm.set) {
		const char *c = (const char *)(p->comm.in_value ? v : k) + p->comm.off;

		snprintf(st.frames[n++], FRAME_MAX, "%.*s", (int)strnlen(c, p->comm.size), c);
	}
	for (f = 0; f < p->nr_fields; f++)
		read_stack(p, &p->fields[f], k, v, &s[f]);
	/* the user stacks (and those of no known kind), then the kernel's */
	for (pass = PK_STACK_USER; pass >= PK_STACK_KERNEL; pass--) {
		for (f = 0; f < p->nr_fields; f++) {
			if (s[f].kind != (enum pk_stack_kind)pass &&
			    !(s[f].kind == PK_STACK_ANY && pass == PK_STACK_USER))
				continue;
			/* -EFAULT: no stack in this mode (a user-mode sample's kernel
			 * stack), as bcc's profile has it: no missed stack */
			if (s[f].n < 0 && s[f].n != -EFAULT && n < FOLD_MAX)
				snprintf(st.frames[n++], FRAME_MAX, "%s", missed(&s[f]));
			for (i = s[f].n - 1; i >= 0 && n < FOLD_MAX; i--)
				frame(&s[f], i, false, st.frames[n++], FRAME_MAX);
		}
	}
	return n;
}

/* Adds the folded frames to @fg: the SVG's, or --folded's, which merges equal lines. */
static int add_svg(struct pk_flamegraph *fg, int n, __u64 count)
{
	const char *names[FOLD_MAX];
	int i;

	for (i = 0; i < n; i++)
		names[i] = st.frames[i];
	return pk_flamegraph__add(fg, names, n, count);
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

static bool all_zero(const unsigned char *d, size_t n)
{
	while (n--) {
		if (*d++)
			return false;
	}
	return true;
}

static bool is_array(const struct bpf_map *map)
{
	return bpf_map__type(map) == BPF_MAP_TYPE_ARRAY ||
	       bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY;
}

int run_stacks_print_map(struct pk_run *run, const struct bpf_map *map,
			 const struct pk_map_print_opts *po)
{
	LIBBPF_OPTS(pk_map_read_opts, ro, .sum_percpu = true);
	const struct plan *p = plan_of(map);
	FILE *out = pk_run__out(run);
	struct pk_flamegraph *folded = NULL;
	struct pk_map_snapshot *s;
	size_t i, n, printed = 0, top = po->top;
	__u32 ks, vs;
	int err = 0, nf;

	if (!p)
		return -ENOENT;
	if (st.opts.folded && !(folded = pk_flamegraph__new()))
		return -errno;
	s = po->clear ? pk_map__snapshot_and_clear(bpf_map__fd(map), &ro) :
			pk_map__snapshot(bpf_map__fd(map), &ro);
	if (!s) {
		err = -errno;
		pk_flamegraph__free(folded);
		return err;
	}
	ks = pk_map_snapshot__key_size(s);
	vs = pk_map_snapshot__value_size(s);
	n = pk_map_snapshot__count(s);
	if (!is_array(map))
		pk_map_snapshot__sort(s, by_count_desc, (void *)p);
	for (i = 0; i < n && (!top || printed < top) && !err; i++) {
		const void *k = pk_map_snapshot__key(s, i), *v = pk_map_snapshot__value(s, i);

		if (is_array(map) && all_zero(v, vs))
			continue;
		printed++;
		if (st.opts.folded || st.fg) {
			if (!count_of(p, k, v))
				continue;
			nf = folded_frames(p, k, v, st.nr_plans > 1);
			if (folded && (err = add_svg(folded, nf, count_of(p, k, v))))
				pk_error(run, "cannot fold the stacks: %s",
					 pk_flamegraph__error(folded));
			if (!err && st.fg && (err = add_svg(st.fg, nf, count_of(p, k, v))))
				pk_error(run, "cannot add to the flame graph: %s",
					 pk_flamegraph__error(st.fg));
			if (st.opts.folded)
				continue;
		}
		if (po->json)
			print_json(out, p, k, ks, v, vs);
		else
			print_text(out, p, k, ks, v, vs);
	}
	pk_map_snapshot__free(s);
	/* equal lines (two pids of one program, say) are one */
	if (folded && !err)
		pk_flamegraph__write_folded(folded, out);
	pk_flamegraph__free(folded);
	return err ? err : (int)printed;
}

int run_stacks_begin(struct pk_run *run)
{
	if (!st.opts.svg || !st.nr_plans)
		return 0;
	pk_flamegraph__free(st.fg);
	st.fg = pk_flamegraph__new();
	if (!st.fg) {
		pk_error(run, "cannot make the flame graph: %s", strerror(errno));
		return -ENOMEM;
	}
	return 0;
}

int run_stacks_end(struct pk_run *run)
{
	char title[512], why[4600];
	struct pk_flamegraph_opts fo = { .sz = sizeof(fo), .title = title };
	int err;

	if (!st.fg)
		return 0;
	fo.unit = st.plans[0].unit;
	if (st.nr_plans == 1)
		snprintf(title, sizeof(title), "%s: %s", st.opts.file, st.plans[0].name);
	else
		snprintf(title, sizeof(title), "%s", st.opts.file);
	err = pk_flamegraph__save(st.fg, st.opts.svg, &fo, why, sizeof(why));
	if (err)
		pk_error(run, "%s", why);
	else
		pk_info(run, "%s", why);
	pk_flamegraph__free(st.fg);
	st.fg = NULL;
	return err;
}

bool run_stacks_folded(void)
{
	return st.opts.folded;
}

/* Events ------------------------------------------------------------------ */

bool run_stacks_event_init(const struct btf *btf, __u32 type_id)
{
	if (!st.find_stack_map || !btf || !type_id)
		return false;
	memset(&st.event, 0, sizeof(st.event));
	st.event.key_id = type_id;
	snprintf(st.event.name, sizeof(st.event.name), "event");
	scan(&st.event, type_id, false);
	/* a value's count and unit mean nothing here */
	st.event.count.set = false;
	if (!st.event.nr_fields)
		return false;
	start_usyms();
	return true;
}

/* Whether a record of @size bytes holds every stack id of the event. */
static bool event_fits(size_t size)
{
	int i;

	for (i = 0; i < st.event.nr_fields; i++) {
		if (st.event.fields[i].at.off + st.event.fields[i].at.size > size)
			return false;
	}
	return !st.event.pid.set || st.event.pid.off + st.event.pid.size <= size;
}

void run_stacks_event_text(FILE *out, const void *data, size_t size)
{
	struct stack s;
	int i;

	if (!st.event.nr_fields || !event_fits(size))
		return;
	for (i = 0; i < st.event.nr_fields; i++) {
		if (i)
			fputs("\t--\n", out);
		read_stack(&st.event, &st.event.fields[i], data, NULL, &s);
		print_stack_text(out, &s);
	}
	fputc('\n', out);
}

void run_stacks_event_json(struct pk_json *j, const void *data, size_t size)
{
	struct stack s;
	int i;

	if (!st.event.nr_fields || !event_fits(size))
		return;
	pk_json_object_begin(j, "stacks");
	for (i = 0; i < st.event.nr_fields; i++) {
		read_stack(&st.event, &st.event.fields[i], data, NULL, &s);
		json_stack(j, st.event.fields[i].name, &s);
	}
	pk_json_object_end(j);
}
