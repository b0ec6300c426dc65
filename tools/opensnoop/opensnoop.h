/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The events opensnoop's BPF programs send to user space. */
#ifndef OPENSNOOP_H
#define OPENSNOOP_H

#define OPENSNOOP_PATH_MAX 512
#define OPENSNOOP_COMM_LEN 16
/* -F: the opener's directory, built in the kernel (a power of two) */
#define OPENSNOOP_DIR_MAX 2048
/* -F: at most this many steps up the dentry tree (directories and mounts) */
#define OPENSNOOP_DIR_DEPTH 64

/* The open flags that make the kernel use the mode (O_CREAT, __O_TMPFILE). */
#define OPENSNOOP_O_CREAT 0100
#define OPENSNOOP_O_TMPFILE_BIT 020000000
#define OPENSNOOP_USES_MODE(flags) \
	(((flags) & (OPENSNOOP_O_CREAT | OPENSNOOP_O_TMPFILE_BIT)) != 0)

struct opensnoop_event {
	__u64 ts_ns;
	/* openat2's are 64 bits wide */
	__u64 flags;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__s32 ret;
	__s32 dfd;
	/* 0 unless OPENSNOOP_USES_MODE(flags) */
	__u32 mode;
	/* the path did not fit in path[] */
	__u8 truncated;
	char comm[OPENSNOOP_COMM_LEN];
	char path[OPENSNOOP_PATH_MAX];
};

/*
 * With -F: the event followed by the directory a relative path was
 * relative to (the cwd, or the dirfd's file), as it was at the open.
 */
struct opensnoop_full_event {
	struct opensnoop_event base;
	/* dir[] holds the directory (no trailing '/'; "" for the root) */
	__u8 dir_ok;
	/* the top of the directory was cut: too deep or too long */
	__u8 dir_cut;
	__u16 dir_len;
	char dir[OPENSNOOP_DIR_MAX];
};

#endif
