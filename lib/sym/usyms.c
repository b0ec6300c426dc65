// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bcc's sym(addr, pid): address -> mapping -> module -> symbol. A process
 * is seen through /proc/PID/maps; its files are opened through
 * /proc/PID/map_files (the very file mapped, deleted or in another mount
 * namespace), else /proc/PID/root. Modules are shared between processes
 * when device, inode and build-id agree.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <probekit/usyms.h>

#include "sym.h"

#define DEFAULT_DEBUG_DIR "/usr/lib/debug"
#define MAX_PERF_MAP (64u << 20)

enum map_kind {
	MAP_ANON,
	MAP_FILE,
	MAP_VDSO,
};

struct module {
	struct module *next;
	uint64_t dev, ino;
	/* as the owning process sees it ("[vdso]" for the vDSO) */
	char *path;
	struct pk__elfmod *elf;
};

struct umap {
	uint64_t start, end, pgoff;
	enum map_kind kind;
	struct module *mod;
};

struct proc {
	struct proc *next;
	pid_t pid;
	struct umap *maps;
	size_t nr_maps;
	bool have_maps;
	/* JIT symbols from the target's /tmp/perf-NSPID.map */
	struct pk__symtab perf;
	char *perf_path;
	off_t perf_size;
	struct timespec perf_mtime;
};

struct pk_usyms {
	struct module *modules;
	struct proc *procs;
	char *debug_dir;
	bool no_demangle;
};

struct pk_usyms *pk_usyms__new(const struct pk_usyms_opts *opts)
{
	const char *debug_dir = PK_OPTS_GET(opts, debug_dir, NULL);
	struct pk_usyms *u;

	if (!PK_OPTS_VALID(opts, pk_usyms_opts)) {
		errno = EINVAL;
		return NULL;
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = ENOTSUP;
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->debug_dir = strdup(debug_dir ? debug_dir : DEFAULT_DEBUG_DIR);
	u->no_demangle = PK_OPTS_GET(opts, no_demangle, false);
	if (!u->debug_dir) {
		free(u);
		errno = ENOMEM;
		return NULL;
	}
	return u;
}

static void proc_free(struct proc *p)
{
	free(p->maps);
	pk__symtab_clear(&p->perf);
	free(p->perf_path);
	free(p);
}

void pk_usyms__free(struct pk_usyms *u)
{
	struct module *m, *mn;
	struct proc *p, *pn;

	if (!u)
		return;
	for (m = u->modules; m; m = mn) {
		mn = m->next;
		pk__elfmod_free(m->elf);
		free(m->path);
		free(m);
	}
	for (p = u->procs; p; p = pn) {
		pn = p->next;
		proc_free(p);
	}
	free(u->debug_dir);
	free(u);
}

/* Modules ------------------------------------------------------------------------ */

static bool same_build_id(struct pk__elfmod *a, struct pk__elfmod *b)
{
	size_t la, lb;
	const uint8_t *ia = pk__elfmod_build_id(a, &la), *ib = pk__elfmod_build_id(b, &lb);

	return la == lb && !memcmp(ia, ib, la);
}

/* Takes @elf: keeps it as a new module, or frees it for the cached twin. */
static struct module *add_module(struct pk_usyms *u, uint64_t dev, uint64_t ino,
				 const char *path, struct pk__elfmod *elf)
{
	struct module *m;

	for (m = u->modules; m; m = m->next) {
		if (m->dev == dev && m->ino == ino && !strcmp(m->path, path) &&
		    same_build_id(m->elf, elf)) {
			pk__elfmod_free(elf);
			return m;
		}
	}
	m = calloc(1, sizeof(*m));
	if (!m || !(m->path = strdup(path))) {
		free(m);
		pk__elfmod_free(elf);
		return NULL;
	}
	m->dev = dev;
	m->ino = ino;
	m->elf = elf;
	m->next = u->modules;
	u->modules = m;
	return m;
}

static struct module *module_of_path(struct pk_usyms *u, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct pk__elfmod *elf;
	struct stat st;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	elf = pk__elfmod_open_fd(fd, path, "");
	if (!elf) {
		errno = ENOEXEC;
		return NULL;
	}
	return add_module(u, st.st_dev, st.st_ino, path, elf);
}

/* The file as the process maps it: map_files is exact (even deleted), root
 * the fallback when map_files is refused. */
static int open_mapped(pid_t pid, const struct pk__map *pm, const char *path)
{
	char buf[PATH_MAX + 64];
	int fd;

	snprintf(buf, sizeof(buf), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, pm->start,
		 pm->end);
	fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	snprintf(buf, sizeof(buf), "/proc/%d/root%s", pid, path);
	return open(buf, O_RDONLY | O_CLOEXEC);
}

static struct module *module_of_map(struct pk_usyms *u, pid_t pid, const struct pk__map *pm,
				    const char *path)
{
	char root[64];
	struct pk__elfmod *elf;
	struct stat st;
	int fd;

	fd = open_mapped(pid, pm, path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	elf = pk__elfmod_open_fd(fd, path, root);
	return elf ? add_module(u, pm->dev, pm->ino, path, elf) : NULL;
}

/* The vDSO is read from the process's memory: it is per kernel and ABI. */
static struct module *module_of_vdso(struct pk_usyms *u, pid_t pid, const struct pk__map *pm)
{
	size_t size = pm->end - pm->start;
	struct pk__elfmod *elf;
	char path[64];
	void *image;
	ssize_t n;
	int fd;

	if (!size || size > (16u << 20))
		return NULL;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	image = malloc(size);
	n = image ? pread(fd, image, size, (off_t)pm->start) : -1;
	close(fd);
	if (n != (ssize_t)size) {
		free(image);
		return NULL;
	}
	elf = pk__elfmod_open_mem(image, size, "[vdso]");
	return elf ? add_module(u, 0, 0, "[vdso]", elf) : NULL;
}

/* Maps ------------------------------------------------------------------------------ */

int pk__parse_maps_line(const char *line, struct pk__map *m, const char **path)
{
	unsigned int major, minor;
	unsigned long long start, end, pgoff, ino;
	int n = 0;

	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, m->perms, &pgoff,
		   &major, &minor, &ino, &n) != 7 || !n || end <= start)
		return -EINVAL;
	m->start = start;
	m->end = end;
	m->pgoff = pgoff;
	m->dev = makedev(major, minor);
	m->ino = ino;
	*path = line + n;
	return 0;
}

/* A module already known for this mapping, so that a re-read opens nothing. */
static struct module *known_module(const struct umap *maps, size_t nr, const struct pk__map *pm,
				   const char *path)
{
	size_t i;

	for (i = nr; i > 0; i--) {
		const struct module *m = maps[i - 1].mod;

		if (m && m->dev == pm->dev && m->ino == pm->ino && !strcmp(m->path, path))
			return maps[i - 1].mod;
	}
	return NULL;
}

static void classify(struct pk_usyms *u, struct proc *p, const struct umap *old, size_t nr_old,
		     struct umap *um, const struct pk__map *pm, char *path)
{
	size_t len = strlen(path);

	while (len && (path[len - 1] == '\n' || path[len - 1] == ' '))
		path[--len] = '\0';
	if (len > 10 && !strcmp(path + len - 10, " (deleted)"))
		path[len - 10] = '\0';
	*um = (struct umap){ .start = pm->start, .end = pm->end, .pgoff = pm->pgoff };
	if (!strcmp(path, "[vdso]")) {
		um->kind = MAP_VDSO;
		um->mod = known_module(old, nr_old, pm, path);
		if (!um->mod)
			um->mod = module_of_vdso(u, p->pid, pm);
		return;
	}
	if (path[0] != '/' || !pm->ino)
		return;
	um->kind = MAP_FILE;
	um->mod = known_module(p->maps, um - p->maps, pm, path);
	if (!um->mod)
		um->mod = known_module(old, nr_old, pm, path);
	if (!um->mod)
		um->mod = module_of_map(u, p->pid, pm, path);
}

static int read_maps(struct pk_usyms *u, struct proc *p)
{
	struct umap *old = p->maps, *grown;
	size_t nr_old = p->nr_maps, cap = 0;
	char path[64], *line = NULL;
	size_t line_cap = 0;
	const char *rest;
	struct pk__map pm;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", p->pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	p->maps = NULL;
	p->nr_maps = 0;
	while (getline(&line, &line_cap, f) > 0) {
		if (pk__parse_maps_line(line, &pm, &rest))
			continue;
		if (p->nr_maps == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(p->maps, cap * sizeof(*grown));
			if (!grown)
				break;
			p->maps = grown;
		}
		classify(u, p, old, nr_old, &p->maps[p->nr_maps], &pm, (char *)rest);
		p->nr_maps++;
	}
	free(line);
	fclose(f);
	/* a process that is gone keeps what was last seen of it */
	if (!p->nr_maps && nr_old) {
		free(p->maps);
		p->maps = old;
		p->nr_maps = nr_old;
		return -ESRCH;
	}
	free(old);
	p->have_maps = true;
	return 0;
}

static struct umap *find_map(struct proc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->nr_maps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < p->maps[mid].start)
			hi = mid;
		else if (addr >= p->maps[mid].end)
			lo = mid + 1;
		else
			return &p->maps[mid];
	}
	return NULL;
}

static struct proc *get_proc(struct pk_usyms *u, pid_t pid)
{
	struct proc *p, **pp;

	for (pp = &u->procs; (p = *pp); pp = &p->next) {
		if (p->pid != pid)
			continue;
		/* most recently used first */
		*pp = p->next;
		p->next = u->procs;
		u->procs = p;
		return p;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->next = u->procs;
	u->procs = p;
	return p;
}

int pk_usyms__load_pid(struct pk_usyms *u, pid_t pid)
{
	struct proc *p = get_proc(u, pid);

	/* each module keeps its file open until its symbols are read */
	return p ? read_maps(u, p) : -ENOMEM;
}

void pk_usyms__forget_pid(struct pk_usyms *u, pid_t pid)
{
	struct proc *p, **pp;

	for (pp = &u->procs; (p = *pp); pp = &p->next) {
		if (p->pid == pid) {
			*pp = p->next;
			proc_free(p);
			return;
		}
	}
}

/* JIT maps ------------------------------------------------------------------------ */

/* perf map files are named after the pid the JIT sees in its own namespace */
static pid_t ns_pid(pid_t pid)
{
	char path[64], line[256], *tab;
	pid_t last = pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return pid;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		tab = strrchr(line, '\t');
		if (tab)
			last = (pid_t)strtol(tab + 1, NULL, 10);
		break;
	}
	fclose(f);
	return last > 0 ? last : pid;
}

static void parse_perf_map(struct pk__symtab *st, FILE *f)
{
	unsigned long long addr, size;
	char *line = NULL, *name;
	size_t cap = 0, total = 0;
	ssize_t n;
	int off;

	while ((n = getline(&line, &cap, f)) > 0 && total < MAX_PERF_MAP) {
		total += n;
		off = 0;
		if (sscanf(line, "%llx %llx %n", &addr, &size, &off) != 2 || !off)
			continue;
		name = line + off;
		name[strcspn(name, "\n")] = '\0';
		if (name[0])
			pk__symtab_add(st, name, addr, size, PK__SYM_CODE | (size ? PK__SYM_SIZED : 0));
	}
	free(line);
	pk__symtab_sort(st);
}

/* (Re)reads the perf map when it appeared or changed. */
static struct pk__symtab *perf_map(struct proc *p)
{
	char path[96];
	struct stat st;
	FILE *f;

	if (!p->perf_path) {
		snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", p->pid,
			 ns_pid(p->pid));
		p->perf_path = strdup(path);
		if (!p->perf_path)
			return NULL;
	}
	if (stat(p->perf_path, &st))
		return p->perf.nr ? &p->perf : NULL;
	if (st.st_size == p->perf_size && st.st_mtim.tv_sec == p->perf_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == p->perf_mtime.tv_nsec)
		return &p->perf;
	f = fopen(p->perf_path, "re");
	if (!f)
		return p->perf.nr ? &p->perf : NULL;
	pk__symtab_clear(&p->perf);
	parse_perf_map(&p->perf, f);
	fclose(f);
	p->perf_size = st.st_size;
	p->perf_mtime = st.st_mtim;
	return &p->perf;
}

/* Lookups ------------------------------------------------------------------------- */

static int resolve_in(struct pk_usyms *u, struct pk__symtab *st, uint64_t addr,
		      unsigned int flags, struct pk_usym *out)
{
	const struct pk__sym *s = pk__symtab_lookup(st, addr, flags & PK_USYM_DATA);

	if (!s)
		return -ENOENT;
	out->name = pk__symtab_name(st, s, !u->no_demangle && !(flags & PK_USYM_MANGLED));
	out->offset = addr - s->addr;
	out->size = s->size;
	return 0;
}

static int resolve_module(struct pk_usyms *u, struct module *m, uint64_t off, unsigned int flags,
			  struct pk_usym *out)
{
	out->module = m->path;
	out->file_offset = off;
	if (pk__elfmod_off_to_vaddr(m->elf, off, &out->elf_vaddr))
		return -ENOENT;
	return resolve_in(u, pk__elfmod_symtab(m->elf, u->debug_dir), out->elf_vaddr, flags, out);
}

static int resolve_jit(struct pk_usyms *u, struct proc *p, uint64_t addr, unsigned int flags,
		       struct pk_usym *out)
{
	struct pk__symtab *st = perf_map(p);

	if (!st || resolve_in(u, st, addr, flags, out))
		return -ESRCH;
	/* the path as the process sees it, after "/proc/PID/root" */
	out->module = strstr(p->perf_path, "/root/") + 5;
	return 0;
}

int pk_usyms__resolve(struct pk_usyms *u, pid_t pid, uint64_t addr, unsigned int flags,
		      struct pk_usym *out)
{
	struct proc *p = get_proc(u, pid);
	struct umap *m;

	memset(out, 0, sizeof(*out));
	if (!p)
		return -ENOMEM;
	m = p->have_maps ? find_map(p, addr) : NULL;
	/* something was mapped since, or this is the first look */
	if (!m && read_maps(u, p) == 0)
		m = find_map(p, addr);
	if (!m || m->kind == MAP_ANON)
		return resolve_jit(u, p, addr, flags, out);
	if (!m->mod) {
		out->module = NULL;
		return -ESRCH;
	}
	if (m->kind == MAP_VDSO)
		return resolve_module(u, m->mod, addr - m->start, flags, out);
	return resolve_module(u, m->mod, addr - m->start + m->pgoff, flags, out);
}

static const char *module_name(const char *path, unsigned int flags)
{
	const char *slash = strrchr(path, '/');

	return flags & PK_USYM_FULL_PATH || !slash ? path : slash + 1;
}

const char *pk_usyms__sym(struct pk_usyms *u, pid_t pid, uint64_t addr, unsigned int flags,
			  char *buf, size_t size)
{
	struct pk_usym s;
	int err = pk_usyms__resolve(u, pid, addr, flags, &s);
	size_t len;

	if (!size)
		return buf;
	if (err)
		len = snprintf(buf, size, "[unknown]");
	else if (flags & PK_USYM_OFFSET)
		len = snprintf(buf, size, "%s+0x%" PRIx64, s.name, s.offset);
	else
		len = snprintf(buf, size, "%s", s.name);
	if (len < size && (flags & PK_USYM_MODULE) && s.module)
		snprintf(buf + len, size - len, " (%s)", module_name(s.module, flags));
	return buf;
}

/* Files ---------------------------------------------------------------------------- */

static struct module *file_module(struct pk_usyms *u, const char *path)
{
	struct module *m;
	struct stat st;

	if (stat(path, &st))
		return NULL;
	for (m = u->modules; m; m = m->next) {
		if (m->dev == st.st_dev && m->ino == st.st_ino && !strcmp(m->path, path))
			return m;
	}
	return module_of_path(u, path);
}

int pk_usyms__resolve_file(struct pk_usyms *u, const char *path, uint64_t vaddr,
			   unsigned int flags, struct pk_usym *out)
{
	struct module *m = file_module(u, path);

	memset(out, 0, sizeof(*out));
	if (!m)
		return -errno;
	out->module = m->path;
	out->elf_vaddr = vaddr;
	pk__elfmod_vaddr_to_off(m->elf, vaddr, &out->file_offset);
	return resolve_in(u, pk__elfmod_symtab(m->elf, u->debug_dir), vaddr, flags, out);
}

int pk_usyms__find_symbol(struct pk_usyms *u, const char *path, const char *name,
			  uint64_t *vaddr, uint64_t *file_offset, uint64_t *size)
{
	struct module *m = file_module(u, path);
	const struct pk__sym *best = NULL;
	struct pk__symtab *st;
	size_t i;

	if (!m)
		return -errno;
	st = pk__elfmod_symtab(m->elf, u->debug_dir);
	for (i = 0; i < st->nr; i++) {
		const struct pk__sym *s = &st->syms[i];

		/* PLT stubs name addresses, but are no symbol of the file */
		if (!(s->rank & PK__SYM_STUB) && !strcmp(st->strs + s->name, name) &&
		    (!best || s->rank > best->rank))
			best = s;
	}
	if (!best)
		return -ENOENT;
	if (vaddr)
		*vaddr = best->addr;
	if (size)
		*size = best->size;
	if (file_offset && pk__elfmod_vaddr_to_off(m->elf, best->addr, file_offset))
		return -ERANGE;
	return 0;
}

int pk_usyms__vaddr_to_offset(struct pk_usyms *u, const char *path, uint64_t vaddr,
			      uint64_t *file_offset)
{
	struct module *m = file_module(u, path);

	if (!m)
		return -errno;
	return pk__elfmod_vaddr_to_off(m->elf, vaddr, file_offset);
}
