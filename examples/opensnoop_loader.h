/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef OPENSNOOP_LOADER_H
#define OPENSNOOP_LOADER_H

struct event {
	__u32 pid;
	int ret;
	char comm[16];
	char path[256];
};

#endif
