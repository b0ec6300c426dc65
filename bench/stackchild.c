// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stackchild: calls level1() ... level17() and bottom(), each a function
 * of its own, and at the bottom walks its frame pointers: prints 20 code
 * addresses (its own pc, then the return addresses up to main and into
 * libc), one per line in hex, then waits for stdin to close so its maps
 * stay readable.
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#define NR_FRAMES 20

static uintptr_t frames[NR_FRAMES];

static __attribute__((noinline)) int bottom(void)
{
	uintptr_t *fp = __builtin_frame_address(0);
	char c;
	int n = 0;

	frames[n++] = (uintptr_t)&bottom + 4;
	while (n < NR_FRAMES && fp) {
		frames[n++] = fp[1];
		fp = (uintptr_t *)fp[0];
	}
	for (int i = 0; i < n; i++)
		printf("%lx\n", (unsigned long)frames[i]);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return n;
}

/* Each level is its own symbol; the call after it keeps it off the tail-call path. */
#define LEVEL(n, next)                                                   \
	static __attribute__((noinline)) int level##n(int x)             \
	{                                                                \
		int r = next(x + 1);                                     \
		__asm__ volatile("" ::: "memory");                       \
		return r + 1;                                            \
	}

static __attribute__((noinline)) int level17(int x)
{
	int r = bottom();

	__asm__ volatile("" ::: "memory");
	return r + x;
}
LEVEL(16, level17)
LEVEL(15, level16)
LEVEL(14, level15)
LEVEL(13, level14)
LEVEL(12, level13)
LEVEL(11, level12)
LEVEL(10, level11)
LEVEL(9, level10)
LEVEL(8, level9)
LEVEL(7, level8)
LEVEL(6, level7)
LEVEL(5, level6)
LEVEL(4, level5)
LEVEL(3, level4)
LEVEL(2, level3)
LEVEL(1, level2)

int main(void)
{
	return level1(0) > 0 ? 0 : 1;
}
