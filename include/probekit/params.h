/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A BPF object's parameters: every `const volatile` global (the variables
 * of its .rodata sections, found through the object's BTF), set by name
 * from text before load, the way `probekit run --set NAME=VALUE` does:
 *
 *	const volatile __u32 target_pid = 0;
 *	const volatile enum color shade = RED;
 *	const volatile char comm[16] = "";
 *
 * Values are parsed by the variable's BTF type, through typedefs and
 * const/volatile: integers of every width and sign with range checks
 * (decimal or 0x hex; a minus sign only for signed types), bool
 * (true/false/1/0/yes/no), enums by enumerator name or number, char
 * arrays as strings (which must leave room for the NUL). Other types
 * (structs, pointers, other arrays) are listed but cannot be set.
 * probekit's own globals (names starting with "pk_") are not parameters.
 */
#ifndef PROBEKIT_PARAMS_H
#define PROBEKIT_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;

struct pk_param {
	char name[64];
	/* the C type as written: "__u32", "bool", "enum color", "char[16]", "int" */
	char type[64];
	/* its current value (the default before any set), as text, escaped
	 * for a terminal; "" for a type that cannot be set */
	char value[128];
};

/*
 * After bpf_object__open(), before or after load. Fills up to @max, in the
 * order of the object's BTF, and returns the number of parameters (which
 * may exceed @max) or -errno.
 */
int pk_params__list(struct bpf_object *obj, struct pk_param *out, size_t max);

/*
 * "NAME=VALUE", after open and before load. Returns 0; -ENOENT for an
 * unknown name; -EINVAL for a bad value, a type that cannot be set or no
 * '='; -ERANGE for a value out of the type's range; -EBUSY once loaded.
 * The reason, one line naming NAME and its type, goes to @why.
 */
int pk_params__set(struct bpf_object *obj, const char *assignment, char *why, size_t why_size);

/*
 * Options declared in the object (bpf/probekit.bpf.h): PK_OPTION() on a
 * parameter, and the standard filters PK_FILTER_PID, _TID, _UID, _COMM and
 * _CGROUP, which the runtime (cli.h) fills in.
 */
struct btf;
struct pk_param_option {
	/* the variable, and its C type as pk_param has them */
	char name[64];
	char type[64];
	/* --long_name, -short_name (0: none) */
	char long_name[32];
	char short_name;
	/* "VALUE" in the help; unused for a flag */
	char value_name[32];
	char help[160];
	/* a bool: given without a value, it sets true */
	bool flag;
	/* "pid", "tid", "uid", "comm" or "cgroup" for a filter, else "" */
	char filter[8];
	/* the default, as pk_param's value ("" for a filter) */
	char value[128];
	/* PK_OPTION_RANGE(min, max): integers outside are refused */
	bool ranged;
	long long min, max;
	/* PK_OPTION_PID: a running process or thread */
	bool pid;
	/* PK_TARGET(prog): the value is program @target_of's target (several: by spaces) */
	char target_of[256];
	/* PK_POSITIONAL: also given as an argument without its name */
	bool positional;
};
/*
 * Fills up to @max options in the order of the BTF and returns their
 * number (which may exceed @max), or -EINVAL with a reason in @why when a
 * declaration is malformed: a tag on something other than a `const
 * volatile` global, a bad short or long name, two options of one name.
 * pk_params__options_btf() reads BTF alone (no defaults).
 */
int pk_params__options(struct bpf_object *obj, struct pk_param_option *out, size_t max, char *why,
		       size_t why_size);
int pk_params__options_btf(const struct btf *btf, struct pk_param_option *out, size_t max,
			   char *why, size_t why_size);
/*
 * What a file says of itself as a tool (PK_TOOL_SUMMARY(), _EXAMPLE(),
 * _BANNER(), _INTERVAL(), PK_PREFER()): the text of its @n-th tag
 * "@prefix:TEXT" (@prefix "pk_summary"...), or NULL.
 */
const char *pk_params__file_tag(const struct btf *btf, const char *prefix, int n);
/*
 * Whether program @name is left out of a run with a pid filter (@pid) or
 * without one: the file's PK_WITH_PID() / PK_WITHOUT_PID() lists.
 */
bool pk_params__prog_off(const struct btf *btf, const char *name, bool pid);

#ifdef __cplusplus
}
#endif
#endif
