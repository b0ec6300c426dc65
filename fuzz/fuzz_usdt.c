// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The .note.stapsdt reader (`probekit list`'s USDT probes) on any bytes:
 * every probe it reports has its three strings inside the note.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libelf.h>

#include "../lib/kernel/kernel.h"

static int check(const struct pk_usdt_probe *p, void *arg)
{
	size_t *n = arg;

	assert(p->provider && p->name && p->args);
	(void)strlen(p->provider);
	(void)strlen(p->name);
	(void)strlen(p->args);
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *image = malloc(size ? size : 1);
	size_t n = 0;
	Elf *elf;

	if (!image)
		return 0;
	memcpy(image, data, size);
	elf_version(EV_CURRENT);
	elf = elf_memory(image, size);
	if (elf) {
		pk__usdt_notes(elf, check, &n);
		elf_end(elf);
	}
	free(image);
	return 0;
}
