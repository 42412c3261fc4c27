/*
 * The write buffer: integers, nested back-filled prefixes, every overflow
 * path (cap, fixed memory, prefix width, nesting), and wiping of sensitive
 * contents. Output is read back with the cursor to check the pair agrees.
 */
#include <string.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/secmem.h"
#include "tests/moat_test.h"

ATF_TC_WITHOUT_HEAD(integers_round_trip);
ATF_TC_BODY(integers_round_trip, tc)
{
	struct moat_buf b;
	struct moat_cursor c;
	uint8_t u8;
	uint16_t u16;
	uint32_t u24, u32;
	uint64_t u64;

	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_buf_put_u8(&b, 0xfe));
	EXPECT_OK(moat_buf_put_u16(&b, 0x1234));
	EXPECT_OK(moat_buf_put_u24(&b, 0xabcdef));
	EXPECT_OK(moat_buf_put_u32(&b, 0xdeadbeef));
	EXPECT_OK(moat_buf_put_u64(&b, UINT64_C(0x0102030405060708)));
	ATF_REQUIRE_EQ(b.len, 18);
	static const uint8_t want[] = { 0xfe, 0x12, 0x34, 0xab, 0xcd, 0xef, 0xde, 0xad, 0xbe, 0xef,
					1, 2, 3, 4, 5, 6, 7, 8 };
	ATF_REQUIRE(memcmp(b.data, want, sizeof(want)) == 0);

	moat_cursor_init(&c, b.data, b.len);
	EXPECT_OK(moat_cursor_get_u8(&c, &u8));
	EXPECT_OK(moat_cursor_get_u16(&c, &u16));
	EXPECT_OK(moat_cursor_get_u24(&c, &u24));
	EXPECT_OK(moat_cursor_get_u32(&c, &u32));
	EXPECT_OK(moat_cursor_get_u64(&c, &u64));
	EXPECT_OK(moat_cursor_expect_end(&c));
	ATF_REQUIRE(u8 == 0xfe && u16 == 0x1234 && u24 == 0xabcdef && u32 == 0xdeadbeef);

	EXPECT_ERR(moat_buf_put_u24(&b, 0x1000000), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 18);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(nested_prefixes_back_filled);
ATF_TC_BODY(nested_prefixes_back_filled, tc)
{
	struct moat_buf b;
	moat_buf_init(&b, 1 << 20);
	/* extensions<2> { ext type, ext_data<2> { list<1> { 2 bytes } } } */
	EXPECT_OK(moat_buf_open_prefixed(&b, 2));
	EXPECT_OK(moat_buf_put_u16(&b, 0x002b));
	EXPECT_OK(moat_buf_open_prefixed(&b, 2));
	EXPECT_OK(moat_buf_open_prefixed(&b, 1));
	EXPECT_OK(moat_buf_put_u16(&b, 0x0304));
	EXPECT_OK(moat_buf_close_prefixed(&b));
	EXPECT_OK(moat_buf_close_prefixed(&b));
	EXPECT_OK(moat_buf_close_prefixed(&b));
	static const uint8_t want[] = { 0, 7, 0x00, 0x2b, 0, 3, 2, 0x03, 0x04 };
	ATF_REQUIRE_EQ(b.len, sizeof(want));
	ATF_REQUIRE(memcmp(b.data, want, sizeof(want)) == 0);

	/* 3- and 4-byte prefixes, and a prefixed put. */
	moat_buf_reset(&b);
	EXPECT_OK(moat_buf_open_prefixed(&b, 3));
	EXPECT_OK(moat_buf_put_prefixed(&b, 4, "abc", 3));
	EXPECT_OK(moat_buf_close_prefixed(&b));
	static const uint8_t want2[] = { 0, 0, 7, 0, 0, 0, 3, 'a', 'b', 'c' };
	ATF_REQUIRE_EQ(b.len, sizeof(want2));
	ATF_REQUIRE(memcmp(b.data, want2, sizeof(want2)) == 0);

	/* A large body forces regrowth while a prefix is open. */
	moat_buf_reset(&b);
	EXPECT_OK(moat_buf_open_prefixed(&b, 3));
	for (int i = 0; i < 70000; i++)
		EXPECT_OK(moat_buf_put_u8(&b, (uint8_t)i));
	EXPECT_OK(moat_buf_close_prefixed(&b));
	ATF_REQUIRE(b.data[0] == 0x01 && b.data[1] == 0x11 && b.data[2] == 0x70);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(prefix_overflow_and_nesting);
ATF_TC_BODY(prefix_overflow_and_nesting, tc)
{
	struct moat_buf b;
	uint8_t big[300] = { 0 };
	moat_buf_init(&b, 1 << 20);

	EXPECT_ERR(moat_buf_put_prefixed(&b, 1, big, 256), MOAT_ERR_PREFIX_OVERFLOW);
	ATF_REQUIRE_EQ(b.len, 0);
	EXPECT_OK(moat_buf_put_prefixed(&b, 1, big, 255));
	moat_buf_reset(&b);

	EXPECT_OK(moat_buf_open_prefixed(&b, 1));
	EXPECT_OK(moat_buf_put_bytes(&b, big, 256));
	EXPECT_ERR(moat_buf_close_prefixed(&b), MOAT_ERR_PREFIX_OVERFLOW);
	moat_buf_reset(&b);

	EXPECT_ERR(moat_buf_close_prefixed(&b), MOAT_ERR_PREFIX_NESTING);
	for (int i = 0; i < MOAT_BUF_MAX_DEPTH; i++)
		EXPECT_OK(moat_buf_open_prefixed(&b, 1));
	EXPECT_ERR(moat_buf_open_prefixed(&b, 1), MOAT_ERR_PREFIX_NESTING);
	for (int i = 0; i < MOAT_BUF_MAX_DEPTH; i++)
		EXPECT_OK(moat_buf_close_prefixed(&b));
	EXPECT_ERR(moat_buf_close_prefixed(&b), MOAT_ERR_PREFIX_NESTING);

	EXPECT_ERR(moat_buf_open_prefixed(&b, 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_buf_open_prefixed(&b, 5), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_buf_put_prefixed(&b, 5, big, 1), MOAT_ERR_INVALID_ARG);
	/* Truncation may not cut into an open prefix. */
	moat_buf_reset(&b);
	EXPECT_OK(moat_buf_put_u8(&b, 1));
	EXPECT_OK(moat_buf_open_prefixed(&b, 2));
	EXPECT_ERR(moat_buf_truncate(&b, 1), MOAT_ERR_PREFIX_NESTING);
	EXPECT_ERR(moat_buf_truncate(&b, 4), MOAT_ERR_INVALID_ARG);
	EXPECT_OK(moat_buf_truncate(&b, 3));
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(cap_and_fixed_memory);
ATF_TC_BODY(cap_and_fixed_memory, tc)
{
	struct moat_buf b;
	uint8_t mem[4];
	uint8_t *p;

	moat_buf_init_fixed(&b, mem, sizeof(mem));
	EXPECT_OK(moat_buf_put_u16(&b, 0x0102));
	EXPECT_ERR(moat_buf_put_u24(&b, 1), MOAT_ERR_BUF_FULL);
	EXPECT_ERR(moat_buf_put_u32(&b, 1), MOAT_ERR_BUF_FULL);
	EXPECT_ERR(moat_buf_put_u64(&b, 1), MOAT_ERR_BUF_FULL);
	EXPECT_ERR(moat_buf_put_bytes(&b, "xyz", 3), MOAT_ERR_BUF_FULL);
	EXPECT_ERR(moat_buf_put_prefixed(&b, 1, "xy", 2), MOAT_ERR_BUF_FULL);
	EXPECT_ERR(moat_buf_open_prefixed(&b, 3), MOAT_ERR_BUF_FULL);
	EXPECT_ERR(moat_buf_reserve(&b, SIZE_MAX, &p), MOAT_ERR_BUF_FULL);
	ATF_REQUIRE_EQ(b.len, 2);
	EXPECT_OK(moat_buf_put_u16(&b, 0x0304));
	EXPECT_ERR(moat_buf_put_u8(&b, 5), MOAT_ERR_BUF_FULL);
	ATF_REQUIRE(mem[0] == 1 && mem[3] == 4);
	moat_buf_free(&b); /* never frees caller memory */

	moat_buf_init(&b, 10);
	EXPECT_OK(moat_buf_put_bytes(&b, "0123456789", 10));
	EXPECT_ERR(moat_buf_put_u8(&b, 1), MOAT_ERR_BUF_FULL);
	ATF_REQUIRE_EQ(b.len, 10);
	moat_buf_free(&b);
	ATF_REQUIRE(b.data == NULL);

	EXPECT_ERR(moat_buf_put_bytes(&b, NULL, 1), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_buf_put_u8(NULL, 1), MOAT_ERR_NULL_ARG);
}

ATF_TC_WITHOUT_HEAD(sensitive_is_secure_and_wiped);
ATF_TC_BODY(sensitive_is_secure_and_wiped, tc)
{
	struct moat_buf b;
	moat_buf_init_sensitive(&b, 4096);
	EXPECT_OK(moat_buf_put_bytes(&b, "secretsecret", 12));
	ATF_REQUIRE(moat_secmem_size(b.data) >= 12);
	uint8_t *data = b.data;
	EXPECT_OK(moat_buf_truncate(&b, 6));
	for (int i = 6; i < 12; i++)
		ATF_REQUIRE_EQ(data[i], 0);
	moat_buf_reset(&b);
	for (int i = 0; i < 6; i++)
		ATF_REQUIRE_EQ(data[i], 0);
	/* Growing moves the contents into a bigger secure block. */
	for (int i = 0; i < 1000; i++)
		EXPECT_OK(moat_buf_put_u8(&b, 0x5a));
	ATF_REQUIRE(moat_secmem_size(b.data) >= 1000);
	ATF_REQUIRE_EQ(b.data[999], 0x5a);
	moat_buf_free(&b);
	ATF_REQUIRE(b.data == NULL);
}

ATF_TC_WITHOUT_HEAD(empty_put_into_empty_buffer);
ATF_TC_BODY(empty_put_into_empty_buffer, tc)
{
	/* Zero bytes into a buffer with no memory yet: allowed, and no pointer arithmetic on NULL (UBSan). */
	struct moat_buf b;
	uint8_t *p = (uint8_t *)&b;
	moat_buf_init(&b, 64);
	EXPECT_OK(moat_buf_put_bytes(&b, NULL, 0));
	EXPECT_OK(moat_buf_reserve(&b, 0, &p));
	ATF_REQUIRE(p == NULL);
	ATF_REQUIRE_EQ(b.len, 0);
	EXPECT_OK(moat_buf_put_bytes(&b, "x", 1));
	ATF_REQUIRE_EQ(b.len, 1);
	moat_buf_free(&b);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, integers_round_trip);
	ATF_TP_ADD_TC(tp, nested_prefixes_back_filled);
	ATF_TP_ADD_TC(tp, prefix_overflow_and_nesting);
	ATF_TP_ADD_TC(tp, cap_and_fixed_memory);
	ATF_TP_ADD_TC(tp, sensitive_is_secure_and_wiped);
	ATF_TP_ADD_TC(tp, empty_put_into_empty_buffer);
	return atf_no_error();
}
