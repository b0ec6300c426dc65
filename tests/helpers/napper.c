// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sleeps known times in known functions: nap_long() sleeps 3 x 100 ms,
 * nap_short() 4 x 20 ms. Prints "ready PID"; on a line from stdin sleeps,
 * then prints "napped LONG_NS SHORT_NS", each function's own wall time
 * (its sleeps, and the waits for a CPU after them); then waits for stdin
 * to close (its stacks are symbolized while it lives).
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static __attribute__((noinline)) long long nap(long ms, int times)
{
	struct timespec ts = {0, ms * 1000000L};
	long long start = now_ns();
	int i;

	for (i = 0; i < times; i++)
		nanosleep(&ts, NULL);
	return now_ns() - start;
}

static __attribute__((noinline)) long long nap_long(void)
{
	return nap(100, 3);
}

static __attribute__((noinline)) long long nap_short(void)
{
	return nap(20, 4);
}

int main(void)
{
	long long l, s;
	char line[16];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	l = nap_long();
	s = nap_short();
	printf("napped %lld %lld\n", l, s);
	while (getchar() != EOF)
		;
	return 0;
}
