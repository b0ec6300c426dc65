/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The records of the syscalls:sys_enter_* and sys_exit_* tracepoints. Their
 * layout has been fixed for as long as they have existed, so programs can
 * use these instead of vmlinux.h's CO-RE types and spare libbpf the kernel
 * BTF parse (about 10 MB and tens of milliseconds at start-up).
 */
#ifndef PROBEKIT_SYSCALLS_BPF_H
#define PROBEKIT_SYSCALLS_BPF_H

/* The syscall number is an int (the format's __syscall_nr, 4 bytes at
 * offset 8); the 4 bytes after it are padding, not part of it. */
struct pk_syscall_enter {
	__u64 common;
	int id;
	unsigned long args[6];
};

struct pk_syscall_exit {
	__u64 common;
	int id;
	long ret;
};

#endif
