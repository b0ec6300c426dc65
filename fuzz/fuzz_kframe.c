// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The parser of the kernel's "%pS" answers (pk_kframes) on any text, as
 * bpf_snprintf() leaves it: NUL-terminated, at most 255 bytes. The parts
 * it finds lie inside the input, and formatting them stays in bounds.
 */

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include <probekit/ksyms.h>

#include "../lib/sym/sym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256], out[64];
	struct pk_kframe f;
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;

	memcpy(s, data, n);
	s[n] = '\0';
	pk__kframe_parse(s, &f);
	assert(!f.name || (f.name >= s && f.name < s + sizeof(s)));
	assert(!f.module || !strcmp(f.module, "bpf") ||
	       (f.module >= s && f.module + strlen(f.module) <= s + n));
	pk_kframe__format(&f, PK_KSYM_OFFSET | PK_KSYM_MODULE, out, sizeof(out));
	assert(strlen(out) < sizeof(out));
	pk_kframe__format(&f, 0, out, 1);
	assert(out[0] == '\0');
	return 0;
}
