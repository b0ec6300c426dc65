/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The runtime layer's internals (lib/runtime/): the tool runtime. It has
 * none of its own yet; its files include this for the layers below
 * (lib/README.md).
 */
#ifndef PROBEKIT_RUNTIME_H
#define PROBEKIT_RUNTIME_H

#include "../print/print.h"

/* Options declared in a BPF object, on the command line (declared.c) -------- */

#define PK__MAX_DECLARED 32

struct pk_param_option;
struct pk__declared {
	/* opened, never loaded: the declarations, and the values' checks */
	struct bpf_object *obj;
	char source[128];
	struct pk_param_option *opts;
	int nr;
	/* NAME=VALUE of each option given */
	char *sets[PK__MAX_DECLARED];
	/* the filters' values */
	pid_t pid, tid;
	__u32 uid;
	bool uid_given;
	char comm[16];
	__u64 cgroup;
	__u32 cgroup_level;
};

/* Opens the object at @path, or in @data when not NULL, and reads its
 * declarations; @name (NULL: @path) names it in messages. */
int pk__declared_open(struct pk__declared *d, const char *path, const char *name,
		      const void *data, size_t size, char *why, size_t why_size);
/* Option @i's value from the command line: -EINVAL with @why when it is bad. */
int pk__declared_parse(struct pk__declared *d, int i, const char *arg, char *why, size_t why_size);
/* Sets the values in @obj before load; @pid fills the pid filter unless -p did. */
int pk__declared_apply(const struct pk__declared *d, struct bpf_object *obj, pid_t pid, char *why,
		       size_t why_size);
bool pk__declared_has_filter(const struct pk__declared *d, const char *kind);
/* PK_TARGET() options: their values as targets of their programs, from configure. */
struct pk_attach;
int pk__declared_targets(const struct pk__declared *d, struct pk_attach *att, char *why,
			 size_t why_size);
/* A PK_POSITIONAL option's value given without its name: the next one not given. */
int pk__declared_positional(struct pk__declared *d, const char *arg, char *why, size_t why_size);
void pk__declared_free(struct pk__declared *d);

#endif
