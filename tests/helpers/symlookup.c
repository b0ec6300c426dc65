// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The symbolizers as a filter, for the differential tests: hex addresses
 * on stdin, one answer per line on stdout.
 *   symlookup ksyms KALLSYMS   "name+0xoff [module]" or "[unknown]"
 *   symlookup usyms PID        "name+0xoff" or "[unknown]", then tab-separated
 *                              the module and the ELF address in it (hex)
 *   symlookup file PATH        the same for ELF virtual addresses of PATH
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <probekit/ksyms.h>
#include <probekit/usyms.h>

static int ksyms(const char *path)
{
	struct pk_ksyms *ks = pk_ksyms__load(path);
	char line[64], buf[512];

	if (!ks) {
		fprintf(stderr, "symlookup: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin))
		puts(pk_ksyms__format(ks, strtoull(line, NULL, 16), PK_KSYM_OFFSET | PK_KSYM_MODULE,
				      buf, sizeof(buf)));
	pk_ksyms__free(ks);
	return 0;
}

static int usyms(const char *what, const char *arg)
{
	struct pk_usyms *u = pk_usyms__new(NULL);
	pid_t pid = strcmp(what, "usyms") ? 0 : (pid_t)atoi(arg);
	struct pk_usym s;
	char line[64];
	int err;

	if (!u)
		return 1;
	while (fgets(line, sizeof(line), stdin)) {
		uint64_t addr = strtoull(line, NULL, 16);

		memset(&s, 0, sizeof(s));
		err = pid ? pk_usyms__resolve(u, pid, addr, PK_USYM_MANGLED, &s)
			  : pk_usyms__resolve_file(u, arg, addr, PK_USYM_MANGLED, &s);
		if (!err)
			printf("%s+0x%" PRIx64, s.name, s.offset);
		else
			printf("[unknown]");
		printf("\t%s\t%" PRIx64 "\n", s.module ? s.module : "", s.elf_vaddr);
	}
	pk_usyms__free(u);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: symlookup ksyms KALLSYMS | usyms PID | file PATH\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (!strcmp(argv[1], "ksyms"))
		return ksyms(argv[2]);
	return usyms(argv[1], argv[2]);
}
