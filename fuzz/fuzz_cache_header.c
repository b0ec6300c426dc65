// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cache's entry headers (NAME.sum beside each entry, lib/cache.c) on
 * any bytes: anyone who could write a cache file chooses them, and a
 * damaged disk too. A header is accepted only whole and well-formed, and
 * what is accepted formats back to the same bytes.
 */

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "../lib/base/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char again[PK__CACHE_HEADER_SIZE];
	struct pk__cache_header h;

	if (pk__cache_header_parse(data, size, &h))
		return 0;
	assert(size == PK__CACHE_HEADER_SIZE);
	assert(!(h.size >> 62));
	pk__cache_header_format(&h, again);
	assert(!memcmp(again, data, size));
	return 0;
}
