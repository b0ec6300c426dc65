// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gethostlatency: host name lookups through libc's getaddrinfo(),
 * gethostbyname() and gethostbyname2(), each with its latency and host as
 * bcc's gethostlatency shows them, plus the result: getaddrinfo()'s EAI_*
 * code by name (not an errno: EAI_NONAME is -2, where -2 as an errno would
 * read ENOENT), or for the gethostbyname calls whether a hostent came back.
 *
 * A uprobe at each function's entry keeps the host and the time per
 * thread; a uretprobe sends the record.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"
#include "maps.bpf.h"

PK_TOOL_SUMMARY("Show host name lookups (getaddrinfo, gethostbyname) with their latency.");
PK_TOOL_EXAMPLE("gethostlatency           # every lookup on the machine");
PK_TOOL_EXAMPLE("gethostlatency -p 181    # the lookups of process 181");
PK_TOOL_EXAMPLE("gethostlatency -c 'getent ahosts example.com'");

PK_FILTER_PID;

/*
 * The result: getaddrinfo()'s return as <netdb.h> names it; the
 * gethostbyname calls return a pointer, shown as OK or NULL_HOSTENT (the
 * reason is then in h_errno, which is not read).
 */
enum gai_result {
	OK = 0,
	EAI_BADFLAGS = -1,
	EAI_NONAME = -2,
	EAI_AGAIN = -3,
	EAI_FAIL = -4,
	EAI_NODATA = -5,
	EAI_FAMILY = -6,
	EAI_SOCKTYPE = -7,
	EAI_SERVICE = -8,
	EAI_ADDRFAMILY = -9,
	EAI_MEMORY = -10,
	EAI_SYSTEM = -11,
	EAI_OVERFLOW = -12,
	EAI_INPROGRESS = -100,
	EAI_CANCELED = -101,
	EAI_NOTCANCELED = -102,
	EAI_ALLDONE = -103,
	EAI_INTR = -104,
	EAI_IDN_ENCODE = -105,
	NULL_HOSTENT = 1,
};

struct event {
	/* bcc's "%-9s %-7d %-16s %10.2f %s"; RET is ours */
	__u64 ts PK_FMT("clock") PK_HEADER("TIME") PK_WIDTH(-9);
	__u32 pid PK_WIDTH(-7);
	char comm[16] PK_WIDTH(-16);
	__u64 lat PK_DURATION(ns, ms) PK_HEADER("LATms") PK_WIDTH(10) PK_PRECISION(2);
	enum gai_result ret PK_HEADER("RET");
	char host[80];
};
PK_EVENT(struct event);

struct lookup {
	__u64 start;
	char host[80];
};

PK_HASH(lookups, __u32, struct lookup, 10240) PK_PRIVATE;

static __always_inline int enter(const char *host)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct lookup l = {};

	if (pk_filtered())
		return 0;
	bpf_probe_read_user_str(l.host, sizeof(l.host), host);
	l.start = bpf_ktime_get_ns();
	bpf_map_update_elem(&lookups, &tid, &l, BPF_ANY);
	return 0;
}

static __always_inline int leave(void *ctx, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct lookup *l = bpf_map_lookup_elem(&lookups, &tid);
	struct event *e;

	if (!l)
		return 0;
	e = pk_reserve(struct event);
	if (e) {
		e->ts = bpf_ktime_get_ns();
		e->pid = id >> 32;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		e->lat = e->ts - l->start;
		e->ret = ret;
		__builtin_memcpy(e->host, l->host, sizeof(e->host));
		pk_submit(ctx, e);
	}
	bpf_map_delete_elem(&lookups, &tid);
	return 0;
}

SEC("uprobe/c:getaddrinfo")
int BPF_KPROBE(getaddrinfo_entry, const char *node)
{
	return enter(node);
}

SEC("uretprobe/c:getaddrinfo")
int BPF_KRETPROBE(getaddrinfo_return, int ret)
{
	return leave(ctx, ret);
}

SEC("uprobe/c:gethostbyname")
int BPF_KPROBE(gethostbyname_entry, const char *name)
{
	return enter(name);
}

SEC("uretprobe/c:gethostbyname")
int BPF_KRETPROBE(gethostbyname_return, void *hostent)
{
	return leave(ctx, hostent ? OK : NULL_HOSTENT);
}

SEC("uprobe/c:gethostbyname2")
int BPF_KPROBE(gethostbyname2_entry, const char *name)
{
	return enter(name);
}

SEC("uretprobe/c:gethostbyname2")
int BPF_KRETPROBE(gethostbyname2_return, void *hostent)
{
	return leave(ctx, hostent ? OK : NULL_HOSTENT);
}

char LICENSE[] SEC("license") = "GPL";
