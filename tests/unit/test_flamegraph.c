// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <probekit/flamegraph.h>

#include "unit.h"

static char *svg_of(struct pk_flamegraph *fg, const struct pk_flamegraph_opts *opts, int *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*err = pk_flamegraph__write_svg(fg, f, opts);
	fclose(f);
	return buf;
}

PK_TEST(flamegraph_folded_adds_up)
{
	static const char text[] = "main;alloc_a;malloc 40960\n\nmain;alloc_b;malloc 700\r\n"
				   "main;alloc_a;malloc 4096\n";
	struct pk_flamegraph *fg = pk_flamegraph__new();

	CHECK_INT(pk_flamegraph__add_folded(fg, text, sizeof(text) - 1), 3);
	CHECK_INT(pk_flamegraph__total(fg), 45756);
	CHECK_INT(pk_flamegraph__add_folded(fg, "a;b 1\nno count here\n", 20), -EINVAL);
	CHECK_STR(pk_flamegraph__error(fg), "line 2: the count is not a number below 2^64");
	CHECK_INT(pk_flamegraph__add_folded(fg, "justone\n", 8), -EINVAL);
	CHECK_INT(pk_flamegraph__add_folded(fg, "a 18446744073709551616\n", 23), -EINVAL);
	/* the first line of the failed text was added */
	CHECK_INT(pk_flamegraph__total(fg), 45757);
	pk_flamegraph__free(fg);
}

PK_TEST(flamegraph_print_folded_line_reads_back)
{
	static const char *const frames[] = { "main", "a;b", "tab\there", "malloc" };
	struct pk_flamegraph *fg = pk_flamegraph__new();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	pk_print_folded(f, frames, 4, 4096);
	fclose(f);
	/* a ';' in a name would split the frame; control characters are escaped */
	CHECK_STR(buf, "main;a:b;tab\\there;malloc 4096\n");
	/* and the flame graph reads the line as one stack of four frames */
	CHECK_INT(pk_flamegraph__add_folded(fg, buf, len), 1);
	CHECK_INT(pk_flamegraph__total(fg), 4096);
	free(buf);
	pk_flamegraph__free(fg);
}

PK_TEST(flamegraph_svg_escapes_names)
{
	struct pk_flamegraph *fg = pk_flamegraph__new();
	struct pk_flamegraph_opts opts = { .sz = sizeof(opts), .unit = "bytes", .title = "<t>" };
	const char *frames[] = { "a<b>&\"c'", "\x1b[31m\xff" };
	char *svg;
	int err;

	CHECK_INT(pk_flamegraph__add(fg, frames, 2, 10), 0);
	svg = svg_of(fg, &opts, &err);
	CHECK_INT(err, 0);
	CHECK(strstr(svg, "<title>a&lt;b&gt;&amp;&quot;c&apos; (10 bytes, 100.00%)</title>"));
	CHECK(strstr(svg, "<title>\\e[31m\\xff (10 bytes, 100.00%)</title>"));
	CHECK(strstr(svg, ">&lt;t&gt;</text>"));
	CHECK(!strchr(svg, '\x1b'));
	free(svg);
	/* unknown bytes past the known fields: -EINVAL, as libbpf does */
	{
		struct {
			struct pk_flamegraph_opts o;
			long extra;
		} big = { { .sz = sizeof(big) }, 1 };

		svg = svg_of(fg, &big.o, &err);
		CHECK_INT(err, -EINVAL);
		free(svg);
	}
	pk_flamegraph__free(fg);
}

/* --svg's file: checked early, written whole, and the reason told either way. */
PK_TEST(flamegraph_save_says_what_it_wrote)
{
	struct pk_flamegraph *fg = pk_flamegraph__new();
	struct pk_flamegraph_opts opts = { .sz = sizeof(opts), .unit = "bytes" };
	const char *frames[] = { "main", "malloc" };
	char dir[] = "/tmp/pk-fgsave-XXXXXX", path[128], why[256], buf[64];
	FILE *f;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.svg", dir);
	CHECK_INT(pk_flamegraph_can_save(path, why, sizeof(why)), 0);
	CHECK_INT(pk_flamegraph__add(fg, frames, 2, 40960), 0);
	CHECK_INT(pk_flamegraph__save(fg, path, &opts, why, sizeof(why)), 0);
	snprintf(buf, sizeof(buf), "wrote the flame graph of 40960 bytes to ");
	CHECK(!strncmp(why, buf, strlen(buf)) && strstr(why, "/a.svg"));
	f = fopen(path, "r");
	CHECK(f && fgets(buf, sizeof(buf), f) && !strncmp(buf, "<?xml", 5));
	if (f)
		fclose(f);
	unlink(path);
	rmdir(dir);
	CHECK_INT(pk_flamegraph_can_save("/no/such/dir/x.svg", why, sizeof(why)), -ENOENT);
	CHECK_STR(why, "cannot write /no/such/dir/x.svg: No such file or directory");
	CHECK_INT(pk_flamegraph__save(fg, "/no/such/dir/x.svg", NULL, why, sizeof(why)), -ENOENT);
	CHECK_STR(why, "cannot write the flame graph to /no/such/dir/x.svg: "
		       "No such file or directory");
	CHECK_INT(pk_flamegraph__save(NULL, "x.svg", NULL, NULL, 0), -EINVAL);
	CHECK_INT(pk_flamegraph_can_save("", why, sizeof(why)), -EINVAL);
	pk_flamegraph__free(fg);
}

/* Folded text out: each distinct stack once, equal ones added, names escaped. */
PK_TEST(flamegraph_write_folded_merges_equal_stacks)
{
	struct pk_flamegraph *fg = pk_flamegraph__new();
	const char *ab[] = {"a", "b"}, *abc[] = {"a", "b", "c;d\n"}, *a[] = {"a"};
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	CHECK_INT(pk_flamegraph__add(fg, ab, 2, 2), 0);
	CHECK_INT(pk_flamegraph__add(fg, abc, 3, 1), 0);
	CHECK_INT(pk_flamegraph__add(fg, ab, 2, 5), 0);
	CHECK_INT(pk_flamegraph__add(fg, a, 1, 3), 0);
	CHECK_INT(pk_flamegraph__write_folded(fg, f), 3);
	fclose(f);
	CHECK_STR(out, "a 3\na;b 7\na;b;c:d\\n 1\n");
	free(out);
	pk_flamegraph__free(fg);
}
