// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Declared column formats: a member's pk_*_t typedefs and "pk_fmt:..."
 * decl tags read from BTF, and the text of each format (addresses,
 * errnos, syscall and signal names, flags, durations, bytes, dev_t,
 * symbols, wall-clock times). The rules are in eventtable.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>

#include <probekit/ksyms.h>
#include <probekit/syscalls.h>
#include <probekit/usyms.h>

#include "colformat.h"
#include "print.h"

#define ERRNO_MAX 4095
#define MAX_CHAIN 32

struct name_kind {
	const char *name;
	enum pk_col_kind kind;
};

static const struct name_kind formats[] = {
    {"ipv4", PK_COL_IPV4},
    {"ipv6", PK_COL_IPV6},
    {"inet", PK_COL_INET},
    {"errno", PK_COL_ERRNO},
    {"syscall", PK_COL_SYSCALL},
    {"signal", PK_COL_SIGNAL},
    {"open_flags", PK_COL_OPEN_FLAGS},
    {"flags", PK_COL_FLAGS},
    {"hex", PK_COL_HEX},
    {"bytes", PK_COL_BYTES},
    {"dev", PK_COL_DEV},
    {"ksym", PK_COL_KSYM},
    {"usym", PK_COL_USYM},
    {"clock", PK_COL_CLOCK},
    {"wstatus", PK_COL_WSTATUS},
    {"target", PK_COL_TARGET},
    {"duration", PK_COL_DURATION},
    {NULL, 0},
};

/* the typedefs of bpf/probekit.bpf.h */
static const struct name_kind typedefs[] = {
    {"pk_ipv4_t", PK_COL_IPV4},
    {"pk_ipv6_t", PK_COL_IPV6},
    {"pk_errno_t", PK_COL_ERRNO},
    {"pk_syscall_t", PK_COL_SYSCALL},
    {"pk_signal_t", PK_COL_SIGNAL},
    {"pk_open_flags_t", PK_COL_OPEN_FLAGS},
    {"pk_hex_t", PK_COL_HEX},
    {"pk_hex64_t", PK_COL_HEX},
    {"pk_bytes_t", PK_COL_BYTES},
    {"pk_dev_t", PK_COL_DEV},
    {"pk_ksym_t", PK_COL_KSYM},
    {"pk_usym_t", PK_COL_USYM},
    {"pk_wstatus_t", PK_COL_WSTATUS},
    {"pk_target_t", PK_COL_TARGET},
    {NULL, 0},
};

/* PK_TARGET_EACH: the name of each target, by its cookie (pk__col_target_names()) */
static const char *const *target_names;
static int nr_target_names;

void pk__col_target_names(const char *const *names, int n)
{
	target_names = names;
	nr_target_names = n;
}

const char *pk__col_target_name(__u64 i)
{
	return i < (__u64)nr_target_names ? target_names[i] : NULL;
}

static const char *const unit_names[] = {"ns", "us", "ms", "s"};

const char *pk__col_unit_name(enum pk_col_unit u)
{
	return u <= PK_UNIT_S ? unit_names[u] : "?";
}

static int unit_by_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strlen(unit_names[i]) == n && !strncmp(s, unit_names[i], n))
			return i;
	}
	return -1;
}

bool pk__col_is_int_format(enum pk_col_kind kind)
{
	switch (kind) {
	case PK_COL_IPV4:
	case PK_COL_SYSCALL:
	case PK_COL_SIGNAL:
	case PK_COL_OPEN_FLAGS:
	case PK_COL_FLAGS:
	case PK_COL_HEX:
	case PK_COL_DURATION:
	case PK_COL_BYTES:
	case PK_COL_DEV:
	case PK_COL_KSYM:
	case PK_COL_USYM:
	case PK_COL_CLOCK:
	case PK_COL_TARGET:
	case PK_COL_WSTATUS: return true;
	default: return false;
	}
}

/* "duration:ns:ms" */
static int parse_duration(const char *arg, struct pk__col_decl *d)
{
	const char *colon = arg ? strchr(arg, ':') : NULL;
	int in, out;

	if (!colon)
		return -EBADMSG;
	in = unit_by_name(arg, colon - arg);
	out = unit_by_name(colon + 1, strlen(colon + 1));
	if (in < 0 || out < 0)
		return -EBADMSG;
	d->unit_stored = in;
	d->unit_shown = out;
	return 0;
}

static int parse_format(const struct btf *btf, const char *s, struct pk__col_decl *d)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	const struct name_kind *f;
	int id;

	for (f = formats; f->name; f++) {
		if (strlen(f->name) == n && !strncmp(s, f->name, n))
			break;
	}
	if (!f->name)
		return -EBADMSG;
	d->kind = f->kind;
	d->declared = true;
	if (f->kind == PK_COL_DURATION)
		return parse_duration(colon ? colon + 1 : NULL, d);
	/* "clock", "clock:ms", "clock:utc", "clock:ms:utc" */
	if (f->kind == PK_COL_CLOCK) {
		d->unit_shown = PK_UNIT_S;
		while (colon) {
			s = colon + 1;
			colon = strchr(s, ':');
			n = colon ? (size_t)(colon - s) : strlen(s);
			if (n == 2 && !strncmp(s, "ms", 2))
				d->unit_shown = PK_UNIT_MS;
			else if (n == 3 && !strncmp(s, "utc", 3))
				d->utc = true;
			else
				return -EBADMSG;
		}
		return 0;
	}
	/* "hex:bare": bcc's "%x", no 0x (tcpstates' SKADDR) */
	if (f->kind == PK_COL_HEX && colon) {
		d->bare = !strcmp(colon + 1, "bare");
		return d->bare ? 0 : -EBADMSG;
	}
	if (f->kind == PK_COL_FLAGS && colon) {
		id = btf__find_by_name_kind(btf, colon + 1, BTF_KIND_ENUM);
		if (id <= 0)
			id = btf__find_by_name_kind(btf, colon + 1, BTF_KIND_ENUM64);
		if (id <= 0)
			return -EBADMSG;
		d->flags_type_id = id;
		return 0;
	}
	return colon ? -EBADMSG : 0;
}

/* A width (-255 to 255) or a precision (0 to 255; -1 for none where @none) ending at @stop. */
static int layout_number(const char **s, char stop, bool width, bool none, int *out, char *why,
			 size_t why_size)
{
	const char *arg = *s;
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end != stop || v < (width ? -255 : none ? -1 : 0) || v > 255) {
		pk__why(why, why_size, "bad column %s \"%s\" (%s)", width ? "width" : "precision",
			arg, width ? "-255 to 255" : "0 to 255");
		return -EBADMSG;
	}
	*out = (int)v;
	*s = end + (stop != 0);
	return 0;
}

/*
 * "pk_width:-16" (printf's %-16s), "pk_precision:2" (%.2f, %.12s) and
 * "pk_width_when:VAR:-26:-1" (another width and precision while VAR is set)
 */
static int parse_layout(const char *s, struct pk__col_decl *d, char *why, size_t why_size)
{
	const char *arg = strchr(s, ':') + 1, *colon;

	if (!strncmp(s, "pk_width_when:", 14)) {
		colon = strchr(arg, ':');
		if (!colon || colon == arg) {
			pk__why(why, why_size, "bad tag \"%s\" (pk_width_when:VAR:WIDTH:PRECISION)",
				s);
			return -EBADMSG;
		}
		d->width_when = arg;
		arg = colon + 1;
		if (layout_number(&arg, ':', true, false, &d->when_width, why, why_size))
			return -EBADMSG;
		return layout_number(&arg, 0, false, true, &d->when_precision, why, why_size);
	}
	if (s[3] == 'w') {
		d->has_width = true;
		return layout_number(&arg, 0, true, false, &d->width, why, why_size);
	}
	return layout_number(&arg, 0, false, false, &d->precision, why, why_size);
}

static int parse_tag(const struct btf *btf, const char *s, struct pk__col_decl *d, char *why,
		     size_t why_size)
{
	static const struct {
		const char *prefix;
		size_t off;
	} strs[] = {
	    {"pk_header:", offsetof(struct pk__col_decl, header)},
	    {"pk_when:", offsetof(struct pk__col_decl, when)},
	    {"pk_unless:", offsetof(struct pk__col_decl, unless)},
	    {"pk_family:", offsetof(struct pk__col_decl, family)},
	    {"pk_port:", offsetof(struct pk__col_decl, port)},
	    {"pk_port_be:", offsetof(struct pk__col_decl, port)},
	};
	size_t i, n;

	if (!s)
		return 0;
	if (!strncmp(s, "pk_width:", 9) || !strncmp(s, "pk_precision:", 13) ||
	    !strncmp(s, "pk_width_when:", 14))
		return parse_layout(s, d, why, why_size);
	if (!strncmp(s, "pk_fmt:", 7)) {
		if (parse_format(btf, s + 7, d)) {
			pk__why(why, why_size,
				"unknown column format \"%s\" (ipv4, ipv6, inet, errno, syscall, "
				"signal, open_flags, flags[:ENUM], hex[:bare], bytes, dev, ksym, usym, "
				"clock[:ms][:utc], wstatus, duration:IN:OUT with ns us ms s)",
				s);
			return -EBADMSG;
		}
		return 0;
	}
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		n = strlen(strs[i].prefix);
		if (strncmp(s, strs[i].prefix, n))
			continue;
		if (!s[n]) {
			pk__why(why, why_size, "empty tag \"%s\"", s);
			return -EBADMSG;
		}
		*(const char **)((char *)d + strs[i].off) = s + n;
		if (!strcmp(strs[i].prefix, "pk_port_be:"))
			d->port_be = true;
		return 0;
	}
	return 0;
}

struct tag_ctx {
	const struct btf *btf;
	struct pk__col_decl *d;
	char *why;
	size_t why_size;
};

static int tag_fn(const char *tag, void *arg)
{
	struct tag_ctx *c = arg;

	return parse_tag(c->btf, tag, c->d, c->why, c->why_size);
}

/* The tags on type @id's component @idx (-1: the type itself). */
static int read_tags(const struct btf *btf, __u32 id, int idx, struct pk__col_decl *d, char *why,
		     size_t why_size)
{
	struct tag_ctx c = {btf, d, why, why_size};

	return pk__type_tags(btf, id, idx, tag_fn, &c);
}

/* The typedefs on the way from @id to its type, outermost first: the first declaration wins. */
static int read_chain(const struct btf *btf, __u32 id, struct pk__col_decl *d, char *why,
		      size_t why_size)
{
	const struct name_kind *f;
	int i, err;

	for (i = 0; i < MAX_CHAIN && id; i++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name;

		if (!t)
			return 0;
		if (btf_is_typedef(t)) {
			name = btf__name_by_offset(btf, t->name_off);
			if (name && !strcmp(name, "pk_event_kind_t"))
				d->is_kind = true;
			for (f = typedefs; name && !d->declared && f->name; f++) {
				if (!strcmp(name, f->name)) {
					d->kind = f->kind;
					d->declared = true;
				}
			}
			if (!d->declared) {
				err = read_tags(btf, id, -1, d, why, why_size);
				if (err)
					return err;
			}
		} else if (!btf_is_mod(t) && !btf_is_type_tag(t)) {
			return 0;
		}
		id = t->type;
	}
	return 0;
}

int pk__col_decl(const struct btf *btf, __u32 sid, int idx, __u32 type_id, struct pk__col_decl *d,
		 char *why, size_t why_size)
{
	struct pk__col_decl member = {.kind = PK_COL_VALUE, .precision = -1};
	int err;

	memset(d, 0, sizeof(*d));
	d->kind = PK_COL_VALUE;
	d->precision = -1;
	err = read_chain(btf, type_id, d, why, why_size);
	if (!err && sid && idx >= 0)
		err = read_tags(btf, sid, idx, &member, why, why_size);
	if (err)
		return err;
	/* the member's own tags win over its typedefs' */
	if (member.declared) {
		d->kind = member.kind;
		d->declared = true;
		d->unit_stored = member.unit_stored;
		d->unit_shown = member.unit_shown;
		d->flags_type_id = member.flags_type_id;
		d->utc = member.utc;
		d->bare = member.bare;
	}
	if (member.has_width) {
		d->has_width = true;
		d->width = member.width;
	}
	if (member.precision >= 0)
		d->precision = member.precision;
	if (member.width_when) {
		d->width_when = member.width_when;
		d->when_width = member.when_width;
		d->when_precision = member.when_precision;
	}
	if (member.header)
		d->header = member.header;
	if (member.when)
		d->when = member.when;
	if (member.unless)
		d->unless = member.unless;
	if (member.family)
		d->family = member.family;
	if (member.port) {
		d->port = member.port;
		d->port_be = member.port_be;
	}
	return 0;
}

static bool holds_int(const struct pk_event_column *c)
{
	return (c->kind == PK_COL_INT || c->kind == PK_COL_UINT || c->kind == PK_COL_ENUM ||
		c->kind == PK_COL_BOOL) &&
	       c->bit_size && c->bit_size <= 64;
}

static const char *kind_name(enum pk_col_kind k)
{
	const struct name_kind *f;

	for (f = formats; f->name; f++) {
		if (f->kind == k)
			return f->name;
	}
	return "?";
}

static int no_fit(const struct pk_event_column *c, const char *need, char *why, size_t why_size)
{
	pk__why(why, why_size, "%s: format %s needs %s", c->path, kind_name(c->kind), need);
	return -EBADMSG;
}

int pk__col_apply(const struct btf *btf, const struct pk__col_decl *d, struct pk_event_column *c,
		  char *why, size_t why_size)
{
	bool is_int = holds_int(c);
	__u32 bytes = c->bit_size / 8;
	__u32 id = c->type_id;
	const struct btf_type *t;

	if (!d->declared)
		return 0;
	if (d->kind == PK_COL_ERRNO) {
		if (!is_int)
			return no_fit(c, "an integer", why, why_size);
		/* a kernel return: -2 is ENOENT, 3 is a descriptor */
		c->kind = PK_COL_ERRNO;
		c->is_signed = true;
		c->width = -10;
		return 0;
	}
	if (d->kind == PK_COL_IPV6 || d->kind == PK_COL_INET) {
		c->kind = d->kind;
		if (c->bit_offset % 8 || (bytes != 16 && !(d->kind == PK_COL_INET && bytes == 4)))
			return no_fit(c, "16 bytes (a union of a __u32 and a __u8[16])", why,
				      why_size);
		c->width = -25;
		return 0;
	}
	c->kind = d->kind;
	if (!is_int)
		return no_fit(c, "an integer", why, why_size);
	switch (d->kind) {
	case PK_COL_IPV4:
		if (c->bit_size != 32 || c->bit_offset % 8)
			return no_fit(c, "a 4-byte integer", why, why_size);
		c->width = d->port ? -21 : -15;
		break;
	case PK_COL_SYSCALL: c->width = -16; break;
	case PK_COL_TARGET: c->width = -36; break;
	case PK_COL_SIGNAL: c->width = -9; break;
	case PK_COL_OPEN_FLAGS: c->width = -24; break;
	case PK_COL_FLAGS:
		c->flags_type_id = d->flags_type_id;
		if (!c->flags_type_id) {
			t = pk__btf_resolve(btf, &id);
			if (!t || !(btf_is_enum(t) || btf_is_enum64(t)))
				return no_fit(c, "an enum type, or flags:ENUM", why, why_size);
			c->flags_type_id = id;
		}
		c->width = -24;
		break;
	case PK_COL_HEX:
		c->bare = d->bare;
		c->width = (d->bare ? 0 : 2) + (c->bit_size + 3) / 4;
		break;
	case PK_COL_DURATION:
		c->unit_stored = d->unit_stored;
		c->unit_shown = d->unit_shown;
		c->width = 10;
		break;
	case PK_COL_BYTES: c->width = 7; break;
	case PK_COL_DEV: c->width = -9; break;
	case PK_COL_KSYM:
	case PK_COL_USYM: c->width = -24; break;
	case PK_COL_CLOCK:
		c->unit_shown = d->unit_shown;
		c->utc = d->utc;
		c->width = d->unit_shown == PK_UNIT_MS ? -12 : -8;
		break;
	case PK_COL_WSTATUS: c->width = -10; break;
	default: break;
	}
	return 0;
}

/* Text ------------------------------------------------------------------------ */

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	size_t room = o->size - o->len;

	if (!o->size)
		return;
	if (n >= room)
		n = room - 1;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_u(struct out *o, __u64 v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	put(o, p, tmp + sizeof(tmp) - p);
}

static void put_i(struct out *o, __s64 v)
{
	if (v < 0) {
		put(o, "-", 1);
		put_u(o, -(__u64)v);
	} else {
		put_u(o, v);
	}
}

static void put_hex(struct out *o, __u64 v, bool bare)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[18], *p = tmp + sizeof(tmp);

	do {
		*--p = hex[v & 15];
		v >>= 4;
	} while (v);
	if (!bare) {
		*--p = 'x';
		*--p = '0';
	}
	put(o, p, tmp + sizeof(tmp) - p);
}

static __u64 field(const unsigned char *d, size_t size, __u32 bit_offset, __u32 bit_size, bool *ok)
{
	size_t byte = bit_offset / 8, n = bit_size / 8;
	__u64 v = 0;

	*ok = bit_size && bit_size <= 64 && !(bit_offset % 8) && !(bit_size % 8) && byte <= size &&
	      n <= size - byte;
	if (*ok)
		memcpy(&v, d + byte, n); /* little-endian hosts, as eventtable.c */
	return v;
}

static void put_port(struct out *o, const struct pk_event_column *c, const unsigned char *d,
		     size_t size)
{
	bool ok;
	__u64 port = field(d, size, c->port_bit_offset, c->port_bit_size, &ok);

	if (!c->port_bit_size)
		return;
	if (c->port_be)
		port = ((port & 0xff) << 8) | ((port >> 8) & 0xff);
	put(o, ":", 1);
	if (ok)
		put_u(o, port);
	else
		put(o, "-", 1);
}

static void put_ipv4(struct out *o, __u32 addr)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			put(o, ".", 1);
		put_u(o, (addr >> (8 * i)) & 0xff);
	}
}

static void put_addr(struct out *o, const struct pk_event_column *c, const unsigned char *d,
		     size_t size, __u64 x)
{
	size_t byte = c->bit_offset / 8;
	char text[INET6_ADDRSTRLEN];
	int family = c->kind == PK_COL_IPV6 ? AF_INET6 : AF_INET;
	bool ok = true, v6;
	__u64 f;

	if (c->kind == PK_COL_INET) {
		f = field(d, size, c->family_bit_offset, c->family_bit_size, &ok);
		if (!ok || (f != AF_INET && f != AF_INET6)) {
			puts_(o, "family ");
			put_u(o, ok ? f : 0);
			return;
		}
		family = f;
	}
	v6 = family == AF_INET6;
	if (c->kind != PK_COL_IPV4 && byte + (v6 ? 16 : 4) > size) {
		put(o, "-", 1);
		return;
	}
	if (!v6) {
		if (c->kind != PK_COL_IPV4)
			memcpy(&x, d + byte, 4);
		put_ipv4(o, (__u32)x);
	} else {
		inet_ntop(AF_INET6, d + byte, text, sizeof(text));
		if (c->port_bit_size)
			put(o, "[", 1);
		puts_(o, text);
		if (c->port_bit_size)
			put(o, "]", 1);
	}
	put_port(o, c, d, size);
}

size_t pk__col_addr(const struct pk_event_column *c, const unsigned char *d, size_t size, char *buf,
		    size_t buf_size)
{
	size_t byte = c->bit_offset / 8;
	int family = c->kind == PK_COL_IPV6 ? AF_INET6 : AF_INET;
	bool ok = true;
	__u64 f;

	if (c->kind == PK_COL_INET) {
		f = field(d, size, c->family_bit_offset, c->family_bit_size, &ok);
		if (!ok || (f != AF_INET && f != AF_INET6))
			return 0;
		family = f;
	}
	if (c->bit_offset % 8 || byte + (family == AF_INET6 ? 16 : 4) > size ||
	    !inet_ntop(family, d + byte, buf, buf_size))
		return 0;
	return strlen(buf);
}

static void put_signal(struct out *o, __s64 v)
{
	const char *name = v > 0 && v < 65 ? sigabbrev_np((int)v) : NULL;

	if (!name) {
		put_i(o, v);
		return;
	}
	puts_(o, "SIG");
	puts_(o, name);
}

/* A wait status as bcc's exitsnoop prints it (its bit layout is wait(2)'s). */
static void put_wstatus(struct out *o, __u64 v)
{
	unsigned int sig = v & 0x7f;
	const char *name = sig ? sigabbrev_np((int)sig) : NULL;

	if (!sig) {
		if ((v >> 8) & 0xff)
			puts_(o, "code ");
		put_u(o, (v >> 8) & 0xff);
		return;
	}
	puts_(o, "signal ");
	put_u(o, sig);
	puts_(o, " (");
	puts_(o, name ? name : "?");
	puts_(o, ")");
	if (v & 0x80)
		puts_(o, ", core dumped");
}

/* The kernel's O_* bits (asm-generic; x86-64 uses these; arm64 moves four). */
static const struct {
	__u32 bit;
	const char *name;
} open_bits[] = {
    {0100, "O_CREAT"},	     {0200, "O_EXCL"},
    {0400, "O_NOCTTY"},	     {01000, "O_TRUNC"},
    {02000, "O_APPEND"},     {04000, "O_NONBLOCK"},
    {04010000, "O_SYNC"},    {010000, "O_DSYNC"},
    {020000, "FASYNC"},
#if defined(__aarch64__)
    {0200000, "O_DIRECT"},   {0400000, "O_LARGEFILE"},
    {040000, "O_DIRECTORY"}, {0100000, "O_NOFOLLOW"},
#else
    {040000, "O_DIRECT"},     {0100000, "O_LARGEFILE"},
    {0200000, "O_DIRECTORY"}, {0400000, "O_NOFOLLOW"},
#endif
    {01000000, "O_NOATIME"}, {02000000, "O_CLOEXEC"},
    {010000000, "O_PATH"},   {020000000 | 0200000, "O_TMPFILE"},
};

static void put_bit_name(struct out *o, bool *first, const char *name)
{
	if (!*first)
		put(o, "|", 1);
	*first = false;
	puts_(o, name);
}

static void put_open_flags(struct out *o, __u64 v)
{
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
	bool first = true;
	size_t i;

	put_bit_name(o, &first, acc[v & 3]);
	v &= ~3ULL;
	for (i = 0; i < sizeof(open_bits) / sizeof(open_bits[0]); i++) {
		if ((v & open_bits[i].bit) == open_bits[i].bit) {
			put_bit_name(o, &first, open_bits[i].name);
			v &= ~(__u64)open_bits[i].bit;
		}
	}
	if (v) {
		put(o, "|", 1);
		put_hex(o, v, false);
	}
}

static void put_enum_flags(struct out *o, const struct btf *btf, __u32 id, __u64 v)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	bool first = true;
	const char *zero = NULL;
	int i;

	for (i = 0; t && i < btf_vlen(t); i++) {
		__u32 off = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
		__u64 ev = btf_is_enum(t) ? (__u32)btf_enum(t)[i].val
					  : btf_enum64_value(btf_enum64(t) + i);
		const char *name = btf__name_by_offset(btf, off);

		if (!name || !*name)
			continue;
		if (!ev) {
			zero = name;
		} else if ((v & ev) == ev) {
			put_bit_name(o, &first, name);
			v &= ~ev;
		}
	}
	if (v || first) {
		if (!v && zero) {
			puts_(o, zero);
			return;
		}
		if (!first)
			put(o, "|", 1);
		put_hex(o, v, false);
	}
}

static const __u64 pow1000[] = {1, 1000, 1000000, 1000000000};

double pk__col_duration_value(const struct pk_event_column *c, __s64 sv, __u64 x)
{
	double v = c->is_signed ? (double)sv : (double)x;

	if (c->unit_shown >= c->unit_stored)
		return v / (double)pow1000[c->unit_shown - c->unit_stored];
	return v * (double)pow1000[c->unit_stored - c->unit_shown];
}

/* "12.345" (three decimals) when shown in a larger unit, else an integer */
static void put_duration(struct out *o, const struct pk_event_column *c, __s64 sv, __u64 x)
{
	bool neg = c->is_signed && sv < 0;
	__u64 v = c->is_signed ? (neg ? -(__u64)sv : (__u64)sv) : x, div, frac;
	char digits[4];

	if (neg)
		put(o, "-", 1);
	if (c->unit_shown <= c->unit_stored) {
		put_u(o, v * pow1000[c->unit_stored - c->unit_shown]);
		return;
	}
	div = pow1000[c->unit_shown - c->unit_stored];
	put_u(o, v / div);
	frac = (v % div) / (div / 1000);
	digits[0] = '.';
	digits[1] = '0' + frac / 100;
	digits[2] = '0' + frac / 10 % 10;
	digits[3] = '0' + frac % 10;
	put(o, digits, 4);
}

/* 1024-based: "512", "4.0K", "1.5M" */
static void put_bytes(struct out *o, __u64 v)
{
	static const char units[] = "KMGTPE";
	__u64 scaled = v, rest = 0;
	char tail[3];
	int u = -1;

	while (scaled >= 1024 && u < 5) {
		rest = scaled % 1024;
		scaled /= 1024;
		u++;
	}
	put_u(o, scaled);
	if (u < 0)
		return;
	tail[0] = '.';
	tail[1] = '0' + (rest * 10) / 1024;
	tail[2] = units[u];
	put(o, tail, 3);
}

static void put_clock(struct out *o, const struct pk__col_env *env, const struct pk_event_column *c,
		      __u64 ts)
{
	/* unsigned: a record's bytes may hold any value */
	__s64 wall = (__s64)(ts + (__u64)env->wall_offset);
	time_t secs = (time_t)(wall / 1000000000LL);
	int ms = (int)(wall % 1000000000LL / 1000000);
	struct tm tm, *ok;
	char buf[16];

	ok = c->utc ? gmtime_r(&secs, &tm) : localtime_r(&secs, &tm);
	if (!ok || wall < 0 || !strftime(buf, sizeof(buf), "%H:%M:%S", &tm)) {
		put_u(o, ts);
		return;
	}
	puts_(o, buf);
	if (c->unit_shown != PK_UNIT_MS)
		return;
	/* bcc's "%H:%M:%S.%f"[:-3] (exitsnoop -t) */
	buf[0] = '.';
	buf[1] = '0' + ms / 100;
	buf[2] = '0' + ms / 10 % 10;
	buf[3] = '0' + ms % 10;
	put(o, buf, 4);
}

size_t pk__col_format(const struct pk__col_env *env, const struct pk_event_column *c,
		      const unsigned char *d, size_t size, __u64 x, char *buf, size_t buf_size)
{
	struct out o = {buf, buf_size, 0};
	__s64 sv = c->is_signed ? pk__sign_extend(x, c->bit_size) : (__s64)x;
	const char *name;
	char sym[256];

	if (buf_size)
		buf[0] = '\0';
	switch (c->kind) {
	case PK_COL_IPV4:
	case PK_COL_IPV6:
	case PK_COL_INET: put_addr(&o, c, d, size, x); break;
	case PK_COL_SYSCALL:
		name = pk_syscall_name(sv);
		if (name)
			puts_(&o, name);
		else
			put_i(&o, sv);
		break;
	case PK_COL_SIGNAL: put_signal(&o, sv); break;
	case PK_COL_TARGET:
		if (x < (__u64)nr_target_names)
			puts_(&o, target_names[x]);
		else
			put_u(&o, x);
		break;
	case PK_COL_OPEN_FLAGS: put_open_flags(&o, x); break;
	case PK_COL_FLAGS: put_enum_flags(&o, env->btf, c->flags_type_id, x); break;
	case PK_COL_HEX: put_hex(&o, x, c->bare); break;
	case PK_COL_DURATION: put_duration(&o, c, sv, x); break;
	case PK_COL_BYTES: put_bytes(&o, x); break;
	case PK_COL_DEV:
		put_u(&o, x >> 20);
		put(&o, ":", 1);
		put_u(&o, x & 0xfffff);
		break;
	case PK_COL_KSYM: puts_(&o, pk_ksym(x, false, sym, sizeof(sym))); break;
	case PK_COL_USYM:
		if (env->usyms && env->pid > 0)
			puts_(&o, pk_usyms__sym(env->usyms, env->pid, x, 0, sym, sizeof(sym)));
		else
			put_hex(&o, x, false);
		break;
	case PK_COL_CLOCK: put_clock(&o, env, c, x); break;
	case PK_COL_WSTATUS: put_wstatus(&o, x); break;
	default: break;
	}
	return o.len;
}
