// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mallocstacks' test target. Prints "ready", waits for a line on stdin,
 * then alloc_a() mallocs 4096 bytes 10 times and alloc_b() 100 bytes 7
 * times (one call site each), prints "done" and waits for stdin to close.
 * With "now", it allocates at once (for -c) and exits. With "exec", it
 * runs alloc_a() and then execs itself (plain) after the line on stdin.
 * With "all", after alloc_b() alloc_c() callocs 5 times 3 x 1000 bytes and
 * alloc_d() reallocs 4 of alloc_a()'s blocks to 5000 bytes (each function
 * through its own uprobe, and its own attach cookie).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *volatile keep[32];

__attribute__((noinline)) void alloc_a(void)
{
	int i;

	for (i = 0; i < 10; i++)
		keep[i] = malloc(4096);
}

__attribute__((noinline)) void alloc_b(void)
{
	int i;

	for (i = 0; i < 7; i++)
		keep[10 + i] = malloc(100);
}

__attribute__((noinline)) void alloc_c(void)
{
	int i;

	for (i = 0; i < 5; i++)
		keep[20 + i] = calloc(3, 1000);
}

__attribute__((noinline)) void alloc_d(void)
{
	int i;

	for (i = 0; i < 4; i++)
		keep[i] = realloc(keep[i], 5000);
}

int main(int argc, char **argv)
{
	char line[64];
	int now = argc > 1 && !strcmp(argv[1], "now");
	int reexec = argc > 1 && !strcmp(argv[1], "exec");
	int all = argc > 1 && !strcmp(argv[1], "all");

	/* stdio's buffers are allocated here, before tracing starts */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	if (!now && !fgets(line, sizeof(line), stdin))
		return 1;
	alloc_a();
	if (reexec) {
		execl("/proc/self/exe", argv[0], (char *)NULL);
		return 1;
	}
	alloc_b();
	if (all) {
		alloc_c();
		alloc_d();
	}
	printf("done\n");
	if (!now)
		while (fgets(line, sizeof(line), stdin))
			;
	return 0;
}
