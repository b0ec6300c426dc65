// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One binary for every tool: `probekit <tool> [args]`, or a symlink named
 * after the tool (or one of its aliases).
 */
#include <stdio.h>
#include <string.h>

#include <probekit/cli.h>

#define PK_TOOL(name) extern const struct pk_tool name##_tool;
#include "tools.inc"
#undef PK_TOOL

#define PK_TOOL(name) &name##_tool,
static const struct pk_tool *const tools[] = {
#include "tools.inc"
};
#undef PK_TOOL

#define NR_TOOLS (sizeof(tools) / sizeof(tools[0]))

/* tools/run/run.c: a one-file tool runs as `run` runs its file */
int run_onefile_main(const struct pk_tool *tool, int argc, char **argv);

static int tool_main(const struct pk_tool *tool, int argc, char **argv)
{
	return tool->object ? run_onefile_main(tool, argc, argv) : pk_tool_main(tool, argc, argv);
}

static const struct pk_tool *find_tool(const char *name)
{
	const char *const *alias;
	size_t i;

	for (i = 0; i < NR_TOOLS; i++) {
		if (!strcmp(tools[i]->name, name))
			return tools[i];
		for (alias = tools[i]->aliases; alias && *alias; alias++) {
			if (!strcmp(*alias, name))
				return tools[i];
		}
	}
	return NULL;
}

static void list_tools(void)
{
	const char *const *alias;
	size_t i;

	for (i = 0; i < NR_TOOLS; i++) {
		printf("%s\n", tools[i]->name);
		for (alias = tools[i]->aliases; alias && *alias; alias++)
			printf("%s\n", *alias);
	}
}

static int usage(FILE *f, int status)
{
	size_t i;

	fprintf(f, "Usage: probekit TOOL [OPTIONS]\n"
		   "       probekit --list | --help | --version\n\nTools:\n");
	for (i = 0; i < NR_TOOLS; i++)
		fprintf(f, "  %-14s %s\n", tools[i]->name, tools[i]->summary);
	fprintf(f, "\n'probekit TOOL --help' describes each tool. A link named after a tool runs it "
		   "too.\n");
	return status;
}

int main(int argc, char **argv)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	const struct pk_tool *tool;

	base = base ? base + 1 : (argc > 0 ? argv[0] : "probekit");
	tool = find_tool(base);
	if (tool)
		return tool_main(tool, argc, argv);
	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "--list")) {
		list_tools();
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout, 0);
	if (!strcmp(argv[1], "--version")) {
		printf("probekit %s\n", PK_VERSION);
		return 0;
	}
	tool = find_tool(argv[1]);
	if (!tool) {
		fprintf(stderr, "probekit: unknown tool '%s' (see probekit --help)\n", argv[1]);
		return 2;
	}
	return tool_main(tool, argc - 1, argv + 1);
}
