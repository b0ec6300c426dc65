/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_USYMS_H
#define PROBEKIT_USYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * User-space symbols: bcc's sym(addr, pid). Addresses of a process are
 * mapped to a module through /proc/PID/maps, and modules are read through
 * /proc/PID/map_files or /proc/PID/root, so processes in other mount
 * namespaces and deleted-but-mapped files resolve. Symbols come from
 * .symtab, a separate debug file (build-id, then .gnu_debuglink with its
 * CRC checked), the .gnu_debugdata MiniDebugInfo section, then .dynsym;
 * JIT code from the target's /tmp/perf-PID.map. Modules are cached by
 * device, inode and build-id; processes by pid, their maps re-read when an
 * address falls outside every known mapping. Not thread-safe: use one
 * struct pk_usyms per thread.
 */

struct pk_usyms;

struct pk_usyms_opts {
	size_t sz;
	/* where build-id and debuglink debug files live; "/usr/lib/debug" */
	const char *debug_dir;
	/* keep C++ names as the linker sees them */
	bool no_demangle;
	size_t :0;
};
#define pk_usyms_opts__last_field no_demangle

struct pk_usyms *pk_usyms__new(const struct pk_usyms_opts *opts);
/* Accepts NULL. */
void pk_usyms__free(struct pk_usyms *u);

enum pk_usym_flags {
	/* "name+0x10" rather than "name" */
	PK_USYM_OFFSET = 1 << 0,
	/* append " (libfoo.so)" */
	PK_USYM_MODULE = 1 << 1,
	/* the module's full path instead of its file name */
	PK_USYM_FULL_PATH = 1 << 2,
	/* the raw (mangled) name, whatever the options say */
	PK_USYM_MANGLED = 1 << 3,
	/* data objects too; by default only code symbols name an address,
	 * since a stack frame in data is a broken walk, not a variable */
	PK_USYM_DATA = 1 << 4,
};

/* What an address is. Strings belong to @u and live until it is freed. */
struct pk_usym {
	/* NULL when no symbol covers the address */
	const char *name;
	uint64_t offset;	/* from the start of the symbol */
	uint64_t size;		/* of the symbol */
	/* the mapped file (or "[vdso]", "[perf-map]"); NULL if none */
	const char *module;
	uint64_t file_offset;	/* of the address in the module's file */
	uint64_t elf_vaddr;	/* the address as the module's ELF headers see it */
};

/*
 * Resolves @addr in process @pid. Returns 0 when a symbol was found,
 * -ENOENT when the module is known but no symbol covers the address
 * (@out->module set), -ESRCH when no mapping (or no process) has it.
 */
int pk_usyms__resolve(struct pk_usyms *u, pid_t pid, uint64_t addr, unsigned int flags,
		      struct pk_usym *out);

/*
 * bcc's sym(): "name", "name+0x10", "name+0x10 (libfoo.so)" or
 * "[unknown] (libfoo.so)" as @flags ask, into @buf; returns @buf.
 */
const char *pk_usyms__sym(struct pk_usyms *u, pid_t pid, uint64_t addr, unsigned int flags,
			  char *buf, size_t size);

/* Reads the maps of @pid now and opens its files (their symbols are read
 * on first use), so that its addresses still resolve once it is gone. */
int pk_usyms__load_pid(struct pk_usyms *u, pid_t pid);
/* Drops what is cached about @pid (not its modules). */
void pk_usyms__forget_pid(struct pk_usyms *u, pid_t pid);

/* Resolves an ELF virtual address in the file at @path. */
int pk_usyms__resolve_file(struct pk_usyms *u, const char *path, uint64_t vaddr,
			   unsigned int flags, struct pk_usym *out);

/*
 * Finds the function or object @name in the file at @path, with the
 * same symbol sources as a lookup. Returns 0, -ENOENT when no such
 * symbol exists, or another negative errno when the file is unusable.
 */
int pk_usyms__find_symbol(struct pk_usyms *u, const char *path, const char *name,
			  uint64_t *vaddr, uint64_t *file_offset, uint64_t *size);

/* Turns an ELF virtual address of @path into a file offset (for uprobes). */
int pk_usyms__vaddr_to_offset(struct pk_usyms *u, const char *path, uint64_t vaddr,
			      uint64_t *file_offset);

#ifdef __cplusplus
}
#endif
#endif
