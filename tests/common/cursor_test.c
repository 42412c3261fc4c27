/*
 * The read cursor: every getter, every short read, prefix and vector bounds.
 * A failed read must leave the cursor exactly where it was.
 */
#include <string.h>

#include "common/cursor.h"
#include "tests/moat_test.h"

static const uint8_t bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };

#define EXPECT_UNCHANGED(c, p, n) \
	do { \
		ATF_REQUIRE((c).ptr == (p)); \
		ATF_REQUIRE_EQ((c).len, (n)); \
	} while (0)

ATF_TC_WITHOUT_HEAD(integers_big_endian);
ATF_TC_BODY(integers_big_endian, tc)
{
	struct moat_cursor c;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	moat_cursor_init(&c, bytes, sizeof(bytes));
	EXPECT_OK(moat_cursor_peek_u8(&c, &u8));
	ATF_REQUIRE_EQ(u8, 0x01);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&c), 9);
	EXPECT_OK(moat_cursor_get_u8(&c, &u8));
	ATF_REQUIRE_EQ(u8, 0x01);
	EXPECT_OK(moat_cursor_get_u16(&c, &u16));
	ATF_REQUIRE_EQ(u16, 0x0203);
	EXPECT_OK(moat_cursor_get_u24(&c, &u32));
	ATF_REQUIRE_EQ(u32, 0x040506);
	EXPECT_OK(moat_cursor_get_u24(&c, &u32));
	ATF_REQUIRE_EQ(u32, 0x070809);
	EXPECT_OK(moat_cursor_expect_end(&c));

	moat_cursor_init(&c, bytes, sizeof(bytes));
	EXPECT_OK(moat_cursor_get_u32(&c, &u32));
	ATF_REQUIRE_EQ(u32, 0x01020304);
	moat_cursor_init(&c, bytes, sizeof(bytes));
	EXPECT_OK(moat_cursor_get_u64(&c, &u64));
	ATF_REQUIRE_EQ(u64, UINT64_C(0x0102030405060708));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&c), 1);
}

ATF_TC_WITHOUT_HEAD(short_reads_fail_and_do_not_move);
ATF_TC_BODY(short_reads_fail_and_do_not_move, tc)
{
	struct moat_cursor c, sub;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	uint8_t out[16];
	const uint8_t *ref;

	/* For every length shorter than each field, the read fails with DECODE. */
	for (size_t n = 0; n < 8; n++) {
		moat_cursor_init(&c, bytes, n);
		if (n < 1) {
			EXPECT_ERR(moat_cursor_get_u8(&c, &u8), MOAT_ERR_DECODE);
			EXPECT_ERR(moat_cursor_peek_u8(&c, &u8), MOAT_ERR_DECODE);
		}
		if (n < 2)
			EXPECT_ERR(moat_cursor_get_u16(&c, &u16), MOAT_ERR_DECODE);
		if (n < 3)
			EXPECT_ERR(moat_cursor_get_u24(&c, &u32), MOAT_ERR_DECODE);
		if (n < 4)
			EXPECT_ERR(moat_cursor_get_u32(&c, &u32), MOAT_ERR_DECODE);
		EXPECT_ERR(moat_cursor_get_u64(&c, &u64), MOAT_ERR_DECODE);
		EXPECT_ERR(moat_cursor_get_bytes(&c, out, n + 1), MOAT_ERR_DECODE);
		EXPECT_ERR(moat_cursor_get_ref(&c, n + 1, &ref), MOAT_ERR_DECODE);
		EXPECT_ERR(moat_cursor_get_sub(&c, n + 1, &sub), MOAT_ERR_DECODE);
		EXPECT_ERR(moat_cursor_skip(&c, n + 1), MOAT_ERR_DECODE);
		EXPECT_UNCHANGED(c, bytes, n);
	}
	/* A length near SIZE_MAX must not wrap. */
	moat_cursor_init(&c, bytes, 4);
	EXPECT_ERR(moat_cursor_skip(&c, SIZE_MAX), MOAT_ERR_DECODE);
	EXPECT_UNCHANGED(c, bytes, 4);
}

ATF_TC_WITHOUT_HEAD(bytes_ref_sub_skip);
ATF_TC_BODY(bytes_ref_sub_skip, tc)
{
	struct moat_cursor c, sub;
	uint8_t out[3];
	const uint8_t *ref;
	uint8_t u8;

	moat_cursor_init(&c, bytes, sizeof(bytes));
	EXPECT_OK(moat_cursor_get_bytes(&c, out, 3));
	ATF_REQUIRE(memcmp(out, bytes, 3) == 0);
	EXPECT_OK(moat_cursor_get_ref(&c, 2, &ref));
	ATF_REQUIRE(ref == bytes + 3);
	EXPECT_OK(moat_cursor_skip(&c, 1));
	EXPECT_OK(moat_cursor_get_sub(&c, 2, &sub));
	ATF_REQUIRE(moat_cursor_data(&sub) == bytes + 6);
	EXPECT_OK(moat_cursor_get_u8(&sub, &u8));
	ATF_REQUIRE_EQ(u8, 0x07);
	EXPECT_ERR(moat_cursor_expect_end(&sub), MOAT_ERR_TRAILING_DATA);
	EXPECT_OK(moat_cursor_get_u8(&sub, &u8));
	EXPECT_OK(moat_cursor_expect_end(&sub));
	/* A sub-cursor cannot read into its parent's remaining bytes. */
	EXPECT_ERR(moat_cursor_get_u8(&sub, &u8), MOAT_ERR_DECODE);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&c), 1);
	/* Zero-length reads succeed anywhere, even at the end. */
	EXPECT_OK(moat_cursor_get_bytes(&sub, NULL, 0));
	EXPECT_OK(moat_cursor_skip(&sub, 0));
	/* An empty cursor over NULL is a valid empty input. */
	moat_cursor_init(&c, NULL, 5);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&c), 0);
	EXPECT_OK(moat_cursor_expect_end(&c));
}

ATF_TC_WITHOUT_HEAD(prefixed_vectors);
ATF_TC_BODY(prefixed_vectors, tc)
{
	struct moat_cursor c, sub;
	uint8_t u8;
	/* 1-byte prefix 2, 2-byte prefix 1, 3-byte prefix 0, 4-byte prefix 1. */
	static const uint8_t v[] = { 2, 0xaa, 0xbb, 0, 1, 0xcc, 0, 0, 0, 0, 0, 0, 1, 0xdd };

	moat_cursor_init(&c, v, sizeof(v));
	EXPECT_OK(moat_cursor_get_prefixed(&c, 1, &sub));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&sub), 2);
	ATF_REQUIRE_EQ(moat_cursor_data(&sub)[1], 0xbb);
	EXPECT_OK(moat_cursor_get_prefixed(&c, 2, &sub));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&sub), 1);
	EXPECT_OK(moat_cursor_get_prefixed(&c, 3, &sub));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&sub), 0);
	EXPECT_OK(moat_cursor_get_prefixed(&c, 4, &sub));
	EXPECT_OK(moat_cursor_get_u8(&sub, &u8));
	ATF_REQUIRE_EQ(u8, 0xdd);
	EXPECT_OK(moat_cursor_expect_end(&c));

	/* Bad widths are a usage error, not a read. */
	moat_cursor_init(&c, v, sizeof(v));
	EXPECT_ERR(moat_cursor_get_prefixed(&c, 0, &sub), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_cursor_get_prefixed(&c, 5, &sub), MOAT_ERR_INVALID_ARG);
	EXPECT_UNCHANGED(c, v, sizeof(v));
}

ATF_TC_WITHOUT_HEAD(prefix_past_end);
ATF_TC_BODY(prefix_past_end, tc)
{
	struct moat_cursor c, sub;
	static const uint8_t over1[] = { 3, 0xaa, 0xbb };
	static const uint8_t over2[] = { 0xff, 0xff, 0 };
	static const uint8_t over3[] = { 0xff, 0xff, 0xff, 0 };
	static const uint8_t over4[] = { 0xff, 0xff, 0xff, 0xff, 0 };
	static const uint8_t half_prefix[] = { 0 };

	moat_cursor_init(&c, over1, sizeof(over1));
	EXPECT_ERR(moat_cursor_get_prefixed(&c, 1, &sub), MOAT_ERR_DECODE);
	EXPECT_UNCHANGED(c, over1, sizeof(over1));
	moat_cursor_init(&c, over2, sizeof(over2));
	EXPECT_ERR(moat_cursor_get_prefixed(&c, 2, &sub), MOAT_ERR_DECODE);
	EXPECT_UNCHANGED(c, over2, sizeof(over2));
	moat_cursor_init(&c, over3, sizeof(over3));
	EXPECT_ERR(moat_cursor_get_prefixed(&c, 3, &sub), MOAT_ERR_DECODE);
	EXPECT_UNCHANGED(c, over3, sizeof(over3));
	moat_cursor_init(&c, over4, sizeof(over4));
	EXPECT_ERR(moat_cursor_get_prefixed(&c, 4, &sub), MOAT_ERR_DECODE);
	EXPECT_UNCHANGED(c, over4, sizeof(over4));
	/* The prefix itself is truncated. */
	moat_cursor_init(&c, half_prefix, sizeof(half_prefix));
	EXPECT_ERR(moat_cursor_get_prefixed(&c, 2, &sub), MOAT_ERR_DECODE);
	EXPECT_UNCHANGED(c, half_prefix, sizeof(half_prefix));
}

ATF_TC_WITHOUT_HEAD(vector_bounds);
ATF_TC_BODY(vector_bounds, tc)
{
	struct moat_cursor c, sub;
	static const uint8_t v[] = { 0, 4, 1, 2, 3, 4 };

	moat_cursor_init(&c, v, sizeof(v));
	EXPECT_OK(moat_cursor_get_vector(&c, 2, 4, 4, &sub));
	moat_cursor_init(&c, v, sizeof(v));
	EXPECT_ERR(moat_cursor_get_vector(&c, 2, 5, 100, &sub), MOAT_ERR_DECODE);
	EXPECT_UNCHANGED(c, v, sizeof(v));
	EXPECT_ERR(moat_cursor_get_vector(&c, 2, 0, 3, &sub), MOAT_ERR_DECODE);
	EXPECT_UNCHANGED(c, v, sizeof(v));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, integers_big_endian);
	ATF_TP_ADD_TC(tp, short_reads_fail_and_do_not_move);
	ATF_TP_ADD_TC(tp, bytes_ref_sub_skip);
	ATF_TP_ADD_TC(tp, prefixed_vectors);
	ATF_TP_ADD_TC(tp, prefix_past_end);
	ATF_TP_ADD_TC(tp, vector_bounds);
	return atf_no_error();
}
