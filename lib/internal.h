/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared between the library's files; not part of the public API. */
#ifndef PROBEKIT_INTERNAL_H
#define PROBEKIT_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct btf;

/* The kernel's own "not supported" errno, which userspace headers lack. */
#define ENOTSUPP_ERRNO 524

/* The id of a kernel BTF type by name and kind, or a negative errno. */
int pk__btf_find(const char *name, int kind);
/* Why fentry, tp_btf and CO-RE cannot work without kernel BTF. */
#define PK__NO_KERNEL_BTF "the kernel has no BTF (CONFIG_DEBUG_INFO_BTF is not set)"
/* Bumped each time the BTF source changes, so that probes are redone. */
unsigned int pk__btf_generation(void);
/* Whether the BPF object in @image carries CO-RE relocations (.BTF.ext). */
bool pk__elf_needs_core(const void *image, size_t size);
/* "EPERM" for EPERM; a number for anything unknown. */
const char *pk__errno_name(int err);

/*
 * After a failed load of @obj: loads it again (through @load(@skel), or
 * bpf_object__load() when @load is NULL) with a log buffer per program and
 * libbpf's warnings captured, and says why in @why: the verifier's key and
 * source lines, or libbpf's own reason. *@log gets the rejected program's
 * whole verifier log (malloc'd) or NULL. Returns 0 if this load worked.
 */
struct bpf_object;
int pk__load_explained(struct bpf_object *obj, int (*load)(void *), void *skel, char **log,
		       char *why, size_t size);

/*
 * Parameters (params.c), apart from any object so they can be fuzzed: a
 * value of BTF type @type_id, @size bytes, parsed from @text into @dst
 * (0, -EINVAL or -ERANGE with the reason in @why) or shown as text.
 */
#include <linux/types.h>
int pk__param_parse(const struct btf *btf, __u32 type_id, const char *text, void *dst,
		    size_t size, char *why, size_t why_size);
void pk__param_format(const struct btf *btf, __u32 type_id, const void *src, size_t size,
		      char *buf, size_t buf_size);
void pk__param_type_name(const struct btf *btf, __u32 type_id, char *buf, size_t size);

/* One variable of a .rodata section: its BTF and its bytes in the section's image. */
struct bpf_map;
struct pk__rodata_var {
	const char *name;
	__u32 type;
	struct bpf_map *map;
	char *data;
	__u32 size;
};
typedef int (*pk__rodata_var_fn)(const struct btf *btf, const struct pk__rodata_var *v, void *ctx);
/* Calls @fn for each variable of @obj's .rodata sections until it returns non-zero. */
int pk__rodata_vars(struct bpf_object *obj, pk__rodata_var_fn fn, void *ctx);

/*
 * pk_printf (printf.c): a formatter from a table instead of an object (for
 * tests and the fuzzer), and the random cookie pk_events__configure() sets.
 */
struct pk_printf *pk__printf_from(__u64 cookie, const __u32 *ids, const char *const *formats,
				  size_t n);
int pk__printf_configure(struct bpf_object *obj);

/* User-space symbols (elfsym.c, usyms.c) ----------------------------------- */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
#define PK__SYM_STUB 32
#define PK__SYM_SIZED 16
#define PK__SYM_CODE 8

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

/* The .note.stapsdt probes of an open ELF (targets.c), for the fuzzer too. */
#include <probekit/targets.h>
typedef struct Elf Elf;
int pk__usdt_notes(Elf *elf, pk_usdt_fn fn, void *arg);

#endif
