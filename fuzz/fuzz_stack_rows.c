// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * PK_STACK_ROWS_FORMAT() (bpf/maps.bpf.h): the input is a format, then a
 * key of bcc's profile/offcputime shape (pid, tid, comm, kernel and user
 * stack ids) and a count, then the stacks' frames. The format is checked
 * against the key's members and, when it can print, lays the entry out:
 * lines of escaped text, each ending in a newline; a format that cannot
 * print prints nothing. pk__rows_line() alone never reads past its line.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <probekit/stackprint.h>

#include "../lib/print/print.h"

#include "fakestacks.h"

struct key {
	uint32_t pid, tid;
	char comm[16];
	int32_t kstack, ustack;
};

/* struct key and a __u64: their type ids */
static int key_type(struct btf *btf, __u32 *value_id)
{
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int chr = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	int comm = btf__add_array(btf, u32, chr, 16);
	int key = btf__add_struct(btf, "key", sizeof(struct key));

	btf__add_field(btf, "pid", u32, 0, 0);
	btf__add_field(btf, "tid", u32, 32, 0);
	btf__add_field(btf, "comm", comm, 64, 0);
	btf__add_field(btf, "kstack", s32, 192, 0);
	btf__add_field(btf, "ustack", s32, 224, 0);
	*value_id = btf__add_int(btf, "unsigned long long", 8, 0);
	return key;
}

/* Lines of printable bytes, each ending in a newline. */
static void check_text(const char *out, size_t len)
{
	size_t i;

	assert(!len || out[len - 1] == '\n');
	for (i = 0; i < len; i++)
		assert(out[i] == '\n' || ((unsigned char)out[i] >= 0x20 && out[i] != 0x7f));
}

/* The tokenizer on a copy of exactly @len bytes, so a read past them is caught. */
static void tokens(const char *fmt, size_t len)
{
	struct pk__rows_tok toks[8];
	char *line = malloc(len ? len : 1);
	int n, i;

	if (!line)
		return;
	memcpy(line, fmt, len);
	n = pk__rows_line(line, len, toks, 8);
	assert(n >= 0 || n == -EINVAL || n == -E2BIG);
	for (i = 0; i < n; i++)
		assert(toks[i].s >= line && toks[i].s + toks[i].len <= line + len);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk__stack_source src = { fake_find, fake_read, NULL };
	struct pk_stack_printer_opts opts = { .sz = sizeof(opts), .name = "fuzz" };
	const uint8_t *nul = memchr(data, '\0', size), *nl;
	struct pk_stack_printer *sp = NULL;
	size_t flen = nul ? (size_t)(nul - data) : size, rest;
	struct btf *btf = btf__new_empty();
	struct key k = {};
	uint64_t v = 0;
	char *out = NULL, *fmt;
	size_t len = 0;
	__u32 key_id, value_id;
	FILE *f;

	/* the format's first line alone */
	nl = memchr(data, '\n', flen);
	tokens((const char *)data, nl ? (size_t)(nl - data) : flen);
	fmt = strndup((const char *)data, flen);
	rest = size - flen - (nul ? 1 : 0);
	memcpy(&k, data + size - rest, rest < sizeof(k) ? rest : sizeof(k));
	rest -= rest < sizeof(k) ? rest : sizeof(k);
	memcpy(&v, data + size - rest, rest < sizeof(v) ? rest : sizeof(v));
	rest -= rest < sizeof(v) ? rest : sizeof(v);
	/* a stack id the fake map has, or an errno bcc's tools meet */
	k.kstack = k.kstack < 0 ? -(int32_t)((uint32_t)k.kstack % 20) : k.kstack;
	k.ustack = k.ustack < 0 ? -(int32_t)((uint32_t)k.ustack % 20) : k.ustack;
	if (!btf || !fmt)
		goto out;
	key_id = key_type(btf, &value_id);
	sp = pk__stack_printer_new(btf, &src, &opts);
	if (!sp)
		goto out;
	stack_src = (struct in){ data + size - rest, rest };
	f = open_memstream(&out, &len);
	if (!pk__stack_printer_rows(sp, f, fmt, key_id, &k, value_id, &v))
		assert(ftell(f) == 0);
	fclose(f);
	check_text(out, len);
out:
	free(out);
	free(fmt);
	pk_stack_printer__free(sp);
	btf__free(btf);
	return 0;
}
