// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * embed_run: what `probekit run FILE.bpf.o` does, in a program of your own.
 * Any BPF object: its programs attached by SEC name with fallback groups,
 * its maps printed from their BTF after SECS seconds.
 *
 *	embed_run task_switch.bpf.o 5
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <probekit/probekit.h>

int main(int argc, char **argv)
{
	struct pk_object *o;
	struct bpf_map *map;
	char why[512];

	if (argc != 3) {
		fprintf(stderr, "usage: embed_run FILE.bpf.o SECS\n");
		return 2;
	}
	o = pk_object__open(argv[1], NULL, why, sizeof(why));
	if (!o) {
		fprintf(stderr, "embed_run: %s\n", why);
		return 1;
	}
	if (pk_object__load(o)) {
		fprintf(stderr, "embed_run: %s\n", pk_object__error(o));
		pk_object__free(o);
		return 1;
	}
	fprintf(stderr, "attached %d programs\n", pk_attach__link_count(pk_object__attach(o)));
	sleep(atoi(argv[2]));
	bpf_object__for_each_map(map, pk_object__bpf(o)) {
		if (pk_map__is_printable(map))
			pk_map__print(stdout, map, bpf_object__btf(pk_object__bpf(o)), NULL);
	}
	pk_object__free(o);
	return 0;
}
