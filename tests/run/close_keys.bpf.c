// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One key per fd targ_pid calls close() on: a key flood of known size for
 * the metrics test and benchmark (10,000 closes of unused fds make 10,000
 * keys, each a counter series with two labels).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile __u32 targ_pid = 0;

struct close_key {
	__u32 fd;
	__u32 pid;
};
PK_HASH(closes, struct close_key, __u64, 16384);

PK_SYSCALL_ENTER(close)
{
	struct close_key k = {.fd = args->args[0], .pid = bpf_get_current_pid_tgid() >> 32};

	if (k.pid != targ_pid)
		return 0;
	pk_increment(&closes, &k);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
