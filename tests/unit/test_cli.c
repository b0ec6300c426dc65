// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include <probekit/attach.h>
#include <probekit/cli.h>
#include <probekit/features.h>

#include "../../lib/kernel/kernel.h"
#include "unit.h"

PK_TEST(parse_ulong)
{
	unsigned long v = 0;

	CHECK_INT(pk_parse_ulong("42", 100, &v), 0);
	CHECK_INT(v, 42);
	CHECK_INT(pk_parse_ulong("101", 100, &v), -EINVAL);
	CHECK_INT(pk_parse_ulong("-1", 100, &v), -EINVAL);
	CHECK_INT(pk_parse_ulong("12abc", 100, &v), -EINVAL);
	CHECK_INT(pk_parse_ulong("", 100, &v), -EINVAL);
	CHECK_INT(pk_parse_ulong(" 1", 100, &v), -EINVAL);
	CHECK_INT(pk_parse_ulong("99999999999999999999999", ~0UL, &v), -EINVAL);
}

PK_TEST(parse_long)
{
	long v = 0;

	CHECK_INT(pk_parse_long("-5", -10, 10, &v), 0);
	CHECK_INT(v, -5);
	CHECK_INT(pk_parse_long("-11", -10, 10, &v), -EINVAL);
	CHECK_INT(pk_parse_long("+3", -10, 10, &v), -EINVAL);
	CHECK_INT(pk_parse_long("x", -10, 10, &v), -EINVAL);
}

PK_TEST(parse_pid)
{
	char self[32];
	pid_t pid = 0;

	snprintf(self, sizeof(self), "%d", getpid());
	CHECK_INT(pk_parse_pid(self, &pid), 0);
	CHECK_INT(pid, getpid());
	CHECK_INT(pk_parse_pid("0", &pid), -EINVAL);
	CHECK_INT(pk_parse_pid("abc", &pid), -EINVAL);
	CHECK_INT(pk_parse_pid("-3", &pid), -EINVAL);
	/* above pid_max on every kernel */
	CHECK_INT(pk_parse_pid("2147483647", &pid), -ESRCH);
}

PK_TEST(parse_seconds)
{
	unsigned long ms = 0;

	CHECK_INT(pk_parse_seconds("2", &ms), 0);
	CHECK_INT(ms, 2000);
	CHECK_INT(pk_parse_seconds("0.25", &ms), 0);
	CHECK_INT(ms, 250);
	CHECK_INT(pk_parse_seconds("0", &ms), -EINVAL);
	CHECK_INT(pk_parse_seconds("-1", &ms), -EINVAL);
	CHECK_INT(pk_parse_seconds("nan", &ms), -EINVAL);
	CHECK_INT(pk_parse_seconds("1s", &ms), -EINVAL);
}

PK_TEST(mechanism_names)
{
	enum pk_mech m;

	CHECK_INT(pk_mech_by_name("kfunc", &m), 0);
	CHECK_INT(m, PK_MECH_FENTRY);
	CHECK_INT(pk_mech_by_name("tp", &m), 0);
	CHECK_INT(m, PK_MECH_TRACEPOINT);
	CHECK_INT(pk_mech_by_name("kprobe", &m), 0);
	CHECK_STR(pk_mech_name(m), "kprobe");
	CHECK_INT(pk_mech_by_name("uprobe_multi", &m), 0);
	CHECK_INT(m, PK_MECH_UPROBE_MULTI);
	CHECK_STR(pk_mech_name(PK_MECH_UPROBE_MULTI), "uprobe_multi");
	CHECK_INT(pk_mech_by_name("auto", &m), -EINVAL);
	CHECK_INT(pk_mech_by_name("bogus", &m), -EINVAL);
}

PK_TEST(feature_names)
{
	enum pk_feature f;

	CHECK_INT(pk_feature_by_name("kfunc", &f), 0);
	CHECK_INT(f, PK_FEAT_KFUNC);
	CHECK_STR(pk_feature_name(PK_FEAT_LOCKDOWN), "lockdown");
	CHECK_INT(pk_feature_by_name("uprobe_multi", &f), 0);
	CHECK_INT(f, PK_FEAT_UPROBE_MULTI);
	CHECK(pk_feature_name(PK_FEAT__COUNT) == NULL);
	CHECK_INT(pk_feature_by_name("nope", &f), -ENOENT);
}

PK_TEST(feature_reason_strings)
{
	char buf[320];

	pk__feature_load_reason(PK_FEAT_KFUNC, -EPERM, buf, sizeof(buf));
	CHECK(strstr(buf, "fentry program") != NULL);
	CHECK(strstr(buf, "EPERM") != NULL);
	CHECK(strstr(buf, "trampolines") != NULL);
	pk__feature_load_reason(PK_FEAT_TP_BTF, EINVAL, buf, sizeof(buf));
	CHECK(strstr(buf, "tp_btf") != NULL);
	CHECK(strstr(buf, "EINVAL") != NULL);
	pk__feature_load_reason(PK_FEAT_KFUNC, 524, buf, sizeof(buf));
	CHECK(strstr(buf, "ENOTSUPP") != NULL);
}

PK_TEST(section_targets_checked)
{
	char why[256];

	CHECK(!pk_attach_target_exists("tracepoint/syscalls/sys_enter_no_such_call", why,
				       sizeof(why)));
	CHECK(strstr(why, "syscalls:sys_enter_no_such_call") != NULL);
	CHECK(!pk_attach_target_exists("tracepoint/../../etc", why, sizeof(why)));
	CHECK(pk_attach_target_exists("uprobe", why, sizeof(why)));
}

static int no_summary_main(struct pk_run *run)
{
	(void)run;
	return 0;
}

/* What --help prints for @tool, run in a child so the harness's stdout stays whole. */
static void help_of(const struct pk_tool *tool, char *buf, size_t size)
{
	char *argv[] = { (char *)tool->name, "--help", NULL };
	int fds[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	buf[0] = '\0';
	if (pipe(fds))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		status = pk_tool_main(tool, 2, argv);
		fflush(stdout);
		_exit(status);
	}
	close(fds[1]);
	while (pid > 0 && len + 1 < size && (n = read(fds[0], buf + len, size - len - 1)) > 0)
		len += n;
	buf[len] = '\0';
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
}

PK_TEST(help_without_summary)
{
	static const struct pk_tool tool = { .name = "nosummary", .main = no_summary_main };
	char out[4096];

	help_of(&tool, out, sizeof(out));
	CHECK(!strncmp(out, "Usage: nosummary [OPTIONS]\n\nCommon options:\n", 44));
	CHECK(!strstr(out, "(null)"));
}

/* A hook's -EINVAL is a failure (exit 1); only pk_run__usage_error() is a usage error (exit 2). */
static int args_fail_einval(struct pk_run *run, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	pk_run__error(run, "a run-time failure that happens to be EINVAL");
	return -EINVAL;
}

static int args_usage(struct pk_run *run, int argc, char **argv)
{
	(void)argc;
	return pk_run__usage_error(run, "bad argument '%s'", argv[0]);
}

/* The exit status of @tool run with one argument, in a child (stderr to /dev/null). */
static int status_of(const struct pk_tool *tool)
{
	char *argv[] = {(char *)tool->name, "arg", NULL};
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(99);
		_exit(pk_tool_main(tool, 2, argv));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

PK_TEST(hook_einval_is_a_failure_not_a_usage_error)
{
	static const struct pk_tool failing = {
	    .name = "failing", .parse_args = args_fail_einval, .main = no_summary_main};
	static const struct pk_tool misused = {
	    .name = "misused", .parse_args = args_usage, .main = no_summary_main};

	CHECK_INT(status_of(&failing), 1);
	CHECK_INT(status_of(&misused), 2);
}
