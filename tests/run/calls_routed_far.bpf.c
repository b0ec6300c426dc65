// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * PK_TARGET with a fallback group's programs, the uprobe named last, past
 * the first 64 characters of the list (which once cut it off without a
 * word): the calls of the function --func names, by the process -c runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile char func[64] PK_OPTION(s, "func", "LIB:SYMBOL", "count the calls of this function")
    PK_TARGET(calls_of_the_function__tp calls_of_the_function__kprobe calls_of_the_function__uprobe)
	PK_POSITIONAL = "";

PK_FILTER_PID;

PK_HASH(calls, __u32, __u64, 1024);

static __always_inline int count(void)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	if (!pk_filtered())
		pk_increment(&calls, &pid);
	return 0;
}

SEC("tracepoint")
int calls_of_the_function__tp(void *ctx)
{
	return count();
}

SEC("kprobe")
int calls_of_the_function__kprobe(void *ctx)
{
	return count();
}

SEC("uprobe")
int calls_of_the_function__uprobe(void *ctx)
{
	return count();
}

char LICENSE[] SEC("license") = "GPL";
