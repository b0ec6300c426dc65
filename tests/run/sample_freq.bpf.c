// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * PK_SAMPLE_FREQ: CPU-clock samples of the processes of uid target_uid,
 * at the -F the file declares (its default 29 Hz).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/maps.bpf.h>
#include <probekit/tool.bpf.h>

PK_SAMPLE_FREQ(29);

const volatile __u32 target_uid = 0;

PK_ARRAY(samples, __u64, 1);

SEC("perf_event")
int on_sample(void *ctx)
{
	if ((__u32)bpf_get_current_uid_gid() == target_uid)
		pk_increment(&samples, &(__u32){0});
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
