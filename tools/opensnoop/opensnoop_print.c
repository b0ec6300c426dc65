// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* opensnoop's event printers: bcc's columns, and JSON lines. */
#include <probekit/output.h>

#include "opensnoop_print.h"

void opensnoop_print_json(FILE *out, const struct opensnoop_event *e, const char *path,
			  size_t path_len, double ts)
{
	struct pk_json j;

	pk_json__begin(&j, out);
	pk_json__double(&j, "time", ts);
	pk_json__uint(&j, "pid", e->pid);
	pk_json__uint(&j, "tid", e->tid);
	pk_json__uint(&j, "uid", e->uid);
	pk_json__str(&j, "comm", e->comm, sizeof(e->comm));
	pk_json__int(&j, "fd", e->ret >= 0 ? e->ret : -1);
	pk_json__int(&j, "err", e->ret >= 0 ? 0 : -e->ret);
	pk_json__uint(&j, "flags", e->flags);
	pk_json__uint(&j, "mode", e->mode);
	pk_json__str(&j, "path", path, path_len);
	pk_json__bool(&j, "truncated", e->truncated);
	pk_json__end(&j);
}

void opensnoop_print_text(FILE *out, const struct opensnoop_columns *c,
			  const struct opensnoop_event *e, const char *path, size_t path_len,
			  double ts)
{
	struct pk_line l;
	size_t mark;

	pk_line__begin(&l, out);
	if (c->timestamp)
		pk_line__fixed(&l, ts, 9, -14);
	if (c->uid)
		pk_line__uint(&l, e->uid, -6);
	pk_line__uint(&l, c->tid ? e->tid : e->pid, -6);
	pk_line__char(&l, ' ');
	mark = pk_line__mark(&l);
	pk_line__text(&l, e->comm, sizeof(e->comm));
	pk_line__pad(&l, mark, 16);
	pk_line__char(&l, ' ');
	pk_line__int(&l, e->ret >= 0 ? e->ret : -1, 4);
	pk_line__char(&l, ' ');
	pk_line__int(&l, e->ret >= 0 ? 0 : -e->ret, 3);
	pk_line__char(&l, ' ');
	if (c->extended) {
		pk_line__octal(&l, e->flags, 8);
		pk_line__char(&l, ' ');
		/* as bcc: the mode only where the kernel uses it */
		if (!OPENSNOOP_USES_MODE(e->flags)) {
			pk_line__raw(&l, "n/a  ", 5);
		} else {
			pk_line__octal(&l, e->mode, 4);
			pk_line__char(&l, ' ');
		}
	}
	pk_line__text(&l, path, path_len);
	if (e->truncated)
		pk_line__raw(&l, "...", 3);
	pk_line__end(&l);
}
