// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static struct pk_unit_test *tests;
static struct pk_unit_test **tail = &tests;
static bool current_failed;

void pk_unit_register(struct pk_unit_test *t)
{
	*tail = t;
	tail = &t->next;
}

void pk_unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	current_failed = true;
	fprintf(stdout, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static char *saved_cache_home;

bool pk_unit_cache_begin(char *dir)
{
	const char *old = getenv("XDG_CACHE_HOME");

	if (!mkdtemp(dir))
		return false;
	saved_cache_home = old ? strdup(old) : NULL;
	setenv("XDG_CACHE_HOME", dir, 1);
	return true;
}

void pk_unit_cache_end(const char *dir)
{
	char cmd[PATH_MAX + 16];

	if (saved_cache_home)
		setenv("XDG_CACHE_HOME", saved_cache_home, 1);
	else
		unsetenv("XDG_CACHE_HOME");
	free(saved_cache_home);
	saved_cache_home = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	struct pk_unit_test *t;

	for (t = tests; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		current_failed = false;
		t->fn();
		printf("%s unit/%s\n", current_failed ? "FAIL" : "PASS", t->name);
		fflush(stdout);
		current_failed ? failed++ : passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
