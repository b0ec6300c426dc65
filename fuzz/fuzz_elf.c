// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The ELF side of the symbolizer on any bytes: headers, segments, notes,
 * .symtab/.dynsym, .gnu_debuglink and the xz'd .gnu_debugdata, PLT stubs
 * named through .rela.plt/.rela.dyn (seeds tiny-plt.so, tiny-ibt.so), then
 * lookups. The module is read from memory, as the vDSO is; its path
 * points nowhere, so no debug file is ever opened.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libelf.h>

#include "../lib/sym/sym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk__elfmod *m;
	struct pk__symtab *st;
	uint64_t v, off;
	void *image;
	size_t i;

	elf_version(EV_CURRENT);
	image = malloc(size ? size : 1);
	memcpy(image, data, size);
	m = pk__elfmod_open_mem(image, size, "/nonexistent/fuzz");
	if (!m)
		return 0;
	st = pk__elfmod_symtab(m, "/nonexistent");
	for (i = 0; i < st->nr && i < 64; i++) {
		const struct pk__sym *s = pk__symtab_lookup(st, st->syms[i].addr, true);

		if (!s)
			abort();
		pk__symtab_name(st, s, true);
		if (pk__elfmod_vaddr_to_off(m, s->addr, &off) == 0)
			pk__elfmod_off_to_vaddr(m, off, &v);
	}
	pk__symtab_lookup(st, size, false);
	pk__elfmod_free(m);
	return 0;
}
