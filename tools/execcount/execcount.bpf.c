// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Counts execve() and execveat() calls per uid, in a per-CPU hash that user
 * space reads and empties every interval (bcc's map_values_sample counts
 * root and the others the same way).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"

#if defined(__TARGET_ARCH_x86)
#define NR_EXECVE 59
#define NR_EXECVEAT 322
#elif defined(__TARGET_ARCH_arm64)
#define NR_EXECVE 221
#define NR_EXECVEAT 281
#else
#define NR_EXECVE -1
#define NR_EXECVEAT -1
#endif

PK_PERCPU_HASH(counts, __u32, __u64, 10240);

static __always_inline int count_exec(void)
{
	__u32 uid = (__u32)bpf_get_current_uid_gid();

	pk_increment(&counts, &uid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int tp_execve(void *ctx)
{
	return count_exec();
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int tp_execveat(void *ctx)
{
	return count_exec();
}

/*
 * Kernels without syscall tracepoint events still have sys_enter. Its
 * arguments are read as plain u64s: vmlinux.h's struct would be a CO-RE
 * relocation, and any one makes libbpf parse the kernel's BTF (10 MB of
 * peak memory) even when this program is not loaded.
 */
SEC("raw_tp/sys_enter")
int rt_sys_enter(__u64 *ctx)
{
	long id = (long)ctx[1];

	if (id == NR_EXECVE || id == NR_EXECVEAT)
		return count_exec();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
