// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The SHA-256 of the kernel's BTF: part of every cache key that depends on the kernel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kernel.h"

/*
 * The running kernel's BTF cannot change before the next boot: its SHA-256
 * (5 MB and more to read, 30 ms) is kept in the cache under the boot's id.
 */
static int boot_key(const char *btf_path, struct pk__digest *key)
{
	char id[64] = "";
	struct pk__hasher h;
	struct utsname u;
	struct stat st;
	FILE *f;

	if (strcmp(btf_path, VMLINUX_BTF_PATH) || stat(btf_path, &st) || uname(&u))
		return -ENOENT;
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return -ENOENT;
	if (!fgets(id, sizeof(id), f))
		id[0] = '\0';
	fclose(f);
	if (!id[0])
		return -ENOENT;
	pk__hash_init(&h);
	pk__hash_str(&h, "kernel-btf");
	pk__hash_str(&h, id);
	pk__hash_str(&h, u.release);
	pk__hash_str(&h, u.version);
	pk__hash(&h, &st.st_size, sizeof(st.st_size));
	pk__hash_final(&h, key);
	return 0;
}

int pk__kernel_btf_digest(const struct pk__cache *c, const char *btf_path, struct pk__digest *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 80], hex[PK__DIGEST_HEX];
	struct pk__digest key;
	struct pk__hasher h;
	size_t size;
	void *data;
	bool memo = c && !boot_key(btf_path, &key) &&
		    !pk__cache_subdir(c, "kernel-btf", dir, sizeof(dir), NULL, 0);
	int err;

	if (memo) {
		pk__digest_hex(&key, hex);
		snprintf(path, sizeof(path), "%s/%s", dir, hex);
		if (!pk__cache_read(c, path, &key, &data, &size)) {
			err = size == sizeof(d->b) ? 0 : -EINVAL;
			if (!err)
				memcpy(d->b, data, sizeof(d->b));
			free(data);
			if (!err)
				return 0;
		}
	}
	pk__hash_init(&h);
	err = pk__hash_file(&h, btf_path);
	if (err)
		return err;
	pk__hash_final(&h, d);
	if (memo && !pk__cache_write(c, path, &key, &key, d->b, sizeof(d->b), NULL, 0))
		pk__cache_prune(c, "kernel-btf", &key);
	return 0;
}
