// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcpconnect: active TCP connects, as bcc's tcpconnect prints them, or
 * counted per (source, destination, port) with -c.
 *
 * bcc and libbpf-tools trace tcp_v4_connect()/tcp_v6_connect() with
 * kprobes or fentry, which kernels without either refuse. Here the socket
 * moving to SYN_SENT (sock:inet_sock_set_state, in the connecting task)
 * marks the connect, and the connect(2) syscall's exit (its own
 * tracepoint) sends it: the kernel enters SYN_SENT before it picks the
 * local port (tcp_v4_connect() calls inet_hash_connect() after
 * tcp_set_state()), and by the syscall's exit the port is set. Both are
 * tracepoints on every kernel since 4.16; nothing runs on other syscalls.
 * A connect made without connect(2) (io_uring, the kernel's own) is
 * counted by -c and not printed.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "tcp.bpf.h"

PK_TOOL_SUMMARY("Trace active TCP connects (connect()), with addresses and ports.");
PK_TOOL_EXAMPLE("tcpconnect               # every active TCP connect");
PK_TOOL_EXAMPLE("tcpconnect -t -U -L      # with a timestamp, the UID and the local port");
PK_TOOL_EXAMPLE("tcpconnect -p 181        # process 181 only");
PK_TOOL_EXAMPLE("tcpconnect -P 80,81      # to ports 80 and 81 only");
PK_TOOL_EXAMPLE("tcpconnect -6            # IPv6 only");
PK_TOOL_EXAMPLE("tcpconnect -c            # count connects per source, destination and port");
PK_TOOL_BANNER("Tracing connect ... Hit Ctrl-C to end");
PK_EVENTS_UNLESS(count);
PK_FILTER_PID;
PK_FILTER_UID;

const volatile bool print_ts PK_OPTION(t, "timestamp", "", "include a timestamp column") = false;
const volatile bool print_uid PK_OPTION(U, "print-uid", "", "include a UID column") = false;
const volatile bool print_lport PK_OPTION(L, "lport", "", "include a LPORT column") = false;
const volatile bool ipv4_only PK_OPTION(4, "ipv4", "", "trace IPv4 family only") = false;
const volatile bool ipv6_only PK_OPTION(6, "ipv6", "", "trace IPv6 family only") = false;
const volatile bool count PK_OPTION(c, "count", "",
				    "count connects per source IP and destination IP/port") = false;
/* -c counts at the state change: no connect(2) tracepoint, so no syscall slow path */
PK_PROGS_UNLESS(count, "sys_exit_connect");
const volatile char ports[PK_TCP_PORTS_MAX] PK_OPTION(P, "port", "PORTS",
						      "comma-separated destination ports") = "";

/* bcc's "%-9.3f" "%-6d" then "%-7d %-12.12s %-2d %-16s %-6d %-16s %-6d" */
struct event {
	__u64 ts PK_WHEN(print_ts) PK_WIDTH(-8) PK_PRECISION(3);
	__u32 uid PK_WHEN(print_uid) PK_HEADER("UID") PK_WIDTH(-5);
	__u32 pid PK_WIDTH(-7);
	char comm[16] PK_WIDTH(-12) PK_PRECISION(12);
	__u8 ip PK_HEADER("IP") PK_WIDTH(-2);
	pk_inet_addr_t saddr PK_INET(af) PK_HEADER("SADDR") PK_WIDTH(-16);
	__u16 lport PK_WHEN(print_lport) PK_HEADER("LPORT") PK_WIDTH(-6);
	pk_inet_addr_t daddr PK_INET(af) PK_HEADER("DADDR") PK_WIDTH(-16);
	__u16 dport PK_HEADER("DPORT") PK_WIDTH(-6);
	__u16 af PK_WHEN(pk_tcp_hidden);
};
PK_EVENT(struct event);

/* -c's rows, bcc's LADDR RADDR RPORT CONNECTS */
struct conn_key {
	pk_inet_addr_t saddr PK_INET(af) PK_HEADER("LADDR");
	pk_inet_addr_t daddr PK_INET(af) PK_HEADER("RADDR");
	__u16 dport PK_HEADER("RPORT");
	__u16 af PK_WHEN(pk_tcp_hidden);
};
PK_HASH(connects, struct conn_key, __u64, 4096)
PK_TABLE_VALUE("CONNECTS") PK_TABLE_SORT("CONNECTS") PK_TABLE_WHEN(count);

/* the connect each thread is in, from SYN_SENT to the syscall's exit */
struct pending {
	struct event e;
	const struct sock *sk;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct pending);
} pk_pending SEC(".maps"); /* "pk_": not printed */

static __always_inline bool wanted(const struct trace_event_raw_inet_sock_set_state *args)
{
	if (args->protocol != PK_IPPROTO_TCP || args->newstate != TCP_SYN_SENT)
		return false;
	if (args->family != PK_AF_INET && args->family != PK_AF_INET6)
		return false;
	if ((ipv4_only && args->family != PK_AF_INET) || (ipv6_only && args->family != PK_AF_INET6))
		return false;
	return !pk_filtered() && pk_tcp_port_in(ports, args->dport);
}

static __always_inline void count_connect(const struct trace_event_raw_inet_sock_set_state *args)
{
	struct conn_key key = {.dport = args->dport, .af = args->family};

	pk_tcp_addrs(&key.saddr, &key.daddr, args);
	pk_increment(&connects, &key);
}

/*
 * A blocking connect that fails (refused, timed out) has its port and
 * source address cleared by the syscall's exit: they are kept when the
 * socket leaves SYN_SENT, which may come first (in softirq: found by sk).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} pk_sk_tid SEC(".maps");

static __always_inline void left_syn_sent(struct trace_event_raw_inet_sock_set_state *args)
{
	__u64 sk = (__u64)args->skaddr;
	__u32 *tid = bpf_map_lookup_elem(&pk_sk_tid, &sk);
	struct pending *p;

	if (!tid)
		return;
	p = bpf_map_lookup_elem(&pk_pending, tid);
	if (p && p->sk == args->skaddr) {
		p->e.lport = args->sport;
		pk_tcp_addrs(&p->e.saddr, &p->e.daddr, args);
	}
	bpf_map_delete_elem(&pk_sk_tid, &sk);
}

SEC("tracepoint/sock/inet_sock_set_state")
int sock__inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *args)
{
	__u64 id = bpf_get_current_pid_tgid(), sk = (__u64)args->skaddr;
	__u32 tid = (__u32)id;
	struct pending p = {};

	if (args->oldstate == TCP_SYN_SENT && !count) {
		left_syn_sent(args);
		return 0;
	}
	if (!wanted(args))
		return 0;
	if (count) {
		count_connect(args);
		return 0;
	}
	p.sk = args->skaddr;
	p.e.ts = bpf_ktime_get_ns();
	p.e.uid = (__u32)bpf_get_current_uid_gid();
	p.e.pid = id >> 32;
	bpf_get_current_comm(p.e.comm, sizeof(p.e.comm));
	p.e.af = args->family;
	p.e.ip = pk_tcp_ipver(args->family);
	p.e.dport = args->dport;
	pk_tcp_addrs(&p.e.saddr, &p.e.daddr, args);
	bpf_map_update_elem(&pk_pending, &tid, &p, BPF_ANY);
	bpf_map_update_elem(&pk_sk_tid, &sk, &tid, BPF_ANY);
	return 0;
}

/* The socket's port and source address now, where the kernel left them. */
static __always_inline void read_local(struct event *e, const struct sock *sk)
{
	pk_inet_addr_t a = {};
	__u16 port = BPF_CORE_READ(sk, __sk_common.skc_num);

	if (e->af == PK_AF_INET)
		a.v4 = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
	else
		BPF_CORE_READ_INTO(&a.v6, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
	if (port)
		e->lport = port;
	if (a.v6[0] || a.v6[1] || a.v6[2] || a.v6[3] || e->af == PK_AF_INET6)
		e->saddr = a;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int sys_exit_connect(struct pk_syscall_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending *p = bpf_map_lookup_elem(&pk_pending, &tid);
	struct event *e;
	__u64 sk;

	if (!p)
		return 0;
	sk = (__u64)p->sk;
	e = pk_reserve(struct event);
	if (e) {
		*e = p->e;
		read_local(e, (const struct sock *)sk);
		pk_submit(ctx, e);
	}
	bpf_map_delete_elem(&pk_sk_tid, &sk);
	bpf_map_delete_elem(&pk_pending, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
