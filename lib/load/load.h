/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The load layer's internals (lib/load/): attach targets, uprobe_multi
 * attachment, the verifier's reasons, parameters and .rodata. Not part of
 * the public API (lib/README.md).
 */
#ifndef PROBEKIT_LOAD_H
#define PROBEKIT_LOAD_H

#include "../kernel/kernel.h"

#include <probekit/attach.h>

struct bpf_program;
struct bpf_link;
struct bpf_object;
struct bpf_map;
struct pk_usyms;

/* Attach targets (attach_target.c) ------------------------------------------ */

/* What @prog hooks, from its type and section ("uprobe" and "kprobe" share a type). */
enum pk_mech pk__prog_kind(const struct bpf_program *prog);
/*
 * Checks, before load, that @target exists for @prog's kind, and puts in
 * @resolved the name to attach to (a kprobe's compiler clone, say). fentry
 * and tp_btf programs get it as their attach target here.
 */
int pk__target_resolve(struct bpf_program *prog, const char *target, pid_t pid, char *resolved,
		       size_t size, char *why, size_t why_size);
/* After load: attaches @prog to @resolved. NULL with errno and @why on failure. */
struct bpf_link *pk__target_attach(struct bpf_program *prog, const char *resolved, pid_t pid,
				   __u64 cookie, char *why, size_t why_size);
/* Whether @prog is a uretprobe or kretprobe. */
bool pk__is_retprobe(const struct bpf_program *prog);
/* Whether two uprobe targets ("LIB:SYMBOL") name the same LIB. */
bool pk__same_uprobe_lib(const char *a, const char *b);
/*
 * After load: attaches uprobe_multi program @prog to @targets[0..n), all
 * "LIB:SYMBOL" of one LIB, as one link for process @pid (0: all). Returns
 * the link's fd, or a negative errno with @why.
 */
int pk__uprobe_multi_targets(struct bpf_program *prog, const char *const *targets,
			     const __u64 *cookies, int n, pid_t pid, char *why, size_t why_size);

/*
 * Keeps uprobe_multi link @fd of program @prog on @where (one function) in
 * @att, which closes it when it detaches, and says so under -v (attach.c);
 * on failure @fd is closed.
 */
int pk__attach_add_multi_link(struct pk_attach *att, int fd, const char *prog, const char *where);

/* uprobe_multi attachment (uprobe.c) ---------------------------------------- */

/*
 * Attaches @prog to @syms[0..n) of library @lib (as pk_uprobe_find_binary()
 * takes it) as one uprobe_multi link, @cookies[i] for @syms[i], on return
 * with @retprobe, the symbols read through @shared (NULL: its own, once).
 * Returns the link's fd, or a negative errno with @why.
 */
int pk__uprobe_multi_attach(const struct bpf_program *prog, const char *lib, pid_t pid,
			    bool retprobe, const char *const *syms, const __u64 *cookies,
			    unsigned int n, struct pk_usyms *shared, char *why, size_t why_size);

/* The verifier (verifier.c) ------------------------------------------------- */

/* A program's verifier log buffer: the first try's, and the most a retry gets. */
#define PK__LOG_SIZE	 (256u << 10)
#define PK__LOG_SIZE_MAX (16u << 20)

struct pk__load_log {
	/* in: each program's log buffer, 0 for PK__LOG_SIZE */
	size_t size;
	/* out: the rejected program's verifier log (malloc'd) or NULL */
	char *log;
	/* out: the log filled its buffer before the verdict (kernels before 6.4) */
	bool cut;
};

/*
 * Loads @obj, once (through @load(@skel), or bpf_object__load() when @load
 * is NULL), with a log buffer per program, and on failure says why in @why:
 * the verifier's error and source line, its instruction limit, or errno.
 */
int pk__load_explained(struct bpf_object *obj, int (*load)(void *), void *skel,
		       struct pk__load_log *ll, char *why, size_t size);

/* Parameters and .rodata (params.c) ----------------------------------------- */

/* Whether program @name is in @list, space-separated globs (paramopts.c). */
bool pk__prog_listed(const char *list, const char *name);

/*
 * Parameters apart from any object so they can be fuzzed: a value of BTF
 * type @type_id, @size bytes, parsed from @text into @dst (0, -EINVAL or
 * -ERANGE with the reason in @why) or shown as text.
 */
int pk__param_parse(const struct btf *btf, __u32 type_id, const char *text, void *dst, size_t size,
		    char *why, size_t why_size);
void pk__param_format(const struct btf *btf, __u32 type_id, const void *src, size_t size, char *buf,
		      size_t buf_size);
void pk__param_type_name(const struct btf *btf, __u32 type_id, char *buf, size_t size);

/* One variable of a .rodata section: its BTF and its bytes in the section's image. */
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
/* pk_params__set() that also reaches probekit's own globals (pk_filter_tgid...) */
int pk__param_set_own(struct bpf_object *obj, const char *assignment, char *why, size_t why_size);
/* The bytes of .rodata variable @name in @obj's image, its size in *@size; NULL if none. */
void *pk__rodata_find(struct bpf_object *obj, const char *name, size_t *size);

/* Compiling (compile.c, compile_diag.c) ---------------------------------- */

/*
 * clang's output @diag for a BPF C file: when it holds an implicit
 * declaration (a misspelt helper), 0 and "X is not a helper or kfunc
 * (file.bpf.c:12); did you mean Y?" in @why; else -ENOENT.
 */
int pk__compile_diagnose(const char *diag, char *why, size_t why_size);

#endif
