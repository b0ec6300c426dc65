// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Finding the file and the symbol of a uprobe, and the errors when absent. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <probekit/uprobe.h>

#include "unit.h"

PK_TEST(uprobe_short_name_is_the_mapped_library)
{
	char path[PATH_MAX], why[512], want[64];

	/* ours: the libc this process maps, seen through its root */
	CHECK_INT(pk_uprobe_find_binary("c", getpid(), path, sizeof(path), why, sizeof(why)), 0);
	snprintf(want, sizeof(want), "/proc/%d/root/", getpid());
	CHECK(strncmp(path, want, strlen(want)) == 0);
	CHECK(strstr(path, "/libc.so") != NULL);
	/* without a pid, the system's */
	CHECK_INT(pk_uprobe_find_binary("c", 0, path, sizeof(path), why, sizeof(why)), 0);
	CHECK(path[0] == '/' && strstr(path, "/libc.so") != NULL);
	CHECK(strncmp(path, "/proc/", 6) != 0);
}

PK_TEST(uprobe_path_and_program_names)
{
	char path[PATH_MAX], why[512];

	CHECK_INT(pk_uprobe_find_binary("/bin/sh", 0, path, sizeof(path), why, sizeof(why)), 0);
	CHECK_STR(path, "/bin/sh");
	/* a program on $PATH */
	CHECK_INT(pk_uprobe_find_binary("sh", 0, path, sizeof(path), why, sizeof(why)), 0);
	CHECK(strstr(path, "/sh") != NULL);
}

PK_TEST(uprobe_missing_binary_or_symbol_says_so)
{
	char path[PATH_MAX], why[512];
	struct bpf_link *link;

	CHECK_INT(pk_uprobe_find_binary("nosuchlib_pk", getpid(), path, sizeof(path), why,
					sizeof(why)), -ENOENT);
	CHECK(strstr(why, "libnosuchlib_pk.so") != NULL);
	CHECK_INT(pk_uprobe_find_binary("/no/such/file", 0, path, sizeof(path), why, sizeof(why)),
		  -ENOENT);
	CHECK_STR(why, "/no/such/file: no such file");
	CHECK_INT(pk_uprobe_find_binary("/etc/hostname", 0, path, sizeof(path), why, sizeof(why)),
		  -ENOENT);
	CHECK_STR(why, "/etc/hostname: not an ELF file");
	/* nothing is attached, so no program is needed to see the errors */
	link = pk_uprobe_attach(NULL, "c", "no_such_function_pk", NULL, why, sizeof(why));
	CHECK(link == NULL);
	CHECK_INT(errno, ENOENT);
	CHECK(strncmp(why, "no symbol no_such_function_pk in /", 34) == 0);
	link = pk_uprobe_attach(NULL, "nosuchlib_pk", "malloc", NULL, why, sizeof(why));
	CHECK(link == NULL);
	CHECK(strstr(why, "cannot find library libnosuchlib_pk.so") != NULL);
}
