// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's BTF cut down to what one object's CO-RE relocations use.
 *
 * libbpf relocates CO-RE against the whole kernel BTF (5 MB or more on a
 * current kernel, parsed into some 10 MB of tables), in the tool's own
 * process. `bpftool gen min_core_btf` keeps only the types the object's
 * relocations reach, with the kernel's own layout: relocating against it
 * gives the same offsets (BTFHub ships such files for kernels without BTF).
 * It is made once per kernel BTF and object, in a bpftool child, and kept
 * in the cache under a key of both contents; later runs read a few KB.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/btf.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kernel.h"


/* Whether @path is whole, well-formed BTF: a cut-short or damaged file is made again. */
static bool valid_btf(const char *path)
{
	struct btf_header h;
	struct btf *btf;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = !fstat(fd, &st) && read(fd, &h, sizeof(h)) == sizeof(h) && h.magic == BTF_MAGIC &&
	     h.hdr_len >= sizeof(h) && (off_t)h.hdr_len + h.str_off + h.str_len == st.st_size;
	close(fd);
	if (!ok)
		return false;
	btf = btf__parse_raw(path);
	ok = !libbpf_get_error(btf) && btf__type_cnt(btf) > 1;
	btf__free(btf);
	return ok;
}

static int write_all(const char *path, const void *data, size_t size)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), err = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (size && (n = write(fd, p, size)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		p += n;
		size -= n;
	}
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* Runs bpftool gen min_core_btf; its first line of errors goes into @why. */
static int run_bpftool(const char *src, const char *out, const char *obj, char *why,
		       size_t why_size)
{
	char msg[256];
	int pipefd[2], status, err;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execlp("bpftool", "bpftool", "gen", "min_core_btf", src, out, obj, (char *)NULL);
		dprintf(STDERR_FILENO, "cannot run bpftool: %s", strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	err = pk__child_reason(pid, pipefd[0], msg, sizeof(msg), &status);
	if (err)
		return err;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	pk__why(why, why_size, "bpftool gen min_core_btf failed: %s",
		msg[0] ? msg : "no message");
	return -ECHILD;
}

static int make(const char *dir, const char *src, const char *path, uint64_t key,
		const void *obj, size_t obj_size, char *why, size_t why_size)
{
	char tmp_obj[PATH_MAX], tmp_btf[PATH_MAX];
	int err;

	snprintf(tmp_obj, sizeof(tmp_obj), "%s/tmp-%d-%016llx.bpf.o", dir, getpid(),
		 (unsigned long long)key);
	snprintf(tmp_btf, sizeof(tmp_btf), "%s/tmp-%d-%016llx.btf", dir, getpid(),
		 (unsigned long long)key);
	err = write_all(tmp_obj, obj, obj_size);
	if (err) {
		pk__why(why, why_size, "cannot write into %s: %s", dir, strerror(-err));
		unlink(tmp_obj);
		return err;
	}
	err = run_bpftool(src, tmp_btf, tmp_obj, why, why_size);
	unlink(tmp_obj);
	if (!err && !valid_btf(tmp_btf)) {
		pk__why(why, why_size, "bpftool gen min_core_btf wrote no valid BTF");
		err = -EINVAL;
	}
	/* a rename, so that another run never reads half a file */
	if (!err && rename(tmp_btf, path)) {
		err = -errno;
		pk__why(why, why_size, "cannot store %s: %s", path, strerror(errno));
	}
	unlink(tmp_btf);
	return err;
}

int pk__core_btf(const char *src, const void *obj, size_t obj_size, char *path, size_t size,
		 bool *made, char *why, size_t why_size)
{
	char dir[PATH_MAX - 64];
	uint64_t kh = PK__HASH_SEED, oh = PK__HASH_SEED;
	int err;

	*made = false;
	err = pk__hash_file(src, &kh);
	if (err) {
		pk__why(why, why_size, "cannot read %s: %s", src, strerror(-err));
		return err;
	}
	oh = pk__hash(oh, obj, obj_size);
	err = pk__cache_dir(NULL, dir, sizeof(dir));
	if (!err && (size_t)snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/core-btf") >=
			    sizeof(dir) - strlen(dir))
		err = -ENAMETOOLONG;
	if (!err)
		err = pk__mkdirs(dir);
	if (err) {
		pk__why(why, why_size, "no cache directory: %s", strerror(-err));
		return err;
	}
	if ((size_t)snprintf(path, size, "%s/%016llx-%016llx.btf", dir, (unsigned long long)kh,
			     (unsigned long long)oh) >= size) {
		pk__why(why, why_size, "the cache path is too long");
		return -ENAMETOOLONG;
	}
	if (valid_btf(path))
		return 0;
	err = make(dir, src, path, kh ^ oh, obj, obj_size, why, why_size);
	*made = !err;
	return err;
}
