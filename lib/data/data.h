/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The data layer's internals (lib/data/): events, maps, trace_pipe,
 * pk_printf records, stack ids. Not part of the public API (lib/README.md).
 */
#ifndef PROBEKIT_DATA_H
#define PROBEKIT_DATA_H

#include "../load/load.h"

/*
 * pk_printf (printf.c): a formatter from a table instead of an object (for
 * tests and the fuzzer), and the random cookie pk_events_configure() sets.
 */
struct pk_printf *pk__printf_from(__u64 cookie, const __u32 *ids, const char *const *formats,
				  size_t n);
int pk__printf_configure(struct bpf_object *obj);

#endif
