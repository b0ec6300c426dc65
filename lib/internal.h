/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared between the library's files; not part of the public API. */
#ifndef PROBEKIT_INTERNAL_H
#define PROBEKIT_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <probekit/features.h>

struct btf;

/* Options structs ----------------------------------------------------------- */

/*
 * The one rule for a caller's options struct, as libbpf's OPTS_VALID and
 * OPTS_GET: NULL is fine; a sz smaller than the size_t it starts with is
 * not; a struct from a newer header is fine as long as every byte past the
 * fields this library knows (up to type##__last_field) is zero, since a
 * non-zero one asks for something this version cannot do.
 */
#define PK_OPTS_END(type) \
	(offsetof(struct type, type##__last_field) + sizeof(((struct type *)0)->type##__last_field))

static inline bool pk__opts_valid(const void *opts, size_t known, size_t sz)
{
	const unsigned char *p = opts;
	size_t i;

	if (!opts)
		return true;
	if (sz < sizeof(size_t))
		return false;
	for (i = known; i < sz; i++) {
		if (p[i])
			return false;
	}
	return true;
}

#define PK_OPTS_VALID(opts, type) \
	pk__opts_valid((opts), PK_OPTS_END(type), (opts) ? ((const struct type *)(opts))->sz : 0)

/* Whether the caller's struct is long enough to hold @field. */
#define PK_OPTS_HAS(opts, field)                 \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))

/* @field from @opts, or @fallback when NULL opts or an older, shorter struct lacks it. */
#define PK_OPTS_GET(opts, field, fallback) (PK_OPTS_HAS(opts, field) ? (opts)->field : (fallback))

/*
 * Writes a reason into a caller's @why of @size bytes (the reason
 * convention: NULL or 0 means the caller does not want one).
 */
void pk__why(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The kernel's own "not supported" errno, which userspace headers lack. */
#define ENOTSUPP_ERRNO 524

/*
 * Why a minimal program of @feat failed to load with @err, into @why
 * (features.c; the unit tests check the wording). Returns @why.
 */
const char *pk_feature_load_reason(enum pk_feature feat, int err, char *why, size_t why_size);

#define VMLINUX_BTF_PATH "/sys/kernel/btf/vmlinux"
/* The id of a kernel BTF type by name and kind, or a negative errno; with a
 * NULL name, the number of types (btf_reader.c). */
int pk__btf_find(const char *name, int kind);

#include <bpf/btf.h>
/* The type @id names past typedefs and modifiers, with @id set to it; NULL for a loop. */
static inline const struct btf_type *pk__btf_resolve(const struct btf *btf, __u32 *id)
{
	int rid = btf__resolve_type(btf, *id);

	if (rid < 0)
		return NULL;
	*id = rid;
	return btf__type_by_id(btf, rid);
}
/* Why fentry, tp_btf and CO-RE cannot work without kernel BTF. */
#define PK__NO_KERNEL_BTF "the kernel has no BTF (CONFIG_DEBUG_INFO_BTF is not set)"
/* Bumped each time the BTF source changes, so that probes are redone. */
unsigned int pk__btf_generation(void);
/* Whether the BPF object in @image carries CO-RE relocations (.BTF.ext). */
bool pk__elf_needs_core(const void *image, size_t size);
/*
 * The cache directory (cache.c): @dir, else $XDG_CACHE_HOME/probekit, else
 * ~/.cache/probekit, created if missing, into @buf. 0 or -errno.
 */
int pk__cache_dir(const char *dir, char *buf, size_t size);
int pk__mkdirs(const char *path);
/* Cache keys: a 64-bit hash of bytes, of a string with its NUL, of a file's contents. */
#define PK__HASH_SEED 0xcbf29ce484222325ULL
uint64_t pk__hash(uint64_t h, const void *data, size_t len);
uint64_t pk__hash_str(uint64_t h, const char *s);
/* Adds the file's contents to @h; -errno when it cannot be read. */
int pk__hash_file(const char *path, uint64_t *h);
/*
 * Kernel BTF @src cut down to what the CO-RE relocations of the object in
 * @obj use (core_btf.c): its path in the cache into @path, made now in a
 * bpftool child (*@made) or found there. -errno and @why when it cannot be.
 */
int pk__core_btf(const char *src, const void *obj, size_t obj_size, char *path, size_t size,
		 bool *made, char *why, size_t why_size);
struct pk_ksyms;
/*
 * @fn on the name of every code symbol (t, T, w, W) that is not a BPF
 * program's, in address order, until it returns non-zero (ksyms.c): a walk
 * over the compact table that makes no struct pk_ksym.
 */
int pk__ksyms_functions(const struct pk_ksyms *ks, int (*fn)(const char *name, void *arg),
			void *arg);
struct pk_kframe;
/*
 * The kernel's "%pS" answer @s ("name+0xoff/0xsize [module]", cut anywhere,
 * or "0x<addr>" for no symbol) into @f, split in place (ksyms_kernel.c).
 */
void pk__kframe_parse(char *s, struct pk_kframe *f);
/* "EPERM" for EPERM; a number for anything unknown. */
const char *pk__errno_name(int err);
/* "ENOENT" for ENOENT or -ENOENT; NULL for a number with no name. */
const char *pk__errno_known_name(int err);

/* Attach targets (attach_target.c) ------------------------------------------ */

#include <sys/types.h>
#include <linux/types.h>
#include <probekit/attach.h>

struct bpf_program;
struct bpf_link;

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

/* uprobe_multi links (uprobe_multi.c, uprobe.c) ---------------------------- */

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
/*
 * Attaches @prog to @syms[0..n) of library @lib (as pk_uprobe_find_binary()
 * takes it) as one uprobe_multi link, @cookies[i] for @syms[i], on return
 * with @retprobe. Returns the link's fd, or a negative errno with @why.
 */
int pk__uprobe_multi_attach(const struct bpf_program *prog, const char *lib, pid_t pid,
			    bool retprobe, const char *const *syms, const __u64 *cookies,
			    unsigned int n, char *why, size_t why_size);

/* Options declared in a BPF object, on the command line (declared.c) -------- */

#define PK__MAX_DECLARED 32

struct pk_param_option;
struct pk__declared {
	/* opened, never loaded: the declarations, and the values' checks */
	struct bpf_object *obj;
	char source[128];
	struct pk_param_option *opts;
	int nr;
	/* NAME=VALUE of each option given */
	char *sets[PK__MAX_DECLARED];
	/* the filters' values */
	pid_t pid, tid;
	__u32 uid;
	bool uid_given;
	char comm[16];
	__u64 cgroup;
	__u32 cgroup_level;
};

/* Opens the object at @path, or in @data when not NULL, and reads its
 * declarations; @name (NULL: @path) names it in messages. */
int pk__declared_open(struct pk__declared *d, const char *path, const char *name,
		      const void *data, size_t size, char *why, size_t why_size);
/* Option @i's value from the command line: -EINVAL with @why when it is bad. */
int pk__declared_parse(struct pk__declared *d, int i, const char *arg, char *why, size_t why_size);
/* Sets the values in @obj before load; @pid fills the pid filter unless -p did. */
int pk__declared_apply(const struct pk__declared *d, struct bpf_object *obj, pid_t pid, char *why,
		       size_t why_size);
bool pk__declared_has_filter(const struct pk__declared *d, const char *kind);
void pk__declared_free(struct pk__declared *d);

/* -c COMMAND (spawn.c) ----------------------------------------------------- */

struct pk__child {
	pid_t pid;
	/* a byte here lets the child exec */
	int go_fd;
	/* SIGCHLD, readable when the child stops or exits */
	int sigfd;
	bool traced, reaped;
	int status;
};

/* Whether @command splits into words and its program can be run. */
int pk__command_check(const char *command, char *why, size_t why_size);
/* Forks the child, waiting; with @trace_exit it stops at its exit for
 * pk__child_poll()'s hook. A non-fatal problem leaves 0 and a @why. */
int pk__child_start(struct pk__child *c, const char *command, bool trace_exit, char *why,
		    size_t why_size);
/* Lets the child run its command. */
int pk__child_go(struct pk__child *c);
/* After SIGCHLD: handles ptrace stops (@at_exit at the exit stop) and
 * returns whether the child is gone, its status in c->status. */
bool pk__child_poll(struct pk__child *c, void (*at_exit)(void *ctx, pid_t pid), void *ctx);
/* Ends a command still running: SIGTERM, then SIGKILL after @grace_ms. */
void pk__child_end(struct pk__child *c, int grace_ms, void (*at_exit)(void *ctx, pid_t pid),
		   void *ctx);
void pk__child_release(struct pk__child *c);
/*
 * For a child that reports its failure on @fd (a pipe's read end, closed
 * here): reads what it wrote into @msg (up to @size - 1 bytes, cut at the
 * first newline, NUL-terminated), then reaps it. 0 with its wait status in
 * @status, or a negative errno.
 */
int pk__child_reason(pid_t pid, int fd, char *msg, size_t size, int *status);

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
/* pk_params__set() that also reaches probekit's own globals (pk_filter_tgid...) */
int pk__param_set_own(struct bpf_object *obj, const char *assignment, char *why, size_t why_size);
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
