// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* CPU clock samples per pid: probekit run opens the perf events (-F HZ). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/maps.bpf.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} samples SEC(".maps");

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	pk_increment(&samples, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
