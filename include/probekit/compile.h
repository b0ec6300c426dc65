/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_COMPILE_H
#define PROBEKIT_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Compiling one BPF C file as bcc's BPF(text=...) does, but with clang run
 * as a child process (no LLVM linked in) and the result cached:
 *
 *	clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I<cache> -I<probekit> ...
 *
 * The include path holds a vmlinux.h generated from the running kernel's
 * BTF, probekit's BPF headers (<probekit/probekit.bpf.h>, <probekit/maps.bpf.h>,
 * also reachable as "probekit.bpf.h") and the system's libbpf headers.
 *
 * Objects are cached under $XDG_CACHE_HOME/probekit (~/.cache/probekit).
 * The key is the SHA-256 of the source, every header clang reported
 * including (its -MD output), the compiler binary (path, size, mtime,
 * inode) and the kernel's BTF, so a second run of an unchanged file starts
 * no compiler and an edited header compiles again. Files appear in the
 * cache by rename(). A process that can load BPF uses a cache directory
 * only when it and every directory above it are the euid's or root's and
 * writable by nobody else (root otherwise uses /var/cache/probekit, others
 * a directory of their own removed at exit), and an entry only when it is
 * a regular file of the euid or root that nobody else can write, whole
 * and of the SHA-256 its header gives (docs/cache.md).
 */
struct pk_compile_opts {
	size_t sz;
	/* the compiler; NULL: $CLANG, else "clang" on $PATH */
	const char *clang;
	/* NULL: $XDG_CACHE_HOME/probekit, else $HOME/.cache/probekit (checked as above) */
	const char *cache_dir;
	/* NULL: found from $PROBEKIT_INCLUDE, the binary's place, the prefixes */
	const char *bpf_include_dir;
	/* where to say what happens (cache hit, the command line), or NULL */
	FILE *log;
	size_t :0;
};
#define pk_compile_opts__last_field log

/*
 * Compiles @src, or finds it in the cache, and writes the object's path
 * (in the cache) to @obj_path. clang's diagnostics go to stderr as it
 * prints them. Returns 0 or a negative errno with a reason in @why:
 * -ENOENT without a compiler ("install clang, or pass a .bpf.o"),
 * -EINVAL when the compiler rejected the file.
 */
int pk_compile(const char *src, char *obj_path, size_t size, const struct pk_compile_opts *opts,
	       char *why, size_t why_size);

/* Writes the running kernel's vmlinux.h (from /sys/kernel/btf/vmlinux,
 * through libbpf's btf_dump) to @path, atomically. */
int pk_write_vmlinux_h(const char *path, char *why, size_t why_size);

/* The directory holding probekit's BPF headers (probekit.bpf.h), or NULL. */
const char *pk_bpf_include_dir(void);

#ifdef __cplusplus
}
#endif
#endif
