// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Probe specifications ("t:cat:event", "p:lib:sym"...), parsed once for every tool. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <probekit/probespec.h>

static const char *const kind_names[] = {
	[PK_PROBE_KFUNC] = "kernel function", [PK_PROBE_KPROBE] = "kprobe",
	[PK_PROBE_KRETPROBE] = "kretprobe",   [PK_PROBE_FENTRY] = "fentry",
	[PK_PROBE_FEXIT] = "fexit",	      [PK_PROBE_TRACEPOINT] = "tracepoint",
	[PK_PROBE_RAW_TP] = "raw_tp",	      [PK_PROBE_UPROBE] = "uprobe",
	[PK_PROBE_URETPROBE] = "uretprobe",   [PK_PROBE_USDT] = "usdt",
};

const char *pk_probe_kind_name(enum pk_probe_kind kind)
{
	return (unsigned int)kind < sizeof(kind_names) / sizeof(kind_names[0]) ?
		       kind_names[kind] :
		       "unknown";
}

/* How a prefix reads: kernel-only, kernel or user by part count, or two parts. */
enum shape {
	KERNEL,	   /* prefix:func */
	EITHER,	   /* prefix:func, or prefix:lib:sym for user space */
	TWO_PARTS, /* prefix:a:b */
	USER,	   /* prefix:lib:sym */
};

struct prefix {
	const char *name;
	enum pk_probe_kind kind;
	enum shape shape;
	enum pk_probe_kind user_kind;
};

static const struct prefix prefixes[] = {
	{ "p", PK_PROBE_KPROBE, EITHER, PK_PROBE_UPROBE },
	{ "r", PK_PROBE_KRETPROBE, EITHER, PK_PROBE_URETPROBE },
	{ "k", PK_PROBE_KPROBE, KERNEL },
	{ "kprobe", PK_PROBE_KPROBE, KERNEL },
	{ "kr", PK_PROBE_KRETPROBE, KERNEL },
	{ "kretprobe", PK_PROBE_KRETPROBE, KERNEL },
	{ "f", PK_PROBE_FENTRY, KERNEL },
	{ "fentry", PK_PROBE_FENTRY, KERNEL },
	{ "kfunc", PK_PROBE_FENTRY, KERNEL },
	{ "fr", PK_PROBE_FEXIT, KERNEL },
	{ "fexit", PK_PROBE_FEXIT, KERNEL },
	{ "kretfunc", PK_PROBE_FEXIT, KERNEL },
	{ "t", PK_PROBE_TRACEPOINT, TWO_PARTS },
	{ "tp", PK_PROBE_TRACEPOINT, TWO_PARTS },
	{ "tracepoint", PK_PROBE_TRACEPOINT, TWO_PARTS },
	{ "raw_tp", PK_PROBE_RAW_TP, KERNEL },
	{ "rawtracepoint", PK_PROBE_RAW_TP, KERNEL },
	{ "uprobe", PK_PROBE_UPROBE, USER },
	{ "uretprobe", PK_PROBE_URETPROBE, USER },
	{ "u", PK_PROBE_USDT, USER },
	{ "usdt", PK_PROBE_USDT, USER },
};

int pk_probe_spec_parse(const char *spec, struct pk_probe_spec *out)
{
	char *colon, *rest, *last;
	size_t i, len;

	if (!spec || !out || strlen(spec) >= sizeof(out->text))
		return -EINVAL;
	snprintf(out->text, sizeof(out->text), "%s", spec);
	out->target = "";
	colon = strchr(out->text, ':');
	if (!colon) {
		out->kind = PK_PROBE_KFUNC;
		out->name = out->text;
		return *out->name && !strchr(out->name, ' ') ? 0 : -EINVAL;
	}
	*colon = '\0';
	rest = colon + 1;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (!strcmp(out->text, prefixes[i].name))
			break;
	}
	if (i == sizeof(prefixes) / sizeof(prefixes[0]))
		return -EINVAL;
	/* the name is after the last colon: library paths have none */
	last = strrchr(rest, ':');
	switch (prefixes[i].shape) {
	case KERNEL:
		if (last)
			return -EINVAL;
		out->kind = prefixes[i].kind;
		out->name = rest;
		break;
	case EITHER:
		/* bcc's "p::func" is the kernel too */
		if (last && last == rest) {
			rest++;
			last = NULL;
		}
		out->kind = last ? prefixes[i].user_kind : prefixes[i].kind;
		if (!last) {
			out->name = rest;
			break;
		}
		/* fall through */
	case TWO_PARTS:
	case USER:
		if (!last || last == rest)
			return -EINVAL;
		*last = '\0';
		out->target = rest;
		out->name = last + 1;
		if (prefixes[i].shape != EITHER)
			out->kind = prefixes[i].kind;
		if (prefixes[i].shape == TWO_PARTS && strchr(rest, ':'))
			return -EINVAL;
		break;
	}
	len = strlen(out->name);
	return len && !strpbrk(out->name, " /") ? 0 : -EINVAL;
}
