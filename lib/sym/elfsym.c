// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Symbols of one ELF file: .symtab, else a separate debug file (by build-id,
 * then by .gnu_debuglink with its CRC checked), else the MiniDebugInfo that
 * Debian- and Fedora-style stripped binaries keep xz-compressed in
 * .gnu_debugdata; .dynsym always; PLT stubs named "printf@plt" from the
 * dynamic relocations. A symbol without a size reaches to the next symbol
 * of its section, as in eu-addr2line and gdb. Every length and offset read from the
 * file goes through libelf's bounds checks, so a truncated or corrupt file
 * yields fewer symbols, never a crash.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sym.h"

#define MAX_BUILD_ID 64
/* MiniDebugInfo holds symbols only: anything near this is not one */
#define MAX_DEBUGDATA (256u << 20)
/* how many nested or overlapping symbols a lookup looks back through */
#define MAX_LOOKBACK 64

struct seg {
	uint64_t off, vaddr, filesz;
};

struct pk__elfmod {
	int fd;
	void *image;
	size_t image_size;
	char *path;
	char *root;
	struct seg *segs;
	int nr_segs;
	uint8_t build_id[MAX_BUILD_ID];
	size_t build_id_len;
	bool loaded;
	const char *source;
	struct pk__symtab st;
};

/* Symbol tables -------------------------------------------------------------- */

int pk__symtab_add(struct pk__symtab *st, const char *name, uint64_t addr, uint64_t size,
		   unsigned int rank)
{
	size_t len = strlen(name) + 1;

	if (st->nr == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 256;
		struct pk__sym *syms = realloc(st->syms, cap * sizeof(*syms));

		if (!syms)
			return -ENOMEM;
		st->syms = syms;
		st->cap = cap;
	}
	if (st->strs_len + len > st->strs_cap) {
		size_t cap = st->strs_cap ? st->strs_cap * 2 : 4096;
		char *strs;

		while (cap < st->strs_len + len)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -E2BIG;
		strs = realloc(st->strs, cap);
		if (!strs)
			return -ENOMEM;
		st->strs = strs;
		st->strs_cap = cap;
	}
	memcpy(st->strs + st->strs_len, name, len);
	st->syms[st->nr++] = (struct pk__sym){
		.addr = addr, .size = size, .name = (uint32_t)st->strs_len, .rank = (uint8_t)rank,
	};
	st->strs_len += len;
	if (size > st->max_size)
		st->max_size = size;
	return 0;
}

static int sym_cmp(const void *a, const void *b, void *arg)
{
	const struct pk__sym *x = a, *y = b;

	(void)arg;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static bool covers(const struct pk__sym *s, uint64_t addr)
{
	if (!s->size)
		return addr == s->addr;
	return addr - s->addr < s->size;
}

/*
 * A symbol without a size (_init, _start, assembly entry points) reaches
 * up to the next symbol of its section, or the section's end: how
 * eu-addr2line (libdwfl) and gdb name "_init+0x5". pk__symtab_add() was
 * given the rest of the section as its size; the next symbol cuts it.
 */
void pk__symtab_sort(struct pk__symtab *st)
{
	size_t i, j;

	if (st->nr)
		/* in place: glibc's qsort() sorted a copy, a quarter of
		 * mallocstacks' peak heap for libc's table */
		pk__heapsort(st->syms, st->nr, sizeof(*st->syms), sym_cmp, NULL);
	free(st->demangled);
	st->demangled = NULL;
	st->max_size = 0;
	for (i = 0, j = 0; i < st->nr; i++) {
		struct pk__sym *s = &st->syms[i];

		if (!(s->rank & PK__SYM_SIZED) && s->size) {
			if (j <= i)
				j = i + 1;
			while (j < st->nr && st->syms[j].addr == s->addr)
				j++;
			if (j < st->nr && st->syms[j].addr - s->addr < s->size)
				s->size = st->syms[j].addr - s->addr;
		}
		if (s->size > st->max_size)
			st->max_size = s->size;
	}
}

const struct pk__sym *pk__symtab_lookup(const struct pk__symtab *st, uint64_t addr, bool data)
{
	const struct pk__sym *sizeless = NULL;
	size_t lo = 0, hi = st->nr, i, n;

	/* the first symbol above @addr; aliases sort best-ranked last */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo, n = 0; i > 0 && n < MAX_LOOKBACK; i--, n++) {
		const struct pk__sym *s = &st->syms[i - 1];

		if (addr - s->addr >= st->max_size && s->addr != addr)
			break;
		if (!covers(s, addr) || !(data || (s->rank & PK__SYM_CODE)))
			continue;
		/* a symbol that says how big it is beats a label that does not */
		if (s->rank & PK__SYM_SIZED)
			return s;
		if (!sizeless)
			sizeless = s;
	}
	return sizeless;
}

/* "_ZdlPv@plt" -> "operator delete(void*)@plt", as gdb shows it. */
static char *demangle_plt(const char *raw)
{
	size_t len = strlen(raw);
	char *stem, *name, *out;

	if (len < 4 || strcmp(raw + len - 4, "@plt"))
		return pk__demangle(raw);
	stem = strndup(raw, len - 4);
	name = stem ? pk__demangle(stem) : NULL;
	free(stem);
	if (!name || asprintf(&out, "%s@plt", name) < 0)
		out = NULL;
	free(name);
	return out;
}

const char *pk__symtab_name(struct pk__symtab *st, const struct pk__sym *s, bool demangle)
{
	const char *raw = st->strs + s->name;
	size_t i = s - st->syms;

	if (!demangle || strncmp(raw, "_Z", 2))
		return raw;
	if (!st->demangled) {
		st->demangled = calloc(st->nr, sizeof(*st->demangled));
		if (!st->demangled)
			return raw;
	}
	if (!st->demangled[i])
		st->demangled[i] = demangle_plt(raw);
	/* a failed demangle is remembered as the raw name */
	if (!st->demangled[i])
		st->demangled[i] = strdup(raw);
	return st->demangled[i] ? st->demangled[i] : raw;
}

void pk__symtab_clear(struct pk__symtab *st)
{
	size_t i;

	if (st->demangled) {
		for (i = 0; i < st->nr; i++)
			free(st->demangled[i]);
	}
	free(st->demangled);
	free(st->syms);
	free(st->strs);
	memset(st, 0, sizeof(*st));
}

/*
 * libstdc++'s __cxa_demangle: maintained with GCC, and present wherever
 * C++ programs run. It is looked up at run time so that C programs linked
 * with libprobekit do not pull in libstdc++ and pay for it only when a
 * mangled name shows up.
 */
typedef char *(*cxa_demangle_fn)(const char *, char *, size_t *, int *);

/*
 * Linked in when the program has it: C++ programs, and the static probekit
 * binary (-u __cxa_demangle -lsupc++), where dlopen() would bring a second
 * libc whose malloc() the buffer would come from.
 */
extern char *__cxa_demangle(const char *, char *, size_t *, int *) __attribute__((weak));

char *pk__demangle(const char *mangled)
{
	static cxa_demangle_fn fn;
	static bool tried;
	int status = 0;
	char *out;

	if (!tried && __cxa_demangle) {
		tried = true;
		fn = __cxa_demangle;
	}
	if (!tried) {
		void *h = pk__dlopen("libstdc++.so.6");

		tried = true;
		if (h)
			fn = (cxa_demangle_fn)dlsym(h, "__cxa_demangle");
	}
	if (!fn)
		return NULL;
	out = fn(mangled, NULL, NULL, &status);
	if (status) {
		free(out);
		return NULL;
	}
	return out;
}

/* Headers: segments and build-id ---------------------------------------------- */

static int read_segments(struct pk__elfmod *m, Elf *elf)
{
	size_t n, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n) || n > 4096)
		return -EINVAL;
	m->segs = calloc(n ? n : 1, sizeof(*m->segs));
	if (!m->segs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		m->segs[m->nr_segs++] = (struct seg){ ph.p_offset, ph.p_vaddr, ph.p_filesz };
	}
	return 0;
}

static bool note_build_id(Elf_Data *data, uint8_t *id, size_t *len)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp((char *)data->d_buf + name_off, "GNU", 4))
			continue;
		if (!nh.n_descsz || nh.n_descsz > MAX_BUILD_ID)
			return false;
		memcpy(id, (char *)data->d_buf + desc_off, nh.n_descsz);
		*len = nh.n_descsz;
		return true;
	}
	return false;
}

/* From the PT_NOTE segments, else the note sections (debug files). */
static size_t read_build_id(Elf *elf, uint8_t *id)
{
	Elf_Scn *scn = NULL;
	size_t n, i, len = 0;
	GElf_Phdr ph;
	GElf_Shdr sh;

	if (!elf_getphdrnum(elf, &n)) {
		for (i = 0; i < n && i < 4096; i++) {
			Elf_Data *d;

			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
				continue;
			d = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
			if (d && note_build_id(d, id, &len))
				return len;
		}
	}
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (d && note_build_id(d, id, &len))
			return len;
	}
	return 0;
}

static struct pk__elfmod *elfmod_new(Elf *elf, const char *path, const char *root)
{
	struct pk__elfmod *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->fd = -1;
	m->path = strdup(path ? path : "");
	m->root = strdup(root ? root : "");
	if (!m->path || !m->root || elf_kind(elf) != ELF_K_ELF || read_segments(m, elf)) {
		pk__elfmod_free(m);
		return NULL;
	}
	m->build_id_len = read_build_id(elf, m->build_id);
	return m;
}

struct pk__elfmod *pk__elfmod_open_fd(int fd, const char *path, const char *root)
{
	struct pk__elfmod *m;
	Elf *elf;

	if (fd < 0)
		return NULL;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	m = elf ? elfmod_new(elf, path, root) : NULL;
	elf_end(elf);
	if (!m) {
		close(fd);
		return NULL;
	}
	m->fd = fd;
	return m;
}

struct pk__elfmod *pk__elfmod_open_mem(void *image, size_t size, const char *name)
{
	struct pk__elfmod *m;
	Elf *elf;

	elf = elf_memory(image, size);
	m = elf ? elfmod_new(elf, name, "") : NULL;
	elf_end(elf);
	if (!m) {
		free(image);
		return NULL;
	}
	m->image = image;
	m->image_size = size;
	return m;
}

void pk__elfmod_free(struct pk__elfmod *m)
{
	if (!m)
		return;
	if (m->fd >= 0)
		close(m->fd);
	free(m->image);
	free(m->path);
	free(m->root);
	free(m->segs);
	pk__symtab_clear(&m->st);
	free(m);
}

const uint8_t *pk__elfmod_build_id(const struct pk__elfmod *m, size_t *len)
{
	*len = m->build_id_len;
	return m->build_id;
}

const char *pk__elfmod_source(const struct pk__elfmod *m)
{
	return m->source ? m->source : "none";
}

int pk__elfmod_off_to_vaddr(const struct pk__elfmod *m, uint64_t off, uint64_t *vaddr)
{
	int i;

	for (i = 0; i < m->nr_segs; i++) {
		const struct seg *s = &m->segs[i];

		if (off >= s->off && off - s->off < s->filesz) {
			*vaddr = off - s->off + s->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

int pk__elfmod_vaddr_to_off(const struct pk__elfmod *m, uint64_t vaddr, uint64_t *off)
{
	int i;

	for (i = 0; i < m->nr_segs; i++) {
		const struct seg *s = &m->segs[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz) {
			*off = vaddr - s->vaddr + s->off;
			return 0;
		}
	}
	return -ENOENT;
}

/* Symbol sources ---------------------------------------------------------------- */

static unsigned int sym_rank(const GElf_Sym *s, const char *name)
{
	unsigned int bind = GELF_ST_BIND(s->st_info), type = GELF_ST_TYPE(s->st_info);

	/* the name a programmer calls: calloc rather than __libc_calloc */
	return (s->st_size ? PK__SYM_SIZED : 0) | (type != STT_OBJECT ? PK__SYM_CODE : 0) |
	       (name[0] != '_' ? 4 : 0) |
	       (bind == STB_GLOBAL ? 2 : bind == STB_WEAK ? 1 : 0);
}

static bool wanted_sym(const GElf_Sym *s)
{
	unsigned int type = GELF_ST_TYPE(s->st_info);

	if (s->st_shndx == SHN_UNDEF || !s->st_value)
		return false;
	return type == STT_FUNC || type == STT_GNU_IFUNC || type == STT_OBJECT;
}

/*
 * Room for @nr more symbols and @strs more bytes of names, at once: grown
 * by doubling, a big table would hold its old and new copies together, the
 * largest part of mallocstacks' peak memory.
 */
static void symtab_reserve(struct pk__symtab *st, size_t nr, size_t strs)
{
	struct pk__sym *syms;
	char *pool;

	if (st->nr + nr > st->cap && (syms = realloc(st->syms, (st->nr + nr) * sizeof(*syms)))) {
		st->syms = syms;
		st->cap = st->nr + nr;
	}
	if (st->strs_len + strs > st->strs_cap && st->strs_len + strs <= UINT32_MAX &&
	    (pool = realloc(st->strs, st->strs_len + strs))) {
		st->strs = pool;
		st->strs_cap = st->strs_len + strs;
	}
}

/*
 * From a size-less symbol to the end of its section: the most it can
 * cover (pk__symtab_sort() cuts it at the next symbol). 0 when it is in
 * no allocated section.
 */
static uint64_t section_rest(Elf *elf, const GElf_Sym *s)
{
	Elf_Scn *scn;
	GElf_Shdr sh;

	if (s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE)
		return 0;
	scn = elf_getscn(elf, s->st_shndx);
	if (!scn || !gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC))
		return 0;
	if (s->st_value < sh.sh_addr || s->st_value - sh.sh_addr >= sh.sh_size)
		return 0;
	return sh.sh_size - (s->st_value - sh.sh_addr);
}

/* Adds one symbol if it names something; 1 when added, 0 when not, -1 when full. */
static int add_sym(struct pk__symtab *st, Elf *elf, const GElf_Shdr *sh, const GElf_Sym *s)
{
	const char *name;

	if (!wanted_sym(s))
		return 0;
	name = elf_strptr(elf, sh->sh_link, s->st_name);
	if (!name || !name[0])
		return 0;
	if (pk__symtab_add(st, name, s->st_value, s->st_size ?: section_rest(elf, s),
			   sym_rank(s, name)))
		return -1;
	return 1;
}

#define SYM_PIECE 256

/*
 * The symbols of section @sh read from @fd a piece at a time: libelf would
 * hold a copy of the whole section (240 KB for libc's debug .symtab) beside
 * the table made from it. -1 when the file is not native 64-bit ELF.
 */
static int add_syms_from_fd(struct pk__symtab *st, Elf *elf, int fd, const GElf_Shdr *sh)
{
	const unsigned char *ident = (const unsigned char *)elf_getident(elf, NULL);
	Elf64_Sym piece[SYM_PIECE];
	size_t i, j, n, total = sh->sh_size / sizeof(Elf64_Sym);
	int added = 0, r;
	ssize_t got;

	if (fd < 0 || !ident || ident[EI_CLASS] != ELFCLASS64 ||
	    ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB) ||
	    sh->sh_entsize != sizeof(Elf64_Sym) || sh->sh_type == SHT_NOBITS)
		return -1;
	for (i = 0; i < total; i += n) {
		n = total - i < SYM_PIECE ? total - i : SYM_PIECE;
		got = pread(fd, piece, n * sizeof(Elf64_Sym), sh->sh_offset + i * sizeof(Elf64_Sym));
		if (got != (ssize_t)(n * sizeof(Elf64_Sym)))
			return added;
		for (j = 0; j < n; j++) {
			r = add_sym(st, elf, sh, &piece[j]);
			if (r < 0)
				return added;
			added += r;
		}
	}
	return added;
}

/* Adds the symbols of every section of @type; returns how many. @fd: the file, or -1. */
static int add_syms(struct pk__symtab *st, Elf *elf, int fd, Elf64_Word type)
{
	Elf_Scn *scn = NULL;
	size_t symsz = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
	int added = 0, r;

	if (!symsz)
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh, str;

		/* the section sizes bound what is added: reserve it in one piece */
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type && sh.sh_size / symsz < (1 << 24) &&
		    gelf_getshdr(elf_getscn(elf, sh.sh_link), &str) && str.sh_size < (1 << 28))
			symtab_reserve(st, sh.sh_size / symsz, str.sh_size);
	}
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Shdr sh;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type)
			continue;
		r = add_syms_from_fd(st, elf, fd, &sh);
		if (r >= 0) {
			added += r;
			continue;
		}
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		n = data->d_size / symsz;
		for (i = 0; i < n; i++) {
			GElf_Sym s;

			if (!gelf_getsym(data, (int)i, &s))
				continue;
			r = add_sym(st, elf, &sh, &s);
			if (r < 0)
				return added;
			added += r;
		}
	}
	return added;
}

/* PLT stubs ------------------------------------------------------------------ */

/*
 * PLT stubs have no symbols; gdb names them "printf@plt". A stub is an
 * indirect jump through a GOT slot, and the dynamic relocation of that slot
 * names the function: R_X86_64_JUMP_SLOT in .rela.plt for .plt (lazy
 * binding) and .plt.sec (IBT), R_X86_64_GLOB_DAT in .rela.dyn for .plt.got
 * (functions whose address is also taken, and -z now). Lazy IBT .plt
 * entries jump to the resolver instead; they push their .rela.plt index.
 * x86-64 only: other architectures' stubs are left nameless.
 */
struct got_name {
	uint64_t slot;
	const char *name;
};

struct plt_names {
	struct got_name *got;
	size_t nr_got, cap_got;
	/* .rela.plt's symbol names by index, for lazy IBT entries */
	const char **jump_slots;
	size_t nr_jump_slots;
};

static int got_cmp(const void *a, const void *b)
{
	const struct got_name *x = a, *y = b;

	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

static const char *reloc_name(Elf *elf, Elf_Data *dynsym, size_t strtab, const GElf_Rela *r)
{
	size_t idx = GELF_R_SYM(r->r_info);
	GElf_Sym sym;

	/* IRELATIVE and relative slots name no symbol */
	if (!idx || !gelf_getsym(dynsym, (int)idx, &sym))
		return NULL;
	return elf_strptr(elf, strtab, sym.st_name);
}

/* The names of the GOT slots that .rela.plt and .rela.dyn relocate. */
static int read_plt_relocs(Elf *elf, struct plt_names *pn)
{
	size_t shstrndx, relsz = gelf_fsize(elf, ELF_T_RELA, 1, EV_CURRENT);
	Elf_Scn *scn = NULL, *link;
	GElf_Shdr sh, lsh;

	if (!relsz || elf_getshdrstrndx(elf, &shstrndx))
		return -EINVAL;
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data, *dynsym;
		const char *secname;
		bool plt;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA)
			continue;
		link = elf_getscn(elf, sh.sh_link);
		if (!link || !gelf_getshdr(link, &lsh) || lsh.sh_type != SHT_DYNSYM)
			continue;
		data = elf_getdata(scn, NULL);
		dynsym = elf_getdata(link, NULL);
		if (!data || !dynsym)
			continue;
		secname = elf_strptr(elf, shstrndx, sh.sh_name);
		plt = secname && !strcmp(secname, ".rela.plt");
		n = data->d_size / relsz;
		if (plt) {
			free(pn->jump_slots);
			pn->jump_slots = calloc(n ? n : 1, sizeof(*pn->jump_slots));
			if (!pn->jump_slots)
				return -ENOMEM;
			pn->nr_jump_slots = n;
		}
		for (i = 0; i < n; i++) {
			unsigned int type;
			const char *name;
			GElf_Rela r;
			void *more;

			if (!gelf_getrela(data, (int)i, &r))
				continue;
			type = GELF_R_TYPE(r.r_info);
			if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT)
				continue;
			name = reloc_name(elf, dynsym, lsh.sh_link, &r);
			if (!name || !name[0])
				continue;
			if (plt)
				pn->jump_slots[i] = name;
			if (pn->nr_got == pn->cap_got) {
				size_t cap = pn->cap_got ? pn->cap_got * 2 : 64;

				more = realloc(pn->got, cap * sizeof(*pn->got));
				if (!more)
					return -ENOMEM;
				pn->got = more;
				pn->cap_got = cap;
			}
			pn->got[pn->nr_got++] = (struct got_name){ r.r_offset, name };
		}
	}
	if (pn->nr_got)
		qsort(pn->got, pn->nr_got, sizeof(*pn->got), got_cmp);
	return 0;
}

static const char *got_lookup(const struct plt_names *pn, uint64_t slot)
{
	struct got_name key = { .slot = slot }, *g;

	g = bsearch(&key, pn->got, pn->nr_got, sizeof(*pn->got), got_cmp);
	return g ? g->name : NULL;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The function one stub at @addr (its @len bytes at @code) leads to:
 * [endbr64] [bnd] jmp *slot(%rip), or endbr64; push $index (lazy IBT).
 */
static const char *plt_entry_name(const struct plt_names *pn, const uint8_t *code, size_t len,
				  uint64_t addr)
{
	static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	size_t i = 0;
	bool ibt = false;

	if (len >= 4 && !memcmp(code, endbr64, 4))
		i = 4, ibt = true;
	if (ibt && i + 5 <= len && code[i] == 0x68) {
		uint32_t idx = le32(code + i + 1);

		return idx < pn->nr_jump_slots ? pn->jump_slots[idx] : NULL;
	}
	if (i < len && code[i] == 0xf2) /* bnd */
		i++;
	if (i + 6 > len || code[i] != 0xff || code[i + 1] != 0x25)
		return NULL;
	return got_lookup(pn, addr + i + 6 + (int64_t)(int32_t)le32(code + i + 2));
}

static int add_plt_section(struct pk__symtab *st, const struct plt_names *pn, Elf_Scn *scn,
			   const GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	uint64_t entsize = sh->sh_entsize ? sh->sh_entsize : 16, off;
	char name[512];
	int added = 0;

	if (!data || !data->d_buf || entsize > 64)
		return 0;
	for (off = 0; off + entsize <= data->d_size; off += entsize) {
		const char *fn = plt_entry_name(pn, (const uint8_t *)data->d_buf + off, entsize,
						sh->sh_addr + off);

		if (!fn || snprintf(name, sizeof(name), "%s@plt", fn) >= (int)sizeof(name))
			continue;
		if (pk__symtab_add(st, name, sh->sh_addr + off, entsize,
				   PK__SYM_STUB | PK__SYM_SIZED | PK__SYM_CODE))
			break;
		added++;
	}
	return added;
}

/* Names the stubs of .plt, .plt.sec and .plt.got; returns how many. */
static int add_plt_syms(struct pk__symtab *st, Elf *elf)
{
	struct plt_names pn = {};
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	int added = 0;

	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64 ||
	    elf_getshdrstrndx(elf, &shstrndx) || read_plt_relocs(elf, &pn) || !pn.nr_got)
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".plt") || !strcmp(name, ".plt.sec") ||
			     !strcmp(name, ".plt.got")))
			added += add_plt_section(st, &pn, scn, &sh);
	}
out:
	free(pn.got);
	free(pn.jump_slots);
	return added;
}

static Elf_Data *section_named(Elf *elf, const char *want)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, want))
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

/* The .symtab of another ELF file, if it passes @check. */
static int add_file_syms(struct pk__elfmod *m, const char *path,
			 bool (*check)(struct pk__elfmod *m, Elf *elf, int fd, const void *arg),
			 const void *arg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), n = 0;
	Elf *elf;

	if (fd < 0)
		return 0;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF && check(m, elf, fd, arg))
		n = add_syms(&m->st, elf, fd, SHT_SYMTAB);
	elf_end(elf);
	close(fd);
	return n;
}

static bool same_build_id(struct pk__elfmod *m, Elf *elf, int fd, const void *arg)
{
	uint8_t id[MAX_BUILD_ID];

	(void)fd;
	(void)arg;
	return read_build_id(elf, id) == m->build_id_len &&
	       !memcmp(id, m->build_id, m->build_id_len);
}

static int from_build_id(struct pk__elfmod *m, const char *debug_dir)
{
	char hex[2 * MAX_BUILD_ID + 1], path[PATH_MAX];
	size_t i;
	int n;

	if (m->build_id_len < 2)
		return 0;
	for (i = 0; i < m->build_id_len; i++)
		sprintf(hex + 2 * i, "%02x", m->build_id[i]);
	/* inside the target's root first: its debug files match its binaries */
	if (m->root[0]) {
		snprintf(path, sizeof(path), "%s%s/.build-id/%.2s/%s.debug", m->root, debug_dir,
			 hex, hex + 2);
		if ((n = add_file_syms(m, path, same_build_id, NULL)))
			return n;
	}
	snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s.debug", debug_dir, hex, hex + 2);
	return add_file_syms(m, path, same_build_id, NULL);
}

static bool crc_matches(struct pk__elfmod *m, Elf *elf, int fd, const void *arg)
{
	uint32_t want = *(const uint32_t *)arg;
	unsigned char buf[65536];
	uLong crc = crc32(0, NULL, 0);
	ssize_t n;
	off_t off = 0;

	(void)m;
	(void)elf;
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		crc = crc32(crc, buf, (uInt)n);
		off += n;
	}
	return n == 0 && (uint32_t)crc == want;
}

static int from_debuglink(struct pk__elfmod *m, Elf *elf, const char *debug_dir)
{
	Elf_Data *d = section_named(elf, ".gnu_debuglink");
	char dir[PATH_MAX], path[PATH_MAX], *slash;
	const char *name, *fmt[] = { "%s%s/%s", "%s%s/.debug/%s", NULL };
	const char *ident;
	size_t len, i, r;
	uint32_t crc;
	int n;

	if (!d || !d->d_buf || d->d_size < 8)
		return 0;
	name = d->d_buf;
	len = strnlen(name, d->d_size);
	/* the name, NUL, padding to 4, then the CRC */
	if (len == 0 || len == d->d_size || ((len + 4) & ~3ul) + 4 > d->d_size ||
	    strchr(name, '/'))
		return 0;
	memcpy(&crc, (char *)d->d_buf + ((len + 4) & ~3ul), 4);
	ident = elf_getident(elf, NULL);
	if (ident && ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB :
										     ELFDATA2MSB))
		crc = __builtin_bswap32(crc);
	snprintf(dir, sizeof(dir), "%s", m->path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		*slash = '\0';
	for (r = 0; r < 2; r++) {
		const char *root = r ? "" : m->root;

		if (r == 0 && !root[0])
			continue;
		for (i = 0; fmt[i]; i++) {
			if (snprintf(path, sizeof(path), fmt[i], root, dir, name) >= (int)sizeof(path))
				continue;
			if ((n = add_file_syms(m, path, crc_matches, &crc)))
				return n;
		}
		if (snprintf(path, sizeof(path), "%s%s%s/%s", root, debug_dir, dir, name) >=
		    (int)sizeof(path))
			continue;
		if ((n = add_file_syms(m, path, crc_matches, &crc)))
			return n;
	}
	return 0;
}

static void *unxz(const void *in, size_t in_size, size_t *out_size)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = in_size * 4 + 4096;
	uint8_t *out = malloc(cap), *bigger;
	lzma_ret ret;

	if (!out || lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK) {
		free(out);
		return NULL;
	}
	s.next_in = in;
	s.avail_in = in_size;
	s.next_out = out;
	s.avail_out = cap;
	for (;;) {
		ret = lzma_code(&s, LZMA_FINISH);
		/* LZMA_BUF_ERROR: no progress, so the input is cut short */
		if (ret != LZMA_OK)
			break;
		if (s.avail_out)
			continue;
		bigger = cap < MAX_DEBUGDATA ? realloc(out, cap * 2) : NULL;
		if (!bigger)
			break;
		out = bigger;
		s.next_out = out + cap;
		s.avail_out = cap;
		cap *= 2;
	}
	*out_size = cap - s.avail_out;
	lzma_end(&s);
	if (ret != LZMA_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

static int from_debugdata(struct pk__elfmod *m, Elf *elf)
{
	Elf_Data *d = section_named(elf, ".gnu_debugdata");
	size_t size;
	void *image;
	Elf *mini;
	int n = 0;

	if (!d || !d->d_buf || !d->d_size)
		return 0;
	image = unxz(d->d_buf, d->d_size, &size);
	if (!image)
		return 0;
	mini = elf_memory(image, size);
	if (mini && elf_kind(mini) == ELF_K_ELF)
		n = add_syms(&m->st, mini, -1, SHT_SYMTAB);
	elf_end(mini);
	free(image);
	return n;
}

static void load_symbols(struct pk__elfmod *m, Elf *elf, const char *debug_dir)
{
	if (add_syms(&m->st, elf, m->image ? -1 : m->fd, SHT_SYMTAB))
		m->source = "symtab";
	else if (from_build_id(m, debug_dir))
		m->source = "build-id";
	else if (from_debuglink(m, elf, debug_dir))
		m->source = "debuglink";
	else if (from_debugdata(m, elf))
		m->source = "gnu_debugdata";
	/* MiniDebugInfo leaves out what .dynsym has, and sorting makes it one table */
	if (add_syms(&m->st, elf, m->image ? -1 : m->fd, SHT_DYNSYM) && !m->source)
		m->source = "dynsym";
	/* the stubs are in the file itself, whoever had its symbols */
	add_plt_syms(&m->st, elf);
	pk__symtab_sort(&m->st);
}

struct pk__symtab *pk__elfmod_symtab(struct pk__elfmod *m, const char *debug_dir)
{
	Elf *elf;

	if (m->loaded)
		return &m->st;
	m->loaded = true;
	if (m->image)
		elf = elf_memory(m->image, m->image_size);
	else
		elf = elf_begin(m->fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF)
		load_symbols(m, elf, debug_dir);
	elf_end(elf);
	/* the symbols are all in memory now */
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	return &m->st;
}
