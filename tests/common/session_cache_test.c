/*
 * The bounded session cache (common/session_cache.h): store and retrieve,
 * replacement under the same key, expiry (the entry gone after it), the
 * oldest entry evicted when full and the count never past the capacity,
 * delete, and the limits on key and value sizes.
 */
#include <atf-c.h>
#include <string.h>

#include "common/session_cache.h"

#define S 1000000000ull

static void key_of(uint32_t n, uint8_t key[32])
{
	memset(key, 0, 32);
	memcpy(key, &n, sizeof(n));
}

static bool get(struct moat_session_cache *c, uint64_t now, uint32_t n, uint8_t *v, size_t *len)
{
	uint8_t key[32];
	key_of(n, key);
	*len = MOAT_SESSION_CACHE_VALUE_MAX;
	return moat_session_cache_retrieve(c, now, key, sizeof(key), v, len);
}

static void put(struct moat_session_cache *c, uint64_t now, uint32_t n, uint8_t fill, size_t len)
{
	uint8_t key[32], v[MOAT_SESSION_CACHE_VALUE_MAX];
	key_of(n, key);
	memset(v, fill, sizeof(v));
	ATF_REQUIRE(moat_session_cache_store(c, now, 60, key, sizeof(key), v, len) == MOAT_SUCCESS);
}

ATF_TC_WITHOUT_HEAD(store_retrieve_replace);
ATF_TC_BODY(store_retrieve_replace, tc)
{
	struct moat_session_cache *c;
	uint8_t v[MOAT_SESSION_CACHE_VALUE_MAX];
	size_t len;
	ATF_REQUIRE(moat_session_cache_new(4, &c) == MOAT_SUCCESS);
	ATF_REQUIRE(!get(c, 0, 1, v, &len));
	put(c, 0, 1, 0xaa, 100);
	ATF_REQUIRE(get(c, 1, 1, v, &len));
	ATF_REQUIRE_EQ(len, 100);
	ATF_REQUIRE(v[0] == 0xaa && v[99] == 0xaa);
	put(c, 0, 1, 0xbb, 50);
	ATF_REQUIRE_EQ(moat_session_cache_count(c), 1);
	ATF_REQUIRE(get(c, 1, 1, v, &len));
	ATF_REQUIRE(len == 50 && v[0] == 0xbb);
	/* Too little room: not handed out. */
	len = 10;
	uint8_t key[32];
	key_of(1, key);
	ATF_REQUIRE(!moat_session_cache_retrieve(c, 1, key, sizeof(key), v, &len));
	/* Another key of another length is another entry. */
	ATF_REQUIRE(!moat_session_cache_retrieve(c, 1, key, 16, v, &len));
	moat_session_cache_delete(c, key, sizeof(key));
	ATF_REQUIRE(!get(c, 1, 1, v, &len));
	ATF_REQUIRE_EQ(moat_session_cache_count(c), 0);
	moat_session_cache_free(c);
}

ATF_TC_WITHOUT_HEAD(expiry);
ATF_TC_BODY(expiry, tc)
{
	struct moat_session_cache *c;
	uint8_t v[MOAT_SESSION_CACHE_VALUE_MAX];
	size_t len;
	ATF_REQUIRE(moat_session_cache_new(4, &c) == MOAT_SUCCESS);
	put(c, 100 * S, 7, 1, 10);
	ATF_REQUIRE(get(c, 159 * S, 7, v, &len));
	ATF_REQUIRE(!get(c, 160 * S, 7, v, &len));
	/* Met expired, the entry is gone. */
	ATF_REQUIRE_EQ(moat_session_cache_count(c), 0);
	moat_session_cache_free(c);
}

ATF_TC_WITHOUT_HEAD(bounded_ring);
ATF_TC_BODY(bounded_ring, tc)
{
	struct moat_session_cache *c;
	uint8_t v[MOAT_SESSION_CACHE_VALUE_MAX];
	size_t len;
	ATF_REQUIRE(moat_session_cache_new(100, &c) == MOAT_SUCCESS);
	for (uint32_t n = 0; n < 1000; n++) {
		put(c, 0, n, (uint8_t)n, 1 + n % MOAT_SESSION_CACHE_VALUE_MAX);
		ATF_REQUIRE(moat_session_cache_count(c) <= 100);
	}
	ATF_REQUIRE_EQ(moat_session_cache_count(c), 100);
	/* The last 100 are kept, each with its own value; the older ones were evicted. */
	for (uint32_t n = 0; n < 1000; n++) {
		bool hit = get(c, 1, n, v, &len);
		ATF_REQUIRE_EQ_MSG(hit, n >= 900, "entry %u", n);
		if (hit)
			ATF_REQUIRE(len == 1 + n % MOAT_SESSION_CACHE_VALUE_MAX && v[0] == (uint8_t)n);
	}
	/* Deleting in the middle, then filling again, keeps the chains whole. */
	for (uint32_t n = 900; n < 1000; n += 3) {
		uint8_t key[32];
		key_of(n, key);
		moat_session_cache_delete(c, key, sizeof(key));
	}
	for (uint32_t n = 2000; n < 2050; n++)
		put(c, 0, n, 9, 5);
	for (uint32_t n = 2000; n < 2050; n++)
		ATF_REQUIRE(get(c, 1, n, v, &len));
	ATF_REQUIRE(moat_session_cache_count(c) <= 100);
	moat_session_cache_free(c);
}

ATF_TC_WITHOUT_HEAD(limits);
ATF_TC_BODY(limits, tc)
{
	struct moat_session_cache *c;
	uint8_t key[33] = { 1 }, v[MOAT_SESSION_CACHE_VALUE_MAX + 1] = { 2 };
	ATF_REQUIRE(moat_session_cache_new(0, &c) == MOAT_FAILURE);
	ATF_REQUIRE(moat_session_cache_new(MOAT_SESSION_CACHE_ENTRIES_MAX + 1, &c) == MOAT_FAILURE);
	ATF_REQUIRE(moat_session_cache_new(1, &c) == MOAT_SUCCESS);
	ATF_REQUIRE(moat_session_cache_store(c, 0, 1, key, 33, v, 1) == MOAT_FAILURE);
	ATF_REQUIRE(moat_session_cache_store(c, 0, 1, key, 0, v, 1) == MOAT_FAILURE);
	ATF_REQUIRE(moat_session_cache_store(c, 0, 1, key, 32, v, sizeof(v)) == MOAT_FAILURE);
	ATF_REQUIRE(moat_session_cache_store(c, 0, 1, key, 32, v, 0) == MOAT_FAILURE);
	/* A lifetime that would overflow the clock is kept as "never". */
	ATF_REQUIRE(moat_session_cache_store(c, 5 * S, UINT64_MAX, key, 32, v, 1) == MOAT_SUCCESS);
	size_t len = sizeof(v);
	ATF_REQUIRE(moat_session_cache_retrieve(c, UINT64_MAX - 1, key, 32, v, &len));
	moat_session_cache_free(c);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, store_retrieve_replace);
	ATF_TP_ADD_TC(tp, expiry);
	ATF_TP_ADD_TC(tp, bounded_ring);
	ATF_TP_ADD_TC(tp, limits);
	return atf_no_error();
}
