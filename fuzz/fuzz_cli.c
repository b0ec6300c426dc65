// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tool runtime's command-line parsing and the value parsers, on argv
 * vectors made of the input's NUL-separated pieces. Any exit status is
 * fine; crashes, leaks and undefined behaviour are not. Run it with
 * -close_fd_mask=3, as `make fuzz` does, to silence the tool's messages.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <probekit/cli.h>

static int parse_opt(struct pk_run *run, int key, const char *arg)
{
	unsigned long ul, ms;
	long l;
	pid_t pid;

	switch (key) {
	case 'p': return pk_parse_pid(arg, &pid) ? pk_run__usage_error(run, "bad pid") : 0;
	case 'n': return pk_parse_ulong(arg, 1000, &ul) ? pk_run__usage_error(run, "bad n") : 0;
	case 'l': return pk_parse_long(arg, -5, 5, &l) ? pk_run__usage_error(run, "bad l") : 0;
	case 's': return pk_parse_seconds(arg, &ms) ? pk_run__usage_error(run, "bad s") : 0;
	case 'x':
	case 300: return 0;
	}
	return -22;
}

static int tool_main(struct pk_run *run)
{
	(void)run;
	return 0;
}

static const struct pk_option options[] = {
	{ "pid", 'p', "PID", "" }, { "num", 'n', "N", "" },	 { "long", 'l', "L", "" },
	{ "secs", 's', "S", "" },  { "flag", 'x', NULL, "" }, { "long-only", 300, NULL, "" },
	{},
};

static const struct pk_tool tool = {
	.name = "fuzz",
	.summary = "fuzz",
	.options = options,
	.parse_opt = parse_opt,
	.main = tool_main,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *argv[34] = { "fuzz" };
	int argc = 1;
	size_t i, start = 0;

	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0; i <= size && argc < 33; i++) {
		if (copy[i] == '\0' || i == size) {
			copy[i] = '\0';
			argv[argc++] = copy + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	pk_tool_main(&tool, argc, argv);
	free(copy);
	return 0;
}
