// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>

#include <probekit/suggest.h>

#include "unit.h"

PK_TEST(edit_distance_counts_edits)
{
	CHECK_INT(pk_edit_distance("kitten", "sitting", 10), 3);
	CHECK_INT(pk_edit_distance("", "abc", 10), 3);
	CHECK_INT(pk_edit_distance("abc", "abc", 0), 0);
	/* a swap of neighbours is one edit */
	CHECK_INT(pk_edit_distance("tcp_v4_cnonect", "tcp_v4_connect", 5), 1);
	/* past the limit, limit + 1 */
	CHECK_INT(pk_edit_distance("abcdef", "uvwxyz", 2), 3);
	CHECK_INT(pk_edit_distance("a", "abcdefgh", 3), 4);
}

static const char *const kernel_names[] = {
	"tcp_v4_connect", "tcp_v6_connect", "tcp_connect", "udp_connect", "vfs_read",
	"tcp_v4_connect", /* duplicates (kallsyms has them) count once */
	"do_sys_openat2", "sched_switch", NULL,
};

PK_TEST(suggest_orders_nearest_first)
{
	struct pk_suggest *s = pk_suggest__new("tcp_v4_conect", 3);
	char buf[256];
	int i;

	CHECK(s);
	if (!s)
		return;
	for (i = 0; kernel_names[i]; i++)
		CHECK_INT(pk_suggest__add(s, kernel_names[i]), 0);
	CHECK_INT(pk_suggest__count(s), 2);
	CHECK_STR(pk_suggest__name(s, 0), "tcp_v4_connect");
	/* distance 2 */
	CHECK_STR(pk_suggest__name(s, 1), "tcp_v6_connect");
	/* tcp_connect is 4 edits away: past the limit of 3 */
	CHECK(pk_suggest__name(s, 2) == NULL);
	CHECK_INT(pk_suggest__format(s, "'%s'", buf, sizeof(buf)), 2);
	CHECK_STR(buf, "'tcp_v4_connect' or 'tcp_v6_connect'");
	/* cut output stays a string */
	pk_suggest__format(s, NULL, buf, 10);
	CHECK_STR(buf, "tcp_v4_co");
	pk_suggest__free(s);
}

PK_TEST(suggest_keeps_the_nearest_when_full)
{
	struct pk_suggest *s = pk_suggest__new("abcdefgh", 2);

	pk_suggest__add(s, "abcdefgx"); /* 1 edit, shorter common prefix */
	pk_suggest__add(s, "xbcdefgx"); /* 2 edits */
	pk_suggest__add(s, "abcdefghi"); /* 1 edit, longer common prefix */
	pk_suggest__add(s, "zzzzzzzz"); /* far */
	CHECK_INT(pk_suggest__count(s), 2);
	CHECK_STR(pk_suggest__name(s, 0), "abcdefghi");
	CHECK_STR(pk_suggest__name(s, 1), "abcdefgx");
	pk_suggest__free(s);
}

PK_TEST(suggest_finds_contained_names_and_nothing_far)
{
	struct pk_suggest *s = pk_suggest__new("openat", 2);
	char buf[128];

	pk_suggest__add(s, "sys_enter_openat");
	pk_suggest__add(s, "sys_enter_read");
	pk_suggest__add(s, "openat"); /* itself is no suggestion */
	CHECK_INT(pk_suggest__count(s), 1);
	CHECK_STR(pk_suggest__name(s, 0), "sys_enter_openat");
	pk_suggest__free(s);

	s = pk_suggest__new("zzzzzz", 2);
	pk_suggest__add(s, "vfs_read");
	CHECK_INT(pk_suggest__format(s, NULL, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
	pk_suggest__free(s);
	pk_suggest__free(NULL);
	CHECK(pk_suggest__new("x", 0) == NULL && errno == EINVAL);
}
