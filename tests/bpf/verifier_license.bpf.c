// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A GPL-only helper from a program without a GPL license: "cannot call GPL-restricted function". */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("raw_tp/sys_enter")
int gpl_helper(void *ctx)
{
	return bpf_get_current_task() != 0; /* PK_LINE_LICENSE */
}

char LICENSE[] SEC("license") = "Proprietary";
