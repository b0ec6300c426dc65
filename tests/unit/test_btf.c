// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The streaming kernel BTF lookup against libbpf's full parse. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>

#include <probekit/features.h>

#include "../../lib/kernel/kernel.h"
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

PK_TEST(btf_override_file_none_and_back)
{
	const struct pk_feature_status *st;
	char path[] = "/tmp/pk-btf-XXXXXX";
	struct btf *btf = btf__new_empty();
	const void *raw;
	__u32 size;
	int fd, id;

	/* a one-struct BTF file, as min_core_btf would write */
	id = btf__add_struct(btf, "pk_only_struct", 4);
	btf__add_field(btf, "x", btf__add_int(btf, "int", 4, BTF_INT_SIGNED), 0, 0);
	raw = btf__raw_data(btf, &size);
	fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, raw, size) == (ssize_t)size);
	close(fd);
	CHECK(id > 0);

	CHECK_INT(pk_btf_set_path("/nonexistent/btf"), -ENOENT);
	CHECK_INT(pk_btf_set_path("/proc/self/status"), -EINVAL);
	CHECK(!pk_btf_overridden());

	/* the streaming reader reads the file given instead */
	CHECK_INT(pk_btf_set_path(path), 0);
	CHECK(pk_btf_overridden() && !strcmp(pk_btf_path(), path));
	CHECK_INT(pk__btf_find("pk_only_struct", BTF_KIND_STRUCT), id);
	CHECK_INT(pk__btf_find("task_struct", BTF_KIND_STRUCT), -ENOENT);
	st = pk_feature_probe(PK_FEAT_BTF);
	CHECK(st->available && strstr(st->reason, path) && strstr(st->reason, "(2 types)"));
	CHECK_STR(pk_feature_probe(PK_FEAT_KFUNC)->reason,
		  "the kernel has no BTF (CONFIG_DEBUG_INFO_BTF is not set)");

	CHECK_INT(pk_btf_set_path(PK_BTF_NONE), 0);
	CHECK(pk_btf_overridden() && pk_btf_path() == NULL);
	CHECK_INT(pk__btf_find("task_struct", BTF_KIND_STRUCT), -ENODATA);
	CHECK(!pk_feature_probe(PK_FEAT_BTF)->available);
	CHECK(!pk_support_kfunc());

	/* back to the kernel's own, and the probes with it */
	CHECK_INT(pk_btf_set_path(NULL), 0);
	CHECK(!pk_btf_overridden() && !strcmp(pk_btf_path(), "/sys/kernel/btf/vmlinux"));
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0) {
		struct stat st;

		CHECK(pk_feature_probe(PK_FEAT_BTF)->available &&
		      pk__btf_find("task_struct", BTF_KIND_STRUCT) > 0);
		/* the probe checks the kernel's file by its header: its size */
		CHECK(stat("/sys/kernel/btf/vmlinux", &st) == 0 &&
		      pk__btf_header_check() == (long)st.st_size);
	}
	unlink(path);
	btf__free(btf);
}

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET) &&
	    (buf = malloc(n)) && fread(buf, 1, n, f) == (size_t)n)
		*size = n;
	else
		free(buf), buf = NULL;
	fclose(f);
	return buf;
}

/*
 * The cut-down BTF is keyed on both the kernel BTF's contents and the
 * object's: another kernel BTF (here, a cut-down one standing in for it)
 * or another object gives another file.
 */
PK_TEST(core_btf_key_follows_the_kernel_btf_and_the_object)
{
	char dir[] = "/tmp/pk-core-btf-XXXXXX", a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], why[256];
	char exe[PATH_MAX - 64], obj_path[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t size = 0;
	void *obj;
	bool made;

	if (access("/sys/kernel/btf/vmlinux", R_OK) || system("bpftool version >/dev/null 2>&1")) {
		printf("  skipped: needs kernel BTF and bpftool\n");
		return;
	}
	exe[len > 0 ? len : 0] = '\0';
	/* BUILD/tests/unit-tests: the tools' objects are in BUILD/bpf */
	snprintf(obj_path, sizeof(obj_path), "%s/../bpf/taskswitch.bpf.o", dirname(exe));
	obj = read_file(obj_path, &size);
	CHECK(obj != NULL);
	if (!obj || !pk_unit_cache_begin(dir))
		return;
	CHECK_INT(pk__core_btf("/sys/kernel/btf/vmlinux", obj, size, a, sizeof(a), &made, NULL, why,
			       sizeof(why)),
		  0);
	CHECK(made);
	CHECK_INT(pk__core_btf("/sys/kernel/btf/vmlinux", obj, size, b, sizeof(b), &made, NULL, why,
			       sizeof(why)),
		  0);
	CHECK(!made && !strcmp(a, b));
	CHECK_INT(pk__core_btf(a, obj, size, c, sizeof(c), &made, NULL, why, sizeof(why)), 0);
	CHECK(made && strcmp(a, c));
	/* the object's half of the key: one byte of padding more */
	obj = realloc(obj, size + 1);
	((char *)obj)[size] = 0;
	CHECK_INT(pk__core_btf("/sys/kernel/btf/vmlinux", obj, size + 1, b, sizeof(b), &made, NULL,
			       why, sizeof(why)),
		  0);
	CHECK(made && strcmp(a, b));
	/* a kernel BTF that cannot be read says so */
	CHECK_INT(pk__core_btf("/nonexistent/vmlinux", obj, size, b, sizeof(b), &made, NULL, why,
			       sizeof(why)),
		  -ENOENT);
	CHECK(strstr(why, "/nonexistent/vmlinux") != NULL);
	free(obj);
	pk_unit_cache_end(dir);
}
