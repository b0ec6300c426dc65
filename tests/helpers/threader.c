// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test child for threadsnoop: prints "ready PID", waits for a line on
 * stdin, then creates 3 threads that start in worker_one() and 2 that
 * start in worker_two(), joins them, prints "done" and waits for stdin's
 * end (so that its symbols can still be read).
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((noinline)) void *worker_one(void *arg)
{
	return arg;
}

__attribute__((noinline)) void *worker_two(void *arg)
{
	return arg;
}

int main(void)
{
	pthread_t t[5];
	char line[64];
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 0; i < 5; i++)
		pthread_create(&t[i], NULL, i < 3 ? worker_one : worker_two, NULL);
	for (i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	printf("done\n");
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
