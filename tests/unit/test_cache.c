// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The cache's SHA-256 (libmd's) and entry headers (lib/cache.c). */
#include <stdlib.h>

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
