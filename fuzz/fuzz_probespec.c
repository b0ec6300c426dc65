// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Probe specs (t:cat:event, p:lib:sym...) on any string. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <probekit/probespec.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = strndup((const char *)data, size);
	struct pk_probe_spec ps;

	if (!spec)
		return 0;
	if (pk_probe_spec_parse(spec, &ps) == 0) {
		/* a parsed spec always names something */
		assert(ps.name && ps.name[0]);
		assert(ps.target);
		assert(pk_probe_kind_name(ps.kind));
	}
	free(spec);
	return 0;
}
