// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * read() latency as a log2 histogram, bcc's tutorial histogram
 * (bitehist.py, biolatency's layout) in one file with no user-space code:
 *
 *	sudo probekit run readlatency.bpf.c                 # every process
 *	sudo probekit run --set targ_pid=1234 readlatency.bpf.c
 *	^C
 *	read_usecs:
 *	     usecs               : count     distribution
 *	         0 -> 1          : 4210     |****************************************|
 *	         2 -> 3          : 388      |***                                     |
 *	         4 -> 7          : 25       |                                        |
 *
 * PK_HIST() marks the map as a histogram in its BTF; probekit run prints
 * it as bcc's print_log2_hist() does, the unit taken from the name. With
 * -i 1 --clear it prints one histogram a second; --json gives the buckets.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

/* 0: every process */
const volatile __u32 targ_pid = 0;

/* when each thread entered read() */
PK_HASH(start, __u32, __u64, 10240);
PK_HIST(read_usecs, 64);

static __always_inline bool traced(__u64 pid_tgid)
{
	return !targ_pid || pid_tgid >> 32 == targ_pid;
}

PK_SYSCALL_ENTER(read)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), ts = bpf_ktime_get_ns();
	__u32 tid = pid_tgid;

	if (traced(pid_tgid))
		bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
	return 0;
}

PK_SYSCALL_EXIT(read)
{
	__u32 tid = bpf_get_current_pid_tgid();
	__u64 *tsp = bpf_map_lookup_elem(&start, &tid);

	if (!tsp)
		return 0;
	pk_hist_add(&read_usecs, (bpf_ktime_get_ns() - *tsp) / 1000);
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
