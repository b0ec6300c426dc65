// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* -v is the runtime's (--verbose): a file cannot declare it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>

const volatile __u32 delay PK_OPTION(v, "delay", "MS", "wait MS first") = 0;

SEC("tracepoint/sched/sched_process_exit")
int on_exit(void *ctx)
{
	return delay;
}

char LICENSE[] SEC("license") = "GPL";
