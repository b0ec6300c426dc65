/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the TCP tools (tools/tcp*) share: an address that is IPv4 or IPv6
 * as its family says, filled from the sock and tcp tracepoints' records;
 * bcc's -P/-L/-D comma-separated port lists, matched in BPF; and the TCP
 * states by name. Include after vmlinux.h and probekit.bpf.h.
 *
 *	struct event {
 *		__u8 ip PK_HEADER("IP");		4 or 6, bcc's IP column
 *		pk_inet_addr_t saddr PK_INET(af);	127.0.0.1 or ::1
 *		__u16 af PK_WHEN(pk_tcp_hidden);	the family, not a column
 *	};
 *	pk_tcp_addrs(&e->saddr, &e->daddr, args);
 */
#ifndef PROBEKIT_TCP_BPF_H
#define PROBEKIT_TCP_BPF_H

#define PK_AF_INET     2
#define PK_AF_INET6    10
#define PK_IPPROTO_TCP 6

typedef union {
	__u32 v4;
	__u8 v6[16];
} pk_inet_addr_t;

/* A column shown never: the family an address column reads, kept for --json. */
const volatile bool pk_tcp_hidden = false;

/* 4 or 6 for AF_INET or AF_INET6, as bcc's IP column. */
static __always_inline __u8 pk_tcp_ipver(__u16 family)
{
	return family == PK_AF_INET6 ? 6 : 4;
}

/*
 * Copies a tracepoint record's saddr/daddr (IPv4) or saddr_v6/daddr_v6 by
 * its family. Read with bpf_probe_read_kernel(): clang copies the arrays
 * through a pointer into the record, which the verifier refuses for a
 * tracepoint's context.
 */
#define pk_tcp_addrs(s, d, args)                                                                   \
	do {                                                                                       \
		__builtin_memset((s), 0, sizeof(*(s)));                                            \
		__builtin_memset((d), 0, sizeof(*(d)));                                            \
		if ((args)->family == PK_AF_INET6) {                                               \
			bpf_probe_read_kernel((s)->v6, 16, (args)->saddr_v6);                      \
			bpf_probe_read_kernel((d)->v6, 16, (args)->daddr_v6);                      \
		} else {                                                                           \
			bpf_probe_read_kernel(&(s)->v4, 4, (args)->saddr);                         \
			bpf_probe_read_kernel(&(d)->v4, 4, (args)->daddr);                         \
		}                                                                                  \
	} while (0)

/*
 * Whether @port is in @list, bcc's "-P 80,81" given as a string option; an
 * empty list takes every port. Parsed at each call: the tools call it once
 * per connection, not per packet.
 */
#define PK_TCP_PORTS_MAX 64
static __always_inline bool pk_tcp_port_in(const volatile char *list, __u16 port)
{
	__u32 n = 0;
	bool digits = false;
	int i;

	if (!list[0])
		return true;
	for (i = 0; i < PK_TCP_PORTS_MAX; i++) {
		char c = list[i];

		if (c >= '0' && c <= '9') {
			n = n * 10 + (c - '0');
			digits = true;
			continue;
		}
		if (digits && n == port)
			return true;
		if (!c)
			return false;
		n = 0;
		digits = false;
	}
	return digits && n == port;
}

/* bcc's names of the TCP states (include/net/tcp_states.h). */
static __always_inline void pk_tcp_state_name(char name[16], int state)
{
	static const char names[13][16] = {
	    "UNKNOWN",	 "ESTABLISHED", "SYN_SENT",	"SYN_RECV",   "FIN_WAIT1",
	    "FIN_WAIT2", "TIME_WAIT",	"CLOSE",	"CLOSE_WAIT", "LAST_ACK",
	    "LISTEN",	 "CLOSING",	"NEW_SYN_RECV",
	};
	__u32 i = state;

	if (i >= 13)
		i = 0;
	__builtin_memcpy(name, names[i], 16);
}

#endif
