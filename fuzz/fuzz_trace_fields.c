// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the trace_pipe line parser and the format printer
 * (`make fuzz`): no input may crash it, and the message it finds must lie
 * inside the line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include <probekit/tracepipe.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pk_trace_format *fmt;
	struct pk_trace_fields f;
	FILE *null;

	if (!fmt)
		fmt = pk_trace_format__new("{0}|{1}|{2}|{3}|{4}|{5}");
	if (pk_trace_fields((const char *)data, size, &f) == -EINVAL)
		return 0;
	if (f.msg < (const char *)data || f.msg + f.msg_len > (const char *)data + size)
		__builtin_trap();
	null = fopen("/dev/null", "w");
	if (null) {
		pk_trace_format__print(fmt, null, &f);
		fclose(null);
	}
	return 0;
}
