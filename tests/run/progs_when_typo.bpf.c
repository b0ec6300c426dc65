// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* PK_PROGS_WHEN() naming a variable that is not an option: refused at open. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>

const volatile bool timed PK_OPTION(t, "timed", "", "timed") = false;
PK_PROGS_WHEN(timd, "on_*");

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_enter(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
