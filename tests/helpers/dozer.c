// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test child for funclatency (dozer): prints "ready PID", waits for a line on
 * stdin, then calls nap() 5 times for 2 ms and 3 times for 20 ms, each one
 * nanosleep(2) (hrtimer_nanosleep() in the kernel), prints "done" and
 * waits for stdin's end. With "pair", nap_a() sleeps the 2 ms ones and
 * nap_b() the 20 ms ones instead (a pattern's two functions, each timed
 * on its own with funclatency -F).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	return nanosleep(&ts, NULL);
}

/* two bodies, so that the linker cannot fold them into one symbol */
__attribute__((noinline)) int nap_a(void)
{
	struct timespec ts = {0, 2000000};

	return nanosleep(&ts, NULL);
}

__attribute__((noinline)) int nap_b(void)
{
	struct timespec ts = {0, 20000000};

	return nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	int pair = argc > 1 && !strcmp(argv[1], "pair");
	char line[64];
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 0; i < 5; i++)
		pair ? nap_a() : nap(2);
	for (i = 0; i < 3; i++)
		pair ? nap_b() : nap(20);
	printf("done\n");
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
