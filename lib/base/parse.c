// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Option value parsers: whole values only, never a partial number. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <probekit/parse.h>

int pk_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int pk_parse_long(const char *s, long min, long max, long *out)
{
	long v;
	char *end;

	if (!s || !(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int pk_parse_pid(const char *s, pid_t *out)
{
	unsigned long v;
	char path[64];

	if (pk_parse_ulong(s, INT_MAX, &v) || v == 0)
		return -EINVAL;
	/* /proc/PID covers threads too, through the hidden task entries */
	snprintf(path, sizeof(path), "/proc/%lu", v);
	if (access(path, F_OK) != 0)
		return -ESRCH;
	*out = (pid_t)v;
	return 0;
}

int pk_parse_seconds(const char *s, unsigned long *ms)
{
	double v;
	char *end;

	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > 365.0 * 86400)
		return -EINVAL;
	*ms = (unsigned long)ceil(v * 1000);
	return 0;
}
