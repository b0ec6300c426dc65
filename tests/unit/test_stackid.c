// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pk_btf_stack_id(): bpf/probekit.bpf.h's rule for stack ids, on hand-built BTF. */
#include <errno.h>

#include <bpf/btf.h>
#include <probekit/stackid.h>

#include "unit.h"

/* What member @name of a one-member struct of type @type is: -1, or its kind. */
static int member_kind(struct btf *btf, const char *name, int type)
{
	struct pk_stack_id_info info = {.kind = -1};
	int s = btf__add_struct(btf, "s", 8), ret;

	btf__add_field(btf, name, type, 0, 0);
	ret = pk_btf_stack_id(btf, s, 0, &info);
	CHECK(ret == 0 || ret == 1);
	return ret == 1 ? (int)info.kind : -1;
}

PK_TEST(stack_id_by_member_name)
{
	struct btf *btf = btf__new_empty();
	int s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int u64 = btf__add_int(btf, "unsigned long long", 8, 0);

	CHECK_INT(member_kind(btf, "kstack", s32), PK_STACK_KERNEL);
	CHECK_INT(member_kind(btf, "kstack_id", s32), PK_STACK_KERNEL);
	CHECK_INT(member_kind(btf, "ustack", s32), PK_STACK_USER);
	CHECK_INT(member_kind(btf, "ustack_id", u64), PK_STACK_USER);
	CHECK_INT(member_kind(btf, "stack_id", s32), PK_STACK_ANY);
	CHECK_INT(member_kind(btf, "stackid", s32), PK_STACK_ANY);
	/* bcc's names: the first letter says which */
	CHECK_INT(member_kind(btf, "user_stack_id", s32), PK_STACK_USER);
	CHECK_INT(member_kind(btf, "kernel_stack_id", s32), PK_STACK_KERNEL);
	CHECK_INT(member_kind(btf, "kern_stackid", s32), PK_STACK_KERNEL);
	CHECK_INT(member_kind(btf, "alloc_stack_id", s32), PK_STACK_ANY);
	/* the pk_ prefix and _t suffix are dropped */
	CHECK_INT(member_kind(btf, "pk_ustack", s32), PK_STACK_USER);
	CHECK_INT(member_kind(btf, "stack_id_t", s32), PK_STACK_ANY);
	/* names that are not the convention's */
	CHECK_INT(member_kind(btf, "stack", s32), -1);
	CHECK_INT(member_kind(btf, "kstacks", s32), -1);
	CHECK_INT(member_kind(btf, "ustack_ids", s32), -1);
	CHECK_INT(member_kind(btf, "_stack_id", s32), -1);
	CHECK_INT(member_kind(btf, "stack_id_x", s32), -1);
	CHECK_INT(member_kind(btf, "pk_", s32), -1);
	CHECK_INT(member_kind(btf, "_t", s32), -1);
	CHECK_INT(member_kind(btf, NULL, s32), -1);
	btf__free(btf);
}

/* Only a 4- or 8-byte integer holds an id, as pk_stack_id() returns it. */
PK_TEST(stack_id_only_integers)
{
	struct btf *btf = btf__new_empty();
	int u16 = btf__add_int(btf, "unsigned short", 2, 0);
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int ch = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	int b = btf__add_int(btf, "_Bool", 4, BTF_INT_BOOL);
	int big = btf__add_int(btf, "__int128", 16, BTF_INT_SIGNED);
	int arr = btf__add_array(btf, u32, ch, 8);
	int ptr = btf__add_ptr(btf, u32);
	int e = btf__add_enum(btf, "e", 4);
	int f = btf__add_float(btf, "float", 4);
	int cst = btf__add_const(btf, u32), vol = btf__add_volatile(btf, cst);
	int td = btf__add_typedef(btf, "__u32", vol), s;

	btf__add_enum_value(btf, "A", 0);
	CHECK_INT(member_kind(btf, "kstack", u16), -1);
	CHECK_INT(member_kind(btf, "kstack", ch), -1);
	CHECK_INT(member_kind(btf, "kstack", b), -1);
	CHECK_INT(member_kind(btf, "kstack", big), -1);
	CHECK_INT(member_kind(btf, "kstack", arr), -1);
	CHECK_INT(member_kind(btf, "kstack", ptr), -1);
	CHECK_INT(member_kind(btf, "kstack", e), -1);
	CHECK_INT(member_kind(btf, "kstack", f), -1);
	/* behind a typedef and qualifiers it is still the integer */
	CHECK_INT(member_kind(btf, "kstack", td), PK_STACK_KERNEL);
	/* a bitfield is not what pk_stack_id() stores */
	s = btf__add_struct(btf, "bits", 4);
	btf__add_field(btf, "stack_id", u32, 0, 20);
	CHECK_INT(pk_btf_stack_id(btf, s, 0, NULL), 0);
	btf__free(btf);
}

PK_TEST(stack_id_typedefs_of_a_whole_key)
{
	struct btf *btf = btf__new_empty();
	struct pk_stack_id_info info;
	int s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int kst = btf__add_typedef(btf, "pk_kstack_t", s32);
	int ust = btf__add_typedef(btf, "pk_ustack_t", s32);
	int any = btf__add_typedef(btf, "pk_stack_id_t", s32);
	int mine = btf__add_typedef(btf, "my_key_t", ust);
	int cmine = btf__add_const(btf, mine);
	int other = btf__add_typedef(btf, "pid_t", s32);
	int ch = btf__add_int(btf, "char", 1, 0);
	int chd = btf__add_typedef(btf, "pk_kstack_t", ch);
	int s = btf__add_struct(btf, "key_t", 4);

	btf__add_field(btf, "kstack", s32, 0, 0);
	CHECK_INT(pk_btf_stack_id(btf, kst, -1, &info), 1);
	CHECK_INT(info.kind, PK_STACK_KERNEL);
	CHECK(info.map == NULL && info.tag == NULL);
	CHECK_INT(pk_btf_stack_id(btf, ust, -1, &info), 1);
	CHECK_INT(info.kind, PK_STACK_USER);
	CHECK_INT(pk_btf_stack_id(btf, any, -1, &info), 1);
	CHECK_INT(info.kind, PK_STACK_ANY);
	/* the first typedef so named on the way down */
	CHECK_INT(pk_btf_stack_id(btf, cmine, -1, &info), 1);
	CHECK_INT(info.kind, PK_STACK_USER);
	CHECK_INT(pk_btf_stack_id(btf, other, -1, &info), 0);
	CHECK_INT(pk_btf_stack_id(btf, s32, -1, &info), 0);
	CHECK_INT(pk_btf_stack_id(btf, chd, -1, &info), 0);
	/* a struct is not an id, whatever its members are */
	CHECK_INT(pk_btf_stack_id(btf, s, -1, &info), 0);
	/* a member of such a typedef type is one too */
	CHECK_INT(member_kind(btf, "where", ust), PK_STACK_USER);
	CHECK_INT(member_kind(btf, "where", other), -1);
	/* the member's own name says first */
	CHECK_INT(member_kind(btf, "kstack", ust), PK_STACK_KERNEL);
	CHECK_INT(member_kind(btf, "stack_id", ust), PK_STACK_USER);
	btf__free(btf);
}

/* Member 0 of a struct whose only member is tagged @tag: 1/0/errno, and @info. */
static int tagged(const char *tag, const char *name, struct pk_stack_id_info *info)
{
	struct btf *btf = btf__new_empty();
	int s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int s = btf__add_struct(btf, "key_t", 8), ret;
	static char map[64], tag_text[64];

	btf__add_field(btf, "x", s32, 0, 0);
	btf__add_field(btf, name, s32, 32, 0);
	btf__add_decl_tag(btf, "other", s, 1);
	btf__add_decl_tag(btf, tag, s, 1);
	/* on member 0 and on the struct: not member 1's */
	btf__add_decl_tag(btf, "pk_stack_id:kernel", s, 0);
	btf__add_decl_tag(btf, "pk_stack_id:kernel", s, -1);
	*info = (struct pk_stack_id_info){.kind = -1};
	ret = pk_btf_stack_id(btf, s, 1, info);
	/* the strings are the BTF's: keep copies past btf__free() */
	snprintf(map, sizeof(map), "%s", info->map ? info->map : "(null)");
	snprintf(tag_text, sizeof(tag_text), "%s", info->tag ? info->tag : "(null)");
	info->map = map;
	info->tag = tag_text;
	btf__free(btf);
	return ret;
}

PK_TEST(stack_id_tags)
{
	struct pk_stack_id_info info;

	CHECK_INT(tagged("pk_stack_id", "how", &info), 1);
	CHECK_INT(info.kind, PK_STACK_ANY);
	CHECK_STR(info.map, "(null)");
	CHECK_STR(info.tag, "pk_stack_id");
	CHECK_INT(tagged("pk_stack_id:user", "how", &info), 1);
	CHECK_INT(info.kind, PK_STACK_USER);
	CHECK_STR(info.map, "(null)");
	CHECK_INT(tagged("pk_stack_id:kernel", "how", &info), 1);
	CHECK_INT(info.kind, PK_STACK_KERNEL);
	/* PK_STACK_ID_OF(stacks) */
	CHECK_INT(tagged("pk_stack_id:stacks", "how", &info), 1);
	CHECK_INT(info.kind, PK_STACK_ANY);
	CHECK_STR(info.map, "stacks");
	/* PK_USTACK_ID_OF(ustacks), PK_KSTACK_ID_OF(user): a map named user */
	CHECK_INT(tagged("pk_stack_id:user:ustacks", "how", &info), 1);
	CHECK_INT(info.kind, PK_STACK_USER);
	CHECK_STR(info.map, "ustacks");
	CHECK_STR(info.tag, "pk_stack_id:user:ustacks");
	CHECK_INT(tagged("pk_stack_id:kernel:user", "how", &info), 1);
	CHECK_INT(info.kind, PK_STACK_KERNEL);
	CHECK_STR(info.map, "user");
	/* "users" is a map, not the word user */
	CHECK_INT(tagged("pk_stack_id:users", "how", &info), 1);
	CHECK_INT(info.kind, PK_STACK_ANY);
	CHECK_STR(info.map, "users");
	/* a tag's kind comes before the name's; a tag without one leaves the name's */
	CHECK_INT(tagged("pk_stack_id:user", "kstack", &info), 1);
	CHECK_INT(info.kind, PK_STACK_USER);
	CHECK_INT(tagged("pk_stack_id", "kstack", &info), 1);
	CHECK_INT(info.kind, PK_STACK_KERNEL);
	/* other tags */
	CHECK_INT(tagged("pk_stack_idx", "how", &info), 0);
	CHECK_INT(tagged("pk_stack", "how", &info), 0);
	CHECK_INT(tagged("stack_id", "how", &info), 0);
	CHECK_INT(tagged("pk_stack_idx", "ustack", &info), 1);
	CHECK_INT(info.kind, PK_STACK_USER);
	CHECK_STR(info.tag, "(null)");
	/* pk_stack_id tags out of the convention's shape, named for the message */
	CHECK_INT(tagged("pk_stack_id:", "how", &info), -EBADMSG);
	CHECK_STR(info.tag, "pk_stack_id:");
	CHECK_INT(tagged("pk_stack_id:user:", "how", &info), -EBADMSG);
	CHECK_INT(tagged("pk_stack_id:stacks:user", "kstack", &info), -EBADMSG);
	CHECK_STR(info.tag, "pk_stack_id:stacks:user");
	CHECK_INT(tagged("pk_stack_id::", "how", &info), -EBADMSG);
}

PK_TEST(stack_id_typedef_tags_and_arguments)
{
	struct btf *btf = btf__new_empty();
	struct pk_stack_id_info info;
	int s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int td = btf__add_typedef(btf, "id_t", s32);
	int bad = btf__add_typedef(btf, "bad_t", s32);
	int s = btf__add_struct(btf, "key_t", 12), std;

	btf__add_field(btf, "a", td, 0, 0);
	btf__add_field(btf, "b", td, 32, 0);
	btf__add_field(btf, "c", bad, 64, 0);
	btf__add_decl_tag(btf, "pk_stack_id:user:ustacks", td, -1);
	btf__add_decl_tag(btf, "pk_stack_id:", bad, -1);
	btf__add_decl_tag(btf, "pk_stack_id:kernel:kstacks", s, 1);
	std = btf__add_typedef(btf, "key_t", s);
	CHECK_INT(pk_btf_stack_id(btf, td, -1, &info), 1);
	CHECK_INT(info.kind, PK_STACK_USER);
	CHECK_STR(info.map, "ustacks");
	/* a member of the tagged typedef's type */
	CHECK_INT(pk_btf_stack_id(btf, s, 0, &info), 1);
	CHECK_INT(info.kind, PK_STACK_USER);
	CHECK_STR(info.map, "ustacks");
	/* the member's own tag comes first; a typedef of the struct finds its tags */
	CHECK_INT(pk_btf_stack_id(btf, std, 1, &info), 1);
	CHECK_INT(info.kind, PK_STACK_KERNEL);
	CHECK_STR(info.map, "kstacks");
	CHECK_INT(pk_btf_stack_id(btf, s, 2, &info), -EBADMSG);
	CHECK_STR(info.tag, "pk_stack_id:");
	CHECK_INT(pk_btf_stack_id(btf, bad, -1, &info), -EBADMSG);
	/* info is optional */
	CHECK_INT(pk_btf_stack_id(btf, s, 0, NULL), 1);
	CHECK_INT(pk_btf_stack_id(NULL, s, 0, &info), -EINVAL);
	CHECK_INT(pk_btf_stack_id(btf, s, 3, &info), -EINVAL);
	CHECK_INT(pk_btf_stack_id(btf, s, -2, &info), -EINVAL);
	CHECK_INT(pk_btf_stack_id(btf, s32, 0, &info), -EINVAL);
	CHECK_INT(pk_btf_stack_id(btf, 9999, -1, &info), -EINVAL);
	CHECK_INT(pk_btf_stack_id(btf, 9999, 0, &info), -EINVAL);
	btf__free(btf);
}
