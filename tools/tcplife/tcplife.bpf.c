// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcplife: TCP sessions as they close, with their bytes and duration, as
 * bcc's tcplife prints them. All from sock:inet_sock_set_state, as bcc's
 * does where the kernel has it: a socket is born when it enters
 * SYN_SENT/SYN_RECV/ESTABLISHED, the task that connects (SYN_SENT) or
 * closes last (LAST_ACK) is its owner, and it dies on CLOSE, where the
 * bytes are read from the tcp_sock (bytes_acked, bytes_received, as
 * tcp_get_info() reports them). Sockets born before the tool started are
 * left out.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "tcp.bpf.h"

PK_TOOL_SUMMARY("Trace TCP sessions and summarize their lifespan, bytes sent and received.");
PK_TOOL_EXAMPLE("tcplife                  # every TCP session as it closes");
PK_TOOL_EXAMPLE("tcplife -T -t            # with HH:MM:SS and seconds columns");
PK_TOOL_EXAMPLE("tcplife -stT             # comma-separated, with both times");
PK_TOOL_EXAMPLE("tcplife -p 181           # process 181 only");
PK_TOOL_EXAMPLE("tcplife -L 80            # local port 80 only");
PK_TOOL_EXAMPLE("tcplife -D 80,81         # remote ports 80 and 81 only");
PK_TOOL_EXAMPLE("tcplife -6               # IPv6 only");
/* -p is its own (the socket's owner, not the current task): -c traces while it runs */
PK_TOOL_COMMAND_LIFETIME;

const volatile bool print_time PK_OPTION(T, "time", "", "include a time column (HH:MM:SS)") = false;
const volatile bool print_ts PK_OPTION(t, "timestamp", "",
				       "include a timestamp column (seconds)") = false;
const volatile bool wide PK_OPTION(w, "wide", "",
				   "wide column output (fits IPv6 addresses), with an IP column") = false;
const volatile bool csv PK_OPTION(s, "csv", "", "comma separated values output") = false;
PK_TOOL_CSV(csv);
const volatile __u32 targ_pid PK_OPTION(p, "pid", "PID",
					"trace this process only") PK_OPTION_PID = 0;
const volatile char lports[PK_TCP_PORTS_MAX] PK_OPTION(L, "localport", "PORTS",
						       "comma-separated local ports") = "";
const volatile char rports[PK_TCP_PORTS_MAX] PK_OPTION(D, "remoteport", "PORTS",
						       "comma-separated remote ports") = "";
const volatile bool ipv4_only PK_OPTION(4, "ipv4", "", "trace IPv4 family only") = false;
const volatile bool ipv6_only PK_OPTION(6, "ipv6", "", "trace IPv6 family only") = false;

/*
 * bcc's "%-8s " "%-9.6f " then "%-5d %-10.10s %-15s %-5d %-15s %-5d %5d %5d
 * %.2f", and with -w "%-5d %-16.16s %-2s %-26s %-5s %-26s %-5d %6d %6d %.2f"
 * (IP only there, and in -s's CSV)
 */
struct event {
	__u64 time PK_FMT("clock") PK_WHEN(print_time) PK_HEADER("TIME");
	__u64 ts PK_WHEN(print_ts) PK_WIDTH(-9) PK_PRECISION(6);
	__u32 pid PK_WIDTH(-5);
	char comm[16] PK_WIDTH(-10) PK_PRECISION(10) PK_WIDTH_WHEN(wide, -16, 16);
	__u8 ip PK_HEADER("IP") PK_WHEN_ANY(wide, csv) PK_WIDTH(-2);
	pk_inet_addr_t laddr PK_INET(af) PK_HEADER("LADDR") PK_WIDTH(-15)
	    PK_WIDTH_WHEN(wide, -26, -1);
	__u16 lport PK_HEADER("LPORT") PK_WIDTH(-5);
	pk_inet_addr_t raddr PK_INET(af) PK_HEADER("RADDR") PK_WIDTH(-15)
	    PK_WIDTH_WHEN(wide, -26, -1);
	__u16 rport PK_HEADER("RPORT") PK_WIDTH(-5);
	__u32 tx_kb PK_HEADER("TX_KB") PK_WIDTH(5) PK_WIDTH_WHEN(wide, 6, -1);
	__u32 rx_kb PK_HEADER("RX_KB") PK_WIDTH(5) PK_WIDTH_WHEN(wide, 6, -1);
	__u64 span PK_DURATION(ns, ms) PK_HEADER("MS") PK_WIDTH(0) PK_PRECISION(2);
	/* exact bytes, for --json */
	__u64 tx_b PK_WHEN(pk_tcp_hidden);
	__u64 rx_b PK_WHEN(pk_tcp_hidden);
	__u16 af PK_WHEN(pk_tcp_hidden);
};
PK_EVENT(struct event);

struct owner {
	__u32 pid;
	char comm[16];
};

PK_HASH(pk_birth, __u64, __u64, 10240) PK_NO_METRIC;
PK_HASH(pk_owner, __u64, struct owner, 10240) PK_NO_METRIC;

static __always_inline bool wanted(const struct trace_event_raw_inet_sock_set_state *args)
{
	if (args->protocol != PK_IPPROTO_TCP)
		return false;
	if (args->family != PK_AF_INET && args->family != PK_AF_INET6)
		return false;
	return !(ipv4_only && args->family != PK_AF_INET) &&
	       !(ipv6_only && args->family != PK_AF_INET6);
}

static __always_inline void send_life(struct trace_event_raw_inet_sock_set_state *args, __u64 sk,
				      __u64 born)
{
	struct owner *o = bpf_map_lookup_elem(&pk_owner, &sk);
	const struct tcp_sock *tp = (const struct tcp_sock *)args->skaddr;
	__u64 now = bpf_ktime_get_ns();
	struct event *e;
	__u32 pid;

	pid = o ? o->pid : bpf_get_current_pid_tgid() >> 32;
	if (targ_pid && pid != targ_pid)
		return;
	if (!pk_tcp_port_in(lports, args->sport) || !pk_tcp_port_in(rports, args->dport))
		return;
	e = pk_reserve(struct event);
	if (!e)
		return;
	e->time = now;
	e->ts = now;
	e->pid = pid;
	if (o)
		__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
	else
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->af = args->family;
	e->ip = pk_tcp_ipver(args->family);
	pk_tcp_addrs(&e->laddr, &e->raddr, args);
	e->lport = args->sport;
	e->rport = args->dport;
	e->tx_b = BPF_CORE_READ(tp, bytes_acked);
	e->rx_b = BPF_CORE_READ(tp, bytes_received);
	e->tx_kb = e->tx_b / 1024;
	e->rx_kb = e->rx_b / 1024;
	e->span = now - born;
	pk_submit(args, e);
}

SEC("tracepoint/sock/inet_sock_set_state")
int sock__inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *args)
{
	__u64 sk = (__u64)args->skaddr, *born;
	int state = args->newstate;

	if (!wanted(args))
		return 0;
	if (state < TCP_FIN_WAIT1) {
		__u64 now = bpf_ktime_get_ns();

		bpf_map_update_elem(&pk_birth, &sk, &now, BPF_ANY);
	}
	/* the task that connects, or that closes after the peer did */
	if (state == TCP_SYN_SENT || state == TCP_LAST_ACK) {
		struct owner o = {.pid = bpf_get_current_pid_tgid() >> 32};

		bpf_get_current_comm(o.comm, sizeof(o.comm));
		bpf_map_update_elem(&pk_owner, &sk, &o, BPF_ANY);
	}
	if (state != TCP_CLOSE)
		return 0;
	born = bpf_map_lookup_elem(&pk_birth, &sk);
	if (born)
		send_life(args, sk, *born);
	bpf_map_delete_elem(&pk_birth, &sk);
	bpf_map_delete_elem(&pk_owner, &sk);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
