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
	/* one link for many uprobes (Linux 6.6+, filtering by process: 6.10+) */
	PK_FEAT_UPROBE_MULTI,
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

/*
 * Kernel BTF: where CO-RE relocations and the BTF-based features take it
 * from.
 * - The kernel's own /sys/kernel/btf/vmlinux, by default.
 * - A file instead, for a kernel built without CONFIG_DEBUG_INFO_BTF:
 *   BTFHub's file for that kernel, or one made for the programs by
 *   `bpftool gen min_core_btf` (raw BTF, or an ELF file with .BTF). CO-RE
 *   programs are relocated against it (libbpf's btf_custom_path).
 * - None (PK_BTF_NONE): as on a kernel without BTF. Programs without CO-RE
 *   relocations (plain tracepoints) still load; CO-RE ones are refused
 *   before loading, with the reason.
 * A file or none stands for a kernel without BTF of its own: kfunc
 * (fentry/fexit) and tp_btf, which need the kernel's own BTF ids, are then
 * reported as not supported. The environment variable PROBEKIT_BTF (a path,
 * or "none") gives the choice when pk_btf_set_path() was not called; tools
 * take --btf FILE, and pk_attach_opts.btf_path does it for one object.
 */
#define PK_BTF_NONE "none"
/*
 * @path: a BTF file, PK_BTF_NONE, or NULL for the kernel's own. Call it
 * before loading; features that depend on BTF are probed again. -ENOENT,
 * -EACCES... when the file cannot be read, -EINVAL when it is not BTF.
 */
int pk_btf_set_path(const char *path);
/* The BTF file in use ("/sys/kernel/btf/vmlinux" or the override), NULL for none. */
const char *pk_btf_path(void);
/* Whether BTF comes from an override (a file or none) rather than the kernel. */
bool pk_btf_overridden(void);

#ifdef __cplusplus
}
#endif
#endif
