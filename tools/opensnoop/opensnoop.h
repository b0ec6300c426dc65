/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The event opensnoop's BPF programs send to user space. */
#ifndef OPENSNOOP_H
#define OPENSNOOP_H

#define OPENSNOOP_PATH_MAX 512
#define OPENSNOOP_COMM_LEN 16

struct opensnoop_event {
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__s32 ret;
	__s32 dfd;
	__u32 flags;
	__u32 mode;
	/* the path did not fit in path[] */
	__u8 truncated;
	char comm[OPENSNOOP_COMM_LEN];
	char path[OPENSNOOP_PATH_MAX];
};

#endif
