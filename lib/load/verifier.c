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
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <stdlib.h>

#include <probekit/output.h>
#include <probekit/verifier.h>

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

size_t pk_verifier_format(const struct pk_verifier_report *r, const char *prog, char *buf,
			  size_t size)
{
	struct out o = {buf, size, 0};
	const char *text = r->insn_text;

	if (size)
		buf[0] = '\0';
	put(&o, "program %s rejected by the verifier: %s", prog && prog[0] ? prog : "(unnamed)",
	    r->key[0] ? r->key : "(no error line in the log)");
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

/* Loading again to learn why a load failed ---------------------------------- */

/*
 * libbpf asks the kernel for no log on a program's first load attempt and
 * retries a failed one with level 1 into the buffer set here, so the
 * buffers cost nothing unless a program fails. They are only set on this
 * second load, after a first one failed.
 */
#define LOG_BUF_SIZE (8u << 20)

/* libbpf's own warning worth showing ("missing BPF prog type..."). */
static __thread struct {
	bool on;
	char line[256];
} capture;

static bool generic_warning(const char *s)
{
	static const char *const generic[] = {
	    "BPF program load failed",
	    "failed to load",
	    "PROG LOAD LOG",
	    "failed to load object",
	    "failed to load BPF skeleton",
	    "permission",
	    "Permission",
	};
	size_t i;

	for (i = 0; i < sizeof(generic) / sizeof(generic[0]); i++) {
		if (strstr(s, generic[i]))
			return true;
	}
	return false;
}

/*
 * The first, failed load already went through the caller's print function;
 * this one only keeps libbpf's first reason worth telling.
 */
static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[256];
	const char *s = line;

	if (!capture.on || level != LIBBPF_WARN || capture.line[0])
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	if (!strncmp(s, "libbpf: ", 8))
		s += 8;
	if (s[0] && !generic_warning(s))
		copy_text(capture.line, sizeof(capture.line), s, strlen(s));
	return 0;
}

int pk__load_explained(struct bpf_object *obj, int (*load)(void *), void *skel, char **log,
		       char *why, size_t size)
{
	struct pk_verifier_report r;
	struct bpf_program *prog, *failed = NULL;
	libbpf_print_fn_t prev;
	char *bufs[256] = {};
	int n = 0, i, err;

	*log = NULL;
	bpf_object__for_each_program (prog, obj) {
		if (!bpf_program__autoload(prog) || n == 256)
			continue;
		bufs[n] = calloc(1, LOG_BUF_SIZE);
		if (bufs[n])
			bpf_program__set_log_buf(prog, bufs[n], LOG_BUF_SIZE);
		n++;
	}
	capture.on = true;
	capture.line[0] = '\0';
	prev = libbpf_set_print(capture_print);
	err = load ? load(skel) : bpf_object__load(obj);
	libbpf_set_print(prev);
	capture.on = false;
	i = 0;
	bpf_object__for_each_program (prog, obj) {
		if (!bpf_program__autoload(prog) || i == 256)
			continue;
		if (!failed && bufs[i] && bufs[i][0]) {
			failed = prog;
			size_t len = strnlen(bufs[i], LOG_BUF_SIZE - 1);

			/* kept only as long as it is, not LOG_BUF_SIZE */
			bufs[i][len] = '\0';
			*log = realloc(bufs[i], len + 1) ?: bufs[i];
			bufs[i] = NULL;
		}
		bpf_program__set_log_buf(prog, NULL, 0);
		free(bufs[i++]);
	}
	if (!err)
		return 0;
	if (*log && !pk_verifier_explain(*log, &r))
		pk_verifier_format(&r, bpf_program__name(failed), why, size);
	else if (capture.line[0])
		snprintf(why, size, "loading the programs failed: %s", capture.line);
	else
		snprintf(why, size,
			 "loading the programs failed: %s (libbpf tells more through the "
			 "function given to libbpf_set_print())",
			 strerror(-err));
	return err;
}
