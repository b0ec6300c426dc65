/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_SYSCALLS_H
#define PROBEKIT_SYSCALLS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * System call names and numbers for the architecture probekit was built
 * for, from the system's <asm/unistd_64.h> (<asm/unistd.h> elsewhere) at
 * build time.
 */

/* "read" for 0; NULL for a number this architecture does not have. */
const char *pk_syscall_name(long nr);
/* The number of "read" (0), or -ENOENT. */
long pk_syscall_nr(const char *name);
/* One more than the highest syscall number known. */
long pk_syscall_max(void);

/*
 * The prefix the running kernel gives its syscall functions ("__x64_sys_",
 * "__arm64_sys_", "sys_"...), found as bcc does: the first prefix for which
 * kallsyms has <prefix>bpf. "sys_" when none matches.
 */
const char *pk_syscall_prefix(void);
/* bcc's get_syscall_fnname(): "stat" -> "__x64_sys_stat". Returns @buf. */
const char *pk_syscall_fnname(const char *name, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
