// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pk_printf__format() on any record and any format: the input is a
 * format (up to the first NUL, given id 0) and then a record without its
 * cookie, which is put in front. The line must be terminated text with no
 * control character, the same length as it says, and cut like snprintf.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <probekit/printf.h>

#include "../lib/data/data.h"

#define COOKIE 0x0123456789abcdefULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	static const __u32 ids[] = { 0, 1, 2 };
	const char *fmts[3];
	char *fmt, *big, small[9];
	unsigned char *rec;
	size_t flen, rlen;
	struct pk_printf *p;
	int n, m;

	if (!nul)
		return 0;
	flen = nul - data;
	fmt = strndup((const char *)data, flen);
	fmts[0] = fmt;
	fmts[1] = "%s %d %u %x %lld %p %c %-8s|%08.3llx %hhd %%";
	fmts[2] = "%s%s%s%s%s%s%s%s";
	p = pk__printf_from(COOKIE, ids, fmts, 3);
	rlen = size - flen - 1;
	rec = malloc(rlen + 8);
	memcpy(rec, &(uint64_t){ COOKIE }, 8);
	memcpy(rec + 8, nul + 1, rlen);
	/* like snprintf: the length it needs, then the whole line in that much */
	n = pk_printf__format(p, rec, rlen + 8, small, sizeof(small));
	if (n >= 0) {
		assert(strlen(small) == (n < 8 ? (size_t)n : 8));
		big = malloc(n + 1);
		m = pk_printf__format(p, rec, rlen + 8, big, n + 1);
		assert(m == n && strlen(big) == (size_t)n);
		for (int i = 0; i < n; i++)
			assert((unsigned char)big[i] >= 0x20 && big[i] != 0x7f);
		assert(!memcmp(small, big, strlen(small)));
		free(big);
	} else {
		assert(n == -EINVAL || n == -ENOMSG);
	}
	/* the same bytes without the cookie are not a record of ours, or malformed */
	n = pk_printf__format(p, nul + 1, rlen, small, sizeof(small));
	assert(n == -ENOMSG || n == -EINVAL || n >= 0);
	pk_printf__free(p);
	free(rec);
	free(fmt);
	return 0;
}
