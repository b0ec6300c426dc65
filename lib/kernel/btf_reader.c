// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel BTF lookups by streaming /sys/kernel/btf/vmlinux through a small
 * buffer: a full parse (what btf__load_vmlinux_btf() does) costs 40 ms and
 * 8 MB here, for the handful of names the probes need.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>

#include <probekit/features.h>

#include "kernel.h"

#define SCAN_CHUNK 65536

struct btf_reader {
	int fd;
	__u32 base;
	__u32 len;
	__u32 buf_start;
	__u32 buf_len;
	char buf[SCAN_CHUNK];
};

static const void *reader_at(struct btf_reader *r, __u32 pos, __u32 n)
{
	ssize_t got;

	if (pos + n > r->len)
		return NULL;
	if (pos < r->buf_start || pos + n > r->buf_start + r->buf_len) {
		/* sysfs hands out at most a page per read */
		r->buf_start = pos;
		r->buf_len = 0;
		while (r->buf_len < n) {
			got = pread(r->fd, r->buf + r->buf_len, sizeof(r->buf) - r->buf_len,
				    (off_t)r->base + pos + r->buf_len);
			if (got <= 0)
				return NULL;
			r->buf_len += got;
		}
	}
	return r->buf + (pos - r->buf_start);
}

/* Bytes that follow a type's common 12-byte header. */
static __u32 btf_extra_size(const struct btf_type *t)
{
	__u32 vlen = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_INT: return 4;
	case BTF_KIND_ARRAY: return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: return vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM: return vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO: return vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR: return sizeof(struct btf_var);
	case BTF_KIND_DATASEC: return vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG: return sizeof(struct btf_decl_tag);
	case BTF_KIND_ENUM64: return vlen * 12;
	default: return 0;
	}
}

/*
 * Offsets of @name in the string section (at most @max). Chunks overlap by
 * the name's length, so a match cut by one chunk's end is whole in the next;
 * a match at a later chunk's very start was already seen in full before.
 */
static int find_string(struct btf_reader *r, const char *name, __u32 *offs, int max)
{
	size_t n = strlen(name) + 1;
	__u32 pos = 0, step = SCAN_CHUNK - n;
	int found = 0;

	for (;;) {
		__u32 want = r->len - pos < SCAN_CHUNK ? r->len - pos : SCAN_CHUNK;
		const char *chunk = reader_at(r, pos, want), *p = chunk;

		if (!chunk)
			return -EIO;
		while (found < max && (p = memmem(p, chunk + want - p, name, n))) {
			__u32 off = pos + (p - chunk);
			bool starts = off == 0 || (p > chunk && p[-1] == '\0');

			if (starts && (!found || off > offs[found - 1]))
				offs[found++] = off;
			p++;
		}
		if (found == max || pos + want >= r->len)
			return found;
		pos += step;
	}
}

/*
 * The id of the type named @name of @kind, or a negative errno; with a
 * NULL name, the number of types. The BTF read is pk_btf_path()'s.
 */
/* The slow way, for BTF inside an ELF file given as the override. */
static int parsed_btf_find(const char *path, const char *name, int kind)
{
	struct btf *btf = btf__parse(path, NULL);
	int ret;

	if (!btf)
		return -errno;
	ret = name ? btf__find_by_name_kind(btf, name, kind) : (int)btf__type_cnt(btf) - 1;
	btf__free(btf);
	return ret;
}

static int vmlinux_btf_find(const char *name, int kind)
{
	const char *path = pk_btf_path();
	struct btf_reader *r = calloc(1, sizeof(*r));
	struct btf_header hdr;
	__u32 offs[4], pos, id = 1;
	int nr_offs = 0, ret = -ENOENT, i;

	if (!path) {
		free(r);
		return -ENODATA;
	}
	if (!r)
		return -ENOMEM;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd >= 0 && pread(r->fd, &hdr, sizeof(hdr), 0) == sizeof(hdr) &&
	    hdr.magic != BTF_MAGIC && strcmp(path, VMLINUX_BTF_PATH)) {
		/* an override in an ELF file: libbpf reads those */
		ret = parsed_btf_find(path, name, kind);
		goto out;
	}
	if (r->fd < 0 || pread(r->fd, &hdr, sizeof(hdr), 0) != sizeof(hdr) ||
	    hdr.magic != BTF_MAGIC) {
		ret = r->fd < 0 ? -errno : -EINVAL;
		goto out;
	}
	if (name) {
		r->base = hdr.hdr_len + hdr.str_off;
		r->len = hdr.str_len;
		nr_offs = find_string(r, name, offs, 4);
		if (nr_offs <= 0) {
			ret = nr_offs < 0 ? nr_offs : -ENOENT;
			goto out;
		}
	}
	r->base = hdr.hdr_len + hdr.type_off;
	r->len = hdr.type_len;
	r->buf_start = r->buf_len = 0;
	for (pos = 0; pos < r->len; id++) {
		const struct btf_type *t = reader_at(r, pos, sizeof(*t));

		if (!t) {
			ret = -EIO;
			goto out;
		}
		for (i = 0; i < nr_offs; i++) {
			if (t->name_off == offs[i] && btf_kind(t) == kind) {
				ret = id;
				goto out;
			}
		}
		pos += sizeof(*t) + btf_extra_size(t);
	}
	if (!name)
		ret = id - 1;
out:
	if (r->fd >= 0)
		close(r->fd);
	free(r);
	return ret;
}

int pk__btf_find(const char *name, int kind)
{
	return vmlinux_btf_find(name, kind);
}

/*
 * The kernel's own BTF file, checked by its header alone: the magic, and
 * both sections inside the file. Counting its types walks 3 MB of them,
 * a millisecond of every tool's start, for a number only a listing shows.
 * Returns the file's size, or a negative errno.
 */
long pk__btf_header_check(void)
{
	struct btf_header hdr;
	struct stat st;
	long ret = -EINVAL;
	int fd = open(VMLINUX_BTF_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && pread(fd, &hdr, sizeof(hdr), 0) == sizeof(hdr) &&
	    hdr.magic == BTF_MAGIC && hdr.hdr_len >= sizeof(hdr) &&
	    (__u64)hdr.hdr_len + hdr.type_off + hdr.type_len <= (__u64)st.st_size &&
	    (__u64)hdr.hdr_len + hdr.str_off + hdr.str_len <= (__u64)st.st_size && hdr.type_len)
		ret = st.st_size;
	close(fd);
	return ret;
}
