/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* opensnoop's event printers, apart so that bench/fmtbench.c measures these very ones. */
#ifndef PROBEKIT_TOOLS_OPENSNOOP_PRINT_H
#define PROBEKIT_TOOLS_OPENSNOOP_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "opensnoop.h"

/* The optional columns: -T, -U, -t TID (a TID column), -e. */
struct opensnoop_columns {
	bool timestamp, uid, tid, extended;
};

/* One line, built without a stdio call per field: this runs per event. */
void opensnoop_print_text(FILE *out, const struct opensnoop_columns *c,
			  const struct opensnoop_event *e, const char *path, size_t path_len,
			  double ts);
void opensnoop_print_json(FILE *out, const struct opensnoop_event *e, const char *path,
			  size_t path_len, double ts);

#endif
