// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The runtime's messages, "tool: message" on stderr, and the option values
 * that are parsed with one: below both the runtime's loop (cli.c) and its
 * command line (options.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include <probekit/parse.h>

#include "runtime.h"

/* Messages ------------------------------------------------------------------ */

static void vmessage(const struct pk_run *run, const char *fmt, va_list ap)
{
	if (!run->out_broken)
		fflush(run->out);
	fprintf(stderr, "%s: ", run->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int pk_run__usage_error(const struct pk_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(run, fmt, ap);
	va_end(ap);
	return -PK_EUSAGE;
}

void pk_run__error(const struct pk_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(run, fmt, ap);
	va_end(ap);
}

void pk_run__info(const struct pk_run *run, const char *fmt, ...)
{
	va_list ap;

	if (!run->verbose)
		return;
	va_start(ap, fmt);
	vmessage(run, fmt, ap);
	va_end(ap);
}

/* Option values ------------------------------------------------------------ */

int pk_parse_pid_arg(const struct pk_run *run, const char *what, const char *arg, pid_t *out)
{
	int err = pk_parse_pid(arg, out);

	if (err == -ESRCH)
		return pk_run__usage_error(run, "no process with %s %s", what, arg);
	if (err)
		return pk_run__usage_error(run, "invalid %s '%s'", what, arg);
	return 0;
}
