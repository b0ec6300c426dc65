// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The symbolizers as a filter, for the differential tests: hex addresses
 * on stdin, one answer per line on stdout.
 *   symlookup ksyms KALLSYMS   "name+0xoff [module]" or "[unknown]"
 *   symlookup kframes kernel   the same from the kernel's own lookup (pk_kframes),
 *                              exit 3 when it cannot be used; "kframes table"
 *                              from pk_kframes' table
 *   symlookup kframes table OUT   also writes that table to OUT, in
 *                              /proc/kallsyms' format: the BPF programs it
 *                              read, which may have come or gone since
 *   symlookup progs ID...      the addresses of the JITed functions of each
 *                              BPF program, one per line
 *   symlookup usyms PID        "name+0xoff" or "[unknown]", then tab-separated
 *                              the module and the ELF address in it (hex)
 *   symlookup file PATH        the same for ELF virtual addresses of PATH
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
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

/* The shared table pk_kframes' table answers from, in kallsyms' format. */
static int dump_table(const char *path)
{
	const struct pk_ksyms *ks = pk_ksyms();
	const struct pk_ksym *s;
	FILE *f = fopen(path, "we");
	size_t i;

	if (!ks || !f) {
		fprintf(stderr, "symlookup: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; (s = pk_ksyms__get(ks, i)); i++) {
		fprintf(f, "%016llx %c %s", (unsigned long long)s->addr, s->type, s->name);
		fprintf(f, s->module ? "\t[%s]\n" : "\n", s->module);
	}
	return fclose(f) ? 1 : 0;
}

static int progs(char **ids)
{
	for (; *ids; ids++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info), n;
		__u64 *ksyms;
		int fd = bpf_prog_get_fd_by_id(strtoul(*ids, NULL, 10));

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
			fprintf(stderr, "symlookup: program %s: %s\n", *ids, strerror(errno));
			return 1;
		}
		n = info.nr_jited_ksyms;
		ksyms = calloc(n + 1, sizeof(*ksyms));
		memset(&info, 0, sizeof(info));
		info.nr_jited_ksyms = n;
		info.jited_ksyms = (__u64)(unsigned long)ksyms;
		len = sizeof(info);
		if (!ksyms || bpf_obj_get_info_by_fd(fd, &info, &len)) {
			fprintf(stderr, "symlookup: program %s: %s\n", *ids, strerror(errno));
			return 1;
		}
		for (__u32 i = 0; i < n; i++)
			printf("%llx\n", (unsigned long long)ksyms[i]);
		free(ksyms);
		close(fd);
	}
	return 0;
}

static int kframes(const char *backend, const char *table_out)
{
	LIBBPF_OPTS(pk_kframes_opts, opts, .table_only = !strcmp(backend, "table"));
	struct pk_kframes *kf = pk_kframes__new(&opts);
	struct pk_kframe f[PK_KFRAMES_MAX];
	__u64 ips[PK_KFRAMES_MAX];
	char line[64], buf[512];
	int n = 0, i, more = 1;

	if (!kf || (!opts.table_only && !pk_kframes__kernel(kf))) {
		fprintf(stderr, "symlookup: %s\n", kf ? pk_kframes__error(kf) : strerror(errno));
		return 3;
	}
	if (table_out && dump_table(table_out))
		return 1;
	/* a stack's worth of addresses per call, as a tool resolves them */
	while (more) {
		more = fgets(line, sizeof(line), stdin) != NULL;
		if (more)
			ips[n++] = strtoull(line, NULL, 16);
		if (n < PK_KFRAMES_MAX && more)
			continue;
		if (pk_kframes__resolve(kf, ips, n, f) != n) {
			fprintf(stderr, "symlookup: cannot resolve\n");
			return 1;
		}
		for (i = 0; i < n; i++)
			puts(pk_kframe__format(&f[i], PK_KSYM_OFFSET | PK_KSYM_MODULE, buf,
					       sizeof(buf)));
		n = 0;
	}
	/* still the kernel's answers: no failure fell back to the table */
	if (!opts.table_only && !pk_kframes__kernel(kf)) {
		fprintf(stderr, "symlookup: %s\n", pk_kframes__error(kf));
		return 1;
	}
	pk_kframes__free(kf);
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
	if (argc < 3 ||
	    (argc != 3 && strcmp(argv[1], "progs") && (strcmp(argv[1], "kframes") || argc != 4))) {
		fprintf(stderr, "usage: symlookup ksyms KALLSYMS | kframes kernel|table [OUT] | "
				"progs ID... | usyms PID | file PATH\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (!strcmp(argv[1], "ksyms"))
		return ksyms(argv[2]);
	if (!strcmp(argv[1], "kframes"))
		return kframes(argv[2], argv[3]);
	if (!strcmp(argv[1], "progs"))
		return progs(argv + 2);
	return usyms(argv[1], argv[2]);
}
