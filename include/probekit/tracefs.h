/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_TRACEFS_H
#define PROBEKIT_TRACEFS_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The tracefs mount point: /sys/kernel/tracing, or the debugfs one. When
 * neither is mounted, tracefs is mounted at /sys/kernel/tracing. Returns
 * NULL with errno set when that fails.
 */
const char *pk_tracefs_path(void);
/* Whether events/<category>/<event> exists; false on any failure. */
bool pk_tracepoint_exists(const char *category, const char *event);
/* The tracepoint's id (events/.../id), or a negative errno. */
int pk_tracepoint_id(const char *category, const char *event);

#ifdef __cplusplus
}
#endif
#endif
