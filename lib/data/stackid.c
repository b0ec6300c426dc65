// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one rule for which numbers of a BPF object's types are stack ids
 * (stackid.h; the convention is bpf/probekit.bpf.h's). The event table and
 * `probekit run`'s stack printer both ask it, so that a member is a stack
 * id for both or for neither.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <bpf/btf.h>

#include <probekit/stackid.h>

#include "data.h"

/* typedefs and qualifiers followed at most, as btf__resolve_type() does */
#define MAX_RESOLVE 32
#define TAG	    "pk_stack_id"
#define TAG_LEN	    (sizeof(TAG) - 1)

/* A stack id found so far: kind -1 while nothing has said which. */
struct verdict {
	bool hit;
	int kind;
	const char *map, *tag;
};

static bool is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(s, word, len);
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	/* "_stack_id" alone names nothing */
	return len > n && !memcmp(s + len - n, suffix, n);
}

/* The kind a member or typedef name says, or -1 when it names no stack id. */
static int name_kind(const char *name)
{
	size_t len;

	if (!name || !name[0])
		return -1;
	/* pk_ustack_t, stack_id_t: the typedefs of a whole key */
	if (!strncmp(name, "pk_", 3))
		name += 3;
	len = strlen(name);
	if (len > 2 && !strcmp(name + len - 2, "_t"))
		len -= 2;
	if (is(name, len, "kstack") || is(name, len, "kstack_id"))
		return PK_STACK_KERNEL;
	if (is(name, len, "ustack") || is(name, len, "ustack_id"))
		return PK_STACK_USER;
	if (is(name, len, "stack_id") || is(name, len, "stackid"))
		return PK_STACK_ANY;
	/* bcc's user_stack_id, kernel_stack_id, kern_stack_id */
	if (ends_with(name, len, "_stack_id") || ends_with(name, len, "_stackid"))
		return name[0] == 'k'	? PK_STACK_KERNEL
		       : name[0] == 'u' ? PK_STACK_USER
					: PK_STACK_ANY;
	return -1;
}

/* Whether @s starts with the word @w, then ':' or its end. */
static bool word(const char *s, const char *w)
{
	size_t n = strlen(w);

	return !strncmp(s, w, n) && (s[n] == ':' || !s[n]);
}

/*
 * "pk_stack_id[:user|:kernel][:MAP]" into @v: 1, 0 for another tag
 * ("pk_stack_idx" too), -EBADMSG for a pk_stack_id tag out of that shape.
 */
static int parse_tag(const char *tag, struct verdict *v)
{
	const char *p;
	int kind = -1;

	if (!tag || strncmp(tag, TAG, TAG_LEN) || (tag[TAG_LEN] && tag[TAG_LEN] != ':'))
		return 0;
	v->tag = tag;
	p = tag + TAG_LEN;
	if (*p == ':') {
		p++;
		if (word(p, "user"))
			kind = PK_STACK_USER;
		else if (word(p, "kernel"))
			kind = PK_STACK_KERNEL;
		if (kind >= 0) {
			p += kind == PK_STACK_USER ? 4 : 6;
			/* "pk_stack_id:user:" */
			if (*p == ':' && !*++p)
				return -EBADMSG;
		} else if (!*p) {
			return -EBADMSG; /* "pk_stack_id:" */
		}
		/* a map name is an identifier: "pk_stack_id:MAP:user" is out of order */
		if (strchr(p, ':'))
			return -EBADMSG;
		v->map = *p ? p : NULL;
	}
	v->hit = true;
	v->kind = kind;
	return 1;
}

/* The pk_stack_id tag on type @id (component @idx, -1 for the type) into @v. */
static int find_tag(const struct btf *btf, __u32 id, int idx, struct verdict *v)
{
	__u32 i, n = btf__type_cnt(btf);
	int err;

	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);

		if (!t || !btf_is_decl_tag(t) || t->type != id ||
		    btf_decl_tag(t)->component_idx != idx)
			continue;
		err = parse_tag(btf__name_by_offset(btf, t->name_off), v);
		if (err)
			return err;
	}
	return 0;
}

static bool is_modifier(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG: return true;
	default: return false;
	}
}

/* A 4- or 8-byte integer, as bpf_get_stackid() returns it: what holds an id. */
static bool holds_id(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = pk__btf_resolve(btf, &id);

	return t && btf_is_int(t) && (t->size == 4 || t->size == 8) &&
	       btf_int_bits(t) == t->size * 8 && !btf_int_offset(t) &&
	       !(btf_int_encoding(t) & BTF_INT_BOOL);
}

/* The first typedef on the way from @id to its type that is tagged or named a stack id. */
static int typedef_verdict(const struct btf *btf, __u32 id, struct verdict *v)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	int i, k, err;

	for (i = 0; t && i < MAX_RESOLVE && (is_modifier(t) || btf_is_typedef(t)); i++) {
		if (btf_is_typedef(t)) {
			err = find_tag(btf, id, -1, v);
			if (err < 0)
				return err;
			k = name_kind(btf__name_by_offset(btf, t->name_off));
			if (v->kind < 0)
				v->kind = k;
			if (err || k >= 0) {
				v->hit = true;
				return 1;
			}
		}
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	return 0;
}

/* Member @idx of the struct or union @sid: its tag, its name, then its typedefs. */
static int member_verdict(const struct btf *btf, __u32 sid, const struct btf_type *st, int idx,
			  struct verdict *v)
{
	const struct btf_member *m = btf_members(st) + idx;
	struct verdict td = {.kind = -1};
	int err, k;

	if (btf_member_bitfield_size(st, idx) || !holds_id(btf, m->type))
		return 0;
	err = find_tag(btf, sid, idx, v);
	if (err < 0)
		return err;
	k = name_kind(btf__name_by_offset(btf, m->name_off));
	if (k >= 0) {
		v->hit = true;
		/* stack_id says no kind: a pk_ustack_t type still may */
		if (v->kind < 0 && k != PK_STACK_ANY)
			v->kind = k;
	}
	err = typedef_verdict(btf, m->type, &td);
	if (err < 0) {
		v->tag = td.tag;
		return err;
	}
	if (!td.hit)
		return v->hit;
	/* the member's own tag and name come first */
	if (v->kind < 0)
		v->kind = td.kind;
	if (!v->tag) {
		v->tag = td.tag;
		v->map = td.map;
	}
	v->hit = true;
	return 1;
}

int pk_btf_stack_id(const struct btf *btf, __u32 type_id, int member_idx,
		    struct pk_stack_id_info *info)
{
	struct verdict v = {.kind = -1};
	const struct btf_type *t;
	__u32 id = type_id;
	int ret;

	if (!btf || member_idx < -1)
		return -EINVAL;
	if (member_idx < 0) {
		if (!btf__type_by_id(btf, type_id))
			return -EINVAL;
		ret = holds_id(btf, type_id) ? typedef_verdict(btf, type_id, &v) : 0;
	} else {
		/* decl tags name the struct itself, not a typedef of it */
		t = pk__btf_resolve(btf, &id);
		if (!t || !btf_is_composite(t) || member_idx >= btf_vlen(t))
			return -EINVAL;
		ret = member_verdict(btf, id, t, member_idx, &v);
	}
	if (info && (ret > 0 || ret == -EBADMSG)) {
		info->kind = v.kind < 0 ? PK_STACK_ANY : v.kind;
		info->map = ret > 0 ? v.map : NULL;
		info->tag = v.tag;
	}
	return ret;
}
