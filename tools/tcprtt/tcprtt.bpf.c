// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcprtt: a histogram of TCP's smoothed round-trip time, sampled at each
 * segment an established socket receives, as bcc's tcprtt counts it. bcc
 * reads tcp_sock's srtt_us with a kprobe on tcp_rcv_established(); the
 * tcp:tcp_probe tracepoint, which that function fires first, carries the
 * same value (srtt_us >> 3, in microseconds) with the socket's addresses
 * and ports. -a and -A take IPv4 addresses, as bcc's do.
 *
 * As bcc's, the histogram is one section, "All Addresses = *******", or
 * with -b/-B one per local/remote address (bcc's are IPv4 only; here IPv6
 * sockets get sections of their own), and -e keeps each section's average
 * RTT, printed as a table (bcc appends it to the section's header).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"
#include "tcp.bpf.h"

PK_TOOL_SUMMARY("Summarize TCP round-trip times as a histogram.");
PK_TOOL_EXAMPLE("tcprtt                   # RTT histogram in microseconds, at Ctrl-C");
PK_TOOL_EXAMPLE("tcprtt -i 1 -d 10        # every second, for 10 seconds");
PK_TOOL_EXAMPLE("tcprtt -m                # in milliseconds");
PK_TOOL_EXAMPLE("tcprtt -p 80             # local port 80 only");
PK_TOOL_EXAMPLE("tcprtt -A 192.168.1.5    # remote address 192.168.1.5 only");
PK_TOOL_EXAMPLE("tcprtt -b -e             # one histogram per local address, with its average");
PK_TOOL_BANNER("Tracing TCP RTT... Hit Ctrl-C to end.");
/* RTT samples are taken in softirq: no pid to filter; -c traces while it runs */
PK_TOOL_COMMAND_LIFETIME;
PK_TOOL_CLEAR;

const volatile bool millis PK_OPTION(m, "milliseconds", "", "histogram in milliseconds") = false;
const volatile __u16 lport PK_OPTION(p, "lport", "LPORT", "local port only") = 0;
const volatile __u16 rport PK_OPTION(P, "rport", "RPORT", "remote port only") = 0;
const volatile char laddr[16] PK_OPTION(a, "laddr", "LADDR", "local IPv4 address only") = "";
const volatile char raddr[16] PK_OPTION(A, "raddr", "RADDR", "remote IPv4 address only") = "";
const volatile bool byladdr PK_OPTION(b, "byladdr", "", "one histogram per local address") = false;
const volatile bool byraddr PK_OPTION(B, "byraddr", "", "one histogram per remote address") = false;
const volatile bool extension PK_OPTION(e, "extension", "",
					"the average RTT of each histogram") = false;
/* accepted for bcc's sake: with -i every print has its time line already */
const volatile bool timestamp PK_OPTION(T, "timestamp", "", "include timestamp on output") = false;
/* bcc's summary layout: a blank line before each print, HH:MM:SS under -T */
PK_TOOL_STAMPED(timestamp);
const volatile bool ipv4_only PK_OPTION(4, "ipv4", "", "trace IPv4 family only") = false;
const volatile bool ipv6_only PK_OPTION(6, "ipv6", "", "trace IPv6 family only") = false;

/*
 * One set of these fills, as -m, -b and -B say (-b before -B, as bcc):
 * bcc's "All Addresses = *******" section, or one section per address.
 */
#define RTT_ALL PK_HIST_SECTION("All Addresses") PK_TABLE_UNLESS(byladdr) PK_TABLE_UNLESS(byraddr)
#define RTT_L	PK_HIST_SECTION("Local Address") PK_TABLE_WHEN(byladdr)
#define RTT_R	PK_HIST_SECTION("Remote Address") PK_TABLE_WHEN(byraddr) PK_TABLE_UNLESS(byladdr)
PK_HIST_KEYED(rtt_usecs, char[8], 64) RTT_ALL PK_TABLE_UNLESS(millis);
PK_HIST_KEYED(rtt_msecs, char[8], 64) RTT_ALL PK_TABLE_WHEN(millis);
PK_HIST_KEYED(laddr_usecs, pk_ipv4_t, 64) RTT_L PK_TABLE_UNLESS(millis);
PK_HIST_KEYED(laddr_msecs, pk_ipv4_t, 64) RTT_L PK_TABLE_WHEN(millis);
PK_HIST_KEYED(laddr6_usecs, pk_ipv6_t, 64) RTT_L PK_TABLE_UNLESS(millis);
PK_HIST_KEYED(laddr6_msecs, pk_ipv6_t, 64) RTT_L PK_TABLE_WHEN(millis);
PK_HIST_KEYED(raddr_usecs, pk_ipv4_t, 64) RTT_R PK_TABLE_UNLESS(millis);
PK_HIST_KEYED(raddr_msecs, pk_ipv4_t, 64) RTT_R PK_TABLE_WHEN(millis);
PK_HIST_KEYED(raddr6_usecs, pk_ipv6_t, 64) RTT_R PK_TABLE_UNLESS(millis);
PK_HIST_KEYED(raddr6_msecs, pk_ipv6_t, 64) RTT_R PK_TABLE_WHEN(millis);

/* -e: each section's samples, summed, and their average (in the histogram's unit) */
struct rtt_avg {
	__u64 avg PK_HEADER("AVG");
	__u64 sum PK_WHEN(pk_tcp_hidden);
	__u64 count PK_WHEN(pk_tcp_hidden);
};
struct all_key {
	char addr[8] PK_HEADER("ADDR");
};
struct addr_key {
	pk_inet_addr_t addr PK_INET(af) PK_HEADER("ADDR");
	__u16 af PK_WHEN(pk_tcp_hidden);
};
PK_HASH(avg_all, struct all_key, struct rtt_avg, 1)
PK_TABLE_WHEN(extension) PK_TABLE_UNLESS(byladdr) PK_TABLE_UNLESS(byraddr);
PK_HASH(avg_laddr, struct addr_key, struct rtt_avg, 1024)
PK_TABLE_WHEN(extension) PK_TABLE_WHEN(byladdr);
PK_HASH(avg_raddr, struct addr_key, struct rtt_avg, 1024)
PK_TABLE_WHEN(extension) PK_TABLE_WHEN(byraddr) PK_TABLE_UNLESS(byladdr);

/* "a.b.c.d" in network order; 0 for "" or anything else */
static __always_inline __u32 parse_ipv4(const volatile char *s)
{
	__u32 addr = 0, part = 0, dots = 0;
	int i;

	for (i = 0; i < 16; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9') {
			part = part * 10 + (c - '0');
			continue;
		}
		if (part > 255 || (c != '.' && c))
			return 0;
		addr |= part << (8 * dots);
		part = 0;
		if (!c)
			break;
		dots++;
	}
	return dots == 3 ? addr : 0;
}

/* -a and -A parsed once: the program runs for every segment received */
__u32 laddr_v4 = 0, raddr_v4 = 0;
bool parsed = false;

/* The socket's local and remote addresses, from the record's sockaddrs. */
static __always_inline void addrs(const struct trace_event_raw_tcp_probe *args, pk_inet_addr_t *s,
				  pk_inet_addr_t *d)
{
	struct sockaddr_in6 s6 = {}, d6 = {};

	bpf_probe_read_kernel(&s6, sizeof(s6), args->saddr);
	bpf_probe_read_kernel(&d6, sizeof(d6), args->daddr);
	if (args->family == PK_AF_INET6) {
		__builtin_memcpy(s->v6, &s6.sin6_addr, 16);
		__builtin_memcpy(d->v6, &d6.sin6_addr, 16);
	} else {
		s->v4 = ((struct sockaddr_in *)&s6)->sin_addr.s_addr;
		d->v4 = ((struct sockaddr_in *)&d6)->sin_addr.s_addr;
	}
}

static __always_inline bool addr_matches(__u16 family, const pk_inet_addr_t *s,
					 const pk_inet_addr_t *d)
{
	if (!laddr[0] && !raddr[0])
		return true;
	if (!parsed) {
		laddr_v4 = parse_ipv4(laddr);
		raddr_v4 = parse_ipv4(raddr);
		parsed = true;
	}
	if (family != PK_AF_INET)
		return false;
	return (!laddr[0] || s->v4 == laddr_v4) && (!raddr[0] || d->v4 == raddr_v4);
}

static __always_inline void average(void *map, const void *key, __u64 srtt)
{
	static const struct rtt_avg zero;
	struct rtt_avg *a = pk_lookup_or_try_init(map, key, &zero);
	__u64 n;

	if (!a)
		return;
	__sync_fetch_and_add(&a->sum, srtt);
	n = __sync_fetch_and_add(&a->count, 1) + 1;
	a->avg = a->sum / n;
}

/* Each map is its own type to pk_hist_add_keyed(): one call per map. */
#define RTT_ADD(us, ms, key, v)                                                                    \
	do {                                                                                       \
		if (millis)                                                                        \
			pk_hist_add_keyed(&ms, key, v);                                            \
		else                                                                               \
			pk_hist_add_keyed(&us, key, v);                                            \
	} while (0)

/* The histogram of the section @a (the local or remote address) is in, and -e's average. */
static __always_inline void by_addr(const pk_inet_addr_t *a, __u16 family, bool local, __u64 srtt)
{
	struct addr_key key = {.addr = *a, .af = family};

	if (family == PK_AF_INET6 && local)
		RTT_ADD(laddr6_usecs, laddr6_msecs, &a->v6, srtt);
	else if (family == PK_AF_INET6)
		RTT_ADD(raddr6_usecs, raddr6_msecs, &a->v6, srtt);
	else if (local)
		RTT_ADD(laddr_usecs, laddr_msecs, &a->v4, srtt);
	else
		RTT_ADD(raddr_usecs, raddr_msecs, &a->v4, srtt);
	if (extension && local)
		average(&avg_laddr, &key, srtt);
	else if (extension)
		average(&avg_raddr, &key, srtt);
}

SEC("tracepoint/tcp/tcp_probe")
int tcp__tcp_probe(struct trace_event_raw_tcp_probe *args)
{
	static const struct all_key all = {"*******"};
	pk_inet_addr_t s = {}, d = {};
	__u64 srtt = args->srtt;

	if ((lport && args->sport != lport) || (rport && args->dport != rport))
		return 0;
	if ((ipv4_only && args->family != PK_AF_INET) || (ipv6_only && args->family != PK_AF_INET6))
		return 0;
	if (args->family != PK_AF_INET && args->family != PK_AF_INET6)
		return 0;
	addrs(args, &s, &d);
	if (!addr_matches(args->family, &s, &d))
		return 0;
	if (millis)
		srtt /= 1000;
	if (byladdr || byraddr) {
		by_addr(byladdr ? &s : &d, args->family, byladdr, srtt);
		return 0;
	}
	RTT_ADD(rtt_usecs, rtt_msecs, &all.addr, srtt);
	if (extension)
		average(&avg_all, &all, srtt);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
