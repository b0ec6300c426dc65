// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel symbols, held compactly: some 120k symbols, which took 11 MB as
 * one struct per symbol, hash tables and slot arrays, now take about 4 MB,
 * nearly all of it the names themselves.
 * - The names stay in file order as read: a type letter, the name, a NUL.
 *   Every NAME_BLOCK-th one's offset is kept; a name is found by skipping
 *   at most NAME_BLOCK - 1 others. A module's symbols are consecutive
 *   lines, kept as runs (first line, module). Half the lines of a current
 *   kernel are "__pfx_NAME" (the padding before function NAME) right
 *   before NAME: such a name is stored as one mark byte (PFX_MARK).
 * - The addresses are sorted for a binary search, as 32-bit offsets from
 *   the lowest when they span less than 4 GB (the kernel's and modules'
 *   text do), with each one's line in the file, which decides among equal
 *   addresses and among equal names.
 * - The struct pk_ksym the API hands out is made when first asked for and
 *   kept, so its pointer stays valid; the name hash is built at the first
 *   lookup by name (stack symbolization never needs it).
 * - The arrays that grow while the file is read are mapped and grown with
 *   mremap: no copy, and room never written to is never resident.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <probekit/ksyms.h>
#include <probekit/output.h>

#include "sym.h"

/* A symbol handed out: made on demand, never moved. */
struct entry {
	struct pk_ksym sym;
	/* its index in address order */
	__u32 idx;
};

#define NAME_BLOCK 16
#define PFX "__pfx_"
#define PFX_LEN 6
/* the name is PFX and the next line's name */
#define PFX_MARK '\x01'
/* kallsyms' KSYM_NAME_LEN, twice: longer names compare truncated */
#define NAME_MAX_LEN 1024
/* address lookups first search every BLOCK-th address, then one block */
#define BLOCK 64
#define NONE UINT32_MAX

/* A growing array in its own mapping. */
struct vec {
	char *p;
	size_t len, cap;
};

struct mod_run {
	/* the first line of the run, and its module's offset in mods (NONE: the kernel) */
	__u32 first, mod;
};

/* the names of folded __pfx_ entries, made when those are asked for */
struct pfx_name {
	struct pfx_name *next;
	char s[];
};

struct made_chunk {
	struct made_chunk *next;
	size_t used;
	struct entry e[256];
};

struct pk_ksyms {
	struct vec names;
	/* the offset in names of every NAME_BLOCK-th line */
	struct vec blocks;
	size_t nr;
	/* sorted addresses: base + off32[i], or off64[i] */
	__u64 base;
	__u32 *off32;
	__u64 *off64;
	/* the file line of each sorted entry; NULL when the file was sorted */
	__u32 *line;
	__u64 *index;
	size_t nr_index;
	char *mods;
	size_t mods_len;
	struct mod_run *runs;
	size_t nr_runs;
	bool hidden;

	/* made on demand, under lock */
	pthread_mutex_t lock;
	struct entry **made;
	size_t made_mask, nr_made;
	struct made_chunk *chunks;
	struct pfx_name *pfx_names;
	/* sorted index + 1 per slot, 0 for empty; sizes are powers of two */
	__u32 *by_name, *by_base;
	size_t name_mask, base_mask;
	int hash_err;
};

/* Arrays ---------------------------------------------------------------- */

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) / page * page;
}

static int vec_reserve(struct vec *v, size_t need)
{
	size_t cap = v->cap ? v->cap : 256 * 1024;
	void *p;

	if (need <= v->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	cap = page_round(cap);
	if (v->p)
		p = mremap(v->p, v->cap, cap, MREMAP_MAYMOVE);
	else
		p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	v->p = p;
	v->cap = cap;
	return 0;
}

static int vec_add(struct vec *v, const void *data, size_t len)
{
	if (vec_reserve(v, v->len + len))
		return -ENOMEM;
	memcpy(v->p + v->len, data, len);
	v->len += len;
	return 0;
}

/* Gives back the room past the end (in place: pointers into it stay good). */
static void vec_trim(struct vec *v)
{
	size_t keep = page_round(v->len ? v->len : 1);

	if (v->p && keep < v->cap && mremap(v->p, v->cap, keep, 0) != MAP_FAILED)
		v->cap = keep;
}

static void vec_free(struct vec *v)
{
	if (v->p)
		munmap(v->p, v->cap);
	v->p = NULL;
	v->len = v->cap = 0;
}

/* Reading --------------------------------------------------------------- */

struct loader {
	struct pk_ksyms *ks;
	/* the addresses in file order, 64-bit while they are read */
	struct vec addrs;
	size_t mods_cap, runs_cap;
	/* the offset of the last record when its name starts with PFX, or NONE */
	__u32 pfx_off;
	bool any_addr;
};

#define CHUNK (256 * 1024)

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static const char *run_module(const struct pk_ksyms *ks, const struct mod_run *r)
{
	return r->mod == NONE ? NULL : ks->mods + r->mod;
}

/* Starts a new run when this line's module is not the last line's. */
static int note_module(struct loader *ld, const char *mod, size_t len)
{
	struct pk_ksyms *ks = ld->ks;
	const char *last = ks->nr_runs ? run_module(ks, &ks->runs[ks->nr_runs - 1]) : NULL;
	struct mod_run *r;

	if (ks->nr_runs && (mod ? last && strlen(last) == len && !memcmp(last, mod, len) : !last))
		return 0;
	if (grow((void **)&ks->runs, &ld->runs_cap, ks->nr_runs + 1, sizeof(*r)))
		return -ENOMEM;
	r = &ks->runs[ks->nr_runs++];
	r->first = ks->nr;
	r->mod = NONE;
	if (mod) {
		if (grow((void **)&ks->mods, &ld->mods_cap, ks->mods_len + len + 1, 1))
			return -ENOMEM;
		memcpy(ks->mods + ks->mods_len, mod, len);
		ks->mods[ks->mods_len + len] = '\0';
		r->mod = ks->mods_len;
		ks->mods_len += len + 1;
	}
	return 0;
}

/*
 * The last record, "__pfx_NAME", folded into a mark when this line, of the
 * same module, is NAME (which does not itself start with PFX, so that a
 * folded name is always the next line's name plainly stored).
 */
static void fold_pfx(struct loader *ld, const char *name, size_t len)
{
	struct pk_ksyms *ks = ld->ks;
	const char *prev;

	if (ld->pfx_off == NONE || ks->runs[ks->nr_runs - 1].first == ks->nr ||
	    (len >= PFX_LEN && !memcmp(name, PFX, PFX_LEN)))
		return;
	prev = ks->names.p + ld->pfx_off + 1;
	if (strlen(prev) != PFX_LEN + len || memcmp(prev + PFX_LEN, name, len))
		return;
	ks->names.p[ld->pfx_off + 1] = PFX_MARK;
	ks->names.p[ld->pfx_off + 2] = '\0';
	ks->names.len = ld->pfx_off + 3;
}

/* One line: "ffffffff81000000 T name" or "... t name\t[module]". */
static int parse_line(struct loader *ld, const char *line, const char *end)
{
	struct pk_ksyms *ks = ld->ks;
	const char *p = line, *name, *mod = NULL;
	size_t name_len, mod_len = 0;
	__u64 addr = 0;
	__u32 off;
	int v;

	while (p < end && (v = hexval(*p)) >= 0)
		addr = addr << 4 | v, p++;
	/* the type is a letter (a NUL there would read back as the record's end) */
	if (p == line || p + 3 > end || p[0] != ' ' || !isgraph((unsigned char)p[1]) || p[2] != ' ')
		return 0; /* not a symbol line: skipped */
	name = p + 3;
	/* a NUL ends a name too: names are stored NUL-terminated, back to back */
	for (p = name; p < end && *p != '\t' && *p != ' ' && *p; p++)
		;
	name_len = p - name;
	if (!name_len || ks->nr == NONE - 1)
		return 0;
	if (p < end && p[0] == '\t' && p + 2 < end && p[1] == '[' && end[-1] == ']') {
		mod = p + 2;
		mod_len = strnlen(mod, end - 1 - mod);
	}
	if (name[0] == PFX_MARK)
		return 0; /* not a name any kernel gives: the mark is ours */
	if (note_module(ld, mod, mod_len))
		return -ENOMEM;
	fold_pfx(ld, name, name_len);
	off = ks->names.len;
	if (ks->names.len + name_len + 2 > UINT32_MAX)
		return -E2BIG;
	if (ks->nr % NAME_BLOCK == 0 && vec_add(&ks->blocks, &off, sizeof(off)))
		return -ENOMEM;
	if (vec_add(&ld->addrs, &addr, sizeof(addr)) || vec_reserve(&ks->names, off + name_len + 2))
		return -ENOMEM;
	ks->names.p[off] = name[-2];
	memcpy(ks->names.p + off + 1, name, name_len);
	ks->names.p[off + 1 + name_len] = '\0';
	ks->names.len += name_len + 2;
	ld->pfx_off = name_len > PFX_LEN && !memcmp(name, PFX, PFX_LEN) ? off : NONE;
	ks->nr++;
	ld->any_addr |= addr != 0;
	return 0;
}

/* Parses the whole lines in @buf; returns how many bytes it used. */
static long parse_lines(struct loader *ld, const char *buf, size_t len, bool last)
{
	const char *p = buf, *end = buf + len, *nl;
	int err;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (!nl && !last)
			break;
		if (!nl)
			nl = end;
		err = parse_line(ld, p, nl);
		if (err)
			return err;
		p = nl + (nl < end);
	}
	return p - buf;
}

static int read_symbols(struct loader *ld, int fd)
{
	char *buf = malloc(CHUNK);
	size_t have = 0;
	ssize_t r;
	long used;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		r = read(fd, buf + have, CHUNK - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		used = parse_lines(ld, buf, have + r, r == 0);
		if (used < 0 || r == 0) {
			err = used < 0 ? (int)used : 0;
			break;
		}
		/* a line longer than the chunk: not a kallsyms file */
		if (!used && have + r == CHUNK) {
			err = -EINVAL;
			break;
		}
		have = have + r - used;
		memmove(buf, buf + used, have);
	}
	free(buf);
	return err;
}

/* Sorting --------------------------------------------------------------- */

struct sorter {
	const __u64 *a64;
	const __u32 *a32;
};

static __u64 key(const struct sorter *s, __u32 line)
{
	return s->a32 ? s->a32[line] : s->a64[line];
}

/* Address order; the file's order among equal addresses. */
static int line_cmp(const void *a, const void *b, void *arg)
{
	const struct sorter *s = arg;
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;
	__u64 kx = key(s, x), ky = key(s, y);

	if (kx != ky)
		return kx < ky ? -1 : 1;
	return x < y ? -1 : x > y;
}

static bool file_sorted(const __u64 *a, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++) {
		if (a[i - 1] > a[i])
			return false;
	}
	return true;
}

/*
 * The addresses into address order, narrowed to 32-bit offsets when they
 * fit, and each one's file line when that order is not the file's.
 */
static int sort_addrs(struct pk_ksyms *ks, struct loader *ld)
{
	__u64 *a = (__u64 *)ld->addrs.p, lo = UINT64_MAX, hi = 0;
	struct sorter s = { .a64 = a };
	bool sorted = file_sorted(a, ks->nr);
	size_t i, n = ks->nr;
	void *out;

	for (i = 0; i < n; i++) {
		lo = a[i] < lo ? a[i] : lo;
		hi = a[i] > hi ? a[i] : hi;
	}
	if (n && hi - lo <= UINT32_MAX) {
		__u32 *a32 = (__u32 *)a;

		/* in place: the i-th 32-bit slot never overtakes the i-th 64-bit one */
		for (i = 0; i < n; i++)
			a32[i] = (__u32)(a[i] - lo);
		ld->addrs.len = n * sizeof(__u32);
		s.a64 = NULL;
		s.a32 = a32;
		ks->base = lo;
	}
	vec_trim(&ld->addrs);
	if (!sorted) {
		ks->line = malloc((n ? n : 1) * sizeof(*ks->line));
		if (!ks->line)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			ks->line[i] = i;
		pk__heapsort(ks->line, n, sizeof(*ks->line), line_cmp, &s);
	}
	out = malloc((n ? n : 1) * (s.a32 ? sizeof(__u32) : sizeof(__u64)));
	if (!out)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		__u32 l = ks->line ? ks->line[i] : i;

		if (s.a32)
			((__u32 *)out)[i] = s.a32[l];
		else
			((__u64 *)out)[i] = s.a64[l];
	}
	if (s.a32)
		ks->off32 = out;
	else
		ks->off64 = out;
	return 0;
}

static __u64 addr_at(const struct pk_ksyms *ks, size_t i)
{
	return ks->off32 ? ks->base + ks->off32[i] : ks->off64[i];
}

static __u32 line_of(const struct pk_ksyms *ks, size_t i)
{
	return ks->line ? ks->line[i] : (__u32)i;
}

static int build_index(struct pk_ksyms *ks)
{
	size_t i;

	ks->nr_index = (ks->nr + BLOCK - 1) / BLOCK;
	ks->index = malloc((ks->nr_index + 1) * sizeof(*ks->index));
	if (!ks->index)
		return -ENOMEM;
	for (i = 0; i < ks->nr_index; i++)
		ks->index[i] = addr_at(ks, i * BLOCK);
	return 0;
}

static int parse(struct pk_ksyms *ks, int fd)
{
	struct loader ld = { .ks = ks, .pfx_off = NONE };
	int err;

	err = read_symbols(&ld, fd);
	if (!err)
		err = sort_addrs(ks, &ld);
	vec_free(&ld.addrs);
	vec_trim(&ks->names);
	vec_trim(&ks->blocks);
	if (!err)
		err = build_index(ks);
	ks->hidden = ks->nr && !ld.any_addr;
	return err;
}

struct pk_ksyms *pk_ksyms__load(const char *path)
{
	struct pk_ksyms *ks;
	int fd, err;

	fd = open(path ? path : "/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ks = calloc(1, sizeof(*ks));
	if (ks)
		pthread_mutex_init(&ks->lock, NULL);
	err = ks ? parse(ks, fd) : -ENOMEM;
	close(fd);
	if (err) {
		pk_ksyms__free(ks);
		errno = -err;
		return NULL;
	}
	return ks;
}

void pk_ksyms__free(struct pk_ksyms *ks)
{
	struct made_chunk *c;
	struct pfx_name *pn;

	if (!ks)
		return;
	vec_free(&ks->names);
	vec_free(&ks->blocks);
	free(ks->off32);
	free(ks->off64);
	free(ks->line);
	free(ks->index);
	free(ks->mods);
	free(ks->runs);
	free(ks->made);
	while ((c = ks->chunks)) {
		ks->chunks = c->next;
		free(c);
	}
	while ((pn = ks->pfx_names)) {
		ks->pfx_names = pn->next;
		free(pn);
	}
	free(ks->by_name);
	free(ks->by_base);
	pthread_mutex_destroy(&ks->lock);
	free(ks);
}

/* Entries --------------------------------------------------------------- */

/* The record of file line @line: its type letter, then its name. */
static const char *record(const struct pk_ksyms *ks, __u32 line)
{
	const char *p = ks->names.p + ((const __u32 *)ks->blocks.p)[line / NAME_BLOCK];
	unsigned int skip = line % NAME_BLOCK;

	while (skip--)
		p += strlen(p) + 1;
	return p;
}

/* The name stored at record @r, whose next record is @next; folded names into @buf. */
static const char *unfold(const char *r, const char *next, char *buf, size_t size)
{
	if (r[1] != PFX_MARK)
		return r + 1;
	snprintf(buf, size, PFX "%s", next + 1);
	return buf;
}

/* The name of file line @line; a folded one is written into @buf. */
static const char *line_name(const struct pk_ksyms *ks, __u32 line, char *buf, size_t size)
{
	const char *r = record(ks, line);

	return r[1] == PFX_MARK ? unfold(r, r + strlen(r) + 1, buf, size) : r + 1;
}

static const char *module_of_line(const struct pk_ksyms *ks, __u32 line)
{
	size_t lo = 0, n = ks->nr_runs, half;

	if (!n)
		return NULL;
	while (n > 1) {
		half = n / 2;
		if (ks->runs[lo + half].first <= line)
			lo += half;
		n -= half;
	}
	return run_module(ks, &ks->runs[lo]);
}

static size_t hash_idx(__u32 idx, size_t mask)
{
	return (size_t)((idx * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

static int made_grow(struct pk_ksyms *ks)
{
	size_t size = ks->made_mask ? (ks->made_mask + 1) * 2 : 64, i, slot;
	struct entry **t = calloc(size, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 0; ks->made && i <= ks->made_mask; i++) {
		if (!ks->made[i])
			continue;
		for (slot = hash_idx(ks->made[i]->idx, size - 1); t[slot];
		     slot = (slot + 1) & (size - 1))
			;
		t[slot] = ks->made[i];
	}
	free(ks->made);
	ks->made = t;
	ks->made_mask = size - 1;
	return 0;
}

static struct entry *make_entry(struct pk_ksyms *ks, __u32 idx)
{
	struct made_chunk *c = ks->chunks;
	struct entry *e;
	const char *r, *name;
	__u32 line = line_of(ks, idx);

	if (!c || c->used == sizeof(c->e) / sizeof(c->e[0])) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		c->next = ks->chunks;
		ks->chunks = c;
	}
	r = record(ks, line);
	if (r[1] == PFX_MARK) {
		const char *next = r + strlen(r) + 1;
		struct pfx_name *pn = malloc(sizeof(*pn) + PFX_LEN + strlen(next + 1) + 1);

		if (!pn)
			return NULL;
		unfold(r, next, pn->s, PFX_LEN + strlen(next + 1) + 1);
		pn->next = ks->pfx_names;
		ks->pfx_names = pn;
		name = pn->s;
	} else {
		name = r + 1;
	}
	e = &c->e[c->used++];
	e->idx = idx;
	e->sym.addr = addr_at(ks, idx);
	e->sym.type = r[0];
	e->sym.name = name;
	e->sym.module = module_of_line(ks, line);
	return e;
}

/* The struct pk_ksym of sorted entry @idx, made once (the table is otherwise read-only). */
static const struct pk_ksym *entry_sym(const struct pk_ksyms *cks, size_t idx)
{
	struct pk_ksyms *ks = (struct pk_ksyms *)cks;
	struct entry *e = NULL;
	size_t slot;

	pthread_mutex_lock(&ks->lock);
	if (!ks->made || (ks->nr_made + 1) * 2 > ks->made_mask + 1) {
		if (made_grow(ks))
			goto out;
	}
	for (slot = hash_idx(idx, ks->made_mask); ks->made[slot];
	     slot = (slot + 1) & ks->made_mask) {
		if (ks->made[slot]->idx == idx) {
			e = ks->made[slot];
			goto out;
		}
	}
	e = make_entry(ks, idx);
	if (e) {
		ks->made[slot] = e;
		ks->nr_made++;
	}
out:
	pthread_mutex_unlock(&ks->lock);
	return e ? &e->sym : NULL;
}

size_t pk_ksyms__count(const struct pk_ksyms *ks)
{
	return ks ? ks->nr : 0;
}

const struct pk_ksym *pk_ksyms__get(const struct pk_ksyms *ks, size_t i)
{
	return ks && i < ks->nr ? entry_sym(ks, i) : NULL;
}

bool pk_ksyms__addrs_hidden(const struct pk_ksyms *ks)
{
	return ks && ks->hidden;
}

/* Lookups by address ---------------------------------------------------- */

/* Symbols that name code: kallsyms' t, T, w and W, except the end markers. */
static bool is_text(const struct pk_ksyms *ks, size_t i)
{
	const char *r = record(ks, line_of(ks, i));

	switch (r[0]) {
	case 't':
	case 'T':
	case 'w':
	case 'W':
		/* the ends of the kernel's text and init text, not functions */
		return strcmp(r + 1, "_etext") && strcmp(r + 1, "_einittext");
	default:
		return false;
	}
}

static bool same_area(const struct pk_ksyms *ks, size_t a, size_t b)
{
	const char *ma = module_of_line(ks, line_of(ks, a)), *mb = module_of_line(ks, line_of(ks, b));

	if (!ma || !mb)
		return !ma && !mb;
	return !strcmp(ma, mb);
}

/*
 * Where the area of a text symbol at @addr ends when nothing in the table
 * says so (no end marker, no data symbol, the next symbol in another
 * module or none): the end of its page. Module text, ftrace trampolines
 * and kprobe instruction slots are page-granular; kallsyms gives no sizes.
 */
static __u64 area_end(__u64 addr)
{
	__u64 page = (__u64)sysconf(_SC_PAGESIZE);
	__u64 end = (addr | (page - 1)) + 1;

	return end ? end : addr; /* the last page of the address space */
}

/* The last entry at or below @addr; the first entry is at or below it. */
static size_t last_at_or_below(const struct pk_ksyms *ks, __u64 addr)
{
	size_t lo = 0, n = ks->nr_index, half, block;

	while (n > 1) {
		half = n / 2;
		if (ks->index[lo + half] <= addr)
			lo += half;
		n -= half;
	}
	block = lo * BLOCK;
	lo = block;
	n = ks->nr - block < BLOCK ? ks->nr - block : BLOCK;
	while (n > 1) {
		half = n / 2;
		if (addr_at(ks, lo + half) <= addr)
			lo += half;
		n -= half;
	}
	return lo;
}

const struct pk_ksym *pk_ksyms__find(const struct pk_ksyms *ks, __u64 addr)
{
	size_t i, first, end, text;
	__u64 at;

	if (!ks || ks->hidden || !ks->nr || addr < addr_at(ks, 0))
		return NULL;
	i = last_at_or_below(ks, addr);
	at = addr_at(ks, i);
	end = i + 1;
	for (first = i; first > 0 && addr_at(ks, first - 1) == at; first--)
		;
	/* aliases: the first text symbol listed at this address */
	for (text = first; text < end && !is_text(ks, text); text++)
		;
	if (text == end)
		return NULL; /* only data symbols or end markers here: no code */
	/* the last symbol of the kernel or of a module: its page bounds it */
	if (end == ks->nr || !same_area(ks, text, end)) {
		__u64 stop = area_end(at);

		if (stop > at && (end == ks->nr || stop < addr_at(ks, end)) && addr >= stop)
			return NULL;
	}
	return entry_sym(ks, text);
}

/* Lookups by name ------------------------------------------------------- */

static __u32 hash_str(const char *s, size_t n)
{
	__u32 h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/*
 * The length of @name without a compiler clone suffix (".isra.0",
 * ".constprop.1", ".part.0", ".llvm.123"...), or 0 when it has none.
 * ".cold" parts are split-off bodies, not functions to look up.
 */
static size_t clone_base_len(const char *name)
{
	static const char *const clones[] = { ".isra", ".constprop", ".part", ".llvm",
					      ".lto_priv", ".localalias", ".specialized" };
	const char *dot = strchr(name, '.');
	size_t i;

	if (!dot || dot == name || strstr(dot, ".cold"))
		return 0;
	for (i = 0; i < sizeof(clones) / sizeof(clones[0]); i++) {
		size_t n = strlen(clones[i]);

		if (!strncmp(dot, clones[i], n) && (dot[n] == '.' || dot[n] == '\0'))
			return dot - name;
	}
	return 0;
}

static void insert(__u32 *table, size_t mask, __u32 h, __u32 idx)
{
	size_t slot = h & mask;

	while (table[slot])
		slot = (slot + 1) & mask;
	table[slot] = idx + 1;
}

/* A table at most half full, for @n names. */
static __u32 *new_table(size_t n, size_t *mask)
{
	size_t size = 16;

	while (size < n * 2)
		size <<= 1;
	*mask = size - 1;
	return calloc(size, sizeof(__u32));
}

/* The name tables, from one walk over the names in file order. */
static int build_hash(struct pk_ksyms *ks)
{
	__u32 *sorted_of = NULL, line, idx;
	char buf[NAME_MAX_LEN];
	size_t clones = 0;
	const char *p, *next;

	if (ks->line) {
		/* the inverse of ks->line, only while the tables are built */
		sorted_of = malloc((ks->nr ? ks->nr : 1) * sizeof(*sorted_of));
		if (!sorted_of)
			return -ENOMEM;
		for (idx = 0; idx < ks->nr; idx++)
			sorted_of[ks->line[idx]] = idx;
	}
	for (line = 0, p = ks->names.p; line < ks->nr; line++, p = next) {
		next = p + strlen(p) + 1;
		clones += clone_base_len(unfold(p, next, buf, sizeof(buf))) != 0;
	}
	ks->by_name = new_table(ks->nr, &ks->name_mask);
	ks->by_base = new_table(clones, &ks->base_mask);
	if (!ks->by_name || !ks->by_base) {
		free(sorted_of);
		return -ENOMEM;
	}
	for (line = 0, p = ks->names.p; line < ks->nr; line++, p = next) {
		const char *name;
		size_t base;

		next = p + strlen(p) + 1;
		name = unfold(p, next, buf, sizeof(buf));
		base = clone_base_len(name);
		idx = sorted_of ? sorted_of[line] : line;
		insert(ks->by_name, ks->name_mask, hash_str(name, strlen(name)), idx);
		if (base)
			insert(ks->by_base, ks->base_mask, hash_str(name, base), idx);
	}
	free(sorted_of);
	return 0;
}

static int need_hash(const struct pk_ksyms *cks)
{
	struct pk_ksyms *ks = (struct pk_ksyms *)cks;
	int err;

	pthread_mutex_lock(&ks->lock);
	if (!ks->by_name && !ks->hash_err)
		ks->hash_err = build_hash(ks);
	err = ks->hash_err;
	pthread_mutex_unlock(&ks->lock);
	return err;
}

/* The match with the smallest file line above @after among a probe chain; NONE if none. */
static __u32 scan(const struct pk_ksyms *ks, bool base, const char *name, size_t len,
		  long long after)
{
	const __u32 *table = base ? ks->by_base : ks->by_name;
	size_t mask = base ? ks->base_mask : ks->name_mask;
	size_t slot = hash_str(name, len) & mask;
	__u32 best = NONE, best_line = NONE;
	char buf[NAME_MAX_LEN];

	for (; table[slot]; slot = (slot + 1) & mask) {
		__u32 idx = table[slot] - 1, line = line_of(ks, idx);
		const char *n = line_name(ks, line, buf, sizeof(buf));

		if (strncmp(n, name, len) || (base ? clone_base_len(n) != len : n[len] != '\0'))
			continue;
		if ((long long)line > after && (best == NONE || line < best_line))
			best = idx, best_line = line;
	}
	return best;
}

const struct pk_ksym *pk_ksyms__by_name(const struct pk_ksyms *ks, const char *name,
					const struct pk_ksym *prev)
{
	const struct entry *p = (const struct entry *)prev;
	long long after;
	size_t len;
	__u32 idx;

	if (!ks || !name || !*name || need_hash(ks))
		return NULL;
	after = p ? (long long)line_of(ks, p->idx) : -1;
	len = strlen(name);
	/* the exact name wins; clones answer only when it does not exist */
	if (!p || !strcmp(prev->name, name)) {
		idx = scan(ks, false, name, len, after);
		if (idx != NONE || scan(ks, false, name, len, -1) != NONE)
			return idx != NONE ? entry_sym(ks, idx) : NULL;
	}
	idx = scan(ks, true, name, len, after);
	return idx != NONE ? entry_sym(ks, idx) : NULL;
}

const struct pk_ksym *pk_ksyms__function(const struct pk_ksyms *ks, const char *name)
{
	const struct pk_ksym *s;

	for (s = pk_ksyms__by_name(ks, name, NULL); s; s = pk_ksyms__by_name(ks, name, s)) {
		if (strchr("tTwW", s->type) && (!s->module || strcmp(s->module, "bpf")))
			return s;
	}
	return NULL;
}

int pk__ksyms_functions(const struct pk_ksyms *ks, int (*fn)(const char *name, void *arg),
			void *arg)
{
	char buf[NAME_MAX_LEN];
	const char *r, *mod;
	size_t i;
	int ret = 0;

	/* in address order, as pk_ksyms__get() gives them, but without making entries */
	for (i = 0; ks && !ret && i < ks->nr; i++) {
		r = record(ks, line_of(ks, i));
		mod = module_of_line(ks, line_of(ks, i));
		if (strchr("tTwW", r[0]) && r[0] && (!mod || strcmp(mod, "bpf")))
			ret = fn(unfold(r, r + strlen(r) + 1, buf, sizeof(buf)), arg);
	}
	return ret;
}

/* Stack symbolization formats every frame: no printf on that path. */
static size_t append(char *buf, size_t size, size_t n, const char *s, size_t len)
{
	if (n + 1 >= size)
		return n;
	if (len > size - n - 1)
		len = size - n - 1;
	memcpy(buf + n, s, len);
	buf[n + len] = '\0';
	return n + len;
}

static size_t append_offset(char *buf, size_t size, size_t n, __u64 off)
{
	char hex[2 + 16 + 1];
	int i = sizeof(hex);

	do {
		hex[--i] = "0123456789abcdef"[off & 15];
		off >>= 4;
	} while (off);
	hex[--i] = 'x';
	hex[--i] = '0';
	hex[--i] = '+';
	return append(buf, size, n, hex + i, sizeof(hex) - i);
}

const char *pk_kframe__format(const struct pk_kframe *f, unsigned int flags, char *buf,
			      size_t size)
{
	size_t n;

	if (!size)
		return buf;
	buf[0] = '\0';
	if (!f || !f->name) {
		append(buf, size, 0, "[unknown]", 9);
		return buf;
	}
	n = append(buf, size, 0, f->name, strlen(f->name));
	if (flags & PK_KSYM_OFFSET)
		n = append_offset(buf, size, n, f->offset);
	if ((flags & PK_KSYM_MODULE) && f->module) {
		n = append(buf, size, n, " [", 2);
		n = append(buf, size, n, f->module, strlen(f->module));
		append(buf, size, n, "]", 1);
	}
	return buf;
}

const char *pk_ksyms__format(const struct pk_ksyms *ks, __u64 addr, unsigned int flags,
			     char *buf, size_t size)
{
	const struct pk_ksym *s = pk_ksyms__find(ks, addr);
	struct pk_kframe f = { .addr = addr };

	if (s) {
		f.name = s->name;
		f.offset = addr - s->addr;
		f.module = s->module;
	}
	return pk_kframe__format(&f, flags, buf, size);
}

/* The shared table ------------------------------------------------------ */

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pk_ksyms *shared;

const struct pk_ksyms *pk_ksyms(void)
{
	struct pk_ksyms *ks;

	pthread_mutex_lock(&shared_lock);
	if (!shared)
		shared = pk_ksyms__load(NULL);
	ks = shared;
	pthread_mutex_unlock(&shared_lock);
	return ks;
}

void pk_ksyms_release(void)
{
	pthread_mutex_lock(&shared_lock);
	pk_ksyms__free(shared);
	shared = NULL;
	pthread_mutex_unlock(&shared_lock);
}

const char *pk_ksym(__u64 addr, bool show_offset, char *buf, size_t size)
{
	return pk_ksyms__format(pk_ksyms(), addr, show_offset ? PK_KSYM_OFFSET : 0, buf, size);
}

int pk_ksymname(const char *name, __u64 *addr)
{
	const struct pk_ksyms *ks = pk_ksyms();
	const struct pk_ksym *s;

	if (!ks)
		return -errno;
	s = pk_ksyms__by_name(ks, name, NULL);
	if (!s || strcmp(s->name, name))
		return -ENOENT;
	if (ks->hidden)
		return -EACCES;
	if (addr)
		*addr = s->addr;
	return 0;
}

bool pk_ksym_exists(const char *name)
{
	const struct pk_ksym *s = pk_ksyms__by_name(pk_ksyms(), name, NULL);

	return s && !strcmp(s->name, name);
}

/* Stacks ---------------------------------------------------------------- */

#define STACK_MAX_FRAMES 1024

/* Stack @stack_id of a stack map whose values are @value_size bytes. */
static int read_frames(int map_fd, __u32 value_size, __s64 stack_id, __u64 *ips, size_t max)
{
	__u32 id = (__u32)stack_id;
	__u64 frames[STACK_MAX_FRAMES];
	size_t n, i;

	if (stack_id < 0 || stack_id > UINT32_MAX)
		return -ENOENT;
	if (value_size % sizeof(__u64))
		return -EINVAL;
	n = value_size / sizeof(__u64);
	if (n > STACK_MAX_FRAMES)
		return -E2BIG;
	if (bpf_map_lookup_elem(map_fd, &id, frames))
		return -errno;
	for (i = 0; i < n && i < max && frames[i]; i++)
		ips[i] = frames[i];
	return (int)i;
}

int pk_stack_read(int map_fd, __s64 stack_id, __u64 *ips, size_t max)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);

	if (stack_id < 0 || stack_id > UINT32_MAX)
		return -ENOENT;
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_STACK_TRACE)
		return -EINVAL;
	return read_frames(map_fd, info.value_size, stack_id, ips, max);
}

int pk_stack_read_map(const struct bpf_map *map, __s64 stack_id, __u64 *ips, size_t max)
{
	if (!map || bpf_map__type(map) != BPF_MAP_TYPE_STACK_TRACE)
		return -EINVAL;
	return read_frames(bpf_map__fd(map), bpf_map__value_size(map), stack_id, ips, max);
}

void pk_stack_print(FILE *f, const __u64 *ips, int n, unsigned int flags, const char *indent)
{
	const struct pk_ksyms *ks = pk_ksyms();
	struct pk_line l;
	char buf[256];
	int i;

	/* a stack per event: one fwrite, not three per frame */
	pk_line__begin(&l, f);
	for (i = 0; i < n; i++) {
		pk_line__str(&l, indent ? indent : "");
		pk_line__str(&l, pk_ksyms__format(ks, ips[i], flags, buf, sizeof(buf)));
		pk_line__char(&l, '\n');
	}
	pk_line__flush(&l);
}

const char *pk_stack_error(__s64 stack_id)
{
	switch (stack_id) {
	case -EFAULT:
		return "no stack could be taken here";
	case -EEXIST:
		return "another stack had the same hash (the stack map is too small)";
	case -ENOMEM:
		return "the stack map is full";
	case -ENOENT:
		return "the stack is gone from the map";
	default:
		return stack_id < 0 ? "the stack could not be taken" : "no error";
	}
}
