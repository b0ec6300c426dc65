// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pk_printf() records formatted in user space. The record (written by the
 * macro in bpf/probekit.bpf.h) is:
 *
 *	u64 cookie		the object's pk__printf_cookie
 *	u32 id			N of the call site's pk__fmt_<N> format
 *	u16 kinds		2 bits per argument: 0 integer, 1 kernel string, 2 user string
 *	u8  nargs, nstr		arguments, and how many of them are strings
 *	u16 slot		bytes kept of each string
 *	u8  pad[6]
 *	u64 args[nargs]
 *	char strings[nstr][slot]
 *
 * Nothing in it is trusted: every count and size is checked against the
 * others and against the record's size before use.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <bpf/libbpf.h>

#include <probekit/output.h>
#include <probekit/events.h>
#include <probekit/printf.h>

#include "data.h"

#define HDR	       24
#define MAX_ARGS       8
#define MAX_SLOT       4096
#define MAX_WIDTH      64
#define DEFAULT_COOKIE 0x706b7072696e7466ULL
#define FMT_PREFIX     "pk__fmt_"

struct fmt {
	__u32 id;
	char *text;
};

struct pk_printf {
	__u64 cookie;
	struct fmt *fmts;
	size_t nr;
};

static int by_id(const void *a, const void *b)
{
	const struct fmt *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int add_format(struct pk_printf *p, __u32 id, const char *text, size_t len)
{
	struct fmt *f = realloc(p->fmts, (p->nr + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	p->fmts = f;
	f[p->nr].id = id;
	f[p->nr].text = strndup(text, len);
	if (!f[p->nr].text)
		return -ENOMEM;
	p->nr++;
	return 0;
}

struct pk_printf *pk__printf_from(__u64 cookie, const __u32 *ids, const char *const *formats,
				  size_t n)
{
	struct pk_printf *p = calloc(1, sizeof(*p));
	size_t i;

	if (!p)
		return NULL;
	p->cookie = cookie;
	for (i = 0; i < n; i++) {
		if (add_format(p, ids[i], formats[i], strlen(formats[i]))) {
			pk_printf__free(p);
			errno = ENOMEM;
			return NULL;
		}
	}
	qsort(p->fmts, p->nr, sizeof(*p->fmts), by_id);
	return p;
}

/* "on_openat.pk__fmt_12" or "pk__fmt_12": 12. */
static bool format_id(const char *name, __u32 *id)
{
	const char *base = strrchr(name, '.');
	unsigned long v;
	char *end;

	base = base ? base + 1 : name;
	if (strncmp(base, FMT_PREFIX, strlen(FMT_PREFIX)))
		return false;
	base += strlen(FMT_PREFIX);
	if (*base < '0' || *base > '9')
		return false;
	errno = 0;
	v = strtoul(base, &end, 10);
	if (*end || errno || v > UINT32_MAX)
		return false;
	*id = v;
	return true;
}

struct scan {
	struct pk_printf *p;
	bool has_cookie;
	int err;
};

static int scan_var(const struct btf *btf, const struct pk__rodata_var *v, void *ctx)
{
	struct scan *s = ctx;
	__u32 id;

	(void)btf;
	if (!strcmp(v->name, "pk__printf_cookie") && v->size == sizeof(__u64)) {
		memcpy(&s->p->cookie, v->data, sizeof(__u64));
		s->has_cookie = true;
	} else if (format_id(v->name, &id)) {
		s->err = add_format(s->p, id, v->data, strnlen(v->data, v->size));
	}
	return s->err;
}

struct pk_printf *pk_printf__new(struct bpf_object *obj)
{
	struct scan s = {};

	if (!obj) {
		errno = EINVAL;
		return NULL;
	}
	s.p = calloc(1, sizeof(*s.p));
	if (!s.p)
		return NULL;
	pk__rodata_vars(obj, scan_var, &s);
	if (s.err || !s.p->nr || !s.has_cookie) {
		pk_printf__free(s.p);
		errno = s.err ? -s.err : ENOENT;
		return NULL;
	}
	qsort(s.p->fmts, s.p->nr, sizeof(*s.p->fmts), by_id);
	return s.p;
}

void pk_printf__free(struct pk_printf *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nr; i++)
		free(p->fmts[i].text);
	free(p->fmts);
	free(p);
}

int pk__printf_configure(struct bpf_object *obj)
{
	__u64 cookie = 0;

	/* no cookie: the object never calls pk_printf() */
	if (pk_object_set_rodata(obj, "pk__printf_cookie", &cookie, sizeof(cookie)))
		return 0;
	while (!cookie) {
		if (getrandom(&cookie, sizeof(cookie), 0) != sizeof(cookie))
			cookie = DEFAULT_COOKIE ^ (__u64)(uintptr_t)obj;
	}
	return pk_object_set_rodata(obj, "pk__printf_cookie", &cookie, sizeof(cookie));
}

/* The output, as snprintf keeps it: cut to the buffer, counted in full. */
struct out {
	char *buf;
	size_t size, len;
};

static void out_raw(struct out *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len - 1;

		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void out_pad(struct out *o, size_t n)
{
	while (n--)
		out_raw(o, " ", 1);
}

static void out_text(struct out *o, const char *s, size_t n)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;

	o->len += pk_escape_text(room ? o->buf + o->len : NULL, room, s, n);
}

/* One conversion: "%-08.3llx" parsed. */
struct spec {
	char flags[6];
	int width, prec;
	/* argument size in bytes from the length modifier */
	int size;
	char conv;
};

static size_t parse_num(const char *s, int *v)
{
	size_t i = 0;

	*v = 0;
	while (s[i] >= '0' && s[i] <= '9') {
		if (*v <= MAX_WIDTH)
			*v = *v * 10 + (s[i] - '0');
		i++;
	}
	return i;
}

/* Parses the conversion after '%' at @s; its length, or 0 when it is not one. */
static size_t parse_spec(const char *s, struct spec *sp)
{
	size_t i = 0, nflags = 0;

	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	sp->size = 4;
	while (s[i] && strchr("-0+ #", s[i])) {
		if (!memchr(sp->flags, s[i], nflags) && nflags < sizeof(sp->flags) - 1)
			sp->flags[nflags++] = s[i];
		i++;
	}
	i += parse_num(s + i, &sp->width);
	if (s[i] == '.') {
		i++;
		i += parse_num(s + i, &sp->prec);
	}
	if (sp->width > MAX_WIDTH || sp->prec > MAX_WIDTH)
		return 0;
	if (s[i] == 'h') {
		sp->size = s[i + 1] == 'h' ? 1 : 2;
		i += sp->size == 1 ? 2 : 1;
	} else if (s[i] == 'l') {
		sp->size = 8;
		i += s[i + 1] == 'l' ? 2 : 1;
	} else if (s[i] && strchr("zjt", s[i])) {
		sp->size = 8;
		i++;
	}
	if (!s[i] || !strchr("diuxXocps%", s[i]))
		return 0;
	sp->conv = s[i];
	return i + 1;
}

static void put_padded(struct out *o, const struct spec *sp, const char *s, size_t n, bool escape)
{
	size_t shown = escape ? pk_escape_text(NULL, 0, s, n) : n;
	bool left = strchr(sp->flags, '-') != NULL;
	size_t pad = (size_t)sp->width > shown ? sp->width - shown : 0;

	if (!left)
		out_pad(o, pad);
	if (escape)
		out_text(o, s, n);
	else
		out_raw(o, s, n);
	if (left)
		out_pad(o, pad);
}

static void put_int(struct out *o, const struct spec *sp, __u64 v)
{
	char fmt[32], tmp[160];
	bool is_signed = sp->conv == 'd' || sp->conv == 'i';
	unsigned int shift = 64 - 8 * sp->size;
	int n;

	if (sp->conv == 'p') {
		n = snprintf(tmp, sizeof(tmp), "0x%llx", (unsigned long long)v);
		put_padded(o, sp, tmp, n, false);
		return;
	}
	if (sp->conv == 'c') {
		tmp[0] = (char)v;
		put_padded(o, sp, tmp, 1, true);
		return;
	}
	/* the argument's own width, then its sign */
	v = shift ? v << shift >> shift : v;
	/* made only of what parse_spec() accepted: flags, numbers up to 64 */
	n = snprintf(fmt, sizeof(fmt), "%%%s", sp->flags);
	if (sp->width)
		n += snprintf(fmt + n, sizeof(fmt) - n, "%d", sp->width);
	if (sp->prec >= 0)
		n += snprintf(fmt + n, sizeof(fmt) - n, ".%d", sp->prec);
	snprintf(fmt + n, sizeof(fmt) - n, "ll%c", is_signed ? 'd' : sp->conv);
	if (is_signed)
		n = snprintf(tmp, sizeof(tmp), fmt,
			     shift ? (long long)(v << shift) >> shift : (long long)v);
	else
		n = snprintf(tmp, sizeof(tmp), fmt, (unsigned long long)v);
	out_raw(o, tmp, n > 0 ? (size_t)n : 0);
}

struct record {
	__u16 kinds;
	unsigned int nargs, nstr, slot;
	const __u64 *args;
	const char *strings;
	/* each argument's string slot, or -1 */
	int str_of[MAX_ARGS];
};

static int parse_record(const struct pk_printf *p, const void *data, size_t size, struct record *r,
			const struct fmt **f)
{
	const unsigned char *d = data;
	__u64 cookie, need;
	__u32 id;
	unsigned int i, k, strs = 0;
	struct fmt key;

	if (size < HDR)
		return -ENOMSG;
	memcpy(&cookie, d, 8);
	if (cookie != p->cookie)
		return -ENOMSG;
	memcpy(&id, d + 8, 4);
	memcpy(&r->kinds, d + 12, 2);
	r->nargs = d[14];
	r->nstr = d[15];
	r->slot = d[16] | d[17] << 8;
	if (r->nargs > MAX_ARGS || r->nstr > r->nargs ||
	    (r->nstr && (!r->slot || r->slot > MAX_SLOT)))
		return -EINVAL;
	for (i = 0; i < MAX_ARGS; i++) {
		k = r->kinds >> (2 * i) & 3;
		if (k == 3 || (i >= r->nargs && k))
			return -EINVAL;
		r->str_of[i] = k ? (int)strs++ : -1;
	}
	if (strs != r->nstr)
		return -EINVAL;
	/* the perf buffer pads a sample to 8 bytes */
	need = HDR + 8ULL * r->nargs + (__u64)r->slot * r->nstr;
	if (size < need || size >= need + 8)
		return -EINVAL;
	r->args = (const __u64 *)(d + HDR);
	r->strings = (const char *)(d + HDR + 8 * r->nargs);
	key.id = id;
	*f = bsearch(&key, p->fmts, p->nr, sizeof(key), by_id);
	return *f ? 0 : -EINVAL;
}

static void put_string(struct out *o, const struct spec *sp, const struct record *r, unsigned int a)
{
	const char *s;
	size_t n;

	if (r->str_of[a] < 0) {
		put_padded(o, sp, "(not a string)", 14, false);
		return;
	}
	s = r->strings + (size_t)r->str_of[a] * r->slot;
	n = strnlen(s, r->slot);
	if (sp->prec >= 0 && (size_t)sp->prec < n)
		n = sp->prec;
	put_padded(o, sp, s, n, true);
}

int pk_printf__format(struct pk_printf *p, const void *data, size_t size, char *buf, size_t bufsz)
{
	struct out o = {buf, bufsz, 0};
	const struct fmt *f;
	struct record r;
	struct spec sp;
	const char *s, *end, *pct;
	unsigned int a = 0;
	__u64 v;
	size_t n;
	int err;

	if (!p || !data)
		return -EINVAL;
	err = parse_record(p, data, size, &r, &f);
	if (err)
		return err;
	s = f->text;
	end = s + strlen(s);
	if (end > s && end[-1] == '\n')
		end--;
	while (s < end) {
		pct = memchr(s, '%', end - s);
		if (!pct) {
			out_text(&o, s, end - s);
			break;
		}
		out_text(&o, s, pct - s);
		n = pct + 1 < end ? parse_spec(pct + 1, &sp) : 0;
		if (!n || pct + 1 + n > end) {
			/* not a conversion: shown as written */
			out_text(&o, "%", 1);
			s = pct + 1;
			continue;
		}
		s = pct + 1 + n;
		if (sp.conv == '%') {
			out_raw(&o, "%", 1);
			continue;
		}
		if (a >= r.nargs) {
			put_padded(&o, &sp, "(missing)", 9, false);
			continue;
		}
		if (sp.conv == 's') {
			put_string(&o, &sp, &r, a++);
			continue;
		}
		memcpy(&v, &r.args[a++], sizeof(v));
		put_int(&o, &sp, v);
	}
	if (bufsz)
		buf[o.len < bufsz ? o.len : bufsz - 1] = '\0';
	return o.len > INT_MAX ? INT_MAX : (int)o.len;
}
