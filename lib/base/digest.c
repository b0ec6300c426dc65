// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * SHA-256, for the cache's keys and its entries' digests (cache.c): libmd's
 * (Debian's libmd-dev), as it is BSD-licensed and has a static libmd.a for
 * the static binary; nettle's is LGPL-3 or GPL-2, OpenSSL's libcrypto.a
 * much bigger, and the kernel's (AF_ALG) may be missing or filtered.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base.h"

void pk__hash_init(struct pk__hasher *h)
{
	SHA256Init(&h->ctx);
}

void pk__hash(struct pk__hasher *h, const void *data, size_t len)
{
	SHA256Update(&h->ctx, data, len);
}

void pk__hash_str(struct pk__hasher *h, const char *s)
{
	/* the NUL too, so that "ab","c" and "a","bc" differ */
	pk__hash(h, s, strlen(s) + 1);
}

int pk__hash_fd(struct pk__hasher *h, int fd, uint64_t *total)
{
	char buf[65536];
	uint64_t n_total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		pk__hash(h, buf, n);
		n_total += n;
	}
	if (total)
		*total = n_total;
	return 0;
}

int pk__hash_file(struct pk__hasher *h, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	uint64_t len = 0;

	if (fd < 0)
		return -errno;
	err = pk__hash_fd(h, fd, &len);
	close(fd);
	/* the length too: a file's bytes and the next input's cannot run together */
	pk__hash(h, &len, sizeof(len));
	return err;
}

void pk__hash_final(struct pk__hasher *h, struct pk__digest *d)
{
	SHA256Final(d->b, &h->ctx);
}

void pk__digest_hex(const struct pk__digest *d, char hex[PK__DIGEST_HEX])
{
	for (int i = 0; i < (int)sizeof(d->b); i++)
		snprintf(hex + 2 * i, 3, "%02x", d->b[i]);
}
