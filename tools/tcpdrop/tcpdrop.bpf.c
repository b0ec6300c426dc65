// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcpdrop: TCP packets the kernel drops, with their addresses, ports, TCP
 * flags, the socket's state, the kernel's reason and the kernel stack, as
 * bcc's tcpdrop prints them (bcc used a kprobe on tcp_drop(), which Linux
 * 5.19 removed). Here skb:kfree_skb, which carries the drop reason since
 * Linux 5.17 and the receiving socket since 6.12; the addresses and ports
 * come from the packet's IP and TCP headers. Packets freed without being
 * dropped (reason NOT_DROPPED_YET, CONSUMED) are not drops.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "tcp.bpf.h"

PK_TOOL_SUMMARY("Trace TCP packet drops, with the kernel's reason and stack.");
PK_TOOL_EXAMPLE("tcpdrop                  # every TCP drop, with its kernel stack");
PK_TOOL_EXAMPLE("tcpdrop --no-stack       # one line each");
PK_TOOL_EXAMPLE("tcpdrop -4               # IPv4 only");
/* drops happen in softirq: no pid to filter; -c traces while it runs */
PK_TOOL_COMMAND_LIFETIME;

const volatile bool no_stack PK_OPTION(, "no-stack", "", "no kernel stacks") = false;
const volatile bool ipv4_only PK_OPTION(4, "ipv4", "", "trace IPv4 family only") = false;
const volatile bool ipv6_only PK_OPTION(6, "ipv6", "", "trace IPv6 family only") = false;

#define ETH_P_IP   0x0800
#define ETH_P_IPV6 0x86DD

/*
 * The common drop reasons, as the kernel's SKB_DROP_REASON_* names them
 * less the prefix (DROP_ here, against a clash with vmlinux.h's TCP_CLOSE
 * and the like): the kernel renumbers
 * enum skb_drop_reason between versions, so each is matched by name
 * (CO-RE) against the running kernel's. Others show as their number.
 */
enum drop_reason {
	DROP_NOT_SPECIFIED = 1000,
	DROP_NO_SOCKET,
	DROP_SOCKET_FILTER,
	DROP_SOCKET_RCVBUFF,
	DROP_SOCKET_BACKLOG,
	DROP_TCP_CSUM,
	DROP_TCP_FLAGS,
	DROP_TCP_ZEROWINDOW,
	DROP_TCP_OLD_DATA,
	DROP_TCP_OVERWINDOW,
	DROP_TCP_OFOMERGE,
	DROP_TCP_RFC7323_PAWS,
	DROP_TCP_INVALID_SEQUENCE,
	DROP_TCP_RESET,
	DROP_TCP_INVALID_SYN,
	DROP_TCP_CLOSE,
	DROP_TCP_FASTOPEN,
	DROP_TCP_OLD_ACK,
	DROP_TCP_TOO_OLD_ACK,
	DROP_TCP_ACK_UNSENT_DATA,
	DROP_TCP_OFO_QUEUE_PRUNE,
	DROP_TCP_OFO_DROP,
	DROP_TCP_MD5NOTFOUND,
	DROP_TCP_MD5UNEXPECTED,
	DROP_TCP_MD5FAILURE,
	DROP_PROTO_MEM,
	DROP_NETFILTER_DROP,
	DROP_OTHERHOST,
	DROP_XFRM_POLICY,
	DROP_IP_NOPROTO,
	DROP_PKT_TOO_SMALL,
};

/* the TCP header's flag bits, named as bcc's tcpdrop names them */
enum tcp_flag {
	FIN = 1,
	SYN = 2,
	RST = 4,
	PSH = 8,
	ACK = 16,
	URG = 32,
	ECE = 64,
	CWR = 128,
};

struct event {
	__u64 time PK_FMT("clock") PK_HEADER("TIME");
	__u32 pid;
	__u8 ip PK_HEADER("IP");
	pk_inet_addr_t saddr PK_INET(af) PK_PORT(sport) PK_HEADER("SADDR:SPORT");
	char arrow[2] PK_HEADER(">");
	pk_inet_addr_t daddr PK_INET(af) PK_PORT(dport) PK_HEADER("DADDR:DPORT");
	char state[16] PK_HEADER("STATE");
	enum tcp_flag tcpflags PK_FMT("flags") PK_HEADER("FLAGS");
	enum drop_reason reason PK_HEADER("REASON");
	__s32 kstack;
	__u16 sport;
	__u16 dport;
	__u16 af PK_WHEN(pk_tcp_hidden);
};
PK_EVENT(struct event);

PK_STACK_TRACE(stacks, 1024);

#define REASON(name)                                                                               \
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_##name) &&            \
	    r == bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_##name))                \
		return DROP_##name;

static __always_inline __u32 our_reason(__u32 r)
{
	REASON(NOT_SPECIFIED)
	REASON(NO_SOCKET)
	REASON(SOCKET_FILTER)
	REASON(SOCKET_RCVBUFF)
	REASON(SOCKET_BACKLOG)
	REASON(TCP_CSUM)
	REASON(TCP_FLAGS)
	REASON(TCP_ZEROWINDOW)
	REASON(TCP_OLD_DATA)
	REASON(TCP_OVERWINDOW)
	REASON(TCP_OFOMERGE)
	REASON(TCP_RFC7323_PAWS)
	REASON(TCP_INVALID_SEQUENCE)
	REASON(TCP_RESET)
	REASON(TCP_INVALID_SYN)
	REASON(TCP_CLOSE)
	REASON(TCP_FASTOPEN)
	REASON(TCP_OLD_ACK)
	REASON(TCP_TOO_OLD_ACK)
	REASON(TCP_ACK_UNSENT_DATA)
	REASON(TCP_OFO_QUEUE_PRUNE)
	REASON(TCP_OFO_DROP)
	REASON(TCP_MD5NOTFOUND)
	REASON(TCP_MD5UNEXPECTED)
	REASON(TCP_MD5FAILURE)
	REASON(PROTO_MEM)
	REASON(NETFILTER_DROP)
	REASON(OTHERHOST)
	REASON(XFRM_POLICY)
	REASON(IP_NOPROTO)
	REASON(PKT_TOO_SMALL)
	return r;
}

static __always_inline bool dropped(__u32 r)
{
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_NOT_DROPPED_YET) &&
	    r == bpf_core_enum_value(enum skb_drop_reason, SKB_NOT_DROPPED_YET))
		return false;
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED) &&
	    r == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED))
		return false;
	return true;
}

/* The packet's addresses and ports; false if it is not TCP. */
static __always_inline bool read_headers(struct event *e, const struct sk_buff *skb, __u16 proto)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header), th = BPF_CORE_READ(skb, transport_header);
	struct tcphdr tcp;

	__builtin_memset(&e->saddr, 0, sizeof(e->saddr));
	__builtin_memset(&e->daddr, 0, sizeof(e->daddr));
	if (proto == ETH_P_IP) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh) || ip.protocol != 6)
			return false;
		e->saddr.v4 = ip.saddr;
		e->daddr.v4 = ip.daddr;
		/* not yet set where the drop came before the transport layer */
		if (th == (__u16)~0U || th == nh)
			th = nh + ip.ihl * 4;
		e->af = PK_AF_INET;
	} else {
		struct ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh) || ip6.nexthdr != 6)
			return false;
		__builtin_memcpy(e->saddr.v6, &ip6.saddr, 16);
		__builtin_memcpy(e->daddr.v6, &ip6.daddr, 16);
		if (th == (__u16)~0U || th == nh)
			th = nh + sizeof(ip6);
		e->af = PK_AF_INET6;
	}
	if (bpf_probe_read_kernel(&tcp, sizeof(tcp), head + th))
		return false;
	e->sport = __builtin_bswap16(tcp.source);
	e->dport = __builtin_bswap16(tcp.dest);
	e->tcpflags = ((__u8 *)&tcp)[13];
	return true;
}

SEC("tracepoint/skb/kfree_skb")
int skb__kfree_skb(struct trace_event_raw_kfree_skb *args)
{
	const struct sk_buff *skb = args->skbaddr;
	__u16 proto = BPF_CORE_READ(args, protocol);
	const struct sock *sk = NULL;
	__u32 reason = BPF_CORE_READ(args, reason);
	struct event *e;

	if (proto != ETH_P_IP && proto != ETH_P_IPV6)
		return 0;
	if ((ipv4_only && proto != ETH_P_IP) || (ipv6_only && proto != ETH_P_IPV6))
		return 0;
	if (!dropped(reason))
		return 0;
	e = pk_reserve(struct event);
	if (!e)
		return 0;
	if (!read_headers(e, skb, proto)) {
		pk_discard(e);
		return 0;
	}
	e->time = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ip = pk_tcp_ipver(e->af);
	__builtin_memcpy(e->arrow, ">", 2);
	e->reason = our_reason(reason);
	/* the receiving socket: the tracepoint's (6.12+), else the skb's owner */
	if (bpf_core_field_exists(args->rx_sk))
		sk = BPF_CORE_READ(args, rx_sk);
	if (!sk)
		sk = BPF_CORE_READ(skb, sk);
	__builtin_memcpy(e->state, "-", 2);
	if (sk)
		pk_tcp_state_name(e->state, BPF_CORE_READ(sk, __sk_common.skc_state));
	e->kstack = no_stack ? -1 : pk_stack_id(args, &stacks, false);
	pk_submit(args, e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
