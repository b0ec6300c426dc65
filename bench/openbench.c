// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The benchmark workloads, one program so the driver builds one thing:
 *
 *   openbench pairs N PATH        N open+close pairs; prints "ns_per_pair COUNT"
 *   openbench stats N PATH        N stat() calls; prints "ns_per_call COUNT"
 *   openbench getppid N           N getppid() calls (which no tool traces); prints
 *                                 "best_chunk_wall_ns COUNT best_chunk_cpu_ns all_cpu_ns",
 *                                 per call
 *   openbench open PATH           opens PATH every 5 ms until killed
 *   openbench stat PATH           stat()s PATH every 5 ms until killed
 *   openbench malloc              mallocs every 5 ms; prints "live NS" (CLOCK_MONOTONIC)
 *                                 once a uprobe sits on its malloc
 *   openbench flood PROCS SECS UID PATH
 *                                 PROCS processes, running as UID, open+close PATH as fast
 *                                 as they can for SECS seconds after a line on stdin; prints
 *                                 the total number of openat calls made
 *   openbench run FILE CMD ARGS...
 *                                 runs CMD, passing SIGINT and SIGTERM on, and writes its
 *                                 peak RSS in KB to FILE; exits as CMD did
 *
 * The probe workloads (open, stat, malloc) give a tool something to print
 * as soon as it is attached, which is how the driver times start-up.
 *
 * "run" exists because a process forked from the driver inherits the
 * driver's RSS high-water mark (the kernel carries it over at exec), so
 * the driver's own wait4() overstates a small tool's peak RSS.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROBE_INTERVAL_NS 5000000L

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int pairs(unsigned long n, const char *path)
{
	unsigned long i;
	uint64_t t0, t1;
	int fd;

	/* warm the dentry and page caches before timing */
	for (i = 0; i < 1000; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			perror(path);
			return 1;
		}
		close(fd);
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		fd = open(path, O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	t1 = now_ns();
	printf("%.1f %lu\n", (double)(t1 - t0) / n, n);
	return 0;
}

static int stats(unsigned long n, const char *path)
{
	struct stat st;
	unsigned long i;
	uint64_t t0, t1;

	for (i = 0; i < 1000; i++) {
		if (stat(path, &st)) {
			perror(path);
			return 1;
		}
	}
	t0 = now_ns();
	for (i = 0; i < n; i++)
		stat(path, &st);
	t1 = now_ns();
	printf("%.1f %lu\n", (double)(t1 - t0) / n, n);
	return 0;
}

static __attribute__((noreturn)) void probe_open(const char *path)
{
	int fd;

	for (;;) {
		fd = open(path, O_RDONLY);
		if (fd >= 0)
			close(fd);
		sleep_ns(PROBE_INTERVAL_NS);
	}
}

static __attribute__((noreturn)) void probe_stat(const char *path)
{
	struct stat st;

	for (;;) {
		stat(path, &st);
		sleep_ns(PROBE_INTERVAL_NS);
	}
}

/*
 * A uprobe replaces the first instruction of the probed function with int3
 * in this process's own copy of the page, so the process can see the
 * moment it becomes traced.
 */
static int probe_malloc(void)
{
	volatile unsigned char *code = dlsym(RTLD_DEFAULT, "malloc");
	void *volatile p;
	int seen = 0;

	if (!code) {
		fprintf(stderr, "openbench: no malloc symbol\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	for (;;) {
		p = malloc(4321);
		free(p);
		if (*code == 0xcc && !seen) {
			printf("live %llu\n", (unsigned long long)now_ns());
			seen = 1;
		} else if (*code != 0xcc && seen) {
			printf("gone %llu\n", (unsigned long long)now_ns());
			seen = 0;
		}
		sleep_ns(PROBE_INTERVAL_NS / 5);
	}
}

static unsigned long flood_one(uid_t uid, const char *path, int start_fd, unsigned int secs)
{
	unsigned long n = 0;
	uint64_t end;
	char go;
	int fd;

	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid)) {
		perror("openbench: setresuid");
		exit(1);
	}
	if (read(start_fd, &go, 1) != 1)
		exit(1);
	end = now_ns() + secs * 1000000000ULL;
	/* check the clock every 64 opens: the loop is the measured thing */
	do {
		for (int i = 0; i < 64; i++) {
			fd = open(path, O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		n += 64;
	} while (now_ns() < end);
	return n;
}

static int flood(int procs, unsigned int secs, uid_t uid, const char *path)
{
	int start[2], result[2], i, status;
	unsigned long total = 0, n;
	char line[16];

	if (pipe(start) || pipe(result))
		return 1;
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			close(start[1]);
			close(result[0]);
			n = flood_one(uid, path, start[0], secs);
			if (write(result[1], &n, sizeof(n)) != sizeof(n))
				_exit(1);
			_exit(0);
		}
	}
	close(start[0]);
	close(result[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 0; i < procs; i++) {
		if (write(start[1], "g", 1) != 1)
			return 1;
	}
	for (i = 0; i < procs; i++) {
		if (read(result[0], &n, sizeof(n)) != sizeof(n))
			return 1;
		total += n;
	}
	while (wait(&status) > 0)
		;
	printf("%lu\n", total);
	return 0;
}

static int run(const char *rss_file, char **argv)
{
	sigset_t set, old;
	struct rusage ru;
	int sig, status;
	pid_t pid;
	FILE *f;

	/* blocked, then taken with sigwait: no signal is lost between fork and wait */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig != SIGCHLD) {
			kill(pid, sig);
			continue;
		}
		if (wait4(pid, &status, WNOHANG, &ru) == pid)
			break;
	}
	f = fopen(rss_file, "w");
	if (f) {
		fprintf(f, "%ld\n", ru.ru_maxrss);
		fclose(f);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * The untraced-syscall tax: getppid() is traced by no tool, so whatever a
 * tool adds to it is what it costs work it does not trace. N calls in
 * chunks of 2000 (2 ms); a chunk's time is only ever lengthened by the
 * machine's other work (preemption, interrupts, caches), so the fastest
 * chunk is the steadiest figure on a shared machine: its wall time and its
 * thread CPU time per call, and the CPU time of all N calls per call.
 */
#define PPID_CHUNK 2000

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int ppid_loop(unsigned long n)
{
	uint64_t best_wall = UINT64_MAX, best_cpu = UINT64_MAX, cpu0, cpu_all;
	unsigned long i, done;

	for (i = 0; i < 10000; i++)
		syscall(SYS_getppid);
	cpu0 = thread_cpu_ns();
	for (done = 0; done < n; done += PPID_CHUNK) {
		uint64_t t0 = now_ns(), c0 = thread_cpu_ns(), t1, c1;

		for (i = 0; i < PPID_CHUNK; i++)
			syscall(SYS_getppid); /* not getppid(): no libc may answer it from memory */
		c1 = thread_cpu_ns();
		t1 = now_ns();
		if (t1 - t0 < best_wall)
			best_wall = t1 - t0;
		if (c1 - c0 < best_cpu)
			best_cpu = c1 - c0;
	}
	cpu_all = thread_cpu_ns() - cpu0;
	printf("%.1f %lu %.1f %.1f\n", (double)best_wall / PPID_CHUNK, done,
	       (double)best_cpu / PPID_CHUNK, (double)cpu_all / done);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: openbench pairs N PATH | stats N PATH | getppid N | open PATH |"
			" stat PATH | malloc | flood PROCS SECS UID PATH | run FILE CMD...\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "pairs"))
		return pairs(strtoul(argv[2], NULL, 0), argv[3]);
	if (argc == 4 && !strcmp(argv[1], "stats"))
		return stats(strtoul(argv[2], NULL, 0), argv[3]);
	if (argc == 3 && !strcmp(argv[1], "getppid"))
		return ppid_loop(strtoul(argv[2], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "open"))
		probe_open(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "stat"))
		probe_stat(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "malloc"))
		return probe_malloc();
	if (argc >= 4 && !strcmp(argv[1], "run"))
		return run(argv[2], argv + 3);
	if (argc == 6 && !strcmp(argv[1], "flood"))
		return flood(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), argv[5]);
	return usage();
}
