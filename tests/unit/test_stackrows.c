// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* PK_STACK_ROWS_FORMAT(): its lines as tokens, and an entry laid out by one. */
#include <errno.h>
#include <stdlib.h>

#include <bpf/btf.h>
#include <probekit/stackprint.h>

#include "../../lib/print/print.h"
#include "unit.h"

static bool tok_is(const struct pk__rows_tok *t, enum pk__rows_tok_kind kind, const char *s)
{
	return t->kind == kind && t->len == strlen(s) && !strncmp(t->s, s, t->len);
}

PK_TEST(rows_line_tokens)
{
	const char *line = "{?comm}    {comm} [{pid}] {{x} {kstack:rev}";
	struct pk__rows_tok t[16];

	CHECK_INT(pk__rows_line(line, strlen(line), t, 16), 9);
	CHECK(tok_is(&t[0], PK_ROWS_WHEN, "comm"));
	CHECK(tok_is(&t[1], PK_ROWS_TEXT, "    "));
	CHECK(tok_is(&t[2], PK_ROWS_FIELD, "comm") && !t[2].rev);
	CHECK(tok_is(&t[3], PK_ROWS_TEXT, " ["));
	CHECK(tok_is(&t[4], PK_ROWS_FIELD, "pid"));
	CHECK(tok_is(&t[5], PK_ROWS_TEXT, "] "));
	CHECK(tok_is(&t[6], PK_ROWS_TEXT, "{"));
	CHECK(tok_is(&t[7], PK_ROWS_TEXT, "x} "));
	CHECK(tok_is(&t[8], PK_ROWS_FIELD, "kstack") && t[8].rev);
	CHECK_INT(pk__rows_line("", 0, t, 16), 0);
	CHECK_INT(pk__rows_line("{comm", 5, t, 16), -EINVAL);
	CHECK_INT(pk__rows_line("{}", 2, t, 16), -EINVAL);
	CHECK_INT(pk__rows_line("{a:old}", 7, t, 16), -EINVAL);
	CHECK_INT(pk__rows_line("{?a:rev}", 8, t, 16), -EINVAL);
	CHECK_INT(pk__rows_line("a\nb", 3, t, 16), -EINVAL);
	CHECK_INT(pk__rows_line("{a}{b}{c}", 9, t, 2), -E2BIG);
}

struct key {
	__u32 pid, tid;
	char comm[16];
	__s32 kstack, ustack;
};

static int one_map(void *ctx, const char *name, int *nr)
{
	(void)ctx;
	(void)name;
	*nr = 1;
	return 3;
}

/* stack 5: two user frames */
static int two_frames(void *ctx, int fd, __s64 id, __u64 *ips, size_t max)
{
	(void)ctx;
	(void)fd;
	(void)max;
	ips[0] = 0x401000;
	ips[1] = 0x402000;
	return id == 5 ? 2 : -ENOENT;
}

static bool rows(const char *fmt, const struct key *k, __u64 v, char *out, size_t size)
{
	struct pk__stack_source src = { one_map, two_frames, NULL };
	struct pk_stack_printer_opts opts = { .sz = sizeof(opts), .name = "unit" };
	struct btf *btf = btf__new_empty();
	int u32 = btf__add_int(btf, "unsigned int", 4, 0), s32 = btf__add_int(btf, "int", 4, 1);
	int comm = btf__add_array(btf, u32, btf__add_int(btf, "char", 1, 1), 16);
	int key = btf__add_struct(btf, "key", sizeof(*k)), value;
	struct pk_stack_printer *sp;
	FILE *f = fmemopen(out, size, "w");
	bool ok;

	btf__add_field(btf, "pid", u32, 0, 0);
	btf__add_field(btf, "tid", u32, 32, 0);
	btf__add_field(btf, "comm", comm, 64, 0);
	btf__add_field(btf, "kstack", s32, 192, 0);
	btf__add_field(btf, "ustack", s32, 224, 0);
	value = btf__add_int(btf, "unsigned long long", 8, 0);
	sp = pk__stack_printer_new(btf, &src, &opts);
	ok = pk__stack_printer_rows(sp, f, fmt, key, k, value, &v);
	fclose(f);
	pk_stack_printer__free(sp);
	btf__free(btf);
	return ok;
}

PK_TEST(rows_entry_layout)
{
	const char *offcpu = "    {kernel}\n{?delimit}    --\n    {user}\n"
			     "    -                {comm} ({tid})\n        {value}\n";
	struct key k = { .pid = 7, .tid = 8, .comm = "napper", .kstack = -14, .ustack = 5 };
	char out[512] = "";

	/* -EFAULT: no kernel stack in this mode, no line; no usyms: [unknown] */
	CHECK(rows(offcpu, &k, 1234, out, sizeof(out)));
	CHECK_STR(out, "    [unknown]\n    [unknown]\n    -                napper (8)\n        1234\n\n");
	k.kstack = -EEXIST;
	k.comm[0] = '\0';
	CHECK(rows("{?comm}{comm}\n  {kernel}\n{ustack:rev} {addr}\n{value}", &k, 3, out,
		   sizeof(out)));
	CHECK_STR(out, "  [Missed Kernel Stack]\n[unknown] 402000          \n"
		       "[unknown] 401000          \n3\n");
	CHECK(!rows("{nosuch}", &k, 3, out, sizeof(out)));
	CHECK(!rows("{kernel}{user}", &k, 3, out, sizeof(out)));
	CHECK(!rows("{addr}", &k, 3, out, sizeof(out)));
	CHECK(!rows("{?value}", &k, 3, out, sizeof(out)));
}
