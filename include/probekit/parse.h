/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_PARSE_H
#define PROBEKIT_PARSE_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Option value parsers: 0 or -EINVAL, never a partial number. */
int pk_parse_ulong(const char *s, unsigned long max, unsigned long *out);
int pk_parse_long(const char *s, long min, long max, long *out);
/* A pid or tid of a running process (checked in /proc); -ESRCH if none. */
int pk_parse_pid(const char *s, pid_t *out);
/* Seconds, possibly fractional, > 0; returns milliseconds. */
int pk_parse_seconds(const char *s, unsigned long *ms);

#ifdef __cplusplus
}
#endif
#endif
