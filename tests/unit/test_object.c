// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pk_object's skeleton operations carry their object: two objects opened
 * and loaded interleaved on one thread each load their own file.
 */
#include <stdio.h>

#include <bpf/libbpf.h>

#include <probekit/attach.h>
#include <probekit/object.h>

#include "bpfobj.h"
#include "unit.h"

static struct pk_object *open_test_object(const char *name)
{
	char why[512] = "";
	struct pk_object *o = pk_object__open(pk_test_bpf_obj(name), NULL, why, sizeof(why));

	if (!o)
		pk_unit_fail(__FILE__, __LINE__, "opening %s: %s", name, why);
	return o;
}

/* The attached object holds @prog, and no program of the other file. */
static void check_holds(struct pk_attach *att, const char *prog, const char *other)
{
	struct bpf_object *obj = pk_attach__object(att);

	CHECK(obj != NULL);
	if (!obj)
		return;
	CHECK(bpf_object__find_program_by_name(obj, prog) != NULL);
	CHECK(bpf_object__find_program_by_name(obj, other) == NULL);
}

PK_TEST(object_ops_of_two_objects_do_not_cross)
{
	const struct pk_skel_ops *ops_params, *ops_printf;
	struct pk_object *params, *printf_obj;
	struct pk_attach *a = NULL, *b = NULL;

	if (!pk_test_need_bpf("object_ops_of_two_objects_do_not_cross"))
		return;
	params = open_test_object("params");
	printf_obj = open_test_object("printf");
	if (!params || !printf_obj)
		goto out;
	/* both objects' operations taken before either is used */
	ops_params = pk_object__skel_ops(params);
	ops_printf = pk_object__skel_ops(printf_obj);
	a = pk_attach__new(ops_params, pk_object__variants(params), NULL);
	b = pk_attach__new(ops_printf, pk_object__variants(printf_obj), NULL);
	CHECK(a && b);
	if (!a || !b)
		goto out;
	/* the second one loaded first, then the first */
	if (pk_attach__load(b))
		pk_unit_fail(__FILE__, __LINE__, "loading printf: %s", pk_attach__error(b));
	if (pk_attach__load(a))
		pk_unit_fail(__FILE__, __LINE__, "loading params: %s", pk_attach__error(a));
	check_holds(a, "use_params", "on_openat");
	check_holds(b, "on_openat", "use_params");
out:
	pk_attach__free(a);
	pk_attach__free(b);
	pk_object__free(printf_obj);
	pk_object__free(params);
}

PK_TEST(object_load_interleaved_with_another)
{
	struct pk_object *params, *printf_obj;

	if (!pk_test_need_bpf("object_load_interleaved_with_another"))
		return;
	params = open_test_object("params");
	printf_obj = open_test_object("printf");
	if (!params || !printf_obj)
		goto out;
	if (pk_object__load(printf_obj))
		pk_unit_fail(__FILE__, __LINE__, "loading printf: %s",
			     pk_object__error(printf_obj));
	if (pk_object__load(params))
		pk_unit_fail(__FILE__, __LINE__, "loading params: %s", pk_object__error(params));
	check_holds(pk_object__attach(params), "use_params", "on_openat");
	check_holds(pk_object__attach(printf_obj), "on_openat", "use_params");
out:
	pk_object__free(printf_obj);
	pk_object__free(params);
}
