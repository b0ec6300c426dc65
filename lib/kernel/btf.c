// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where kernel BTF comes from: the kernel's own, a file given instead (for
 * kernels built without CONFIG_DEBUG_INFO_BTF: BTFHub's files, or one made
 * by `bpftool gen min_core_btf`), or none. And whether a BPF object needs
 * it at all: libbpf wants kernel BTF for an object as soon as it carries
 * one CO-RE relocation, so that is decided from the object's .BTF.ext.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/btf.h>

#include <probekit/features.h>

#include "kernel.h"

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"

enum source { UNSET, KERNEL, FILE_, NONE };

static enum source source;
static char file[PATH_MAX];
static unsigned int generation = 1;

/* A raw BTF file (BTFHub's .btf, min_core_btf's output) or an ELF with .BTF. */
static int check_file(const char *path)
{
	unsigned char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (read(fd, magic, sizeof(magic)) != sizeof(magic))
		err = -EINVAL;
	else if (!(magic[0] == (BTF_MAGIC & 0xff) && magic[1] == BTF_MAGIC >> 8) &&
		 memcmp(magic, ELFMAG, SELFMAG))
		err = -EINVAL;
	close(fd);
	return err;
}

static int set(const char *path)
{
	int err = 0;

	generation++;
	if (!path || !strcmp(path, KERNEL_BTF)) {
		source = KERNEL;
	} else if (!strcmp(path, PK_BTF_NONE)) {
		source = NONE;
	} else {
		if (strlen(path) >= sizeof(file))
			return -ENAMETOOLONG;
		err = check_file(path);
		/* kept even when unreadable: loads then say why they cannot use it */
		snprintf(file, sizeof(file), "%s", path);
		source = FILE_;
	}
	return err;
}

static void init(void)
{
	const char *env;

	if (source != UNSET)
		return;
	env = getenv("PROBEKIT_BTF");
	set(env && *env ? env : NULL);
}

int pk_btf_set_path(const char *path)
{
	int err = path && strcmp(path, PK_BTF_NONE) ? check_file(path) : 0;

	if (err)
		return err;
	return set(path);
}

const char *pk_btf_path(void)
{
	init();
	switch (source) {
	case FILE_: return file;
	case NONE: return NULL;
	default: return KERNEL_BTF;
	}
}

bool pk_btf_overridden(void)
{
	init();
	return source == FILE_ || source == NONE;
}

unsigned int pk__btf_generation(void)
{
	init();
	return generation;
}

/* libbpf's struct btf_ext_header, which it keeps to itself. */
struct btf_ext_hdr {
	__u16 magic;
	__u8 version;
	__u8 flags;
	__u32 hdr_len;
	__u32 func_info_off, func_info_len;
	__u32 line_info_off, line_info_len;
	__u32 core_relo_off, core_relo_len;
};

bool pk__elf_needs_core(const void *image, size_t size)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	bool core = false;

	elf_version(EV_CURRENT);
	elf = elf_memory((char *)image, size);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		struct btf_ext_hdr h = {};
		const char *name;
		Elf_Data *d;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".BTF.ext"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || d->d_size < 8)
			break;
		memcpy(&h, d->d_buf, d->d_size < sizeof(h) ? d->d_size : sizeof(h));
		/* the relocations follow a 4-byte record size */
		core = h.hdr_len >= sizeof(h) && h.core_relo_len > sizeof(__u32);
		break;
	}
out:
	elf_end(elf);
	return core;
}

int pk__var_tags(const struct btf *btf, const char *var, int (*fn)(const char *tag, void *ctx),
		 void *ctx)
{
	__u32 i, n = btf__type_cnt(btf);
	int ret;

	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i), *v;
		const char *tag, *vname;

		if (!btf_is_decl_tag(t) || btf_decl_tag(t)->component_idx != -1)
			continue;
		v = btf__type_by_id(btf, t->type);
		vname = v && btf_is_var(v) ? btf__name_by_offset(btf, v->name_off) : NULL;
		tag = btf__name_by_offset(btf, t->name_off);
		if (vname && tag && !strcmp(vname, var) && (ret = fn(tag, ctx)))
			return ret;
	}
	return 0;
}
