/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The event statsnoop's BPF programs send to user space. */
#ifndef STATSNOOP_H
#define STATSNOOP_H

#define STATSNOOP_PATH_MAX 512
#define STATSNOOP_COMM_LEN 16

/* The stat family; the names are the kernel's (sys_enter_<name>, <prefix><name>). */
enum statsnoop_sys {
	SN_STAT = 1,
	SN_LSTAT,
	SN_NEWSTAT,
	SN_NEWLSTAT,
	SN_FSTATAT64,
	SN_NEWFSTATAT,
	SN_STATX,
	SN_STATFS,
	SN__COUNT,
};

struct statsnoop_event {
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	__s32 ret;
	__u32 sys;
	/* the path did not fit in path[] */
	__u8 truncated;
	char comm[STATSNOOP_COMM_LEN];
	char path[STATSNOOP_PATH_MAX];
};

#endif
