// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test child, built 32-bit (-m32 -nostdlib): makes i386 syscalls through
 * int $0x80. Their numbers mean other calls on x86_64 (i386's write is 4,
 * x86_64's stat), so a tracer on the raw sys_enter tracepoint that trusts
 * the number alone reports writes as stats. Waits for a byte on stdin,
 * then writes nothing 50 times, opens and stats /pk-compat32-PATH, exits.
 */
static long sc(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

static char buf[256];

void _start(void)
{
	int i;

	sc(3, 0, (long)buf, 1); /* read */
	for (i = 0; i < 50; i++)
		sc(4, 1, (long)buf, 0); /* write */
	sc(5, (long)"/pk-compat32-open", 0, 0); /* open */
	sc(106, (long)"/pk-compat32-stat", (long)buf, 0); /* stat */
	sc(1, 0, 0, 0); /* exit */
	for (;;)
		;
}
