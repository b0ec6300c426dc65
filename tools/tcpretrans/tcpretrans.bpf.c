// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcpretrans: TCP retransmits, as bcc's tcpretrans prints them, or counted
 * per flow with -c. bcc uses a kprobe on tcp_retransmit_skb(); here the
 * tcp:tcp_retransmit_skb tracepoint (Linux 4.15+), which the kernel fires
 * in __tcp_retransmit_skb() for each retransmitted skb sent: tail loss
 * probes that resend the last segment count too. Linux 6.12 and later
 * fire it for failed sends as well, with their error: those are left out,
 * so that every kernel counts what /proc/net/snmp's RetransSegs counts.
 *
 * -l marks tail loss probes (TLP) with an "L>" line before their "R>", as
 * bcc's -l does with a kprobe on tcp_send_loss_probe(). No kprobe or
 * fentry is needed: the loss-probe timer calls tcp_send_loss_probe() with
 * the socket's pending timer still ICSK_TIME_LOSS_PROBE, and it is cleared
 * only after the probe is sent (tcp_write_timer_handler(), 4.10+), while
 * an ACK rearms it as ICSK_TIME_RETRANS before any fast retransmit. So a
 * retransmit seen while it is pending is the probe's. Unlike bcc, a probe
 * that sends new data rather than resending the last segment, or that
 * gives up before sending, is not seen: it retransmits nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "tcp.bpf.h"

PK_TOOL_SUMMARY("Trace TCP retransmits, with addresses, ports and the TCP state.");
PK_TOOL_EXAMPLE("tcpretrans               # every TCP retransmit");
PK_TOOL_EXAMPLE("tcpretrans -s            # with the TCP sequence number");
PK_TOOL_EXAMPLE("tcpretrans -c            # count retransmits per flow");
PK_TOOL_EXAMPLE("tcpretrans -4            # IPv4 only");
PK_TOOL_BANNER("Tracing retransmits ... Hit Ctrl-C to end");
/* retransmits are sent from timers: no pid to filter; -c traces while it runs */
PK_TOOL_COMMAND_LIFETIME;
PK_EVENTS_UNLESS(count);

const volatile bool print_seq PK_OPTION(s, "sequence", "", "display TCP sequence numbers") = false;
const volatile bool count PK_OPTION(c, "count", "", "count retransmits per flow") = false;
const volatile bool ipv4_only PK_OPTION(4, "ipv4", "", "trace IPv4 family only") = false;
const volatile bool ipv6_only PK_OPTION(6, "ipv6", "", "trace IPv6 family only") = false;
const volatile bool lossprobe PK_OPTION(l, "lossprobe", "",
					"include tail loss probes that resend (L>)") = false;

/* include/net/inet_connection_sock.h: not in BTF, a #define */
#define ICSK_TIME_LOSS_PROBE 5

/*
 * bcc's "%-8s %-7d %-2d %-20s %1s> %-20s" then " %-12s %s" (STATE, SEQ) or
 * " %s"; an IPv6 address is in brackets before its port
 */
struct event {
	__u64 time PK_FMT("clock") PK_HEADER("TIME");
	__u32 pid PK_WIDTH(-7);
	__u8 ip PK_HEADER("IP") PK_WIDTH(-2);
	pk_inet_addr_t laddr PK_INET(af) PK_PORT(lport) PK_HEADER("LADDR:LPORT") PK_WIDTH(-20);
	/* R>: a retransmit; L>: a tail loss probe (-l) */
	char type[3] PK_HEADER("T>") PK_WIDTH(-2);
	pk_inet_addr_t raddr PK_INET(af) PK_PORT(rport) PK_HEADER("RADDR:RPORT") PK_WIDTH(-20);
	char state[16] PK_HEADER("STATE") PK_WIDTH(-12);
	__u32 seq PK_WHEN(print_seq) PK_HEADER("SEQ") PK_WIDTH(0);
	__u16 lport;
	__u16 rport;
	__u16 af PK_WHEN(pk_tcp_hidden);
};
PK_EVENT(struct event);

/* -c's rows, bcc's LADDR:LPORT RADDR:RPORT RETRANSMITS */
struct flow {
	pk_inet_addr_t laddr PK_INET(af) PK_PORT(lport) PK_HEADER("LADDR:LPORT");
	pk_inet_addr_t raddr PK_INET(af) PK_PORT(rport) PK_HEADER("RADDR:RPORT");
	__u16 lport;
	__u16 rport;
	__u16 af PK_WHEN(pk_tcp_hidden);
};
PK_HASH(retransmits, struct flow, __u64, 4096)
PK_TABLE_VALUE("RETRANSMITS") PK_TABLE_SORT("-RETRANSMITS") PK_TABLE_WHEN(count);

/*
 * The record, as its format file gives it: Linux 6.1 has it from the
 * tcp_event_sk_skb class, 6.12 from an event of its own with err added at
 * the end, so no one vmlinux.h name fits both (the layout before err is
 * the same).
 */
struct retrans_record {
	__u64 common;
	const void *skbaddr;
	const void *skaddr;
	int state;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u8 saddr[4];
	__u8 daddr[4];
	__u8 saddr_v6[16];
	__u8 daddr_v6[16];
	int err;
};

static __always_inline bool wanted(const struct retrans_record *args)
{
	if (args->family != PK_AF_INET && args->family != PK_AF_INET6)
		return false;
	if ((ipv4_only && args->family != PK_AF_INET) || (ipv6_only && args->family != PK_AF_INET6))
		return false;
	/* Linux 6.12+: a send that failed is no retransmit (RetransSegs agrees) */
	if (bpf_core_field_exists(((struct trace_event_raw_tcp_retransmit_skb *)0)->err) &&
	    args->err)
		return false;
	return true;
}

/* Whether this retransmit is a tail loss probe's (the file's comment says why). */
static __always_inline bool loss_probe(const struct retrans_record *args)
{
	const struct inet_connection_sock *icsk = args->skaddr;

	return lossprobe && BPF_CORE_READ(icsk, icsk_pending) == ICSK_TIME_LOSS_PROBE;
}

static __always_inline void send_event(struct retrans_record *args, bool tlp)
{
	struct event *e = pk_reserve(struct event);

	if (!e)
		return;
	e->time = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->af = args->family;
	e->ip = pk_tcp_ipver(args->family);
	pk_tcp_addrs(&e->laddr, &e->raddr, args);
	e->lport = args->sport;
	e->rport = args->dport;
	__builtin_memcpy(e->type, tlp ? "L>" : "R>", 3);
	pk_tcp_state_name(e->state, args->state);
	e->seq = 0;
	/* bcc's L> has no skb, so no sequence number */
	if (print_seq && !tlp) {
		/* TCP_SKB_CB(skb)->seq: the first member of the skb's cb[] */
		const struct sk_buff *skb = args->skbaddr;

		BPF_CORE_READ_INTO(&e->seq, skb, cb);
	}
	pk_submit(args, e);
}

SEC("tracepoint/tcp/tcp_retransmit_skb")
int tcp__tcp_retransmit_skb(struct retrans_record *args)
{
	bool tlp;

	if (!wanted(args))
		return 0;
	tlp = loss_probe(args);
	if (count) {
		struct flow key = {};

		key.af = args->family;
		key.lport = args->sport;
		key.rport = args->dport;
		pk_tcp_addrs(&key.laddr, &key.raddr, args);
		/* bcc's -l -c: the probe counts beside its retransmit */
		pk_increment_by(&retransmits, &key, tlp ? 2 : 1);
		return 0;
	}
	if (tlp)
		send_event(args, true);
	send_event(args, false);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
