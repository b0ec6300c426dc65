// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel addresses named by the kernel itself: "%pS" in bpf_snprintf()
 * is kallsyms' own lookup (the core kernel, modules, BPF programs), so
 * user space needs no copy of /proc/kallsyms. A BPF_PROG_TYPE_SYSCALL
 * program, run on demand with BPF_PROG_TEST_RUN: user space fills addrs
 * and nr, runs it once per stack, and reads names from the mapped .bss.
 */
/* vmlinux.h, not the UAPI headers: those need the multiarch <asm/...>, which a
 * build with CC=clang (make fuzz) does not find, and the library holds this */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* a whole stack per run (PK_STACK_DEPTH is 127); user space takes both from the skeleton */
#define PK_KK_MAX 128
/* "name+0xoff/0xsize [module]", cut there: the printers' buffers are 256 */
#define PK_KK_LEN 256

__u64 addrs[PK_KK_MAX];
__u32 nr;
char names[PK_KK_MAX][PK_KK_LEN];

SEC("syscall")
int symbolize(void *ctx)
{
	__u32 i;

	for (i = 0; i < PK_KK_MAX && i < nr; i++) {
		__u64 arg = addrs[i];

		bpf_snprintf(names[i], PK_KK_LEN, "%pS", &arg, sizeof(arg));
	}
	return 0;
}

/* bpf_snprintf() is GPL-only */
char LICENSE[] SEC("license") = "Dual BSD/GPL";
