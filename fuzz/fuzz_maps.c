// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The /proc/PID/maps line parser, on any bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/sym/sym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct pk__map m;
	const char *path;

	memcpy(line, data, size);
	line[size] = '\0';
	if (pk__parse_maps_line(line, &m, &path) == 0 &&
	    (m.end <= m.start || path < line || path > line + size))
		abort();
	free(line);
	return 0;
}
