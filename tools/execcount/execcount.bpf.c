// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * execcount: execve() and execveat() calls by root and by other users per
 * interval, as bcc's map_values_sample counts them; --by-uid gives one row
 * per uid. Each interval's counts are read and cleared in one step. The
 * whole tool is this file: probekit compiles it in, and `probekit run
 * tools/execcount/execcount.bpf.c` runs a copy from source.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "tool.bpf.h"

PK_TOOL_SUMMARY("Count execve() calls by root and by other users, per interval.");
PK_TOOL_EXAMPLE("execcount                # root and other users, every 5 seconds");
PK_TOOL_EXAMPLE("execcount -i 1 -d 10     # every second, for 10 seconds");
PK_TOOL_EXAMPLE("execcount --by-uid       # one row per uid");
PK_TOOL_BANNER("Counting execve() calls every {interval} s... Hit Ctrl-C to end.");
PK_TOOL_INTERVAL(5);
/*
 * The classic tracepoints first: the raw sys_enter program would run on
 * every syscall of the machine (the untraced-syscall tax, bench/README.md),
 * where the syscall tracepoints cost other syscalls a bit test. The price is
 * an RCU grace period per tracepoint when detached, one after another under
 * the kernel's event_mutex (two here). The raw one is for kernels without
 * syscall tracepoint events.
 */
PK_PREFER("tracepoint raw_tp");

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

const volatile bool by_uid PK_OPTION(, "by-uid", "", "one row per uid instead of root and other") =
	false;

struct uid_key {
	__u32 uid;
};

struct uid_count {
	__u64 execs;
};

struct split {
	__u64 root;
	__u64 other;
};

PK_PERCPU_HASH(counts, struct uid_key, struct uid_count, 10240)
	PK_TABLE_ROW("{time:-8} {uid:-10} {execs:8}") PK_ROW_HEADER("TIME     UID           EXECS")
	PK_ROW_SORT("uid") PK_ROW_HEADER_ONCE PK_CLEAR PK_TABLE_WHEN(by_uid);
PK_PERCPU_ARRAY(split, struct split, 1)
	PK_TABLE_ROW("{time:-8} {root:8} {other:8}") PK_ROW_HEADER("TIME         ROOT    OTHER")
	PK_ROW_HEADER_ONCE PK_CLEAR PK_TABLE_UNLESS(by_uid);

static __always_inline int count_exec(void)
{
	struct uid_key key = { .uid = (__u32)bpf_get_current_uid_gid() };
	static const struct uid_count zero;
	struct uid_count *c;
	struct split *s;
	__u32 i = 0;

	if (by_uid) {
		c = pk_lookup_or_try_init(&counts, &key, &zero);
		if (c)
			c->execs++;
		return 0;
	}
	s = bpf_map_lookup_elem(&split, &i);
	if (s && key.uid == 0)
		s->root++;
	else if (s)
		s->other++;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int exec__tp_execve(void *ctx)
{
	return count_exec();
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int exec__tp_execveat(void *ctx)
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
int exec__raw_tp(__u64 *ctx)
{
	long id = (long)ctx[1];

	if (id == NR_EXECVE || id == NR_EXECVEAT)
		return count_exec();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
