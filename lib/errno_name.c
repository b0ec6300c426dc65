// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* errno names for reasons: "EPERM" says more to a BPF user than its text. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *pk__errno_name(int err)
{
	static __thread char buf[24];
	const char *name;

	if (err < 0)
		err = -err;
	if (err == ENOTSUPP_ERRNO)
		return "ENOTSUPP";
	name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}
