// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Burns CPU in user mode, 2/3 of it in burn_two() and 1/3 in burn_one(),
 * in slices of 200 and 100 us of its own CPU time (preemption does not skew
 * the split). Prints "ready PID"; on a line from stdin burns SECS seconds
 * of CPU (argv[1], default 2) and prints "burnt TWO_NS ONE_NS", the CPU
 * time each had; then waits for stdin to close (its stacks are symbolized
 * while it lives).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

static long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* user-mode work, the clock read every 1000 rounds */
static __attribute__((noinline)) long long spin(long long ns)
{
	long long start = cpu_ns(), now;
	int i;

	do {
		for (i = 0; i < 1000; i++)
			sink += i;
		now = cpu_ns();
	} while (now - start < ns);
	return now - start;
}

static __attribute__((noinline)) long long burn_two(void)
{
	return spin(200000);
}

static __attribute__((noinline)) long long burn_one(void)
{
	return spin(100000);
}

int main(int argc, char **argv)
{
	long long total = (argc > 1 ? atof(argv[1]) : 2) * 1e9, two = 0, one = 0;
	char line[16];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	while (two + one < total) {
		two += burn_two();
		one += burn_one();
	}
	printf("burnt %lld %lld\n", two, one);
	while (getchar() != EOF)
		;
	return 0;
}
