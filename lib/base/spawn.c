// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * -c COMMAND: a child that exists before the BPF object loads (its pid is
 * the tool's filter) but runs the command only once the tool is attached,
 * so that nothing it does is missed. If the tool dies first, the pipe
 * closes and the child leaves without running anything. The command is
 * split into words here rather than by a shell: a shell would be another
 * process image under the traced pid, doing its own work, before its exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include "base.h"

/* @name as execvp would find it; 0 or -ENOENT. */
int pk__find_program(const char *name, char *path, size_t size)
{
	const char *dirs = getenv("PATH"), *end;
	size_t len;

	if (strchr(name, '/')) {
		snprintf(path, size, "%s", name);
		return access(path, X_OK) ? -ENOENT : 0;
	}
	for (dirs = dirs ? dirs : "/usr/local/bin:/usr/bin:/bin"; *dirs; dirs = end + !!*end) {
		end = strchrnul(dirs, ':');
		len = end - dirs;
		snprintf(path, size, "%.*s/%s", (int)len, len ? dirs : ".", name);
		if (!access(path, X_OK))
			return 0;
	}
	return -ENOENT;
}

/* Whether execvp() would find @prog, with errno set when not. */
static bool executable_on_path(const char *prog)
{
	char file[PATH_MAX];

	if (pk__find_program(prog, file, sizeof(file))) {
		errno = ENOENT;
		return false;
	}
	return true;
}

static int split_words(const char *command, wordexp_t *words, char *why, size_t why_size)
{
	if (!command[0] || wordexp(command, words, WRDE_NOCMD) || !words->we_wordc) {
		snprintf(why, why_size, "cannot parse the command '%s'", command);
		return -EINVAL;
	}
	return 0;
}

int pk__command_check(const char *command, char *why, size_t why_size)
{
	wordexp_t words;
	int err = split_words(command, &words, why, why_size);

	if (err)
		return err;
	if (!executable_on_path(words.we_wordv[0])) {
		err = -errno;
		snprintf(why, why_size, "cannot run %s: %s", words.we_wordv[0], strerror(errno));
	}
	wordfree(&words);
	return err;
}

static void run_child(int go_fd, char **argv)
{
	sigset_t none;
	char go;

	/*
	 * The command ends with the tool, even a tool killed outright. Before
	 * the go: once it comes the tool is attached, and a uprobe on libc's
	 * getppid() would count this call as the command's.
	 */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(127);
	if (read(go_fd, &go, 1) != 1)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	fprintf(stderr, "%s: cannot run %s: %s\n", program_invocation_short_name, argv[0],
		strerror(errno));
	_exit(127);
}

int pk__child_start(struct pk__child *c, const char *command, bool trace_exit, char *why,
		    size_t why_size)
{
	wordexp_t words;
	sigset_t chld;
	int fds[2], err;
	pid_t pid;

	err = split_words(command, &words, why, why_size);
	if (err)
		return err;
	if (pipe2(fds, O_CLOEXEC)) {
		err = -errno;
		goto fail;
	}
	fflush(NULL);
	/* SIGCHLD is read through a signalfd; the child unblocks it */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	c->sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	pid = c->sigfd < 0 ? -1 : fork();
	if (pid < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		goto fail;
	}
	if (pid == 0) {
		close(fds[1]);
		run_child(fds[0], words.we_wordv);
	}
	wordfree(&words);
	close(fds[0]);
	c->go_fd = fds[1];
	c->pid = pid;
	/*
	 * A short command can be gone before what it left is read (its maps,
	 * for symbols). Traced with PTRACE_O_TRACEEXIT, it stops on its way
	 * out with its memory still there.
	 */
	c->traced = trace_exit && !ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXIT);
	if (trace_exit && !c->traced)
		snprintf(why, why_size, "cannot ptrace the command (%s)", strerror(errno));
	return 0;
fail:
	wordfree(&words);
	snprintf(why, why_size, "cannot start '%s': %s", command, strerror(-err));
	return err;
}

int pk__child_go(struct pk__child *c)
{
	int err = 0;

	if (c->go_fd < 0)
		return 0;
	if (write(c->go_fd, "g", 1) != 1)
		err = -errno;
	close(c->go_fd);
	c->go_fd = -1;
	return err;
}

static void exited(struct pk__child *c, int status)
{
	c->reaped = true;
	c->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The child's ptrace stops: at exit, the hook; pass the rest on. */
static void traced_stop(struct pk__child *c, int status, void (*at_exit)(void *ctx, pid_t pid),
			void *ctx)
{
	switch (status >> 16) {
	case PTRACE_EVENT_EXIT:
		if (at_exit)
			at_exit(ctx, c->pid);
		ptrace(PTRACE_DETACH, c->pid, 0, 0);
		break;
	case PTRACE_EVENT_STOP:
		/* a group stop (SIGSTOP...): it stays stopped */
		ptrace(PTRACE_LISTEN, c->pid, 0, 0);
		break;
	default: ptrace(PTRACE_CONT, c->pid, 0, WSTOPSIG(status));
	}
}

bool pk__child_poll(struct pk__child *c, void (*at_exit)(void *ctx, pid_t pid), void *ctx)
{
	struct signalfd_siginfo si;
	int status;

	while (c->sigfd >= 0 && read(c->sigfd, &si, sizeof(si)) == sizeof(si))
		;
	while (!c->reaped && waitpid(c->pid, &status, WNOHANG | __WALL) == c->pid) {
		if (WIFSTOPPED(status))
			traced_stop(c, status, at_exit, ctx);
		else
			exited(c, status);
	}
	return c->reaped;
}

/*
 * The tool stops (-d, SIGINT, SIGTERM) while the command runs: it ends
 * too, as under bpftrace: SIGTERM, then SIGKILL after @grace_ms. A child
 * still waiting for its go leaves by itself once the pipe closes.
 */
void pk__child_end(struct pk__child *c, int grace_ms, void (*at_exit)(void *ctx, pid_t pid),
		   void *ctx)
{
	struct timespec tick = { .tv_nsec = 10 * 1000000L };
	int waited, status;

	if (!c->pid || pk__child_poll(c, at_exit, ctx))
		return;
	if (c->go_fd >= 0) {
		close(c->go_fd);
		c->go_fd = -1;
	} else {
		kill(c->pid, SIGTERM);
	}
	for (waited = 0; waited < grace_ms; waited += 10) {
		if (pk__child_poll(c, at_exit, ctx))
			return;
		nanosleep(&tick, NULL);
	}
	kill(c->pid, SIGKILL);
	while (!c->reaped && waitpid(c->pid, &status, __WALL) == c->pid) {
		if (WIFSTOPPED(status))
			traced_stop(c, status, at_exit, ctx);
		else
			exited(c, status);
	}
}

void pk__child_release(struct pk__child *c)
{
	if (c->go_fd >= 0)
		close(c->go_fd);
	if (c->sigfd >= 0)
		close(c->sigfd);
	c->go_fd = c->sigfd = -1;
}

int pk__child_reason(pid_t pid, int fd, char *msg, size_t size, int *status)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && (n = read(fd, msg + len, size - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += n;
	}
	close(fd);
	if (size) {
		msg[len] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* Kills @pid, once, when @cancel says so. */
static void maybe_cancel(pid_t pid, bool (*cancel)(void *ctx), void *ctx, bool *cancelled)
{
	if (!*cancelled && cancel && cancel(ctx)) {
		*cancelled = true;
		kill(pid, SIGKILL);
	}
}

/* All of @fd, its first @size - 1 bytes kept (read to the end: no SIGPIPE). */
static size_t drain(int fd, char *buf, size_t size, pid_t pid, bool (*cancel)(void *ctx),
		    void *ctx, bool *cancelled)
{
	char chunk[4096];
	size_t len = 0, take;
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno != EINTR)
				break;
			maybe_cancel(pid, cancel, ctx, cancelled);
			continue;
		}
		take = len + 1 < size ? size - 1 - len : 0;
		take = take < (size_t)n ? take : (size_t)n;
		memcpy(buf + len, chunk, take);
		len += take;
	}
	if (size)
		buf[len] = '\0';
	return len;
}

int pk__run_captured(const char *const *argv, char *err, size_t size, size_t *len,
		     bool (*cancel)(void *ctx), void *ctx)
{
	bool cancelled = false;
	int pipefd[2], status, null;
	size_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		null = open("/dev/null", O_RDWR);
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execvp(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	n = drain(pipefd[0], err, size, pid, cancel, ctx, &cancelled);
	close(pipefd[0]);
	if (len)
		*len = n;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		maybe_cancel(pid, cancel, ctx, &cancelled);
	}
	if (cancelled)
		return -EINTR;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t pk__spawn_quiet(const char *const *argv, int niceness)
{
	sigset_t none;
	pid_t pid;
	int null;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	/* the runtime blocks signals for its signalfd, and exec keeps the mask */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (niceness && nice(niceness) < 0) {
		/* the default priority, then */
	}
	null = open("/dev/null", O_RDWR);
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

int pk__reap_within(pid_t pid, int wait_ms)
{
	struct timespec tick = { .tv_nsec = 2 * 1000 * 1000L };
	int status, waited = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, wait_ms < 0 ? 0 : WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r == 0 && waited >= wait_ms)
			break;
		if (r == 0) {
			nanosleep(&tick, NULL);
			waited += 2;
		}
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return -ETIMEDOUT;
}
