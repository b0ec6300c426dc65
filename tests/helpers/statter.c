// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test child: prints "ready PID", waits for a line on stdin, then makes
 * one raw system call per argument and prints "ret errno" for each:
 * "stat:PATH", "lstat:PATH", "fstatat:PATH" (newfstatat, AT_FDCWD),
 * "statx:PATH", "statfs:PATH". Raw calls, because libc turns stat() into
 * newfstatat; "connect:PORT" connects a TCP socket to 127.0.0.1:PORT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static long do_connect(const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	long ret;

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return ret;
}

static long call(const char *arg)
{
	static char buf[4096];
	const char *path = strchr(arg, ':') ? strchr(arg, ':') + 1 : arg;

	if (!strncmp(arg, "stat:", 5))
		return syscall(SYS_stat, path, buf);
	if (!strncmp(arg, "lstat:", 6))
		return syscall(SYS_lstat, path, buf);
	if (!strncmp(arg, "fstatat:", 8))
		return syscall(SYS_newfstatat, AT_FDCWD, path, buf, 0);
	if (!strncmp(arg, "statx:", 6))
		return syscall(SYS_statx, AT_FDCWD, path, 0, 0x7ff, buf);
	if (!strncmp(arg, "statfs:", 7))
		return syscall(SYS_statfs, path, buf);
	if (!strncmp(arg, "connect:", 8))
		return do_connect(path);
	errno = EINVAL;
	return -1;
}

int main(int argc, char **argv)
{
	char line[64];
	long ret;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 1; i < argc; i++) {
		errno = 0;
		ret = call(argv[i]);
		printf("%ld %d\n", ret, ret < 0 ? errno : 0);
	}
	return 0;
}
