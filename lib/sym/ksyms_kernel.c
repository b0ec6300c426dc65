// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel stack frames named by the kernel: bpf/ksyms_kernel.bpf.c formats
 * each address with bpf_snprintf("%pS"), kallsyms' own lookup, which
 * answers "name+0xoff/0xsize [module]", or "0x..." for no symbol. This
 * spares the 4 MB of a /proc/kallsyms table (lib/sym/ksyms.c), which stays
 * the fallback. The answers are cached in a small direct-mapped table:
 * a tool's stacks repeat, so most stacks need no run at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <probekit/ksyms.h>

#include "sym.h"
#include "ksyms_kernel.skel.h"

#define LEN sizeof(((struct ksyms_kernel_bpf__bss *)0)->names[0])
#define MAX (sizeof(((struct ksyms_kernel_bpf__bss *)0)->addrs) / sizeof(__u64))
/* a power of two; 128 kB, resident only where used */
#define SLOTS 512

_Static_assert(MAX >= PK_KFRAMES_MAX, "a whole stack per run");

struct slot {
	__u64 addr;
	/* the kernel's answer; "" for an empty slot */
	char s[LEN];
};

struct pk_kframes {
	struct ksyms_kernel_bpf *skel;
	struct slot *cache;
	char why[160];
	/* this call's answers, cut into name and module in place */
	char names[PK_KFRAMES_MAX][LEN];
};

static void set_why(struct pk_kframes *kf, const char *what, int err)
{
	snprintf(kf->why, sizeof(kf->why), "%s: %s", what, strerror(err < 0 ? -err : err));
}

static void kernel_close(struct pk_kframes *kf)
{
	ksyms_kernel_bpf__destroy(kf->skel);
	kf->skel = NULL;
	free(kf->cache);
	kf->cache = NULL;
}

/* Runs the program over bss addrs[0..nr). */
static int run(struct ksyms_kernel_bpf *skel, __u32 nr)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);

	skel->bss->nr = nr;
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.symbolize), &topts))
		return -errno;
	return topts.retval ? -EINVAL : 0;
}

/*
 * Loads the program and runs it once on address 0, which no symbol
 * holds: a kernel without syscall programs (before 5.14), without
 * bpf_snprintf() or "%pS" in them, or refusing BPF fails here.
 */
static int kernel_open(struct pk_kframes *kf)
{
	int err;

	kf->skel = ksyms_kernel_bpf__open_and_load();
	if (!kf->skel) {
		set_why(kf, "the kernel's symbol lookup cannot load", errno);
		return -errno;
	}
	if (!kf->skel->bss) {
		set_why(kf, "the kernel's symbol lookup has no mapped data", EOPNOTSUPP);
		kernel_close(kf);
		return -EOPNOTSUPP;
	}
	kf->skel->bss->addrs[0] = 0;
	err = run(kf->skel, 1);
	if (!err && strcmp(kf->skel->bss->names[0], "0x0"))
		err = -EPROTO;
	if (err) {
		set_why(kf, "the kernel's symbol lookup cannot run", err);
		kernel_close(kf);
		return err;
	}
	kf->cache = calloc(SLOTS, sizeof(*kf->cache));
	if (!kf->cache) {
		set_why(kf, "the kernel's symbol lookup", ENOMEM);
		kernel_close(kf);
		return -ENOMEM;
	}
	return 0;
}

struct pk_kframes *pk_kframes__new(const struct pk_kframes_opts *opts)
{
	struct pk_kframes *kf;

	if (!PK_OPTS_VALID(opts, pk_kframes_opts)) {
		errno = EINVAL;
		return NULL;
	}
	kf = calloc(1, sizeof(*kf));
	if (!kf)
		return NULL;
	if (PK_OPTS_GET(opts, table_only, false))
		snprintf(kf->why, sizeof(kf->why), "the table was asked for");
	else
		kernel_open(kf);
	if (!kf->skel && !pk_ksyms()) {
		/* the reason the kernel was not used, then the table's */
		size_t n = strlen(kf->why);

		snprintf(kf->why + n, sizeof(kf->why) - n, "%scannot read /proc/kallsyms: %s",
			 n ? "; " : "", strerror(errno));
	}
	return kf;
}

void pk_kframes__free(struct pk_kframes *kf)
{
	if (!kf)
		return;
	kernel_close(kf);
	free(kf);
}

bool pk_kframes__kernel(const struct pk_kframes *kf)
{
	return kf && kf->skel;
}

const char *pk_kframes__error(const struct pk_kframes *kf)
{
	return kf ? kf->why : "";
}

static bool all_hex(const char *p)
{
	if (!*p)
		return false;
	for (; *p; p++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	}
	return true;
}

/*
 * BPF programs and trampolines, which /proc/kallsyms lists as [bpf] and
 * "%pS" with no module: "bpf_prog_<16 hex>[_name]", "bpf_trampoline_<n>".
 */
static bool bpf_name(const char *s)
{
	size_t i;

	if (!strncmp(s, "bpf_prog_", 9)) {
		for (i = 9; i < 9 + 16; i++) {
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
				return false;
		}
		return s[i] == '_' || s[i] == '\0';
	}
	if (!strncmp(s, "bpf_trampoline_", 15) && s[15]) {
		for (i = 15; s[i]; i++) {
			if (s[i] < '0' || s[i] > '9')
				return false;
		}
		return true;
	}
	return false;
}

/* "name+0xoff/0xsize [module]" (cut anywhere) or "0x<addr>", split in place. */
void pk__kframe_parse(char *s, struct pk_kframe *f)
{
	char *plus, *end;
	size_t len = strlen(s);

	f->name = NULL;
	f->offset = 0;
	f->module = NULL;
	if (!strncmp(s, "0x", 2) && all_hex(s + 2))
		return; /* no symbol holds the address */
	if (len > 3 && s[len - 1] == ']' && (end = strstr(s, " ["))) {
		s[len - 1] = '\0';
		f->module = end + 2;
		*end = '\0';
	}
	plus = strrchr(s, '+');
	if (plus && !strncmp(plus + 1, "0x", 2)) {
		f->offset = strtoull(plus + 1, NULL, 16);
		*plus = '\0';
	}
	/*
	 * The ends of the kernel's text and init text, which a kernel with
	 * CONFIG_KALLSYMS_ALL names data past: not code, as in the table.
	 */
	if (!f->module && (!strcmp(s, "_etext") || !strcmp(s, "_einittext"))) {
		f->offset = 0;
		return;
	}
	f->name = s;
	if (!f->module && bpf_name(s))
		f->module = "bpf";
}

static size_t slot_of(__u64 addr)
{
	return (size_t)((addr * 0x9e3779b97f4a7c15ULL) >> 40) & (SLOTS - 1);
}

static void copy(char *dst, const char *src)
{
	size_t n = strnlen(src, LEN - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The cache's answers, then one run for the rest. */
static int kernel_resolve(struct pk_kframes *kf, const __u64 *ips, int n)
{
	struct ksyms_kernel_bpf__bss *bss = kf->skel->bss;
	__u8 todo[PK_KFRAMES_MAX];
	__u32 nr = 0, j;
	int i, err;

	for (i = 0; i < n; i++) {
		struct slot *sl = &kf->cache[slot_of(ips[i])];

		if (sl->s[0] && sl->addr == ips[i]) {
			copy(kf->names[i], sl->s);
			continue;
		}
		bss->addrs[nr] = ips[i];
		todo[nr++] = i;
	}
	if (!nr)
		return 0;
	err = run(kf->skel, nr);
	if (err)
		return err;
	for (j = 0; j < nr; j++) {
		struct slot *sl = &kf->cache[slot_of(bss->addrs[j])];

		copy(kf->names[todo[j]], bss->names[j]);
		sl->addr = bss->addrs[j];
		copy(sl->s, bss->names[j]);
	}
	return 0;
}

static void table_resolve(const __u64 *ips, int n, struct pk_kframe *out)
{
	const struct pk_ksyms *ks = pk_ksyms();
	const struct pk_ksym *s;
	int i;

	for (i = 0; i < n; i++) {
		s = pk_ksyms__find(ks, ips[i]);
		out[i].addr = ips[i];
		out[i].name = s ? s->name : NULL;
		out[i].offset = s ? ips[i] - s->addr : 0;
		out[i].module = s ? s->module : NULL;
	}
}

int pk_kframes__resolve(struct pk_kframes *kf, const __u64 *ips, int n, struct pk_kframe *out)
{
	int i, err;

	if (!kf || n < 0 || n > PK_KFRAMES_MAX || (n && (!ips || !out)))
		return -EINVAL;
	if (kf->skel) {
		err = kernel_resolve(kf, ips, n);
		if (!err) {
			for (i = 0; i < n; i++) {
				out[i].addr = ips[i];
				pk__kframe_parse(kf->names[i], &out[i]);
			}
			return n;
		}
		/* for good: the table answers from now on */
		set_why(kf, "the kernel's symbol lookup failed", err);
		kernel_close(kf);
	}
	table_resolve(ips, n, out);
	return n;
}
