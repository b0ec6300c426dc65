// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The cache's SHA-256 (libmd's) and entry headers (lib/cache.c). */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "../../lib/base/base.h"

static void digest_of(const char *s, size_t repeat, char hex[PK__DIGEST_HEX])
{
	struct pk__hasher h;
	struct pk__digest d;

	pk__hash_init(&h);
	while (repeat--)
		pk__hash(&h, s, strlen(s));
	pk__hash_final(&h, &d);
	pk__digest_hex(&d, hex);
}

/* FIPS 180-2's vectors: what the cache's keys are, is SHA-256 */
PK_TEST(cache_sha256_test_vectors)
{
	char hex[PK__DIGEST_HEX];

	digest_of("abc", 1, hex);
	CHECK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	digest_of("", 1, hex);
	CHECK(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	digest_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, hex);
	CHECK(!strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
	digest_of("aaaaaaaaaa", 100000, hex);
	CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
}

PK_TEST(cache_header_round_trip_and_damage)
{
	struct pk__cache_header h = {.size = 0x0102030405060708ULL}, back;
	unsigned char buf[PK__CACHE_HEADER_SIZE + 1];

	memset(h.key.b, 1, 32);
	memset(h.context.b, 2, 32);
	memset(h.digest.b, 3, 32);
	pk__cache_header_format(&h, buf);
	CHECK(!memcmp(buf, "PKCACHE1\x08\x07\x06\x05\x04\x03\x02\x01", 16));
	CHECK_INT(pk__cache_header_parse(buf, PK__CACHE_HEADER_SIZE, &back), 0);
	CHECK(!memcmp(&back, &h, sizeof(h)));
	/* cut, grown, another magic, an impossible length */
	CHECK_INT(pk__cache_header_parse(buf, PK__CACHE_HEADER_SIZE - 1, &back), -EINVAL);
	CHECK_INT(pk__cache_header_parse(buf, PK__CACHE_HEADER_SIZE + 1, &back), -EINVAL);
	buf[7] = '2';
	CHECK_INT(pk__cache_header_parse(buf, PK__CACHE_HEADER_SIZE, &back), -EINVAL);
	buf[7] = '1';
	buf[15] = 0x40;
	CHECK_INT(pk__cache_header_parse(buf, PK__CACHE_HEADER_SIZE, &back), -EINVAL);
}

static void digest_str(const char *s, struct pk__digest *d)
{
	struct pk__hasher h;

	pk__hash_init(&h);
	pk__hash_str(&h, s);
	pk__hash_final(&h, d);
}

/*
 * The entry API as a new user of the cache (a precompiled header, say)
 * calls it: an entry is found only under its own key, a temporary file
 * someone wrote becomes an entry 0600, and pruning takes another context's
 * old entries and leaves this one's.
 */
PK_TEST(cache_entries_by_key_and_context)
{
	char dir[] = "/tmp/pk-cache-unit-XXXXXX", sub[PATH_MAX], a[PATH_MAX + 8], b[PATH_MAX + 8];
	char tmp[PATH_MAX + 96], why[512];
	struct pk__digest k1, k2, c1, c2;
	struct timespec then[2] = {{.tv_sec = 1}, {.tv_sec = 1}};
	struct pk__cache c;
	struct stat st;
	size_t size;
	void *data;

	if (!pk_unit_cache_begin(dir))
		return;
	digest_str("k1", &k1);
	digest_str("k2", &k2);
	digest_str("c1", &c1);
	digest_str("c2", &c2);
	CHECK_INT(pk__cache_open(&c, NULL, 0, NULL, why, sizeof(why)), 0);
	CHECK_INT(pk__cache_subdir(&c, "pch/x", sub, sizeof(sub), why, sizeof(why)), 0);
	snprintf(a, sizeof(a), "%s/a", sub);
	snprintf(b, sizeof(b), "%s/b", sub);
	CHECK_INT(pk__cache_read(&c, a, &k1, NULL, NULL), -ENOENT);
	CHECK_INT(pk__cache_write(&c, a, &k1, &c1, "hello", 5, why, sizeof(why)), 0);
	CHECK_INT(pk__cache_read(&c, a, &k1, &data, &size), 0);
	CHECK(size == 5 && !strcmp(data, "hello"));
	free(data);
	CHECK_INT(pk__cache_read(&c, a, &k2, NULL, NULL), -EINVAL);
	/* what a compiler wrote, with its own mode */
	CHECK_INT(pk__cache_tmp(b, tmp, sizeof(tmp)), 0);
	CHECK_INT(pk__write_new_file(tmp, "pch", 3), 0);
	chmod(tmp, 0644);
	CHECK_INT(pk__cache_commit(&c, tmp, b, &k2, &c2, why, sizeof(why)), 0);
	CHECK(!stat(b, &st) && (st.st_mode & 07777) == 0600);
	CHECK_INT(pk__cache_read(&c, b, &k2, NULL, NULL), 0);
	CHECK(access(tmp, F_OK));
	/* b, of another context and unused since 1970, goes; a stays */
	snprintf(tmp, sizeof(tmp), "%s" PK__CACHE_SUM, b);
	utimensat(AT_FDCWD, tmp, then, 0);
	pk__cache_prune(&c, "pch", &c1);
	CHECK(access(b, F_OK) && access(tmp, F_OK));
	CHECK_INT(pk__cache_read(&c, a, &k1, NULL, NULL), 0);
	pk_unit_cache_end(dir);
}

/*
 * A large payload read without its contents (a precompiled header) is
 * checked once: a second read trusts the memo beside it, a byte changed in
 * place (same size, mtime set back) is still found, and pruning the entry
 * takes the memo with it.
 */
PK_TEST(cache_large_entry_checked_once)
{
	char dir[] = "/tmp/pk-cache-unit-XXXXXX", sub[PATH_MAX], a[PATH_MAX + 8];
	char ok[PATH_MAX + 16], sum[PATH_MAX + 16], why[512];
	struct timespec then[2] = {{.tv_sec = 1}, {.tv_sec = 1}};
	size_t size = (1 << 20) + 7;
	struct pk__digest k, c1, c2;
	struct pk__cache c;
	struct stat st;
	char *big;
	int fd;

	if (!pk_unit_cache_begin(dir))
		return;
	big = malloc(size);
	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, 'x', size);
	digest_str("k", &k);
	digest_str("c1", &c1);
	digest_str("c2", &c2);
	CHECK_INT(pk__cache_open(&c, NULL, 0, NULL, why, sizeof(why)), 0);
	CHECK_INT(pk__cache_subdir(&c, "pch/y", sub, sizeof(sub), why, sizeof(why)), 0);
	snprintf(a, sizeof(a), "%s/a", sub);
	snprintf(ok, sizeof(ok), "%s" PK__CACHE_OK, a);
	CHECK_INT(pk__cache_write(&c, a, &k, &c1, big, size, why, sizeof(why)), 0);
	CHECK(access(ok, F_OK));
	CHECK_INT(pk__cache_read(&c, a, &k, NULL, NULL), 0);
	CHECK(!stat(ok, &st) && (st.st_mode & 07777) == 0600 && st.st_size == 32);
	CHECK_INT(pk__cache_read(&c, a, &k, NULL, NULL), 0);
	/* one byte changed in place, its mtime set back: the ctime tells */
	CHECK(!stat(a, &st));
	fd = open(a, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "y", 1, size / 2) == 1);
	close(fd);
	utimensat(AT_FDCWD, a, (struct timespec[2]){ st.st_atim, st.st_mtim }, 0);
	CHECK_INT(pk__cache_read(&c, a, &k, NULL, NULL), -EINVAL);
	/* an entry of another context, unused since 1970, goes with its memo */
	CHECK_INT(pk__cache_write(&c, a, &k, &c2, big, size, why, sizeof(why)), 0);
	CHECK_INT(pk__cache_read(&c, a, &k, NULL, NULL), 0);
	CHECK(!access(ok, F_OK));
	snprintf(sum, sizeof(sum), "%s" PK__CACHE_SUM, a);
	utimensat(AT_FDCWD, sum, then, 0);
	pk__cache_prune(&c, "pch", &c1);
	CHECK(access(a, F_OK) && access(ok, F_OK));
	free(big);
	pk_unit_cache_end(dir);
}
