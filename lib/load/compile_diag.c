// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * clang's diagnostics of a BPF C file, read for the one mistake a user
 * cannot tell from clang's words: a misspelt helper. clang calls it an
 * implicit declaration (an error here: -Werror=implicit-function-
 * declaration), and without this the user saw only "not a usable BPF
 * object". It becomes "X is not a helper or kfunc (file.bpf.c:12); did you
 * mean Y?", the names from libbpf's helper declarations and the kernel's
 * kfuncs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include <probekit/suggest.h>

#include "load.h"

#define HELPER_DEFS "/usr/include/bpf/bpf_helper_defs.h"

/*
 * libbpf declares each helper as "static long (*bpf_name)(...) = (void *) N;"
 * ("(* const bpf_name)" in newer versions).
 */
static void add_helpers(struct pk_suggest *s, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[1024], *p, *end;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "static ", 7) || !(p = strstr(line, "(*")))
			continue;
		p += 2;
		while (*p == ' ')
			p++;
		if (!strncmp(p, "const ", 6))
			p += 6;
		for (end = p; *end == '_' || (*end >= 'a' && *end <= 'z') ||
			      (*end >= 'A' && *end <= 'Z') || (*end >= '0' && *end <= '9');
		     end++)
			;
		*end = '\0';
		pk_suggest__add(s, p);
	}
	fclose(f);
}

/* The kernel's kfuncs: functions its BTF tags "bpf_kfunc". */
static void add_kfuncs(struct pk_suggest *s)
{
	struct btf *btf = btf__load_vmlinux_btf();
	__u32 i, n;

	if (!btf)
		return;
	n = btf__type_cnt(btf);
	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i), *fn;
		const char *tag = btf__name_by_offset(btf, t->name_off);

		if (!btf_is_decl_tag(t) || !tag || strcmp(tag, "bpf_kfunc"))
			continue;
		fn = btf__type_by_id(btf, t->type);
		if (fn && btf_is_func(fn))
			pk_suggest__add(s, btf__name_by_offset(btf, fn->name_off));
	}
	btf__free(btf);
}

/* From "FILE:LINE:COL: error: ..." the "FILE:LINE" part, its base name only. */
static void location(const char *line, char *buf, size_t size)
{
	const char *colon = strchr(line, ':'), *col, *base;

	col = colon ? strchr(colon + 1, ':') : NULL;
	if (!col) {
		snprintf(buf, size, "?");
		return;
	}
	for (base = colon; base > line && base[-1] != '/'; base--)
		;
	snprintf(buf, size, "%.*s", (int)(col - base), base);
}

/*
 * Finds clang's first implicit-declaration error in @diag: 0 and the
 * reason in @why, or -ENOENT when there is none.
 */
int pk__compile_diagnose(const char *diag, char *why, size_t why_size)
{
	static const char *const marks[] = {
	    "error: implicit declaration of function '", /* clang 14 */
	    "error: call to undeclared function '",	 /* clang 16 */
	};
	const char *line, *m = NULL, *name, *end;
	char sym[128], where[256], near[512] = "";
	struct pk_suggest *s;
	size_t i;

	for (line = diag; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *eol = strchr(line, '\n');

		for (i = 0; i < 2 && !m; i++) {
			m = strstr(line, marks[i]);
			if (m && eol && m > eol)
				m = NULL;
			if (m)
				name = m + strlen(marks[i]);
		}
		if (m)
			break;
	}
	if (!m)
		return -ENOENT;
	end = strchr(name, '\'');
	if (!end || end - name >= (long)sizeof(sym))
		return -ENOENT;
	snprintf(sym, sizeof(sym), "%.*s", (int)(end - name), name);
	location(line, where, sizeof(where));
	s = pk_suggest__new(sym, 3);
	if (s) {
		add_helpers(s, HELPER_DEFS);
		add_kfuncs(s);
		pk_suggest__format(s, NULL, near, sizeof(near));
		pk_suggest__free(s);
	}
	pk__why(why, why_size, "%s is not a helper or kfunc (%s)%s%s%s", sym, where,
		near[0] ? "; did you mean " : "", near, near[0] ? "?" : "");
	return 0;
}
