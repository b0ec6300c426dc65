// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A target chosen at run time, as bcc's funccount takes 'c:getppid': the
 * calls of the function --func (or the argument after the file) names, by
 * the process -p or -c says.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile char func[64] PK_OPTION(s, "func", "LIB:SYMBOL", "count the calls of this function")
	PK_TARGET(count_call) PK_POSITIONAL = "";

PK_FILTER_PID;

PK_HASH(calls, __u32, __u64, 1024);

SEC("uprobe")
int count_call(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	if (!pk_filtered())
		pk_increment(&calls, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
