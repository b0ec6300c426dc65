// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where probekit keeps what it can make again: `probekit run`'s objects and
 * vmlinux.h (compile.c), the kernel BTF cut down for CO-RE (core_btf.c).
 * Every user of the cache goes through here, because what the cache holds
 * is loaded into the kernel or compiled into what is:
 *
 * - The directory. A process that can load BPF uses one only when it and
 *   every directory above it are owned by the effective uid or root and
 *   writable by no one else (ssh's StrictModes), a sticky directory owned
 *   by root or the euid (/tmp) being accepted above it: there nobody else
 *   can rename or remove what the euid made. Otherwise root falls back to
 *   /var/cache/probekit (0700), anyone else to no cache.
 * - The files. Opened with O_NOFOLLOW and checked on the open descriptor
 *   (a regular file of the euid or root, writable by no one else); made
 *   0600 under a temporary name and renamed into place.
 * - The entries. Each file has a header beside it (NAME.sum): the SHA-256
 *   of every input (the key, also the file's name), the SHA-256 of what it
 *   was made by (kernel, compiler: the context, for pruning), and the
 *   payload's length and SHA-256. An entry is used only when all agree.
 *   A separate header, not one inside the file, because clang, bpftool and
 *   libbpf read the payloads by path as they are.
 *
 * SHA-256 is digest.c's, pruning cache_prune.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"

#define CAP_SYS_ADMIN_BIT 21
#define CAP_BPF_BIT	  39
#define ROOT_CACHE	  "/var/cache/probekit"
#define HEADER_MAGIC	  "PKCACHE1"

/* Entry headers --------------------------------------------------------------- */

void pk__cache_header_format(const struct pk__cache_header *h,
			     unsigned char out[PK__CACHE_HEADER_SIZE])
{
	unsigned char *p = out;

	memcpy(p, HEADER_MAGIC, 8);
	for (int i = 0; i < 8; i++)
		p[8 + i] = h->size >> (8 * i);
	p += 16;
	memcpy(p, h->key.b, 32);
	memcpy(p + 32, h->context.b, 32);
	memcpy(p + 64, h->digest.b, 32);
}

int pk__cache_header_parse(const void *buf, size_t len, struct pk__cache_header *h)
{
	const unsigned char *p = buf;

	if (len != PK__CACHE_HEADER_SIZE || memcmp(p, HEADER_MAGIC, 8))
		return -EINVAL;
	h->size = 0;
	for (int i = 7; i >= 0; i--)
		h->size = h->size << 8 | p[8 + i];
	/* no payload is near 2^62 bytes: a header that says so is damaged */
	if (h->size >> 62)
		return -EINVAL;
	p += 16;
	memcpy(h->key.b, p, 32);
	memcpy(h->context.b, p + 32, 32);
	memcpy(h->digest.b, p + 64, 32);
	return 0;
}

/* The directory --------------------------------------------------------------- */

/* Whether BPF could be loaded at all: euid 0, CAP_BPF or CAP_SYS_ADMIN (CAP_PERFMON aside). */
static bool can_load_bpf(void)
{
	unsigned long long caps = 0;

	if (geteuid() == 0 || pk__cap_effective(&caps))
		return true; /* root, or unknown: be strict */
	return (caps >> CAP_SYS_ADMIN_BIT & 1) || (caps >> CAP_BPF_BIT & 1);
}

/*
 * Whether @st, the directory @path, could have been changed by someone other
 * than the euid or root. @parent: something below it is checked too, so a
 * sticky directory (/tmp) will do, as nobody else can replace that.
 */
static int check_dir(const char *path, const struct stat *st, bool parent, char *why,
		     size_t why_size)
{
	uid_t me = geteuid();

	if (!S_ISDIR(st->st_mode)) {
		pk__why(why, why_size, "%s: %s", path, strerror(ENOTDIR));
		return -ENOTDIR;
	}
	if (st->st_uid != me && st->st_uid != 0) {
		pk__why(why, why_size, "%s is owned by uid %u, not by uid %u or root", path,
			(unsigned)st->st_uid, (unsigned)me);
		return -EPERM;
	}
	if ((st->st_mode & 022) && !(parent && (st->st_mode & S_ISVTX))) {
		pk__why(why, why_size, "%s is %s-writable (mode %04o)", path,
			st->st_mode & 002 ? "world" : "group", (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* Checks @path (absolute, no symlinks: realpath's) and every directory above it. */
static int check_chain(const char *path, bool parent, char *why, size_t why_size)
{
	char buf[PATH_MAX];
	size_t len = strlen(path), i;
	struct stat st;
	int err;

	if (path[0] != '/' || len >= sizeof(buf))
		return -EINVAL;
	/* "/", then each prefix that ends before a slash, then @path itself */
	for (i = 1; i <= len; i++) {
		if (i > 1 && i < len && path[i] != '/')
			continue;
		snprintf(buf, sizeof(buf), "%.*s", (int)i, path);
		if (lstat(buf, &st)) {
			err = -errno;
			pk__why(why, why_size, "%s: %s", buf, strerror(errno));
			return err;
		}
		err = check_dir(buf, &st, i < len || parent, why, why_size);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The deepest directory of @path (absolute) that exists, canonical, into
 * @real; what is below it into *@rest (a pointer into @path).
 */
static int deepest_existing(const char *path, char *real, const char **rest, char *why,
			    size_t why_size)
{
	char head[PATH_MAX], *slash;
	int err;

	if (snprintf(head, sizeof(head), "%s", path) >= (int)sizeof(head))
		return -ENAMETOOLONG;
	while (!realpath(head, real)) {
		/* ENOTDIR: a file on the way, which the checks name */
		if ((errno != ENOENT && errno != ENOTDIR) || !(slash = strrchr(head, '/')) ||
		    slash == head) {
			err = -errno;
			pk__why(why, why_size, "%s: %s", head, strerror(errno));
			return err;
		}
		*slash = '\0';
	}
	*rest = path + strlen(head);
	return 0;
}

/* Makes the directory @real (0700) if missing; checks it when @strict. */
static int make_one(const char *real, bool strict, bool parent, char *why, size_t why_size)
{
	struct stat st;
	int err;

	if (mkdir(real, 0700) && errno != EEXIST) {
		err = -errno;
		pk__why(why, why_size, "cannot create %s: %s", real, strerror(errno));
		return err;
	}
	if (lstat(real, &st)) {
		err = -errno;
		pk__why(why, why_size, "%s: %s", real, strerror(errno));
		return err;
	}
	if (strict)
		return check_dir(real, &st, parent, why, why_size);
	if (!S_ISDIR(st.st_mode)) {
		pk__why(why, why_size, "%s: %s", real, strerror(ENOTDIR));
		return -ENOTDIR;
	}
	return 0;
}

/*
 * Creates @path's missing directories (0700) below the deepest one that
 * exists, checking that one and everything above it first when @strict
 * (nothing is made under a directory that fails), and each one made after.
 * The canonical path goes into @out.
 */
static int make_dir(const char *path, bool strict, char *out, size_t size, char *why,
		    size_t why_size)
{
	char abs_path[PATH_MAX], real[PATH_MAX], cwd[PATH_MAX / 2] = "";
	const char *rest = "", *end;
	int err;

	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return -errno;
	if (snprintf(abs_path, sizeof(abs_path), "%s%s%s", cwd, cwd[0] ? "/" : "", path) >=
	    (int)sizeof(abs_path))
		return -ENAMETOOLONG;
	err = deepest_existing(abs_path, real, &rest, why, why_size);
	if (!err)
		err = strict ? check_chain(real, *rest != '\0', why, why_size)
			     : make_one(real, false, false, why, why_size);
	for (; !err && *rest; rest = end) {
		size_t len = strlen(real);

		while (*rest == '/')
			rest++;
		end = strchrnul(rest, '/');
		if (rest == end)
			break;
		if (len + 1 + (end - rest) >= sizeof(real))
			return -ENAMETOOLONG;
		snprintf(real + len, sizeof(real) - len, "%s%.*s", len > 1 ? "/" : "",
			 (int)(end - rest), rest);
		err = make_one(real, strict, *end != '\0', why, why_size);
	}
	if (!err && snprintf(out, size, "%s", real) >= (int)size)
		return -ENAMETOOLONG;
	return err;
}

/* The directory a process that cannot load BPF would have used anyway. */
static int usual_dir(const char *dir, char *buf, size_t size, const char **whence)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (dir) {
		*whence = "given";
		n = snprintf(buf, size, "%s", dir);
	} else if (xdg && xdg[0] == '/') {
		*whence = "$XDG_CACHE_HOME";
		n = snprintf(buf, size, "%s/probekit", xdg);
	} else if (home && home[0] == '/') {
		*whence = "$HOME";
		n = snprintf(buf, size, "%s/.cache/probekit", home);
	} else {
		return -ENOENT;
	}
	return n < (int)size ? 0 : -ENAMETOOLONG;
}

static char temp_dir[PATH_MAX / 4];
static pid_t temp_owner;

static int remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[PATH_MAX];

	if (!d)
		return unlink(path) ? -errno : 0;
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (!lstat(sub, &st) && S_ISDIR(st.st_mode))
			remove_tree(sub);
		else
			unlink(sub);
	}
	closedir(d);
	return rmdir(path) ? -errno : 0;
}

static void remove_temp_dir(void)
{
	/* a forked child that exits through exit() leaves it to its parent */
	if (temp_dir[0] && getpid() == temp_owner)
		remove_tree(temp_dir);
}

/* A directory for this process alone, removed when it exits. */
static int make_temp_dir(char *why, size_t why_size)
{
	char tmpl[] = "/tmp/probekit-cache-XXXXXX";
	int err;

	if (temp_dir[0] && temp_owner == getpid())
		return 0;
	if (!mkdtemp(tmpl)) {
		err = -errno;
		pk__why(why, why_size, "cannot create a private directory in /tmp: %s",
			strerror(errno));
		return err;
	}
	err = check_chain(tmpl, false, why, why_size);
	if (err) {
		rmdir(tmpl);
		return err;
	}
	snprintf(temp_dir, sizeof(temp_dir), "%s", tmpl);
	if (!temp_owner)
		atexit(remove_temp_dir);
	temp_owner = getpid();
	return 0;
}

/* Says which directory and why, once per process, under -v. */
static void say_once(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say_once(FILE *log, const char *fmt, ...)
{
	static bool said;
	va_list ap;

	if (!log || said)
		return;
	said = true;
	va_start(ap, fmt);
	fputs("  cache: ", log);
	vfprintf(log, fmt, ap);
	fputc('\n', log);
	va_end(ap);
}

/* root's own: /var/cache/probekit, or $PROBEKIT_PRIVATE_CACHE (checked the same) */
static int root_dir(struct pk__cache *c, const char **where, char *why, size_t why_size)
{
	const char *env = getenv("PROBEKIT_PRIVATE_CACHE");

	*where = env && env[0] == '/' ? env : ROOT_CACHE;
	return make_dir(*where, true, c->dir, sizeof(c->dir), why, why_size);
}

int pk__cache_open(struct pk__cache *c, const char *dir, unsigned int flags, FILE *log, char *why,
		   size_t why_size)
{
	char usual[PATH_MAX], refused[768] = "", fallback[512] = "";
	bool strict = can_load_bpf();
	const char *whence = "", *where;
	int err;

	memset(c, 0, sizeof(*c));
	c->log = log;
	c->strict = strict;
	err = usual_dir(dir, usual, sizeof(usual), &whence);
	if (!err) {
		err = make_dir(usual, strict, c->dir, sizeof(c->dir), refused, sizeof(refused));
		if (!err) {
			say_once(log, "%s (%s; %s)", c->dir, whence,
				 strict ? "it and the directories above it are writable only by "
					  "this user or root"
					: "not checked: this process cannot load BPF");
			return 0;
		}
	} else {
		snprintf(refused, sizeof(refused), "neither $XDG_CACHE_HOME nor $HOME is set");
		usual[0] = '\0';
	}
	if (strict && geteuid() == 0) {
		err = root_dir(c, &where, fallback, sizeof(fallback));
		if (!err) {
			say_once(log, "%s (root's private cache), not %s: %s", c->dir,
				 usual[0] ? usual : "the usual one", refused);
			return 0;
		}
	}
	if (flags & PK__CACHE_TEMPORARY) {
		err = make_temp_dir(why, why_size);
		if (err)
			return err;
		snprintf(c->dir, sizeof(c->dir), "%s", temp_dir);
		c->temporary = true;
		say_once(log, "none kept: %s for this run only, not %s: %s%s%s", c->dir,
			 usual[0] ? usual : "the usual one", refused, fallback[0] ? "; " : "",
			 fallback);
		return 0;
	}
	pk__why(why, why_size, "no cache directory: %s%s%s", refused, fallback[0] ? "; " : "",
		fallback);
	return err ? err : -EPERM;
}

int pk__cache_subdir(const struct pk__cache *c, const char *sub, char *path, size_t size, char *why,
		     size_t why_size)
{
	char want[PATH_MAX];

	if (snprintf(want, sizeof(want), "%s/%s", c->dir, sub) >= (int)sizeof(want))
		return -ENAMETOOLONG;
	/* checked again from the root: nothing is taken on trust from before */
	return make_dir(want, c->strict, path, size, why, why_size);
}

/* Files ---------------------------------------------------------------------- */

/* Opens @path of the cache for reading: no symlink, a regular file only the euid or root wrote. */
static int open_checked(const char *path, struct stat *st, char *why, size_t why_size)
{
	uid_t me = geteuid();
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		if (errno == ELOOP)
			pk__why(why, why_size, "a symbolic link");
		else
			pk__why(why, why_size, "%s", strerror(errno));
		return err;
	}
	err = fstat(fd, st) ? -errno : 0;
	if (!err && !S_ISREG(st->st_mode)) {
		pk__why(why, why_size, "not a regular file");
		err = -EPERM;
	} else if (!err && st->st_uid != me && st->st_uid != 0) {
		pk__why(why, why_size, "owned by uid %u, not by uid %u or root",
			(unsigned)st->st_uid, (unsigned)me);
		err = -EPERM;
	} else if (!err && (st->st_mode & 022)) {
		pk__why(why, why_size, "%s-writable (mode %04o)",
			st->st_mode & 002 ? "world" : "group", (unsigned)(st->st_mode & 07777));
		err = -EPERM;
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static void ignoring(const struct pk__cache *c, const char *path, const char *why)
{
	if (c->log)
		fprintf(c->log, "  cache: ignoring %s: %s\n", path, why);
}

int pk__cache_header_read(const char *path, struct pk__cache_header *h, char *why, size_t why_size)
{
	unsigned char buf[PK__CACHE_HEADER_SIZE + 1];
	char sum[PATH_MAX + 8];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(sum, sizeof(sum), "%s" PK__CACHE_SUM, path);
	fd = open_checked(sum, &st, why, why_size);
	if (fd < 0) {
		if (fd != -ENOENT) {
			char inner[160];

			snprintf(inner, sizeof(inner), "%s", why);
			pk__why(why, why_size, "its header %s: %s", sum, inner);
		} else {
			pk__why(why, why_size, "no header (%s)", sum);
		}
		return fd == -ENOENT ? -EINVAL : fd;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || pk__cache_header_parse(buf, n, h)) {
		pk__why(why, why_size, "its header %s is damaged", sum);
		return -EINVAL;
	}
	return 0;
}

/*
 * Reads @fd to its end (into a new *@buf when @buf is not NULL) and checks
 * it against @h: its length and SHA-256. 0, or -errno and @why.
 */
static int read_payload(int fd, const struct pk__cache_header *h, unsigned char **buf, char *why,
			size_t why_size)
{
	struct pk__hasher hs;
	struct pk__digest d;
	uint64_t got = 0;
	int err = 0;

	pk__hash_init(&hs);
	if (buf) {
		*buf = malloc(h->size + 1);
		if (!*buf)
			err = -ENOMEM;
		while (!err && got < h->size) {
			ssize_t n = read(fd, *buf + got, h->size - got);

			if (n <= 0)
				err = n < 0 ? -errno : -EIO;
			got += n > 0 ? n : 0;
		}
		if (!err) {
			(*buf)[h->size] = '\0';
			pk__hash(&hs, *buf, h->size);
		}
	} else {
		err = pk__hash_fd(&hs, fd, &got);
		if (!err && got != h->size)
			err = -EIO;
	}
	if (err) {
		pk__why(why, why_size, "cannot read it: %s", strerror(-err));
		return err;
	}
	pk__hash_final(&hs, &d);
	if (memcmp(d.b, h->digest.b, sizeof(d.b))) {
		pk__why(why, why_size, "damaged (its SHA-256 is not its header's)");
		return -EINVAL;
	}
	return 0;
}

/*
 * A large payload (the precompiled header: 15 MB, ~100 ms of SHA-256 on each
 * compile) is checked once: the check is remembered beside it, bound to
 * the file as it is now. Any write or replacement changes its ctime or
 * inode, which nobody can set back, and the memo is ours like the entry.
 */
#define CHECK_ONCE_MIN (1 << 20)

static void check_binding(const char *path, const struct pk__cache_header *h, const struct stat *st,
			  struct pk__digest *b)
{
	struct pk__hasher hs;

	pk__hash_init(&hs);
	pk__hash_str(&hs, "checked");
	pk__hash_str(&hs, path);
	pk__hash(&hs, h->digest.b, sizeof(h->digest.b));
	pk__hash(&hs, &st->st_dev, sizeof(st->st_dev));
	pk__hash(&hs, &st->st_ino, sizeof(st->st_ino));
	pk__hash(&hs, &st->st_size, sizeof(st->st_size));
	pk__hash(&hs, &st->st_mtim, sizeof(st->st_mtim));
	pk__hash(&hs, &st->st_ctim, sizeof(st->st_ctim));
	pk__hash_final(&hs, b);
}

static bool checked_before(const char *path, const struct pk__cache_header *h, const struct stat *st)
{
	char ok[PATH_MAX + 8], why[64];
	struct pk__digest b, memo;
	struct stat ost;
	bool same;
	int fd;

	snprintf(ok, sizeof(ok), "%s" PK__CACHE_OK, path);
	fd = open_checked(ok, &ost, why, sizeof(why));
	if (fd < 0)
		return false;
	same = read(fd, memo.b, sizeof(memo.b)) == (ssize_t)sizeof(memo.b);
	close(fd);
	check_binding(path, h, st, &b);
	return same && !memcmp(b.b, memo.b, sizeof(b.b));
}

static void remember_checked(const char *path, const struct pk__cache_header *h,
			     const struct stat *st)
{
	char ok[PATH_MAX + 8], tmp[PATH_MAX + 96];
	struct pk__digest b;

	snprintf(ok, sizeof(ok), "%s" PK__CACHE_OK, path);
	check_binding(path, h, st, &b);
	if (pk__cache_tmp(ok, tmp, sizeof(tmp)))
		return;
	if (pk__write_new_file(tmp, b.b, sizeof(b.b)) || rename(tmp, ok))
		unlink(tmp);
}

int pk__cache_read(const struct pk__cache *c, const char *path, const struct pk__digest *key,
		   void **data, size_t *size)
{
	char why[256], sum[PATH_MAX + 8];
	struct pk__cache_header h;
	unsigned char *buf = NULL;
	struct stat st;
	bool once;
	int fd, err;

	fd = open_checked(path, &st, why, sizeof(why));
	if (fd == -ENOENT)
		return fd;
	err = fd < 0 ? fd : pk__cache_header_read(path, &h, why, sizeof(why));
	if (!err && memcmp(h.key.b, key->b, sizeof(key->b))) {
		pk__why(why, sizeof(why), "made from other inputs (its header's key differs)");
		err = -EINVAL;
	}
	if (!err && (uint64_t)st.st_size != h.size) {
		pk__why(why, sizeof(why), "%s (%lld bytes, its header says %llu)",
			(uint64_t)st.st_size < h.size ? "truncated" : "grown",
			(long long)st.st_size, (unsigned long long)h.size);
		err = -EINVAL;
	}
	once = !err && !data && h.size >= CHECK_ONCE_MIN;
	if (once && checked_before(path, &h, &st))
		once = false;
	else if (!err)
		err = read_payload(fd, &h, data ? &buf : NULL, why, sizeof(why));
	if (once && !err)
		remember_checked(path, &h, &st);
	if (fd >= 0)
		close(fd);
	if (err) {
		free(buf);
		ignoring(c, path, why);
		return err;
	}
	/* when it was last used, for pruning */
	snprintf(sum, sizeof(sum), "%s" PK__CACHE_SUM, path);
	utimensat(AT_FDCWD, sum, NULL, AT_SYMLINK_NOFOLLOW);
	if (data) {
		*data = buf;
		*size = h.size;
	}
	return 0;
}

int pk__cache_tmp(const char *path, char *tmp, size_t size)
{
	static unsigned int seq;
	const char *slash = strrchr(path, '/');
	int n;

	if (!slash)
		return -EINVAL;
	/* beside the entry (rename works within one file system), hidden from globs */
	n = snprintf(tmp, size, "%.*s/.tmp-%d-%u-%s", (int)(slash - path), path, getpid(),
		     __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED), slash + 1);
	return n < (int)size ? 0 : -ENAMETOOLONG;
}

static int write_fd(int fd, const void *data, size_t size)
{
	const char *p = data;

	while (size) {
		ssize_t n = write(fd, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		size -= n;
	}
	return 0;
}

int pk__write_new_file(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600), err;

	if (fd < 0)
		return -errno;
	err = write_fd(fd, data, size);
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int pk__cache_commit(const struct pk__cache *c, const char *tmp, const char *path,
		     const struct pk__digest *key, const struct pk__digest *context, char *why,
		     size_t why_size)
{
	unsigned char buf[PK__CACHE_HEADER_SIZE];
	struct pk__cache_header h = {.key = *key, .context = *context};
	char sum[PATH_MAX + 8], sum_tmp[PATH_MAX + 64];
	struct pk__hasher hs;
	struct stat st;
	int fd, err;

	(void)c;
	/* what clang or bpftool wrote for us, with the umask's mode: made 0600 here */
	fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid())) {
		close(fd);
		fd = -1;
		errno = EPERM;
	}
	if (fd < 0) {
		err = -errno;
		pk__why(why, why_size, "cannot store %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return err;
	}
	pk__hash_init(&hs);
	err = fchmod(fd, 0600) ? -errno : pk__hash_fd(&hs, fd, &h.size);
	close(fd);
	pk__hash_final(&hs, &h.digest);
	pk__cache_header_format(&h, buf);
	snprintf(sum, sizeof(sum), "%s" PK__CACHE_SUM, path);
	if (!err)
		err = pk__cache_tmp(sum, sum_tmp, sizeof(sum_tmp));
	if (!err)
		err = pk__write_new_file(sum_tmp, buf, sizeof(buf));
	/* the payload first: a reader between the renames sees a mismatch and remakes it */
	if (!err && rename(tmp, path))
		err = -errno;
	if (!err && rename(sum_tmp, sum))
		err = -errno;
	if (err) {
		pk__why(why, why_size, "cannot store %s: %s", path, strerror(-err));
		unlink(tmp);
		unlink(sum_tmp);
	}
	return err;
}

int pk__cache_write(const struct pk__cache *c, const char *path, const struct pk__digest *key,
		    const struct pk__digest *context, const void *data, size_t size, char *why,
		    size_t why_size)
{
	char tmp[PATH_MAX + 64];
	int err = pk__cache_tmp(path, tmp, sizeof(tmp));

	if (!err)
		err = pk__write_new_file(tmp, data, size);
	if (err) {
		pk__why(why, why_size, "cannot write %s: %s", tmp, strerror(-err));
		unlink(tmp);
		return err;
	}
	return pk__cache_commit(c, tmp, path, key, context, why, why_size);
}
