// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * BPF C to object with clang as a child process, cached (cache.c). The key
 * is taken in two steps: the SHA-256 of the source, compiler and kernel BTF
 * names a list of the headers the last compile read; the SHA-256 of that
 * and those headers' contents then names the object. Nothing here starts
 * clang when both entries exist and are sound.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/compile.h>
#include <probekit/output.h>
#include "load.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
/* -D: how many, and how long each may be */
#define MAX_DEFINES 16
#define PK_DEFINE_MAX 256
#define MAX_ARGS (32 + MAX_DEFINES)



static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static bool try_include_dir(char *out, size_t size, const char *fmt, const char *base)
{
	char dir[PATH_MAX], file[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), fmt, base);
	snprintf(file, sizeof(file), "%s/probekit.bpf.h", dir);
	if (!is_file(file) || !realpath(dir, out))
		return false;
	(void)size;
	return true;
}

const char *pk_bpf_include_dir(void)
{
	static char found[PATH_MAX];
	char exe[PATH_MAX], *slash;
	const char *env = getenv("PROBEKIT_INCLUDE");
	ssize_t n;

	if (found[0])
		return found;
	if (env && try_include_dir(found, sizeof(found), "%s", env))
		return found;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		/* installed: PREFIX/bin/probekit and PREFIX/include/probekit;
		 * in the source tree: build/probekit and bpf/ */
		if (try_include_dir(found, sizeof(found), "%s/../include/probekit", exe) ||
		    try_include_dir(found, sizeof(found), "%s/../bpf", exe) ||
		    try_include_dir(found, sizeof(found), "%s/../../bpf", exe))
			return found;
	}
	if (try_include_dir(found, sizeof(found), "%s/include/probekit", "/usr/local") ||
	    try_include_dir(found, sizeof(found), "%s/include/probekit", "/usr"))
		return found;
	found[0] = '\0';
	return NULL;
}

static int write_all(FILE *f, const char *fmt, va_list ap)
{
	return vfprintf(f, fmt, ap);
}

static void dump_printf(void *ctx, const char *fmt, va_list ap)
{
	write_all(ctx, fmt, ap);
}

int pk_write_vmlinux_h(const char *path, char *why, size_t why_size)
{
	char tmp[PATH_MAX];
	struct btf_dump *d;
	struct btf *btf;
	__u32 id, n;
	int err = 0;
	FILE *f;

	btf = btf__parse(VMLINUX_BTF, NULL);
	if (!btf) {
		err = -errno;
		pk__why(why, why_size, "cannot read the kernel's BTF (%s): %s", VMLINUX_BTF,
		    strerror(-err));
		return err;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid());
	f = fopen(tmp, "we");
	if (!f) {
		err = -errno;
		pk__why(why, why_size, "cannot write %s: %s", tmp, strerror(-err));
		btf__free(btf);
		return err;
	}
	fprintf(f, "/* the running kernel's types, from %s */\n#ifndef __VMLINUX_H__\n"
		   "#define __VMLINUX_H__\n\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
		   "#pragma clang attribute push (__attribute__((preserve_access_index)), "
		   "apply_to = record)\n#endif\n\n",
		VMLINUX_BTF);
	d = btf_dump__new(btf, dump_printf, f, NULL);
	if (!d)
		err = -errno;
	n = btf__type_cnt(btf);
	for (id = 1; !err && id < n; id++)
		err = btf_dump__dump_type(d, id);
	btf_dump__free(d);
	fprintf(f, "\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n"
		   "\n#endif /* __VMLINUX_H__ */\n");
	if (fclose(f) && !err)
		err = -errno;
	btf__free(btf);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		pk__why(why, why_size, "cannot write %s: %s", path, strerror(-err));
	}
	return err;
}

#define DIAG_MAX 65536

struct job {
	const char *src;
	char clang[PATH_MAX];
	struct pk__cache cache;
	char obj_dir[PATH_MAX];
	/* the directory of this kernel's vmlinux.h */
	char btf_dir[PATH_MAX];
	char inc_root[PATH_MAX];
	const char *bpf_dir;
	char multiarch[PATH_MAX];
	/* the first key: source, compiler, kernel BTF, headers' place */
	struct pk__hasher key1;
	/* the kernel's BTF, and it with the compiler: entries of others are pruned */
	struct pk__digest kernel, context;
	/* the precompiled vmlinux.h clang takes, or empty */
	char pch[PATH_MAX + 64];
	FILE *log;
	/* clang's diagnostics */
	char diag[DIAG_MAX];
	size_t diag_len;
	/* -D NAME=VALUE, already checked */
	const char *const *defines;
	char define_args[MAX_DEFINES][PK_DEFINE_MAX + 3];
	int nr_defines;
	bool (*cancel)(void *ctx);
	void *ctx;
	bool cancelled;
};

/*
 * pk_write_vmlinux_h() in a child: the whole kernel BTF it parses (10 MB
 * and more) stays out of the process that goes on to load and print.
 */
static int write_vmlinux_h_apart(const char *path, char *why, size_t why_size)
{
	char msg[512] = "";
	int pipefd[2], status, err;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return pk_write_vmlinux_h(path, why, why_size);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return pk_write_vmlinux_h(path, why, why_size);
	}
	if (pid == 0) {
		err = pk_write_vmlinux_h(path, msg, sizeof(msg));
		if (err && write(pipefd[1], msg, strlen(msg)) < 0)
			err = -EIO;
		_exit(err ? 1 : 0);
	}
	close(pipefd[1]);
	err = pk__child_reason(pid, pipefd[0], msg, sizeof(msg), &status);
	if (err)
		return err;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	pk__why(why, why_size, "%s", msg[0] ? msg : "writing vmlinux.h failed in its child");
	return -EIO;
}

/* The kernel's BTF decides vmlinux.h: its SHA-256 names the directory. */
static int find_vmlinux_dir(struct job *j, char *why, size_t why_size)
{
	char sub[128], hex[PK__DIGEST_HEX];
	int err = pk__kernel_btf_digest(&j->cache, VMLINUX_BTF, &j->kernel);

	if (err) {
		pk__why(why, why_size, "cannot read the kernel's BTF (%s): %s; probekit run needs a "
				   "kernel built with CONFIG_DEBUG_INFO_BTF",
		    VMLINUX_BTF, strerror(-err));
		return err;
	}
	pk__digest_hex(&j->kernel, hex);
	snprintf(sub, sizeof(sub), "vmlinux/%s", hex);
	err = pk__cache_subdir(&j->cache, sub, j->btf_dir, sizeof(j->btf_dir), why, why_size);
	if (err)
		return err;
	pk__hash(&j->key1, j->kernel.b, sizeof(j->kernel.b));
	return 0;
}

/*
 * vmlinux.h, checked or written, for a compile: an object found in the
 * cache needs none, and checking its 2.8 MB (SHA-256) was half the CPU of
 * a cached run.
 */
static int prepare_vmlinux_h(struct job *j, char *why, size_t why_size)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 96];
	int err;

	snprintf(path, sizeof(path), "%s/vmlinux.h", j->btf_dir);
	if (!pk__cache_read(&j->cache, path, &j->kernel, NULL, NULL))
		return 0;
	if (j->log)
		fprintf(j->log, "writing %s from the kernel's BTF\n", path);
	err = pk__cache_tmp(path, tmp, sizeof(tmp));
	if (!err)
		err = write_vmlinux_h_apart(tmp, why, why_size);
	if (!err)
		err = pk__cache_commit(&j->cache, tmp, path, &j->kernel, &j->kernel, why, why_size);
	if (!err)
		pk__cache_prune(&j->cache, "vmlinux", &j->kernel);
	return err;
}

/* Whether the symlink @link is ours and leads to @target. */
static bool link_is(const char *link, const char *target)
{
	char buf[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (lstat(link, &st) || !S_ISLNK(st.st_mode) || (st.st_uid && st.st_uid != geteuid()))
		return false;
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, target);
}

/*
 * <probekit/x.bpf.h> must resolve in the source tree too, where the
 * headers live in bpf/: a directory in the cache holds a "probekit"
 * symlink to them.
 */
static int prepare_includes(struct job *j, const struct pk_compile_opts *opts, char *why,
			    size_t why_size)
{
	char link[PATH_MAX + 16], tmp[PATH_MAX + 96];
	const char *base;
	struct utsname u;

	j->bpf_dir = PK_OPTS_GET(opts, bpf_include_dir, NULL) ?: pk_bpf_include_dir();
	if (!j->bpf_dir) {
		pk__why(why, why_size, "cannot find probekit's BPF headers (probekit.bpf.h): set "
				   "PROBEKIT_INCLUDE to their directory");
		return -ENOENT;
	}
	pk__hash_str(&j->key1, j->bpf_dir);
	base = strrchr(j->bpf_dir, '/');
	if (base && !strcmp(base, "/probekit")) {
		snprintf(j->inc_root, sizeof(j->inc_root), "%.*s", (int)(base - j->bpf_dir),
			 j->bpf_dir);
	} else {
		struct pk__hasher h;
		struct pk__digest d;
		char sub[128], hex[PK__DIGEST_HEX];
		int err;

		pk__hash_init(&h);
		pk__hash_str(&h, j->bpf_dir);
		pk__hash_final(&h, &d);
		pk__digest_hex(&d, hex);
		snprintf(sub, sizeof(sub), "inc/%.32s", hex);
		err = pk__cache_subdir(&j->cache, sub, j->inc_root, sizeof(j->inc_root), why,
				       why_size);
		if (err)
			return err;
		snprintf(link, sizeof(link), "%s/probekit", j->inc_root);
		/* a link that leads elsewhere, or not ours, is replaced */
		if (!link_is(link, j->bpf_dir)) {
			if (pk__cache_tmp(link, tmp, sizeof(tmp)) || symlink(j->bpf_dir, tmp) ||
			    rename(tmp, link)) {
				err = -errno;
				pk__why(why, why_size, "cannot create %s: %s", link, strerror(errno));
				unlink(tmp);
				return err;
			}
		}
	}
	j->multiarch[0] = '\0';
	if (!uname(&u)) {
		snprintf(j->multiarch, sizeof(j->multiarch), "/usr/include/%s-linux-gnu",
			 u.machine);
		if (access(j->multiarch, F_OK))
			j->multiarch[0] = '\0';
	}
	return 0;
}

static int identify_compiler(struct job *j, const struct pk_compile_opts *opts,
			     struct pk__hasher *compiler, char *why, size_t why_size)
{
	const char *name = PK_OPTS_GET(opts, clang, NULL) ?: getenv("CLANG");
	struct stat st;

	if (!name || !name[0])
		name = "clang";
	if (pk__find_program(name, j->clang, sizeof(j->clang)) || stat(j->clang, &st)) {
		pk__why(why, why_size, "no C compiler for BPF: %s not found; install clang (Debian: "
				   "apt-get install clang), or pass a compiled .bpf.o",
		    name);
		return -ENOENT;
	}
	/* its identity without running it: a new version is a new file */
	pk__hash_str(compiler, j->clang);
	pk__hash(compiler, &st.st_size, sizeof(st.st_size));
	pk__hash(compiler, &st.st_mtim, sizeof(st.st_mtim));
	pk__hash(compiler, &st.st_ino, sizeof(st.st_ino));
	return 0;
}

static const char *target_arch(void)
{
#if defined(__x86_64__)
	return "-D__TARGET_ARCH_x86";
#elif defined(__aarch64__)
	return "-D__TARGET_ARCH_arm64";
#elif defined(__s390x__)
	return "-D__TARGET_ARCH_s390";
#elif defined(__powerpc64__)
	return "-D__TARGET_ARCH_powerpc";
#elif defined(__riscv)
	return "-D__TARGET_ARCH_riscv";
#else
	return "-D__TARGET_ARCH_unknown";
#endif
}

/* The flags every compile and the precompiled header share. */
static int common_args(struct job *j, const char **argv, char inc[4][PATH_MAX + 4])
{
	int n = 0, i;

	argv[n++] = j->clang;
	argv[n++] = "-g";
	argv[n++] = "-O2";
	argv[n++] = "-target";
	argv[n++] = "bpf";
	argv[n++] = target_arch();
	snprintf(inc[0], sizeof(inc[0]), "-I%s", j->btf_dir);
	snprintf(inc[1], sizeof(inc[1]), "-I%s", j->inc_root);
	snprintf(inc[2], sizeof(inc[2]), "-I%s", j->bpf_dir);
	snprintf(inc[3], sizeof(inc[3]), "-I%s", j->multiarch);
	for (i = 0; i < 4; i++) {
		if (inc[i][2])
			argv[n++] = inc[i];
	}
	return n;
}

/* user + system time of the reaped children, in ms */
static double cpu_ms(const struct rusage *ru)
{
	return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e3 +
	       (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e3;
}

/*
 * Runs clang with @argv; its stderr is kept in j->diag. Ctrl-C while it runs
 * (the caller's cancel()) kills it, and every later run: -EINTR.
 */
static int run_argv(struct job *j, const char **argv, int n)
{
	struct rusage before, after;
	/* the start, then the wall time taken */
	long long t0;
	int status, i;

	if (j->cancelled)
		return -EINTR;
	if (j->log) {
		for (i = 0; i < n; i++)
			fprintf(j->log, "%s%s", i ? " " : "", argv[i]);
		fputc('\n', j->log);
		fflush(j->log);
	}
	getrusage(RUSAGE_CHILDREN, &before);
	t0 = pk__clock_ns(CLOCK_MONOTONIC);
	status = pk__run_captured(argv, j->diag, sizeof(j->diag), &j->diag_len, j->cancel, j->ctx);
	t0 = pk__clock_ns(CLOCK_MONOTONIC) - t0;
	getrusage(RUSAGE_CHILDREN, &after);
	j->cancelled = status == -EINTR;
	/* under -v, for `make bench`'s split of a first start */
	if (j->log)
		fprintf(j->log, "  clang: %.1f ms (CPU %.1f)\n", t0 / 1e6,
			cpu_ms(&after) - cpu_ms(&before));
	return status;
}

static int run_clang(struct job *j, const char *obj, const char *dep)
{
	char inc[4][PATH_MAX + 4];
	const char *argv[MAX_ARGS];
	int n = common_args(j, argv, inc), i;

	if (j->pch[0]) {
		argv[n++] = "-include-pch";
		argv[n++] = j->pch;
	}
	/* a misspelt helper is an error, and named (compile_diag.c) */
	argv[n++] = "-Werror=implicit-function-declaration";
	for (i = 0; i < j->nr_defines; i++)
		argv[n++] = j->define_args[i];
	argv[n++] = "-MD";
	argv[n++] = "-MF";
	argv[n++] = dep;
	argv[n++] = "-c";
	argv[n++] = j->src;
	argv[n++] = "-o";
	argv[n++] = obj;
	argv[n] = NULL;
	return run_argv(j, argv, n);
}

/*
 * Whether @src starts (after comments and blank space) with #include of
 * vmlinux.h: then the precompiled vmlinux.h stands for that line exactly
 * (it comes first, nothing is defined before it, and its include guard
 * makes the line itself a no-op). Any other start compiles as it is.
 */
static bool starts_with_vmlinux_h(const char *src)
{
	char buf[4096], *p, *end;
	FILE *f = fopen(src, "re");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (p = buf; *p;) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			p++;
		} else if (!strncmp(p, "//", 2)) {
			p = strchrnul(p, '\n');
		} else if (!strncmp(p, "/*", 2)) {
			end = strstr(p + 2, "*/");
			if (!end)
				return false;
			p = end + 2;
		} else {
			break;
		}
	}
	if (*p++ != '#')
		return false;
	p += strspn(p, " \t");
	if (strncmp(p, "include", 7))
		return false;
	p += 7;
	p += strspn(p, " \t");
	return !strncmp(p, "\"vmlinux.h\"", 11) || !strncmp(p, "<vmlinux.h>", 11);
}

/*
 * The kernel's types precompiled (clang -x c-header vmlinux.h): parsing the
 * 2.8 MB header is most of a small program's compile (0.5 of 0.7 s of CPU
 * on the development VM; 0.17 s with it). A cache entry beside vmlinux.h,
 * keyed on the kernel with the compiler (the context) and the flags clang
 * checks a PCH against; made once, by the compiler in its child, into a
 * temporary name the cache then commits. A failure only costs the speed:
 * the source is then compiled as it is.
 */
static void prepare_pch(struct job *j)
{
	char inc[4][PATH_MAX + 4], tmp[PATH_MAX + 128], vmlinux_h[PATH_MAX + 16], why[256];
	char hex[PK__DIGEST_HEX];
	const char *argv[MAX_ARGS];
	struct pk__hasher h;
	struct pk__digest key;
	int n, status = -1;
	struct stat st;

	if (!starts_with_vmlinux_h(j->src))
		return;
	snprintf(vmlinux_h, sizeof(vmlinux_h), "%s/vmlinux.h", j->btf_dir);
	if (stat(vmlinux_h, &st))
		return;
	pk__hash_init(&h);
	pk__hash_str(&h, "pch");
	pk__hash(&h, j->context.b, sizeof(j->context.b));
	/* clang refuses a PCH whose header changed since: a vmlinux.h made again needs a new one */
	pk__hash(&h, &st.st_size, sizeof(st.st_size));
	pk__hash(&h, &st.st_mtim, sizeof(st.st_mtim));
	pk__hash(&h, &st.st_ino, sizeof(st.st_ino));
	n = common_args(j, argv, inc);
	while (n-- > 0)
		pk__hash_str(&h, argv[n]);
	pk__hash_final(&h, &key);
	pk__digest_hex(&key, hex);
	snprintf(j->pch, sizeof(j->pch), "%s/vmlinux-%.16s.pch", j->btf_dir, hex);
	if (!pk__cache_read(&j->cache, j->pch, &key, NULL, NULL))
		return;
	if (!pk__cache_tmp(j->pch, tmp, sizeof(tmp))) {
		n = common_args(j, argv, inc);
		argv[n++] = "-x";
		argv[n++] = "c-header";
		argv[n++] = vmlinux_h;
		argv[n++] = "-o";
		argv[n++] = tmp;
		argv[n] = NULL;
		status = run_argv(j, argv, n);
		if (!status &&
		    !pk__cache_commit(&j->cache, tmp, j->pch, &key, &j->kernel, why, sizeof(why)))
			return;
		unlink(tmp);
	}
	if (j->log)
		fprintf(j->log, "precompiling vmlinux.h failed (status %d): compiling without\n",
			status);
	j->pch[0] = '\0';
}

/* Reads the next file name of a make rule ("a.o: a.c b.h \<newline> c.h"). */
static bool next_dep(FILE *f, char *name, size_t size)
{
	size_t n = 0;
	int c;

	while ((c = fgetc(f)) != EOF) {
		if (c == '\\') {
			c = fgetc(f);
			if (c == '\n')
				c = ' ';
			else if (c != ' ' && n + 1 < size)
				name[n++] = '\\';
			if (c == EOF)
				break;
			if (c == ' ' && !n)
				continue;
		} else if (c == ' ' || c == '\t' || c == '\n') {
			if (n)
				break;
			continue;
		}
		if (n + 1 < size)
			name[n++] = c;
	}
	name[n] = '\0';
	return n > 0;
}

/*
 * Hashes every header a dependency list names; -errno when one is gone.
 * vmlinux.h is named by the BTF it came from (@btf_dir): its name is enough.
 */
static int hash_deps(FILE *f, const char *btf_dir, struct pk__hasher *h)
{
	size_t skip = strlen(btf_dir);
	char name[PATH_MAX];
	int err;

	while (next_dep(f, name, sizeof(name))) {
		pk__hash_str(h, name);
		if (!strncmp(name, btf_dir, skip) && name[skip] == '/')
			continue;
		err = pk__hash_file(h, name);
		if (err)
			return err;
	}
	return 0;
}

/* The headers of a clang .d file, one per line, without the target and source. */
static int convert_deps(const char *d_path, const char *src, char **list, size_t *size)
{
	char name[PATH_MAX];
	FILE *in = fopen(d_path, "re"), *out;
	int err = 0;

	if (!in)
		return -errno;
	out = open_memstream(list, size);
	if (!out) {
		err = -errno;
		fclose(in);
		return err;
	}
	while (next_dep(in, name, sizeof(name))) {
		size_t len = strlen(name);

		if ((len && name[len - 1] == ':') || !strcmp(name, src))
			continue;
		/* escaped spaces come back as they were */
		for (char *p = name; *p; p++)
			fputs(*p == ' ' ? "\\ " : (char[2]){ *p, 0 }, out);
		fputc('\n', out);
	}
	fclose(in);
	if (fclose(out))
		err = -ENOMEM;
	return err;
}

/* The object's key and path, from the first key @key1 and the header list @list. */
static int object_path(const struct job *j, const struct pk__digest *key1, const char *list,
		       size_t size, struct pk__digest *key, char *obj, size_t obj_size)
{
	FILE *f = fmemopen((void *)list, size ? size : 1, "r");
	char hex[PK__DIGEST_HEX];
	struct pk__hasher h;
	int err;

	if (!f)
		return -errno;
	pk__hash_init(&h);
	pk__hash_str(&h, "object");
	pk__hash(&h, key1->b, sizeof(key1->b));
	err = size ? hash_deps(f, j->btf_dir, &h) : 0;
	fclose(f);
	if (err)
		return err;
	pk__hash_final(&h, key);
	pk__digest_hex(key, hex);
	if (snprintf(obj, obj_size, "%s/%s.bpf.o", j->obj_dir, hex) >= (int)obj_size)
		return -ENAMETOOLONG;
	return 0;
}

static int compile_into_cache(struct job *j, const char *list_path, const struct pk__digest *key1,
			      char *obj_path, size_t size, char *why, size_t why_size)
{
	char tmp_o[PATH_MAX + 96], tmp_d[PATH_MAX + 96], *list = NULL;
	struct pk__digest key;
	size_t list_size = 0;
	int status, err;

	/* named after the list, whose key is known now: .tmp-PID-N-KEY.deps.o and .d */
	if (pk__cache_tmp(list_path, tmp_o, sizeof(tmp_o) - 2) ||
	    pk__cache_tmp(list_path, tmp_d, sizeof(tmp_d) - 2))
		return -ENAMETOOLONG;
	strcat(tmp_o, ".o");
	strcat(tmp_d, ".d");
	status = run_clang(j, tmp_o, tmp_d);
	if (status == -EINTR) {
		pk__why(why, why_size, "the compile of %s was interrupted", j->src);
		err = status;
	} else if (status < 0) {
		pk__why(why, why_size, "cannot run %s: %s", j->clang, strerror(-status));
		err = status;
	} else if (status) {
		/* a misspelt helper in one line; anything else as clang says it */
		if (pk__compile_diagnose(j->diag, why, why_size)) {
			fputs(j->diag, stderr);
			pk__why(why, why_size, "compiling %s failed (%s exited with status %d)",
				j->src, j->clang, status);
		}
		err = -EINVAL;
	} else {
		/* warnings */
		fputs(j->diag, stderr);
		err = convert_deps(tmp_d, j->src, &list, &list_size);
		if (!err)
			err = object_path(j, key1, list, list_size, &key, obj_path, size);
		if (err)
			pk__why(why, why_size, "cannot store the object in %s: %s", j->obj_dir,
				strerror(-err));
		if (!err)
			err = pk__cache_write(&j->cache, list_path, key1, &j->context, list,
					      list_size, why, why_size);
		if (!err)
			err = pk__cache_commit(&j->cache, tmp_o, obj_path, &key, &j->context, why,
					       why_size);
	}
	free(list);
	unlink(tmp_o);
	unlink(tmp_d);
	if (!err)
		pk__cache_prune(&j->cache, "obj", &j->context);
	return err;
}

/* The compiled object of the last compile with these inputs, if its entries are sound. */
static bool compiled_before(struct job *j, const char *list_path, const struct pk__digest *key1,
			    char *obj_path, size_t size)
{
	struct pk__digest key;
	size_t list_size;
	void *list;
	int err;

	if (pk__cache_read(&j->cache, list_path, key1, &list, &list_size))
		return false;
	err = object_path(j, key1, list, list_size, &key, obj_path, size);
	free(list);
	return !err && !pk__cache_read(&j->cache, obj_path, &key, NULL, NULL);
}

static int open_cache(struct job *j, const struct pk_compile_opts *opts, char *why, size_t why_size)
{
	int err = pk__cache_open(&j->cache, PK_OPTS_GET(opts, cache_dir, NULL), PK__CACHE_TEMPORARY,
				 j->log, why, why_size);

	if (!err)
		err = pk__cache_subdir(&j->cache, "obj", j->obj_dir, sizeof(j->obj_dir), why,
				       why_size);
	return err;
}

/*
 * -D NAME[=VALUE]: NAME an identifier, VALUE anything but a newline (clang
 * gets it as one argument, no shell), each in the cache key.
 */
static int take_defines(struct job *j, const char *const *defs, char *why, size_t why_size)
{
	const char *d, *p;

	for (; defs && (d = *defs); defs++) {
		size_t name_len = strcspn(d, "=");
		bool ok = name_len && (isalpha((unsigned char)d[0]) || d[0] == '_');

		for (p = d; ok && p < d + name_len; p++)
			ok = isalnum((unsigned char)*p) || *p == '_';
		if (!ok || strchr(d, '\n') || strlen(d) > PK_DEFINE_MAX) {
			char shown[4 * 64 + 1];

			pk_escape_text(shown, sizeof(shown), d, strnlen(d, 64));
			pk__why(why, why_size, "invalid define '%s': give NAME or NAME=VALUE, "
					       "NAME an identifier", shown);
			return -EINVAL;
		}
		if (j->nr_defines == MAX_DEFINES) {
			pk__why(why, why_size, "too many defines (at most %d)", MAX_DEFINES);
			return -E2BIG;
		}
		snprintf(j->define_args[j->nr_defines++], sizeof(j->define_args[0]), "-D%s", d);
		pk__hash_str(&j->key1, d);
	}
	return 0;
}

int pk_compile(const char *src, char *obj_path, size_t size, const struct pk_compile_opts *opts,
	       char *why, size_t why_size)
{
	struct job j = {.log = PK_OPTS_GET(opts, log, NULL)};
	char abs_src[PATH_MAX], list[PATH_MAX + 96], hex[PK__DIGEST_HEX];
	struct pk__hasher compiler;
	struct pk__digest key1;
	const char *no_pch;
	int err;

	if (!src || !obj_path || !PK_OPTS_VALID(opts, pk_compile_opts))
		return -EINVAL;
	if (!realpath(src, abs_src)) {
		err = -errno;
		pk__why(why, why_size, "cannot read %s: %s", src, strerror(-err));
		return err;
	}
	j.src = abs_src;
	pk__hash_init(&j.key1);
	pk__hash_str(&j.key1, "compile");
	err = pk__hash_file(&j.key1, abs_src);
	if (err) {
		pk__why(why, why_size, "cannot read %s: %s", src, strerror(-err));
		return err;
	}
	pk__hash_str(&j.key1, abs_src);
	j.cancel = PK_OPTS_GET(opts, cancel, NULL);
	j.ctx = PK_OPTS_GET(opts, ctx, NULL);
	err = take_defines(&j, PK_OPTS_GET(opts, defines, NULL), why, why_size);
	pk__hash_init(&compiler);
	pk__hash_str(&compiler, target_arch());
	if (!err)
		err = identify_compiler(&j, opts, &compiler, why, why_size);
	if (!err)
		err = open_cache(&j, opts, why, why_size);
	if (!err)
		err = find_vmlinux_dir(&j, why, why_size);
	if (!err)
		err = prepare_includes(&j, opts, why, why_size);
	if (err)
		return err;
	/* the context: this kernel with this compiler */
	pk__hash(&compiler, j.kernel.b, sizeof(j.kernel.b));
	pk__hash_final(&compiler, &j.context);
	pk__hash(&j.key1, j.context.b, sizeof(j.context.b));
	pk__hash_final(&j.key1, &key1);
	pk__digest_hex(&key1, hex);
	snprintf(list, sizeof(list), "%s/%s.deps", j.obj_dir, hex);
	if (compiled_before(&j, list, &key1, obj_path, size)) {
		if (j.log)
			fprintf(j.log, "%s: compiled before, using %s\n", src, obj_path);
		return 0;
	}
	err = prepare_vmlinux_h(&j, why, why_size);
	if (err)
		return err;
	/*
	 * Not with -D: a define can change vmlinux.h itself (its #ifndef
	 * BPF_NO_PRESERVE_ACCESS_INDEX), which the PCH was made without.
	 */
	no_pch = getenv("PROBEKIT_NO_PCH");
	if (!PK_OPTS_GET(opts, no_pch, false) && !(no_pch && !strcmp(no_pch, "1")) &&
	    !j.nr_defines)
		prepare_pch(&j);
	return compile_into_cache(&j, list, &key1, obj_path, size, why, why_size);
}
