/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared between the library's files; not part of the public API. */
#ifndef PROBEKIT_INTERNAL_H
#define PROBEKIT_INTERNAL_H

#include <stdarg.h>

struct btf;

/* The kernel's own "not supported" errno, which userspace headers lack. */
#define ENOTSUPP_ERRNO 524

/* The id of a kernel BTF type by name and kind, or a negative errno. */
int pk__btf_find(const char *name, int kind);
/* "EPERM" for EPERM; a number for anything unknown. */
const char *pk__errno_name(int err);

#endif
