// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test child for syscount: prints "ready PID", waits for a line on stdin
 * (or starts at once given "now"), then makes known syscalls, none of which
 * the loader makes at start-up: 1000 getppid(), 7 chdir() that fail with
 * ENOENT, 5 dup(-1) that fail with EBADF and 3 nanosleep() of 20 ms; then
 * prints "done" and waits for stdin's end. After the line: one read (its
 * return), 1015 calls, one write.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	bool now = argc > 1 && !strcmp(argv[1], "now");
	char line[64];
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!now) {
		printf("ready %d\n", getpid());
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	for (i = 0; i < 1000; i++)
		syscall(SYS_getppid);
	for (i = 0; i < 7; i++)
		syscall(SYS_chdir, "/nonexistent-syscaller");
	for (i = 0; i < 5; i++)
		syscall(SYS_dup, -1);
	for (i = 0; i < 3; i++)
		syscall(SYS_nanosleep, &ts, NULL);
	if (now)
		return 0;
	printf("done\n");
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
