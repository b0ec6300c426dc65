// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The one reader of the clocks that time start-up, loops and children. */
#include <time.h>

#include "base.h"

long long pk__clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
