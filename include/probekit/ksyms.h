/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_KSYMS_H
#define PROBEKIT_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Kernel symbols from /proc/kallsyms (or a file in its format): address to
 * the containing symbol by binary search, name to address by hash lookup.
 */
struct pk_ksym {
	__u64 addr;
	const char *name;
	/* the module in brackets ("ext4", "bpf"), or NULL for the kernel */
	const char *module;
	/* kallsyms' type letter: 'T', 't', 'W', 'R'... */
	char type;
};

struct pk_ksyms;

/* Parses @path, or /proc/kallsyms when NULL. NULL with errno set on failure. */
struct pk_ksyms *pk_ksyms__load(const char *path);
void pk_ksyms__free(struct pk_ksyms *ks);
size_t pk_ksyms__count(const struct pk_ksyms *ks);
/* The @i-th symbol (0 <= i < pk_ksyms__count()) in address order, to
 * walk them all (listings, "did you mean"); NULL past the end. */
const struct pk_ksym *pk_ksyms__get(const struct pk_ksyms *ks, size_t i);
/*
 * True when every address read was zero: kptr_restrict (or a process
 * without CAP_SYSLOG) hides them. Names are still there; addresses are not.
 */
bool pk_ksyms__addrs_hidden(const struct pk_ksyms *ks);
/*
 * The code symbol containing @addr: the last text symbol (t, T, w, W) at or
 * below it, when @addr is still in that symbol's area. Symbols at the same
 * address resolve to the first listed, as the kernel's %pS does. NULL
 * (bcc's "[unknown]") when no code contains @addr:
 * - below the first symbol, and always when addresses are hidden;
 * - at or past a data symbol (d, D, b, B, r, R, a...) or an end marker
 *   (_etext, _einittext) that follows the text symbol: the kernel's text
 *   ends at _etext, its init text at _einittext;
 * - past the page holding the last text symbol of the kernel or of a
 *   module (kallsyms gives no sizes; module text, bpf programs, ftrace
 *   trampolines and kprobe slots are allocated by pages). Within one
 *   module, or the kernel, the next symbol is the bound.
 * Data symbols are found by name (pk_ksyms__by_name()), not by address.
 */
const struct pk_ksym *pk_ksyms__find(const struct pk_ksyms *ks, __u64 addr);
/*
 * The first symbol named @name when @prev is NULL, otherwise the next one
 * with the same name after @prev (kallsyms has duplicate local names).
 * When no symbol has that exact name, a compiler clone of it ("name.isra.0",
 * "name.constprop.0"...; never "name.cold", which is not an entry point)
 * answers instead.
 */
const struct pk_ksym *pk_ksyms__by_name(const struct pk_ksyms *ks, const char *name,
					const struct pk_ksym *prev);

/*
 * The function a kprobe on @name hooks: pk_ksyms__by_name()'s first text
 * symbol ('t', 'T', 'w', 'W') of the kernel or a module, never a BPF
 * program's. NULL when there is none.
 */
const struct pk_ksym *pk_ksyms__function(const struct pk_ksyms *ks, const char *name);

enum pk_ksym_flags {
	PK_KSYM_OFFSET = 1 << 0, /* "name+0x1f" */
	PK_KSYM_MODULE = 1 << 1, /* "name [module]" */
};
/*
 * Formats @addr as bcc's ksym() does: the name, "+0x.." with
 * PK_KSYM_OFFSET, "[unknown]" when nothing contains it. Returns @buf.
 */
const char *pk_ksyms__format(const struct pk_ksyms *ks, __u64 addr, unsigned int flags,
			     char *buf, size_t size);

/*
 * The process-wide table from /proc/kallsyms, loaded on first use and
 * shared by every caller. NULL with errno set if it cannot be read.
 */
const struct pk_ksyms *pk_ksyms(void);
/* Frees the shared table; the next pk_ksyms() loads it again. */
void pk_ksyms_release(void);

/* bcc's ksym(addr, show_offset) over the shared table. Returns @buf. */
const char *pk_ksym(__u64 addr, bool show_offset, char *buf, size_t size);
/*
 * bcc's ksymname(name): 0 and the address, -ENOENT when no symbol has that
 * exact name, -EACCES when it exists but addresses are hidden. Like bcc it
 * takes the name as it is; pk_ksyms__by_name() also finds "name.isra.0".
 */
int pk_ksymname(const char *name, __u64 *addr);
/* Whether a kernel symbol of exactly that name exists (hidden addresses or not). */
bool pk_ksym_exists(const char *name);

/* Kernel stack frames ------------------------------------------------------ */

/*
 * Stack frames named by the kernel's own kallsyms when it can (a BPF
 * syscall program formats them with bpf_snprintf("%pS"), one run per
 * stack, with the answers cached), so that no copy of /proc/kallsyms is
 * held; the shared table (pk_ksyms()) otherwise: kernels before 5.14, no
 * BPF, a failure. Both give the same name and offset for code addresses.
 */
struct pk_kframes;

struct pk_kframes_opts {
	size_t sz;
	/* always the table, never the kernel's lookup */
	bool table_only;
};
#define pk_kframes_opts__last_field table_only

/* One frame; name NULL when no symbol holds the address. */
struct pk_kframe {
	__u64 addr;
	const char *name;
	__u64 offset;
	/* "bpf" for BPF programs and trampolines, NULL for the core kernel */
	const char *module;
};

/* The most frames pk_kframes__resolve() takes at once. */
#define PK_KFRAMES_MAX 128

struct pk_kframes *pk_kframes__new(const struct pk_kframes_opts *opts);
void pk_kframes__free(struct pk_kframes *kf);
/* Whether the kernel names the frames (false: the table). */
bool pk_kframes__kernel(const struct pk_kframes *kf);
/* Why the kernel does not, or why the table could not be read; "" if neither. */
const char *pk_kframes__error(const struct pk_kframes *kf);
/*
 * Names @ips[0..@n) (@n <= PK_KFRAMES_MAX) into @out. The strings stay
 * valid until the next call. Returns @n or a negative errno.
 */
int pk_kframes__resolve(struct pk_kframes *kf, const __u64 *ips, int n, struct pk_kframe *out);
/* A frame as pk_ksyms__format() formats its address. Returns @buf. */
const char *pk_kframe__format(const struct pk_kframe *f, unsigned int flags, char *buf,
			      size_t size);

/* Kernel stacks ------------------------------------------------------------ */

/*
 * Reads stack @stack_id from a BPF_MAP_TYPE_STACK_TRACE map into @ips
 * (innermost frame first, as bcc's walk()). Returns the number of frames,
 * -ENOENT for an unknown id, or another negative errno.
 */
int pk_stack_read(int map_fd, __s64 stack_id, __u64 *ips, size_t max);
/*
 * pk_stack_read() of a loaded map of a bpf_object: its type and value size
 * come from libbpf, so a read is the lookup alone (pk_stack_read() asks the
 * kernel for them first, one more syscall a stack).
 */
struct bpf_map;
int pk_stack_read_map(const struct bpf_map *map, __s64 stack_id, __u64 *ips, size_t max);
/*
 * Prints a kernel stack, one frame per line after @indent, symbolized
 * with @flags (enum pk_ksym_flags) over the shared table.
 */
void pk_stack_print(FILE *f, const __u64 *ips, int n, unsigned int flags, const char *indent);
/* Why bpf_get_stackid() returned a negative @stack_id, in words. */
const char *pk_stack_error(__s64 stack_id);

#ifdef __cplusplus
}
#endif
#endif
