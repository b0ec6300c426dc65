/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Why the verifier rejected a program, in one line for a person.
 *
 * The kernel's verifier log is long; the line that matters is its error
 * (such as "R0 invalid mem access 'map_value_or_null'"), printed after the
 * instruction it refused and before the "processed N insns" trailer. When
 * the program has BTF line info, the kernel annotates the instructions with
 * "; code @ file.c:LINE" lines (kernels before 6.6 print "; code" alone);
 * the last one before the failing instruction is its source line.
 *
 * pk_attach__load() reports rejections this way through pk_attach__error()
 * and keeps the whole log for pk_attach__verifier_log().
 */
#ifndef PROBEKIT_VERIFIER_H
#define PROBEKIT_VERIFIER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pk_verifier_report {
	/* index of the failing instruction, -1 if unknown */
	int insn;
	/* the verifier's error line: "R0 invalid mem access 'map_value_or_null'" */
	char key[256];
	/* "12: (61) r1 = *(u32 *)(r0 +0)", or "" */
	char insn_text[160];
	/* "file.bpf.c:23: val = *p;"; just "val = *p;" from kernels that print
	 * no file and line; "" without line info */
	char source[512];
};

/*
 * Parses a verifier log as the kernel wrote it (libbpf's "-- BEGIN PROG
 * LOAD LOG --" frame may be included). Returns 0, -ENOENT if it holds no
 * error line (an empty, successful or cut log), -EINVAL for NULL arguments.
 * Any bytes are accepted; fields are cut to their size, always terminated.
 */
int pk_verifier_explain(const char *log, struct pk_verifier_report *r);

/*
 * One line for a person, as snprintf (returns the length it needed):
 * "program NAME rejected by the verifier: KEY (at FILE:LINE: SOURCE; insn N: TEXT)",
 * leaving out the parts the report lacks. @prog may be NULL.
 */
size_t pk_verifier_format(const struct pk_verifier_report *r, const char *prog, char *buf,
			  size_t size);

#ifdef __cplusplus
}
#endif
#endif
