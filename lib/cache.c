// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where probekit keeps what it can make again: `probekit run`'s objects and
 * vmlinux.h (compile.c), the kernel BTF cut down for CO-RE (core_btf.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "internal.h"

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
