// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The one rule for options structs (lib/base/base.h), and every public opts
 * struct following it. */
#include <errno.h>
#include <stdlib.h>

#include <bpf/libbpf_common.h>
#include <probekit/probekit.h>

#include "../../lib/base/base.h"
#include "unit.h"

struct demo_opts {
	size_t sz;
	int a;
	long b;
};
#define demo_opts__last_field b

/* A caller built against a newer header with one more field. */
struct demo_opts_v2 {
	size_t sz;
	int a;
	long b;
	long c;
};

struct demo_opts_v0 {
	size_t sz;
	int a;
};

PK_TEST(opts_rule)
{
	struct demo_opts_v2 v2;
	struct demo_opts_v0 v0;
	struct demo_opts *o;

	CHECK(PK_OPTS_VALID((struct demo_opts *)NULL, demo_opts));
	CHECK_INT(PK_OPTS_GET((struct demo_opts *)NULL, b, 7), 7);

	memset(&v2, 0, sizeof(v2));
	o = (struct demo_opts *)&v2;
	/* too small to be a size at all */
	CHECK(!PK_OPTS_VALID(o, demo_opts));
	v2.sz = 4;
	CHECK(!PK_OPTS_VALID(o, demo_opts));
	v2.sz = sizeof(struct demo_opts);
	v2.b = 42;
	CHECK(PK_OPTS_VALID(o, demo_opts));
	CHECK_INT(PK_OPTS_GET(o, b, 7), 42);
	/* newer and longer: fine while the unknown part is zero */
	v2.sz = sizeof(v2);
	CHECK(PK_OPTS_VALID(o, demo_opts));
	v2.c = 1;
	CHECK(!PK_OPTS_VALID(o, demo_opts));

	/* older and shorter: the missing field reads as the fallback */
	memset(&v0, 0, sizeof(v0));
	v0.sz = sizeof(v0);
	v0.a = 3;
	o = (struct demo_opts *)&v0;
	CHECK(PK_OPTS_VALID(o, demo_opts));
	CHECK_INT(PK_OPTS_GET(o, a, 9), 3);
	CHECK_INT(PK_OPTS_GET(o, b, 7), 7);
}

/* Room for a newer caller's unknown field after each public struct. */
#define NEWER(type)             \
	struct {                \
		struct type o;  \
		long unknown;   \
	}

PK_TEST(opts_public_structs_follow_the_rule)
{
	NEWER(pk_usyms_opts) u = {};
	NEWER(pk_trace_pipe_opts) t = {};
	NEWER(pk_map_read_opts) m = {};
	NEWER(pk_attach_opts) a = {};
	NEWER(pk_uprobe_opts) up = {};
	NEWER(pk_events_opts) e = {};
	static const struct pk_variant none[] = { {} };
	struct pk_skel_ops ops = {};
	struct pk_usyms *us;
	char why[128] = "";

	/* a struct without its size */
	errno = 0;
	CHECK(!pk_usyms__new(&u.o));
	CHECK_INT(errno, EINVAL);
	/* a newer caller asking for something unknown here */
	u.o.sz = sizeof(u);
	u.unknown = 1;
	errno = 0;
	CHECK(!pk_usyms__new(&u.o));
	CHECK_INT(errno, EINVAL);
	/* the same, with nothing unknown asked for */
	u.unknown = 0;
	us = pk_usyms__new(&u.o);
	CHECK(us != NULL);
	pk_usyms__free(us);

	t.o.sz = sizeof(t);
	t.unknown = 1;
	errno = 0;
	CHECK(!pk_trace_pipe__open(&t.o));
	CHECK_INT(errno, EINVAL);

	m.o.sz = sizeof(m);
	m.unknown = 1;
	errno = 0;
	CHECK(!pk_map_snapshot__new(-1, &m.o));
	CHECK_INT(errno, EINVAL);

	a.o.sz = sizeof(a);
	a.unknown = 1;
	errno = 0;
	CHECK(!pk_attach__new(&ops, none, &a.o));
	CHECK_INT(errno, EINVAL);

	up.o.sz = sizeof(up);
	up.unknown = 1;
	errno = 0;
	CHECK(!pk_uprobe_attach(NULL, "c", "malloc", &up.o, why, sizeof(why)));
	CHECK_INT(errno, EINVAL);
	CHECK(strstr(why, "pk_uprobe_opts") != NULL);

	{
		NEWER(pk_kframes_opts) k = { .o.sz = sizeof(k), .unknown = 1 };

		errno = 0;
		CHECK(!pk_kframes__new(&k.o));
		CHECK_INT(errno, EINVAL);
	}

	e.o.sz = 1;
	CHECK_INT(pk_events_configure(NULL, &e.o), -EINVAL);
	errno = 0;
	CHECK(!pk_events__new(NULL, NULL, NULL, &e.o));
	CHECK_INT(errno, EINVAL);

	{
		NEWER(pk_compile_opts) c = { .o.sz = sizeof(c), .unknown = 1 };
		NEWER(pk_object_opts) ob = { .o.sz = sizeof(ob), .unknown = 1 };
		NEWER(pk_flamegraph_opts) fo = { .o.sz = sizeof(fo), .unknown = 1 };
		struct pk_flamegraph *fg = pk_flamegraph__new();
		char obj[256];
		FILE *devnull = fopen("/dev/null", "w");

		CHECK_INT(pk_compile("x.bpf.c", obj, sizeof(obj), &c.o, why, sizeof(why)), -EINVAL);
		errno = 0;
		CHECK(!pk_object__open("/dev/null", &ob.o, why, sizeof(why)));
		CHECK_INT(errno, EINVAL);
		CHECK_INT(pk_flamegraph__write_svg(fg, devnull, &fo.o), -EINVAL);
		fo.unknown = 0;
		CHECK_INT(pk_flamegraph__write_svg(fg, devnull, &fo.o), 0);
		pk_flamegraph__free(fg);
		fclose(devnull);
	}
}
