// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * BTF decl tags, the one walk every declaration reader shares: the tags on
 * a type or one of its members (stack ids, column formats), and those on a
 * global variable (a map's: histograms, tables).
 */
#include <string.h>

#include <bpf/btf.h>

#include "kernel.h"

int pk__btf_tags(const struct btf *btf, __u32 id, int idx, pk__btf_tag_fn fn, void *ctx)
{
	__u32 i, n = btf ? btf__type_cnt(btf) : 0;
	int err;

	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const char *tag;

		if (!t || !btf_is_decl_tag(t) || t->type != id ||
		    btf_decl_tag(t)->component_idx != idx)
			continue;
		tag = btf__name_by_offset(btf, t->name_off);
		if (tag && (err = fn(tag, ctx)))
			return err;
	}
	return 0;
}

int pk__btf_var_tags(const struct btf *btf, const char *name, pk__btf_tag_fn fn, void *ctx)
{
	__u32 i, n = btf ? btf__type_cnt(btf) : 0;
	int err;

	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i), *var;
		const char *tag, *vname;

		if (!btf_is_decl_tag(t) || btf_decl_tag(t)->component_idx != -1)
			continue;
		var = btf__type_by_id(btf, t->type);
		vname = var && btf_is_var(var) ? btf__name_by_offset(btf, var->name_off) : NULL;
		tag = btf__name_by_offset(btf, t->name_off);
		if (vname && tag && !strcmp(vname, name) && (err = fn(tag, ctx)))
			return err;
	}
	return 0;
}
