// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kallsyms parser on any text, then lookups on what it built: every
 * code symbol found by name must resolve back by address to a symbol at
 * that address, and lookups and formatting anywhere must not misbehave.
 */

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <probekit/ksyms.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("kallsyms", MFD_CLOEXEC);
	char path[64], buf[128];
	struct pk_ksyms *ks;
	const struct pk_ksym *s, *back;
	size_t i;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ks = pk_ksyms__load(path);
	close(fd);
	if (!ks)
		return 0;
	for (i = 0; i + 8 <= size && i < 64; i += 8) {
		__u64 addr;

		memcpy(&addr, data + i, sizeof(addr));
		pk_ksyms__format(ks, addr, PK_KSYM_OFFSET | PK_KSYM_MODULE, buf, sizeof(buf));
		s = pk_ksyms__find(ks, addr);
		assert(!s || s->addr <= addr);
	}
	s = pk_ksyms__by_name(ks, "a", NULL);
	/* a code symbol's own address is code; data symbols are found by name only */
	if (s && !pk_ksyms__addrs_hidden(ks) && strchr("tTwW", s->type)) {
		back = pk_ksyms__find(ks, s->addr);
		assert(back && back->addr == s->addr);
	}
	pk_ksyms__free(ks);
	return 0;
}
