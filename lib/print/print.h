/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The print layer's internals (lib/print/): BTF values, event tables, maps,
 * histograms, flame graphs, stacks. Its files include this for the layers
 * below (lib/README.md).
 */
#ifndef PROBEKIT_PRINT_H
#define PROBEKIT_PRINT_H

#include <stdio.h>

#include "../data/data.h"

/* stackprint.c: where a stack printer finds stack maps and reads stacks */
struct pk_stack_printer;
struct pk_stack_printer_opts;
struct pk__stack_source {
	/* the stack map named @name, or with NULL the only one (*@nr: how many): an fd or -1 */
	int (*find)(void *ctx, const char *name, int *nr);
	/* pk_stack_read()'s contract */
	int (*read)(void *ctx, int fd, __s64 id, __u64 *ips, size_t max);
	void *ctx;
};
/* A printer of @btf's types (NULL: none) whose stacks come from @src. */
struct pk_stack_printer *pk__stack_printer_new(const struct btf *btf,
					       const struct pk__stack_source *src,
					       const struct pk_stack_printer_opts *opts);
/* Plans a key and a value type and prints one entry as text, JSON and a
 * folded line; returns how many stack ids the plan found. */
int pk__stack_printer_entries(struct pk_stack_printer *sp, FILE *text, FILE *json, FILE *folded,
			      __u32 key_id, const void *k, __u32 ks, __u32 value_id, const void *v,
			      __u32 vs);

#endif
