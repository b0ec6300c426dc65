// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A loop whose bound the verifier cannot see: it walks every iteration
 * until it gives up at the million-instruction limit.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

volatile __u64 limit = ~0ULL;
__u64 total;

SEC("tracepoint/syscalls/sys_enter_execve")
int spin(void *ctx)
{
	__u64 i, sum = 0;

	for (i = 0; i < limit; i++)
		sum += i * 7 + (sum >> 3);
	total = sum;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
