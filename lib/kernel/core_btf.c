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

/* Runs bpftool gen min_core_btf; its first line of errors goes into @why. */
static int run_bpftool(const char *src, const char *out, const char *obj, char *why,
		       size_t why_size)
{
	const char *argv[] = { "bpftool", "gen", "min_core_btf", src, out, obj, NULL };
	char msg[256];
	int status = pk__run_captured(argv, msg, sizeof(msg), NULL, NULL, NULL);

	if (status <= 0)
		return status;
	msg[strcspn(msg, "\n")] = '\0';
	pk__why(why, why_size, "bpftool gen min_core_btf failed: %s",
		msg[0] ? msg : "no message");
	return -ECHILD;
}

/* Makes the entry @path for @key in a bpftool child. */
static int make(const struct pk__cache *c, const char *src, const char *path,
		const struct pk__digest *key, const struct pk__digest *kernel, const void *obj,
		size_t obj_size, char *why, size_t why_size)
{
	char tmp_obj[PATH_MAX + 64], tmp_btf[PATH_MAX + 64];
	int err;

	err = pk__cache_tmp(path, tmp_obj, sizeof(tmp_obj));
	if (!err)
		err = pk__cache_tmp(path, tmp_btf, sizeof(tmp_btf));
	if (err) {
		pk__why(why, why_size, "the cache path is too long");
		return err;
	}
	/* the object, for bpftool to read: 0600, a new file */
	err = pk__write_new_file(tmp_obj, obj, obj_size);
	if (err) {
		pk__why(why, why_size, "cannot write %s: %s", tmp_obj, strerror(-err));
		unlink(tmp_obj);
		return err;
	}
	err = run_bpftool(src, tmp_btf, tmp_obj, why, why_size);
	unlink(tmp_obj);
	if (!err && !valid_btf(tmp_btf)) {
		pk__why(why, why_size, "bpftool gen min_core_btf wrote no valid BTF");
		err = -EINVAL;
	}
	if (!err)
		err = pk__cache_commit(c, tmp_btf, path, key, kernel, why, why_size);
	unlink(tmp_btf);
	return err;
}

int pk__core_btf(const char *src, const void *obj, size_t obj_size, char *path, size_t size,
		 bool *made, FILE *log, char *why, size_t why_size)
{
	char dir[PATH_MAX - 128], hex[PK__DIGEST_HEX];
	struct pk__digest kernel, key;
	struct pk__hasher h;
	struct pk__cache c;
	int err;

	*made = false;
	/* no cache: the whole kernel BTF, cheaper than bpftool at every start */
	err = pk__cache_open(&c, NULL, 0, log, why, why_size);
	if (!err)
		err = pk__cache_subdir(&c, "core-btf", dir, sizeof(dir), why, why_size);
	if (err)
		return err;
	err = pk__kernel_btf_digest(&c, src, &kernel);
	if (err) {
		pk__why(why, why_size, "cannot read %s: %s", src, strerror(-err));
		return err;
	}
	pk__hash_init(&h);
	pk__hash_str(&h, "core-btf");
	pk__hash(&h, kernel.b, sizeof(kernel.b));
	pk__hash(&h, &obj_size, sizeof(obj_size));
	pk__hash(&h, obj, obj_size);
	pk__hash_final(&h, &key);
	pk__digest_hex(&key, hex);
	if ((size_t)snprintf(path, size, "%s/%s.btf", dir, hex) >= size) {
		pk__why(why, why_size, "the cache path is too long");
		return -ENAMETOOLONG;
	}
	if (!pk__cache_read(&c, path, &key, NULL, NULL)) {
		if (valid_btf(path))
			return 0;
		if (log)
			fprintf(log, "  cache: ignoring %s: not valid BTF\n", path);
	}
	err = make(&c, src, path, &key, &kernel, obj, obj_size, why, why_size);
	*made = !err;
	if (!err)
		pk__cache_prune(&c, "core-btf", &kernel);
	return err;
}
