/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_PROBESPEC_H
#define PROBEKIT_PROBESPEC_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Probe specifications as bcc's trace and stackcount take them:
 *
 *   func, p:func, k:func, kprobe:func          kernel function (entry)
 *   r:func, kr:func, kretprobe:func            kernel function (return)
 *   f:func, fentry:func, kfunc:func            fentry only
 *   fr:func, fexit:func, kretfunc:func         fexit only
 *   t:cat:event, tp:cat:event, tracepoint:cat:event
 *   raw_tp:event, rawtracepoint:event
 *   p:lib:sym, uprobe:lib:sym                  user function (entry)
 *   r:lib:sym, uretprobe:lib:sym               user function (return)
 *   u:lib:probe, usdt:lib:probe                USDT probe (bcc's "u:")
 *
 * A bare "func" is PK_PROBE_KFUNC: whatever hooks kernel functions here.
 */
enum pk_probe_kind {
	PK_PROBE_KFUNC,
	PK_PROBE_KPROBE,
	PK_PROBE_KRETPROBE,
	PK_PROBE_FENTRY,
	PK_PROBE_FEXIT,
	PK_PROBE_TRACEPOINT,
	PK_PROBE_RAW_TP,
	PK_PROBE_UPROBE,
	PK_PROBE_URETPROBE,
	PK_PROBE_USDT,
};

#define PK_PROBE_SPEC_MAX 4096

struct pk_probe_spec {
	enum pk_probe_kind kind;
	/* the library or binary of user probes, the category of tracepoints;
	 * otherwise "" */
	const char *target;
	/* the function, symbol, event or USDT probe name */
	const char *name;
	/* target and name point in here: do not copy the struct */
	char text[PK_PROBE_SPEC_MAX];
};

/* 0, or -EINVAL for a malformed spec (empty parts, unknown prefix). */
int pk_probe_spec_parse(const char *spec, struct pk_probe_spec *out);
/* "kprobe", "tracepoint"... */
const char *pk_probe_kind_name(enum pk_probe_kind kind);

#ifdef __cplusplus
}
#endif
#endif
