// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The verifier log parser on any bytes: it must not read out of bounds,
 * its fields must be terminated and free of control characters, and the
 * one-line form must fit what it says it needs.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <probekit/verifier.h>

static void check_field(const char *s, size_t size)
{
	size_t n = strnlen(s, size), i;

	assert(n < size);
	for (i = 0; i < n; i++)
		assert((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk_verifier_report r;
	char *log = malloc(size + 1), line[1200];
	size_t need;

	memcpy(log, data, size);
	log[size] = '\0';
	if (pk_verifier_explain(log, &r) == 0) {
		check_field(r.key, sizeof(r.key));
		check_field(r.insn_text, sizeof(r.insn_text));
		check_field(r.source, sizeof(r.source));
		assert(r.key[0]);
		need = pk_verifier_format(&r, "prog", line, sizeof(line));
		assert(need < sizeof(line) && strlen(line) == need);
		assert(!strchr(line, '\n'));
		assert(pk_verifier_format(&r, "prog", line, 7) == need && strlen(line) == 6);
	} else {
		assert(r.insn == -1);
	}
	free(log);
	return 0;
}
