/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_ATTACH_H
#define PROBEKIT_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;
struct bpf_link;

/* Ways of hooking the kernel, in the order tools usually prefer them. */
enum pk_mech {
	PK_MECH_AUTO = 0,
	PK_MECH_FENTRY,
	PK_MECH_KPROBE,
	PK_MECH_TP_BTF,
	PK_MECH_RAW_TP,
	PK_MECH_TRACEPOINT,
	PK_MECH_UPROBE,
	/* the uprobe programs' targets in one file as one link (Linux 6.6+):
	 * detached with one RCU grace period, not one per function */
	PK_MECH_UPROBE_MULTI,
	PK_MECH__COUNT,
};

const char *pk_mech_name(enum pk_mech mech);
/* Accepts "fentry" (or "kfunc"), "kprobe", "tp_btf", "raw_tp",
 * "tracepoint" (or "tp"), "uprobe", "uprobe_multi"; -EINVAL for anything else. */
int pk_mech_by_name(const char *name, enum pk_mech *mech);

enum pk_target_flags {
	/* when the kernel lacks it, leave it out (saying so in the log) rather
	 * than fail the variant */
	PK_TARGET_OPTIONAL = 1 << 0,
};

/*
 * Where a program attaches, for a program whose section names no target
 * (SEC("kprobe")), or one that attaches in several places (a kretprobe on
 * every stat function). What @target means follows the program's kind:
 *  - fentry, fexit, tp_btf: the BTF function or tracepoint, set before load
 *    (one per program);
 *  - kprobe, kretprobe: a kernel function, or its compiler clone
 *    (name.isra.0, name.constprop.0) when only that exists;
 *  - tracepoint: "category:event";
 *  - raw_tp: the tracepoint's name;
 *  - uprobe, uretprobe: "LIB:SYMBOL", LIB as pk_uprobe_find_binary() takes
 *    it ("c" is libc), for process @pid only when it is not 0. In a
 *    PK_MECH_UPROBE_MULTI variant, the targets of one program in one LIB
 *    and pid become one uprobe_multi link; the program is loaded for it.
 * Each target is checked before load, attached after it, counted by
 * pk_attach__count() and named in the log. @cookie is what
 * bpf_get_attach_cookie() returns in the program for this target (uprobes;
 * classic ones need Linux 5.15), so one program can tell its targets apart.
 */
struct pk_target {
	const char *prog;
	const char *target;
	pid_t pid;
	unsigned int flags;
	unsigned long long cookie;
};

/*
 * One way for a tool to get its events: the programs that must all load
 * and attach, the ones attached only when their target exists on this
 * kernel (such as the open syscall, which some architectures lack), and
 * targets for programs whose section has none (ending with a NULL prog).
 * Targets known only at run time are added from the configure hook with
 * pk_attach__add_target(). Programs named in no variant are always
 * loaded. Every program name is checked against the object when it is
 * opened: a name it lacks is an error, not a variant that never works.
 */
struct pk_variant {
	enum pk_mech mech;
	const char *const *progs;
	const char *const *optional;
	const struct pk_target *targets;
	unsigned int flags; /* PK_VARIANT_* */
};

/*
 * The variant's programs take the kernel's own BTF (bpf_get_current_task_btf()
 * and the like): left out where the kernel has none or --btf names another.
 * Several variants may share a mechanism; --mechanism tries them in order.
 */
#define PK_VARIANT_KERNEL_BTF (1U << 0)

/*
 * How to drive one bpftool skeleton. PK_SKEL_OPS(opensnoop_bpf) defines
 * these for a skeleton called opensnoop_bpf.
 */
struct bpf_object_open_opts;

struct pk_skel_ops {
	void *(*open)(void);
	int (*load)(void *skel);
	void (*destroy)(void *skel);
	struct bpf_object *(*object)(void *skel);
	/* for a BTF file in place of the kernel's (btf_custom_path) */
	void *(*open_opts)(const struct bpf_object_open_opts *opts);
	/* the object file the skeleton embeds */
	const void *(*elf_bytes)(size_t *size);
	/*
	 * For ops with state of their own, such as pk_object__skel_ops()'s:
	 * when open_ctx is set, it is called with @ctx (and NULL @opts
	 * unless a BTF file stands in for the kernel's) in place of open and
	 * open_opts, and elf_bytes_ctx in place of elf_bytes.
	 */
	void *ctx;
	void *(*open_ctx)(void *ctx, const struct bpf_object_open_opts *opts);
	const void *(*elf_bytes_ctx)(void *ctx, size_t *size);
};

#define PK_SKEL_OPS(name)                                                     \
	static void *name##__pk_open(void)                                    \
	{                                                                     \
		return name##__open();                                        \
	}                                                                     \
	static int name##__pk_load(void *skel)                                \
	{                                                                     \
		return name##__load((struct name *)skel);                     \
	}                                                                     \
	static void name##__pk_destroy(void *skel)                            \
	{                                                                     \
		name##__destroy((struct name *)skel);                         \
	}                                                                     \
	static struct bpf_object *name##__pk_object(void *skel)               \
	{                                                                     \
		return ((struct name *)skel)->obj;                            \
	}                                                                     \
	static void *name##__pk_open_opts(const struct bpf_object_open_opts *o) \
	{                                                                     \
		return name##__open_opts(o);                                  \
	}                                                                     \
	static const struct pk_skel_ops name##_ops = {                        \
		.open = name##__pk_open,                                      \
		.load = name##__pk_load,                                      \
		.destroy = name##__pk_destroy,                                \
		.object = name##__pk_object,                                  \
		.open_opts = name##__pk_open_opts,                            \
		.elf_bytes = name##__elf_bytes,                               \
	}

struct pk_attach_opts {
	size_t sz;
	/* PK_MECH_AUTO tries the variants in order; anything else forces one */
	enum pk_mech mechanism;
	/* called after open and before load, for rodata and map sizes */
	int (*configure)(void *skel, enum pk_mech mech, void *ctx);
	void *ctx;
	/* where to explain each choice as it is made, or NULL */
	FILE *log;
	/*
	 * Kernel BTF for this object's CO-RE relocations: a file (libbpf's
	 * btf_custom_path), PK_BTF_NONE, or NULL for pk_btf_path()'s choice;
	 * it must stay valid while pk_attach__load() runs. Without BTF, an
	 * object with CO-RE relocations is refused before load.
	 */
	const char *btf_path;
	size_t :0;
};
#define pk_attach_opts__last_field btf_path

/* Whether @mech works on this kernel (pk_feature_probe()), with the reason if not. */
bool pk_mech_usable(enum pk_mech mech, char *why, size_t why_size);

struct pk_attach;

/* @variants ends with an entry whose mech is PK_MECH_AUTO. */
struct pk_attach *pk_attach__new(const struct pk_skel_ops *ops, const struct pk_variant *variants,
				 const struct pk_attach_opts *opts);
/*
 * Opens, configures, loads and attaches the first variant that works,
 * skipping the ones the kernel cannot run before loading them. Returns 0
 * or a negative errno, with pk_attach__error() saying why.
 */
int pk_attach__load(struct pk_attach *att);
enum pk_mech pk_attach__mechanism(const struct pk_attach *att);
void *pk_attach__skel(const struct pk_attach *att);
struct bpf_object *pk_attach__object(const struct pk_attach *att);
/*
 * From the configure hook: one more target for the variant being tried
 * (copied; they last until the next variant is tried). -ENOENT, with
 * pk_attach__error() saying so, when the object has no program @t->prog.
 */
int pk_attach__add_target(struct pk_attach *att, const struct pk_target *t);
/* Hands a link the caller made to @att to destroy. */
int pk_attach__add_link(struct pk_attach *att, struct bpf_link *link);
/* The number of links made. */
int pk_attach__link_count(const struct pk_attach *att);
/*
 * The links held that hook @kind: PK_MECH_FENTRY counts fentry and fexit,
 * PK_MECH_KPROBE kprobes and kretprobes, PK_MECH_UPROBE uprobes, uretprobes
 * and USDT probes, each function of a uprobe_multi link counted once (as
 * bcc's num_open_uprobes() counts them); PK_MECH_UPROBE_MULTI the
 * uprobe_multi links; PK_MECH_AUTO counts every link. The C form of bcc's
 * num_open_kprobes(), for saying "0 functions matched".
 */
int pk_attach__count(const struct pk_attach *att, enum pk_mech kind);
/*
 * Why pk_attach__load() failed. A program the verifier rejected is told in
 * one line, "program NAME rejected by the verifier: KEY (at FILE:LINE: SOURCE;
 * insn N: TEXT)" (see verifier.h); libbpf's own reason otherwise.
 */
const char *pk_attach__error(const struct pk_attach *att);
/* The whole verifier log of the last program rejected, or NULL. */
const char *pk_attach__verifier_log(const struct pk_attach *att);
/* Detaches and frees everything; accepts NULL. */
void pk_attach__free(struct pk_attach *att);

/*
 * Whether the kernel has what a program's section name points at (a BTF
 * function, a kallsyms symbol, a tracepoint), with the reason if not.
 */
bool pk_attach_target_exists(const char *sec_name, char *why, size_t why_size);

#ifdef __cplusplus
}
#endif
#endif
