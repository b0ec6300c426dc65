// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcptop: TCP throughput per connection and process, every interval, as
 * bcc's tcptop summarizes it. bcc counts tcp_sendmsg()'s size and
 * tcp_cleanup_rbuf()'s copied bytes with kprobes. Here, first, the socket
 * layer's tracepoints sock:sock_send_length and sock:sock_recv_length
 * (Linux 6.3+), in the task that sends or receives, with the bytes each
 * call moved; on older kernels fentry, then kprobes, on those two
 * functions, as bcc does.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "tcp.bpf.h"

PK_TOOL_SUMMARY("Summarize TCP send and receive throughput by connection and process.");
PK_TOOL_EXAMPLE("tcptop                   # every second");
PK_TOOL_EXAMPLE("tcptop 5 12              # every 5 seconds, 12 times (a minute)");
PK_TOOL_EXAMPLE("tcptop -p 181            # process 181 only");
/* bcc's [interval [count]], every second unless given */
PK_TOOL_INTERVAL_COUNT(1);
PK_TOOL_CLEAR;
PK_PREFER("tracepoint fentry kprobe");
PK_FILTER_PID;

const volatile bool ipv4_only PK_OPTION(4, "ipv4", "", "trace IPv4 family only") = false;
const volatile bool ipv6_only PK_OPTION(6, "ipv6", "", "trace IPv6 family only") = false;
/* bcc's -C and -S: this tool neither clears the screen nor prints load averages */
const volatile bool noclear PK_OPTION(C, "noclear", "",
				      "do not clear the screen (never does)") = false;
const volatile bool nosummary PK_OPTION(S, "nosummary", "",
					"no system summary line (never printed)") = false;

struct conn {
	__u32 pid;
	char comm[16];
	pk_inet_addr_t laddr PK_INET(af) PK_PORT(lport) PK_HEADER("LADDR");
	pk_inet_addr_t raddr PK_INET(af) PK_PORT(rport) PK_HEADER("RADDR");
	__u16 lport;
	__u16 rport;
	__u16 af PK_WHEN(pk_tcp_hidden);
};

struct traffic {
	__u64 rx_kb PK_HEADER("RX_KB");
	__u64 tx_kb PK_HEADER("TX_KB");
	/* exact bytes, for --json */
	__u64 rx_b PK_WHEN(pk_tcp_hidden);
	__u64 tx_b PK_WHEN(pk_tcp_hidden);
};

PK_HASH(connections, struct conn, struct traffic, 10240)
PK_TABLE_SORT("RX_KB"); /* largest first, as bcc */

static __always_inline void count(const struct sock *sk, __u64 bytes, bool tx)
{
	static const struct traffic zero;
	struct conn key = {};
	struct traffic *t;
	__u16 family;

	if (pk_filtered() || BPF_CORE_READ(sk, sk_protocol) != PK_IPPROTO_TCP)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if ((family != PK_AF_INET && family != PK_AF_INET6) ||
	    (ipv4_only && family != PK_AF_INET) || (ipv6_only && family != PK_AF_INET6))
		return;
	key.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.af = family;
	key.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	key.rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == PK_AF_INET) {
		key.laddr.v4 = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		key.raddr.v4 = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&key.laddr.v6, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&key.raddr.v6, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	t = pk_lookup_or_try_init(&connections, &key, &zero);
	if (!t)
		return;
	if (tx) {
		__sync_fetch_and_add(&t->tx_b, bytes);
		t->tx_kb = t->tx_b / 1024;
	} else {
		__sync_fetch_and_add(&t->rx_b, bytes);
		t->rx_kb = t->rx_b / 1024;
	}
}

#define MSG_PEEK 2

/* Linux 6.3+: the socket layer's own tracepoints ------------------------- */

SEC("tracepoint/sock/sock_send_length")
int tx__tp(struct trace_event_raw_sock_msg_length *args)
{
	if (args->protocol == PK_IPPROTO_TCP && args->ret > 0)
		count(args->sk, args->ret, true);
	return 0;
}

SEC("tracepoint/sock/sock_recv_length")
int rx__tp(struct trace_event_raw_sock_msg_length *args)
{
	if (args->protocol == PK_IPPROTO_TCP && args->ret > 0 && !(args->flags & MSG_PEEK))
		count(args->sk, args->ret, false);
	return 0;
}

/* older kernels: bcc's functions --------------------------------------------- */

SEC("fexit/tcp_sendmsg")
int BPF_PROG(tx__fentry, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	if (ret > 0)
		count(sk, ret, true);
	return 0;
}

SEC("fentry/tcp_cleanup_rbuf")
int BPF_PROG(rx__fentry, struct sock *sk, int copied)
{
	if (copied > 0)
		count(sk, copied, false);
	return 0;
}

SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(tx__kprobe, struct sock *sk, struct msghdr *msg, size_t size)
{
	count(sk, size, true);
	return 0;
}

SEC("kprobe/tcp_cleanup_rbuf")
int BPF_KPROBE(rx__kprobe, struct sock *sk, int copied)
{
	if (copied > 0)
		count(sk, copied, false);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
