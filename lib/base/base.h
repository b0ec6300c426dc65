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
#include <string.h>
#include <sys/types.h>
#include <time.h>

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

/* Integers in BPF data ---------------------------------------------------- */

/*
 * The unsigned integer of @size bytes at @p, as BPF stored it: in the host's
 * order for the C sizes; other sizes (bitfield spans) little-endian, as on the
 * hosts probekit runs on. Past 8 bytes the low 64 bits.
 */
static inline __u64 pk__load_uint(const void *p, size_t size)
{
	const unsigned char *d = p;
	__u64 v = 0;
	__u32 u32;
	__u16 u16;

	switch (size) {
	case 1: return d[0];
	case 2: memcpy(&u16, p, 2); return u16;
	case 4: memcpy(&u32, p, 4); return u32;
	case 8: memcpy(&v, p, 8); return v;
	}
	while (size--)
		v = v << 8 | d[size];
	return v;
}

/* @v's low @bits as a signed number (0 or 64 and more: all of @v). */
static inline __s64 pk__sign_extend(__u64 v, unsigned int bits)
{
	return !bits || bits >= 64 ? (__s64)v : (__s64)(v << (64 - bits)) >> (64 - bits);
}

static inline __s64 pk__load_int(const void *p, size_t size)
{
	return pk__sign_extend(pk__load_uint(p, size), size * 8);
}

/* The effective capability set, from /proc/self/status (privileges.c); -errno. */
int pk__cap_effective(unsigned long long *caps);
/* Sorting ------------------------------------------------------------------- */

/*
 * A heap sort of @n elements of @size bytes at @base, in place: glibc's
 * qsort() sorts a copy (a merge sort), which for the big tables (kallsyms'
 * lines, libc's symbols) costs as much memory again. @cmp(a, b, arg) as
 * qsort_r()'s. Inline, so that each caller's @cmp and @size are inlined
 * into its copy.
 */
static inline void pk__swap(char *a, char *b, size_t size)
{
	char t;

	while (size--) {
		t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

static inline void pk__sift_down(char *v, size_t size, size_t i, size_t n,
				 int (*cmp)(const void *a, const void *b, void *arg), void *arg)
{
	size_t c;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && cmp(v + c * size, v + (c + 1) * size, arg) < 0)
			c++;
		if (cmp(v + i * size, v + c * size, arg) >= 0)
			return;
		pk__swap(v + i * size, v + c * size, size);
		i = c;
	}
}

static inline void pk__heapsort(void *base, size_t n, size_t size,
				int (*cmp)(const void *a, const void *b, void *arg), void *arg)
{
	char *v = base;
	size_t i;

	for (i = n / 2; i-- > 0;)
		pk__sift_down(v, size, i, n, cmp, arg);
	for (i = n; i-- > 1;) {
		pk__swap(v, v + i * size, size);
		pk__sift_down(v, size, 0, i, cmp, arg);
	}
}

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

/* The cache (cache.c) -------------------------------------------------------- */

#include <stdio.h>
#include <limits.h>
#include <sha2.h>

/* SHA-256 (digest.c): cache keys, contexts and payload digests */
struct pk__digest {
	unsigned char b[32];
};
#define PK__DIGEST_HEX 65
struct pk__hasher {
	SHA2_CTX ctx;
};
void pk__hash_init(struct pk__hasher *h);
void pk__hash(struct pk__hasher *h, const void *data, size_t len);
/* a string with its NUL */
void pk__hash_str(struct pk__hasher *h, const char *s);
/* what @fd reads to its end (its length into @total, unless NULL); -errno */
int pk__hash_fd(struct pk__hasher *h, int fd, uint64_t *total);
/* a file's contents and length; -errno when it cannot be read */
int pk__hash_file(struct pk__hasher *h, const char *path);
void pk__hash_final(struct pk__hasher *h, struct pk__digest *d);
void pk__digest_hex(const struct pk__digest *d, char hex[PK__DIGEST_HEX]);

/*
 * An entry's header, in NAME.sum beside it: "PKCACHE1", the payload's
 * length (64-bit little-endian), the key (SHA-256 of every input), the
 * context (SHA-256 of the kernel and compiler it was made for: entries of
 * another context are pruned) and the payload's SHA-256.
 */
#define PK__CACHE_HEADER_SIZE 112
struct pk__cache_header {
	uint64_t size;
	struct pk__digest key, context, digest;
};
/* The header's file name: the entry's with this after it */
#define PK__CACHE_SUM ".sum"
/* beside a large entry: that its payload, as it is now, was checked (cache.c) */
#define PK__CACHE_OK ".ok"
/* 0, or -EINVAL for anything but a whole, well-formed header. */
int pk__cache_header_parse(const void *buf, size_t len, struct pk__cache_header *h);
void pk__cache_header_format(const struct pk__cache_header *h,
			     unsigned char out[PK__CACHE_HEADER_SIZE]);
/* The header of the entry @path, opened as every cache file; -errno and @why. */
int pk__cache_header_read(const char *path, struct pk__cache_header *h, char *why, size_t why_size);

struct pk__cache {
	/* canonical, checked */
	char dir[PATH_MAX / 2];
	/* a directory for this process alone, removed at its exit */
	bool temporary;
	/* the process can load BPF: directories are checked */
	bool strict;
	/* where "ignoring ENTRY: reason" lines go (-v), or NULL */
	FILE *log;
};
/* pk__cache_open(): with no trusted directory, one for this process alone */
#define PK__CACHE_TEMPORARY 1u
/*
 * Chooses the cache directory: @dir, else $XDG_CACHE_HOME/probekit, else
 * $HOME/.cache/probekit, created (0700) if missing. A process that can load
 * BPF takes it only when it and every directory above it are the euid's or
 * root's and writable by nobody else; otherwise root takes
 * /var/cache/probekit ($PROBEKIT_PRIVATE_CACHE, checked the same, in tests);
 * then a temporary one with PK__CACHE_TEMPORARY; else -errno and @why. Which
 * one and why is said once per process on @log.
 */
int pk__cache_open(struct pk__cache *c, const char *dir, unsigned int flags, FILE *log, char *why,
		   size_t why_size);
/* @c's subdirectory @sub ("obj", "a/b"), created (0700) and checked, into @path. */
int pk__cache_subdir(const struct pk__cache *c, const char *sub, char *path, size_t size, char *why,
		     size_t why_size);
/*
 * Whether the entry @path (a file in the cache) is sound and made from the
 * inputs @key: opened without following a symlink, a regular file of the
 * euid or root that nobody else can write, of the length and SHA-256 its
 * header says. 0, its contents into *@data (malloc'd, NUL-terminated) and
 * *@size when @data is not NULL; -ENOENT when missing; another -errno when
 * ignored, with the reason on c->log. Callers make it again on any error.
 */
int pk__cache_read(const struct pk__cache *c, const char *path, const struct pk__digest *key,
		   void **data, size_t *size);
/* A temporary name beside @path, for a program (clang, bpftool) to write. */
int pk__cache_tmp(const char *path, char *tmp, size_t size);
/* Makes @tmp (written by anyone for us) the entry @path: mode 0600, header, rename. */
int pk__cache_commit(const struct pk__cache *c, const char *tmp, const char *path,
		     const struct pk__digest *key, const struct pk__digest *context, char *why,
		     size_t why_size);
/* Writes @data into a new file @path (O_EXCL, mode 0600); -errno. */
int pk__write_new_file(const char *path, const void *data, size_t size);
/* Writes @data as the entry @path. */
int pk__cache_write(const struct pk__cache *c, const char *path, const struct pk__digest *key,
		    const struct pk__digest *context, const void *data, size_t size, char *why,
		    size_t why_size);
/*
 * Removes, under @c: entries of @sub whose context is not @context, broken
 * and half-written ones, then the least recently used ones while the cache
 * is over its bound (256 MB; $PROBEKIT_CACHE_MAX_MB). Nothing used in the
 * last 10 minutes goes. Called after each new entry is stored.
 */
void pk__cache_prune(const struct pk__cache *c, const char *sub, const struct pk__digest *context);

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

/*
 * A helper that needs no words with us (spawn.c): @argv run in a child at
 * @niceness, its stdio on /dev/null, the signals unblocked. Its pid, or -1
 * with errno. pk__reap_within() waits up to @wait_ms (< 0: no limit) for
 * its wait status; past that the child is killed and reaped: -ETIMEDOUT.
 */
pid_t pk__spawn_quiet(const char *const *argv, int niceness);
int pk__reap_within(pid_t pid, int wait_ms);
/* @clock's time in ns (clock.c): CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID... */
long long pk__clock_ns(clockid_t clock);
/* @name as execvp would find it, into @path: 0 or -ENOENT. */
int pk__find_program(const char *name, char *path, size_t size);
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
 * Runs the program @argv (found on PATH when argv[0] has no '/') with stdin
 * and stdout on /dev/null and its stderr kept in @err (NUL-terminated, its
 * first @size - 1 bytes; *@len their length when @len). When a signal
 * interrupts the wait and @cancel(@ctx) says so, the child is killed and
 * -EINTR returned. Else its exit status, 128 + the signal that ended it, or
 * -errno when it could not be started.
 */
int pk__run_captured(const char *const *argv, char *err, size_t size, size_t *len,
		     bool (*cancel)(void *ctx), void *ctx);

/* Libraries opened at run time ---------------------------------------------- */

/* dlopen(@soname) (dl.c): NULL when it cannot be opened */
void *pk__dlopen(const char *soname);

#endif
