// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Libraries opened at run time, when a feature that needs them is used:
 * the one place that calls dlopen(), so that the static probekit binary
 * (where glibc warns about it at link time) has one such call.
 */
#include <dlfcn.h>

#include "base.h"

void *pk__dlopen(const char *soname)
{
	return dlopen(soname, RTLD_NOW | RTLD_LOCAL);
}
