// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Spins in clock_gettime() (the vDSO, in user mode) for SECS seconds, so
 * that a profile's samples land in user mode, most of them in the vDSO.
 * Prints "ready PID" first and "spun" after, then waits for stdin to close
 * (its stacks are symbolized while it lives).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1;
	struct timespec start, now;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < secs);
	printf("spun\n");
	while (getchar() != EOF)
		;
	return 0;
}
