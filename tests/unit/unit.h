/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small unit test harness: PK_TEST(name) { CHECK(...); } in any
 * any file of tests/unit/ registers a test; main.c runs them all.
 */
#ifndef PK_UNIT_H
#define PK_UNIT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct pk_unit_test {
	const char *name;
	void (*fn)(void);
	struct pk_unit_test *next;
};

void pk_unit_register(struct pk_unit_test *t);
void pk_unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define PK_TEST(test_name)                                                   \
	static void test_name(void);                                         \
	static struct pk_unit_test test_name##_entry = { #test_name, test_name, NULL }; \
	__attribute__((constructor)) static void test_name##_register(void)  \
	{                                                                    \
		pk_unit_register(&test_name##_entry);                        \
	}                                                                    \
	static void test_name(void)

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			pk_unit_fail(__FILE__, __LINE__, "%s", #cond);       \
	} while (0)

#define CHECK_INT(a, b)                                                      \
	do {                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);          \
		if (a_ != b_)                                                \
			pk_unit_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, a_, b_); \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *a_ = (a), *b_ = (b);                             \
		if (!a_ || !b_ || strcmp(a_, b_))                            \
			pk_unit_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, \
				     a_ ? a_ : "(null)", b_ ? b_ : "(null)");  \
	} while (0)

/*
 * A cache of one test's own: XDG_CACHE_HOME pointed at a new directory made
 * from @dir ("/tmp/NAME-XXXXXX"), false when it cannot be made;
 * pk_unit_cache_end() removes it and puts XDG_CACHE_HOME back.
 */
bool pk_unit_cache_begin(char *dir);
void pk_unit_cache_end(const char *dir);

#endif
