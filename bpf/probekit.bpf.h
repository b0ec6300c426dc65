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
 */
#ifndef PROBEKIT_BPF_H
#define PROBEKIT_BPF_H

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

static __always_inline void pk_submit_cut(void *ctx, void *e, __u64 size)
{
	__u64 now, flags = BPF_RB_NO_WAKEUP;

	if (size > PK_EVENT_MAX)
		return;
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
	if (bpf_ringbuf_output(&pk_rb, e, size, flags))
		pk_count_lost();
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

#endif
