// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcpstates: every TCP state change, with the time spent in the state
 * left, as bcc's tcpstates prints it, from sock:inet_sock_set_state. The
 * first change seen of a socket has no time before it (0); a socket's
 * entry goes at CLOSE. C-PID and C-COMM are the task current at the
 * change: in softirq (a packet's arrival) whoever the CPU was running.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "tcp.bpf.h"

PK_TOOL_SUMMARY("Trace TCP state changes, with the time spent in each state.");
PK_TOOL_EXAMPLE("tcpstates                # every TCP state change");
PK_TOOL_EXAMPLE("tcpstates -T -t          # with HH:MM:SS and seconds columns");
PK_TOOL_EXAMPLE("tcpstates -L 80          # local port 80 only");
PK_TOOL_EXAMPLE("tcpstates -D 80,81       # remote ports 80 and 81 only");
PK_TOOL_EXAMPLE("tcpstates -6             # IPv6 only");
/* state changes happen in softirq too: -c traces everything while it runs */
PK_TOOL_COMMAND_LIFETIME;

const volatile bool print_time PK_OPTION(T, "time", "", "include a time column (HH:MM:SS)") = false;
const volatile bool print_ts PK_OPTION(t, "timestamp", "",
				       "include a timestamp column (seconds)") = false;
const volatile bool wide PK_OPTION(w, "wide", "",
				   "wide column output (fits IPv6 addresses), with an IP column") = false;
const volatile char lports[PK_TCP_PORTS_MAX] PK_OPTION(L, "localport", "PORTS",
						       "comma-separated local ports") = "";
const volatile char rports[PK_TCP_PORTS_MAX] PK_OPTION(D, "remoteport", "PORTS",
						       "comma-separated remote ports") = "";
const volatile bool ipv4_only PK_OPTION(4, "ipv4", "", "trace IPv4 family only") = false;
const volatile bool ipv6_only PK_OPTION(6, "ipv6", "", "trace IPv6 family only") = false;

/*
 * bcc's "%-8s " "%-9.6f " then "%-16x %-5d %-10.10s %-15s %-5d %-15s %-5d
 * %-11s -> %-11s %.3f", and with -w "%-16x %-5d %-16.16s %-2s %-26s %-5s
 * %-26s %-5d %-11s -> %-11s %.3f" (IP only there)
 */
struct event {
	__u64 time PK_FMT("clock") PK_WHEN(print_time) PK_HEADER("TIME");
	__u64 ts PK_WHEN(print_ts) PK_WIDTH(-9) PK_PRECISION(6);
	pk_hex64_t skaddr PK_FMT("hex:bare") PK_HEADER("SKADDR") PK_WIDTH(-16);
	__u32 pid PK_HEADER("C-PID") PK_WIDTH(-5);
	char comm[16] PK_HEADER("C-COMM") PK_WIDTH(-10) PK_PRECISION(10)
	    PK_WIDTH_WHEN(wide, -16, 16);
	__u8 ip PK_HEADER("IP") PK_WHEN(wide) PK_WIDTH(-2);
	pk_inet_addr_t laddr PK_INET(af) PK_HEADER("LADDR") PK_WIDTH(-15)
	    PK_WIDTH_WHEN(wide, -26, -1);
	__u16 lport PK_HEADER("LPORT") PK_WIDTH(-5);
	pk_inet_addr_t raddr PK_INET(af) PK_HEADER("RADDR") PK_WIDTH(-15)
	    PK_WIDTH_WHEN(wide, -26, -1);
	__u16 rport PK_HEADER("RPORT") PK_WIDTH(-5);
	char oldstate[16] PK_HEADER("OLDSTATE") PK_WIDTH(-11);
	/* bcc's "OLDSTATE -> NEWSTATE" */
	char arrow[3] PK_HEADER("->") PK_WIDTH(-2);
	char newstate[16] PK_HEADER("NEWSTATE") PK_WIDTH(-11);
	__u64 in_state PK_DURATION(ns, ms) PK_HEADER("MS") PK_WIDTH(0) PK_PRECISION(3);
	__u16 af PK_WHEN(pk_tcp_hidden);
};
PK_EVENT(struct event);

/* when each socket entered its state */
PK_HASH(pk_entered, __u64, __u64, 10240) PK_NO_METRIC;

static __always_inline bool wanted(const struct trace_event_raw_inet_sock_set_state *args)
{
	if (args->protocol != PK_IPPROTO_TCP)
		return false;
	if (args->family != PK_AF_INET && args->family != PK_AF_INET6)
		return false;
	if ((ipv4_only && args->family != PK_AF_INET) || (ipv6_only && args->family != PK_AF_INET6))
		return false;
	return pk_tcp_port_in(lports, args->sport) && pk_tcp_port_in(rports, args->dport);
}

SEC("tracepoint/sock/inet_sock_set_state")
int sock__inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *args)
{
	__u64 sk = (__u64)args->skaddr, now, *entered;
	struct event *e;

	if (!wanted(args))
		return 0;
	now = bpf_ktime_get_ns();
	entered = bpf_map_lookup_elem(&pk_entered, &sk);
	e = pk_reserve(struct event);
	if (e) {
		e->time = now;
		e->ts = now;
		e->skaddr = sk;
		e->pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		e->af = args->family;
		e->ip = pk_tcp_ipver(args->family);
		pk_tcp_addrs(&e->laddr, &e->raddr, args);
		e->lport = args->sport;
		e->rport = args->dport;
		pk_tcp_state_name(e->oldstate, args->oldstate);
		__builtin_memcpy(e->arrow, "->", 3);
		pk_tcp_state_name(e->newstate, args->newstate);
		e->in_state = entered ? now - *entered : 0;
		pk_submit(args, e);
	}
	if (args->newstate == TCP_CLOSE)
		bpf_map_delete_elem(&pk_entered, &sk);
	else
		bpf_map_update_elem(&pk_entered, &sk, &now, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
