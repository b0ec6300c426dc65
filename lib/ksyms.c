// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel symbols. /proc/kallsyms is read in one go; names are compacted
 * into the front of the read buffer (the addresses and type letters that
 * took most of it are parsed out), entries are sorted by address for a
 * binary search, and an open-addressing hash over the names answers
 * name lookups without a scan.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <probekit/ksyms.h>
#include <probekit/output.h>

struct entry {
	struct pk_ksym sym;
	/* line number in the file, to keep the file's order among equals */
	__u32 order;
};

/*
 * Address lookups search a plain array of the sorted addresses in two
 * steps: an index of every BLOCK-th address (small enough to stay in
 * cache), then one block. That keeps a lookup to a few cache misses.
 */
#define BLOCK 64

struct pk_ksyms {
	char *names;
	struct entry *entries;
	size_t nr;
	/*
	 * The address lookup runs over slots, not entries: one per distinct
	 * address of a text symbol, naming the first text symbol there, and
	 * stop slots (STOP) where code ends: data symbols, the end markers,
	 * the end of a module's area.
	 */
	__u64 *addrs;
	__u32 *slot_entry;
	size_t nr_slots;
	__u64 *index;
	size_t nr_index;
	/*
	 * Per slot, the name's hash in the high half and entry index + 1 in
	 * the low half (0: empty), so that most mismatches cost no visit to
	 * the entry. Sizes are powers of two; masks are size - 1.
	 */
	__u64 *by_name;
	__u64 *by_base;
	size_t name_mask;
	size_t base_mask;
	bool hidden;
};

/* Reading --------------------------------------------------------------- */

/*
 * The file is parsed as it is read, a chunk at a time, so that only the
 * names (a little over half of the text) are ever held. Entries point
 * into the pool by offset until it stops growing.
 */
struct loader {
	struct pk_ksyms *ks;
	size_t cap;
	char *pool;
	size_t pool_len, pool_cap;
	/* the last module name stored, to store each module once */
	size_t mod_off;
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

static int grow(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t n = *cap ? *cap : first;
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

/* Adds a NUL-terminated copy of @s to the pool; returns its offset, or -ENOMEM. */
static long pool_add(struct loader *ld, const char *s, size_t len)
{
	size_t off = ld->pool_len;

	if (grow((void **)&ld->pool, &ld->pool_cap, off + len + 1, 1, 1 << 20))
		return -ENOMEM;
	memcpy(ld->pool + off, s, len);
	ld->pool[off + len] = '\0';
	ld->pool_len += len + 1;
	return off;
}

/* One line: "ffffffff81000000 T name" or "... t name\t[module]". */
static int parse_line(struct loader *ld, const char *line, const char *end)
{
	const char *p = line, *name, *mod = NULL;
	size_t name_len, mod_len = 0;
	struct entry *e;
	__u64 addr = 0;
	long off;
	int v;

	while (p < end && (v = hexval(*p)) >= 0)
		addr = addr << 4 | v, p++;
	if (p == line || p + 3 > end || p[0] != ' ' || p[2] != ' ')
		return 0; /* not a symbol line: skipped */
	name = p + 3;
	for (p = name; p < end && *p != '\t' && *p != ' '; p++)
		;
	name_len = p - name;
	if (!name_len)
		return 0;
	if (p < end && p[0] == '\t' && p + 2 < end && p[1] == '[' && end[-1] == ']') {
		mod = p + 2;
		mod_len = end - 1 - mod;
	}
	if (grow((void **)&ld->ks->entries, &ld->cap, ld->ks->nr + 1, sizeof(*e), 1 << 16))
		return -ENOMEM;
	e = &ld->ks->entries[ld->ks->nr];
	memset(e, 0, sizeof(*e));
	e->sym.addr = addr;
	e->sym.type = name[-2];
	off = pool_add(ld, name, name_len);
	if (off < 0)
		return off;
	e->sym.name = (char *)(uintptr_t)off;
	if (mod) {
		if (ld->mod_off == SIZE_MAX || strncmp(ld->pool + ld->mod_off, mod, mod_len) ||
		    ld->pool[ld->mod_off + mod_len]) {
			off = pool_add(ld, mod, mod_len);
			if (off < 0)
				return off;
			ld->mod_off = off;
		}
		/* offset + 1, so that NULL still means "no module" */
		e->sym.module = (char *)(uintptr_t)(ld->mod_off + 1);
	}
	e->order = ld->ks->nr++;
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

static int parse(struct pk_ksyms *ks, int fd)
{
	struct loader ld = { .ks = ks, .mod_off = SIZE_MAX };
	size_t i;
	int err;

	err = read_symbols(&ld, fd);
	if (!err && !ks->nr && !ks->entries)
		err = grow((void **)&ks->entries, &ld.cap, 1, sizeof(*ks->entries), 1);
	if (!err && !ld.pool)
		err = pool_add(&ld, "", 0) < 0 ? -ENOMEM : 0;
	ks->names = ld.pool;
	if (err)
		return err;
	for (i = 0; i < ks->nr; i++) {
		struct pk_ksym *s = &ks->entries[i].sym;

		s->name = ks->names + (uintptr_t)s->name;
		if (s->module)
			s->module = ks->names + (uintptr_t)s->module - 1;
	}
	ks->hidden = ks->nr && !ld.any_addr;
	return 0;
}

/* Indexing -------------------------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->sym.addr != y->sym.addr)
		return x->sym.addr < y->sym.addr ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static bool is_sorted(const struct pk_ksyms *ks)
{
	size_t i;

	for (i = 1; i < ks->nr; i++) {
		if (cmp_entry(&ks->entries[i - 1], &ks->entries[i]) > 0)
			return false;
	}
	return true;
}

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

static void insert(__u64 *table, size_t mask, __u32 h, __u32 idx)
{
	size_t slot = h & mask;

	while (table[slot])
		slot = (slot + 1) & mask;
	table[slot] = (__u64)h << 32 | (idx + 1);
}

/* A table at most half full, for @n names. */
static __u64 *new_table(size_t n, size_t *mask)
{
	size_t size = 16;

	while (size < n * 2)
		size <<= 1;
	*mask = size - 1;
	return calloc(size, sizeof(__u64));
}

static int build_hash(struct pk_ksyms *ks)
{
	size_t i, clones = 0;

	for (i = 0; i < ks->nr; i++)
		clones += clone_base_len(ks->entries[i].sym.name) != 0;
	ks->by_name = new_table(ks->nr, &ks->name_mask);
	ks->by_base = new_table(clones, &ks->base_mask);
	if (!ks->by_name || !ks->by_base)
		return -ENOMEM;
	for (i = 0; i < ks->nr; i++) {
		const char *name = ks->entries[i].sym.name;
		size_t base = clone_base_len(name);

		insert(ks->by_name, ks->name_mask, hash_str(name, strlen(name)), i);
		if (base)
			insert(ks->by_base, ks->base_mask, hash_str(name, base), i);
	}
	return 0;
}

#define STOP UINT32_MAX

/* Symbols that name code: kallsyms' t, T, w and W, except the end markers. */
static bool is_text(const struct pk_ksym *s)
{
	switch (s->type) {
	case 't':
	case 'T':
	case 'w':
	case 'W':
		/* the ends of the kernel's text and init text, not functions */
		return strcmp(s->name, "_etext") && strcmp(s->name, "_einittext");
	default:
		return false;
	}
}

static bool same_area(const struct pk_ksym *a, const struct pk_ksym *b)
{
	if (!a->module || !b->module)
		return !a->module && !b->module;
	return !strcmp(a->module, b->module);
}

static void add_slot(struct pk_ksyms *ks, __u64 addr, __u32 entry)
{
	ks->addrs[ks->nr_slots] = addr;
	ks->slot_entry[ks->nr_slots++] = entry;
}

/*
 * Where the area of the text symbol at @i ends when nothing in the table
 * says so (no end marker, no data symbol, the next symbol in another
 * module or none): the end of its page. Module text, ftrace trampolines
 * and kprobe instruction slots are page-granular; kallsyms gives no sizes.
 */
static __u64 area_end(const struct pk_ksyms *ks, size_t i)
{
	__u64 page = (__u64)sysconf(_SC_PAGESIZE), addr = ks->entries[i].sym.addr;
	__u64 end = (addr | (page - 1)) + 1;

	return end ? end : addr; /* the last page of the address space */
}

/* Gives back what a guess of the size took too much; keeps it on failure. */
static void shrink(void **p, size_t n, size_t elem)
{
	void *q = realloc(*p, (n + 1) * elem);

	if (q)
		*p = q;
}

static int build_addr_index(struct pk_ksyms *ks)
{
	size_t i, j, text;

	/* at most one slot and one stop per entry */
	ks->addrs = malloc((2 * ks->nr + 1) * sizeof(*ks->addrs));
	ks->slot_entry = malloc((2 * ks->nr + 1) * sizeof(*ks->slot_entry));
	if (!ks->addrs || !ks->slot_entry)
		return -ENOMEM;
	for (i = 0; i < ks->nr; i = j) {
		const struct pk_ksym *s = &ks->entries[i].sym;

		/* aliases: the first text symbol listed at this address */
		text = SIZE_MAX;
		for (j = i; j < ks->nr && ks->entries[j].sym.addr == s->addr; j++) {
			if (text == SIZE_MAX && is_text(&ks->entries[j].sym))
				text = j;
		}
		if (text == SIZE_MAX) {
			add_slot(ks, s->addr, STOP);
			continue;
		}
		add_slot(ks, s->addr, text);
		/* the last symbol of the kernel or of a module: bound its area */
		if (j == ks->nr || !same_area(&ks->entries[text].sym, &ks->entries[j].sym)) {
			__u64 end = area_end(ks, text);

			if (end > s->addr && (j == ks->nr || end < ks->entries[j].sym.addr))
				add_slot(ks, end, STOP);
		}
	}
	shrink((void **)&ks->addrs, ks->nr_slots, sizeof(*ks->addrs));
	shrink((void **)&ks->slot_entry, ks->nr_slots, sizeof(*ks->slot_entry));
	ks->nr_index = (ks->nr_slots + BLOCK - 1) / BLOCK;
	ks->index = malloc((ks->nr_index + 1) * sizeof(*ks->index));
	if (!ks->index)
		return -ENOMEM;
	for (i = 0; i < ks->nr_index; i++)
		ks->index[i] = ks->addrs[i * BLOCK];
	return 0;
}

struct pk_ksyms *pk_ksyms__load(const char *path)
{
	struct pk_ksyms *ks;
	int fd, err;

	fd = open(path ? path : "/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ks = calloc(1, sizeof(*ks));
	err = ks ? parse(ks, fd) : -ENOMEM;
	close(fd);
	if (!err && !is_sorted(ks))
		qsort(ks->entries, ks->nr, sizeof(*ks->entries), cmp_entry);
	if (!err)
		err = build_hash(ks);
	if (!err)
		err = build_addr_index(ks);
	if (err) {
		pk_ksyms__free(ks);
		errno = -err;
		return NULL;
	}
	return ks;
}

void pk_ksyms__free(struct pk_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->names);
	free(ks->entries);
	free(ks->by_name);
	free(ks->by_base);
	free(ks->addrs);
	free(ks->slot_entry);
	free(ks->index);
	free(ks);
}

size_t pk_ksyms__count(const struct pk_ksyms *ks)
{
	return ks ? ks->nr : 0;
}

const struct pk_ksym *pk_ksyms__get(const struct pk_ksyms *ks, size_t i)
{
	return ks && i < ks->nr ? &ks->entries[i].sym : NULL;
}

bool pk_ksyms__addrs_hidden(const struct pk_ksyms *ks)
{
	return ks && ks->hidden;
}

/* Lookups --------------------------------------------------------------- */

/* The last of @n sorted values at or below @addr; @v[0] <= @addr. */
static size_t last_at_or_below(const __u64 *v, size_t n, __u64 addr)
{
	size_t lo = 0, half;

	while (n > 1) {
		half = n / 2;
		if (v[lo + half] <= addr)
			lo += half;
		n -= half;
	}
	return lo;
}

const struct pk_ksym *pk_ksyms__find(const struct pk_ksyms *ks, __u64 addr)
{
	size_t block, lo, n;

	if (!ks || ks->hidden || !ks->nr_slots || addr < ks->addrs[0])
		return NULL;
	block = last_at_or_below(ks->index, ks->nr_index, addr) * BLOCK;
	n = ks->nr_slots - block < BLOCK ? ks->nr_slots - block : BLOCK;
	lo = block + last_at_or_below(ks->addrs + block, n, addr);
	if (ks->slot_entry[lo] == STOP)
		return NULL;
	return &ks->entries[ks->slot_entry[lo]].sym;
}

/* The match with the smallest file order above @after among a probe chain. */
static const struct entry *scan(const struct pk_ksyms *ks, const __u64 *table, const char *name,
				size_t len, bool base, long long after)
{
	const struct entry *best = NULL;
	size_t mask = base ? ks->base_mask : ks->name_mask;
	__u32 h = hash_str(name, len);
	size_t slot = h & mask;

	for (; table[slot]; slot = (slot + 1) & mask) {
		const struct entry *e = &ks->entries[(__u32)table[slot] - 1];
		const char *n = e->sym.name;

		if (table[slot] >> 32 != h || strncmp(n, name, len) || (base ? clone_base_len(n) != len : n[len] != '\0'))
			continue;
		if ((long long)e->order > after && (!best || e->order < best->order))
			best = e;
	}
	return best;
}

const struct pk_ksym *pk_ksyms__by_name(const struct pk_ksyms *ks, const char *name,
					const struct pk_ksym *prev)
{
	const struct entry *p = (const struct entry *)prev, *e;
	long long after = p ? (long long)p->order : -1;
	size_t len;

	if (!ks || !name || !*name)
		return NULL;
	len = strlen(name);
	/* the exact name wins; clones answer only when it does not exist */
	if (!p || !strcmp(prev->name, name)) {
		e = scan(ks, ks->by_name, name, len, false, after);
		if (e || scan(ks, ks->by_name, name, len, false, -1))
			return e ? &e->sym : NULL;
	}
	e = scan(ks, ks->by_base, name, len, true, after);
	return e ? &e->sym : NULL;
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

const char *pk_ksyms__format(const struct pk_ksyms *ks, __u64 addr, unsigned int flags,
			     char *buf, size_t size)
{
	const struct pk_ksym *s = pk_ksyms__find(ks, addr);
	size_t n;

	if (!size)
		return buf;
	buf[0] = '\0';
	if (!s) {
		append(buf, size, 0, "[unknown]", 9);
		return buf;
	}
	n = append(buf, size, 0, s->name, strlen(s->name));
	if (flags & PK_KSYM_OFFSET)
		n = append_offset(buf, size, n, addr - s->addr);
	if ((flags & PK_KSYM_MODULE) && s->module) {
		n = append(buf, size, n, " [", 2);
		n = append(buf, size, n, s->module, strlen(s->module));
		append(buf, size, n, "]", 1);
	}
	return buf;
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

int pk_stack_read(int map_fd, __s64 stack_id, __u64 *ips, size_t max)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info), id = (__u32)stack_id;
	__u64 frames[STACK_MAX_FRAMES];
	size_t n, i;

	if (stack_id < 0 || stack_id > UINT32_MAX)
		return -ENOENT;
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_STACK_TRACE || info.value_size % sizeof(__u64))
		return -EINVAL;
	n = info.value_size / sizeof(__u64);
	if (n > STACK_MAX_FRAMES)
		return -E2BIG;
	if (bpf_map_lookup_elem(map_fd, &id, frames))
		return -errno;
	for (i = 0; i < n && i < max && frames[i]; i++)
		ips[i] = frames[i];
	return (int)i;
}

void pk_stack_print(FILE *f, const __u64 *ips, int n, unsigned int flags, const char *indent)
{
	const struct pk_ksyms *ks = pk_ksyms();
	struct pk_line l;
	char buf[256];
	int i;

	/* a stack per event: one fwrite, not three per frame */
	pk_line_begin(&l, f);
	for (i = 0; i < n; i++) {
		pk_line_str(&l, indent ? indent : "");
		pk_line_str(&l, pk_ksyms__format(ks, ips[i], flags, buf, sizeof(buf)));
		pk_line_char(&l, '\n');
	}
	pk_line_flush(&l);
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
