/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_EVENTS_H
#define PROBEKIT_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;

/*
 * Events sent from BPF with pk_reserve()/pk_submit() (bpf/probekit.bpf.h)
 * arrive through the ring buffer when the kernel has one and through the
 * perf buffer otherwise. Lost events are counted either way.
 */
/* While events flow, readers look for unannounced ones this often (the
 * wakeup protocol: lib/events.c). */
#define PK_BATCH_POLL_MS 10
/*
 * pk_events__consume() hands over at most this many ring-buffer events per
 * call, so a reader's loop sees its deadline, signals and output errors even
 * while events never stop coming; it then asks pk_events__wait() for no wait.
 */
#define PK_CONSUME_BATCH 4096

#define PK_EVENTS_DEFAULT_PAGES 32

typedef int (*pk_event_fn)(void *ctx, const void *data, size_t size);

struct pk_events_opts {
	size_t sz;
	/* buffer size in pages per CPU (a power of two); 0 means PK_EVENTS_DEFAULT_PAGES */
	unsigned int pages;
	/* use the perf buffer even when the ring buffer works */
	bool force_perf;
	size_t :0;
};
#define pk_events_opts__last_field force_perf

/* Sizes the buffers and picks one, and draws the cookie of pk_printf() records
 * (printf.h); call after open, before load. */
int pk_events_configure(struct bpf_object *obj, const struct pk_events_opts *opts);

struct pk_events;

/* After load, with the options given to configure. Returns NULL with errno set on failure. */
struct pk_events *pk_events__new(struct bpf_object *obj, pk_event_fn fn, void *ctx,
				 const struct pk_events_opts *opts);
/* Adds the buffers' fds to @epfd with data @tag: readable means
 * pk_events__consume() has work. */
int pk_events__epoll_add(const struct pk_events *ev, int epfd, __u64 tag);
/* Hands every waiting event to the callback; returns how many, or -errno. */
int pk_events__consume(struct pk_events *ev);
/*
 * Waits up to @timeout_ms, then consumes; returns early (possibly 0) while
 * events are flowing, to collect the ones the kernel did not wake it for.
 */
int pk_events__poll(struct pk_events *ev, int timeout_ms);
/*
 * How long a reader with its own poll loop may wait before consuming
 * again: @timeout_ms, or less while events flow (the wakeup protocol).
 */
int pk_events__wait(const struct pk_events *ev, int timeout_ms);
/* Events the kernel could not deliver, since the start. */
__u64 pk_events__lost(const struct pk_events *ev);
/* "ring buffer" or "perf buffer". */
const char *pk_events__kind(const struct pk_events *ev);
void pk_events__free(struct pk_events *ev);

/* Sets a `const volatile` global of a BPF object before load. */
int pk_object_set_rodata(struct bpf_object *obj, const char *name, const void *value, size_t size);

#ifdef __cplusplus
}
#endif
#endif
