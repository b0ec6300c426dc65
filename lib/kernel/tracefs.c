// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <probekit/tracefs.h>

#include "kernel.h"

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif

static const char *const tracefs_candidates[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
};

static bool is_tracefs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == TRACEFS_MAGIC;
}

/* tracefs where it is mounted already, or NULL */
static const char *mounted_tracefs(void)
{
	size_t i;

	for (i = 0; i < sizeof(tracefs_candidates) / sizeof(tracefs_candidates[0]); i++) {
		if (is_tracefs(tracefs_candidates[i]))
			return tracefs_candidates[i];
	}
	return NULL;
}

const char *pk_tracefs_path(void)
{
	static const char *found;

	if (found)
		return found;
	found = mounted_tracefs();
	if (found)
		return found;
	if (mount("nodev", tracefs_candidates[0], "tracefs", 0, NULL) == 0 &&
	    is_tracefs(tracefs_candidates[0]))
		return found = tracefs_candidates[0];
	if (errno == 0)
		errno = ENODEV;
	return NULL;
}

static int tracepoint_path(char *buf, size_t size, const char *category, const char *event,
			   const char *file)
{
	const char *root = pk_tracefs_path();
	int n;

	if (!root)
		return -errno;
	/* the names come from users: no path tricks */
	if (!category[0] || !event[0] || strchr(category, '/') || strchr(event, '/') ||
	    !strcmp(category, "..") || !strcmp(event, ".."))
		return -ENOENT;
	n = snprintf(buf, size, "%s/events/%s/%s%s%s", root, category, event, file ? "/" : "",
		     file ? file : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool pk__trace_event_named(const char *event)
{
	const char *root = mounted_tracefs();
	char pattern[PATH_MAX];
	glob_t g;
	bool found;

	/* a name from a file's SEC(): nothing glob or the path would read */
	if (!root || !event[0] || strpbrk(event, "/*?[\\") || !strcmp(event, ".."))
		return false;
	snprintf(pattern, sizeof(pattern), "%s/events/*/%s", root, event);
	found = !glob(pattern, GLOB_NOSORT, NULL, &g) && g.gl_pathc > 0;
	globfree(&g);
	return found;
}

bool pk_tracepoint_exists(const char *category, const char *event)
{
	char path[PATH_MAX];

	return tracepoint_path(path, sizeof(path), category, event, NULL) == 0 &&
	       access(path, F_OK) == 0;
}

int pk_tracepoint_id(const char *category, const char *event)
{
	char path[PATH_MAX];
	FILE *f;
	int id, err;

	err = tracepoint_path(path, sizeof(path), category, event, "id");
	if (err)
		return err;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	err = fscanf(f, "%d", &id) == 1 ? id : -EINVAL;
	fclose(f);
	return err;
}
