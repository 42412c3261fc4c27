/*
 * The extension table and the extensions-block parser: the RFC 8446 §4.2
 * table transcribed here independently and checked cell by cell, framing
 * (truncation, trailing bytes, length fields), duplicates, unknown types,
 * and pre_shared_key placement.
 */
#include <string.h>

#include "tests/messages/codec_check.h"
#include "tls/extensions.h"
#include "tls/iana.h"

#define CH MOAT_MSG_CH
#define SH MOAT_MSG_SH
#define HRR MOAT_MSG_HRR
#define EE MOAT_MSG_EE
#define CT MOAT_MSG_CT
#define CR MOAT_MSG_CR
#define NST MOAT_MSG_NST
#define SH12 MOAT_MSG_SH12

static const unsigned all_msgs[] = { CH, SH, HRR, EE, CT, CR, NST, SH12 };

/* RFC 8446 §4.2 (TLS 1.3 column), RFC 8449 §4, and the TLS 1.2 ServerHello answers. */
static const struct {
	uint16_t type;
	unsigned msgs;
} expected_table[] = {
	{ 0, CH | EE | SH12 },             /* server_name */
	{ 1, CH | EE | SH12 },             /* max_fragment_length */
	{ 5, CH | CR | CT | SH12 },        /* status_request */
	{ 10, CH | EE },                   /* supported_groups */
	{ 13, CH | CR },                   /* signature_algorithms */
	{ 16, CH | EE | SH12 },            /* ALPN */
	{ 18, CH | CR | CT | SH12 },       /* signed_certificate_timestamp */
	{ 21, CH },                        /* padding */
	{ 28, CH | EE | SH12 },            /* record_size_limit */
	{ 41, CH | SH },                   /* pre_shared_key */
	{ 42, CH | EE | NST },             /* early_data */
	{ 43, CH | SH | HRR },             /* supported_versions */
	{ 44, CH | HRR },                  /* cookie */
	{ 45, CH },                        /* psk_key_exchange_modes */
	{ 47, CH | CR },                   /* certificate_authorities */
	{ 48, CR },                        /* oid_filters */
	{ 49, CH },                        /* post_handshake_auth */
	{ 50, CH | CR },                   /* signature_algorithms_cert */
	{ 51, CH | SH | HRR },             /* key_share */
	{ 11, CH | SH12 },                 /* ec_point_formats */
	{ 23, CH | SH12 },                 /* extended_master_secret */
	{ 35, CH | SH12 },                 /* session_ticket */
	{ 0xff01, CH | SH12 },             /* renegotiation_info */
};

/* A block (with its 2-byte prefix) holding the given types, each with empty data. */
static void build_block(struct moat_buf *b, const uint16_t *types, size_t n)
{
	moat_buf_init(b, 1 << 20);
	EXPECT_OK(moat_buf_open_prefixed(b, 2));
	for (size_t i = 0; i < n; i++)
		EXPECT_OK(moat_ext_write_empty(b, types[i]));
	EXPECT_OK(moat_buf_close_prefixed(b));
}

static int parse_bytes(const struct moat_buf *b, unsigned msg, struct moat_ext_block *out)
{
	struct moat_cursor c;
	moat_cursor_init(&c, b->data, b->len);
	moat_error_clear();
	int rc = moat_ext_block_parse(&c, msg, false, out);
	if (rc == MOAT_SUCCESS)
		rc = moat_cursor_expect_end(&c);
	return rc;
}

ATF_TC_WITHOUT_HEAD(table_matches_rfc8446);
ATF_TC_BODY(table_matches_rfc8446, tc)
{
	ATF_REQUIRE_EQ(sizeof(expected_table) / sizeof(expected_table[0]), MOAT_EXTI_COUNT);
	for (size_t i = 0; i < MOAT_EXTI_COUNT; i++) {
		int idx = moat_ext_index_of(expected_table[i].type);
		ATF_REQUIRE_MSG(idx >= 0, "type %u not known", expected_table[i].type);
		ATF_REQUIRE_EQ(moat_ext_type_of((moat_ext_index)idx), expected_table[i].type);
		ATF_REQUIRE_MSG(moat_ext_allowed_in((moat_ext_index)idx) == expected_table[i].msgs,
				"type %u (%s): mask %#x, expected %#x", expected_table[i].type,
				moat_ext_name((moat_ext_index)idx), moat_ext_allowed_in((moat_ext_index)idx),
				expected_table[i].msgs);
		ATF_REQUIRE(strcmp(moat_ext_name((moat_ext_index)idx), "unknown") != 0);
	}
	ATF_REQUIRE_EQ(moat_ext_index_of(MOAT_EXT_KEY_SHARE), MOAT_EXTI_KEY_SHARE);
	ATF_REQUIRE_EQ(moat_ext_index_of(MOAT_EXT_RENEGOTIATION_INFO), MOAT_EXTI_RENEGOTIATION_INFO);
	/* Registered but not recognised by us, GREASE (RFC 8701) and unassigned. */
	ATF_REQUIRE_EQ(moat_ext_index_of(14), -1);
	ATF_REQUIRE_EQ(moat_ext_index_of(0x0a0a), -1);
	ATF_REQUIRE_EQ(moat_ext_index_of(0xfafa), -1);
	ATF_REQUIRE_EQ(moat_ext_index_of(0x1234), -1);
	ATF_REQUIRE_EQ(moat_ext_type_of(MOAT_EXTI_COUNT), 0xffff);
	ATF_REQUIRE_STREQ(moat_ext_name(MOAT_EXTI_KEY_SHARE), "key_share");
}

/* Every extension in every message: accepted exactly where the table allows it. */
ATF_TC_WITHOUT_HEAD(placement_matrix);
ATF_TC_BODY(placement_matrix, tc)
{
	for (size_t i = 0; i < MOAT_EXTI_COUNT; i++) {
		for (size_t m = 0; m < sizeof(all_msgs) / sizeof(all_msgs[0]); m++) {
			struct moat_buf b;
			struct moat_ext_block blk;
			uint16_t t = expected_table[i].type;
			build_block(&b, &t, 1);
			int rc = parse_bytes(&b, all_msgs[m], &blk);
			if (expected_table[i].msgs & all_msgs[m]) {
				ATF_REQUIRE_MSG(rc == MOAT_SUCCESS, "type %u in msg %#x: %s", t, all_msgs[m],
						moat_strerror_name(moat_errno));
				int idx = moat_ext_index_of(t);
				ATF_REQUIRE(moat_ext_present(&blk, (moat_ext_index)idx));
				ATF_REQUIRE_EQ(blk.count, 1);
				ATF_REQUIRE_EQ(blk.last_type, t);
				ATF_REQUIRE_EQ(moat_cursor_remaining(&blk.data[idx]), 0);
			} else {
				ATF_REQUIRE_MSG(rc == MOAT_FAILURE && moat_errno == MOAT_ERR_ILLEGAL_PARAMETER,
						"type %u in msg %#x: rc %d %s", t, all_msgs[m], rc,
						moat_strerror_name(moat_errno));
			}
			moat_buf_free(&b);
		}
	}
}

ATF_TC_WITHOUT_HEAD(misplaced_examples);
ATF_TC_BODY(misplaced_examples, tc)
{
	struct moat_buf b;
	struct moat_ext_block blk;
	const uint16_t ks = MOAT_EXT_KEY_SHARE, cookie = MOAT_EXT_COOKIE, sv = MOAT_EXT_SUPPORTED_VERSIONS;
	const uint16_t reneg = MOAT_EXT_RENEGOTIATION_INFO;

	build_block(&b, &ks, 1);
	ATF_REQUIRE_EQ(parse_bytes(&b, EE, &blk), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	build_block(&b, &cookie, 1);
	ATF_REQUIRE_EQ(parse_bytes(&b, SH, &blk), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_OK(parse_bytes(&b, HRR, &blk));
	moat_buf_free(&b);
	build_block(&b, &sv, 1);
	ATF_REQUIRE_EQ(parse_bytes(&b, EE, &blk), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	/* TLS 1.2-era extensions: CH only in TLS 1.3. */
	build_block(&b, &reneg, 1);
	EXPECT_OK(parse_bytes(&b, CH, &blk));
	ATF_REQUIRE_EQ(parse_bytes(&b, SH, &blk), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ILLEGAL_PARAMETER);
	ATF_REQUIRE_EQ(parse_bytes(&b, EE, &blk), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(data_cursors_and_count);
ATF_TC_BODY(data_cursors_and_count, tc)
{
	struct moat_buf b;
	struct moat_ext_block blk;
	static const uint8_t unknown_data[] = { 1, 2, 3 };
	static const uint16_t groups[] = { MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1 };

	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_buf_open_prefixed(&b, 2));
	EXPECT_OK(moat_ext_write_server_name(&b, "example.com"));
	EXPECT_OK(moat_ext_write_raw(&b, 0x0a0a, unknown_data, sizeof(unknown_data)));
	EXPECT_OK(moat_ext_write_u16_list(&b, MOAT_EXT_SUPPORTED_GROUPS, groups, 2));
	EXPECT_OK(moat_buf_close_prefixed(&b));

	EXPECT_OK(parse_bytes(&b, CH, &blk));
	ATF_REQUIRE_EQ(blk.count, 3);
	ATF_REQUIRE_EQ(blk.last_type, MOAT_EXT_SUPPORTED_GROUPS);
	ATF_REQUIRE_EQ(blk.present, (1u << MOAT_EXTI_SERVER_NAME) | (1u << MOAT_EXTI_SUPPORTED_GROUPS));
	ATF_REQUIRE(!moat_ext_present(&blk, MOAT_EXTI_KEY_SHARE));
	ATF_REQUIRE(!moat_ext_present(NULL, MOAT_EXTI_KEY_SHARE));
	ATF_REQUIRE(!moat_ext_present(&blk, MOAT_EXTI_COUNT));

	struct moat_cursor host, list;
	EXPECT_OK(moat_ext_server_name_decode_ch(blk.data[MOAT_EXTI_SERVER_NAME], &host));
	ATF_REQUIRE(codec_cursor_eq(host, "example.com", 11));
	EXPECT_OK(moat_ext_u16_list_decode(blk.data[MOAT_EXTI_SUPPORTED_GROUPS], &list));
	ATF_REQUIRE(moat_u16_list_contains(list, MOAT_GROUP_SECP256R1));

	/* The cursor the caller passes is advanced past the block and no further. */
	uint8_t *more = malloc(b.len + 2);
	ATF_REQUIRE(more != NULL);
	memcpy(more, b.data, b.len);
	more[b.len] = 0xaa;
	more[b.len + 1] = 0xbb;
	struct moat_cursor c;
	moat_cursor_init(&c, more, b.len + 2);
	EXPECT_OK(moat_ext_block_parse(&c, CH, false, &blk));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&c), 2);
	free(more);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(absent_and_empty);
ATF_TC_BODY(absent_and_empty, tc)
{
	struct moat_cursor c;
	struct moat_ext_block blk;
	static const uint8_t empty_block[] = { 0x00, 0x00 };

	moat_cursor_init(&c, NULL, 0);
	EXPECT_OK(moat_ext_block_parse(&c, CH, true, &blk));
	ATF_REQUIRE_EQ(blk.count, 0);
	ATF_REQUIRE_EQ(blk.present, 0);
	EXPECT_ERR(moat_ext_block_parse(&c, EE, false, &blk), MOAT_ERR_DECODE);

	moat_cursor_init(&c, empty_block, sizeof(empty_block));
	EXPECT_OK(moat_ext_block_parse(&c, EE, false, &blk));
	ATF_REQUIRE_EQ(blk.count, 0);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&c), 0);
}

ATF_TC_WITHOUT_HEAD(bad_message_argument);
ATF_TC_BODY(bad_message_argument, tc)
{
	struct moat_cursor c;
	struct moat_ext_block blk;
	static const uint8_t empty_block[] = { 0x00, 0x00 };

	moat_cursor_init(&c, empty_block, sizeof(empty_block));
	EXPECT_ERR(moat_ext_block_parse(&c, 0, false, &blk), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_block_parse(&c, CH | SH, false, &blk), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_block_parse(&c, 1u << 8, false, &blk), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ext_block_parse(&c, CH, false, NULL), MOAT_ERR_NULL_ARG);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&c), 2);
}

static int decode_block_ch(struct moat_cursor in)
{
	struct moat_ext_block blk;
	TRY(moat_ext_block_parse(&in, CH, false, &blk));
	return moat_cursor_expect_end(&in);
}

ATF_TC_WITHOUT_HEAD(framing);
ATF_TC_BODY(framing, tc)
{
	struct moat_buf b;
	static const uint8_t d1[] = { 0x00, 0x02, 0x40, 0x00 }; /* not a real value: framing only */
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_buf_open_prefixed(&b, 2));
	EXPECT_OK(moat_ext_write_raw(&b, 0x1111, d1, sizeof(d1)));
	EXPECT_OK(moat_ext_write_empty(&b, 0x2222));
	EXPECT_OK(moat_ext_write_raw(&b, 0x3333, d1, 2));
	EXPECT_OK(moat_buf_close_prefixed(&b));
	/* Block length at 0, the extensions' lengths at 4, 12 and 16. */
	static const size_t offs[] = { 0, 4, 12, 16 };
	static const unsigned widths[] = { 2, 2, 2, 2 };
	codec_check_all(decode_block_ch, b.data, b.len, offs, widths, 4);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(duplicates);
ATF_TC_BODY(duplicates, tc)
{
	struct moat_buf b;
	struct moat_ext_block blk;
	static const uint16_t known_twice[] = { MOAT_EXT_SERVER_NAME, MOAT_EXT_PADDING, MOAT_EXT_SERVER_NAME };
	static const uint16_t unknown_twice[] = { 0x1234, MOAT_EXT_PADDING, 0x1234 };
	static const uint16_t grease_twice[] = { 0x0a0a, 0x0a0a };

	build_block(&b, known_twice, 3);
	ATF_REQUIRE_EQ(parse_bytes(&b, CH, &blk), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_DUPLICATE_EXTENSION);
	ATF_REQUIRE_EQ(moat_error_get_alert(moat_errno), MOAT_ALERT_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	build_block(&b, unknown_twice, 3);
	ATF_REQUIRE_EQ(parse_bytes(&b, CH, &blk), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_DUPLICATE_EXTENSION);
	moat_buf_free(&b);
	build_block(&b, grease_twice, 2);
	ATF_REQUIRE_EQ(parse_bytes(&b, CR, &blk), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_DUPLICATE_EXTENSION);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(unknown_extensions);
ATF_TC_BODY(unknown_extensions, tc)
{
	struct moat_buf b;
	struct moat_ext_block blk;
	static const uint16_t types[] = { 0x0a0a, 14 /* use_srtp: registered, not ours */ };
	const unsigned ignored_in[] = { CH, CR, CT, NST };
	const unsigned rejected_in[] = { SH, HRR, EE, SH12 };

	build_block(&b, types, 2);
	for (size_t i = 0; i < 4; i++) {
		EXPECT_OK(parse_bytes(&b, ignored_in[i], &blk));
		ATF_REQUIRE_EQ(blk.count, 2);
		ATF_REQUIRE_EQ(blk.present, 0);
		ATF_REQUIRE_EQ(blk.last_type, 14);
	}
	for (size_t i = 0; i < 4; i++) {
		ATF_REQUIRE_EQ(parse_bytes(&b, rejected_in[i], &blk), MOAT_FAILURE);
		ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_UNSUPPORTED_EXTENSION);
		ATF_REQUIRE_EQ(moat_error_get_alert(moat_errno), MOAT_ALERT_UNSUPPORTED_EXTENSION);
	}
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(pre_shared_key_last);
ATF_TC_BODY(pre_shared_key_last, tc)
{
	struct moat_buf b;
	struct moat_ext_block blk;
	static const uint16_t psk_last[] = { MOAT_EXT_SUPPORTED_VERSIONS, 0x0a0a, MOAT_EXT_PRE_SHARED_KEY };
	static const uint16_t psk_middle[] = { MOAT_EXT_SUPPORTED_VERSIONS, MOAT_EXT_PRE_SHARED_KEY, 0x0a0a };
	static const uint16_t psk_first[] = { MOAT_EXT_PRE_SHARED_KEY, MOAT_EXT_SUPPORTED_VERSIONS };

	build_block(&b, psk_last, 3);
	EXPECT_OK(parse_bytes(&b, CH, &blk));
	ATF_REQUIRE(moat_ext_present(&blk, MOAT_EXTI_PRE_SHARED_KEY));
	moat_buf_free(&b);
	/* Even an unknown extension after it is too late (RFC 8446 §4.2.11). */
	build_block(&b, psk_middle, 3);
	ATF_REQUIRE_EQ(parse_bytes(&b, CH, &blk), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	/* "... but can appear anywhere in the ServerHello extensions block". */
	build_block(&b, psk_first, 2);
	ATF_REQUIRE_EQ(parse_bytes(&b, CH, &blk), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_OK(parse_bytes(&b, SH, &blk));
	moat_buf_free(&b);
}

/* The largest block possible: 16383 empty extensions, all distinct, then the same with one repeat. */
ATF_TC_WITHOUT_HEAD(many_extensions);
ATF_TC_BODY(many_extensions, tc)
{
	struct moat_buf b;
	struct moat_ext_block blk;
	const size_t n = 0xffff / 4;

	moat_buf_init(&b, 1 << 20);
	EXPECT_OK(moat_buf_open_prefixed(&b, 2));
	for (size_t i = 0; i < n; i++)
		EXPECT_OK(moat_ext_write_empty(&b, (uint16_t)(0x8000 + i)));
	EXPECT_OK(moat_buf_close_prefixed(&b));
	EXPECT_OK(parse_bytes(&b, CH, &blk));
	ATF_REQUIRE_EQ(blk.count, n);
	moat_buf_free(&b);

	moat_buf_init(&b, 1 << 20);
	EXPECT_OK(moat_buf_open_prefixed(&b, 2));
	for (size_t i = 0; i < n - 1; i++)
		EXPECT_OK(moat_ext_write_empty(&b, (uint16_t)(0x8000 + i)));
	EXPECT_OK(moat_ext_write_empty(&b, 0x8000));
	EXPECT_OK(moat_buf_close_prefixed(&b));
	ATF_REQUIRE_EQ(parse_bytes(&b, CH, &blk), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_DUPLICATE_EXTENSION);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(parse_raw);
ATF_TC_BODY(parse_raw, tc)
{
	struct moat_cursor raw;
	struct moat_ext_block blk;
	static const uint8_t two[] = { 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x02, 0x00, 0x17 };

	moat_cursor_init(&raw, two, sizeof(two));
	EXPECT_OK(moat_ext_block_parse_raw(raw, HRR, &blk));
	ATF_REQUIRE_EQ(blk.count, 2);
	ATF_REQUIRE(moat_ext_present(&blk, MOAT_EXTI_SUPPORTED_VERSIONS));
	ATF_REQUIRE(moat_ext_present(&blk, MOAT_EXTI_KEY_SHARE));
	moat_cursor_init(&raw, two, sizeof(two) - 1);
	EXPECT_ERR(moat_ext_block_parse_raw(raw, HRR, &blk), MOAT_ERR_DECODE);
	moat_cursor_init(&raw, two, 3);
	EXPECT_ERR(moat_ext_block_parse_raw(raw, HRR, &blk), MOAT_ERR_DECODE);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, table_matches_rfc8446);
	ATF_TP_ADD_TC(tp, placement_matrix);
	ATF_TP_ADD_TC(tp, misplaced_examples);
	ATF_TP_ADD_TC(tp, data_cursors_and_count);
	ATF_TP_ADD_TC(tp, absent_and_empty);
	ATF_TP_ADD_TC(tp, bad_message_argument);
	ATF_TP_ADD_TC(tp, framing);
	ATF_TP_ADD_TC(tp, duplicates);
	ATF_TP_ADD_TC(tp, unknown_extensions);
	ATF_TP_ADD_TC(tp, pre_shared_key_last);
	ATF_TP_ADD_TC(tp, many_extensions);
	ATF_TP_ADD_TC(tp, parse_raw);
	return atf_no_error();
}
