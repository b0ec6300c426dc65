/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_STACKID_H
#define PROBEKIT_STACKID_H

#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct btf;

/*
 * Which numbers in a BPF object's types hold stack ids (ids in a
 * BPF_MAP_TYPE_STACK_TRACE map), by the convention bpf/probekit.bpf.h
 * documents, so that every printer that symbolizes stacks finds the same
 * ones. A 4- or 8-byte integer (not a bitfield) is a stack id when:
 *  - the member carries the BTF decl tag "pk_stack_id[:user|:kernel][:MAP]"
 *    (PK_STACK_ID, PK_KSTACK_ID, PK_USTACK_ID, PK_STACK_ID_OF(MAP)...);
 *  - or the member is named kstack, kstack_id, ustack, ustack_id, stack_id,
 *    stackid, or anything ending in _stack_id or _stackid (bcc's
 *    user_stack_id, kernel_stack_id);
 *  - or its type is a typedef so named or so tagged (pk_kstack_t,
 *    pk_ustack_t, pk_stack_id_t), behind any qualifiers and typedefs.
 * Names are compared with a "pk_" prefix and a "_t" suffix dropped.
 */
enum pk_stack_kind {
	PK_STACK_ANY,	 /* the stack's first address says */
	PK_STACK_KERNEL, /* "kernel" tag, or a name starting with k */
	PK_STACK_USER,	 /* "user" tag, or a name starting with u */
};

struct pk_stack_id_info {
	/* from the member's tag, else its name, else its typedef's tag or name */
	enum pk_stack_kind kind;
	/* the stack map a tag names (a string of the BTF), or NULL: the object's only one */
	const char *map;
	/* the pk_stack_id tag that said so (a string of the BTF), or NULL */
	const char *tag;
};

/*
 * Whether member @member_idx of the struct or union @type_id of @btf
 * holds a stack id, or with @member_idx -1, whether the type @type_id
 * itself does (a whole map key or value: typedef names and tags). Returns
 * 1 (and fills @info, which may be NULL), 0 when it does not, -EINVAL for
 * bad arguments, and -EBADMSG for a pk_stack_id tag that breaks the
 * convention ("pk_stack_id:", "pk_stack_id:a:b"; @info->tag is that tag,
 * so that a printer can name it, and the number prints as a number).
 */
int pk_btf_stack_id(const struct btf *btf, __u32 type_id, int member_idx,
		    struct pk_stack_id_info *info);

#ifdef __cplusplus
}
#endif
#endif
