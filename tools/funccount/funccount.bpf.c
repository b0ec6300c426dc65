// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * funccount: calls of the functions or tracepoints a pattern matches,
 * counted in the kernel, as bcc's funccount counts them: "c:malloc*" or
 * "/path:sym*" user functions (uprobes: one uprobe_multi link per library
 * where the kernel has them), "t:syscalls:sys_enter_getpp*" tracepoints,
 * "k:vfs_*", "f:vfs_*" or "vfs_*" kernel functions (fentry-free: kprobes,
 * which need a kernel with them). The runtime expands the pattern
 * (PK_TARGET_EACH) and attaches match i with cookie i; the one program
 * counts by its cookie, and the printer names row i by match i.
 *
 * -p filters inside the program (the uprobes are in every process that
 * maps the library); -r takes the pattern as a regular expression.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"
#include "maps.bpf.h"

PK_TOOL_SUMMARY("Count calls of the functions or tracepoints a pattern matches.");
PK_TOOL_EXAMPLE("funccount -p 181 'c:malloc*'        # libc's malloc* in process 181");
PK_TOOL_EXAMPLE("funccount 't:syscalls:sys_enter_*'  # every syscall tracepoint");
PK_TOOL_EXAMPLE("funccount -r 'c:(malloc|free)$' -c ./app  # regex, for a command");
PK_TOOL_EXAMPLE("funccount -i 1 -d 5 'vfs_*'         # kernel functions, every second");
PK_TOOL_BANNER("Tracing... Hit Ctrl-C to end.");

PK_FILTER_PID;

const volatile char pattern[256] PK_OPTION(, "pattern", "PATTERN",
					   "c:malloc*, /path:sym*, t:CAT:EVENT*, k:FUNC* or FUNC*")
    PK_TARGET(count__uprobe count__tp count__kprobe) PK_TARGET_EACH PK_POSITIONAL = "";
const volatile bool
    regexp PK_OPTION(r, "regexp", "",
		     "the pattern is a regular expression, not a glob") PK_TARGET_REGEX = false;

/* accepted for bcc's sake: with -i every print has its time line already */
const volatile bool timestamp PK_OPTION(T, "timestamp", "", "include timestamp on output") = false;
/* bcc's summary layout: a blank line before each print, HH:MM:SS under -T */
PK_TOOL_STAMPED(timestamp);

struct func_key {
	pk_target_t func;
};

struct func_count {
	__u64 count;
};

PK_PERCPU_HASH(counts, struct func_key, struct func_count, 1024)
PK_TABLE_ROW("{func:-36} {count:8}")
PK_ROW_HEADER("FUNC                                    COUNT") PK_ROW_SORT("count func") PK_CLEAR;

static __always_inline int count(void *ctx)
{
	struct func_key key = {.func = (__u32)bpf_get_attach_cookie(ctx)};
	static const struct func_count zero;
	struct func_count *c;

	if (pk_filtered())
		return 0;
	c = pk_lookup_or_try_init(&counts, &key, &zero);
	if (c)
		c->count++;
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

SEC("kprobe")
int count__kprobe(void *ctx)
{
	return count(ctx);
}

char LICENSE[] SEC("license") = "GPL";
