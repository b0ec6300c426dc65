// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test child: waits for a line on stdin, then opens each argument and
 * prints "fd errno" for it. "w:PATH" opens for writing (O_WRONLY|O_CREAT,
 * mode 0640); "at:PATH" uses openat(AT_FDCWD); plain PATH uses open().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char line[64];
	int i, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "w:", 2))
			fd = open(argv[i] + 2, O_WRONLY | O_CREAT, 0640);
		else if (!strncmp(argv[i], "at:", 3))
			fd = openat(AT_FDCWD, argv[i] + 3, O_RDONLY);
		else
			fd = open(argv[i], O_RDONLY);
		printf("%d %d\n", fd, fd < 0 ? errno : 0);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
