// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test child for opensnoop and statsnoop: prints "ready PID", then reads
 * actions from stdin, one per line, and does each with syscall(2), so that
 * libc cannot turn creat() into open() or stat() into statx(). For each it
 * prints "RET ERRNO". Paths are hex (any byte, newlines included).
 *
 *   open FLAGS MODE PATH       openat DFD FLAGS MODE PATH
 *   openat2 DFD FLAGS MODE PATH (FLAGS 64 bits)   creat MODE PATH
 *   dir PATH      openat(AT_FDCWD, PATH, O_RDONLY|O_DIRECTORY), kept open:
 *                 later DFDs may say @N for the Nth dir (from 0)
 *   chdir PATH    fchdir DFD -    setuid UID - (real and effective)
 *   stat PATH     lstat PATH    newfstatat DFD FLAGS PATH
 *   statx DFD FLAGS PATH        statfs PATH
 * ("-" stands for no path.) Numbers are C literals (0x.., 0..); DFD is a
 * number (-100 for AT_FDCWD)
 * or @N. Files opened by the open family are closed at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_DIRS 64

static int dirs[MAX_DIRS], ndirs;

static void unhex(const char *hex, char *out, size_t size)
{
	size_t i = 0;
	unsigned int b;

	while (hex[0] && hex[1] && i + 1 < size && sscanf(hex, "%2x", &b) == 1) {
		out[i++] = (char)b;
		hex += 2;
	}
	out[i] = '\0';
}

static long dfd_of(const char *s)
{
	if (s[0] == '@') {
		int n = atoi(s + 1);
		return n >= 0 && n < ndirs ? dirs[n] : -1;
	}
	return strtol(s, NULL, 0);
}

static long act(char **f, int n, char *path, size_t size)
{
	static char statbuf[512];
	struct open_how how = {};
	const char *op = f[0];
	long r;

	unhex(f[n - 1], path, size);
	if (!strcmp(op, "open") && n == 4)
		return syscall(SYS_open, path, (int)strtoul(f[1], NULL, 0), strtoul(f[2], NULL, 0));
	if (!strcmp(op, "openat") && n == 5)
		return syscall(SYS_openat, (int)dfd_of(f[1]), path, (int)strtoul(f[2], NULL, 0),
			       strtoul(f[3], NULL, 0));
	if (!strcmp(op, "openat2") && n == 5) {
		how.flags = strtoull(f[2], NULL, 0);
		how.mode = strtoull(f[3], NULL, 0);
		return syscall(SYS_openat2, (int)dfd_of(f[1]), path, &how, sizeof(how));
	}
	if (!strcmp(op, "creat") && n == 3)
		return syscall(SYS_creat, path, strtoul(f[1], NULL, 0));
	if (!strcmp(op, "dir") && n == 2) {
		r = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0);
		if (r >= 0 && ndirs < MAX_DIRS)
			dirs[ndirs++] = r;
		return r;
	}
	if (!strcmp(op, "chdir") && n == 2)
		return syscall(SYS_chdir, path);
	if (!strcmp(op, "fchdir") && n == 3)
		return syscall(SYS_fchdir, (int)dfd_of(f[1]));
	if (!strcmp(op, "setuid") && n == 3)
		return syscall(SYS_setresuid, atoi(f[1]), atoi(f[1]), -1);
	if (!strcmp(op, "stat") && n == 2)
		return syscall(SYS_stat, path, statbuf);
	if (!strcmp(op, "lstat") && n == 2)
		return syscall(SYS_lstat, path, statbuf);
	if (!strcmp(op, "newfstatat") && n == 4)
		return syscall(SYS_newfstatat, (int)dfd_of(f[1]), path, statbuf,
			       (int)strtoul(f[2], NULL, 0));
	if (!strcmp(op, "statx") && n == 4)
		return syscall(SYS_statx, (int)dfd_of(f[1]), path, (int)strtoul(f[2], NULL, 0),
			       0x7ff, statbuf);
	if (!strcmp(op, "statfs") && n == 2)
		return syscall(SYS_statfs, path, statbuf);
	fprintf(stderr, "sysopen: bad action '%s' (%d fields)\n", op, n);
	exit(2);
}

int main(void)
{
	static char line[16384], path[8192];
	char *f[8], *save;
	int n;
	long r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	while (fgets(line, sizeof(line), stdin)) {
		n = 0;
		for (f[n] = strtok_r(line, " \n", &save); f[n] && n < 7;
		     f[++n] = strtok_r(NULL, " \n", &save))
			;
		if (!n)
			continue;
		errno = 0;
		r = act(f, n, path, sizeof(path));
		printf("%ld %d\n", r < 0 ? -1L : r, r < 0 ? errno : 0);
		if (r >= 0 && strncmp(f[0], "open", 4) == 0)
			close(r);
		else if (r >= 0 && !strcmp(f[0], "creat"))
			close(r);
	}
	return 0;
}
