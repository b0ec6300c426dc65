// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The reason convention's one writer: a caller's why/why_size pair. */
#include <stdarg.h>
#include <stdio.h>

#include "base.h"

void pk__why(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!why || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
}
