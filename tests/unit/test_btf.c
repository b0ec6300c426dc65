// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The streaming kernel BTF lookup against libbpf's full parse. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "../../lib/internal.h"
#include "unit.h"

PK_TEST(btf_stream_lookup_matches_libbpf)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int n, i, checked = 0;

	if (!btf) {
		printf("  skipped: no kernel BTF on this machine\n");
		return;
	}
	n = btf__type_cnt(btf);
	srand(getpid());
	for (i = 0; i < 400 && checked < 25; i++) {
		int id = 1 + rand() % (n - 1);
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = btf__name_by_offset(btf, t->name_off);
		int want;

		if (!name || !name[0])
			continue;
		want = btf__find_by_name_kind(btf, name, btf_kind(t));
		CHECK_INT(pk__btf_find(name, btf_kind(t)), want);
		checked++;
	}
	CHECK(checked > 10);
	CHECK_INT(pk__btf_find("no_such_function_anywhere_pk", BTF_KIND_FUNC), -ENOENT);
	/* the right name with the wrong kind is not a match */
	CHECK_INT(pk__btf_find("task_struct", BTF_KIND_FUNC), -ENOENT);
	CHECK(pk__btf_find("task_struct", BTF_KIND_STRUCT) > 0);
	btf__free(btf);
}
