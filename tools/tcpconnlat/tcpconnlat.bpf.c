// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcpconnlat: the latency of active TCP connects, from the SYN sent to the
 * handshake done, as bcc's tcpconnlat prints it. bcc times
 * tcp_v4_connect() to tcp_rcv_state_process() with kprobes; here both ends
 * are sock:inet_sock_set_state: entering SYN_SENT (in the connecting
 * task: its pid and comm) and SYN_SENT to ESTABLISHED (in softirq, when
 * the SYN-ACK comes). A connect that fails (SYN_SENT to CLOSE) is not
 * printed, as in bcc.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "tcp.bpf.h"

PK_TOOL_SUMMARY("Trace TCP connect latency (SYN sent to ESTABLISHED).");
PK_TOOL_EXAMPLE("tcpconnlat               # every active TCP connect, with its latency");
PK_TOOL_EXAMPLE("tcpconnlat 1             # only connects slower than 1 ms");
PK_TOOL_EXAMPLE("tcpconnlat -t -L         # with a timestamp and the local port");
PK_TOOL_EXAMPLE("tcpconnlat -p 181        # process 181 only");
PK_FILTER_PID;

const volatile bool print_ts PK_OPTION(t, "timestamp", "", "include a timestamp column") = false;
const volatile bool print_lport PK_OPTION(L, "lport", "", "include a LPORT column") = false;
const volatile bool ipv4_only PK_OPTION(4, "ipv4", "", "trace IPv4 family only") = false;
const volatile bool ipv6_only PK_OPTION(6, "ipv6", "", "trace IPv6 family only") = false;
const volatile __u64 min_ms
    PK_OPTION(m, "min-ms", "MS", "only connects slower than MS milliseconds") PK_POSITIONAL = 0;

/* bcc's "%-9.3f" then "%-7d %-12.12s %-2d %-16s %-6d %-16s %-5d %.2f" */
struct event {
	__u64 ts PK_WHEN(print_ts) PK_WIDTH(-8) PK_PRECISION(3);
	__u32 pid PK_WIDTH(-7);
	char comm[16] PK_WIDTH(-12) PK_PRECISION(12);
	__u8 ip PK_HEADER("IP") PK_WIDTH(-2);
	pk_inet_addr_t saddr PK_INET(af) PK_HEADER("SADDR") PK_WIDTH(-16);
	__u16 lport PK_WHEN(print_lport) PK_HEADER("LPORT") PK_WIDTH(-6);
	pk_inet_addr_t daddr PK_INET(af) PK_HEADER("DADDR") PK_WIDTH(-16);
	__u16 dport PK_HEADER("DPORT") PK_WIDTH(-5);
	__u64 lat PK_DURATION(ns, ms) PK_HEADER("LAT(ms)") PK_WIDTH(0) PK_PRECISION(2);
	__u16 af PK_WHEN(pk_tcp_hidden);
};
PK_EVENT(struct event);

struct start {
	__u64 ts;
	__u32 pid;
	char comm[16];
};
PK_HASH(pk_start, __u64, struct start, 10240) PK_NO_METRIC;

static __always_inline bool wanted(const struct trace_event_raw_inet_sock_set_state *args)
{
	if (args->protocol != PK_IPPROTO_TCP)
		return false;
	if (args->family != PK_AF_INET && args->family != PK_AF_INET6)
		return false;
	return !(ipv4_only && args->family != PK_AF_INET) &&
	       !(ipv6_only && args->family != PK_AF_INET6);
}

static __always_inline void connected(struct trace_event_raw_inet_sock_set_state *args,
				      const struct start *s)
{
	__u64 now = bpf_ktime_get_ns();
	struct event *e;

	if (now - s->ts < min_ms * 1000000)
		return;
	e = pk_reserve(struct event);
	if (!e)
		return;
	e->ts = now;
	e->pid = s->pid;
	__builtin_memcpy(e->comm, s->comm, sizeof(e->comm));
	e->af = args->family;
	e->ip = pk_tcp_ipver(args->family);
	pk_tcp_addrs(&e->saddr, &e->daddr, args);
	e->lport = args->sport;
	e->dport = args->dport;
	e->lat = now - s->ts;
	pk_submit(args, e);
}

SEC("tracepoint/sock/inet_sock_set_state")
int sock__inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *args)
{
	__u64 sk = (__u64)args->skaddr;
	struct start *s;

	if (!wanted(args))
		return 0;
	if (args->newstate == TCP_SYN_SENT) {
		struct start st = {.ts = bpf_ktime_get_ns()};

		if (pk_filtered())
			return 0;
		st.pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(st.comm, sizeof(st.comm));
		bpf_map_update_elem(&pk_start, &sk, &st, BPF_ANY);
		return 0;
	}
	if (args->oldstate != TCP_SYN_SENT)
		return 0;
	s = bpf_map_lookup_elem(&pk_start, &sk);
	if (!s)
		return 0;
	if (args->newstate == TCP_ESTABLISHED)
		connected(args, s);
	bpf_map_delete_elem(&pk_start, &sk);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
