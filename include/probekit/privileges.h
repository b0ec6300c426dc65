/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_PRIVILEGES_H
#define PROBEKIT_PRIVILEGES_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Whether this process may load and attach BPF programs: root, CAP_SYS_ADMIN,
 * or CAP_BPF with CAP_PERFMON. */
bool pk_have_bpf_privileges(void);
/*
 * 0, or -EPERM with "needs root, or CAP_BPF and CAP_PERFMON, to load BPF
 * programs" in @why: said before a load, where the kernel's EPERM would
 * reach the caller as libbpf's memlock hint or an unrelated tracefs error.
 */
int pk_check_bpf_privileges(char *why, size_t why_size);

#ifdef __cplusplus
}
#endif
#endif
