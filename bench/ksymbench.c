// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ksymbench [REPS]: the kernel symbolizer over the real /proc/kallsyms.
 * Prints one JSON object of per-repetition figures:
 *   load_ms               pk_ksyms__load(NULL), a fresh table each time
 *   ksym_lookups_per_s    pk_ksyms__find() on random kernel text addresses
 *   ksym_format_per_s     pk_ksyms__format() "name+0x1f" on the same addresses
 *   ksymname_lookups_per_s pk_ksyms__by_name() on names from kallsyms, shuffled
 * Built only when include/probekit/ksyms.h exists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <probekit/ksyms.h>

#define NR_ADDRS (1 << 20)
#define NR_NAMES (1 << 16)
#define MAX_REPS 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __u64 rnd(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Names as kallsyms lists them (kernel and modules), for ksymname. */
static int read_names(char **names, int max)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], name[256];
	int n = 0, seen = 0;
	__u64 seed = 88172645463325252ULL;

	if (!f)
		return -errno;
	/* reservoir sampling: an even spread over the whole file */
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		seen++;
		if (n < max) {
			names[n++] = strdup(name);
		} else {
			int j = rnd(&seed) % seen;

			if (j < max) {
				free(names[j]);
				names[j] = strdup(name);
			}
		}
	}
	fclose(f);
	return n;
}

static void print_series(const char *name, const double *v, int reps, int last)
{
	int r;

	printf("\"%s\": [", name);
	for (r = 0; r < reps; r++)
		printf("%s%.6g", r ? ", " : "", v[r]);
	printf("]%s", last ? "" : ", ");
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 5, r, i, nr_names;
	double load[MAX_REPS], find[MAX_REPS], format[MAX_REPS], byname[MAX_REPS];
	static char *names[NR_NAMES];
	const struct pk_ksym *lo, *hi;
	struct pk_ksyms *ks;
	__u64 *addrs, seed = 0x9e3779b97f4a7c15ULL, span;
	volatile size_t sink = 0;
	char buf[256];
	double t;

	if (reps < 1 || reps > MAX_REPS)
		return 2;
	addrs = malloc(NR_ADDRS * sizeof(*addrs));
	nr_names = read_names(names, NR_NAMES);
	if (!addrs || nr_names <= 0)
		return 1;
	for (r = 0; r < reps; r++) {
		t = now();
		ks = pk_ksyms__load(NULL);
		load[r] = (now() - t) * 1000;
		if (!ks) {
			fprintf(stderr, "ksymbench: cannot load kallsyms: %s\n", strerror(errno));
			return 1;
		}
		lo = pk_ksyms__by_name(ks, "_stext", NULL);
		hi = pk_ksyms__by_name(ks, "_etext", NULL);
		if (!lo || !hi || hi->addr <= lo->addr || pk_ksyms__addrs_hidden(ks)) {
			fprintf(stderr, "ksymbench: no kernel text range (addresses hidden?)\n");
			return 1;
		}
		span = hi->addr - lo->addr;
		for (i = 0; i < NR_ADDRS; i++)
			addrs[i] = lo->addr + rnd(&seed) % span;

		t = now();
		for (i = 0; i < NR_ADDRS; i++)
			sink += (size_t)pk_ksyms__find(ks, addrs[i]);
		find[r] = NR_ADDRS / (now() - t);

		t = now();
		for (i = 0; i < NR_ADDRS / 8; i++)
			sink += strlen(pk_ksyms__format(ks, addrs[i], PK_KSYM_OFFSET, buf,
							sizeof(buf)));
		format[r] = NR_ADDRS / 8 / (now() - t);

		t = now();
		for (i = 0; i < NR_NAMES * 4; i++)
			sink += (size_t)pk_ksyms__by_name(ks, names[i % nr_names], NULL);
		byname[r] = NR_NAMES * 4 / (now() - t);
		if (r == reps - 1)
			printf("{\"_symbols\": %zu, ", pk_ksyms__count(ks));
		pk_ksyms__free(ks);
	}
	print_series("load_ms", load, reps, 0);
	print_series("ksym_lookups_per_s", find, reps, 0);
	print_series("ksym_format_per_s", format, reps, 0);
	print_series("ksymname_lookups_per_s", byname, reps, 0);
	printf("\"_units\": {\"load_ms\": \"ms\", \"ksym_lookups_per_s\": \"lookups/s\", "
	       "\"ksym_format_per_s\": \"lookups/s\", \"ksymname_lookups_per_s\": \"lookups/s\"}}\n");
	return sink == 42;
}
