// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stackcount: calls of a function, or hits of a tracepoint, counted per
 * distinct stack, as bcc's stackcount counts them; the stacks print
 * symbolized at the end (or every -i), as folded lines with -f, or as a
 * flame graph with --svg. The pattern is bcc's: "c:malloc*" or
 * "/path:func*" (uprobes, one uprobe_multi link per library where the
 * kernel has them), "t:sched:sched_*" (tracepoints), kernel functions
 * ("k:vfs_*", "vfs_read": fentry for one, else kprobes); the runtime
 * expands it (PK_TARGET_EACH; -r a regular expression) and gives the
 * matches to the program of their kind. A stack's first frame names the
 * function it was counted at, as in bcc.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"
#include "maps.bpf.h"

PK_TOOL_SUMMARY("Count calls of a function or hits of a tracepoint per distinct stack.");
PK_TOOL_EXAMPLE("stackcount c:malloc              # malloc()'s callers, every process");
PK_TOOL_EXAMPLE("stackcount -P -p 181 c:malloc    # per process, in process 181");
PK_TOOL_EXAMPLE("stackcount t:sched:sched_switch  # what leads to context switches");
PK_TOOL_EXAMPLE("stackcount -f -d 5 c:read > out.folded   # for flamegraph.pl");
PK_TOOL_EXAMPLE("stackcount 'c:malloc*'           # every malloc* function of libc");
PK_TOOL_EXAMPLE("stackcount -r 'k:vfs_(read|write)$'  # a regular expression");
PK_TOOL_BANNER("Tracing... Hit Ctrl-C to end.");

PK_FILTER_PID;

/* fentry before kprobe: a pattern that matches several falls to the kprobes */
const volatile char pattern[256] PK_OPTION(, "pattern", "PATTERN",
					   "c:malloc*, /path:func*, t:CAT:EVENT* or a kernel FUNC*")
    PK_TARGET(count__uprobe count__tp count__fentry count__kprobe)
	PK_TARGET_EACH PK_POSITIONAL = "";
const volatile bool
    regexp PK_OPTION(r, "regexp", "",
		     "the pattern is a regular expression, not a glob") PK_TARGET_REGEX = false;
const volatile bool per_pid PK_OPTION(P, "perpid", "", "one stack per process") = false;
const volatile bool kernel_only PK_OPTION(K, "kernel-stacks-only", "",
					  "kernel stacks only") = false;
const volatile bool user_only PK_OPTION(U, "user-stacks-only", "", "user stacks only") = false;

/* two stacks a hit: few buckets would make an -EEXIST collision likely */
PK_STACK_TRACE(stack_traces, 16384);

struct stack_key {
	__u32 pid;
	char comm[16];
	__s32 user_stack_id PK_USTACK_ID;
	__s32 kernel_stack_id PK_KSTACK_ID;
};

/* bcc's stackcount's text: frames two spaces in, "comm [pid]" under -P, the count */
PK_HASH(counts, struct stack_key, __u64, 10240)
PK_STACK_ROWS_FORMAT("  {kernel}\n{?delimit}    --\n  {user}\n{?comm}    {comm} [{pid}]\n"
		     "    {value}\n");

/* a stack not asked for: -EFAULT, which prints as nothing (as a user stack in the kernel does) */
#define NOT_ASKED -14

static __always_inline int count(void *ctx)
{
	struct stack_key key = {};

	if (pk_filtered())
		return 0;
	/* a user stack's addresses are its process's: it is symbolized in key.pid */
	if (per_pid || !kernel_only)
		key.pid = bpf_get_current_pid_tgid() >> 32;
	if (per_pid)
		bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.user_stack_id = kernel_only ? NOT_ASKED : pk_stack_id(ctx, &stack_traces, true);
	key.kernel_stack_id = user_only ? NOT_ASKED : pk_stack_id(ctx, &stack_traces, false);
	pk_increment(&counts, &key);
	return 0;
}

SEC("uprobe")
int count__uprobe(void *ctx)
{
	return count(ctx);
}

SEC("tracepoint")
int count__tp(void *ctx)
{
	return count(ctx);
}

SEC("fentry")
int count__fentry(void *ctx)
{
	return count(ctx);
}

SEC("kprobe")
int count__kprobe(void *ctx)
{
	return count(ctx);
}

char LICENSE[] SEC("license") = "GPL";
