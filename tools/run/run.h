/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The printk lines of `probekit run` (print.c). */
#ifndef PROBEKIT_TOOLS_RUN_H
#define PROBEKIT_TOOLS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

struct pk_run;
struct pk_trace_format;

/* One trace_pipe line: raw (bcc's trace_print()), as a table, or through @fmt. */
void run_print_trace_line(struct pk_run *run, const char *line, size_t len, bool fields,
			  const struct pk_trace_format *fmt);

#endif
