/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel layer's internals (lib/kernel/): what this kernel has, its
 * BTF, its uprobe_multi links, the USDT notes of a binary. Not part of the
 * public API (lib/README.md).
 */
#ifndef PROBEKIT_KERNEL_H
#define PROBEKIT_KERNEL_H

#include "../sym/sym.h"

#include <probekit/features.h>
#include <probekit/targets.h>

/*
 * Why a minimal program of @feat failed to load with @err, into @why
 * (features.c; the unit tests check the wording). Returns @why.
 */
const char *pk__feature_load_reason(enum pk_feature feat, int err, char *why, size_t why_size);

/* BTF (btf.c, btf_reader.c, core_btf.c) ------------------------------------- */

#define VMLINUX_BTF_PATH "/sys/kernel/btf/vmlinux"
/* The id of a kernel BTF type by name and kind, or a negative errno; with a
 * NULL name, the number of types (btf_reader.c). */
int pk__btf_find(const char *name, int kind);
/* The size of the kernel's own BTF file if its header and sections are
 * sound, or a negative errno (btf_reader.c). */
long pk__btf_header_check(void);
/* Why fentry, tp_btf and CO-RE cannot work without kernel BTF. */
#define PK__NO_KERNEL_BTF "the kernel has no BTF (CONFIG_DEBUG_INFO_BTF is not set)"
/* Bumped each time the BTF source changes, so that probes are redone. */
unsigned int pk__btf_generation(void);
/*
 * The kernel functions a kprobe can take, as pk_targets_tracepoints() gives
 * events: tracefs's available_filter_functions, else kallsyms' functions.
 */
int pk__targets_kprobe_functions(int (*fn)(const char *name, void *arg), void *arg);

/*
 * @fn on each decl tag of the global variable @var (a map's: PK_HIST,
 * PK_GAUGE...) in @btf, until it returns non-zero, which is returned.
 */
int pk__var_tags(const struct btf *btf, const char *var, int (*fn)(const char *tag, void *ctx),
		 void *ctx);
/*
 * @fn on each decl tag of type @id's member @idx (-1: of the type itself:
 * a typedef's) in @btf, until it returns non-zero, which is returned
 * (stack ids, column formats).
 */
int pk__type_tags(const struct btf *btf, __u32 id, int idx, int (*fn)(const char *tag, void *ctx),
		  void *ctx);
/*
 * Whether an already mounted tracefs has an event named @event in any
 * category (tracefs.c): then the raw tracepoint of that name exists, found
 * without reading the kernel's BTF. Never mounts tracefs.
 */
bool pk__trace_event_named(const char *event);
/* Whether the BPF object in @image carries CO-RE relocations (.BTF.ext). */
bool pk__elf_needs_core(const void *image, size_t size);
/*
 * The SHA-256 of the kernel BTF file @btf_path (btf_digest.c); that of the
 * running kernel's kept in @c (if not NULL) for the rest of this boot.
 */
int pk__kernel_btf_digest(const struct pk__cache *c, const char *btf_path, struct pk__digest *d);
/*
 * Kernel BTF @src cut down to what the CO-RE relocations of the object in
 * @obj use (core_btf.c): its path in the cache into @path, made now in a
 * bpftool child (*@made) or found there. -errno and @why when it cannot be.
 */
int pk__core_btf(const char *src, const void *obj, size_t obj_size, char *path, size_t size,
		 bool *made, FILE *log, char *why, size_t why_size);
/*
 * The same in steps, the bpftool child off the start's path (attach.c):
 * find says 0 when the cache has it (its path in job->path), 1 when it is
 * to be made; start forks bpftool on @obj; finish waits up to @wait_ms
 * (< 0: no limit; then the child is killed) and puts the BTF in the cache.
 */
struct pk__core_btf_job {
	struct pk__cache cache;
	struct pk__digest key, kernel;
	char path[PATH_MAX];
	char tmp_obj[PATH_MAX + 64], tmp_btf[PATH_MAX + 64];
	/* bpftool, while it runs; 0 otherwise */
	pid_t pid;
};
int pk__core_btf_find(struct pk__core_btf_job *job, const char *src, const void *obj,
		      size_t obj_size, FILE *log, char *why, size_t why_size);
int pk__core_btf_start(struct pk__core_btf_job *job, const char *src, const void *obj,
		       size_t obj_size, char *why, size_t why_size);
int pk__core_btf_finish(struct pk__core_btf_job *job, int wait_ms, char *why, size_t why_size);

/* uprobe_multi links (uprobe_multi.c) --------------------------------------- */

/* enum bpf_attach_type's BPF_TRACE_UPROBE_MULTI (Linux 6.6), which the
 * 6.1 headers lack; a uprobe program loaded with it attaches only that way */
#define PK__BPF_TRACE_UPROBE_MULTI 48
/* its flag for uretprobes */
#define PK__BPF_F_UPROBE_MULTI_RETURN 1

/*
 * One link hooking @cnt file @offsets of @path for @prog_fd, each with its
 * cookie (bpf_get_attach_cookie()), only in process @pid when not 0.
 * Returns the link's fd, or a negative errno.
 */
int pk__uprobe_multi_link(int prog_fd, const char *path, const unsigned long *offsets,
			  const __u64 *cookies, unsigned int cnt, int pid, unsigned int flags);

/* The .note.stapsdt probes of an open ELF (targets.c), for the fuzzer too. */
typedef struct Elf Elf;
int pk__usdt_notes(Elf *elf, pk_usdt_fn fn, void *arg);

#endif
