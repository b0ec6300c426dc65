// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Map snapshots (bcc's items/keys/values/clear) and per-CPU sums; bcc's
 * histogram printers are in histprint.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <probekit/maps.h>

#include "data.h"

struct pk_map_snapshot {
	__u32 key_size, value_size;
	size_t count, cap;
	char *keys, *values;
	bool batched;
};

/* What a map's entries look like to user space. */
struct map_shape {
	__u32 type, key_size, value_size, max_entries;
	/* bytes per value as the syscalls see it: nr_cpus slots when per-CPU */
	__u32 raw_value_size;
	int nr_cpus;
	bool percpu, array;
};

bool pk_map_type_is_percpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

static int map_shape(int fd, struct map_shape *m)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int err;

	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return err < 0 ? err : -errno;
	memset(m, 0, sizeof(*m));
	m->type = info.type;
	m->key_size = info.key_size;
	m->value_size = info.value_size;
	m->max_entries = info.max_entries;
	m->percpu = pk_map_type_is_percpu(info.type);
	m->array = info.type == BPF_MAP_TYPE_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_ARRAY;
	m->nr_cpus = 1;
	m->raw_value_size = m->value_size;
	if (m->percpu) {
		m->nr_cpus = libbpf_num_possible_cpus();
		if (m->nr_cpus <= 0)
			return m->nr_cpus < 0 ? m->nr_cpus : -EINVAL;
		m->raw_value_size = ((m->value_size + 7) & ~7U) * m->nr_cpus;
	}
	return 0;
}

static int snapshot_grow(struct pk_map_snapshot *s, size_t want, __u32 raw_value_size)
{
	size_t cap = s->cap ? s->cap : 64;
	char *keys, *values;

	while (cap < want)
		cap *= 2;
	if (cap == s->cap)
		return 0;
	keys = realloc(s->keys, cap * s->key_size);
	if (!keys)
		return -ENOMEM;
	s->keys = keys;
	values = realloc(s->values, cap * (size_t)raw_value_size);
	if (!values)
		return -ENOMEM;
	s->values = values;
	s->cap = cap;
	return 0;
}

static bool batch_unsupported(int err)
{
	return err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTSUPP_ERRNO || err == -ENOSYS ||
	       err == -EPERM;
}

/*
 * Reads the map in batches. Returns -EOPNOTSUPP when the kernel or the
 * map type has no batch operation (nothing was read or deleted then).
 */
static int read_batched(int fd, const struct map_shape *m, struct pk_map_snapshot *s, bool delete)
{
	/* the resume token is a bucket for hash maps, a key for arrays */
	__u32 token_size = m->key_size > 8 ? m->key_size : 8;
	char *in = calloc(2, token_size), *out = in ? in + token_size : NULL;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	bool first = true;
	__u32 n;
	int err;

	if (!in)
		return -ENOMEM;
	for (;;) {
		err = snapshot_grow(s, s->count + 1, m->raw_value_size);
		if (err)
			break;
		n = s->cap - s->count;
		err = (delete ? bpf_map_lookup_and_delete_batch : bpf_map_lookup_batch)(
			fd, first ? NULL : in, out, s->keys + s->count * s->key_size,
			s->values + s->count * (size_t)m->raw_value_size, &n, &opts);
		if (err == -ENOSPC && n == 0) {
			/* one bucket holds more than there is room for */
			err = snapshot_grow(s, s->cap * 2, m->raw_value_size);
			if (err)
				break;
			continue;
		}
		if (err && err != -ENOENT) {
			if (first && batch_unsupported(err))
				err = -EOPNOTSUPP;
			break;
		}
		s->count += n;
		if (err == -ENOENT) {
			err = 0;
			break;
		}
		memcpy(in, out, token_size);
		first = false;
	}
	free(in);
	return err;
}

/* The slow way: every key through get-next-key, then each value. */
static int read_walking(int fd, const struct map_shape *m, struct pk_map_snapshot *s)
{
	char *prev = NULL, *key;
	int err;

	for (;;) {
		err = snapshot_grow(s, s->count + 1, m->raw_value_size);
		if (err)
			return err;
		key = s->keys + s->count * s->key_size;
		/* prev may move when the arrays grow: recompute it */
		prev = s->count ? s->keys + (s->count - 1) * s->key_size : NULL;
		err = bpf_map_get_next_key(fd, prev, key);
		if (err)
			return err == -ENOENT ? 0 : err;
		err = bpf_map_lookup_elem(fd, key, s->values + s->count * (size_t)m->raw_value_size);
		if (err && errno == ENOENT)
			continue; /* deleted under us: the walk goes on from prev */
		if (err)
			return -errno;
		s->count++;
	}
}

static void sum_words(void *dst, const char *src, __u32 value_size, __u32 stride, int nr_cpus)
{
	__u32 off;
	int cpu;

	for (off = 0; off + 8 <= value_size && value_size % 8 == 0; off += 8) {
		__u64 sum = 0, v;

		for (cpu = 0; cpu < nr_cpus; cpu++) {
			memcpy(&v, src + cpu * (size_t)stride + off, 8);
			sum += v;
		}
		memcpy((char *)dst + off, &sum, 8);
	}
	for (off = 0; off + 4 <= value_size && value_size % 8; off += 4) {
		__u32 sum = 0, v;

		for (cpu = 0; cpu < nr_cpus; cpu++) {
			memcpy(&v, src + cpu * (size_t)stride + off, 4);
			sum += v;
		}
		memcpy((char *)dst + off, &sum, 4);
	}
}

/* Folds each per-CPU value into one, in place. */
static int sum_snapshot(const struct map_shape *m, struct pk_map_snapshot *s)
{
	__u32 stride = (m->value_size + 7) & ~7U;
	size_t i;

	if (m->value_size % 4)
		return -EINVAL;
	for (i = 0; i < s->count; i++) {
		char tmp[stride];

		sum_words(tmp, s->values + i * (size_t)m->raw_value_size, m->value_size, stride,
			  m->nr_cpus);
		memcpy(s->values + i * (size_t)m->value_size, tmp, m->value_size);
	}
	s->value_size = m->value_size;
	return 0;
}

__u64 pk_percpu_sum(const void *values, __u32 value_size, int nr_cpus)
{
	__u32 stride = (value_size + 7) & ~7U;
	const char *p = values;
	__u64 sum = 0, v64;
	__u32 v32;
	int cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++, p += stride) {
		if (value_size >= 8) {
			memcpy(&v64, p, 8);
			sum += v64;
		} else if (value_size >= 4) {
			memcpy(&v32, p, 4);
			sum += v32;
		}
	}
	return sum;
}

/* Empties what was read, when batches could not do it. */
static int clear_read(int fd, const struct map_shape *m, const struct pk_map_snapshot *s)
{
	char *zero = NULL;
	size_t i;
	int err = 0;

	if (m->array) {
		zero = calloc(1, m->raw_value_size);
		if (!zero)
			return -ENOMEM;
	}
	for (i = 0; i < s->count && !err; i++) {
		const void *key = s->keys + i * s->key_size;

		if (m->array)
			err = bpf_map_update_elem(fd, key, zero, BPF_EXIST) ? -errno : 0;
		else if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
			err = -errno;
	}
	free(zero);
	return err;
}

static struct pk_map_snapshot *take(int fd, const struct pk_map_read_opts *opts, bool clear)
{
	bool sum = PK_OPTS_GET(opts, sum_percpu, false);
	bool no_batch = PK_OPTS_GET(opts, no_batch, false);
	struct pk_map_snapshot *s;
	struct map_shape m;
	int err;

	if (!PK_OPTS_VALID(opts, pk_map_read_opts)) {
		errno = EINVAL;
		return NULL;
	}
	err = map_shape(fd, &m);
	if (err) {
		errno = -err;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->key_size = m.key_size;
	s->value_size = m.raw_value_size;
	/* arrays cannot lose entries: they are read, then zeroed */
	err = no_batch ? -EOPNOTSUPP : read_batched(fd, &m, s, clear && !m.array);
	s->batched = !err;
	if (err == -EOPNOTSUPP) {
		s->count = 0;
		err = read_walking(fd, &m, s);
		if (!err && clear)
			err = clear_read(fd, &m, s);
	} else if (!err && clear && m.array) {
		err = clear_read(fd, &m, s);
	}
	if (!err && sum && m.percpu)
		err = sum_snapshot(&m, s);
	if (err) {
		pk_map_snapshot__free(s);
		errno = -err;
		return NULL;
	}
	return s;
}

struct pk_map_snapshot *pk_map_snapshot__new(int fd, const struct pk_map_read_opts *opts)
{
	return take(fd, opts, false);
}

struct pk_map_snapshot *pk_map_snapshot__new_and_clear(int fd, const struct pk_map_read_opts *opts)
{
	return take(fd, opts, true);
}

int pk_map_clear(int fd)
{
	struct pk_map_snapshot *s = pk_map_snapshot__new_and_clear(fd, NULL);

	if (!s)
		return -errno;
	pk_map_snapshot__free(s);
	return 0;
}

size_t pk_map_snapshot__count(const struct pk_map_snapshot *s)
{
	return s ? s->count : 0;
}

__u32 pk_map_snapshot__key_size(const struct pk_map_snapshot *s)
{
	return s ? s->key_size : 0;
}

__u32 pk_map_snapshot__value_size(const struct pk_map_snapshot *s)
{
	return s ? s->value_size : 0;
}

const void *pk_map_snapshot__key(const struct pk_map_snapshot *s, size_t i)
{
	return s && i < s->count ? s->keys + i * s->key_size : NULL;
}

const void *pk_map_snapshot__value(const struct pk_map_snapshot *s, size_t i)
{
	return s && i < s->count ? s->values + i * (size_t)s->value_size : NULL;
}

bool pk_map_snapshot__batched(const struct pk_map_snapshot *s)
{
	return s && s->batched;
}

struct sort_ctx {
	const struct pk_map_snapshot *s;
	int (*cmp)(const void *, const void *, const void *, const void *, void *);
	void *ctx;
};

static int compare_index(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	return c->cmp(pk_map_snapshot__key(c->s, i), pk_map_snapshot__value(c->s, i),
		      pk_map_snapshot__key(c->s, j), pk_map_snapshot__value(c->s, j), c->ctx);
}

void pk_map_snapshot__sort(struct pk_map_snapshot *s,
			   int (*cmp)(const void *, const void *, const void *, const void *,
				      void *),
			   void *ctx)
{
	struct sort_ctx c = { s, cmp, ctx };
	size_t *order, i;
	char *keys, *values;

	if (!s || s->count < 2)
		return;
	order = malloc(s->count * sizeof(*order));
	keys = malloc(s->count * s->key_size);
	values = malloc(s->count * (size_t)s->value_size);
	if (order && keys && values) {
		for (i = 0; i < s->count; i++)
			order[i] = i;
		qsort_r(order, s->count, sizeof(*order), compare_index, &c);
		for (i = 0; i < s->count; i++) {
			memcpy(keys + i * s->key_size, pk_map_snapshot__key(s, order[i]), s->key_size);
			memcpy(values + i * (size_t)s->value_size, pk_map_snapshot__value(s, order[i]),
			       s->value_size);
		}
		free(s->keys);
		free(s->values);
		s->keys = keys;
		s->values = values;
		s->cap = s->count;
		keys = values = NULL;
	}
	free(order);
	free(keys);
	free(values);
}

void pk_map_snapshot__free(struct pk_map_snapshot *s)
{
	if (!s)
		return;
	free(s->keys);
	free(s->values);
	free(s);
}

int pk_map_read_slots(int fd, __u64 *vals, size_t n, bool clear)
{
	LIBBPF_OPTS(pk_map_read_opts, opts, .sum_percpu = true);
	struct pk_map_snapshot *s;
	__u64 slot;
	size_t i;

	if (!n)
		return -EINVAL;
	s = clear ? pk_map_snapshot__new_and_clear(fd, &opts) : pk_map_snapshot__new(fd, &opts);
	if (!s)
		return -errno;
	if ((s->key_size != 4 && s->key_size != 8) || (s->value_size != 4 && s->value_size != 8)) {
		pk_map_snapshot__free(s);
		return -EINVAL;
	}
	memset(vals, 0, n * sizeof(*vals));
	for (i = 0; i < s->count; i++) {
		slot = pk__load_uint(pk_map_snapshot__key(s, i), s->key_size);
		vals[slot < n ? slot : n - 1] += pk__load_uint(pk_map_snapshot__value(s, i),
							   s->value_size);
	}
	pk_map_snapshot__free(s);
	return 0;
}
