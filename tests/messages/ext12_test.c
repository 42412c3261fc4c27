/*
 * Codecs of the TLS 1.2-only extensions (tls/extensions12.h):
 * renegotiation_info (RFC 5746 §3.2), ec_point_formats (RFC 8422 §5.1.2),
 * session_ticket (RFC 5077 §3.2) and extended_master_secret (RFC 7627 §5.1,
 * through the empty-extension codecs). Round trips, every prefix, a
 * trailing byte, the length fields nudged, the bounds, and the values the
 * RFCs forbid.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/messages/codec_check.h"
#include "tls/extensions12.h"
#include "tls/iana.h"

static struct moat_cursor out_cursor;

static int dec_reneg(struct moat_cursor d) { return moat_ext_renegotiation_info_decode(d, &out_cursor); }
static int dec_formats(struct moat_cursor d) { return moat_ext_ec_point_formats_decode(d, &out_cursor); }
static int dec_ticket(struct moat_cursor d) { return moat_ext_session_ticket_decode(d, &out_cursor); }
static int dec_empty(struct moat_cursor d) { return moat_ext_empty_decode(d); }

static struct moat_cursor cur(const void *p, size_t n)
{
	struct moat_cursor c;
	moat_cursor_init(&c, p, n);
	return c;
}

ATF_TC_WITHOUT_HEAD(renegotiation_info);
ATF_TC_BODY(renegotiation_info, tc)
{
	/* Initial handshake: renegotiated_connection is empty, the whole extension is ff 01 00 01 00. */
	struct moat_buf b;
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_renegotiation_info(&b, NULL, 0));
	ATF_REQUIRE_EQ(b.len, 5);
	ATF_REQUIRE(memcmp(b.data, "\xff\x01\x00\x01\x00", 5) == 0);
	EXPECT_OK(dec_reneg(codec_ext_data(&b, MOAT_EXT_RENEGOTIATION_INFO)));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), 0);
	moat_buf_reset(&b);

	/* A renegotiating server's: client and server verify_data, 12 bytes each (RFC 5746 §3.7). */
	uint8_t vd[255];
	for (size_t i = 0; i < sizeof(vd); i++)
		vd[i] = (uint8_t)i;
	EXPECT_OK(moat_ext_write_renegotiation_info(&b, vd, 24));
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_RENEGOTIATION_INFO);
	EXPECT_OK(dec_reneg(d));
	ATF_REQUIRE(codec_cursor_eq(out_cursor, vd, 24));
	static const size_t offs[] = { 0 };
	static const unsigned widths[] = { 1 };
	codec_check_all(dec_reneg, moat_cursor_data(&d), moat_cursor_remaining(&d), offs, widths, 1);
	moat_buf_reset(&b);

	/* <0..255>: the top of the range, and one past it. */
	EXPECT_OK(moat_ext_write_renegotiation_info(&b, vd, 255));
	EXPECT_OK(dec_reneg(codec_ext_data(&b, MOAT_EXT_RENEGOTIATION_INFO)));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), 255);
	moat_buf_reset(&b);
	uint8_t big[256] = { 0 };
	EXPECT_ERR(moat_ext_write_renegotiation_info(&b, big, 256), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_write_renegotiation_info(&b, NULL, 1), MOAT_ERR_NULL_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	/* An empty extension_data is not an empty renegotiated_connection: the length byte is missing. */
	EXPECT_ERR(dec_reneg(cur("", 0)), MOAT_ERR_DECODE);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(ec_point_formats);
ATF_TC_BODY(ec_point_formats, tc)
{
	/* RFC 8422 §5.1.2: the octets a client supporting only uncompressed sends. */
	static const uint8_t rfc[] = { 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00 };
	static const uint8_t only[] = { MOAT_EC_POINT_FORMAT_UNCOMPRESSED };
	struct moat_buf b;
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_ext_write_ec_point_formats(&b, only, 1));
	ATF_REQUIRE_EQ(b.len, sizeof(rfc));
	ATF_REQUIRE(memcmp(b.data, rfc, sizeof(rfc)) == 0);
	struct moat_cursor d = codec_ext_data(&b, MOAT_EXT_EC_POINT_FORMATS);
	EXPECT_OK(dec_formats(d));
	ATF_REQUIRE(codec_cursor_eq(out_cursor, only, 1));
	moat_buf_reset(&b);

	/* Deprecated formats alongside uncompressed, in any position, are accepted. */
	static const uint8_t mixed[] = { 1, 2, 0 };
	EXPECT_OK(moat_ext_write_ec_point_formats(&b, mixed, 3));
	d = codec_ext_data(&b, MOAT_EXT_EC_POINT_FORMATS);
	EXPECT_OK(dec_formats(d));
	ATF_REQUIRE(codec_cursor_eq(out_cursor, mixed, 3));
	static const size_t offs[] = { 0 };
	static const unsigned widths[] = { 1 };
	codec_check_prefixes(dec_formats, moat_cursor_data(&d), moat_cursor_remaining(&d), NULL, 0);
	codec_check_trailing(dec_formats, moat_cursor_data(&d), moat_cursor_remaining(&d), MOAT_ERR_TRAILING_DATA);
	codec_check_length_field(dec_formats, moat_cursor_data(&d), moat_cursor_remaining(&d), offs[0], widths[0]);
	moat_buf_reset(&b);

	/* Without uncompressed: illegal_parameter (RFC 8422 §5.1.2). */
	static const uint8_t no_uncompressed[] = { 0x02, 0x01, 0x02 };
	EXPECT_ERR(dec_formats(cur(no_uncompressed, sizeof(no_uncompressed))), MOAT_ERR_ILLEGAL_PARAMETER);
	static const uint8_t private_use[] = { 0x01, 0xf8 };
	EXPECT_ERR(dec_formats(cur(private_use, sizeof(private_use))), MOAT_ERR_ILLEGAL_PARAMETER);
	/* <1..2^8-1>: an empty list is decode_error. */
	EXPECT_ERR(dec_formats(cur("\x00", 1)), MOAT_ERR_DECODE);

	/* 255 formats, the last one uncompressed. */
	uint8_t many[256];
	memset(many, 0xff, sizeof(many));
	many[254] = 0;
	EXPECT_OK(moat_ext_write_ec_point_formats(&b, many, 255));
	EXPECT_OK(dec_formats(codec_ext_data(&b, MOAT_EXT_EC_POINT_FORMATS)));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), 255);
	moat_buf_reset(&b);
	EXPECT_ERR(moat_ext_write_ec_point_formats(&b, many, 256), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_write_ec_point_formats(&b, many, 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_write_ec_point_formats(&b, no_uncompressed + 1, 2), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_write_ec_point_formats(&b, NULL, 1), MOAT_ERR_NULL_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(session_ticket);
ATF_TC_BODY(session_ticket, tc)
{
	struct moat_buf b;
	moat_buf_init(&b, 1 << 17);
	/* Empty: "send me a ticket" in a ClientHello, "I will send one" in a ServerHello. */
	EXPECT_OK(moat_ext_write_session_ticket(&b, NULL, 0));
	ATF_REQUIRE_EQ(b.len, 4);
	ATF_REQUIRE(memcmp(b.data, "\x00\x23\x00\x00", 4) == 0);
	EXPECT_OK(dec_ticket(codec_ext_data(&b, MOAT_EXT_SESSION_TICKET)));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), 0);
	moat_buf_reset(&b);

	/* The ticket is the whole extension_data, with no length of its own. */
	uint8_t *t = malloc(0x10000);
	ATF_REQUIRE(t != NULL);
	for (size_t i = 0; i < 0x10000; i++)
		t[i] = (uint8_t)(i * 7);
	EXPECT_OK(moat_ext_write_session_ticket(&b, t, 200));
	ATF_REQUIRE_EQ(b.len, 4 + 200);
	EXPECT_OK(dec_ticket(codec_ext_data(&b, MOAT_EXT_SESSION_TICKET)));
	ATF_REQUIRE(codec_cursor_eq(out_cursor, t, 200));
	moat_buf_reset(&b);
	EXPECT_OK(moat_ext_write_session_ticket(&b, t, 0xffff));
	EXPECT_OK(dec_ticket(codec_ext_data(&b, MOAT_EXT_SESSION_TICKET)));
	ATF_REQUIRE(codec_cursor_eq(out_cursor, t, 0xffff));
	moat_buf_reset(&b);
	EXPECT_ERR(moat_ext_write_session_ticket(&b, t, 0x10000), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_write_session_ticket(&b, NULL, 1), MOAT_ERR_NULL_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	EXPECT_ERR(moat_ext_session_ticket_decode(cur(t, 4), NULL), MOAT_ERR_NULL_ARG);
	free(t);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(extended_master_secret);
ATF_TC_BODY(extended_master_secret, tc)
{
	/* RFC 7627 §5.1: "The 'extension_data' field of this extension is empty." */
	struct moat_buf b;
	moat_buf_init(&b, 64);
	EXPECT_OK(moat_ext_write_empty(&b, MOAT_EXT_EXTENDED_MASTER_SECRET));
	ATF_REQUIRE_EQ(b.len, 4);
	ATF_REQUIRE(memcmp(b.data, "\x00\x17\x00\x00", 4) == 0);
	EXPECT_OK(dec_empty(codec_ext_data(&b, MOAT_EXT_EXTENDED_MASTER_SECRET)));
	codec_check_trailing(dec_empty, (const uint8_t *)"", 0, MOAT_ERR_TRAILING_DATA);
	moat_buf_free(&b);
}

/* The four extensions in a TLS 1.2 ServerHello's block, parsed with the SH12 rules and then by their codecs. */
ATF_TC_WITHOUT_HEAD(in_server_hello_block);
ATF_TC_BODY(in_server_hello_block, tc)
{
	static const uint8_t formats[] = { 0 };
	struct moat_buf b;
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_buf_open_prefixed(&b, 2));
	EXPECT_OK(moat_ext_write_renegotiation_info(&b, NULL, 0));
	EXPECT_OK(moat_ext_write_ec_point_formats(&b, formats, 1));
	EXPECT_OK(moat_ext_write_session_ticket(&b, NULL, 0));
	EXPECT_OK(moat_ext_write_empty(&b, MOAT_EXT_EXTENDED_MASTER_SECRET));
	EXPECT_OK(moat_buf_close_prefixed(&b));
	struct moat_cursor c = cur(b.data, b.len);
	struct moat_ext_block blk;
	EXPECT_OK(moat_ext_block_parse(&c, MOAT_MSG_SH12, false, &blk));
	ATF_REQUIRE_EQ(blk.count, 4);
	EXPECT_OK(dec_reneg(blk.data[MOAT_EXTI_RENEGOTIATION_INFO]));
	EXPECT_OK(dec_formats(blk.data[MOAT_EXTI_EC_POINT_FORMATS]));
	EXPECT_OK(dec_ticket(blk.data[MOAT_EXTI_SESSION_TICKET]));
	EXPECT_OK(dec_empty(blk.data[MOAT_EXTI_EXTENDED_MASTER_SECRET]));
	moat_buf_free(&b);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, renegotiation_info);
	ATF_TP_ADD_TC(tp, ec_point_formats);
	ATF_TP_ADD_TC(tp, session_ticket);
	ATF_TP_ADD_TC(tp, extended_master_secret);
	ATF_TP_ADD_TC(tp, in_server_hello_block);
	return atf_no_error();
}
