// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The printk lines `probekit run` echoes from trace_pipe; the object's events
 * and maps print through the library (objprint.h).
 */
#include <stdio.h>
#include <string.h>

#include <probekit/probekit.h>

#include "run.h"

static void trace_json(FILE *out, const struct pk_trace_fields *f)
{
	struct pk_json j;

	pk_json__begin(&j, out);
	pk_json__str(&j, "task", f->task, sizeof(f->task));
	pk_json__int(&j, "pid", f->pid);
	pk_json__int(&j, "cpu", f->cpu);
	pk_json__str(&j, "flags", f->flags, sizeof(f->flags));
	pk_json__str(&j, "ts", f->ts, sizeof(f->ts));
	pk_json__str(&j, "msg", f->msg, f->msg_len);
	pk_json__end(&j);
}

void run_print_trace_line(struct pk_run *run, const char *line, size_t len, bool fields,
			  const struct pk_trace_format *fmt)
{
	FILE *out = pk_run__out(run);
	char task[4 * sizeof(((struct pk_trace_fields *)0)->task) + 1], head[512];
	struct pk_trace_fields f;
	bool printk = pk_trace_fields(line, len, &f) == 0;

	if (pk_run__json(run)) {
		if (printk)
			trace_json(out, &f);
	} else if (fmt) {
		if (printk)
			pk_trace_format__print(fmt, out, &f);
	} else if (fields) {
		/* bcc's trace_fields() loop: time, task, pid, message */
		if (!printk)
			return;
		pk_escape_text(task, sizeof(task), f.task, strlen(f.task));
		snprintf(head, sizeof(head), "%-18.9f %-16s %-6d ", f.ts_ns / 1e9, task, f.pid);
		fputs(head, out);
		pk_fput_text(out, f.msg, f.msg_len);
		fputc('\n', out);
	} else {
		pk_fput_text(out, line, len);
		fputc('\n', out);
	}
}
