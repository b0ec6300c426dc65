/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_UPROBE_H
#define PROBEKIT_UPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_program;
struct bpf_link;
struct pk_usyms;

/*
 * Finds the file behind @binary, as bcc's attach_uprobe(name=...) does:
 * a path; a library short name ("c" is libc: the one process @pid maps,
 * reached through /proc/PID/root so that it works across mount
 * namespaces, or without a pid the system's); or a program on $PATH.
 * Returns 0, or -ENOENT with a reason in @why.
 */
int pk_uprobe_find_binary(const char *binary, pid_t pid, char *path, size_t size, char *why,
			  size_t why_size);

struct pk_uprobe_opts {
	size_t sz;
	/* only this process; 0 for every process that maps the file */
	pid_t pid;
	/* a uretprobe: on return rather than entry */
	bool retprobe;
	/* added to the symbol's offset; without a symbol, the file offset */
	uint64_t offset;
	/* symbols are looked up with this one (its cache kept across calls);
	 * NULL makes a temporary one */
	struct pk_usyms *usyms;
	/* what bpf_get_attach_cookie() returns in the program (Linux 5.15+) */
	uint64_t cookie;
	size_t :0;
};
#define pk_uprobe_opts__last_field cookie

/*
 * Attaches @prog to @sym (or, when @sym is NULL, to opts->offset) in
 * @binary (see pk_uprobe_find_binary()). Returns the link, or NULL with
 * errno set and a one-line reason in @why: no such binary, no such
 * symbol, or what the kernel's refusal means (EINVAL is most often a
 * uprobe with another ref_ctr_offset already on that function).
 */
struct bpf_link *pk_uprobe_attach(struct bpf_program *prog, const char *binary, const char *sym,
				  const struct pk_uprobe_opts *opts, char *why, size_t why_size);

#ifdef __cplusplus
}
#endif
#endif
