// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `probekit list`'s test binary: known functions (pk_list_alpha,
 * pk_list_beta, pk_list_gamma) and two USDT probes (pktest:start with two
 * arguments, pktest:done with none), written as sys/sdt.h writes them
 * (Debian's systemtap-sdt-dev is not a build dependency). Prints "ready"
 * and waits for stdin to close, so tests can list it by pid.
 */
#include <stdio.h>

#define PK_USDT(provider, name, args, ...)                                              \
	__asm__ __volatile__("990: nop\n"                                               \
			     ".pushsection .note.stapsdt,\"\",\"note\"\n"               \
			     ".balign 4\n"                                              \
			     ".4byte 992f-991f, 994f-993f, 3\n"                         \
			     "991: .asciz \"stapsdt\"\n"                                \
			     "992: .balign 4\n"                                         \
			     "993: .8byte 990b\n"                                       \
			     ".8byte _.stapsdt.base\n"                                  \
			     ".8byte 0\n"                                               \
			     ".asciz \"" provider "\"\n"                                \
			     ".asciz \"" name "\"\n"                                    \
			     ".asciz \"" args "\"\n"                                    \
			     "994: .balign 4\n"                                         \
			     ".popsection\n"                                            \
			     ".ifndef _.stapsdt.base\n"                                 \
			     ".pushsection .stapsdt.base,\"aG\",\"progbits\","          \
			     ".stapsdt.base,comdat\n"                                   \
			     ".weak _.stapsdt.base\n"                                   \
			     ".hidden _.stapsdt.base\n"                                 \
			     "_.stapsdt.base: .space 1\n"                               \
			     ".size _.stapsdt.base, 1\n"                                \
			     ".popsection\n"                                            \
			     ".endif\n" ::__VA_ARGS__)

__attribute__((noinline)) int pk_list_alpha(int x)
{
	PK_USDT("pktest", "start", "-4@%0 8@%1", "r"(x), "r"((long)x * 2));
	return x + 1;
}

__attribute__((noinline)) int pk_list_beta(int x)
{
	return pk_list_alpha(x) * 3;
}

__attribute__((noinline)) int pk_list_gamma(int x)
{
	PK_USDT("pktest", "done", "");
	return pk_list_beta(x) - 1;
}

int main(void)
{
	char line[16];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", pk_list_gamma(1));
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
