// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Whole maps printed by BTF, as bcc's items() loops print them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/btfvalue.h>
#include <probekit/mapprint.h>
#include <probekit/maps.h>
#include <probekit/output.h>
#include "print.h"

#define TEXT_MAX 4096

bool pk_map__is_printable(const struct bpf_map *map)
{
	if (bpf_map__is_internal(map) || !strncmp(bpf_map__name(map), "pk_", 3))
		return false;
	switch (bpf_map__type(map)) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return true;
	default:
		return false;
	}
}

static bool is_array(const struct bpf_map *map)
{
	return bpf_map__type(map) == BPF_MAP_TYPE_ARRAY ||
	       bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY;
}

struct ctx {
	const struct bpf_map *map;
	const struct btf *btf;
	struct pk_btf_printer *printer;
	__u32 key_id, value_id, value_size;
	int nr_cpus; /* per-CPU slots in each value: 1 unless per_cpu */
	bool per_cpu; /* printed apart */
	bool json;
	FILE *out;
	char key[TEXT_MAX], value[TEXT_MAX], line[3 * TEXT_MAX];
};

/* A number to sort by: the value's, summed over CPUs. */
static long double number(const struct ctx *c, const void *v)
{
	size_t stride = (c->value_size + 7) & ~7UL;
	long double sum = 0, x;
	int cpu;

	for (cpu = 0; cpu < c->nr_cpus; cpu++) {
		if (!c->value_id || pk_btf_value_number(c->btf, c->value_id,
							(const char *)v + cpu * stride,
							c->value_size, &x))
			return 0;
		sum += x;
	}
	return sum;
}

static int by_value_desc(const void *k1, const void *v1, const void *k2, const void *v2,
			 void *arg)
{
	const struct ctx *c = arg;
	long double a = number(c, v1), b = number(c, v2);

	(void)k1;
	(void)k2;
	return a < b ? 1 : a > b ? -1 : 0;
}

static void hex(char *buf, size_t size, const unsigned char *d, size_t n)
{
	size_t i, len = 0;

	len += snprintf(buf, size, "0x");
	for (i = 0; i < n && len + 3 < size; i++)
		len += snprintf(buf + len, size - len, "%02x", d[i]);
}

/* A key or value as text: by BTF, else as bytes. */
static void text(struct ctx *c, __u32 id, const void *d, size_t n, char *buf)
{
	if (!id || !c->printer || pk_btf_printer__text(c->printer, id, d, n, buf, TEXT_MAX) < 0)
		hex(buf, TEXT_MAX, d, n);
}

static void json_value(struct ctx *c, struct pk_json *j, const char *key, __u32 id, const void *d,
		       size_t n)
{
	char buf[TEXT_MAX];

	if (id) {
		pk_btf_value_json(c->btf, id, d, n, j, key);
		return;
	}
	hex(buf, sizeof(buf), d, n);
	pk_json_str(j, key, buf, strlen(buf));
}

static void print_json(struct ctx *c, const void *k, const void *v, __u32 key_size)
{
	size_t stride = (c->value_size + 7) & ~7UL;
	const char *name = bpf_map__name(c->map);
	struct pk_json j;
	int cpu;

	pk_json_begin(&j, c->out);
	pk_json_str(&j, "map", name, strlen(name));
	json_value(c, &j, "key", c->key_id, k, key_size);
	if (c->per_cpu) {
		pk_json_array_begin(&j, "values");
		for (cpu = 0; cpu < c->nr_cpus; cpu++)
			json_value(c, &j, NULL, c->value_id, (const char *)v + cpu * stride,
				   c->value_size);
		pk_json_array_end(&j);
	} else {
		json_value(c, &j, "value", c->value_id, v, c->value_size);
	}
	pk_json_end(&j);
}

static void print_text(struct ctx *c, const void *k, const void *v, __u32 key_size)
{
	size_t stride = (c->value_size + 7) & ~7UL, len;
	char name[256];
	int cpu;

	pk_escape_text(name, sizeof(name), bpf_map__name(c->map), strlen(bpf_map__name(c->map)));
	text(c, c->key_id, k, key_size, c->key);
	if (!c->per_cpu) {
		text(c, c->value_id, v, c->value_size, c->value);
		snprintf(c->line, sizeof(c->line), "%s[%s] = %s\n", name, c->key, c->value);
		fputs(c->line, c->out);
		return;
	}
	len = snprintf(c->line, sizeof(c->line), "%s[%s] = [", name, c->key);
	for (cpu = 0; cpu < c->nr_cpus && len < sizeof(c->line); cpu++) {
		text(c, c->value_id, (const char *)v + cpu * stride, c->value_size, c->value);
		len += snprintf(c->line + len, sizeof(c->line) - len, "%s%s", cpu ? ", " : "",
				c->value);
	}
	if (len < sizeof(c->line))
		snprintf(c->line + len, sizeof(c->line) - len, "]\n");
	else
		memcpy(c->line + sizeof(c->line) - 3, "]\n", 3);
	fputs(c->line, c->out);
}

static bool all_zero(const unsigned char *d, size_t n)
{
	while (n--) {
		if (*d++)
			return false;
	}
	return true;
}

static int print_snapshot(struct ctx *c, struct pk_map_snapshot *s, size_t top)
{
	__u32 ks = pk_map_snapshot__key_size(s), vs = pk_map_snapshot__value_size(s);
	size_t i, n = pk_map_snapshot__count(s), printed = 0;

	if (!is_array(c->map))
		pk_map_snapshot__sort(s, by_value_desc, c);
	for (i = 0; i < n && (!top || printed < top); i++) {
		const void *k = pk_map_snapshot__key(s, i), *v = pk_map_snapshot__value(s, i);

		if (is_array(c->map) && all_zero(v, vs))
			continue;
		if (c->json)
			print_json(c, k, v, ks);
		else
			print_text(c, k, v, ks);
		printed++;
	}
	return (int)printed;
}

int pk_map__print(FILE *out, const struct bpf_map *map, const struct btf *btf,
		  const struct pk_map_print_opts *opts)
{
	bool per_cpu = PK_OPTS_GET(opts, per_cpu, false) && pk_map_type_is_percpu(bpf_map__type(map));
	LIBBPF_OPTS(pk_map_read_opts, ro, .sum_percpu = !per_cpu);
	struct pk_map_snapshot *s;
	struct ctx *c;
	int ret;

	if (!out || !map || !PK_OPTS_VALID(opts, pk_map_print_opts))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->map = map;
	c->btf = btf;
	c->out = out;
	c->json = PK_OPTS_GET(opts, json, false);
	c->key_id = btf ? bpf_map__btf_key_type_id(map) : 0;
	c->value_id = btf ? bpf_map__btf_value_type_id(map) : 0;
	c->value_size = bpf_map__value_size(map);
	c->nr_cpus = per_cpu ? libbpf_num_possible_cpus() : 1;
	c->per_cpu = per_cpu;
	c->printer = btf ? pk_btf_printer__new(btf) : NULL;
	s = PK_OPTS_GET(opts, clear, false) ? pk_map__snapshot_and_clear(bpf_map__fd(map), &ro) :
				  pk_map__snapshot(bpf_map__fd(map), &ro);
	if (!s) {
		ret = -errno;
	} else {
		ret = print_snapshot(c, s, PK_OPTS_GET(opts, top, 0));
		pk_map_snapshot__free(s);
	}
	pk_btf_printer__free(c->printer);
	free(c);
	return ret;
}

static int print_var(FILE *out, const struct btf *btf, struct pk_btf_printer *p,
		     const struct btf_var_secinfo *vs, const unsigned char *data, size_t size,
		     bool json)
{
	const struct btf_type *var = btf__type_by_id(btf, vs->type);
	const char *name = var ? btf__name_by_offset(btf, var->name_off) : NULL;
	char value[TEXT_MAX], line[TEXT_MAX + 256];
	struct pk_json j;

	if (!var || !btf_is_var(var) || !name || !strncmp(name, "pk_", 3) ||
	    vs->offset + vs->size > size)
		return 0;
	if (json) {
		pk_json_begin(&j, out);
		pk_json_str(&j, "global", name, strlen(name));
		pk_btf_value_json(btf, var->type, data + vs->offset, vs->size, &j, "value");
		pk_json_end(&j);
		return 1;
	}
	if (pk_btf_printer__text(p, var->type, data + vs->offset, vs->size, value, sizeof(value)) <
	    0)
		hex(value, sizeof(value), data + vs->offset, vs->size);
	snprintf(line, sizeof(line), "%s = %s\n", name, value);
	fputs(line, out);
	return 1;
}

int pk_map__print_globals(FILE *out, const struct bpf_map *map, const struct btf *btf, bool json)
{
	__u32 id = bpf_map__btf_value_type_id(map), zero = 0, size = bpf_map__value_size(map);
	const struct btf_type *sec = btf ? btf__type_by_id(btf, id) : NULL;
	const struct btf_var_secinfo *vs;
	struct pk_btf_printer *p;
	unsigned char *data;
	int i, n = 0;

	if (!sec || !btf_is_datasec(sec))
		return 0;
	data = calloc(1, size ? size : 1);
	p = pk_btf_printer__new(btf);
	if (!data || !p || bpf_map_lookup_elem(bpf_map__fd(map), &zero, data)) {
		n = -errno;
		goto out;
	}
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++)
		n += print_var(out, btf, p, vs, data, size, json);
out:
	pk_btf_printer__free(p);
	free(data);
	return n;
}
