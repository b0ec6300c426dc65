// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The stack tests' target, built with frame pointers and no optimisation
 * so that each function keeps its frame: prints "ready", waits for a line
 * on stdin, then outer() -> middle() -> inner() makes the getppid system
 * call N times (argv[1], default 7) from inline assembly (a libc wrapper
 * would be a frame without a frame pointer, hiding inner), prints "done"
 * and waits for stdin to close. With "now" as argv[2] it does not wait.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

static long raw_getppid(void)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "0"((long)SYS_getppid) : "rcx", "r11", "memory");
	return ret;
}

__attribute__((noinline)) void inner(int n)
{
	int i;

	for (i = 0; i < n; i++)
		raw_getppid();
}

__attribute__((noinline)) void middle(int n)
{
	inner(n);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void outer(int n)
{
	middle(n);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 7;
	int now = argc > 2 && !strcmp(argv[2], "now");
	char line[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	if (!now && !fgets(line, sizeof(line), stdin))
		return 1;
	outer(n);
	printf("done\n");
	if (!now)
		while (fgets(line, sizeof(line), stdin))
			;
	return 0;
}
