/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_TRACEPIPE_H
#define PROBEKIT_TRACEPIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Reading bpf_trace_printk() output, as bcc's trace_fields() and
 * trace_print() do. A trace_pipe line looks like
 *
 *	            bash-3237    [000] d..31 18174.550841: bpf_trace_printk: hello
 *	           <...>-3239    (   3239) [001] ..... 18194.589254: 0: hello
 *
 * (comm right-aligned in 16 columns, pid, the tgid column when the
 * record-tgid option is on, cpu, the irq flags when irq-info is on, the
 * timestamp, the event, the message).
 */
struct pk_trace_fields {
	/* the comm as printed: "<...>" when the kernel no longer knew it */
	char task[64];
	pid_t pid;
	/* -1 without a tgid column, or when it shows "(-------)" */
	pid_t tgid;
	int cpu;
	/* "d..31", or "" when the line has no flags column */
	char flags[16];
	/* the timestamp as printed, and in nanoseconds */
	char ts[32];
	__u64 ts_ns;
	/* the event ("bpf_trace_printk", or "0" on kernels before 5.x) */
	char event[64];
	/* the message: points into the parsed line, not NUL-terminated */
	const char *msg;
	size_t msg_len;
};

/*
 * Splits one line (without its newline) into fields. Returns 0 for a
 * bpf_trace_printk line; -ENOMSG for a well-formed trace line of another
 * event (fields are filled, msg is the event's text); -EINVAL for text that
 * is not a trace line at all ("CPU:1 [LOST 5 EVENTS]", "# tracer: nop").
 */
int pk_trace_fields(const char *line, size_t len, struct pk_trace_fields *f);

/*
 * bcc-style output formats: "{0}".."{5}" stand for task, pid, cpu, flags,
 * timestamp and message (bcc's trace_fields() order); "{{" and "}}" are
 * braces. Returns NULL with errno EINVAL for a malformed format.
 */
struct pk_trace_format;
struct pk_trace_format *pk_trace_format__new(const char *fmt);
/* Writes one formatted line, newline included, escaping untrusted text. */
void pk_trace_format__print(const struct pk_trace_format *fmt, FILE *out,
			    const struct pk_trace_fields *f);
void pk_trace_format__free(struct pk_trace_format *fmt);

struct pk_trace_pipe_opts {
	size_t sz;
	/* reads return -EAGAIN instead of waiting (for a poll loop) */
	bool nonblock;
	/* a file to read instead of <tracefs>/trace_pipe (for tests) */
	const char *path;
	size_t :0;
};
#define pk_trace_pipe_opts__last_field path

struct pk_trace_pipe;

/*
 * Opens trace_pipe through pk_tracefs_path() (mounting tracefs when it must).
 * Returns NULL with errno set on failure: EBUSY when another process reads
 * it, since kernels from 6.6 on allow one reader at a time.
 */
struct pk_trace_pipe *pk_trace_pipe__open(const struct pk_trace_pipe_opts *opts);
/* For poll()/epoll, or pk_run__watch_fd(). */
int pk_trace_pipe__fd(const struct pk_trace_pipe *tp);
/*
 * The next line, without its newline, valid until the next call. Returns
 * its length; -EAGAIN when non-blocking and nothing is waiting, -EINTR on a
 * signal, -ENODATA at the end of a regular file. Over-long lines are cut.
 */
ssize_t pk_trace_pipe__read_line(struct pk_trace_pipe *tp, const char **line);
/*
 * The loop of a poll-driven reader (a non-blocking pipe): hands each waiting
 * line to @fn, at most @max lines, so that a busy pipe cannot starve the
 * caller's other work. Returns 0 once nothing waits (or a signal came) or
 * @max lines were handed over; a negative errno when reading failed, or the
 * negative value @fn returned, which stops it.
 */
int pk_trace_pipe__drain(struct pk_trace_pipe *tp, unsigned int max,
			 int (*fn)(const char *line, size_t len, void *ctx), void *ctx);
/*
 * The next bpf_trace_printk line, split into fields. Lines that are not
 * from bpf_trace_printk are skipped and counted. Same returns as read_line,
 * 0 on success.
 */
int pk_trace_pipe__next_fields(struct pk_trace_pipe *tp, struct pk_trace_fields *f);
/* Lines skipped by next_fields() and trace_print() because they were not
 * bpf_trace_printk lines. */
unsigned long pk_trace_pipe__skipped(const struct pk_trace_pipe *tp);
void pk_trace_pipe__free(struct pk_trace_pipe *tp);
/* A process that has trace_pipe open (to say who holds it), or 0. */
pid_t pk_trace_pipe_holder(void);
/*
 * Why pk_trace_pipe__open() failed with errno @err, in one line for
 * @why: for EBUSY, which process (pid and name) is reading trace_pipe.
 */
void pk_trace_pipe_open_error(int err, char *why, size_t why_size);

/*
 * bcc's trace_print(fmt): prints the lines waiting in @tp (every line that
 * can be read without blocking, or the next one when @tp blocks). With a
 * NULL @fmt the lines are printed whole; with one, only bpf_trace_printk
 * lines are, through the format. Returns the number printed, or a negative
 * errno (-EAGAIN is not an error: it returns what it printed).
 */
int pk_trace_print(struct pk_trace_pipe *tp, FILE *out, const struct pk_trace_format *fmt);

#ifdef __cplusplus
}
#endif
#endif
