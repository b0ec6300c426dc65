// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pk_attach against a real object (stacksnoop's, whose programs name no
 * target in their sections): program names checked when it opens, targets
 * checked before load, attached and counted after it.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <probekit/probekit.h>

#include "unit.h"

static void *open_object(void)
{
	char exe[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/../bpf/stacksnoop.bpf.o", dirname(exe));
	return bpf_object__open_file(path, NULL);
}

static int load_object(void *obj)
{
	return bpf_object__load(obj);
}

static void close_object(void *obj)
{
	bpf_object__close(obj);
}

static struct bpf_object *object_of(void *obj)
{
	return obj;
}

static const struct pk_skel_ops ops = { open_object, load_object, close_object, object_of };

/* BPF is needed; without it the test says so, and fails where CI requires BPF. */
static bool have_bpf(void)
{
	if (pk_have_bpf_privileges())
		return true;
	if (getenv("PROBEKIT_REQUIRE_BPF"))
		pk_unit_fail(__FILE__, __LINE__, "PROBEKIT_REQUIRE_BPF=1 but no BPF privileges");
	else
		printf("  skipped: needs root, or CAP_BPF and CAP_PERFMON\n");
	return false;
}

static const char *const tp_progs[] = { "tp_func", NULL };
static const char *const others[] = { "fe_func", "kp_func", "rt_func", NULL };
/* never tried (the tests force the first variant's mechanism), but naming
 * the other programs keeps them out of the load */
#define OTHERS { PK_MECH_RAW_TP, others, NULL }

static int load(const struct pk_variant *variants, struct pk_attach **out)
{
	/* only the first: the others keep their programs out of the load */
	LIBBPF_OPTS(pk_attach_opts, opts, .mechanism = variants[0].mech);
	struct pk_attach *att = pk_attach__new(&ops, variants, &opts);

	*out = att;
	return att ? pk_attach__load(att) : -errno;
}

PK_TEST(attach_targets_checked_attached_counted)
{
	static const struct pk_target targets[] = {
		{ .prog = "tp_func", .target = "sched:no_such_event_pk",
		  .flags = PK_TARGET_OPTIONAL },
		{ .prog = "tp_func", .target = "syscalls:sys_enter_getpid" },
		{ .prog = "tp_func", .target = "syscalls:sys_enter_getppid" },
		{},
	};
	static const struct pk_variant variants[] = {
		{ PK_MECH_TRACEPOINT, tp_progs, NULL, targets },
		OTHERS,
		{},
	};
	struct pk_attach *att;
	__u64 ips[8];

	if (!have_bpf())
		return;
	CHECK_INT(load(variants, &att), 0);
	/* the missing optional target is left out; the two others are links */
	CHECK_INT(pk_attach__count(att, PK_MECH_TRACEPOINT), 2);
	CHECK_INT(pk_attach__count(att, PK_MECH_KPROBE), 0);
	/* a stack read by the loaded map: no stack yet, and a map that holds none */
	CHECK_INT(pk_stack_read_map(bpf_object__find_map_by_name(pk_attach__object(att), "stacks"),
				    12345, ips, 8),
		  -ENOENT);
	CHECK_INT(pk_stack_read_map(bpf_object__find_map_by_name(pk_attach__object(att), "pk_lost"),
				    0, ips, 8),
		  -EINVAL);
	pk_attach__free(att);
}

PK_TEST(attach_missing_required_target_names_it)
{
	static const struct pk_target targets[] = {
		{ .prog = "tp_func", .target = "sched:no_such_event_pk" },
		{},
	};
	static const struct pk_variant variants[] = {
		{ PK_MECH_TRACEPOINT, tp_progs, NULL, targets },
		OTHERS,
		{},
	};
	struct pk_attach *att;

	if (!have_bpf())
		return;
	CHECK_INT(load(variants, &att), -ENOENT);
	CHECK(strstr(pk_attach__error(att), "tracepoint sched:no_such_event_pk does not exist"));
	CHECK_INT(pk_attach__link_count(att), 0);
	pk_attach__free(att);
}

PK_TEST(attach_program_name_typo_is_an_error)
{
	static const char *const typo[] = { "tp_fnuc", NULL };
	static const char *const rt_progs[] = { "rt_func", NULL };
	static const struct pk_target targets[] = {
		{ .prog = "rt_fnuc", .target = "sched_switch" },
		{},
	};
	static const struct pk_variant in_progs[] = {
		{ PK_MECH_TRACEPOINT, typo, NULL },
		{},
	};
	/* a typo in a variant never tried is found all the same */
	static const struct pk_variant in_targets[] = {
		{ PK_MECH_TRACEPOINT, tp_progs, NULL },
		{ PK_MECH_RAW_TP, rt_progs, NULL, targets },
		{},
	};
	struct pk_attach *att;

	if (!have_bpf())
		return;
	CHECK_INT(load(in_progs, &att), -EINVAL);
	CHECK(strstr(pk_attach__error(att), "program tp_fnuc, which the BPF object does not have"));
	pk_attach__free(att);
	CHECK_INT(load(in_targets, &att), -EINVAL);
	CHECK(strstr(pk_attach__error(att), "program rt_fnuc"));
	pk_attach__free(att);
}

static int add_typo(void *skel, enum pk_mech mech, void *ctx)
{
	struct pk_attach **att = ctx;

	(void)skel;
	(void)mech;
	return pk_attach__add_target(*att, &(struct pk_target){ .prog = "tp_fnc",
								.target = "syscalls:sys_enter_getpid" });
}

PK_TEST(attach_run_time_target_typo_is_an_error)
{
	static const struct pk_variant variants[] = {
		{ PK_MECH_TRACEPOINT, tp_progs, NULL },
		OTHERS,
		{},
	};
	struct pk_attach *att = NULL;
	LIBBPF_OPTS(pk_attach_opts, opts, .configure = add_typo, .ctx = &att);

	if (!have_bpf())
		return;
	att = pk_attach__new(&ops, variants, &opts);
	CHECK(att != NULL);
	if (!att)
		return;
	CHECK_INT(pk_attach__load(att), -EINVAL);
	CHECK(strstr(pk_attach__error(att), "program tp_fnc"));
	pk_attach__free(att);
}
