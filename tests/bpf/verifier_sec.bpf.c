// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A section name libbpf cannot map to a program type: libbpf's own reason, not the verifier's. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("no_such_section_kind/foo")
int bad_section(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
