/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The symbol layer's internals (lib/sym/): kernel symbols, ELF symbol
 * tables, process maps. Not part of the public API (lib/README.md).
 */
#ifndef PROBEKIT_SYM_H
#define PROBEKIT_SYM_H

#include "../base/base.h"

/* Kernel symbols (ksyms.c, ksyms_kernel.c) ---------------------------------- */

struct pk_ksyms;
/*
 * @fn on the name of every code symbol (t, T, w, W) that is not a BPF
 * program's, in address order, until it returns non-zero: a walk over the
 * compact table that makes no struct pk_ksym.
 */
int pk__ksyms_functions(const struct pk_ksyms *ks, int (*fn)(const char *name, void *arg),
			void *arg);
struct pk_kframe;
/*
 * The kernel's "%pS" answer @s ("name+0xoff/0xsize [module]", cut anywhere,
 * or "0x<addr>" for no symbol) into @f, split in place (ksyms_kernel.c).
 */
void pk__kframe_parse(char *s, struct pk_kframe *f);

/* User-space symbols (elfsym.c, usyms.c) ----------------------------------- */

/* A sorted symbol table with its own string pool. */
struct pk__sym {
	uint64_t addr;
	uint64_t size;
	uint32_t name;
	/* among symbols at one address, the highest rank names it */
	uint8_t rank;
};

/* rank bits */
/* a PLT stub named "printf@plt": no symbol of the file (never aliased, so
 * that it outranks everything does not matter) */
#define PK__SYM_STUB  32
#define PK__SYM_SIZED 16
#define PK__SYM_CODE  8

struct pk__symtab {
	struct pk__sym *syms;
	size_t nr, cap;
	char *strs;
	size_t strs_len, strs_cap;
	uint64_t max_size;
	/* demangled names, filled on first use */
	char **demangled;
};

int pk__symtab_add(struct pk__symtab *st, const char *name, uint64_t addr, uint64_t size,
		   unsigned int rank);
void pk__symtab_sort(struct pk__symtab *st);
/* The symbol covering @addr, never one that ends before it; NULL if none.
 * Data objects only when @data. */
const struct pk__sym *pk__symtab_lookup(const struct pk__symtab *st, uint64_t addr, bool data);
const char *pk__symtab_name(struct pk__symtab *st, const struct pk__sym *s, bool demangle);
void pk__symtab_clear(struct pk__symtab *st);
/* The C++ name of @mangled (malloc'd), or NULL when it is not one. */
char *pk__demangle(const char *mangled);

/* One ELF file (or in-memory image, such as the vDSO) and its symbols. */
struct pk__elfmod;

/* Takes @fd, even on failure. @root prefixes paths when looking for debug
 * files ("/proc/PID/root" or ""); @path is the file's path under it. */
struct pk__elfmod *pk__elfmod_open_fd(int fd, const char *path, const char *root);
/* Takes @image (malloc'd), even on failure. */
struct pk__elfmod *pk__elfmod_open_mem(void *image, size_t size, const char *name);
void pk__elfmod_free(struct pk__elfmod *m);
const uint8_t *pk__elfmod_build_id(const struct pk__elfmod *m, size_t *len);
int pk__elfmod_off_to_vaddr(const struct pk__elfmod *m, uint64_t off, uint64_t *vaddr);
int pk__elfmod_vaddr_to_off(const struct pk__elfmod *m, uint64_t vaddr, uint64_t *off);
/* Loads the symbols on first use, looking for debug files in @debug_dir. */
struct pk__symtab *pk__elfmod_symtab(struct pk__elfmod *m, const char *debug_dir);
/* Where the symbols came from ("symtab", "debuglink", ...), for -v and tests. */
const char *pk__elfmod_source(const struct pk__elfmod *m);

/* One line of /proc/PID/maps. */
struct pk__map {
	uint64_t start, end, pgoff;
	uint64_t dev, ino;
	char perms[5];
};

/* Parses @line; *@path points into it (or to "" for anonymous memory). */
int pk__parse_maps_line(const char *line, struct pk__map *m, const char **path);

#endif
