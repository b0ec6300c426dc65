/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_METRICS_H
#define PROBEKIT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;

/*
 * A BPF object's maps as Prometheus metrics (text exposition format
 * 0.0.4), from their BTF with no configuration, read when scraped:
 *
 * - a hash or array of integer values: a counter, probekit_<map>_total,
 *   one series per key (a gauge when the map is declared PK_GAUGE);
 * - a histogram map (hist.h: PK_HIST*, log2 or linear): a histogram with
 *   cumulative "le" buckets at the slots' upper bounds, "+Inf" and _count;
 *   _sum only from a map declared PK_HIST_SUM_OF(hist);
 * - label names are the key's member names (a scalar key is "key", an
 *   array's index "index"), label values the printer's text of them.
 *
 * Units in a map's name (usecs, nsecs, msecs, kbytes...) become
 * Prometheus' base units (seconds, bytes) in the name and the values.
 * Per-CPU values are summed. At most max_series series (sample lines: a
 * histogram's label set costs its buckets + 2) are written per map and
 * scrape, the largest label sets first; the others are counted in
 * probekit_series_dropped_total{map=...}. A scrape holds one map's
 * entries at a time (its max_entries bound them) and its response is
 * bounded by the series limit.
 */
struct pk_metrics;

#define PK_METRICS_DEFAULT_MAX_SERIES 10000

struct pk_metrics_opts {
	size_t sz;
	/* series per map and scrape; 0: PK_METRICS_DEFAULT_MAX_SERIES */
	__u32 max_series;
	/* the "tool" label of probekit_build_info */
	const char *tool;
	/* probekit_lost_events_total, asked at each scrape; none: 0 */
	__u64 (*lost_events)(void *ctx);
	void *ctx;
	/* where the server's messages go (pk_metrics__serve()); NULL: nowhere */
	FILE *log;
	size_t : 0;
};
#define pk_metrics_opts__last_field log

/*
 * The metrics of @obj's maps (loaded). A map whose BTF holds nothing this
 * understands is left out (pk_metrics__count() says how many are in).
 * NULL with errno set on failure. @obj must outlive it.
 */
struct pk_metrics *pk_metrics__new(struct bpf_object *obj, const struct pk_metrics_opts *opts);
void pk_metrics__free(struct pk_metrics *m);
/* The number of maps exported. */
int pk_metrics__count(const struct pk_metrics *m);
/* The reason of the last failure. */
const char *pk_metrics__error(const struct pk_metrics *m);

/*
 * Reads every map now and writes the exposition text, health metrics
 * included (probekit_build_info, probekit_lost_events_total,
 * probekit_series_dropped_total, probekit_scrape_duration_seconds).
 * Returns 0 or a negative errno.
 */
int pk_metrics__write(struct pk_metrics *m, FILE *out);

/*
 * Serves GET /metrics (and GET /, a page naming it) over HTTP on @addr,
 * "[ADDR:]PORT" (127.0.0.1 unless ADDR is given: 0.0.0.0, [::], a numeric
 * address). The server is libmicrohttpd (libmicrohttpd.so.12, opened now),
 * run by the caller's loop: pk_metrics__fd() is readable when it has
 * work, pk_metrics__process() does it. Other methods get 405, other paths
 * 404; idle or slow clients are dropped after a timeout. Returns 0, or a
 * negative errno with pk_metrics__error() saying why.
 */
int pk_metrics__serve(struct pk_metrics *m, const char *addr);
/* The address served, "127.0.0.1:9435" (the port the kernel gave for 0). */
const char *pk_metrics__address(const struct pk_metrics *m);
int pk_metrics__fd(const struct pk_metrics *m);
/* Answers what is waiting; never blocks. 0 or a negative errno. */
int pk_metrics__process(struct pk_metrics *m);

#ifdef __cplusplus
}
#endif
#endif
