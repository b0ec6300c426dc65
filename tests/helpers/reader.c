// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test child for the histogram tests: prints "ready PID", waits for
 * SIGUSR1 (in sigwait(), so that waiting makes no read() of its own),
 * then for each argument PATH:COUNT:SIZE opens PATH and makes exactly
 * COUNT read() calls of SIZE bytes on it, printing "fd FD" first. The
 * files stay open, so each argument reads through its own fd.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[1 << 20];

static int read_file(const char *arg)
{
	char path[256];
	unsigned long count, size, i;
	int fd;

	if (sscanf(arg, "%255[^:]:%lu:%lu", path, &count, &size) != 3 || size > sizeof(buf))
		return -1;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	printf("fd %d\n", fd);
	for (i = 0; i < count; i++) {
		if (read(fd, buf, size) < 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	sigset_t set;
	int i, sig;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready %d\n", getpid());
	if (sigwait(&set, &sig))
		return 1;
	for (i = 1; i < argc; i++) {
		if (read_file(argv[i])) {
			perror(argv[i]);
			return 1;
		}
	}
	return 0;
}
