// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Verifier logs: real ones, from the kernel rejecting the small programs
 * in tests/bpf/verifier_*.bpf.c, and the one-line reason a library caller
 * gets from pk_attach__load() for them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include <probekit/attach.h>
#include <probekit/verifier.h>

#include "bpfobj.h"
#include "unit.h"

#define LOG_SIZE (1 << 20)

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* The kernel's log for the rejected program of tests/bpf/NAME.bpf.c (malloc'd). */
static char *real_log(const char *name, int level)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	struct bpf_object *obj = bpf_object__open_file(pk_test_bpf_obj(name), NULL);
	struct bpf_program *prog;
	char *log = calloc(1, LOG_SIZE);

	if (!obj) {
		pk_unit_fail(__FILE__, __LINE__, "opening %s: %s", name, strerror(errno));
		free(log);
		libbpf_set_print(old);
		return NULL;
	}
	bpf_object__for_each_program(prog, obj) {
		bpf_program__set_log_buf(prog, log, LOG_SIZE);
		if (level)
			bpf_program__set_log_level(prog, level);
	}
	CHECK(bpf_object__load(obj) < 0);
	bpf_object__close(obj);
	libbpf_set_print(old);
	return log;
}

struct rejected {
	const char *name;
	const char *key;
	const char *marker;
};

static const struct rejected rejected[] = {
	{ "verifier_null", "R0 invalid mem access 'map_value_or_null'", "PK_LINE_NULL" },
	{ "verifier_stack", "invalid variable-offset read from stack R2", "PK_LINE_STACK" },
	{ "verifier_helper", "invalid func unknown#100000", "PK_LINE_HELPER" },
	{ "verifier_map_oob",
	  "invalid access to map value, value_size=4 off=12 size=4; R0 min value is outside of "
	  "the allowed memory range",
	  "PK_LINE_OOB" },
	{ "verifier_license", "cannot call GPL-restricted function from non-GPL compatible program",
	  "PK_LINE_LICENSE" },
};

/* Kernels before 6.6 print no "@ file:line"; the source is then the code alone. */
static void check_report(const struct rejected *t, const struct pk_verifier_report *r,
			 bool has_lines)
{
	char file[64], want[128];
	int line;

	snprintf(file, sizeof(file), "%s.bpf.c", t->name);
	line = pk_test_bpf_line(file, t->marker);
	CHECK(line > 0);
	if (strncmp(r->key, t->key, strlen(t->key)))
		pk_unit_fail(__FILE__, __LINE__, "%s: key \"%s\", expected \"%s\"", t->name, r->key,
			     t->key);
	snprintf(want, sizeof(want), "%s:%d: ", file, line);
	if (!has_lines)
		want[0] = '\0';
	if (strncmp(r->source, want, strlen(want)) || !strstr(r->source, t->marker))
		pk_unit_fail(__FILE__, __LINE__, "%s: source \"%s\", expected \"%s...%s\"",
			     t->name, r->source, want, t->marker);
	CHECK(r->insn >= 0);
	snprintf(want, sizeof(want), "%d: (", r->insn);
	if (strncmp(r->insn_text, want, strlen(want)))
		pk_unit_fail(__FILE__, __LINE__, "%s: insn %d \"%s\"", t->name, r->insn,
			     r->insn_text);
}

PK_TEST(verifier_real_logs)
{
	struct pk_verifier_report r;
	size_t i;
	int level;

	if (!pk_test_need_bpf("verifier_real_logs"))
		return;
	for (i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
		/* libbpf's own retry (level 1), then the verbose level 2 */
		for (level = 0; level <= 2; level += 2) {
			char *log = real_log(rejected[i].name, level);

			if (!log)
				continue;
			CHECK_INT(pk_verifier_explain(log, &r), 0);
			check_report(&rejected[i], &r, strstr(log, ".bpf.c:") != NULL);
			free(log);
		}
	}
}

static const char *obj_path;

static void *file_open(void)
{
	return bpf_object__open_file(obj_path, NULL);
}

static int file_load(void *obj)
{
	return bpf_object__load(obj);
}

static void file_destroy(void *obj)
{
	bpf_object__close(obj);
}

static struct bpf_object *file_object(void *obj)
{
	return obj;
}

static const struct pk_skel_ops file_ops = {
	.open = file_open,
	.load = file_load,
	.destroy = file_destroy,
	.object = file_object,
};

/* pk_attach__load() on tests/bpf/NAME.bpf.o as a raw_tp variant; its error. */
static struct pk_attach *attach_fixture(const char *name, const char *prog)
{
	const char *progs[] = { prog, NULL };
	const struct pk_variant variants[] = { { PK_MECH_RAW_TP, progs, NULL }, {} };
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	struct pk_attach *att;

	obj_path = pk_test_bpf_obj(name);
	att = pk_attach__new(&file_ops, variants, NULL);
	CHECK(att != NULL);
	if (att)
		CHECK(pk_attach__load(att) < 0);
	libbpf_set_print(old);
	return att;
}

PK_TEST(verifier_attach_error_is_one_line)
{
	struct pk_attach *att;
	char want[512];
	const char *err, *log;
	int line;

	if (!pk_test_need_bpf("verifier_attach_error_is_one_line"))
		return;
	att = attach_fixture("verifier_null", "unchecked_lookup");
	err = pk_attach__error(att);
	line = pk_test_bpf_line("verifier_null.bpf.c", "PK_LINE_NULL");
	snprintf(want, sizeof(want),
		 "raw_tp: program unchecked_lookup rejected by the verifier: R0 invalid mem "
		 "access 'map_value_or_null' (at verifier_null.bpf.c:%d: return *val; /* "
		 "PK_LINE_NULL */; insn ",
		 line);
	if (strncmp(err, want, strlen(want)))
		pk_unit_fail(__FILE__, __LINE__, "error \"%s\"\n  expected \"%s...\"", err, want);
	CHECK(strchr(err, '\n') == NULL);
	CHECK(strstr(err, "Permission denied") == NULL);
	CHECK(strstr(err, ": (61) r0 = *(u32 *)(r0 +0))") != NULL);
	log = pk_attach__verifier_log(att);
	CHECK(log && strstr(log, "processed ") && strstr(log, "map_value_or_null"));
	/* nothing stays loaded after the failure */
	CHECK(pk_attach__object(att) == NULL);
	pk_attach__free(att);
}

PK_TEST(verifier_attach_keeps_libbpf_reason)
{
	struct pk_attach *att;
	const char *err;

	if (!pk_test_need_bpf("verifier_attach_keeps_libbpf_reason"))
		return;
	att = attach_fixture("verifier_sec", "bad_section");
	err = pk_attach__error(att);
	if (!strstr(err, "missing BPF prog type, check ELF section name 'no_such_section_kind/foo'"))
		pk_unit_fail(__FILE__, __LINE__, "error \"%s\"", err);
	CHECK(pk_attach__verifier_log(att) == NULL);
	pk_attach__free(att);
}

/* Kernels before 6.6 print "; code" without "@ file:line". */
static const char old_kernel_log[] =
	"func#0 @0\n"
	"0: R1=ctx(off=0,imm=0) R10=fp0\n"
	"; __u32 key = 0;\n"
	"0: (b7) r1 = 0                        ; R1_w=0\n"
	"1: (63) *(u32 *)(r10 -4) = r1         ; R1_w=0 R10=fp0 fp-8=0000????\n"
	"; return *val;\n"
	"7: (61) r0 = *(u32 *)(r0 +0)\n"
	"R0 invalid mem access 'map_value_or_null'\n"
	"processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 "
	"mark_read 0\n";

PK_TEST(verifier_old_kernel_and_frames)
{
	struct pk_verifier_report r;
	char framed[1024], buf[512];

	CHECK_INT(pk_verifier_explain(old_kernel_log, &r), 0);
	CHECK_STR(r.key, "R0 invalid mem access 'map_value_or_null'");
	CHECK_INT(r.insn, 7);
	CHECK_STR(r.insn_text, "7: (61) r0 = *(u32 *)(r0 +0)");
	CHECK_STR(r.source, "return *val;");
	pk_verifier_format(&r, "prog", buf, sizeof(buf));
	CHECK_STR(buf, "program prog rejected by the verifier: R0 invalid mem access "
		       "'map_value_or_null' (at return *val;; insn 7: (61) r0 = *(u32 *)(r0 +0))");
	/* as libbpf prints it */
	snprintf(framed, sizeof(framed),
		 "libbpf: prog 'prog': -- BEGIN PROG LOAD LOG --\n%s-- END PROG LOAD LOG --\n"
		 "libbpf: prog 'prog': failed to load: -13\n",
		 old_kernel_log);
	CHECK_INT(pk_verifier_explain(framed, &r), 0);
	CHECK_STR(r.key, "R0 invalid mem access 'map_value_or_null'");
}

PK_TEST(verifier_no_error_line)
{
	struct pk_verifier_report r;

	CHECK_INT(pk_verifier_explain("", &r), -ENOENT);
	CHECK_INT(pk_verifier_explain("\n\n", &r), -ENOENT);
	/* a program that passed */
	CHECK_INT(pk_verifier_explain("0: R1=ctx() R10=fp0\n; return 0; @ a.c:3\n"
				      "0: (b7) r0 = 0\n1: (95) exit\nverification time 5 usec\n"
				      "stack depth 0\nprocessed 2 insns (limit 1000000)\n",
				      &r),
		  -ENOENT);
	CHECK_INT(r.insn, -1);
	CHECK_INT(pk_verifier_explain(NULL, &r), -EINVAL);
}

PK_TEST(verifier_format_parts)
{
	struct pk_verifier_report r = { .insn = -1 };
	char buf[256], small[16];
	size_t n;

	snprintf(r.key, sizeof(r.key), "invalid func unknown#1");
	pk_verifier_format(&r, "p", buf, sizeof(buf));
	CHECK_STR(buf, "program p rejected by the verifier: invalid func unknown#1");
	snprintf(r.source, sizeof(r.source), "a.bpf.c:3: f();");
	pk_verifier_format(&r, NULL, buf, sizeof(buf));
	CHECK_STR(buf, "program (unnamed) rejected by the verifier: invalid func unknown#1 (at "
		       "a.bpf.c:3: f();)");
	r.insn = 0;
	snprintf(r.insn_text, sizeof(r.insn_text), "0: (85) call unknown#1");
	n = pk_verifier_format(&r, "p", buf, sizeof(buf));
	CHECK_STR(buf, "program p rejected by the verifier: invalid func unknown#1 (at "
		       "a.bpf.c:3: f();; insn 0: (85) call unknown#1)");
	CHECK_INT(n, strlen(buf));
	CHECK_INT(pk_verifier_format(&r, "p", small, sizeof(small)), n);
	CHECK_STR(small, "program p rejec");
}

PK_TEST(verifier_escapes_and_line_zero)
{
	struct pk_verifier_report r;

	/* line 0 is code the compiler made; the real line is the one above */
	CHECK_INT(pk_verifier_explain("; x = \x1b[31m*p; @ f.c:9\n3: (bf) r2 = r10\n"
				      ";  @ f.c:0\n4: (61) r0 = *(u32 *)(r2 +0)\n"
				      "bad \x07thing\n",
				      &r),
		  0);
	CHECK_STR(r.key, "bad \\x07thing");
	CHECK_STR(r.source, "f.c:9: x = \\e[31m*p;");
	CHECK_INT(r.insn, 4);
}
