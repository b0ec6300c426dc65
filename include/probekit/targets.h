/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_TARGETS_H
#define PROBEKIT_TARGETS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What can be attached here, name by name, from where the kernel and the
 * files say it: for listings (`probekit list`) and for "did you mean"
 * (pass pk_suggest__add_cb as @fn). Each walker calls @fn once per name;
 * a non-zero return from @fn stops the walk and is returned. Otherwise
 * they return 0, or a negative errno when the source cannot be read.
 */
typedef int (*pk_target_fn)(const char *name, void *arg);

/* Tracepoints as "category:event", from tracefs's available_events. */
int pk_targets_tracepoints(pk_target_fn fn, void *arg);
/* Raw tracepoints (raw_tp/tp_btf): the kernel BTF's btf_trace_<name> types. */
int pk_targets_raw_tracepoints(pk_target_fn fn, void *arg);
/* Kernel functions in the kernel's BTF: what fentry/fexit can attach to. */
int pk_targets_btf_functions(pk_target_fn fn, void *arg);
/* Functions in kallsyms (kernel and modules, not BPF programs): kprobe targets. */
int pk_targets_kallsyms_functions(pk_target_fn fn, void *arg);
/* Functions of an ELF file (.symtab, debug files, .dynsym): uprobe targets. */
int pk_targets_elf_functions(const char *path, pk_target_fn fn, void *arg);

/* One USDT probe: a .note.stapsdt entry of an ELF file. */
struct pk_usdt_probe {
	const char *provider;
	const char *name;
	/* the probe's address, as the note has it (before prelink adjustment) */
	uint64_t pc;
	/* the is-enabled counter's address, 0 for none */
	uint64_t semaphore;
	/* the argument spec, such as "8@%rdi -4@%esi" ("" for none) */
	const char *args;
};
typedef int (*pk_usdt_fn)(const struct pk_usdt_probe *probe, void *arg);

/* The USDT probes of an ELF file. -ENOENT when the file cannot be opened,
 * -EINVAL when it is not ELF; a file without probes calls @fn never. */
int pk_targets_usdt(const char *path, pk_usdt_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif
