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
 * in the cache (cache.c) under the SHA-256 of both; later runs read a few KB.
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

/* bpftool gen min_core_btf SRC TMP_BTF TMP_OBJ, below the tool's priority */
static pid_t spawn_bpftool(const struct pk__core_btf_job *job, const char *src)
{
	const char *argv[] = { "bpftool", "gen", "min_core_btf", src,
			       job->tmp_btf, job->tmp_obj, NULL };

	return pk__spawn_quiet(argv, 10);
}

int pk__core_btf_find(struct pk__core_btf_job *job, const char *src, const void *obj,
		      size_t obj_size, FILE *log, char *why, size_t why_size)
{
	char dir[PATH_MAX - 128], hex[PK__DIGEST_HEX];
	struct pk__hasher h;
	int err;

	memset(job, 0, sizeof(*job));
	/* no cache: the whole kernel BTF, cheaper than bpftool at every start */
	err = pk__cache_open(&job->cache, NULL, 0, log, why, why_size);
	if (!err)
		err = pk__cache_subdir(&job->cache, "core-btf", dir, sizeof(dir), why, why_size);
	if (err)
		return err;
	err = pk__kernel_btf_digest(&job->cache, src, &job->kernel);
	if (err) {
		pk__why(why, why_size, "cannot read %s: %s", src, strerror(-err));
		return err;
	}
	pk__hash_init(&h);
	pk__hash_str(&h, "core-btf");
	pk__hash(&h, job->kernel.b, sizeof(job->kernel.b));
	pk__hash(&h, &obj_size, sizeof(obj_size));
	pk__hash(&h, obj, obj_size);
	pk__hash_final(&h, &job->key);
	pk__digest_hex(&job->key, hex);
	if ((size_t)snprintf(job->path, sizeof(job->path), "%s/%s.btf", dir, hex) >=
	    sizeof(job->path)) {
		pk__why(why, why_size, "the cache path is too long");
		return -ENAMETOOLONG;
	}
	if (!pk__cache_read(&job->cache, job->path, &job->key, NULL, NULL)) {
		if (valid_btf(job->path))
			return 0;
		if (log)
			fprintf(log, "  cache: ignoring %s: not valid BTF\n", job->path);
	}
	if (pk__find_program("bpftool", dir, sizeof(dir))) {
		pk__why(why, why_size, "cannot run bpftool: not found in PATH");
		return -ENOENT;
	}
	return 1;
}

int pk__core_btf_start(struct pk__core_btf_job *job, const char *src, const void *obj,
		       size_t obj_size, char *why, size_t why_size)
{
	int err;

	err = pk__cache_tmp(job->path, job->tmp_obj, sizeof(job->tmp_obj));
	if (!err)
		err = pk__cache_tmp(job->path, job->tmp_btf, sizeof(job->tmp_btf));
	if (err) {
		pk__why(why, why_size, "the cache path is too long");
		return err;
	}
	/* the object, for bpftool to read: 0600, a new file */
	err = pk__write_new_file(job->tmp_obj, obj, obj_size);
	if (err) {
		pk__why(why, why_size, "cannot write %s: %s", job->tmp_obj, strerror(-err));
		unlink(job->tmp_obj);
		return err;
	}
	job->pid = spawn_bpftool(job, src);
	if (job->pid < 0) {
		err = -errno;
		pk__why(why, why_size, "cannot run bpftool: %s", strerror(errno));
		unlink(job->tmp_obj);
		job->pid = 0;
	}
	return err;
}

int pk__core_btf_finish(struct pk__core_btf_job *job, int wait_ms, char *why, size_t why_size)
{
	int status, err;

	if (!job->pid)
		return -ECHILD;
	status = pk__reap_within(job->pid, wait_ms);
	job->pid = 0;
	unlink(job->tmp_obj);
	if (status == -ETIMEDOUT)
		pk__why(why, why_size, "bpftool gen min_core_btf took over %d ms: stopped",
			wait_ms);
	else if (status < 0)
		pk__why(why, why_size, "cannot wait for bpftool: %s", strerror(-status));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		pk__why(why, why_size, "cannot run bpftool: not found in PATH");
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		pk__why(why, why_size, "bpftool gen min_core_btf failed (wait status %#x)", status);
	else if (!valid_btf(job->tmp_btf))
		pk__why(why, why_size, "bpftool gen min_core_btf wrote no valid BTF");
	else
		status = 0;
	err = status ? -EINVAL
		     : pk__cache_commit(&job->cache, job->tmp_btf, job->path, &job->key,
					&job->kernel, why, why_size);
	unlink(job->tmp_btf);
	if (!err)
		pk__cache_prune(&job->cache, "core-btf", &job->kernel);
	return err;
}

int pk__core_btf(const char *src, const void *obj, size_t obj_size, char *path, size_t size,
		 bool *made, FILE *log, char *why, size_t why_size)
{
	struct pk__core_btf_job *job = malloc(sizeof(*job));
	int err;

	*made = false;
	if (!job)
		return -ENOMEM;
	err = pk__core_btf_find(job, src, obj, obj_size, log, why, why_size);
	if (err == 1)
		err = pk__core_btf_start(job, src, obj, obj_size, why, why_size);
	else if (!err)
		goto out;
	if (!err)
		err = pk__core_btf_finish(job, -1, why, why_size);
	*made = !err;
out:
	if (!err && (size_t)snprintf(path, size, "%s", job->path) >= size)
		err = -ENAMETOOLONG;
	free(job);
	return err;
}
