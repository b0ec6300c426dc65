/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the fuzz targets that build their input piece by piece (random BTF). */
#ifndef PK_FUZZ_FUZZINPUT_H
#define PK_FUZZ_FUZZINPUT_H

#include <stddef.h>
#include <stdint.h>

/* The fuzzer's bytes, taken one at a time: zeros once they run out. */
struct in {
	const uint8_t *p;
	size_t n;
};

static inline unsigned int take(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

#endif
