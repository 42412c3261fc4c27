/*
 * The 0-RTT single-use record (keyd/early_record.h, RFC 8446 §8.1): one yes
 * per ticket while its key opens it, a no for a replay, for a key older
 * than keyd, when the record is off, and when it is full of live entries;
 * entries whose key has expired make room again.
 */
#include <atf-c.h>
#include <string.h>

#include "keyd/early_record.h"
#include "tests/moat_test.h"

#define T0 1800000000u

static void ticket_of(uint32_t n, uint8_t t[64])
{
	memset(t, 0xa5, 64);
	memcpy(t, &n, sizeof(n));
}

ATF_TC_WITHOUT_HEAD(first_use_then_replay);
ATF_TC_BODY(first_use_then_replay, tc)
{
	struct keyd_early_record r;
	EXPECT_OK(keyd_early_init(&r, 8, T0));
	ATF_REQUIRE_EQ(keyd_early_bytes(&r), 16 * sizeof(struct keyd_early_slot));
	uint8_t a[64], b[64];
	ticket_of(1, a);
	ticket_of(2, b);
	ATF_REQUIRE(keyd_early_claim(&r, T0 + 10, a, sizeof(a), T0, T0 + 3600));
	/* The same ticket again, at once or later while its key opens it: refused. */
	ATF_REQUIRE(!keyd_early_claim(&r, T0 + 10, a, sizeof(a), T0, T0 + 3600));
	ATF_REQUIRE(!keyd_early_claim(&r, T0 + 3599, a, sizeof(a), T0, T0 + 3600));
	ATF_REQUIRE(keyd_early_claim(&r, T0 + 10, b, sizeof(b), T0, T0 + 3600));
	/* One byte different is another ticket. */
	a[63] ^= 1;
	ATF_REQUIRE(keyd_early_claim(&r, T0 + 10, a, sizeof(a), T0, T0 + 3600));
	ATF_REQUIRE_EQ(r.claimed, 3);
	ATF_REQUIRE_EQ(r.replayed, 2);
	keyd_early_free(&r);
}

ATF_TC_WITHOUT_HEAD(key_older_than_keyd_is_refused);
ATF_TC_BODY(key_older_than_keyd_is_refused, tc)
{
	struct keyd_early_record r;
	EXPECT_OK(keyd_early_init(&r, 8, T0));
	uint8_t a[64];
	ticket_of(1, a);
	/* An imported key introduced before this keyd started: its tickets may have been used before. */
	ATF_REQUIRE(!keyd_early_claim(&r, T0 + 10, a, sizeof(a), T0 - 1, T0 + 3600));
	/* A key that no longer opens anything. */
	ATF_REQUIRE(!keyd_early_claim(&r, T0 + 10, a, sizeof(a), T0, T0 + 10));
	keyd_early_free(&r);
	/* Off: no 0-RTT at all. */
	EXPECT_OK(keyd_early_init(&r, 0, T0));
	ATF_REQUIRE(!keyd_early_claim(&r, T0 + 10, a, sizeof(a), T0, T0 + 3600));
	keyd_early_free(&r);
	EXPECT_ERR(keyd_early_init(&r, KEYD_EARLY_MAX_ENTRIES + 1, T0), MOAT_ERR_INVALID_ARG);
}

ATF_TC_WITHOUT_HEAD(full_refuses_until_entries_expire);
ATF_TC_BODY(full_refuses_until_entries_expire, tc)
{
	struct keyd_early_record r;
	EXPECT_OK(keyd_early_init(&r, 100, T0));
	uint8_t t[64];
	/* 100 under a key that ends at T0 + 100, the rest under one that lasts. */
	for (uint32_t i = 0; i < 100; i++) {
		ticket_of(i, t);
		ATF_REQUIRE(keyd_early_claim(&r, T0 + 1, t, sizeof(t), T0, T0 + 100));
	}
	ticket_of(1000, t);
	ATF_REQUIRE(!keyd_early_claim(&r, T0 + 2, t, sizeof(t), T0, T0 + 5000));
	ATF_REQUIRE_EQ(r.full, 1);
	/* Every one of them is still a replay while full. */
	for (uint32_t i = 0; i < 100; i++) {
		ticket_of(i, t);
		ATF_REQUIRE(!keyd_early_claim(&r, T0 + 3, t, sizeof(t), T0, T0 + 100));
	}
	/* Their key is gone: room for new ones, and the old ones (which could not open now) are forgotten. */
	for (uint32_t i = 1000; i < 1100; i++) {
		ticket_of(i, t);
		ATF_REQUIRE(keyd_early_claim(&r, T0 + 100, t, sizeof(t), T0, T0 + 5000));
	}
	for (uint32_t i = 1000; i < 1100; i++) {
		ticket_of(i, t);
		ATF_REQUIRE(!keyd_early_claim(&r, T0 + 200, t, sizeof(t), T0, T0 + 5000));
	}
	ATF_REQUIRE_EQ(r.live, 100);
	keyd_early_free(&r);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, first_use_then_replay);
	ATF_TP_ADD_TC(tp, key_older_than_keyd_is_refused);
	ATF_TP_ADD_TC(tp, full_refuses_until_entries_expire);
	return atf_no_error();
}
