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

/*
 * The raw sys_enter/sys_exit tracepoints (raw_tp/sys_enter: args[0] is the
 * struct pt_regs *, args[1] the syscall number; raw_tp/sys_exit: args[0]
 * the regs, args[1] the return value). Their programs run for every
 * syscall, so they test the number first. Include <asm/unistd.h> first.
 *
 * Syscalls an architecture lacks get a number no syscall has.
 */
#define PK_NR_NONE (-2L)
#ifdef __NR_open
#define PK_NR_OPEN __NR_open
#else
#define PK_NR_OPEN PK_NR_NONE
#endif
#ifdef __NR_creat
#define PK_NR_CREAT __NR_creat
#else
#define PK_NR_CREAT PK_NR_NONE
#endif

/*
 * Whether @regs (read by the raw sys_enter program) belong to a native
 * syscall. On x86_64 a 32-bit process's syscalls arrive on the same raw
 * tracepoint with i386 numbers (4 is write there, stat here), while the
 * classic syscall tracepoints leave them out: so do we, by the code
 * segment the syscall came from (__USER_CS is 0x33). (A 64-bit process
 * using int $0x80 is not caught; nor is it by the classic ones' numbers.)
 */
static __always_inline bool pk_regs_native(const struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return (regs->cs & 0xffff) == 0x33;
#else
	(void)regs;
	return true;
#endif
}

/* pk_raw_exit_nr() could not tell: the caller must look the call up itself. */
#define PK_NR_UNKNOWN (-3L)

/*
 * The number of the syscall a raw sys_exit is for: on x86 the entry code
 * keeps it in regs->orig_ax, as the classic exit tracepoint reads it.
 */
static __always_inline long pk_raw_exit_nr(const struct bpf_raw_tracepoint_args *ctx)
{
#if defined(__TARGET_ARCH_x86)
	const struct pt_regs *regs = (const void *)ctx->args[0];
	long nr = -1;

#ifdef __VMLINUX_H__
	bpf_probe_read_kernel(&nr, sizeof(nr), &regs->orig_ax);
#else
	bpf_probe_read_kernel(&nr, sizeof(nr), &regs->orig_rax);
#endif
	return nr;
#else
	(void)ctx;
	return PK_NR_UNKNOWN;
#endif
}

#endif
