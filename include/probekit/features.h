/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_FEATURES_H
#define PROBEKIT_FEATURES_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Kernel mechanisms probekit can use. Each one is probed by trying it
 * (loading and attaching a minimal program where that is possible), the
 * first time it is asked about, and the answer is kept for the process.
 */
enum pk_feature {
	PK_FEAT_BTF,
	PK_FEAT_KFUNC,
	PK_FEAT_KPROBE,
	PK_FEAT_TRACEPOINT,
	PK_FEAT_RAW_TP,
	PK_FEAT_TP_BTF,
	PK_FEAT_UPROBE,
	PK_FEAT_RINGBUF,
	PK_FEAT_PERFBUF,
	PK_FEAT_LOCKDOWN,
	PK_FEAT__COUNT,
};

struct pk_feature_status {
	bool available;
	/* "yes", "no", or for lockdown the mode ("none", "integrity"...) */
	const char *state;
	/* why, in words a person can act on */
	const char *reason;
	/* the errno that decided a "no", or 0 */
	int err;
};

/* The status of one feature; never NULL for a valid feature. */
const struct pk_feature_status *pk_feature_probe(enum pk_feature feat);
/* Short name such as "kfunc"; NULL for an invalid feature. */
const char *pk_feature_name(enum pk_feature feat);
/* Looks a feature up by its short name; -ENOENT if there is none. */
int pk_feature_by_name(const char *name, enum pk_feature *feat);
/* bcc's BPF.support_kfunc(), decided by loading a real fentry program. */
bool pk_support_kfunc(void);

#ifdef __cplusplus
}
#endif
#endif
