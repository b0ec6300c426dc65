// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The names of what can be attached here: tracefs, BTF, kallsyms, ELF files. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/ksyms.h>
#include <probekit/targets.h>
#include <probekit/tracefs.h>

#include "kernel.h"

/* Each line of tracefs's @file, up to its first blank, to @fn. */
static int tracefs_lines(const char *file, pk_target_fn fn, void *arg)
{
	const char *tracefs = pk_tracefs_path();
	char path[PATH_MAX], line[512];
	int ret = 0;
	FILE *f;

	if (!tracefs)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\n")] = '\0';
		if (line[0])
			ret = fn(line, arg);
	}
	/* a list that opens but refuses its reads (EPERM under lockdown): none read */
	if (!ret && ferror(f))
		ret = -(errno ?: EIO);
	fclose(f);
	return ret;
}

int pk_targets_tracepoints(pk_target_fn fn, void *arg)
{
	return tracefs_lines("available_events", fn, arg);
}

/*
 * kallsyms also has notrace functions, which kprobes refuse; tracefs's
 * list has only those ftrace can take (a module's followed by "[module]").
 */
int pk__targets_kprobe_functions(pk_target_fn fn, void *arg)
{
	int ret = tracefs_lines("available_filter_functions", fn, arg);

	/* a list we cannot read (no tracefs, no ftrace): -errno before any name */
	return ret < 0 ? pk_targets_kallsyms_functions(fn, arg) : ret;
}

/* Every name of the kernel BTF's types of @kind, less @prefix (which they must have). */
static int btf_names(int kind, const char *prefix, pk_target_fn fn, void *arg)
{
	struct btf *btf = btf__load_vmlinux_btf();
	size_t plen = strlen(prefix);
	__u32 id, nr;
	int ret = 0;

	if (!btf)
		return -errno;
	nr = btf__type_cnt(btf);
	for (id = 1; id < nr && !ret; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name;

		if (btf_kind(t) != kind)
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (name && !strncmp(name, prefix, plen) && name[plen])
			ret = fn(name + plen, arg);
	}
	btf__free(btf);
	return ret;
}

int pk_targets_raw_tracepoints(pk_target_fn fn, void *arg)
{
	return btf_names(BTF_KIND_TYPEDEF, "btf_trace_", fn, arg);
}

int pk_targets_btf_functions(pk_target_fn fn, void *arg)
{
	return btf_names(BTF_KIND_FUNC, "", fn, arg);
}

int pk_targets_kallsyms_functions(pk_target_fn fn, void *arg)
{
	const struct pk_ksyms *ks = pk_ksyms();

	if (!ks)
		return -errno;
	return pk__ksyms_functions(ks, fn, arg);
}

int pk_targets_elf_functions(const char *path, pk_target_fn fn, void *arg)
{
	struct pk__elfmod *m;
	struct pk__symtab *st;
	int fd, ret = 0;
	size_t i;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	m = pk__elfmod_open_fd(fd, path, "");
	if (!m)
		return -EINVAL;
	st = pk__elfmod_symtab(m, "/usr/lib/debug");
	for (i = 0; st && i < st->nr && !ret; i++) {
		if ((st->syms[i].rank & (PK__SYM_CODE | PK__SYM_STUB)) == PK__SYM_CODE)
			ret = fn(pk__symtab_name(st, &st->syms[i], false), arg);
	}
	pk__elfmod_free(m);
	return ret;
}

/* NT_STAPSDT, in a note owned by "stapsdt" */
#define NT_STAPSDT 3

/* One note's descriptor: three addresses, then three strings. */
static int usdt_note(const char *desc, size_t size, bool is64, pk_usdt_fn fn, void *arg)
{
	size_t asz = is64 ? 8 : 4, off = 3 * asz, end[3];
	struct pk_usdt_probe p = {};
	uint64_t a[3] = {};
	int i;

	if (size < off)
		return 0;
	for (i = 0; i < 3; i++) {
		if (is64) {
			memcpy(&a[i], desc + i * 8, 8);
		} else {
			uint32_t v;

			memcpy(&v, desc + i * 4, 4);
			a[i] = v;
		}
	}
	/* the strings must each end inside the note, or the note is bad */
	for (i = 0; i < 3; i++) {
		const char *nul = memchr(desc + off, '\0', size - off);

		if (!nul)
			return 0;
		end[i] = nul - desc;
		off = end[i] + 1;
		if (i < 2 && off >= size)
			return 0;
	}
	p.pc = a[0];
	p.semaphore = a[2];
	p.provider = desc + 3 * asz;
	p.name = desc + end[0] + 1;
	p.args = desc + end[1] + 1;
	return fn(&p, arg);
}

int pk__usdt_notes(Elf *elf, pk_usdt_fn fn, void *arg)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int ret = 0;
	bool is64;

	if (elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx))
		return -EINVAL;
	is64 = gelf_getclass(elf) == ELFCLASS64;
	while (!ret && (scn = elf_nextscn(elf, scn))) {
		size_t off = 0, name_off, desc_off;
		const char *secname;
		Elf_Data *data;
		GElf_Shdr sh;
		GElf_Nhdr nh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		secname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!secname || strcmp(secname, ".note.stapsdt"))
			continue;
		data = elf_getdata(scn, NULL);
		while (!ret && data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off))) {
			if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
			    memcmp((char *)data->d_buf + name_off, "stapsdt", 8))
				continue;
			ret = usdt_note((char *)data->d_buf + desc_off, nh.n_descsz, is64, fn, arg);
		}
	}
	return ret;
}

int pk_targets_usdt(const char *path, pk_usdt_fn fn, void *arg)
{
	int fd, ret;
	Elf *elf;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		close(fd);
		return -EINVAL;
	}
	ret = pk__usdt_notes(elf, fn, arg);
	elf_end(elf);
	close(fd);
	return ret;
}
