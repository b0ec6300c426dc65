// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf_common.h>
#include <linux/bpf.h>

#include <probekit/ksyms.h>
#include <probekit/probespec.h>
#include <probekit/syscalls.h>

#include "unit.h"

/* tests/unit/fixtures/NAME from the source tree, found from the cwd or the binary. */
static const char *fixture(const char *name)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX - 64], *slash;
	ssize_t n;

	snprintf(path, sizeof(path), "tests/unit/fixtures/%s", name);
	if (access(path, R_OK) == 0)
		return path;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		/* BUILD/tests/unit-tests -> BUILD/.. */
		for (int i = 0; i < 3 && (slash = strrchr(exe, '/')); i++)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/tests/unit/fixtures/%s", exe, name);
	}
	return path;
}

static struct pk_ksyms *load_fixture(void)
{
	struct pk_ksyms *ks = pk_ksyms__load(fixture("kallsyms.txt"));

	if (!ks)
		pk_unit_fail(__FILE__, __LINE__, "cannot load %s: %s", fixture("kallsyms.txt"),
			     strerror(errno));
	return ks;
}

static const char *fmt(const struct pk_ksyms *ks, __u64 addr, unsigned int flags)
{
	static char buf[128];

	return pk_ksyms__format(ks, addr, flags, buf, sizeof(buf));
}

PK_TEST(ksyms_fixture_parses_and_skips_garbage)
{
	struct pk_ksyms *ks = load_fixture();

	if (!ks)
		return;
	CHECK_INT(pk_ksyms__count(ks), 17);
	CHECK(!pk_ksyms__addrs_hidden(ks));
	pk_ksyms__free(ks);
	pk_ksyms__free(NULL);
	CHECK(pk_ksyms__load("/nonexistent/kallsyms") == NULL && errno == ENOENT);
}

PK_TEST(ksyms_containing_symbol)
{
	struct pk_ksyms *ks = load_fixture();
	const struct pk_ksym *s;

	if (!ks)
		return;
	/* below the first symbol */
	CHECK(pk_ksyms__find(ks, 0xffffffff80ffffffULL) == NULL);
	CHECK(pk_ksyms__find(ks, 0) == NULL);
	CHECK_STR(fmt(ks, 0x1234, PK_KSYM_OFFSET), "[unknown]");
	/* equal addresses: the first listed, as the kernel's %pS */
	CHECK_STR(fmt(ks, 0xffffffff81000000ULL, 0), "srso_first_alias");
	CHECK_STR(fmt(ks, 0xffffffff810000ffULL, PK_KSYM_OFFSET), "srso_first_alias+0xff");
	/* containing, not the nearest one after */
	CHECK_STR(fmt(ks, 0xffffffff81000108ULL, PK_KSYM_OFFSET), "__pfx_do_thing+0x8");
	CHECK_STR(fmt(ks, 0xffffffff81000110ULL, PK_KSYM_OFFSET), "do_thing+0x0");
	CHECK_STR(fmt(ks, 0xffffffff8100012fULL, PK_KSYM_OFFSET), "do_thing+0x1f");
	CHECK_STR(fmt(ks, 0xffffffff8100011fULL, 0), "do_thing");
	CHECK_STR(fmt(ks, 0xffffffff81000250ULL, PK_KSYM_OFFSET), "helper.cold+0x10");
	/* modules: listed out of order in the file, found in order */
	CHECK_STR(fmt(ks, 0xffffffffc0001500ULL, PK_KSYM_OFFSET | PK_KSYM_MODULE),
		  "mod_init+0x500 [mymod]");
	CHECK_STR(fmt(ks, 0xffffffffc0000900ULL, PK_KSYM_MODULE), "dup_name [othermod]");
	CHECK_STR(fmt(ks, 0xffffffff81000510ULL, PK_KSYM_MODULE), "last_core");
	/* the last symbol */
	s = pk_ksyms__find(ks, 0xffffffffc0004000ULL);
	CHECK(s && !strcmp(s->name, "bpf_prog_abc_tp") && s->module && !strcmp(s->module, "bpf"));
	CHECK_STR(fmt(ks, 0xffffffffc0004010ULL, PK_KSYM_OFFSET), "bpf_prog_abc_tp+0x10");
	CHECK(s && s->type == 't');
	/* a small buffer is cut, never overrun */
	{
		char small[5];

		CHECK_STR(pk_ksyms__format(ks, 0xffffffff81000110ULL, PK_KSYM_OFFSET, small,
					   sizeof(small)),
			  "do_t");
		CHECK_STR(pk_ksyms__format(ks, 0xffffffff81000110ULL, 0, small, 1), "");
		CHECK_STR(pk_ksyms__format(ks, 0x10, 0, small, sizeof(small)), "[unk");
		/* past the page of a module's last symbol: nothing there */
		CHECK_STR(fmt(ks, 0xffffffffc0004000ULL + 0xabcdefULL, PK_KSYM_OFFSET),
			  "[unknown]");
		CHECK_STR(fmt(ks, 0xffffffffc0004fffULL, PK_KSYM_OFFSET), "bpf_prog_abc_tp+0xfff");
		CHECK_STR(fmt(ks, ~0ULL, PK_KSYM_OFFSET), "[unknown]");
	}
	pk_ksyms__free(ks);
}

PK_TEST(ksyms_upper_bounds)
{
	struct pk_ksyms *ks = pk_ksyms__load(fixture("kallsyms-bounds.txt"));

	CHECK(ks != NULL);
	if (!ks)
		return;
	/* the kernel's text ends at _etext; its init text at _einittext */
	CHECK_STR(fmt(ks, 0xffffffff810003ffULL, PK_KSYM_OFFSET), "last_text_func+0xff");
	CHECK_STR(fmt(ks, 0xffffffff81000400ULL, PK_KSYM_OFFSET), "[unknown]");
	CHECK_STR(fmt(ks, 0xffffffff81000401ULL, PK_KSYM_OFFSET), "[unknown]");
	CHECK_STR(fmt(ks, 0xffffffff81800010ULL, PK_KSYM_OFFSET), "[unknown]");
	CHECK_STR(fmt(ks, 0xffffffff818fffffULL, PK_KSYM_OFFSET), "[unknown]");
	CHECK_STR(fmt(ks, 0xffffffff81900000ULL, PK_KSYM_OFFSET), "_sinittext+0x0");
	CHECK_STR(fmt(ks, 0xffffffff819000ffULL, PK_KSYM_OFFSET), "init_last+0x7f");
	CHECK_STR(fmt(ks, 0xffffffff81900100ULL, PK_KSYM_OFFSET), "[unknown]");
	/* a data symbol ends the code before it; weak symbols are code */
	CHECK_STR(fmt(ks, 0xffffffff8100017fULL, PK_KSYM_OFFSET), "data_in_text_gap_before+0x7f");
	CHECK_STR(fmt(ks, 0xffffffff81000180ULL, PK_KSYM_OFFSET), "[unknown]");
	CHECK_STR(fmt(ks, 0xffffffff81000210ULL, PK_KSYM_OFFSET), "weak_func+0x10");
	/* a data symbol is still found by name */
	CHECK(pk_ksyms__by_name(ks, "a_data_symbol", NULL) != NULL);
	/* within a module the next symbol bounds a symbol, even pages away */
	CHECK_STR(fmt(ks, 0xffffffffc0002ff0ULL, PK_KSYM_OFFSET | PK_KSYM_MODULE),
		  "big_mod_func+0x2ff0 [big]");
	/* a module's last symbol: to the end of its page */
	CHECK_STR(fmt(ks, 0xffffffffc0003fffULL, PK_KSYM_OFFSET), "big_mod_last+0xfff");
	CHECK_STR(fmt(ks, 0xffffffffc0004000ULL, PK_KSYM_OFFSET), "[unknown]");
	CHECK_STR(fmt(ks, 0xffffffffc0010123ULL, PK_KSYM_OFFSET | PK_KSYM_MODULE),
		  "ftrace_trampoline+0x123 [__builtin__ftrace]");
	CHECK_STR(fmt(ks, 0xffffffffc0011000ULL, PK_KSYM_OFFSET), "[unknown]");
	/* bpf programs next to each other: the next one bounds, across a page */
	CHECK_STR(fmt(ks, 0xffffffffc00210f0ULL, PK_KSYM_OFFSET), "bpf_prog_1234_handler+0x170");
	CHECK_STR(fmt(ks, 0xffffffffc0021fffULL, PK_KSYM_OFFSET), "bpf_prog_5678_other+0xeff");
	CHECK_STR(fmt(ks, 0xffffffffc0022000ULL, PK_KSYM_OFFSET), "[unknown]");
	CHECK_STR(fmt(ks, 0xffffffffffffffffULL, PK_KSYM_OFFSET), "[unknown]");
	pk_ksyms__free(ks);
}

PK_TEST(ksyms_by_name)
{
	struct pk_ksyms *ks = load_fixture();
	const struct pk_ksym *s, *s2, *s3;

	if (!ks)
		return;
	s = pk_ksyms__by_name(ks, "do_thing", NULL);
	CHECK(s && s->addr == 0xffffffff81000110ULL && !s->module);
	CHECK(pk_ksyms__by_name(ks, "do_thing", s) == NULL);
	CHECK(pk_ksyms__by_name(ks, "no_such_symbol", NULL) == NULL);
	CHECK(pk_ksyms__by_name(ks, "", NULL) == NULL);
	CHECK(pk_ksyms__by_name(ks, "do_thin", NULL) == NULL);
	/* duplicates, in file order, including the module one */
	s = pk_ksyms__by_name(ks, "dup_name", NULL);
	s2 = s ? pk_ksyms__by_name(ks, "dup_name", s) : NULL;
	s3 = s2 ? pk_ksyms__by_name(ks, "dup_name", s2) : NULL;
	CHECK(s && s->addr == 0xffffffff81000300ULL);
	CHECK(s2 && s2->addr == 0xffffffff81000400ULL);
	CHECK(s3 && s3->addr == 0xffffffffc0000800ULL && s3->module &&
	      !strcmp(s3->module, "othermod"));
	CHECK(s3 && pk_ksyms__by_name(ks, "dup_name", s3) == NULL);
	/* compiler clones answer for the plain name; .cold parts do not */
	s = pk_ksyms__by_name(ks, "helper", NULL);
	CHECK(s && !strcmp(s->name, "helper.isra.0"));
	CHECK(s && pk_ksyms__by_name(ks, "helper", s) == NULL);
	s = pk_ksyms__by_name(ks, "helper.cold", NULL);
	CHECK(s && s->addr == 0xffffffff81000240ULL);
	s = pk_ksyms__by_name(ks, "wrapped", NULL);
	s2 = s ? pk_ksyms__by_name(ks, "wrapped", s) : NULL;
	CHECK(s && !strcmp(s->name, "wrapped.constprop.0"));
	CHECK(s2 && !strcmp(s2->name, "wrapped.constprop.1"));
	/* an exact name hides clones */
	CHECK(pk_ksyms__by_name(ks, "helper.isra.0", NULL) != NULL);
	pk_ksyms__free(ks);
}

PK_TEST(ksyms_hidden_addresses)
{
	struct pk_ksyms *ks = pk_ksyms__load(fixture("kallsyms-hidden.txt"));

	CHECK(ks != NULL);
	if (!ks)
		return;
	CHECK(pk_ksyms__addrs_hidden(ks));
	CHECK_INT(pk_ksyms__count(ks), 3);
	/* no garbage: nothing resolves, names are still known */
	CHECK(pk_ksyms__find(ks, 0) == NULL);
	CHECK(pk_ksyms__find(ks, 0xffffffff81000000ULL) == NULL);
	CHECK_STR(fmt(ks, 0xffffffff81000000ULL, 0), "[unknown]");
	CHECK(pk_ksyms__by_name(ks, "mod_func", NULL) != NULL);
	pk_ksyms__free(ks);
}

PK_TEST(ksyms_real_kallsyms_round_trip)
{
	const struct pk_ksyms *ks = pk_ksyms();
	const struct pk_ksym *s, *found;
	char buf[256];
	__u64 addr, probe;
	size_t exact = 0, tried = 0;
	struct timespec t0, t1;
	int i;

	if (!ks) {
		pk_unit_fail(__FILE__, __LINE__, "cannot read /proc/kallsyms: %s", strerror(errno));
		return;
	}
	CHECK(pk_ksyms() == ks);
	CHECK(pk_ksyms__count(ks) > 1000);
	if (pk_ksyms__addrs_hidden(ks)) {
		printf("  (kernel addresses are hidden here: round trip not checked)\n");
		CHECK_INT(pk_ksymname("do_syscall_64", &addr), -EACCES);
		return;
	}
	CHECK_INT(pk_ksymname("no_such_kernel_symbol_xyz", &addr), -ENOENT);
	CHECK(pk_ksym_exists("do_syscall_64"));
	CHECK(!pk_ksym_exists("do_syscall_6"));
	/* a sample of symbols across the table, found by name, then by address */
	for (i = 0; i < 400; i++) {
		probe = 0xffffffff81000000ULL + (__u64)i * 0x10000;
		found = pk_ksyms__find(ks, probe);
		if (!found || (found->type != 't' && found->type != 'T'))
			continue;
		if (pk_ksymname(found->name, &addr))
			continue;
		s = pk_ksyms__by_name(ks, found->name, NULL);
		/* duplicate names resolve to the first; check that one */
		tried++;
		pk_ksym(addr, false, buf, sizeof(buf));
		if (!strcmp(buf, found->name))
			exact++;
		else /* only an alias at the same address may answer instead */
			CHECK(pk_ksyms__find(ks, addr)->addr == addr && s->addr == addr);
		pk_ksym(addr + 1, true, buf, sizeof(buf));
		CHECK(strstr(buf, "+0x1") != NULL);
	}
	CHECK(tried > 100);
	/* nothing is code past the end of the address space (was ftrace_trampoline+0x3fdfefff) */
	CHECK_STR(pk_ksym(~0ULL, true, buf, sizeof(buf)), "[unknown]");
	if (pk_ksymname("_etext", &addr) == 0)
		CHECK_STR(pk_ksym(addr + 1, true, buf, sizeof(buf)), "[unknown]");
	CHECK(exact * 10 > tried * 9);
	/* loading is fast enough to do at start-up */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pk_ksyms_release();
	ks = pk_ksyms();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(ks != NULL);
	printf("  kallsyms: %zu symbols loaded in %.1f ms\n", pk_ksyms__count(ks),
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
}

PK_TEST(syscall_table)
{
	long nr;

	CHECK(pk_syscall_max() > 300);
	CHECK(pk_syscall_name(-1) == NULL);
	CHECK(pk_syscall_name(pk_syscall_max()) == NULL);
	CHECK_INT(pk_syscall_nr("no_such_syscall"), -ENOENT);
	CHECK_INT(pk_syscall_nr(NULL), -ENOENT);
	for (nr = 0; nr < pk_syscall_max(); nr++) {
		if (pk_syscall_name(nr))
			CHECK_INT(pk_syscall_nr(pk_syscall_name(nr)), nr);
	}
#ifdef __x86_64__
	CHECK_STR(pk_syscall_name(0), "read");
	CHECK_STR(pk_syscall_name(4), "stat");
	CHECK_INT(pk_syscall_nr("newfstatat"), 262);
	CHECK_INT(pk_syscall_nr("statx"), 332);
#endif
}

PK_TEST(syscall_fnname_from_kallsyms)
{
	char buf[64];

	if (!pk_ksym_exists("__x64_sys_bpf") && !pk_ksym_exists("sys_bpf")) {
		printf("  (no sys_bpf in kallsyms here: prefix not checked)\n");
		return;
	}
#ifdef __x86_64__
	CHECK_STR(pk_syscall_prefix(), "__x64_sys_");
	CHECK_STR(pk_syscall_fnname("stat", buf, sizeof(buf)), "__x64_sys_stat");
	CHECK(pk_ksym_exists(pk_syscall_fnname("newfstatat", buf, sizeof(buf))));
#endif
	CHECK(pk_ksym_exists(pk_syscall_fnname("statx", buf, sizeof(buf))));
}

PK_TEST(stack_read_errors)
{
	__u64 ips[8];
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_STACK_TRACE, "pk_test_st", 4, 127 * 8, 16, NULL);
	if (fd < 0) {
		printf("  (cannot create a stack map here: %s)\n", strerror(errno));
		return;
	}
	CHECK_INT(pk_stack_read(fd, 3, ips, 8), -ENOENT);
	CHECK_INT(pk_stack_read(fd, -EFAULT, ips, 8), -ENOENT);
	close(fd);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pk_test_arr", 4, 8, 1, NULL);
	if (fd >= 0) {
		CHECK_INT(pk_stack_read(fd, 0, ips, 8), -EINVAL);
		close(fd);
	}
	CHECK_STR(pk_stack_error(-EEXIST),
		  "another stack had the same hash (the stack map is too small)");
}

static void check_spec(const char *text, enum pk_probe_kind kind, const char *target,
		       const char *name, int line)
{
	static struct pk_probe_spec spec;
	int err = pk_probe_spec_parse(text, &spec);

	if (err) {
		pk_unit_fail(__FILE__, line, "'%s' did not parse: %d", text, err);
		return;
	}
	if (spec.kind != kind || strcmp(spec.target, target) || strcmp(spec.name, name))
		pk_unit_fail(__FILE__, line, "'%s' gave %s '%s' '%s'", text,
			     pk_probe_kind_name(spec.kind), spec.target, spec.name);
}

PK_TEST(probe_specs)
{
	static struct pk_probe_spec spec;

	check_spec("tcp_v4_connect", PK_PROBE_KFUNC, "", "tcp_v4_connect", __LINE__);
	check_spec("p:tcp_v4_connect", PK_PROBE_KPROBE, "", "tcp_v4_connect", __LINE__);
	check_spec("p::tcp_v4_connect", PK_PROBE_KPROBE, "", "tcp_v4_connect", __LINE__);
	check_spec("k:vfs_read", PK_PROBE_KPROBE, "", "vfs_read", __LINE__);
	check_spec("kr:vfs_read", PK_PROBE_KRETPROBE, "", "vfs_read", __LINE__);
	check_spec("r:vfs_read", PK_PROBE_KRETPROBE, "", "vfs_read", __LINE__);
	check_spec("f:vfs_read", PK_PROBE_FENTRY, "", "vfs_read", __LINE__);
	check_spec("kfunc:vfs_read", PK_PROBE_FENTRY, "", "vfs_read", __LINE__);
	check_spec("fexit:vfs_read", PK_PROBE_FEXIT, "", "vfs_read", __LINE__);
	check_spec("t:syscalls:sys_enter_connect", PK_PROBE_TRACEPOINT, "syscalls",
		   "sys_enter_connect", __LINE__);
	check_spec("tracepoint:sched:sched_switch", PK_PROBE_TRACEPOINT, "sched", "sched_switch",
		   __LINE__);
	check_spec("raw_tp:sched_switch", PK_PROBE_RAW_TP, "", "sched_switch", __LINE__);
	check_spec("p:c:malloc", PK_PROBE_UPROBE, "c", "malloc", __LINE__);
	check_spec("r:/lib/x86_64-linux-gnu/libc.so.6:malloc", PK_PROBE_URETPROBE,
		   "/lib/x86_64-linux-gnu/libc.so.6", "malloc", __LINE__);
	check_spec("uprobe:/bin/bash:readline", PK_PROBE_UPROBE, "/bin/bash", "readline",
		   __LINE__);
	check_spec("u:python3:gc__start", PK_PROBE_USDT, "python3", "gc__start", __LINE__);
	CHECK_INT(pk_probe_spec_parse("", &spec), -EINVAL);
	CHECK_INT(pk_probe_spec_parse("t:syscalls", &spec), -EINVAL);
	CHECK_INT(pk_probe_spec_parse("t::sys_enter_connect", &spec), -EINVAL);
	CHECK_INT(pk_probe_spec_parse("t:a:b:c", &spec), -EINVAL);
	CHECK_INT(pk_probe_spec_parse("x:vfs_read", &spec), -EINVAL);
	CHECK_INT(pk_probe_spec_parse("k:", &spec), -EINVAL);
	CHECK_INT(pk_probe_spec_parse("k:a:b", &spec), -EINVAL);
	CHECK_INT(pk_probe_spec_parse("u:lib:", &spec), -EINVAL);
	CHECK_INT(pk_probe_spec_parse("tracepoint:syscalls:", &spec), -EINVAL);
}

/*
 * "__pfx_NAME" right before NAME is stored folded (half of a current
 * kernel's lines): every such name still reads, resolves and is found as
 * written; where the next line is another name, another module or itself
 * a __pfx_ name, nothing is folded.
 */
PK_TEST(ksyms_pfx_names_read_as_written)
{
	struct pk_ksyms *ks = pk_ksyms__load(fixture("kallsyms-pfx.txt"));
	static const char *const names[] = { "_stext",	    "__pfx_vfs_read", "vfs_read",
					     "__pfx_lonely", "other_name",    "__pfx___pfx_odd",
					     "__pfx_odd",    "odd",	      "__pfx_last_core",
					     "last_core",    "__pfx_mod_func", "mod_func",
					     "__pfx_" };
	const struct pk_ksym *s;
	size_t i;

	CHECK(ks != NULL);
	if (!ks)
		return;
	CHECK_INT(pk_ksyms__count(ks), sizeof(names) / sizeof(names[0]));
	for (i = 0; i < pk_ksyms__count(ks) && i < sizeof(names) / sizeof(names[0]); i++) {
		s = pk_ksyms__get(ks, i);
		CHECK_STR(s->name, names[i]);
		CHECK(pk_ksyms__by_name(ks, names[i], NULL) == s);
	}
	s = pk_ksyms__find(ks, 0xffffffff81000104ULL);
	CHECK(s && !strcmp(s->name, "__pfx_vfs_read") && s->type == 'T' && !s->module);
	s = pk_ksyms__find(ks, 0xffffffffc0000104ULL);
	CHECK(s && !strcmp(s->name, "__pfx_mod_func") && s->module && !strcmp(s->module, "mod"));
	s = pk_ksyms__find(ks, 0xffffffff81000404ULL);
	CHECK(s && !strcmp(s->name, "__pfx_last_core") && !s->module);
	CHECK_STR(pk_ksyms__format(ks, 0xffffffff81000312ULL, PK_KSYM_OFFSET, (char[64]){ 0 }, 64),
		  "__pfx_odd+0x2");
	pk_ksyms__free(ks);
}

/* A frame prints as pk_ksyms__format() prints its address. */
PK_TEST(kframe_format)
{
	struct pk_kframe f = { .addr = 0xffffffff81000010ULL, .name = "schedule", .offset = 0x1f };
	char buf[64];

	CHECK_STR(pk_kframe__format(&f, 0, buf, sizeof(buf)), "schedule");
	CHECK_STR(pk_kframe__format(&f, PK_KSYM_OFFSET, buf, sizeof(buf)), "schedule+0x1f");
	f.module = "bpf";
	CHECK_STR(pk_kframe__format(&f, PK_KSYM_OFFSET | PK_KSYM_MODULE, buf, sizeof(buf)),
		  "schedule+0x1f [bpf]");
	CHECK_STR(pk_kframe__format(&f, PK_KSYM_OFFSET | PK_KSYM_MODULE, buf, 9), "schedule");
	f.name = NULL;
	CHECK_STR(pk_kframe__format(&f, PK_KSYM_OFFSET, buf, sizeof(buf)), "[unknown]");
	CHECK_STR(pk_kframe__format(NULL, 0, buf, sizeof(buf)), "[unknown]");
}

PK_TEST(kframes_bad_calls)
{
	LIBBPF_OPTS(pk_kframes_opts, opts, .table_only = true);
	struct pk_kframes *kf = pk_kframes__new(&opts);
	struct pk_kframe f[PK_KFRAMES_MAX + 1];
	__u64 ips[PK_KFRAMES_MAX + 1] = {};

	CHECK(kf != NULL);
	if (!kf)
		return;
	CHECK(!pk_kframes__kernel(kf));
	CHECK(strstr(pk_kframes__error(kf), "the table was asked for") != NULL);
	CHECK_INT(pk_kframes__resolve(kf, ips, PK_KFRAMES_MAX + 1, f), -EINVAL);
	CHECK_INT(pk_kframes__resolve(kf, ips, -1, f), -EINVAL);
	CHECK_INT(pk_kframes__resolve(NULL, ips, 1, f), -EINVAL);
	CHECK_INT(pk_kframes__resolve(kf, NULL, 0, NULL), 0);
	/* address 0: no symbol */
	CHECK_INT(pk_kframes__resolve(kf, ips, 1, f), 1);
	CHECK(f[0].name == NULL);
	pk_kframes__free(kf);
	pk_kframes__free(NULL);
	CHECK(!pk_kframes__kernel(NULL));
}
