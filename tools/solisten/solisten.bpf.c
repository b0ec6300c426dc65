// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * solisten: TCP listen() calls as they happen, with the backlog, port and
 * address, as bcc's solisten prints them. bcc uses a kprobe on
 * inet_listen(); here the socket entering LISTEN (sock:inet_sock_set_state,
 * in the task that calls listen()), with the backlog and the network
 * namespace read from the socket, which inet_listen() has set by then.
 * A listen() on a socket already listening (to change its backlog) does
 * not change its state and is not seen.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "probekit.bpf.h"
#include "tcp.bpf.h"

PK_TOOL_SUMMARY("Trace TCP listen() calls, with the backlog, port and address.");
PK_TOOL_EXAMPLE("solisten                 # every listen()");
PK_TOOL_EXAMPLE("solisten --show-netns    # with the network namespace");
PK_TOOL_EXAMPLE("solisten -p 181          # process 181 only");
PK_TOOL_EXAMPLE("solisten -n 4026531840   # network namespace 4026531840 only");
PK_FILTER_PID;

const volatile bool show_netns PK_OPTION(, "show-netns", "", "include a NETNS column") = false;
const volatile __u32 netns PK_OPTION(n, "netns", "NETNS",
				     "trace this network namespace (its inode number) only") = 0;

/* bcc's "%-7d %-12.12s %-12d %-6s %-8d %-5d %-39s" */
struct event {
	__u32 pid PK_WIDTH(-7);
	char comm[16] PK_WIDTH(-12) PK_PRECISION(12);
	__u32 netns PK_WHEN(show_netns) PK_HEADER("NETNS") PK_WIDTH(-12);
	/* bcc's TCPv4 or TCPv6 */
	char proto[6] PK_HEADER("PROTO") PK_WIDTH(-6);
	__u32 backlog PK_HEADER("BACKLOG") PK_WIDTH(-8);
	__u16 port PK_HEADER("PORT") PK_WIDTH(-5);
	pk_inet_addr_t addr PK_INET(af) PK_HEADER("ADDR");
	__u16 af PK_WHEN(pk_tcp_hidden);
};
PK_EVENT(struct event);

SEC("tracepoint/sock/inet_sock_set_state")
int sock__inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *args)
{
	const struct sock *sk = args->skaddr;
	pk_inet_addr_t unused;
	struct event *e;
	__u32 ns;

	if (args->newstate != TCP_LISTEN || args->protocol != PK_IPPROTO_TCP ||
	    (args->family != PK_AF_INET && args->family != PK_AF_INET6) || pk_filtered())
		return 0;
	ns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	if (netns && ns != netns)
		return 0;
	e = pk_reserve(struct event);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->netns = ns;
	__builtin_memcpy(e->proto, args->family == PK_AF_INET6 ? "TCPv6" : "TCPv4", 6);
	e->backlog = BPF_CORE_READ(sk, sk_max_ack_backlog);
	e->port = args->sport;
	e->af = args->family;
	pk_tcp_addrs(&e->addr, &unused, args);
	pk_submit(args, e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
