// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bindsnoop: IPv4 and IPv6 bind() calls as they happen, with the protocol,
 * socket options, device, port and address, as bcc's bindsnoop prints
 * them. bcc uses kprobes on inet_bind()/inet6_bind(); here the bind
 * syscall's own tracepoints: the entry keeps the address the caller
 * passes (read from its memory), the exit sends it with the result and
 * what the socket says (found from the fd: protocol, IP_FREEBIND,
 * IP_TRANSPARENT, IP_BIND_ADDRESS_NO_PORT, SO_REUSEADDR, SO_REUSEPORT,
 * SO_BINDTODEVICE). Nothing runs on other syscalls.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "tcp.bpf.h"

PK_TOOL_SUMMARY("Trace IPv4 and IPv6 bind() calls, with protocol, options, port and address.");
PK_TOOL_EXAMPLE("bindsnoop                # every successful bind()");
PK_TOOL_EXAMPLE("bindsnoop -E             # failed ones too");
PK_TOOL_EXAMPLE("bindsnoop -t -U          # with a timestamp and the UID");
PK_TOOL_EXAMPLE("bindsnoop -p 181         # process 181 only");
PK_TOOL_EXAMPLE("bindsnoop -P 80,81       # ports 80 and 81 only");
PK_TOOL_EXAMPLE("bindsnoop --count        # count binds per address and port");
PK_FILTER_PID;
PK_FILTER_UID;
PK_EVENTS_UNLESS(count);

const volatile bool print_ts PK_OPTION(t, "timestamp", "", "include a timestamp column") = false;
const volatile bool print_uid PK_OPTION(U, "print-uid", "", "include a UID column") = false;
const volatile bool wide PK_OPTION(w, "wide", "",
				   "wide column output (fits IPv6 addresses; RC as text)") = false;
const volatile bool errors PK_OPTION(E, "errors", "", "include failed binds") = false;
const volatile bool count PK_OPTION(, "count", "", "count binds per address and port") = false;
const volatile char ports[PK_TCP_PORTS_MAX] PK_OPTION(P, "port", "PORTS",
						      "comma-separated ports") = "";

#define IPPROTO_UDP 17

/*
 * bcc's "%-9.6f " "%6d " "%3s " (-w: "%-25s ") then "%8d %-12.12s %-4.4s
 * %-15.15s %5d %-5s %2d" (-w: "%10d %-12.12s %-4s %-39s %5d %-5s %2d"). RC
 * is there with -E only; an IPv6 address is never cut.
 */
struct event {
	__u64 ts PK_WHEN(print_ts) PK_WIDTH(-9) PK_PRECISION(6);
	__u32 uid PK_WHEN(print_uid) PK_HEADER("UID") PK_WIDTH(6);
	pk_errno_t ret PK_HEADER("RC") PK_WHEN(errors) PK_WIDTH(3) PK_WIDTH_WHEN(wide, -25, -1);
	__u32 pid PK_WIDTH(8) PK_WIDTH_WHEN(wide, 10, -1);
	char comm[16] PK_WIDTH(-12) PK_PRECISION(12);
	char proto[4] PK_HEADER("PROT") PK_WIDTH(-4);
	pk_inet_addr_t addr PK_INET(af) PK_HEADER("ADDR") PK_WIDTH(-15) PK_WIDTH_WHEN(wide, -39, -1);
	__u16 port PK_HEADER("PORT") PK_WIDTH(5);
	/* bcc's five: F(reebind) T(ransparent) N(o port) R(euseaddr) r(euseport); '.' unset */
	char opts[6] PK_HEADER("OPTS") PK_WIDTH(-5);
	__u32 bound_if PK_HEADER("IF") PK_WIDTH(2);
	__u16 af PK_WHEN(pk_tcp_hidden);
};
PK_EVENT(struct event);

/* --count's rows */
struct bind_key {
	pk_inet_addr_t addr PK_INET(af) PK_HEADER("ADDR");
	__u16 port PK_HEADER("PORT");
	__u16 af PK_WHEN(pk_tcp_hidden);
};
PK_HASH(binds, struct bind_key, __u64, 4096)
PK_TABLE_VALUE("BINDS") PK_TABLE_SORT("BINDS") PK_TABLE_WHEN(count);

struct pending {
	struct bind_key key;
	__s32 fd;
};
PK_HASH(pk_pending, __u32, struct pending, 4096) PK_NO_METRIC;

SEC("tracepoint/syscalls/sys_enter_bind")
int sys_enter_bind(struct pk_syscall_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sockaddr_in6 sa = {};
	struct pending p = {.fd = ctx->args[0]};

	if (pk_filtered())
		return 0;
	/* the whole sockaddr_in6 when the caller passed that much */
	if (bpf_probe_read_user(
		&sa, ctx->args[2] >= sizeof(sa) ? sizeof(sa) : sizeof(struct sockaddr_in),
		(const void *)ctx->args[1]))
		return 0;
	if (sa.sin6_family != PK_AF_INET && sa.sin6_family != PK_AF_INET6)
		return 0;
	p.key.af = sa.sin6_family;
	p.key.port = __builtin_bswap16(sa.sin6_port);
	if (sa.sin6_family == PK_AF_INET)
		p.key.addr.v4 = ((struct sockaddr_in *)&sa)->sin_addr.s_addr;
	else
		__builtin_memcpy(p.key.addr.v6, &sa.sin6_addr, 16);
	if (!pk_tcp_port_in(ports, p.key.port))
		return 0;
	bpf_map_update_elem(&pk_pending, &tid, &p, BPF_ANY);
	return 0;
}

/* The socket of the current task's file @fd. */
static __always_inline struct sock *fd_sock(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	struct file *f = NULL;
	struct socket *sock;

	if (fd < 0 || (__u32)fd >= BPF_CORE_READ(task, files, fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f)
		return NULL;
	sock = BPF_CORE_READ(f, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/*
 * inet_sock's freebind, transparent and bind_address_no_port: bitfields
 * before Linux 6.6, bits of inet_flags since (INET_FLAGS_FREEBIND 11,
 * _TRANSPARENT 15, _BIND_ADDRESS_NO_PORT 18: an anonymous enum, which
 * CO-RE cannot look up by name).
 */
struct inet_sock___old {
	__u8 freebind : 1;
	__u8 transparent : 1;
	__u8 bind_address_no_port : 1;
} __attribute__((preserve_access_index));

static __always_inline void inet_opts(struct event *e, struct sock *sk)
{
	struct inet_sock___old *old = (void *)sk;
	struct inet_sock *inet = (void *)sk;
	unsigned long flags;

	if (bpf_core_field_exists(inet->inet_flags)) {
		flags = BPF_CORE_READ(inet, inet_flags);
		if (flags & (1UL << 11))
			e->opts[0] = 'F';
		if (flags & (1UL << 15))
			e->opts[1] = 'T';
		if (flags & (1UL << 18))
			e->opts[2] = 'N';
		return;
	}
	if (bpf_core_field_exists(old->freebind) && BPF_CORE_READ_BITFIELD_PROBED(old, freebind))
		e->opts[0] = 'F';
	if (bpf_core_field_exists(old->transparent) &&
	    BPF_CORE_READ_BITFIELD_PROBED(old, transparent))
		e->opts[1] = 'T';
	if (bpf_core_field_exists(old->bind_address_no_port) &&
	    BPF_CORE_READ_BITFIELD_PROBED(old, bind_address_no_port))
		e->opts[2] = 'N';
}

static __always_inline void socket_facts(struct event *e, struct sock *sk)
{
	__u16 proto = sk ? BPF_CORE_READ(sk, sk_protocol) : 0;

	__builtin_memcpy(e->proto,
			 proto == PK_IPPROTO_TCP ? "TCP"
			 : proto == IPPROTO_UDP	 ? "UDP"
						 : "UNK",
			 4);
	__builtin_memcpy(e->opts, ".....", 6);
	if (!sk)
		return;
	/* the port bound: the kernel's choice where the caller asked for 0 */
	if (!e->ret)
		e->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	inet_opts(e, sk);
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, __sk_common.skc_reuse))
		e->opts[3] = 'R';
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, __sk_common.skc_reuseport))
		e->opts[4] = 'r';
	e->bound_if = BPF_CORE_READ(sk, __sk_common.skc_bound_dev_if);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int sys_exit_bind(struct pk_syscall_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct pending *p = bpf_map_lookup_elem(&pk_pending, &tid);
	struct event *e;

	if (!p)
		return 0;
	if (ctx->ret && !errors)
		goto out;
	if (count) {
		pk_increment(&binds, &p->key);
		goto out;
	}
	e = pk_reserve(struct event);
	if (!e)
		goto out;
	e->ts = bpf_ktime_get_ns();
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->pid = id >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->ret = ctx->ret;
	e->bound_if = 0;
	e->port = p->key.port;
	socket_facts(e, fd_sock(p->fd));
	e->addr = p->key.addr;
	e->af = p->key.af;
	pk_submit(ctx, e);
out:
	bpf_map_delete_elem(&pk_pending, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
