/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared by the fuzz targets that print stacks: one stack map, "stacks"
 * (fd 3), whose stacks come from the input @stack_src: up to ten frames,
 * kernel or user addresses, or -ENOENT.
 */
#ifndef PK_FUZZ_FAKESTACKS_H
#define PK_FUZZ_FAKESTACKS_H

#include <assert.h>
#include <errno.h>
#include <string.h>

#include <linux/types.h>

#include "fuzzinput.h"

static struct in stack_src;

static int fake_find(void *ctx, const char *name, int *nr)
{
	(void)ctx;
	*nr = 1;
	return !name || !strcmp(name, "stacks") ? 3 : -1;
}

static int fake_read(void *ctx, int fd, __s64 id, __u64 *ips, size_t max)
{
	unsigned int n = take(&stack_src) % 12, i;

	(void)ctx;
	assert(fd == 3 && id >= 0);
	if (n == 11)
		return -ENOENT;
	for (i = 0; i < n && i < max; i++)
		ips[i] = (take(&stack_src) & 1 ? 0xffffffff81000000ULL : 0x400000ULL) +
			 take(&stack_src) * 0x100;
	return (int)i;
}

#endif
