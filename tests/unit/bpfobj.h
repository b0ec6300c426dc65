/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF objects the Makefile compiles from tests/bpf/ at test time
 * (BUILD/tests/bpf/NAME.bpf.o), their sources, and whether loading BPF is
 * expected to work here: without privileges a test says so loudly and
 * passes, unless PROBEKIT_REQUIRE_BPF=1, where it fails.
 */
#ifndef PK_UNIT_BPFOBJ_H
#define PK_UNIT_BPFOBJ_H

#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

/* BUILD/tests/bpf/NAME.bpf.o, next to the unit test binary. */
static inline const char *pk_test_bpf_obj(const char *name)
{
	static char paths[4][PATH_MAX];
	static int next;
	char exe[PATH_MAX - 64], *p = paths[next++ % 4];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0) {
		snprintf(p, PATH_MAX, "build/tests/bpf/%s.bpf.o", name);
		return p;
	}
	exe[n] = '\0';
	snprintf(p, PATH_MAX, "%s/bpf/%s.bpf.o", dirname(exe), name);
	return p;
}

/* The line of tests/bpf/FILE holding @marker, 0 if none. */
static inline int pk_test_bpf_line(const char *file, const char *marker)
{
	char path[PATH_MAX], exe[PATH_MAX - 64], line[512], *slash;
	ssize_t n;
	FILE *f;
	int no = 0;

	snprintf(path, sizeof(path), "tests/bpf/%s", file);
	if (access(path, R_OK) != 0) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return 0;
		exe[n] = '\0';
		/* BUILD/tests/unit-tests -> BUILD/.. */
		for (int i = 0; i < 3 && (slash = strrchr(exe, '/')); i++)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/tests/bpf/%s", exe, file);
	}
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		no++;
		if (strstr(line, marker)) {
			fclose(f);
			return no;
		}
	}
	fclose(f);
	return 0;
}

/* False (after saying why) when BPF cannot be loaded and that is allowed. */
static inline bool pk_test_need_bpf(const char *what)
{
	const char *require = getenv("PROBEKIT_REQUIRE_BPF");

	if (geteuid() == 0)
		return true;
	if (require && !strcmp(require, "1")) {
		pk_unit_fail(__FILE__, __LINE__, "PROBEKIT_REQUIRE_BPF=1 but not root for %s", what);
		return false;
	}
	printf("  SKIP %s: loading BPF needs root\n", what);
	return false;
}

#endif
