/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared between the library's files; not part of the public API. */
#ifndef PROBEKIT_INTERNAL_H
#define PROBEKIT_INTERNAL_H

#include <stdarg.h>

struct btf;

/* The kernel's own "not supported" errno, which userspace headers lack. */
#define ENOTSUPP_ERRNO 524

/* The kernel BTF, loaded on first use and kept until pk_features_release(). */
struct btf *pk__vmlinux_btf(void);
/* "EPERM" for EPERM; a number for anything unknown. */
const char *pk__errno_name(int err);

#endif
