// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpf_trace_printk() output: splitting trace_pipe lines into fields, bcc's
 * "{1} {5}" formats, and a line reader that also works non-blocking.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <probekit/output.h>
#include <probekit/tracefs.h>
#include <probekit/tracepipe.h>

#include "data.h"

/* The kernel prints the comm right-aligned in this many columns. */
#define COMM_COLUMNS 16
#define PIPE_BUFFER (64 * 1024)

/* Parsing ------------------------------------------------------------------ */

struct scan {
	const char *s;
	size_t i, len;
};

static bool at(const struct scan *c, char ch)
{
	return c->i < c->len && c->s[c->i] == ch;
}

static bool is_digit_at(const struct scan *c)
{
	return c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9';
}

/* At least one space, then as many as there are. */
static bool spaces(struct scan *c)
{
	size_t start = c->i;

	while (at(c, ' '))
		c->i++;
	return c->i > start;
}

static bool number(struct scan *c, unsigned long long *v, size_t *ndigits)
{
	size_t start = c->i;

	*v = 0;
	while (is_digit_at(c) && c->i - start < 19)
		*v = *v * 10 + (c->s[c->i++] - '0');
	if (ndigits)
		*ndigits = c->i - start;
	return c->i > start && !is_digit_at(c);
}

static void copy_field(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* "(   123)" or "(-------)", present when the record-tgid option is on. */
static bool tgid_column(struct scan *c, struct pk_trace_fields *f)
{
	unsigned long long v;

	f->tgid = -1;
	if (!at(c, '('))
		return true;
	c->i++;
	while (at(c, ' '))
		c->i++;
	if (is_digit_at(c)) {
		if (!number(c, &v, NULL) || v > INT_MAX)
			return false;
		f->tgid = (pid_t)v;
	} else {
		while (at(c, '-'))
			c->i++;
	}
	if (!at(c, ')'))
		return false;
	c->i++;
	return spaces(c);
}

/* "1234.567890: ", or a bare counter for the counter clocks. */
static bool timestamp(struct scan *c, struct pk_trace_fields *f)
{
	size_t start = c->i, nfrac = 0;
	unsigned long long sec, frac = 0;
	bool has_frac = false;

	if (!number(c, &sec, NULL))
		return false;
	if (at(c, '.')) {
		c->i++;
		has_frac = true;
		if (!number(c, &frac, &nfrac))
			return false;
	}
	if (!at(c, ':'))
		return false;
	copy_field(f->ts, sizeof(f->ts), c->s + start, c->i - start);
	for (; nfrac < 9; nfrac++)
		frac *= 10;
	for (; nfrac > 9; nfrac--)
		frac /= 10;
	f->ts_ns = has_frac ? sec * 1000000000ULL + frac : sec;
	c->i++;
	return c->i == c->len || spaces(c);
}

/* The irq-info column ("d..31"), absent when that option is off. */
static bool flags_and_timestamp(struct scan *c, struct pk_trace_fields *f)
{
	size_t start = c->i;

	f->flags[0] = '\0';
	if (timestamp(c, f))
		return true;
	c->i = start;
	while (c->i < c->len && c->s[c->i] != ' ')
		c->i++;
	if (c->i - start >= sizeof(f->flags))
		return false;
	copy_field(f->flags, sizeof(f->flags), c->s + start, c->i - start);
	return spaces(c) && timestamp(c, f);
}

static bool is_printk_event(const char *event)
{
	const char *p = event;

	if (!strcmp(event, "bpf_trace_printk") || !*event)
		return true;
	/* before 5.x: trace_printk's ip, which is 0 (or junk) for BPF */
	if (!strncmp(p, "0x", 2))
		p += 2;
	return *p && strspn(p, "0123456789abcdef") == strlen(p);
}

/* Everything after the comm, from the '-' before the pid. */
static int parse_after_comm(const char *line, size_t len, size_t dash, struct pk_trace_fields *f)
{
	struct scan c = { line, dash + 1, len };
	unsigned long long v;
	size_t start;

	if (!number(&c, &v, NULL) || v > INT_MAX || !spaces(&c))
		return -EINVAL;
	f->pid = (pid_t)v;
	if (!tgid_column(&c, f) || !at(&c, '['))
		return -EINVAL;
	c.i++;
	if (!number(&c, &v, NULL) || v > INT_MAX || !at(&c, ']'))
		return -EINVAL;
	f->cpu = (int)v;
	c.i++;
	if (!spaces(&c) || !flags_and_timestamp(&c, f))
		return -EINVAL;
	start = c.i;
	while (c.i < c.len && c.s[c.i] != ':' && c.s[c.i] != ' ')
		c.i++;
	if (at(&c, ':') && c.i - start < sizeof(f->event)) {
		copy_field(f->event, sizeof(f->event), line + start, c.i - start);
		c.i++;
		if (at(&c, ' '))
			c.i++;
	} else {
		/* old kernels print no event at all when the ip has no symbol */
		f->event[0] = '\0';
		c.i = start;
	}
	f->msg = line + c.i;
	f->msg_len = len - c.i;
	return is_printk_event(f->event) ? 0 : -ENOMSG;
}

int pk_trace_fields(const char *line, size_t len, struct pk_trace_fields *f)
{
	struct pk_trace_fields tmp;
	size_t lead = 0, i, best = 0;
	bool found = false;

	if (!line || !f)
		return -EINVAL;
	while (lead < len && line[lead] == ' ')
		lead++;
	/*
	 * A comm may hold dashes, digits, spaces and brackets, so try every
	 * dash that could end it. The kernel pads comms to 16 columns, so the
	 * real separator is the last one that parses within them; further
	 * right only when the line's layout is unusual.
	 */
	for (i = lead; i < len && i - lead < sizeof(f->task); i++) {
		if (line[i] != '-' || parse_after_comm(line, len, i, &tmp) == -EINVAL)
			continue;
		if (found && i - lead > COMM_COLUMNS)
			break;
		best = i;
		found = true;
	}
	if (!found)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	copy_field(f->task, sizeof(f->task), line + lead, best - lead);
	return parse_after_comm(line, len, best, f);
}

/* Formats ------------------------------------------------------------------ */

/* A format is a list of pieces: literal text, or a field (0..5). */
struct piece {
	int field;
	size_t start, len;
};

struct pk_trace_format {
	char *text;
	size_t nr;
	struct piece pieces[];
};

static int scan_format(const char *fmt, struct piece *out, size_t *nr)
{
	size_t i = 0, n = 0, lit;

	while (fmt[i]) {
		if (fmt[i] == '{' && fmt[i + 1] >= '0' && fmt[i + 1] <= '5' && fmt[i + 2] == '}') {
			if (out)
				out[n] = (struct piece){ fmt[i + 1] - '0', 0, 0 };
			n++;
			i += 3;
			continue;
		}
		if ((fmt[i] == '{' || fmt[i] == '}') && fmt[i + 1] != fmt[i])
			return -EINVAL;
		/* a literal run; "{{" and "}}" become one brace */
		lit = fmt[i] == '{' || fmt[i] == '}' ? 2 : 1;
		if (out)
			out[n] = (struct piece){ -1, i, 1 };
		n++;
		i += lit;
	}
	*nr = n;
	return 0;
}

struct pk_trace_format *pk_trace_format__new(const char *fmt)
{
	struct pk_trace_format *tf;
	size_t nr;

	if (!fmt || scan_format(fmt, NULL, &nr)) {
		errno = EINVAL;
		return NULL;
	}
	tf = calloc(1, sizeof(*tf) + nr * sizeof(tf->pieces[0]));
	if (!tf)
		return NULL;
	tf->text = strdup(fmt);
	if (!tf->text) {
		free(tf);
		return NULL;
	}
	scan_format(fmt, tf->pieces, &tf->nr);
	return tf;
}

static void print_field(struct pk_line *l, int field, const struct pk_trace_fields *f)
{
	switch (field) {
	case 0: pk_line__text(l, f->task, strlen(f->task)); break;
	case 1: pk_line__int(l, f->pid, 0); break;
	case 2: pk_line__int(l, f->cpu, 0); break;
	case 3: pk_line__str(l, f->flags); break;
	case 4: pk_line__str(l, f->ts); break;
	case 5: pk_line__text(l, f->msg, f->msg_len); break;
	}
}

void pk_trace_format__print(const struct pk_trace_format *tf, FILE *out,
			    const struct pk_trace_fields *f)
{
	struct pk_line l;
	size_t i;

	pk_line__begin(&l, out);
	for (i = 0; i < tf->nr; i++) {
		if (tf->pieces[i].field < 0)
			pk_line__char(&l, tf->text[tf->pieces[i].start]);
		else
			print_field(&l, tf->pieces[i].field, f);
	}
	pk_line__end(&l);
}

void pk_trace_format__free(struct pk_trace_format *tf)
{
	if (!tf)
		return;
	free(tf->text);
	free(tf);
}

/* Reading ------------------------------------------------------------------ */

struct pk_trace_pipe {
	int fd;
	bool nonblock;
	/* in the middle of a line too long for the buffer: drop up to its end */
	bool cutting;
	bool eof;
	unsigned long skipped;
	size_t start, end;
	char buf[PIPE_BUFFER];
};

struct pk_trace_pipe *pk_trace_pipe__open(const struct pk_trace_pipe_opts *opts)
{
	char path[PATH_MAX];
	struct pk_trace_pipe *tp;
	const char *root;
	int flags = O_RDONLY | O_CLOEXEC;

	if (!PK_OPTS_VALID(opts, pk_trace_pipe_opts)) {
		errno = EINVAL;
		return NULL;
	}
	if (PK_OPTS_GET(opts, path, NULL)) {
		snprintf(path, sizeof(path), "%s", opts->path);
	} else {
		root = pk_tracefs_path();
		if (!root)
			return NULL;
		snprintf(path, sizeof(path), "%s/trace_pipe", root);
	}
	tp = calloc(1, sizeof(*tp));
	if (!tp)
		return NULL;
	tp->nonblock = PK_OPTS_GET(opts, nonblock, false);
	if (tp->nonblock)
		flags |= O_NONBLOCK;
	tp->fd = open(path, flags);
	if (tp->fd < 0) {
		free(tp);
		return NULL;
	}
	return tp;
}

int pk_trace_pipe__fd(const struct pk_trace_pipe *tp)
{
	return tp ? tp->fd : -EINVAL;
}

/* A complete line from what is buffered, or NULL. */
static const char *take_line(struct pk_trace_pipe *tp, size_t *len)
{
	char *nl, *line;

	while ((nl = memchr(tp->buf + tp->start, '\n', tp->end - tp->start))) {
		line = tp->buf + tp->start;
		tp->start = nl - tp->buf + 1;
		if (tp->cutting) {
			tp->cutting = false;
			continue;
		}
		*len = nl - line;
		return line;
	}
	return NULL;
}

static ssize_t fill(struct pk_trace_pipe *tp)
{
	ssize_t n;

	if (tp->start) {
		memmove(tp->buf, tp->buf + tp->start, tp->end - tp->start);
		tp->end -= tp->start;
		tp->start = 0;
	}
	n = read(tp->fd, tp->buf + tp->end, sizeof(tp->buf) - tp->end);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	tp->end += n;
	return n;
}

ssize_t pk_trace_pipe__read_line(struct pk_trace_pipe *tp, const char **line)
{
	size_t len;
	ssize_t n;

	for (;;) {
		*line = take_line(tp, &len);
		if (*line)
			return len;
		if (tp->end - tp->start == sizeof(tp->buf)) {
			/* no newline in a full buffer: hand out what fits */
			*line = tp->buf;
			tp->start = tp->end = 0;
			len = tp->cutting ? 0 : sizeof(tp->buf);
			tp->cutting = true;
			if (len)
				return len;
			continue;
		}
		if (tp->eof)
			return -ENODATA;
		n = fill(tp);
		if (n < 0)
			return n;
		if (n == 0) {
			/* end of a regular file: its last line may lack a newline */
			tp->eof = true;
			if (tp->end > tp->start && !tp->cutting) {
				*line = tp->buf + tp->start;
				len = tp->end - tp->start;
				tp->start = tp->end;
				return len;
			}
			return -ENODATA;
		}
	}
}

int pk_trace_pipe__next_fields(struct pk_trace_pipe *tp, struct pk_trace_fields *f)
{
	const char *line;
	ssize_t n;

	for (;;) {
		n = pk_trace_pipe__read_line(tp, &line);
		if (n < 0)
			return n;
		if (pk_trace_fields(line, n, f) == 0)
			return 0;
		tp->skipped++;
	}
}

unsigned long pk_trace_pipe__skipped(const struct pk_trace_pipe *tp)
{
	return tp ? tp->skipped : 0;
}

void pk_trace_pipe__free(struct pk_trace_pipe *tp)
{
	if (!tp)
		return;
	close(tp->fd);
	free(tp);
}

static bool holds_trace_pipe(const char *pid)
{
	char dir[64], path[320], target[PATH_MAX];
	struct dirent *d;
	bool found = false;
	ssize_t n;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	fds = opendir(dir);
	if (!fds)
		return false;
	while (!found && (d = readdir(fds))) {
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		n -= strlen("/trace_pipe");
		found = n >= 0 && !strcmp(target + n, "/trace_pipe");
	}
	closedir(fds);
	return found;
}

pid_t pk_trace_pipe_holder(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *d;
	pid_t pid = 0, self = getpid();

	if (!proc)
		return 0;
	while (!pid && (d = readdir(proc))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9' || atoi(d->d_name) == self)
			continue;
		if (holds_trace_pipe(d->d_name))
			pid = atoi(d->d_name);
	}
	closedir(proc);
	return pid;
}

void pk_trace_pipe_open_error(int err, char *why, size_t why_size)
{
	char comm[64] = "", path[64];
	pid_t holder;
	FILE *f;

	err = err < 0 ? -err : err;
	if (err != EBUSY) {
		snprintf(why, why_size, "cannot open trace_pipe: %s", strerror(err));
		return;
	}
	holder = pk_trace_pipe_holder();
	if (!holder) {
		snprintf(why, why_size, "trace_pipe is busy: another process is reading it, and "
					"the kernel allows one reader at a time");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", holder);
	f = fopen(path, "re");
	if (f && fgets(comm, sizeof(comm), f))
		comm[strcspn(comm, "\n")] = '\0';
	if (f)
		fclose(f);
	snprintf(why, why_size, "trace_pipe is busy: process %d (%s) is reading it, and the "
				"kernel allows one reader at a time", holder, comm);
}

static bool line_waiting(const struct pk_trace_pipe *tp)
{
	return memchr(tp->buf + tp->start, '\n', tp->end - tp->start) != NULL;
}

int pk_trace_print(struct pk_trace_pipe *tp, FILE *out, const struct pk_trace_format *fmt)
{
	struct pk_trace_fields f;
	const char *line;
	int printed = 0;
	ssize_t n;

	for (;;) {
		if (printed && !tp->nonblock && !line_waiting(tp))
			return printed;
		n = pk_trace_pipe__read_line(tp, &line);
		if (n < 0)
			return n == -EAGAIN || printed ? printed : (int)n;
		if (!fmt) {
			struct pk_line l;

			pk_line__begin(&l, out);
			pk_line__text(&l, line, n);
			pk_line__end(&l);
		} else if (pk_trace_fields(line, n, &f) == 0) {
			pk_trace_format__print(fmt, out, &f);
		} else {
			tp->skipped++;
			continue;
		}
		printed++;
	}
}

int pk_trace_pipe__drain(struct pk_trace_pipe *tp, unsigned int max,
			 int (*fn)(const char *line, size_t len, void *ctx), void *ctx)
{
	const char *line;
	unsigned int i;
	ssize_t len;
	int err;

	for (i = 0; i < max; i++) {
		len = pk_trace_pipe__read_line(tp, &line);
		if (len == -EAGAIN || len == -EINTR)
			return 0;
		if (len < 0)
			return (int)len;
		err = fn(line, len, ctx);
		if (err < 0)
			return err;
	}
	return 0;
}
