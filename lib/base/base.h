/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The base layer's internals (lib/base/): options structs, reasons, errno
 * names, the cache and its hashes, child processes. Not part of the public
 * API; it includes no other layer's header (lib/README.md).
 */
#ifndef PROBEKIT_BASE_H
#define PROBEKIT_BASE_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <bpf/btf.h>
#include <linux/types.h>

/* Options structs ----------------------------------------------------------- */

/*
 * The one rule for a caller's options struct, as libbpf's OPTS_VALID and
 * OPTS_GET: NULL is fine; a sz smaller than the size_t it starts with is
 * not; a struct from a newer header is fine as long as every byte past the
 * fields this library knows (up to type##__last_field) is zero, since a
 * non-zero one asks for something this version cannot do.
 */
#define PK_OPTS_END(type)                                                                          \
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

#define PK_OPTS_VALID(opts, type)                                                                  \
	pk__opts_valid((opts), PK_OPTS_END(type), (opts) ? ((const struct type *)(opts))->sz : 0)

/* Whether the caller's struct is long enough to hold @field. */
#define PK_OPTS_HAS(opts, field)                                                                   \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))

/* @field from @opts, or @fallback when NULL opts or an older, shorter struct lacks it. */
#define PK_OPTS_GET(opts, field, fallback) (PK_OPTS_HAS(opts, field) ? (opts)->field : (fallback))

/* Reasons and errno names (why.c, errno_name.c) ----------------------------- */

/*
 * Writes a reason into a caller's @why of @size bytes (the reason
 * convention: NULL or 0 means the caller does not want one).
 */
void pk__why(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The kernel's own "not supported" errno, which userspace headers lack. */
#define ENOTSUPP_ERRNO 524

/* "EPERM" for EPERM; a number for anything unknown. */
const char *pk__errno_name(int err);
/* "ENOENT" for ENOENT or -ENOENT; NULL for a number with no name. */
const char *pk__errno_known_name(int err);

/* BTF (libbpf's) ------------------------------------------------------------ */

/* The type @id names past typedefs and modifiers, with @id set to it; NULL for a loop. */
static inline const struct btf_type *pk__btf_resolve(const struct btf *btf, __u32 *id)
{
	int rid = btf__resolve_type(btf, *id);

	if (rid < 0)
		return NULL;
	*id = rid;
	return btf__type_by_id(btf, rid);
}

/* The cache (cache.c) ------------------------------------------------------- */

/*
 * The cache directory: @dir, else $XDG_CACHE_HOME/probekit, else
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

/* Child processes: -c COMMAND, and helpers such as bpftool (spawn.c) ------- */

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
void pk__child_release(struct pk__child *c);
/*
 * For a child that reports its failure on @fd (a pipe's read end, closed
 * here): reads what it wrote into @msg (up to @size - 1 bytes, cut at the
 * first newline, NUL-terminated), then reaps it. 0 with its wait status in
 * @status, or a negative errno.
 */
int pk__child_reason(pid_t pid, int fd, char *msg, size_t size, int *status);

/* Libraries opened at run time ---------------------------------------------- */

/* dlopen(@soname) (dl.c): NULL when it cannot be opened */
void *pk__dlopen(const char *soname);

#endif
