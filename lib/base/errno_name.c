// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* errno names for reasons: "EPERM" says more to a BPF user than its text. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base.h"

const char *pk__errno_known_name(int err)
{
	if (err < 0)
		err = -err;
	if (err == ENOTSUPP_ERRNO)
		return "ENOTSUPP";
	return strerrorname_np(err);
}

const char *pk__errno_name(int err)
{
	static __thread char buf[24];
	const char *name = pk__errno_known_name(err);

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err < 0 ? -err : err);
	return buf;
}
