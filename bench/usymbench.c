// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usymbench [REPS] STACKCHILD: symbolizes a real 20-frame user stack (the
 * executable's own functions down to libc) of a live process. Prints one
 * JSON object of per-repetition figures:
 *   cold_stack_us   a new pk_usyms: maps read, ELF files opened and parsed
 *   warm_stack_us   the same pk_usyms again, averaged over many stacks
 *   warm_frames_per_s
 * Built only when include/probekit/usyms.h exists.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <probekit/usyms.h>

#define NR_FRAMES 20
#define MAX_REPS 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t start_child(const char *path, uint64_t *frames, int *n, int *to_child)
{
	int in[2], out[2];
	char line[64];
	FILE *f;
	pid_t pid;

	if (pipe(in) || pipe(out))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	f = fdopen(out[0], "r");
	for (*n = 0; *n < NR_FRAMES && f && fgets(line, sizeof(line), f); (*n)++)
		frames[*n] = strtoull(line, NULL, 16);
	*to_child = in[1];
	return pid;
}

static int symbolize(struct pk_usyms *u, pid_t pid, const uint64_t *frames, int n, int print)
{
	char buf[512];
	int i, found = 0;

	for (i = 0; i < n; i++) {
		pk_usyms__sym(u, pid, frames[i], PK_USYM_OFFSET | PK_USYM_MODULE, buf, sizeof(buf));
		found += strncmp(buf, "[unknown]", 9) != 0;
		if (print)
			fprintf(stderr, "  %s\n", buf);
	}
	return found;
}

static void print_series(const char *name, const double *v, int reps)
{
	printf("\"%s\": [", name);
	for (int r = 0; r < reps; r++)
		printf("%s%.6g", r ? ", " : "", v[r]);
	printf("], ");
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 5, n = 0, to_child, r, i, iters, found = 0;
	double cold[MAX_REPS], warm[MAX_REPS], rate[MAX_REPS], t;
	uint64_t frames[NR_FRAMES];
	struct pk_usyms *u;
	pid_t pid;

	if (argc < 3 || reps < 1 || reps > MAX_REPS)
		return 2;
	pid = start_child(argv[2], frames, &n, &to_child);
	if (pid < 0 || n != NR_FRAMES) {
		fprintf(stderr, "usymbench: the stack child gave %d frames\n", n);
		return 1;
	}
	for (r = 0; r < reps; r++) {
		t = now();
		u = pk_usyms__new(NULL);
		found = symbolize(u, pid, frames, n, getenv("USYMBENCH_PRINT") && r == 0);
		cold[r] = (now() - t) * 1e6;
		t = now();
		iters = 0;
		do {
			for (i = 0; i < 100; i++)
				symbolize(u, pid, frames, n, 0);
			iters += 100;
		} while (now() - t < 0.1);
		t = now() - t;
		warm[r] = t / iters * 1e6;
		rate[r] = iters * NR_FRAMES / t;
		pk_usyms__free(u);
	}
	close(to_child);
	waitpid(pid, NULL, 0);
	printf("{\"_frames\": %d, \"_resolved\": %d, ", n, found);
	print_series("cold_stack_us", cold, reps);
	print_series("warm_stack_us", warm, reps);
	print_series("warm_frames_per_s", rate, reps);
	printf("\"_units\": {\"cold_stack_us\": \"µs per 20-frame stack\", "
	       "\"warm_stack_us\": \"µs per 20-frame stack\", \"warm_frames_per_s\": \"frames/s\"}}\n");
	return 0;
}
