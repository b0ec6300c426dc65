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
 * (pk_events__configure()); failed reservations are counted in pk_lost.
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

#define PK_WAKEUP_GAP_NS 1000000

/*
 * Wake the reader at most once a millisecond, or when a quarter of the ring
 * is full. Default flags wake it whenever it has caught up, which a fast
 * reader does every few events: a wakeup per ~3 events, measured. User
 * space polls every 10 ms while events flow, so nothing waits longer.
 */
static __always_inline void pk_submit_size(void *ctx, void *e, __u32 size)
{
	__u64 now, flags = BPF_RB_NO_WAKEUP;

	if (pk_use_perfbuf) {
		if (bpf_perf_event_output(ctx, &pk_pb, BPF_F_CURRENT_CPU, e, size))
			pk_count_lost();
		return;
	}
	now = bpf_ktime_get_ns();
	if (now - pk_last_wakeup > PK_WAKEUP_GAP_NS ||
	    bpf_ringbuf_query(&pk_rb, BPF_RB_AVAIL_DATA) >=
		    bpf_ringbuf_query(&pk_rb, BPF_RB_RING_SIZE) / 4) {
		pk_last_wakeup = now;
		flags = BPF_RB_FORCE_WAKEUP;
	}
	bpf_ringbuf_submit(e, flags);
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
 * pk_event_type, whose BTF type (a VAR in the .bss DATASEC) points to the
 * record type. Use it once per object; it costs 8 bytes of .bss.
 */
#define PK_EVENT(type) type *pk_event_type __attribute__((unused))

/*
 * Marks a field (of an event, a map key or a map value) as holding a stack
 * id from a BPF_MAP_TYPE_STACK_TRACE map, for printers that symbolize
 * stacks. Fields named kstack, ustack or stack_id are taken as stack ids
 * without it. A BTF decl tag: kernels before 5.16 get it stripped by libbpf.
 */
#if __has_attribute(btf_decl_tag)
#define PK_STACK_ID __attribute__((btf_decl_tag("pk_stack_id")))
#else
#define PK_STACK_ID
#endif

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
 * The program is named category__event; @args is also the context for
 * pk_submit(). The record is struct trace_event_raw_<event>. Events
 * defined from a shared class have their class's record instead: name it
 * with PK_TRACEPOINT_CLASS(sched, sched_wakeup, sched_wakeup_template).
 * The syscalls' tracepoints have no record type in vmlinux.h (the kernel
 * builds their formats at run time): PK_SYSCALL_ENTER(openat) and
 * PK_SYSCALL_EXIT(openat) hand struct pk_syscall_enter/exit from
 * syscalls.bpf.h (args->args[0..5], args->ret).
 */
#define PK_TRACEPOINT_CLASS(category, event, class)                                        \
	SEC("tracepoint/" #category "/" #event)                                           \
	int category##__##event(struct trace_event_raw_##class *args)

#define PK_TRACEPOINT(category, event) PK_TRACEPOINT_CLASS(category, event, event)

#define PK_SYSCALL_ENTER(name)                                                             \
	SEC("tracepoint/syscalls/sys_enter_" #name)                                       \
	int sys_enter_##name(struct pk_syscall_enter *args)

#define PK_SYSCALL_EXIT(name)                                                              \
	SEC("tracepoint/syscalls/sys_exit_" #name)                                        \
	int sys_exit_##name(struct pk_syscall_exit *args)

#endif
