// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where probekit keeps what it can make again: `probekit run`'s objects and
 * vmlinux.h (compile.c), the kernel BTF cut down for CO-RE (core_btf.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"

int pk__mkdirs(const char *path)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int pk__cache_dir(const char *dir, char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (dir)
		n = snprintf(buf, size, "%s", dir);
	else if (xdg && xdg[0] == '/')
		n = snprintf(buf, size, "%s/probekit", xdg);
	else if (home && home[0])
		n = snprintf(buf, size, "%s/.cache/probekit", home);
	else
		return -ENOENT;
	return n < (int)size ? pk__mkdirs(buf) : -ENAMETOOLONG;
}

#define PRIME 0x9e3779b97f4a7c15ULL

/* A word at a time: the kernel's BTF (5 MB and more) is hashed at every start. */
uint64_t pk__hash(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * PRIME;
		h ^= h >> 29;
	}
	while (len--)
		h = (h ^ *p++) * PRIME;
	return h;
}

uint64_t pk__hash_str(uint64_t h, const char *s)
{
	/* the NUL too, so that "ab","c" and "a","bc" differ */
	return pk__hash(h, s, strlen(s) + 1);
}

int pk__hash_file(const char *path, uint64_t *h)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*h = pk__hash(*h, buf, n);
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}
