// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A loop the verifier cannot bound: it gives up at its instruction limit. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

volatile __u64 limit = ~0ULL;
__u64 total;

SEC("raw_tp/sys_enter")
int spin(void *ctx)
{
	__u64 i, sum = 0;

	for (i = 0; i < limit; i++)
		sum += i * 7 + (sum >> 3); /* PK_LINE_LOOP */
	total = sum;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
