/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_PRIVILEGES_H
#define PROBEKIT_PRIVILEGES_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Whether this process may load and attach BPF programs: root, CAP_SYS_ADMIN,
 * or CAP_BPF with CAP_PERFMON. */
bool pk_have_bpf_privileges(void);

#ifdef __cplusplus
}
#endif
#endif
