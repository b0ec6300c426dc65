// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The trace_pipe parser on lines as kernels print them, and the reader. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/libbpf_common.h>
#include <probekit/tracepipe.h>

#include "unit.h"

static struct pk_trace_fields f;
static char msg[512];

static int parse(const char *line)
{
	int err = pk_trace_fields(line, strlen(line), &f);

	msg[0] = '\0';
	if (err != -EINVAL)
		snprintf(msg, sizeof(msg), "%.*s", (int)f.msg_len, f.msg);
	return err;
}

PK_TEST(trace_fields_modern_line)
{
	CHECK_INT(parse("            bash-3237    [000] d..31 18174.550841: bpf_trace_printk: "
			"start of execve time = 18174509036604 , pid = 3237, comm = bash"),
		  0);
	CHECK_STR(f.task, "bash");
	CHECK_INT(f.pid, 3237);
	CHECK_INT(f.tgid, -1);
	CHECK_INT(f.cpu, 0);
	CHECK_STR(f.flags, "d..31");
	CHECK_STR(f.ts, "18174.550841");
	CHECK_INT(f.ts_ns, 18174550841000ULL);
	CHECK_STR(f.event, "bpf_trace_printk");
	CHECK_STR(msg, "start of execve time = 18174509036604 , pid = 3237, comm = bash");
}

PK_TEST(trace_fields_old_kernel_and_unknown_comm)
{
	/* the seed's line: kernels before 5.x print trace_printk's ip, "0" */
	CHECK_INT(parse("           <...>-3239  [001] .... 18194.589254: 0: start of execve"), 0);
	CHECK_STR(f.task, "<...>");
	CHECK_INT(f.pid, 3239);
	CHECK_INT(f.cpu, 1);
	CHECK_STR(f.flags, "....");
	CHECK_STR(msg, "start of execve");
	CHECK_INT(parse("            sshd-12    [003] d... 1.000001: 0x1: x: y"), 0);
	CHECK_STR(f.event, "0x1");
	CHECK_STR(msg, "x: y");
}

PK_TEST(trace_fields_tgid_column)
{
	CHECK_INT(parse("          python-4021    (   4019) [001] ..... 311.123456: "
			"bpf_trace_printk: hello"),
		  0);
	CHECK_STR(f.task, "python");
	CHECK_INT(f.pid, 4021);
	CHECK_INT(f.tgid, 4019);
	CHECK_INT(f.cpu, 1);
	CHECK_STR(msg, "hello");
	CHECK_INT(parse("           <...>-77      (-------) [000] d..2. 5.5: bpf_trace_printk: hi"), 0);
	CHECK_STR(f.task, "<...>");
	CHECK_INT(f.pid, 77);
	CHECK_INT(f.tgid, -1);
}

PK_TEST(trace_fields_comms_with_dashes_spaces_digits)
{
	CHECK_INT(parse(" kworker/u4:2-ev-1234    [001] d..31 10.000000: bpf_trace_printk: k"), 0);
	CHECK_STR(f.task, "kworker/u4:2-ev");
	CHECK_INT(f.pid, 1234);
	CHECK_INT(parse("      my prog-12-99      [000] ..... 10.5: bpf_trace_printk: m"), 0);
	CHECK_STR(f.task, "my prog-12");
	CHECK_INT(f.pid, 99);
	/* a comm that imitates the rest of a line does not fool it */
	CHECK_INT(parse("x-1 [0] . 1.0: -42      [001] ..... 20.000001: bpf_trace_printk: real"),
		  0);
	CHECK_STR(f.task, "x-1 [0] . 1.0: ");
	CHECK_INT(f.pid, 42);
	CHECK_STR(msg, "real");
	/* nor does a message that does */
	CHECK_INT(parse("   a-5       [000] ..... 1.000000: bpf_trace_printk: b-6 [001] .... 2.0: 0: c"),
		  0);
	CHECK_STR(f.task, "a");
	CHECK_INT(f.pid, 5);
	CHECK_STR(msg, "b-6 [001] .... 2.0: 0: c");
}

PK_TEST(trace_fields_without_irq_info_and_stripped)
{
	CHECK_INT(parse("bash-3237 [002] 100.000200: bpf_trace_printk: no flags"), 0);
	CHECK_STR(f.task, "bash");
	CHECK_STR(f.flags, "");
	CHECK_INT(f.cpu, 2);
	CHECK_STR(msg, "no flags");
	CHECK_INT(parse("bash-1 [000] d..31 5.000000: bpf_trace_printk: "), 0);
	CHECK_STR(msg, "");
}

PK_TEST(trace_fields_other_lines)
{
	CHECK_INT(parse("          <idle>-0       [001] d..2. 50.0: sched_switch: prev_comm=swapper"),
		  -ENOMSG);
	CHECK_STR(f.event, "sched_switch");
	CHECK_INT(parse("CPU:1 [LOST 23 EVENTS]"), -EINVAL);
	CHECK_INT(parse("##### CPU 1 buffer started ####"), -EINVAL);
	CHECK_INT(parse("# tracer: nop"), -EINVAL);
	CHECK_INT(parse(""), -EINVAL);
	CHECK_INT(parse("-"), -EINVAL);
	CHECK_INT(parse("a-1"), -EINVAL);
	CHECK_INT(parse("a-1 [0"), -EINVAL);
	CHECK_INT(parse("a-99999999999999999999 [000] . 1.0: 0: x"), -EINVAL);
	CHECK_INT(parse("a-1 [000] . 1.0"), -EINVAL);
	CHECK_INT(pk_trace_fields(NULL, 0, &f), -EINVAL);
}

/* Every prefix and every byte flip of real lines: no crash, no overread. */
PK_TEST(trace_fields_survives_mangled_lines)
{
	static const char *const lines[] = {
		"          python-4021    (   4019) [001] ..... 311.123456: bpf_trace_printk: hello",
		"           <...>-3239  [001] .... 18194.589254: 0: start of execve",
	};
	size_t i, j, n;
	char *copy;
	int c;

	for (i = 0; i < 2; i++) {
		n = strlen(lines[i]);
		for (j = 0; j <= n; j++) {
			/* exactly j bytes on the heap, so a sanitizer sees overreads */
			copy = malloc(j ? j : 1);
			memcpy(copy, lines[i], j);
			pk_trace_fields(copy, j, &f);
			for (c = 0; j < n && c < 256; c += 37) {
				char saved = copy[j ? j - 1 : 0];

				copy[j ? j - 1 : 0] = (char)c;
				if (pk_trace_fields(copy, j, &f) != -EINVAL)
					CHECK(f.msg >= copy && f.msg + f.msg_len <= copy + j);
				copy[j ? j - 1 : 0] = saved;
			}
			free(copy);
		}
	}
}

static char *formatted(const char *fmt, const char *line)
{
	static char buf[1024];
	struct pk_trace_format *tf = pk_trace_format__new(fmt);
	FILE *out = fmemopen(buf, sizeof(buf), "w");

	buf[0] = '\0';
	if (tf && pk_trace_fields(line, strlen(line), &f) == 0)
		pk_trace_format__print(tf, out, &f);
	fclose(out);
	pk_trace_format__free(tf);
	return buf;
}

PK_TEST(trace_format_bcc_style)
{
	const char *line = "            bash-3237    [000] d..31 18174.550841: bpf_trace_printk: hi\x1b";

	CHECK_STR(formatted("{1} {5}", line), "3237 hi\\e\n");
	CHECK_STR(formatted("{0}|{2}|{3}|{4}", line), "bash|0|d..31|18174.550841\n");
	CHECK_STR(formatted("{{pid}} {1}", line), "{pid} 3237\n");
	CHECK(pk_trace_format__new("{6}") == NULL && errno == EINVAL);
	CHECK(pk_trace_format__new("{1") == NULL);
	CHECK(pk_trace_format__new("}") == NULL);
	CHECK(pk_trace_format__new("{x}") == NULL);
}

static struct pk_trace_pipe *pipe_from(const char *text)
{
	char path[] = "/tmp/pk-tracepipe-XXXXXX";
	LIBBPF_OPTS(pk_trace_pipe_opts, o, .path = path);
	struct pk_trace_pipe *tp;
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return NULL;
	close(fd);
	tp = pk_trace_pipe__open(&o);
	unlink(path);
	return tp;
}

PK_TEST(trace_pipe_reads_lines_and_skips_others)
{
	struct pk_trace_pipe *tp = pipe_from(
		"CPU:0 [LOST 3 EVENTS]\n"
		"           <...>-10      [000] ..... 1.000000: bpf_trace_printk: one\n"
		"          <idle>-0       [001] d..2. 2.0: sched_switch: prev_comm=swapper\n"
		"            cat-11      [001] ..... 3.000000: bpf_trace_printk: two");
	const char *line;

	CHECK(tp != NULL);
	if (!tp)
		return;
	CHECK_INT(pk_trace_pipe__next_fields(tp, &f), 0);
	CHECK_INT(f.pid, 10);
	CHECK_INT(pk_trace_pipe__next_fields(tp, &f), 0);
	CHECK_INT(f.pid, 11);
	CHECK_STR(f.task, "cat");
	CHECK_INT(pk_trace_pipe__skipped(tp), 2);
	CHECK_INT(pk_trace_pipe__next_fields(tp, &f), -ENODATA);
	CHECK_INT(pk_trace_pipe__read_line(tp, &line), -ENODATA);
	pk_trace_pipe__free(tp);
}

PK_TEST(trace_pipe_cuts_overlong_lines)
{
	size_t n = 200 * 1024;
	char *text = malloc(n + 16);
	struct pk_trace_pipe *tp;
	const char *line;
	ssize_t len;

	memset(text, 'a', n);
	strcpy(text + n, "\nshort\n");
	tp = pipe_from(text);
	CHECK(tp != NULL);
	if (tp) {
		len = pk_trace_pipe__read_line(tp, &line);
		CHECK(len > 0 && len < (ssize_t)n);
		len = pk_trace_pipe__read_line(tp, &line);
		CHECK_INT(len, 5);
		CHECK(len == 5 && !memcmp(line, "short", 5));
		CHECK_INT(pk_trace_pipe__read_line(tp, &line), -ENODATA);
	}
	pk_trace_pipe__free(tp);
	free(text);
}

PK_TEST(trace_print_raw_and_formatted)
{
	static char buf[1024];
	const char *text = "junk line\n"
			   "            bash-3237    [000] d..31 18174.550841: bpf_trace_printk: hi\n";
	struct pk_trace_format *tf = pk_trace_format__new("{1} {5}");
	struct pk_trace_pipe *tp = pipe_from(text);
	FILE *out = fmemopen(buf, sizeof(buf), "w");

	CHECK_INT(pk_trace_print(tp, out, NULL), 2);
	fflush(out);
	CHECK_STR(buf, text);
	pk_trace_pipe__free(tp);
	rewind(out);
	tp = pipe_from(text);
	CHECK_INT(pk_trace_print(tp, out, tf), 1);
	fputc('\0', out);
	fclose(out);
	CHECK_STR(buf, "3237 hi\n");
	CHECK_INT(pk_trace_pipe__skipped(tp), 1);
	pk_trace_pipe__free(tp);
	pk_trace_format__free(tf);
}
