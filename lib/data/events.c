// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Event delivery over the BPF ring buffer, or the perf buffer where the
 * kernel has no ring buffer. The BPF half is bpf/probekit.bpf.h: it counts
 * failed ring buffer reservations and perf outputs in pk_lost. The perf
 * buffer's own loss records go unused: they count the same events, and only
 * once a later event finds room, so the tail of a burst would go unsaid.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/events.h>
#include <probekit/features.h>

#include "data.h"

/*
 * Per CPU. Events that end in a path are sent cut (pk_submit_cut()), ~100
 * bytes each, so this holds ~2,500 of them on 2 CPUs: a 3-writer flood
 * loses under 1 %, while the ring, which user space maps twice, adds 0.5 MB
 * to the peak RSS instead of 1 MB at 64 pages (bench/README.md).
 */
#define DEFAULT_PAGES PK_EVENTS_DEFAULT_PAGES

static __u64 mono_ns(void)
{
	return (__u64)pk__clock_ns(CLOCK_MONOTONIC);
}

struct pk_events {
	struct ring_buffer *rb;
	struct perf_buffer *pb;
	pk_event_fn fn;
	void *ctx;
	int lost_fd;
	int rb_fd;
	int nr_cpus;
	__u64 *percpu;
	int cb_err;
	/* events came lately: more may wait that the kernel did not wake us for */
	bool active;
	/* when a look last found events (CLOCK_MONOTONIC, ns) */
	__u64 seen_ns;
	/* events handed over in this consume call, and whether it hit the cap */
	unsigned int batch;
	bool batch_full;
	/* perf samples sit 4 bytes off 8-byte alignment: events are copied here */
	void *aligned;
	size_t aligned_size;
};

static bool rodata_flag(struct bpf_object *obj, const char *name)
{
	size_t size;
	const char *data = pk__rodata_find(obj, name, &size);

	return data && size == 1 && *data;
}

static unsigned int pages_of(const struct pk_events_opts *opts)
{
	unsigned int pages = PK_OPTS_GET(opts, pages, 0);

	return pages ? pages : DEFAULT_PAGES;
}

/*
 * Sizes are per CPU, as for bcc's perf buffers, so that -b means the same
 * capacity on either kind; the one shared ring gets the sum, rounded up to
 * the power of two the kernel wants.
 */
static __u32 ring_size(unsigned int pages, long page_size)
{
	int cpus = libbpf_num_possible_cpus();
	__u64 bytes = (__u64)pages * (cpus > 0 ? cpus : 1) * page_size;
	__u64 size = page_size;

	while (size < bytes && size < (1ULL << 30))
		size <<= 1;
	return size;
}

int pk_events_configure(struct bpf_object *obj, const struct pk_events_opts *opts)
{
	struct bpf_map *rb, *pb;
	unsigned int pages = pages_of(opts);
	long page_size = sysconf(_SC_PAGESIZE);
	bool use_perf = PK_OPTS_GET(opts, force_perf, false);
	bool has_ringbuf;
	int err;

	if (!obj || !PK_OPTS_VALID(opts, pk_events_opts))
		return -EINVAL;
	rb = bpf_object__find_map_by_name(obj, "pk_rb");
	pb = bpf_object__find_map_by_name(obj, "pk_pb");
	has_ringbuf = pk_feature_probe(PK_FEAT_RINGBUF)->available;
	if (!rb || !pb)
		return -ENOENT;
	if (pages & (pages - 1))
		return -EINVAL;
	/* a fresh random cookie marks this load's pk_printf() records */
	err = pk__printf_configure(obj);
	if (err)
		return err;
	if (!has_ringbuf)
		use_perf = true;
	if (!use_perf)
		return bpf_map__set_max_entries(rb, ring_size(pages, page_size)) ?:
			       bpf_map__set_max_entries(pb, 1);
	err = pk_object_set_rodata(obj, "pk_use_perfbuf", &use_perf, sizeof(use_perf));
	if (err)
		return err;
	if (has_ringbuf)
		return bpf_map__set_max_entries(rb, page_size);
	/* the ring buffer code is dead but its map must still be created */
	return bpf_map__set_type(rb, BPF_MAP_TYPE_ARRAY) ?: bpf_map__set_key_size(rb, 4) ?:
	       bpf_map__set_value_size(rb, 4) ?: bpf_map__set_max_entries(rb, 1);
}

static int on_ring_event(void *ctx, void *data, size_t size)
{
	struct pk_events *ev = ctx;
	int err = ev->fn(ev->ctx, data, size);

	if (err < 0)
		return err;
	/*
	 * libbpf's ring buffer consumer goes on while the producer keeps
	 * writing. A reader whose own output makes events (tracing every
	 * syscall, itself included) would never get back to its loop to see
	 * -d, a signal or a closed pipe: hand control back after a batch.
	 * libbpf has already consumed this sample when we return an error.
	 */
	if (++ev->batch >= PK_CONSUME_BATCH) {
		ev->batch_full = true;
		return -EAGAIN;
	}
	return 0;
}

static void on_perf_event(void *ctx, int cpu, void *data, __u32 size)
{
	struct pk_events *ev = ctx;
	int err;

	(void)cpu;
	if (ev->cb_err)
		return;
	if (size > ev->aligned_size) {
		void *bigger = realloc(ev->aligned, size);

		if (!bigger) {
			ev->cb_err = -ENOMEM;
			return;
		}
		ev->aligned = bigger;
		ev->aligned_size = size;
	}
	memcpy(ev->aligned, data, size);
	err = ev->fn(ev->ctx, ev->aligned, size);
	if (err < 0)
		ev->cb_err = err;
}

struct pk_events *pk_events__new(struct bpf_object *obj, pk_event_fn fn, void *ctx,
				 const struct pk_events_opts *opts)
{
	struct bpf_map *rb, *pb, *lost;
	struct pk_events *ev;
	int err;

	if (!obj || !PK_OPTS_VALID(opts, pk_events_opts)) {
		errno = EINVAL;
		return NULL;
	}
	rb = bpf_object__find_map_by_name(obj, "pk_rb");
	pb = bpf_object__find_map_by_name(obj, "pk_pb");
	lost = bpf_object__find_map_by_name(obj, "pk_lost");
	if (!rb || !pb || !lost || !fn) {
		errno = ENOENT;
		return NULL;
	}
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return NULL;
	ev->fn = fn;
	ev->ctx = ctx;
	ev->lost_fd = bpf_map__fd(lost);
	ev->rb_fd = bpf_map__fd(rb);
	ev->nr_cpus = libbpf_num_possible_cpus();
	ev->percpu = calloc(ev->nr_cpus > 0 ? ev->nr_cpus : 1, sizeof(*ev->percpu));
	if (!ev->percpu || ev->nr_cpus <= 0) {
		err = ev->nr_cpus < 0 ? ev->nr_cpus : -ENOMEM;
		goto fail;
	}
	if (rodata_flag(obj, "pk_use_perfbuf"))
		ev->pb = perf_buffer__new(bpf_map__fd(pb), pages_of(opts), on_perf_event,
					  NULL, ev, NULL);
	else
		ev->rb = ring_buffer__new(bpf_map__fd(rb), on_ring_event, ev, NULL);
	if (!ev->rb && !ev->pb) {
		err = -errno;
		goto fail;
	}
	return ev;
fail:
	pk_events__free(ev);
	errno = -err;
	return NULL;
}

/*
 * The buffers' own fds go into the caller's epoll, not libbpf's epoll fd:
 * a perf event fd nested inside another epoll instance did not wake the
 * outer one reliably (events waited until the next timeout).
 */
int pk_events__epoll_add(const struct pk_events *ev, int epfd, __u64 tag)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = tag };
	size_t i, n;

	if (ev->rb)
		return epoll_ctl(epfd, EPOLL_CTL_ADD, ev->rb_fd, &e) ? -errno : 0;
	n = perf_buffer__buffer_cnt(ev->pb);
	for (i = 0; i < n; i++) {
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, perf_buffer__buffer_fd(ev->pb, i), &e))
			return -errno;
	}
	return 0;
}

/*
 * The wakeup protocol, between pk_submit() (bpf/probekit.bpf.h) and the
 * reader; this comment is its one statement.
 *
 * A wakeup costs the traced task microseconds, so the BPF side wakes the
 * reader for a ring-buffer event only when PK_WAKEUP_GAP_NS (1 ms) has
 * passed since the last wakeup, or the ring is a quarter full; the events
 * in between are sent without one. The reader makes up for them here:
 * after a look that found events it looks again within PK_BATCH_POLL_MS
 * (10 ms, pk_events__wait()), and keeps looking until a look that began
 * PK_BATCH_POLL_MS or more after it last found events finds none
 * (note_activity()). An event that look missed was sent after it began, so
 * more than PK_WAKEUP_GAP_NS after the wakeup that made the reader find
 * those, and it wakes the reader itself. Hence PK_WAKEUP_GAP_NS must not
 * exceed PK_BATCH_POLL_MS. (Going idle on the first empty look, which
 * another deadline of the caller's loop can make early, could leave an
 * event waiting for that loop's next deadline.) Once idle, the reader
 * waits for as long as its caller wants: the next event wakes it.
 *
 * The perf buffer wakes the reader for every event: no look is needed.
 *
 * pk_events__consume() is the one call that reads the buffers; a loop
 * waits on their fds (pk_events__epoll_add()) for at most what
 * pk_events__wait() allows and consumes after each wait, whatever ended it:
 * pk_events__poll() is that loop's turn, and the tool runtime's loop
 * (lib/cli.c, take_events()) is another.
 *
 * @began: the CLOCK_MONOTONIC time the look began.
 */
static void note_activity(struct pk_events *ev, int found, __u64 began)
{
	if (found < 0)
		return;
	if (found > 0) {
		ev->seen_ns = mono_ns();
		ev->active = true;
		return;
	}
	ev->active = (__s64)(began - ev->seen_ns) < PK_BATCH_POLL_MS * 1000000LL;
}

int pk_events__consume(struct pk_events *ev)
{
	__u64 began;
	int ret;

	if (ev->rb) {
		ev->batch = 0;
		ev->batch_full = false;
		began = mono_ns();
		ret = ring_buffer__consume(ev->rb);
		if (ev->batch_full)
			ret = ev->batch;
		note_activity(ev, ret, began);
		return ret;
	}
	ret = perf_buffer__consume(ev->pb);
	return ev->cb_err ? ev->cb_err : ret;
}

int pk_events__wait(const struct pk_events *ev, int timeout_ms)
{
	/* the last consume stopped at its cap: the rest is waiting already */
	if (ev->rb && ev->batch_full)
		return 0;
	if (ev->rb && ev->active && (timeout_ms < 0 || timeout_ms > PK_BATCH_POLL_MS))
		return PK_BATCH_POLL_MS;
	return timeout_ms;
}

int pk_events__poll(struct pk_events *ev, int timeout_ms)
{
	int fd = ev->rb ? ring_buffer__epoll_fd(ev->rb) : perf_buffer__epoll_fd(ev->pb);
	struct epoll_event e;

	if (epoll_wait(fd, &e, 1, pk_events__wait(ev, timeout_ms)) < 0 && errno != EINTR)
		return -errno;
	return pk_events__consume(ev);
}

__u64 pk_events__lost(const struct pk_events *ev)
{
	__u32 zero = 0;
	__u64 sum = 0;
	int i;

	if (bpf_map_lookup_elem(ev->lost_fd, &zero, ev->percpu) == 0) {
		for (i = 0; i < ev->nr_cpus; i++)
			sum += ev->percpu[i];
	}
	return sum;
}

const char *pk_events__kind(const struct pk_events *ev)
{
	return ev->rb ? "ring buffer" : "perf buffer";
}

void pk_events__free(struct pk_events *ev)
{
	if (!ev)
		return;
	ring_buffer__free(ev->rb);
	perf_buffer__free(ev->pb);
	free(ev->percpu);
	free(ev->aligned);
	free(ev);
}
