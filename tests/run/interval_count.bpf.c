// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * PK_TOOL_INTERVAL_COUNT and the print programs: `run FILE 1 2` prints
 * twice, a second apart, and stops; before each print the SEC("syscall")
 * program runs once, so the row shows 1, then 2.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/maps.bpf.h>
#include <probekit/tool.bpf.h>

PK_TOOL_INTERVAL_COUNT(1);

struct row {
	__u64 prints;
};

PK_ARRAY(printed, struct row, 1) PK_TABLE_ROW("prints {prints}") PK_ROW_HEADER("ROWS")
PK_ROW_HEADER_ONCE;

SEC("syscall")
int before_print(void *ctx)
{
	__u32 zero = 0;
	struct row *r = bpf_map_lookup_elem(&printed, &zero);

	if (r)
		r->prints++;
	return 0;
}

/* a file needs something attached */
SEC("tracepoint/syscalls/sys_enter_getppid")
int attached(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
