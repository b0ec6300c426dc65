// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading a verifier log backwards: the error is the last line that is
 * neither the trailer ("processed N insns", "verification time"...) nor an
 * instruction, a register state or a source annotation; the instruction
 * before it failed, and the source annotation before that names its line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include <probekit/output.h>
#include <probekit/verifier.h>

#include "load.h"

struct line {
	const char *s;
	size_t len;
};

static bool has_prefix(struct line l, const char *p)
{
	size_t n = strlen(p);

	return l.len >= n && !memcmp(l.s, p, n);
}

/* The line ending just before @end, which must be > @beg. */
static struct line prev_line(const char *beg, const char *end)
{
	const char *p = end;

	if (p > beg && p[-1] == '\n')
		p--;
	end = p;
	while (p > beg && p[-1] != '\n')
		p--;
	return (struct line){p, (size_t)(end - p)};
}

static bool is_blank(struct line l)
{
	size_t i;

	for (i = 0; i < l.len; i++) {
		if (!isspace((unsigned char)l.s[i]))
			return false;
	}
	return true;
}

/* Lines the verifier writes after (or around) the error that say nothing about it. */
static bool is_trailer(struct line l)
{
	static const char *const prefixes[] = {
	    "processed ",
	    "verification time ",
	    "stack depth ",
	    "max_states_per_insn ",
	    "mark_precise: ",
	    "live stack update",
	    "Live regs before insn",
	    "func#",
	    "-- END PROG LOAD LOG",
	    "libbpf: ",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (has_prefix(l, prefixes[i]))
			return true;
	}
	/* liveness debugging: "(0) frame 0 insn 6 +live -8" */
	return l.len > 2 && l.s[0] == '(' && isdigit((unsigned char)l.s[1]);
}

/* "12: ..." (an instruction or a register state); *@num gets 12. */
static bool is_numbered(struct line l, int *num)
{
	size_t i = 0;
	long n = 0;

	while (i < l.len && l.s[i] == ' ')
		i++;
	if (i == l.len || !isdigit((unsigned char)l.s[i]))
		return false;
	for (; i < l.len && isdigit((unsigned char)l.s[i]); i++) {
		if (n < 100000000)
			n = n * 10 + (l.s[i] - '0');
	}
	if (i + 1 >= l.len || l.s[i] != ':' || l.s[i + 1] != ' ')
		return false;
	*num = (int)n;
	return true;
}

/* "12: (61) r1 = ..." as opposed to "12: R1=ctx()". */
static bool is_insn(struct line l, int *num)
{
	const char *p;

	if (!is_numbered(l, num))
		return false;
	p = memchr(l.s, ':', l.len);
	return p && (size_t)(p - l.s) + 6 <= l.len && p[2] == '(' &&
	       isxdigit((unsigned char)p[3]) && isxdigit((unsigned char)p[4]) && p[5] == ')';
}

static bool is_state(struct line l)
{
	int num;

	/* "from 4 to 6: R0=..." at a branch, "; code" annotations */
	return is_numbered(l, &num) || has_prefix(l, "from ") || has_prefix(l, ";");
}

static void copy_text(char *dst, size_t size, const char *s, size_t len)
{
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	pk_escape_text(dst, size, s, len);
}

/* "; code @ file.c:23" -> "file.c:23: code"; false for line 0 (compiler-made code). */
static bool source_text(struct line l, char *dst, size_t size)
{
	const char *code = l.s + 1, *end = l.s + l.len, *at = NULL, *p;
	char tmp[1024];
	size_t code_len;

	while (code < end && *code == ' ')
		code++;
	for (p = l.s; p + 3 <= end; p++) {
		if (!memcmp(p, " @ ", 3))
			at = p;
	}
	if (!at) {
		copy_text(dst, size, code, (size_t)(end - code));
		return dst[0] != '\0';
	}
	p = end;
	while (p > at && isspace((unsigned char)p[-1]))
		p--;
	if (p - at >= 2 && p[-1] == '0' && p[-2] == ':')
		return false;
	code_len = at > code ? (size_t)(at - code) : 0;
	while (code_len && isspace((unsigned char)code[code_len - 1]))
		code_len--;
	snprintf(tmp, sizeof(tmp), "%.*s: %.*s", (int)(p - at - 3), at + 3, (int)code_len, code);
	copy_text(dst, size, tmp, strlen(tmp));
	return true;
}

/* The part of @log the kernel wrote, without libbpf's frame around it. */
static void kernel_part(const char *log, const char **beg, const char **end)
{
	static const char begin_mark[] = "-- BEGIN PROG LOAD LOG --\n";
	const char *b = strstr(log, begin_mark), *e;

	*beg = b ? b + sizeof(begin_mark) - 1 : log;
	e = strstr(*beg, "-- END PROG LOAD LOG --");
	*end = e ? e : *beg + strlen(*beg);
}

/*
 * The error: the last line that is not a trailer, and up to two lines just
 * above it that are not instructions or states either, since some errors
 * take two ("invalid access to map value, value_size=4 off=12 size=4" and
 * "R0 min value is outside of the allowed memory range"). Returns where
 * the lines above the error start, or NULL if there is none.
 */
#define KEY_LINES 3

static const char *find_key(const char *beg, const char *end, char *key, size_t size)
{
	struct line lines[KEY_LINES], l;
	char tmp[1024];
	size_t len = 0;
	int n = 0, i;

	while (end > beg && n < KEY_LINES) {
		l = prev_line(beg, end);
		if (is_blank(l) || (!n && is_trailer(l))) {
			end = l.s;
			continue;
		}
		if (is_state(l) || is_trailer(l))
			break;
		lines[n++] = l;
		end = l.s;
	}
	if (!n)
		return NULL;
	for (i = n - 1; i >= 0; i--)
		len += snprintf(tmp + len, sizeof(tmp) - len, "%s%.*s", i == n - 1 ? "" : "; ",
				(int)(lines[i].len < 400 ? lines[i].len : 400), lines[i].s);
	copy_text(key, size, tmp, strlen(tmp));
	return end;
}

int pk_verifier_explain(const char *log, struct pk_verifier_report *r)
{
	const char *beg, *end;
	struct line l;
	int num;

	if (!log || !r)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->insn = -1;
	kernel_part(log, &beg, &end);
	end = find_key(beg, end, r->key, sizeof(r->key));
	if (!end)
		return -ENOENT;
	/* the instruction it stopped at, then the source line above it */
	while (end > beg) {
		l = prev_line(beg, end);
		end = l.s;
		if (r->insn < 0 && is_insn(l, &num)) {
			const char *semi = memchr(l.s, ';', l.len);

			r->insn = num;
			copy_text(r->insn_text, sizeof(r->insn_text), l.s,
				  semi ? (size_t)(semi - l.s) : l.len);
		} else if (r->insn >= 0 && has_prefix(l, "; ") &&
			   source_text(l, r->source, sizeof(r->source))) {
			break;
		}
	}
	return 0;
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
		      o->len < o->size ? o->size - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += n;
}

/*
 * The kernel's words for its instruction limit, which an unbounded loop
 * reaches, say neither that it is a limit nor what usually causes it.
 */
static void put_key(struct out *o, const char *key)
{
	static const char too_large[] = "BPF program is too large. Processed ";
	long n;

	if (!strncmp(key, too_large, sizeof(too_large) - 1) &&
	    sscanf(key + sizeof(too_large) - 1, "%ld", &n) == 1)
		put(o,
		    "too complex: it gave up after %ld instructions, its limit (a loop "
		    "without a bound it can see?)",
		    n);
	else
		put(o, "%s", key[0] ? key : "(no error line in the log)");
}

size_t pk_verifier_format(const struct pk_verifier_report *r, const char *prog, char *buf,
			  size_t size)
{
	struct out o = {buf, size, 0};
	const char *text = r->insn_text;

	if (size)
		buf[0] = '\0';
	put(&o, "program %s rejected by the verifier: ", prog && prog[0] ? prog : "(unnamed)");
	put_key(&o, r->key);
	/* "12: (61) r1 = ..." is shown as "insn 12: (61) r1 = ..." */
	if (r->insn >= 0 && text[0])
		text += strspn(text, " ");
	if (r->source[0] || r->insn >= 0)
		put(&o, " (");
	if (r->source[0])
		put(&o, "at %s%s", r->source, r->insn >= 0 ? "; " : "");
	if (r->insn >= 0)
		put(&o, "insn %s", text[0] ? text : "?");
	if (r->source[0] || r->insn >= 0)
		put(&o, ")");
	return o.len;
}

/* Loading with a log buffer per program ---------------------------------- */

/*
 * Each program gets its own buffer before the object's one load. libbpf
 * asks the kernel for no log on a program's first attempt, so a program
 * that passes costs nothing but this buffer's address space (malloc'd, so
 * never touched unless the kernel writes it); a rejected one is retried
 * by libbpf at level 1 into it. Kernels from 6.4 on keep a log's end when
 * it outgrows the buffer (where the verdict is), so the buffer need not
 * hold the whole log; older kernels keep its start and say ENOSPC, and
 * the caller may load again with a bigger one (ll->cut).
 */
struct prog_log {
	struct bpf_program *prog;
	char *buf;
	size_t size;
};

/* libbpf only sees a bad section name when it loads; say so before. */
static int check_types(struct bpf_object *obj, char *why, size_t size)
{
	struct bpf_program *prog;

	bpf_object__for_each_program (prog, obj) {
		if (bpf_program__autoload(prog) &&
		    bpf_program__type(prog) == BPF_PROG_TYPE_UNSPEC) {
			snprintf(why, size,
				 "program %s: missing BPF prog type, check ELF section name '%s'",
				 bpf_program__name(prog), bpf_program__section_name(prog));
			return -EINVAL;
		}
	}
	return 0;
}

static int set_logs(struct bpf_object *obj, size_t size, struct prog_log **logs, size_t *n)
{
	struct bpf_program *prog;
	size_t count = 0;

	bpf_object__for_each_program (prog, obj)
		count += bpf_program__autoload(prog);
	*logs = calloc(count ? count : 1, sizeof(**logs));
	if (!*logs)
		return -ENOMEM;
	*n = 0;
	bpf_object__for_each_program (prog, obj) {
		struct prog_log *l = &(*logs)[*n];

		if (!bpf_program__autoload(prog))
			continue;
		l->prog = prog;
		l->buf = malloc(size);
		if (!l->buf)
			return -ENOMEM;
		l->buf[0] = '\0';
		l->size = size;
		(*n)++;
		bpf_program__set_log_buf(prog, l->buf, size);
	}
	return 0;
}

/* The first program with a log is the one libbpf stopped at: it loads them in order. */
static struct prog_log *take_log(struct prog_log *logs, size_t n)
{
	struct prog_log *failed = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		bpf_program__set_log_buf(logs[i].prog, NULL, 0);
		if (!failed && logs[i].buf[0]) {
			failed = &logs[i];
			logs[i].buf[logs[i].size - 1] = '\0';
		}
	}
	return failed;
}

/* Returns whether the log was cut before its verdict. */
static bool explain(const struct prog_log *l, int err, char *why, size_t size)
{
	const char *name = bpf_program__name(l->prog);
	struct pk_verifier_report r;

	if (!pk_verifier_explain(l->buf, &r)) {
		pk_verifier_format(&r, name, why, size);
		return false;
	}
	/* no verdict, and no "processed N insns" trailer after one */
	if (err == -ENOSPC && !strstr(l->buf, "processed ")) {
		snprintf(why, size,
			 "program %s rejected by the verifier, whose log outgrew %zu KiB before "
			 "its verdict (kernels before 6.4 keep a log's start; -v shows it)",
			 name, l->size >> 10);
		return true;
	}
	snprintf(why, size, "program %s rejected by the verifier: %s", name, strerror(-err));
	return false;
}

int pk__load_explained(struct bpf_object *obj, int (*load)(void *), void *skel,
		       struct pk__load_log *ll, char *why, size_t size)
{
	struct prog_log *logs = NULL, *failed;
	size_t n = 0, i, len;
	int err;

	ll->log = NULL;
	ll->cut = false;
	why[0] = '\0';
	err = check_types(obj, why, size);
	if (!err && (err = set_logs(obj, ll->size ?: PK__LOG_SIZE, &logs, &n)))
		snprintf(why, size, "loading the programs failed: %s", strerror(-err));
	if (!err)
		err = load ? load(skel) : bpf_object__load(obj);
	failed = logs ? take_log(logs, n) : NULL;
	if (err && !why[0]) {
		if (failed) {
			ll->cut = explain(failed, err, why, size);
			/* kept only as long as it is */
			len = strlen(failed->buf);
			ll->log = realloc(failed->buf, len + 1) ?: failed->buf;
			failed->buf = NULL;
		} else {
			snprintf(why, size,
				 "loading the programs failed: %s (-v shows libbpf's messages)",
				 strerror(-err));
		}
	}
	for (i = 0; logs && i < n; i++)
		free(logs[i].buf);
	free(logs);
	return err;
}
