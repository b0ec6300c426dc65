// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fmtbench [REPS]: events per second through probekit's printers into
 * /dev/null, with opensnoop's event and columns. Each measure runs for
 * about 0.2 s, REPS times, the measures taking turns. Prints one JSON
 * object: {"measure": [events_per_sec, ...], ...}.
 *
 *   text        an opensnoop line through opensnoop's own printer
 *               (tools/opensnoop/opensnoop_print.c): one struct pk_line,
 *               hand-written columns and escaping, one fwrite
 *   json        the same event through opensnoop's JSON printer (pk_json_*)
 *   text_stdio  the line the way opensnoop printed it before pk_line:
 *               fprintf columns, pk_escape_text(comm), pk_fput_text(path)
 *   json_stdio  the JSON line through fprintf per field, as pk_json did
 *   fputs_path  the path alone through fputs (the libc floor for strings)
 *   text_path   the path alone through pk_fput_text
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/types.h>
#include <probekit/output.h>

#include "../tools/opensnoop/opensnoop_print.h"

#define NR_EVENTS 64
#define BATCH 4096

static struct opensnoop_event events[NR_EVENTS];

/* What opensnoop prints on a desktop: libraries, config, /proc, some UTF-8. */
static const char *const paths[] = {
	"/etc/ld.so.cache",
	"/lib/x86_64-linux-gnu/libc.so.6",
	"/usr/lib/x86_64-linux-gnu/libbpf.so.1",
	"/proc/self/status",
	"/sys/kernel/mm/transparent_hugepage/enabled",
	"/home/user/Documents/r\xc3\xa9sum\xc3\xa9.odt",
	"/usr/share/locale/locale.alias",
	"config.toml",
};

static const char *const comms[] = { "bash", "systemd-journal", "python3", "cc1" };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void make_events(void)
{
	int i;

	for (i = 0; i < NR_EVENTS; i++) {
		struct opensnoop_event *e = &events[i];

		e->ts_ns = 1000000000ULL + i * 12345ULL;
		e->pid = 1000 + i * 37;
		e->tid = e->pid;
		e->uid = 1000;
		e->ret = i % 7 ? 3 + i % 20 : -2;
		e->dfd = -100;
		e->flags = 0x80000;
		snprintf(e->comm, sizeof(e->comm), "%s", comms[i % 4]);
		snprintf(e->path, sizeof(e->path), "%s", paths[i % 8]);
	}
}

/* opensnoop's columns by default: PID COMM FD ERR PATH */
static const struct opensnoop_columns columns;

static void print_text(FILE *out, const struct opensnoop_event *e)
{
	opensnoop_print_text(out, &columns, e, e->path, strlen(e->path),
			     (e->ts_ns - events[0].ts_ns) / 1e9);
}

static void print_text_stdio(FILE *out, const struct opensnoop_event *e)
{
	char comm[4 * OPENSNOOP_COMM_LEN + 1];

	pk_escape_text(comm, sizeof(comm), e->comm, sizeof(e->comm));
	fprintf(out, "%-6u %-16s %4d %3d ", e->pid, comm, e->ret >= 0 ? e->ret : -1,
		e->ret >= 0 ? 0 : -e->ret);
	pk_fput_text(out, e->path, strlen(e->path));
	fputs("\n", out);
}

static void print_json(FILE *out, const struct opensnoop_event *e)
{
	opensnoop_print_json(out, e, e->path, strlen(e->path), (e->ts_ns - events[0].ts_ns) / 1e9);
}

/* pk_json as it was: a stdio call per field and per escaped run */
static void stdio_json_str(FILE *out, const char *key, const char *s, size_t len)
{
	fprintf(out, ",\"%s\":", key);
	pk_fput_json_str(out, s, len);
}

static void print_json_stdio(FILE *out, const struct opensnoop_event *e)
{
	fprintf(out, "{\"time\":%.9f", (e->ts_ns - events[0].ts_ns) / 1e9);
	fprintf(out, ",\"pid\":%u", e->pid);
	fprintf(out, ",\"tid\":%u", e->tid);
	fprintf(out, ",\"uid\":%u", e->uid);
	stdio_json_str(out, "comm", e->comm, sizeof(e->comm));
	fprintf(out, ",\"fd\":%d", e->ret >= 0 ? e->ret : -1);
	fprintf(out, ",\"err\":%d", e->ret >= 0 ? 0 : -e->ret);
	fprintf(out, ",\"flags\":%llu", (unsigned long long)e->flags);
	fprintf(out, ",\"mode\":%u", e->mode);
	stdio_json_str(out, "path", e->path, strlen(e->path));
	fputs(e->truncated ? ",\"truncated\":true}\n" : ",\"truncated\":false}\n", out);
}

static void print_fputs_path(FILE *out, const struct opensnoop_event *e)
{
	fputs(e->path, out);
	fputs("\n", out);
}

static void print_text_path(FILE *out, const struct opensnoop_event *e)
{
	pk_fput_text(out, e->path, strlen(e->path));
	fputs("\n", out);
}

struct measure {
	const char *name;
	void (*print)(FILE *out, const struct opensnoop_event *e);
};

static const struct measure measures[] = {
	{ "text", print_text },
	{ "json", print_json },
	{ "text_stdio", print_text_stdio },
	{ "json_stdio", print_json_stdio },
	{ "fputs_path", print_fputs_path },
	{ "text_path", print_text_path },
};
#define NR_MEASURES (sizeof(measures) / sizeof(measures[0]))

static double run(FILE *out, const struct measure *m)
{
	double t0 = now(), t;
	unsigned long n = 0;
	int i;

	do {
		for (i = 0; i < BATCH; i++)
			m->print(out, &events[i % NR_EVENTS]);
		n += BATCH;
		fflush(out);
		t = now();
	} while (t - t0 < 0.2);
	return n / (t - t0);
}

/* The new printers must print what the old ones did, byte for byte. */
static int same_bytes(void (*a)(FILE *, const struct opensnoop_event *),
		      void (*b)(FILE *, const struct opensnoop_event *))
{
	char *x = NULL, *y = NULL;
	size_t nx = 0, ny = 0;
	FILE *fx = open_memstream(&x, &nx), *fy = open_memstream(&y, &ny);
	int i, same;

	for (i = 0; i < NR_EVENTS; i++) {
		a(fx, &events[i]);
		b(fy, &events[i]);
	}
	fclose(fx);
	fclose(fy);
	same = nx == ny && !memcmp(x, y, nx);
	free(x);
	free(y);
	return same;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 5, r;
	static char buf[1 << 16];
	double rates[NR_MEASURES][64];
	FILE *out = fopen("/dev/null", "w");
	size_t m;

	if (!out || reps < 1 || reps > 64)
		return 1;
	/* opensnoop's own buffering */
	setvbuf(out, buf, _IOFBF, sizeof(buf));
	make_events();
	if (!same_bytes(print_text, print_text_stdio) || !same_bytes(print_json, print_json_stdio)) {
		fprintf(stderr, "fmtbench: the printers disagree\n");
		return 1;
	}
	for (r = 0; r < reps; r++) {
		for (m = 0; m < NR_MEASURES; m++)
			rates[m][r] = run(out, &measures[m]);
	}
	printf("{");
	for (m = 0; m < NR_MEASURES; m++) {
		printf("%s\"%s\": [", m ? ", " : "", measures[m].name);
		for (r = 0; r < reps; r++)
			printf("%s%.0f", r ? ", " : "", rates[m][r]);
		printf("]");
	}
	printf("}\n");
	fclose(out);
	return 0;
}
