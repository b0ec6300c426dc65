// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * memleak's test target. Writes "ready", waits for a byte on stdin, then
 * leak() mallocs 4096 bytes 7 times and keeps them, and churn() allocates
 * through every allocator memleak traces and frees each block again:
 * malloc, calloc, realloc, posix_memalign, aligned_alloc, valloc, memalign,
 * pvalloc, mmap (freed by free or munmap). It writes "done N" (N the
 * allocations made, leaked or not) and waits for stdin to close. Its own
 * I/O is read(2) and write(2): stdio would allocate buffers while traced.
 * With "now" it neither waits nor reads (for -c).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LEAKS 7

void *volatile keep[LEAKS];
static int made;

__attribute__((noinline)) void leak(void)
{
	int i;

	for (i = 0; i < LEAKS; i++, made++)
		keep[i] = malloc(4096);
}

static void drop(void *p)
{
	if (!p)
		abort();
	free(p);
}

__attribute__((noinline)) void churn(void)
{
	void *p;
	int i;

	for (i = 0; i < 20; i++, made++)
		drop(malloc(100 + i));
	p = calloc(3, 1000);
	made++;
	/* realloc frees calloc's block and makes one */
	drop(realloc(p, 50000));
	made++;
	if (posix_memalign(&p, 64, 256))
		abort();
	drop(p);
	drop(aligned_alloc(64, 512));
	drop(valloc(1000));
	drop(memalign(128, 300));
	drop(pvalloc(2000));
	made += 5;
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		abort();
	munmap(p, 8192);
	made++;
}

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		exit(1);
}

int main(int argc, char **argv)
{
	int now = argc > 1 && !strcmp(argv[1], "now");
	char c, line[32];

	say("ready\n");
	if (!now && read(0, &c, 1) != 1)
		return 1;
	leak();
	churn();
	snprintf(line, sizeof(line), "done %d\n", made);
	say(line);
	while (!now && read(0, &c, 1) > 0)
		;
	return 0;
}
