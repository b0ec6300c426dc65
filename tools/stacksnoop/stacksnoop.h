/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The event stacksnoop's BPF programs send to user space. */
#ifndef STACKSNOOP_H
#define STACKSNOOP_H

#define STACKSNOOP_COMM_LEN 16
/* PERF_MAX_STACK_DEPTH */
#define STACKSNOOP_MAX_FRAMES 127

struct stacksnoop_event {
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	__u32 cpu;
	/* an id in the stacks map, or bpf_get_stackid()'s negative errno */
	__s32 stack_id;
	char comm[STACKSNOOP_COMM_LEN];
};

#endif
