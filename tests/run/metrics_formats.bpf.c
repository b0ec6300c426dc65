// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A counter whose key members have declared formats, for --metrics' label
 * values: connect() calls of targ_pid per (syscall, IPv4 address and port),
 * labelled nr="connect" and daddr="127.0.0.1:PORT", as `probekit run`
 * prints them (the port shows with its address, so it is no label).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <probekit/probekit.bpf.h>
#include <probekit/maps.bpf.h>

const volatile __u32 targ_pid = 0;

struct conn_key {
	pk_syscall_t nr;
	pk_ipv4_t daddr PK_PORT_BE(dport);
	__u16 dport;
};
PK_HASH(connects, struct conn_key, __u64, 64);

SEC("tracepoint/syscalls/sys_enter_connect")
int count_connect(struct pk_syscall_enter *ctx)
{
	struct conn_key k = {};
	struct sockaddr_in sa = {};

	if (bpf_get_current_pid_tgid() >> 32 != targ_pid)
		return 0;
	if (bpf_probe_read_user(&sa, sizeof(sa), (const void *)ctx->args[1]) || sa.sin_family != 2)
		return 0;
	k.nr = ctx->id;
	k.daddr = sa.sin_addr.s_addr;
	k.dport = sa.sin_port;
	pk_increment(&connects, &k);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
