/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF half of probekit's event delivery. Include it after vmlinux.h and
 * the libbpf headers, then:
 *
 *	struct event *e = pk_reserve(struct event);
 *	if (!e)
 *		return 0;
 *	...fill e...
 *	pk_submit(ctx, e);
 *
 * User space picks the ring buffer or the perf buffer before load
 * (pk_events_configure()); failed reservations are counted in pk_lost.
 *
 * It also gives:
 *	PK_EVENT(struct event);		   // names the record type, for printers
 *	PK_TRACEPOINT(sched, sched_switch) // a tracepoint program with typed args
 *	{ ... args->next_pid ... }
 *	__s32 id = pk_stack_id(ctx, &stacks, false);  // a kernel stack's id
 */
#ifndef PROBEKIT_BPF_H
#define PROBEKIT_BPF_H

#include "syscalls.bpf.h"
#include "tool.bpf.h"

#ifndef PK_EVENT_MAX
#define PK_EVENT_MAX 4096
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} pk_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} pk_pb SEC(".maps");

struct pk_scratch {
	char data[PK_EVENT_MAX];
};

/* The perf buffer's staging area: one event per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pk_scratch);
} pk_heap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pk_lost SEC(".maps");

/* Set by user space before load; the verifier drops the unused path. */
const volatile bool pk_use_perfbuf = false;

static __always_inline void pk_count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&pk_lost, &zero);

	if (lost)
		*lost += 1;
}

static __always_inline void *pk_reserve_size(__u32 size)
{
	__u32 zero = 0;
	void *e;

	if (pk_use_perfbuf)
		return bpf_map_lookup_elem(&pk_heap, &zero);
	e = bpf_ringbuf_reserve(&pk_rb, size, 0);
	if (!e)
		pk_count_lost();
	return e;
}

/* When the reader was last woken; racy across CPUs, which only costs an
 * extra wakeup now and then. */
__u64 pk_last_wakeup = 0;

/* at most PK_BATCH_POLL_MS (include/probekit/events.h) */
#define PK_WAKEUP_GAP_NS 1000000

/*
 * Wake the reader at most once a millisecond, or when a quarter of the ring
 * is full: the wakeup protocol, stated in lib/events.c. Default flags wake
 * it whenever it has caught up, which a fast reader does every few events:
 * a wakeup per ~3 events, measured. (A 10 ms gap saved ~40 ns of BPF time
 * per event at 200k events/s but lost up to 1.8 % of a 5 s flood where
 * 1 ms lost 0-0.5 %: bench/run's capacity section.)
 */
/* Whether a ring-buffer event made at @now wakes the reader. */
static __always_inline __u64 pk__wakeup_flags_at(__u64 now)
{
	if (now - pk_last_wakeup >= PK_WAKEUP_GAP_NS ||
	    bpf_ringbuf_query(&pk_rb, BPF_RB_AVAIL_DATA) >=
		    bpf_ringbuf_query(&pk_rb, BPF_RB_RING_SIZE) / 4) {
		pk_last_wakeup = now;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

static __always_inline __u64 pk__wakeup_flags(void)
{
	return pk__wakeup_flags_at(bpf_ktime_get_ns());
}

static __always_inline void pk_submit_size(void *ctx, void *e, __u32 size)
{
	if (pk_use_perfbuf) {
		if (bpf_perf_event_output(ctx, &pk_pb, BPF_F_CURRENT_CPU, e, size))
			pk_count_lost();
		return;
	}
	bpf_ringbuf_submit(e, pk__wakeup_flags());
}

/*
 * Events that end in a string that is mostly empty (a path) go out cut
 * after it: built in the per-CPU scratch, then copied into the buffer with
 * only @size bytes. A 568-byte opensnoop event is ~100 bytes that way, so
 * the same buffer (and memory) holds five times as many events before a
 * flood loses one. The reader sees @size as the event's size.
 *
 *	struct event *e = pk_reserve_cut(struct event);
 *	...
 *	n = pk_read_user_str_len(e->path, sizeof(e->path), src, &e->truncated);
 *	pk_submit_cut(ctx, e, offsetof(struct event, path) + n);
 */
static __always_inline void *pk_reserve_cut_size(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&pk_heap, &zero);
}

/*
 * pk_submit_cut() for an event that holds a bpf_ktime_get_ns() reading,
 * @now: the wakeup rule uses it rather than reading the clock again.
 */
static __always_inline void pk_submit_cut_at(void *ctx, void *e, __u64 size, __u64 now)
{
	if (size > PK_EVENT_MAX)
		return;
	if (pk_use_perfbuf) {
		if (bpf_perf_event_output(ctx, &pk_pb, BPF_F_CURRENT_CPU, e, size))
			pk_count_lost();
		return;
	}
	if (bpf_ringbuf_output(&pk_rb, e, size, pk__wakeup_flags_at(now)))
		pk_count_lost();
}

static __always_inline void pk_submit_cut(void *ctx, void *e, __u64 size)
{
	pk_submit_cut_at(ctx, e, size, pk_use_perfbuf ? 0 : bpf_ktime_get_ns());
}

static __always_inline void pk_discard(void *e)
{
	if (!pk_use_perfbuf)
		bpf_ringbuf_discard(e, 0);
}

/*
 * Copies a user-space string into @dst; an unreadable one becomes "".
 * Returns true when it was cut: a full buffer is either an exact fit or a
 * cut, and the byte after it tells which.
 */
static __always_inline bool pk_read_user_str(char *dst, __u32 size, const char *src)
{
	long n = bpf_probe_read_user_str(dst, size, src);
	char next = 0;

	if (n < 0)
		dst[0] = '\0';
	if (n == size)
		bpf_probe_read_user(&next, 1, src + size - 1);
	return next != 0;
}

/*
 * pk_read_user_str() that also gives the bytes written, the NUL included
 * (at least 1, at most @size): the length of a cut event's tail.
 */
static __always_inline __u32 pk_read_user_str_len(char *dst, __u32 size, const char *src,
						  __u8 *truncated)
{
	long n = bpf_probe_read_user_str(dst, size, src);
	char next = 0;

	if (n < 1) {
		dst[0] = '\0';
		n = 1;
	}
	if (n >= size) {
		bpf_probe_read_user(&next, 1, src + size - 1);
		n = size;
	}
	*truncated = next != 0;
	return n;
}

#define pk_reserve_cut(type)                                                               \
	({                                                                                 \
		_Static_assert(sizeof(type) <= PK_EVENT_MAX, "event larger than PK_EVENT_MAX"); \
		(type *)pk_reserve_cut_size();                                             \
	})

#define pk_reserve(type)                                                                   \
	({                                                                                 \
		_Static_assert(sizeof(type) <= PK_EVENT_MAX, "event larger than PK_EVENT_MAX"); \
		(type *)pk_reserve_size(sizeof(type));                                     \
	})

#define pk_submit(ctx, e) pk_submit_size(ctx, e, sizeof(*(e)))

/*
 * PK_EVENT(struct event) names the type of the records this object sends
 * with pk_submit(), so that a generic reader (`probekit run`) can print
 * them with no user code. The convention: a global pointer named
 * pk_event_type_N (any N), whose BTF type (a VAR in the .bss DATASEC)
 * points to the record type. Once per record type; each costs 8 bytes of
 * .bss.
 *
 * `probekit run` prints the records as a table (include/probekit/eventtable.h),
 * one column per member, and treats members of the record by name:
 *	char comm[16]		a 16-wide text column
 *	pid tid uid ppid tgid gid  decimal, 7 wide
 *	__u64 ts / ts_ns	bpf_ktime_get_ns(), shown as seconds since the
 *				first record, in a TIME(s) column
 *	errno			the number and its errno name: "-2 ENOENT"
 *				(a "ret" is a number unless declared pk_errno_t)
 * and other formats by declaration (below: PK_FMT(), pk_ipv4_t...).
 *	kstack ustack stack_id	stack ids, at any depth (the rule below)
 * Other char arrays print as escaped text up to their NUL (a path is best
 * last: the last column is not padded); nested structs as OUTER.INNER
 * columns. --json keeps the raw values, nested as the type is.
 */
#define PK_EVENT(type) type *PK__EVENT_VAR(__COUNTER__) __attribute__((unused))
#define PK__EVENT_VAR(n) PK__EVENT_VAR_(n)
#define PK__EVENT_VAR_(n) pk_event_type_##n

/*
 * Several record types in one object: PK_EVENT() each, and start each with
 * PK_EVENT_KIND, which pk_reserve_kind()/pk_reserve_cut_kind() fill with
 * the type's BTF id, so that a printer tells the records apart:
 *
 *	struct exec_ev { PK_EVENT_KIND; __u32 pid; char comm[16]; };
 *	struct exit_ev { PK_EVENT_KIND; __u32 pid; int code; };
 *	PK_EVENT(struct exec_ev);
 *	PK_EVENT(struct exit_ev);
 *	...
 *	struct exit_ev *e = pk_reserve_kind(struct exit_ev);
 *
 * `probekit run` prints each kind as its own table (a header line where the
 * kind changes) and in JSON as {"type": "exit_ev", "event": {...}}. The kind
 * member is not a column.
 */
typedef __u32 pk_event_kind_t;
#define PK_EVENT_KIND pk_event_kind_t pk_kind
#define pk__kind(type) ((__u32)__builtin_btf_type_id(*(type *)0, 0))
#define pk__reserve_kind(type, reserve)                                                    \
	({                                                                                 \
		type *pk__ek = reserve(type);                                              \
		if (pk__ek)                                                                \
			pk__ek->pk_kind = pk__kind(type);                                  \
		pk__ek;                                                                    \
	})
#define pk_reserve_kind(type) pk__reserve_kind(type, pk_reserve)
#define pk_reserve_cut_kind(type) pk__reserve_kind(type, pk_reserve_cut)

/*
 * Column formats (include/probekit/eventtable.h has the rules): a member
 * of a PK_EVENT record or a PK_TABLE map's key or value gets its format
 * from a typedef or a tag, never from its name alone (but for comm, pid,
 * ts and errno, which cannot be wrong):
 *
 *	pk_ipv4_t daddr;		127.0.0.1 (network order, as the kernel keeps it)
 *	pk_ipv6_t daddr6;		::1 (16 bytes)
 *	union { __u32 v4; __u8 v6[16]; } daddr PK_INET(af) PK_PORT_BE(dport);
 *					IPv4 or IPv6 as the member af says (AF_INET,
 *					AF_INET6), ":PORT" from dport (then not a column)
 *	pk_errno_t err;			-2 ENOENT
 *	pk_syscall_t nr;		openat
 *	pk_signal_t sig;		SIGKILL
 *	pk_open_flags_t flags;		O_WRONLY|O_CREAT|O_CLOEXEC
 *	enum my_bits f PK_FMT("flags");	the enum's names, joined by |
 *	pk_hex_t / pk_hex64_t;		0x1f (PK_FMT("hex:bare"): 1f)
 *	pk_bytes_t size;		4.0K (1024-based)
 *	pk_dev_t dev;			8:1 (the kernel's dev_t: major << 20 | minor)
 *	pk_ksym_t ip;			a kernel address as its function
 *	pk_usym_t ip;			a user address as its function (in the
 *					record's pid or tgid)
 *	__u64 lat PK_DURATION(ns, ms);	a duration stored in ns, shown in ms,
 *					header "LAT(ms)"; units ns us ms s
 *	pk_wstatus_t status;		a wait status (task->exit_code): "code 3",
 *					"signal 9 (KILL)" (bcc's exitsnoop)
 *	pk_target_t func;		a PK_TARGET_EACH cookie as the name of
 *					the target matched (tool.bpf.h)
 *	__u64 ts PK_FMT("clock");	a bpf_ktime_get_ns() as the wall clock
 *					(HH:MM:SS, bcc's -T); "clock:ms" adds
 *					.mmm, "clock:utc" is in UTC, and a
 *					"clock:ms" column's header is bcc's
 *					exitsnoop's TIME-UTC (TIME-CET...)
 * and for any column:
 *	PK_HEADER("NAME")		its header
 *	PK_WHEN(var)			shown only when the const volatile global
 *					@var is non-zero (an option sets it: -T,
 *					-x; or --set var=1)
 *	PK_WHEN_ANY(a, b)		shown while @a or @b is non-zero (bcc's
 *					tcplife shows IP with -w and with -s)
 *	PK_UNLESS(var)			hidden while @var is non-zero (with
 *					PK_WHEN: both must hold)
 *	PK_WIDTH(n)			printf's width in text, as in bcc's format
 *					string: PK_WIDTH(-16) is %-16s, PK_WIDTH(7)
 *					%7d; a longer header overflows it, as there
 *					(without it: wide enough for the type and
 *					the header)
 *	PK_PRECISION(n)			printf's precision in text: a string's
 *					bytes (%-12.12s), or the decimals of a
 *					TIME(s), float or duration column (%.2f,
 *					rounded as printf rounds)
 *	PK_WIDTH_WHEN(var, w, p)	width @w and precision @p (-1: none)
 *					while the global @var is set (bcc's -w
 *					wide layouts)
 */
#if __has_attribute(btf_decl_tag)
#define PK__TAG(s) __attribute__((btf_decl_tag(s)))
#else
#define PK__TAG(s)
#endif
#define PK_FMT(name) PK__TAG("pk_fmt:" name)
#define PK_HEADER(name) PK__TAG("pk_header:" name)
#define PK_WHEN(var) PK__TAG("pk_when:" #var)
#define PK_WHEN_ANY(a, b) PK__TAG("pk_when:" #a "|" #b)
#define PK_UNLESS(var) PK__TAG("pk_unless:" #var)
#define PK_WIDTH(n) PK__TAG("pk_width:" #n)
#define PK_PRECISION(n) PK__TAG("pk_precision:" #n)
#define PK_WIDTH_WHEN(var, w, p) PK__TAG("pk_width_when:" #var ":" #w ":" #p)
#define PK_DURATION(stored, shown) PK__TAG("pk_fmt:duration:" #stored ":" #shown)
#define PK_INET(family_member) PK__TAG("pk_fmt:inet") PK__TAG("pk_family:" #family_member)
#define PK_PORT(member) PK__TAG("pk_port:" #member)
#define PK_PORT_BE(member) PK__TAG("pk_port_be:" #member)

typedef __u32 pk_ipv4_t;
typedef __u8 pk_ipv6_t[16];
typedef __s32 pk_errno_t;
typedef __s32 pk_syscall_t;
typedef __s32 pk_signal_t;
typedef __u32 pk_open_flags_t;
typedef __u32 pk_hex_t;
typedef __u64 pk_hex64_t;
typedef __u64 pk_bytes_t;
typedef __u32 pk_dev_t;
typedef __u64 pk_ksym_t;
typedef __u64 pk_usym_t;
typedef __s32 pk_wstatus_t;
typedef __u32 pk_target_t;

/*
 * Stack ids, for printers that symbolize stacks (`probekit run` prints a
 * map entry or an event with its stacks, one frame a line, and gives them
 * to --folded and --svg). A number is a stack id when:
 *  - a struct member (of a map key, a map value or a PK_EVENT record) is
 *    tagged PK_STACK_ID, PK_KSTACK_ID, PK_USTACK_ID or PK_STACK_ID_OF(map),
 *    or is named kstack, ustack, stack_id, stackid, kstack_id, ustack_id,
 *    or anything ending in _stack_id or _stackid (bcc's user_stack_id,
 *    kernel_stack_id), or has a typedef type named or tagged so;
 *  - a whole key or value has a typedef so named (after a pk_ prefix and a
 *    _t suffix are dropped): pk_kstack_t, pk_ustack_t, pk_stack_id_t below.
 * It is a 4- or 8-byte integer (not a bitfield), as pk_stack_id() returns
 * it. The rule in C is pk_btf_stack_id() (include/probekit/stackid.h).
 * Its stack map: the one PK_*STACK_ID_OF() names, else the object's only
 * BPF_MAP_TYPE_STACK_TRACE map (with several, name one).
 * Kernel or user: PK_KSTACK_ID/PK_USTACK_ID, or a name starting with k
 * (kstack, kernel_stack_id) or u (ustack, user_stack_id); otherwise the
 * stack's first address says (kernel addresses are in the upper half of
 * the address space, on x86-64 and arm64).
 * User stacks are symbolized for the process in a member named tgid or
 * pid of the same key, value or record, else run's -p PID or -c command.
 * A negative id prints as bcc's "[Missed User Stack]" with the reason.
 * The tags are BTF decl tags, "pk_stack_id[:user|:kernel][:MAP]" (another
 * shape, as "pk_stack_id:MAP:user", is reported and the number printed);
 * kernels before 5.16 get them stripped by libbpf, the names still work.
 */
#if __has_attribute(btf_decl_tag)
#define PK_STACK_ID __attribute__((btf_decl_tag("pk_stack_id")))
#define PK_KSTACK_ID __attribute__((btf_decl_tag("pk_stack_id:kernel")))
#define PK_USTACK_ID __attribute__((btf_decl_tag("pk_stack_id:user")))
#define PK_STACK_ID_OF(map) __attribute__((btf_decl_tag("pk_stack_id:" #map)))
#define PK_KSTACK_ID_OF(map) __attribute__((btf_decl_tag("pk_stack_id:kernel:" #map)))
#define PK_USTACK_ID_OF(map) __attribute__((btf_decl_tag("pk_stack_id:user:" #map)))
#else
#define PK_STACK_ID
#define PK_KSTACK_ID
#define PK_USTACK_ID
#define PK_STACK_ID_OF(map)
#define PK_KSTACK_ID_OF(map)
#define PK_USTACK_ID_OF(map)
#endif

/* A map keyed (or valued) by a stack id alone: PK_HASH(calls, pk_ustack_t, __u64, 1024) */
typedef __s32 pk_kstack_t;
typedef __s32 pk_ustack_t;
typedef __s32 pk_stack_id_t;

/*
 * The id of the current kernel stack (@user false) or user stack (@user
 * true) in the PK_STACK_TRACE map @map, or a negative errno (-EFAULT: no
 * stack here; -EEXIST: a hash collision; -ENOMEM: the map is full).
 */
#define pk_stack_id(ctx, map, user) \
	((__s32)bpf_get_stackid(ctx, map, (user) ? BPF_F_USER_STACK : 0))

/*
 * A tracepoint program with its record typed from vmlinux.h, as bcc's
 * TRACEPOINT_PROBE(category, event) gives:
 *
 *	PK_TRACEPOINT(sched, sched_process_exec)
 *	{
 *		bpf_printk("exec %d", args->pid);
 *		return 0;
 *	}
 *
 * The program is named category__event; @args is the record, and @ctx
 * (the same pointer) the context for pk_submit() and pk_printf(). The record is struct trace_event_raw_<event>. Events
 * defined from a shared class have their class's record instead: name it
 * with PK_TRACEPOINT_CLASS(sched, sched_wakeup, sched_wakeup_template).
 * The syscalls' tracepoints have no record type in vmlinux.h (the kernel
 * builds their formats at run time): PK_SYSCALL_ENTER(openat) and
 * PK_SYSCALL_EXIT(openat) hand struct pk_syscall_enter/exit from
 * syscalls.bpf.h (args->args[0..5], args->ret).
 */
/*
 * The body gets both @args and @ctx (the same pointer), so that
 * pk_printf() and pk_submit(ctx, e) work in it as in any handler.
 */
#define PK__TP_PROG(sec, fn, type)                                                          \
	static __always_inline int pk__body_##fn(void *ctx, type *args);                   \
	SEC(sec)                                                                           \
	int fn(type *args)                                                                 \
	{                                                                                  \
		return pk__body_##fn(args, args);                                          \
	}                                                                                  \
	static __always_inline int pk__body_##fn(void *ctx __attribute__((unused)),        \
						 type *args)

#define PK_TRACEPOINT_CLASS(category, event, class)                                        \
	PK__TP_PROG("tracepoint/" #category "/" #event, category##__##event,               \
		    struct trace_event_raw_##class)

#define PK_TRACEPOINT(category, event) PK_TRACEPOINT_CLASS(category, event, event)

#define PK_SYSCALL_ENTER(name)                                                             \
	PK__TP_PROG("tracepoint/syscalls/sys_enter_" #name, sys_enter_##name,              \
		    struct pk_syscall_enter)

#define PK_SYSCALL_EXIT(name)                                                              \
	PK__TP_PROG("tracepoint/syscalls/sys_exit_" #name, sys_exit_##name,                \
		    struct pk_syscall_exit)

/*
 * pk_printf("fmt", args...): a private printf. Each call site's format is a
 * static string in .rodata named pk__fmt_<N> (N from __COUNTER__); the record
 * sent through pk_reserve()'s buffer carries N and the raw arguments, and
 * user space formats it (pk_printf__format(), include/probekit/printf.h).
 * Nothing reads the machine-wide trace_pipe, and a record that finds no
 * room is counted with the other lost events. A file that never calls it
 * pays nothing: no map, no global (the compiler drops the unused ones).
 *
 * - It uses the `ctx` in scope (as BPF_PROG() and the usual handler
 *   signature name it); pk_printf_ctx(c, "fmt", ...) takes another.
 * - Up to 8 arguments, integers or pointers (%d %i %u %x %X %o %c %p with
 *   l/ll/h/hh/z, flags "-0+ #", width and precision), each evaluated once.
 * - %s takes a char pointer or char array in BPF or kernel memory (copied
 *   with bpf_probe_read_kernel_str()), or pk_user_str(ptr) for a string in
 *   user memory (bpf_probe_read_user_str()); at most PK_PRINTF_STR_MAX - 1
 *   bytes of each are kept (define it before including this file to change
 *   it). The argument's C type decides: pass a pointer cast to an integer
 *   to print it with %p or %lx.
 * - It may be called between pk_reserve() and pk_submit(). With the perf
 *   buffer both stage in one per-CPU area, the record at its end: an event
 *   in progress larger than PK_EVENT_MAX minus the record is overwritten.
 * - Records start with a 64-bit cookie that pk_events_configure() draws
 *   at random for each load, so no event a program sends through
 *   pk_reserve() is taken for one by chance, or by a traced process that
 *   controls its bytes.
 */
#ifndef PK_PRINTF_STR_MAX
#define PK_PRINTF_STR_MAX 64
#endif

static const volatile __u64 pk__printf_cookie = 0x706b7072696e7466ULL;

struct pk__user_str;
#define pk_user_str(p) ((const struct pk__user_str *)(unsigned long)(p))

/* 0: an integer or pointer, 1: a kernel string, 2: a user string */
#define pk__arg_kind(x)                                                                    \
	_Generic((x), char *: 1, const char *: 1, volatile char *: 1, const volatile char *: 1, \
		 unsigned char *: 1, const unsigned char *: 1, signed char *: 1,               \
		 const signed char *: 1, const struct pk__user_str *: 2,                       \
		 struct pk__user_str *: 2, default: 0)

#define PK__NARGS(...) PK__NARGS_(0, ##__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define PK__NARGS_(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, N, ...) N
#define PK__CAT(a, b) PK__CAT_(a, b)
#define PK__CAT_(a, b) a##b
#define PK__EACH(M, ...) PK__CAT(PK__EACH, PK__NARGS(__VA_ARGS__))(M, ##__VA_ARGS__)
#define PK__EACH0(M)
#define PK__EACH1(M, a) M(0, a)
#define PK__EACH2(M, a, b) PK__EACH1(M, a) M(1, b)
#define PK__EACH3(M, a, b, c) PK__EACH2(M, a, b) M(2, c)
#define PK__EACH4(M, a, b, c, d) PK__EACH3(M, a, b, c) M(3, d)
#define PK__EACH5(M, a, b, c, d, e) PK__EACH4(M, a, b, c, d) M(4, e)
#define PK__EACH6(M, a, b, c, d, e, f) PK__EACH5(M, a, b, c, d, e) M(5, f)
#define PK__EACH7(M, a, b, c, d, e, f, g) PK__EACH6(M, a, b, c, d, e, f) M(6, g)
#define PK__EACH8(M, a, b, c, d, e, f, g, h) PK__EACH7(M, a, b, c, d, e, f, g) M(7, h)

#define PK__KIND_BITS(i, x) | (pk__arg_kind(x) << (2 * (i)))
#define PK__IS_STR(i, x) +(pk__arg_kind(x) != 0)
#define PK__PUT(i, x)                                                                        \
	{                                                                                    \
		__auto_type pk__v = (x);                                                     \
		pk__a[i] = (__u64)(unsigned long)pk__v;                                      \
		if (pk__arg_kind(x) == 1)                                                    \
			bpf_probe_read_kernel_str(pk__s, PK_PRINTF_STR_MAX,                  \
						  (const void *)(unsigned long)pk__v);       \
		else if (pk__arg_kind(x) == 2)                                               \
			bpf_probe_read_user_str(pk__s, PK_PRINTF_STR_MAX,                    \
						(const void *)(unsigned long)pk__v);         \
		if (pk__arg_kind(x))                                                         \
			pk__s += PK_PRINTF_STR_MAX;                                          \
	}

/* The record: cookie, format id, argument kinds (2 bits each), counts, slot size. */
#define PK__PRINTF_HDR 24

#define pk_printf(fmt, ...) pk_printf_ctx(ctx, fmt, ##__VA_ARGS__)
#define pk_printf_ctx(c, fmt, ...) pk__printf(c, __COUNTER__, fmt, ##__VA_ARGS__)
#define pk__printf(c, id, fmt, ...) pk__printf_(c, id, fmt, ##__VA_ARGS__)
#define pk__printf_(c, id, fmt, ...)                                                         \
	({                                                                                   \
		static const char pk__fmt_##id[] __attribute__((used)) = fmt;                \
		enum {                                                                       \
			pk__n = PK__NARGS(__VA_ARGS__),                                      \
			pk__ns = 0 PK__EACH(PK__IS_STR, ##__VA_ARGS__),                      \
			pk__size = PK__PRINTF_HDR + 8 * pk__n + PK_PRINTF_STR_MAX * pk__ns,  \
		};                                                                           \
		_Static_assert(pk__n <= 8, "pk_printf() takes at most 8 arguments");         \
		_Static_assert(pk__size <= PK_EVENT_MAX, "pk_printf() record too large");    \
		char *pk__r = pk_reserve_size(pk__size);                                     \
		/* the perf buffer's staging area may hold an event being filled */         \
		if (pk__r && pk_use_perfbuf)                                                 \
			pk__r += PK_EVENT_MAX - pk__size;                                    \
		if (pk__r) {                                                                 \
			__u64 *pk__a __attribute__((unused)) =                               \
				(__u64 *)(pk__r + PK__PRINTF_HDR);                           \
			char *pk__s __attribute__((unused)) = (char *)(pk__a + pk__n);       \
			*(__u64 *)pk__r = pk__printf_cookie;                                 \
			*(__u32 *)(pk__r + 8) = id;                                          \
			*(__u16 *)(pk__r + 12) = 0 PK__EACH(PK__KIND_BITS, ##__VA_ARGS__);   \
			pk__r[14] = pk__n;                                                   \
			pk__r[15] = pk__ns;                                                  \
			*(__u16 *)(pk__r + 16) = PK_PRINTF_STR_MAX;                          \
			*(__u16 *)(pk__r + 18) = 0;                                          \
			*(__u32 *)(pk__r + 20) = 0;                                          \
			PK__EACH(PK__PUT, ##__VA_ARGS__)                                     \
			pk_submit_size(c, pk__r, pk__size);                                  \
		}                                                                            \
	})

#endif
