/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_OBJECT_H
#define PROBEKIT_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <probekit/attach.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;
struct bpf_program;

/*
 * Any BPF object file, loaded and attached program by program from its
 * SEC() names, with fallback between programs that are alternatives of one
 * another -- what `probekit run` does with a file, for any C program:
 *
 *	struct pk_object *o = pk_object__open("foo.bpf.o", NULL, why, sizeof(why));
 *	if (!o || pk_object__load(o))
 *		... pk_object__error(o) ...
 *	... read maps through bpf_object__find_map_by_name(pk_object__bpf(o), ...)
 *	pk_object__free(o);
 *
 * Fallback groups. Programs whose names share a stem before a final "__"
 * are one group: alternatives of one another, such as
 *
 *	SEC("fentry/do_unlinkat")          int unlink__fentry(...)
 *	SEC("kprobe/do_unlinkat")          int unlink__kprobe(...)
 *	SEC("tracepoint/syscalls/sys_enter_unlinkat") int unlink__tp(...)
 *
 * Only the best member the kernel allows is loaded (fentry, then kprobe,
 * tp_btf, raw_tp, tracepoint, judged from the SEC name, not the suffix);
 * the others are switched off before load. A member may be several
 * programs of one kind, loaded together: open__fexit alone, or
 * open__tp_enter with open__tp_exit. The choice goes through
 * pk_attach, so it is the one the tools make, with the same feature
 * probes and reasons. Programs outside groups are always loaded.
 *
 * Targets libbpf cannot attach by itself are attached here after load:
 * "uprobe/c:malloc" and "uretprobe/c:malloc" (a library by short name, as
 * bcc's attach_uprobe(name="c")), "uprobe//path/bin:func", optionally for
 * one process; and SEC("perf_event") programs, which sample the software
 * CPU clock on every CPU at sample_freq Hz.
 */
struct pk_object_opts {
	size_t sz;
	/* PK_MECH_AUTO: the best each group allows; else only members of this kind */
	enum pk_mech mechanism;
	/* where each choice is explained (-v), or NULL */
	FILE *log;
	/* uprobes only in this process (0: every process) */
	pid_t pid;
	/* perf_event programs: samples per second per CPU (0: 49) */
	unsigned long sample_freq;
	/* after open, before load (global variables, map sizes); each attempt */
	int (*configure)(struct bpf_object *obj, enum pk_mech mech, void *ctx);
	void *ctx;
	/*
	 * Whether this run leaves program @prog out (an option's
	 * PK_PROGS_WHEN() unset), called with @ctx at open; NULL: none is.
	 */
	bool (*leave_out)(const char *prog, void *ctx);
	size_t :0;
};
#define pk_object_opts__last_field leave_out

struct pk_object;

/*
 * Opens @path (a BPF ELF object) and groups its programs. Returns NULL with
 * errno set and a one-line reason in @why when the file cannot be read, is
 * not an ELF file, is an ELF file for another machine, or is truncated or
 * corrupt.
 */
struct pk_object *pk_object__open(const char *path, const struct pk_object_opts *opts,
				  char *why, size_t why_size);
/*
 * Loads the chosen members and attaches every loaded program. Returns 0 or
 * a negative errno; pk_object__error() says why in one line (a missing
 * target names the program and the nearest existing names, from suggest.h). On failure
 * nothing stays loaded.
 */
int pk_object__load(struct pk_object *o);
const char *pk_object__error(const struct pk_object *o);
/* After a verifier rejection: the whole log of the program rejected, or NULL. */
const char *pk_object__verifier_log(const struct pk_object *o);
/* The loaded object (NULL before load). */
struct bpf_object *pk_object__bpf(const struct pk_object *o);
/* The links, for pk_attach__count() (bcc's num_open_kprobes()). */
struct pk_attach *pk_object__attach(const struct pk_object *o);
/* The kind of the members chosen (PK_MECH_AUTO before load). */
enum pk_mech pk_object__mechanism(const struct pk_object *o);

/* The groups: a stem and, after load, the programs chosen for it ("a, b"). */
size_t pk_object__group_count(const struct pk_object *o);
const char *pk_object__group_name(const struct pk_object *o, size_t i);
const char *pk_object__group_chosen(const struct pk_object *o, size_t i);

/*
 * Whether any program calls bpf_trace_printk() or bpf_trace_vprintk()
 * (helpers 6 and 177, seen in its instructions): its output is in trace_pipe.
 */
bool pk_object__uses_printk(const struct pk_object *o);

/*
 * For a pk_attach or a pk_tool of your own: skeleton operations and a
 * variant table (ending in PK_MECH_AUTO) that open and load this object.
 * The operations act on @o, whichever object another thread or call
 * opened since; pk_object__attach_extra() then attaches what
 * pk_attach leaves to the caller (uprobes by short name, perf_event).
 * pk_object__load() does all of this itself.
 */
const struct pk_skel_ops *pk_object__skel_ops(struct pk_object *o);
const struct pk_variant *pk_object__variants(const struct pk_object *o);
int pk_object__attach_extra(struct pk_object *o, struct pk_attach *att);

/* Frees, detaching and unloading everything; accepts NULL. */
void pk_object__free(struct pk_object *o);

/*
 * Whether @path looks like a BPF object (ELF, machine EM_BPF): 1 yes, 0 no
 * (with the reason in @why), negative errno when it cannot be read.
 */
int pk_object_file_check(const char *path, char *why, size_t why_size);

#ifdef __cplusplus
}
#endif
#endif
