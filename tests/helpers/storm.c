// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test child: waits for a line on stdin, then opens and closes PATH as fast
 * as it can for SECS seconds, and prints how many opens it made.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec now, end;
	unsigned long count = 0;
	char line[16];
	int fd;

	if (argc != 3)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += atoi(argv[2]);
	do {
		for (int i = 0; i < 256; i++, count++) {
			fd = open(argv[1], O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
	printf("opened %lu\n", count);
	return 0;
}
