/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef MALLOCSTACKS_H
#define MALLOCSTACKS_H

#define MALLOCSTACKS_MAX_STACKS 16384
/* the kernel's PERF_MAX_STACK_DEPTH */
#define MALLOCSTACKS_DEPTH 127

/*
 * At a function's first instruction the caller's frame is not linked yet:
 * a frame-pointer walk from there skips the caller, unless the kernel
 * adds it (it does only for functions starting with push %rbp or
 * endbr64, which glibc's malloc does not). So the return address, at the
 * top of the stack at entry, is part of the key.
 */
struct mallocstacks_key {
	__s32 stack_id;	/* negative: the errno of a stack that was not taken */
	/* how many times the process had exec'd: each image has its own maps */
	__u32 generation;
	__u64 caller;
};

struct mallocstacks_total {
	__u64 bytes;
	__u64 calls;
};

/* the attach cookie of each function probed */
enum mallocstacks_func {
	MALLOCSTACKS_MALLOC = 1,
	MALLOCSTACKS_CALLOC,
	MALLOCSTACKS_REALLOC,
};

enum mallocstacks_kind {
	/* a new stack: user space reads the maps while the process lives */
	MALLOCSTACKS_NEW_STACK,
	/* the process exec'd: key.generation is the new image's */
	MALLOCSTACKS_EXEC,
};

struct mallocstacks_event {
	__u32 pid;
	__u32 kind;
	struct mallocstacks_key key;
};

#endif
