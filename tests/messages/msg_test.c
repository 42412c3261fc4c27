/*
 * Handshake message codecs: each message encoded, decoded and compared
 * field by field; every prefix, one trailing byte and each length field
 * nudged by one; then the value rules RFC 8446 §4 gives each message
 * (oversized session id, odd suites, compression, misplaced and unknown
 * extensions, 11 certificates, KeyUpdate 2, Finished of the wrong length).
 */
#include <string.h>

#include "tests/messages/codec_check.h"
#include "tls/iana.h"
#include "tls/messages.h"

static const uint8_t test_random[32] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
					 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
					 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20 };
static const uint8_t test_sid[33] = { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
				      0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
				      0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11 };
static const uint16_t test_suites[] = { MOAT_TLS_AES_128_GCM_SHA256, MOAT_TLS_CHACHA20_POLY1305_SHA256,
					MOAT_TLS_AES_256_GCM_SHA384 };
static const uint8_t test_key[32] = { 0xaa, 0xbb, 0xcc };

static struct moat_client_hello out_ch;
static struct moat_server_hello out_sh;
static struct moat_ext_block out_ext;
static struct moat_certificate_request out_cr;
static struct moat_certificate_msg out_cert;
static struct moat_certificate_verify out_cv;
static struct moat_new_session_ticket out_nst;
static struct moat_cursor out_cursor;
static bool out_bool;

static int dec_ch(struct moat_cursor d) { return moat_client_hello_decode(d, &out_ch); }
static int dec_sh(struct moat_cursor d) { return moat_server_hello_decode(d, &out_sh); }
static int dec_ee(struct moat_cursor d) { return moat_encrypted_extensions_decode(d, &out_ext); }
static int dec_cr(struct moat_cursor d) { return moat_certificate_request_decode(d, &out_cr); }
static int dec_cert(struct moat_cursor d) { return moat_certificate_decode(d, &out_cert); }
static int dec_cv(struct moat_cursor d) { return moat_certificate_verify_decode(d, &out_cv); }
static int dec_fin32(struct moat_cursor d) { return moat_finished_decode(d, 32, &out_cursor); }
static int dec_ku(struct moat_cursor d) { return moat_key_update_decode(d, &out_bool); }
static int dec_nst(struct moat_cursor d) { return moat_new_session_ticket_decode(d, &out_nst); }
static int dec_eoed(struct moat_cursor d) { return moat_end_of_early_data_decode(d); }

static struct moat_cursor cur(const void *p, size_t n)
{
	struct moat_cursor c;
	moat_cursor_init(&c, p, n);
	return c;
}

/* A copy of a message body with one byte changed, decoded by f. */
static int decode_patched(codec_decode_fn f, struct moat_cursor body, size_t off, uint8_t value)
{
	size_t n = moat_cursor_remaining(&body);
	ATF_REQUIRE(off < n);
	uint8_t *q = malloc(n);
	ATF_REQUIRE(q != NULL);
	memcpy(q, moat_cursor_data(&body), n);
	q[off] = value;
	int rc = codec_run(f, q, n);
	free(q);
	return rc;
}

/* ---- header ---- */

ATF_TC_WITHOUT_HEAD(header);
ATF_TC_BODY(header, tc)
{
	static const uint8_t two[] = { 0x14, 0x00, 0x00, 0x02, 0xaa, 0xbb, 0x18, 0x00, 0x00, 0x01, 0x01 };
	struct moat_cursor c = cur(two, sizeof(two)), body;
	uint8_t type;
	size_t n;

	EXPECT_OK(moat_hs_header_decode(&c, &type, &body));
	ATF_REQUIRE_EQ(type, MOAT_HS_FINISHED);
	ATF_REQUIRE(codec_cursor_eq(body, "\xaa\xbb", 2));
	EXPECT_OK(moat_hs_header_decode(&c, &type, &body));
	ATF_REQUIRE_EQ(type, MOAT_HS_KEY_UPDATE);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&body), 1);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&c), 0);

	/* Incomplete messages: DECODE, cursor unchanged, and complete() says how much is needed. */
	for (size_t i = 0; i < 6; i++) {
		c = cur(two, i);
		EXPECT_ERR(moat_hs_header_decode(&c, &type, &body), MOAT_ERR_DECODE);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&c), i);
		moat_error_clear();
		ATF_REQUIRE(!moat_hs_message_complete(two, i, &n));
		ATF_REQUIRE_EQ(n, i < 4 ? 0 : 6);
		ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_OK);
	}
	ATF_REQUIRE(moat_hs_message_complete(two, 6, &n));
	ATF_REQUIRE_EQ(n, 6);
	ATF_REQUIRE(moat_hs_message_complete(two, sizeof(two), &n));
	ATF_REQUIRE_EQ(n, 6);
	ATF_REQUIRE(!moat_hs_message_complete(NULL, 0, &n));
	static const uint8_t huge[] = { 0x0b, 0xff, 0xff, 0xff };
	ATF_REQUIRE(!moat_hs_message_complete(huge, sizeof(huge), &n));
	ATF_REQUIRE_EQ(n, 4 + 0xffffff);

	struct moat_buf b;
	moat_buf_init(&b, 64);
	EXPECT_OK(moat_hs_begin(&b, MOAT_HS_FINISHED));
	EXPECT_OK(moat_buf_put_bytes(&b, "\xaa\xbb", 2));
	EXPECT_OK(moat_hs_end(&b));
	ATF_REQUIRE_EQ(b.len, 6);
	ATF_REQUIRE(memcmp(b.data, two, 6) == 0);
	moat_buf_free(&b);
}

/* ---- ClientHello ---- */

/* The extensions of a typical TLS 1.3 ClientHello (no block prefix). */
static void build_ch_extensions(struct moat_buf *e)
{
	static const uint16_t versions[] = { MOAT_TLS13 };
	static const uint16_t groups[] = { MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1 };
	static const uint16_t algs[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_RSA_PSS_RSAE_SHA256 };
	static const uint8_t modes[] = { MOAT_PSK_DHE_KE };
	static const uint8_t alpn[] = { 2, 'h', '2' };
	struct moat_key_share share = { MOAT_GROUP_X25519, { NULL, 0 } };
	moat_cursor_init(&share.key_exchange, test_key, sizeof(test_key));

	moat_buf_init(e, 4096);
	EXPECT_OK(moat_ext_write_server_name(e, "example.com"));
	EXPECT_OK(moat_ext_write_supported_versions_ch(e, versions, 1));
	EXPECT_OK(moat_ext_write_u16_list(e, MOAT_EXT_SUPPORTED_GROUPS, groups, 2));
	EXPECT_OK(moat_ext_write_key_share_ch(e, &share, 1));
	EXPECT_OK(moat_ext_write_u16_list(e, MOAT_EXT_SIGNATURE_ALGORITHMS, algs, 2));
	EXPECT_OK(moat_ext_write_psk_modes(e, modes, 1));
	EXPECT_OK(moat_ext_write_alpn_list(e, alpn, sizeof(alpn)));
	EXPECT_OK(moat_ext_write_record_size_limit(e, 0x4001));
}

static void build_ch(struct moat_buf *b, uint16_t version, size_t sid_len, const struct moat_buf *e)
{
	moat_buf_init(b, 1 << 17);
	EXPECT_OK(moat_client_hello_encode(b, version, test_random, test_sid, sid_len, test_suites, 3,
					   e != NULL ? e->data : NULL, e != NULL ? e->len : 0));
}

/* Offsets in a ClientHello body with a 32-byte session id. */
#define CH_SID_LEN_AT 34
#define CH_SUITES_LEN_AT (35 + 32)
#define CH_COMP_LEN_AT (CH_SUITES_LEN_AT + 2 + 6)
#define CH_EXT_LEN_AT (CH_COMP_LEN_AT + 2)

ATF_TC_WITHOUT_HEAD(client_hello_round_trip);
ATF_TC_BODY(client_hello_round_trip, tc)
{
	struct moat_buf e, b;
	build_ch_extensions(&e);
	build_ch(&b, MOAT_TLS12, 32, &e);
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_CLIENT_HELLO);

	EXPECT_OK(dec_ch(body));
	ATF_REQUIRE_EQ(out_ch.legacy_version, MOAT_TLS12);
	ATF_REQUIRE(memcmp(out_ch.random, test_random, 32) == 0);
	ATF_REQUIRE(codec_cursor_eq(out_ch.session_id, test_sid, 32));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ch.cipher_suites), 6);
	struct moat_cursor it = out_ch.cipher_suites;
	for (size_t i = 0; i < 3; i++) {
		uint16_t s;
		EXPECT_OK(moat_u16_list_next(&it, &s));
		ATF_REQUIRE_EQ(s, test_suites[i]);
	}
	ATF_REQUIRE(moat_client_hello_null_compression_only(&out_ch));
	ATF_REQUIRE(out_ch.has_extensions);
	ATF_REQUIRE(codec_cursor_eq(out_ch.extensions_raw, e.data, e.len));
	ATF_REQUIRE_EQ(out_ch.ext.count, 8);
	ATF_REQUIRE_EQ(out_ch.ext.last_type, MOAT_EXT_RECORD_SIZE_LIMIT);

	struct moat_cursor host, list;
	struct moat_key_share_list shares;
	uint16_t limit;
	EXPECT_OK(moat_ext_server_name_decode_ch(out_ch.ext.data[MOAT_EXTI_SERVER_NAME], &host));
	ATF_REQUIRE(codec_cursor_eq(host, "example.com", 11));
	EXPECT_OK(moat_ext_supported_versions_decode_ch(out_ch.ext.data[MOAT_EXTI_SUPPORTED_VERSIONS], &list));
	ATF_REQUIRE(moat_u16_list_contains(list, MOAT_TLS13));
	EXPECT_OK(moat_ext_key_share_decode_ch(out_ch.ext.data[MOAT_EXTI_KEY_SHARE], &shares));
	ATF_REQUIRE_EQ(shares.count, 1);
	struct moat_key_share share;
	EXPECT_OK(moat_key_share_next(&shares.entries, &share));
	ATF_REQUIRE(codec_cursor_eq(share.key_exchange, test_key, 32));
	EXPECT_OK(moat_ext_record_size_limit_decode(out_ch.ext.data[MOAT_EXTI_RECORD_SIZE_LIMIT], &limit));
	ATF_REQUIRE_EQ(limit, 0x4001);
	moat_buf_free(&b);
	moat_buf_free(&e);
}

ATF_TC_WITHOUT_HEAD(client_hello_framing);
ATF_TC_BODY(client_hello_framing, tc)
{
	struct moat_buf e, b;
	build_ch_extensions(&e);
	build_ch(&b, MOAT_TLS12, 32, &e);
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_CLIENT_HELLO);
	const uint8_t *p = moat_cursor_data(&body);
	size_t n = moat_cursor_remaining(&body);

	/* The one valid prefix: the hello ending after its compression methods (no extensions). */
	static const size_t ok[] = { CH_EXT_LEN_AT };
	codec_check_prefixes(dec_ch, p, n, ok, 1);
	codec_check_trailing(dec_ch, p, n, MOAT_ERR_TRAILING_DATA);
	/* Extension contents are the per-extension decoders' (ext_codec_test); here the message's own
	   lengths and the first extension's length. */
	static const size_t offs[] = { CH_SID_LEN_AT, CH_SUITES_LEN_AT, CH_COMP_LEN_AT, CH_EXT_LEN_AT,
				       CH_EXT_LEN_AT + 4 };
	static const unsigned widths[] = { 1, 2, 1, 2, 2 };
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		codec_check_length_field(dec_ch, p, n, offs[i], widths[i]);
	moat_buf_free(&b);
	moat_buf_free(&e);
}

ATF_TC_WITHOUT_HEAD(client_hello_values);
ATF_TC_BODY(client_hello_values, tc)
{
	struct moat_buf e, b;
	struct moat_cursor body;
	build_ch_extensions(&e);

	/* A well-framed session id of 33 bytes: out of <0..32> → decode_error (RFC 8446 §6). */
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_buf_put_u16(&b, MOAT_TLS12));
	EXPECT_OK(moat_buf_put_bytes(&b, test_random, 32));
	EXPECT_OK(moat_buf_put_prefixed(&b, 1, test_sid, 33));
	EXPECT_OK(moat_buf_put_prefixed(&b, 2, "\x13\x01", 2));
	EXPECT_OK(moat_buf_put_prefixed(&b, 1, "\x00", 1));
	EXPECT_OK(moat_buf_put_prefixed(&b, 2, e.data, e.len));
	EXPECT_ERR(dec_ch(cur(b.data, b.len)), MOAT_ERR_DECODE);
	moat_buf_free(&b);
	/* ... and the same hello with 32 bytes decodes. */
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_buf_put_u16(&b, MOAT_TLS12));
	EXPECT_OK(moat_buf_put_bytes(&b, test_random, 32));
	EXPECT_OK(moat_buf_put_prefixed(&b, 1, test_sid, 32));
	EXPECT_OK(moat_buf_put_prefixed(&b, 2, "\x13\x01", 2));
	EXPECT_OK(moat_buf_put_prefixed(&b, 1, "\x00", 1));
	EXPECT_OK(moat_buf_put_prefixed(&b, 2, e.data, e.len));
	EXPECT_OK(dec_ch(cur(b.data, b.len)));
	moat_buf_free(&b);

	build_ch(&b, MOAT_TLS12, 32, &e);
	body = codec_msg_body(&b, MOAT_HS_CLIENT_HELLO);
	/* Odd and empty cipher_suites. */
	ATF_REQUIRE_EQ(decode_patched(dec_ch, body, CH_SUITES_LEN_AT + 1, 5), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_DECODE);
	/* legacy_version 0x0300 (SSL 3.0) or below → protocol_version (RFC 8446 App. D.5). */
	ATF_REQUIRE_EQ(decode_patched(dec_ch, body, 1, 0x00), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_PROTOCOL_VERSION);
	ATF_REQUIRE_EQ(decode_patched(dec_ch, body, 0, 0x02), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_PROTOCOL_VERSION);
	/* Any later version is bytes to the codec: TLS 1.0 and a future 0x0305. */
	EXPECT_OK(decode_patched(dec_ch, body, 1, 0x01));
	EXPECT_OK(decode_patched(dec_ch, body, 1, 0x05));
	/* A compression method other than null: parses; the handshake decides (§4.1.2). The decoded
	   views point into the input, so decode a copy that stays alive while they are used. */
	uint8_t *patched = malloc(moat_cursor_remaining(&body));
	ATF_REQUIRE(patched != NULL);
	memcpy(patched, moat_cursor_data(&body), moat_cursor_remaining(&body));
	patched[CH_COMP_LEN_AT + 1] = 1;
	EXPECT_OK(dec_ch(cur(patched, moat_cursor_remaining(&body))));
	ATF_REQUIRE(!moat_client_hello_null_compression_only(&out_ch));
	free(patched);
	moat_buf_free(&b);

	/* Hand-made hello with empty suites / empty compression. */
	uint8_t raw[2 + 32 + 1 + 2 + 2 + 2];
	memset(raw, 0, sizeof(raw));
	raw[0] = 0x03;
	raw[1] = 0x03;
	raw[35] = 0x00; /* suites length 0 */
	raw[36] = 0x00;
	EXPECT_ERR(dec_ch(cur(raw, 2 + 32 + 1 + 2 + 2)), MOAT_ERR_DECODE);
	raw[36] = 0x02; /* suites: 0x0000 */
	raw[39] = 0x00; /* compression length 0 */
	EXPECT_ERR(dec_ch(cur(raw, 2 + 32 + 1 + 2 + 2 + 1)), MOAT_ERR_DECODE);

	/* Without extensions: a valid (pre-TLS 1.3) hello. */
	build_ch(&b, MOAT_TLS12, 0, NULL);
	body = codec_msg_body(&b, MOAT_HS_CLIENT_HELLO);
	EXPECT_OK(dec_ch(body));
	ATF_REQUIRE(!out_ch.has_extensions);
	ATF_REQUIRE_EQ(out_ch.ext.count, 0);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ch.extensions_raw), 0);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ch.session_id), 0);
	moat_buf_free(&b);
	/* With an empty extensions block. */
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_client_hello_encode(&b, MOAT_TLS12, test_random, NULL, 0, test_suites, 1,
					   (const uint8_t *)"", 0));
	EXPECT_OK(dec_ch(codec_msg_body(&b, MOAT_HS_CLIENT_HELLO)));
	ATF_REQUIRE(out_ch.has_extensions);
	moat_buf_free(&b);

	/* Encoder argument checks. */
	moat_buf_init(&b, 1024);
	EXPECT_ERR(moat_client_hello_encode(&b, MOAT_TLS12, test_random, test_sid, 33, test_suites, 1, NULL, 0),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_client_hello_encode(&b, MOAT_TLS12, test_random, NULL, 0, test_suites, 0, NULL, 0),
		   MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	moat_buf_free(&b);
	moat_buf_free(&e);
}

ATF_TC_WITHOUT_HEAD(client_hello_extension_rules);
ATF_TC_BODY(client_hello_extension_rules, tc)
{
	struct moat_buf e, b;
	static const uint8_t grease_data[] = { 0x00 };

	/* Unknown extension (GREASE) in a ClientHello: ignored. */
	build_ch_extensions(&e);
	EXPECT_OK(moat_ext_write_raw(&e, 0x3a3a, grease_data, 1));
	build_ch(&b, MOAT_TLS12, 0, &e);
	EXPECT_OK(dec_ch(codec_msg_body(&b, MOAT_HS_CLIENT_HELLO)));
	ATF_REQUIRE_EQ(out_ch.ext.count, 9);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* The same extension twice. */
	build_ch_extensions(&e);
	EXPECT_OK(moat_ext_write_record_size_limit(&e, 1000));
	build_ch(&b, MOAT_TLS12, 0, &e);
	EXPECT_ERR(dec_ch(codec_msg_body(&b, MOAT_HS_CLIENT_HELLO)), MOAT_ERR_DUPLICATE_EXTENSION);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* An extension not for ClientHello (oid_filters is CR only). */
	build_ch_extensions(&e);
	EXPECT_OK(moat_ext_write_empty(&e, MOAT_EXT_OID_FILTERS));
	build_ch(&b, MOAT_TLS12, 0, &e);
	EXPECT_ERR(dec_ch(codec_msg_body(&b, MOAT_HS_CLIENT_HELLO)), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* pre_shared_key last: fine; followed by anything: illegal_parameter (§4.2.11). */
	build_ch_extensions(&e);
	EXPECT_OK(moat_ext_write_empty(&e, MOAT_EXT_PRE_SHARED_KEY));
	build_ch(&b, MOAT_TLS12, 0, &e);
	EXPECT_OK(dec_ch(codec_msg_body(&b, MOAT_HS_CLIENT_HELLO)));
	moat_buf_free(&b);
	EXPECT_OK(moat_ext_write_raw(&e, 0x3a3a, grease_data, 1));
	build_ch(&b, MOAT_TLS12, 0, &e);
	EXPECT_ERR(dec_ch(codec_msg_body(&b, MOAT_HS_CLIENT_HELLO)), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	moat_buf_free(&e);
}

/* ---- ServerHello / HelloRetryRequest ---- */

/* Offsets in a ServerHello body with a 32-byte session id echo. */
#define SH_SID_LEN_AT 34
#define SH_SUITE_AT (35 + 32)
#define SH_COMP_AT (SH_SUITE_AT + 2)
#define SH_EXT_LEN_AT (SH_COMP_AT + 1)

static void build_sh(struct moat_buf *b, const uint8_t *random, const struct moat_buf *e)
{
	moat_buf_init(b, 1 << 17);
	EXPECT_OK(moat_server_hello_encode(b, random, test_sid, 32, MOAT_TLS_AES_128_GCM_SHA256,
					   e != NULL ? e->data : NULL, e != NULL ? e->len : 0));
}

static void build_sh13_extensions(struct moat_buf *e)
{
	moat_buf_init(e, 4096);
	EXPECT_OK(moat_ext_write_supported_versions_sh(e, MOAT_TLS13));
	EXPECT_OK(moat_ext_write_key_share_sh(e, MOAT_GROUP_X25519, test_key, sizeof(test_key)));
}

static void build_hrr_extensions(struct moat_buf *e)
{
	moat_buf_init(e, 4096);
	EXPECT_OK(moat_ext_write_supported_versions_sh(e, MOAT_TLS13));
	EXPECT_OK(moat_ext_write_key_share_hrr(e, MOAT_GROUP_SECP256R1));
	EXPECT_OK(moat_ext_write_cookie(e, (const uint8_t *)"cookie", 6));
}

ATF_TC_WITHOUT_HEAD(server_hello_round_trip);
ATF_TC_BODY(server_hello_round_trip, tc)
{
	struct moat_buf e, b;
	build_sh13_extensions(&e);
	build_sh(&b, test_random, &e);
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_SERVER_HELLO);
	EXPECT_OK(dec_sh(body));
	ATF_REQUIRE_EQ(out_sh.legacy_version, MOAT_TLS12);
	ATF_REQUIRE(memcmp(out_sh.random, test_random, 32) == 0);
	ATF_REQUIRE(!out_sh.is_hrr);
	ATF_REQUIRE(codec_cursor_eq(out_sh.session_id_echo, test_sid, 32));
	ATF_REQUIRE_EQ(out_sh.cipher_suite, MOAT_TLS_AES_128_GCM_SHA256);
	ATF_REQUIRE_EQ(out_sh.compression_method, 0);
	ATF_REQUIRE(codec_cursor_eq(out_sh.extensions_raw, e.data, e.len));
	ATF_REQUIRE_EQ(out_sh.ext.count, 2);
	uint16_t version;
	struct moat_key_share share;
	EXPECT_OK(moat_ext_supported_versions_decode_sh(out_sh.ext.data[MOAT_EXTI_SUPPORTED_VERSIONS], &version));
	ATF_REQUIRE_EQ(version, MOAT_TLS13);
	EXPECT_OK(moat_ext_key_share_decode_sh(out_sh.ext.data[MOAT_EXTI_KEY_SHARE], &share));
	ATF_REQUIRE_EQ(share.group, MOAT_GROUP_X25519);

	const uint8_t *p = moat_cursor_data(&body);
	size_t n = moat_cursor_remaining(&body);
	/* Ending after the compression method is a valid (TLS 1.2) ServerHello. */
	static const size_t ok[] = { SH_EXT_LEN_AT };
	codec_check_prefixes(dec_sh, p, n, ok, 1);
	codec_check_trailing(dec_sh, p, n, MOAT_ERR_TRAILING_DATA);
	static const size_t offs[] = { SH_SID_LEN_AT, SH_EXT_LEN_AT };
	static const unsigned widths[] = { 1, 2 };
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		codec_check_length_field(dec_sh, p, n, offs[i], widths[i]);
	/* The extensions' own lengths: misframed, the next "type" may be unknown (unsupported_extension). */
	codec_check_length_field_ex(dec_sh, p, n, SH_EXT_LEN_AT + 4, 2, false);
	codec_check_length_field_ex(dec_sh, p, n, SH_EXT_LEN_AT + 10, 2, false);
	moat_buf_free(&b);
	moat_buf_free(&e);
}

ATF_TC_WITHOUT_HEAD(hello_retry_request);
ATF_TC_BODY(hello_retry_request, tc)
{
	struct moat_buf e, b;
	build_hrr_extensions(&e);
	build_sh(&b, moat_hrr_random, &e);
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_SERVER_HELLO);
	EXPECT_OK(dec_sh(body));
	ATF_REQUIRE(out_sh.is_hrr);
	ATF_REQUIRE_EQ(out_sh.ext.count, 3);
	uint16_t group;
	struct moat_cursor cookie;
	EXPECT_OK(moat_ext_key_share_decode_hrr(out_sh.ext.data[MOAT_EXTI_KEY_SHARE], &group));
	ATF_REQUIRE_EQ(group, MOAT_GROUP_SECP256R1);
	EXPECT_OK(moat_ext_cookie_decode(out_sh.ext.data[MOAT_EXTI_COOKIE], &cookie));
	ATF_REQUIRE(codec_cursor_eq(cookie, "cookie", 6));

	/* An HRR always has extensions: no prefix is valid. */
	const uint8_t *p = moat_cursor_data(&body);
	size_t n = moat_cursor_remaining(&body);
	codec_check_prefixes(dec_sh, p, n, NULL, 0);
	codec_check_trailing(dec_sh, p, n, MOAT_ERR_TRAILING_DATA);
	/* One bit off the HRR random makes it a ServerHello, where cookie is illegal. */
	ATF_REQUIRE_EQ(decode_patched(dec_sh, body, 2 + 31, moat_hrr_random[31] ^ 1), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* pre_shared_key is SH-only; an unknown extension cannot be an answer. */
	build_hrr_extensions(&e);
	EXPECT_OK(moat_ext_write_pre_shared_key_sh(&e, 0));
	build_sh(&b, moat_hrr_random, &e);
	EXPECT_ERR(dec_sh(codec_msg_body(&b, MOAT_HS_SERVER_HELLO)), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	moat_buf_free(&e);
	build_hrr_extensions(&e);
	EXPECT_OK(moat_ext_write_empty(&e, 0x1234));
	build_sh(&b, moat_hrr_random, &e);
	EXPECT_ERR(dec_sh(codec_msg_body(&b, MOAT_HS_SERVER_HELLO)), MOAT_ERR_UNSUPPORTED_EXTENSION);
	moat_buf_free(&b);
	moat_buf_free(&e);
	/* An HRR without extensions. */
	build_sh(&b, moat_hrr_random, NULL);
	EXPECT_ERR(dec_sh(codec_msg_body(&b, MOAT_HS_SERVER_HELLO)), MOAT_ERR_DECODE);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(server_hello_values);
ATF_TC_BODY(server_hello_values, tc)
{
	struct moat_buf e, b;
	struct moat_cursor body;

	build_sh13_extensions(&e);
	build_sh(&b, test_random, &e);
	body = codec_msg_body(&b, MOAT_HS_SERVER_HELLO);
	/* legacy_compression_method "MUST have the value 0" (§4.1.3). */
	ATF_REQUIRE_EQ(decode_patched(dec_sh, body, SH_COMP_AT, 1), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ILLEGAL_PARAMETER);
	ATF_REQUIRE_EQ(decode_patched(dec_sh, body, SH_SID_LEN_AT, 33), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_DECODE);
	/* A well-framed 33-byte session id echo. */
	struct moat_buf raw;
	moat_buf_init(&raw, 4096);
	EXPECT_OK(moat_buf_put_u16(&raw, MOAT_TLS12));
	EXPECT_OK(moat_buf_put_bytes(&raw, test_random, 32));
	EXPECT_OK(moat_buf_put_prefixed(&raw, 1, test_sid, 33));
	EXPECT_OK(moat_buf_put_u16(&raw, MOAT_TLS_AES_128_GCM_SHA256));
	EXPECT_OK(moat_buf_put_u8(&raw, 0));
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, e.data, e.len));
	EXPECT_ERR(dec_sh(cur(raw.data, raw.len)), MOAT_ERR_DECODE);
	moat_buf_free(&raw);
	ATF_REQUIRE_EQ(decode_patched(dec_sh, body, 1, 0x00), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_PROTOCOL_VERSION);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* cookie is HRR-only. */
	build_sh13_extensions(&e);
	EXPECT_OK(moat_ext_write_cookie(&e, (const uint8_t *)"c", 1));
	build_sh(&b, test_random, &e);
	EXPECT_ERR(dec_sh(codec_msg_body(&b, MOAT_HS_SERVER_HELLO)), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* An extension we do not know: the client never offered it. */
	build_sh13_extensions(&e);
	EXPECT_OK(moat_ext_write_empty(&e, 0x1234));
	build_sh(&b, test_random, &e);
	EXPECT_ERR(dec_sh(codec_msg_body(&b, MOAT_HS_SERVER_HELLO)), MOAT_ERR_UNSUPPORTED_EXTENSION);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* supported_versions in its ClientHello (list) form: the block parses, the value does not. */
	static const uint16_t versions[] = { MOAT_TLS13 };
	moat_buf_init(&e, 4096);
	EXPECT_OK(moat_ext_write_supported_versions_ch(&e, versions, 1));
	build_sh(&b, test_random, &e);
	EXPECT_OK(dec_sh(codec_msg_body(&b, MOAT_HS_SERVER_HELLO)));
	uint16_t version;
	EXPECT_ERR(moat_ext_supported_versions_decode_sh(out_sh.ext.data[MOAT_EXTI_SUPPORTED_VERSIONS], &version),
		   MOAT_ERR_TRAILING_DATA);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* A TLS 1.2 ServerHello: renegotiation_info and extended_master_secret are its extensions. */
	moat_buf_init(&e, 4096);
	EXPECT_OK(moat_ext_write_raw(&e, MOAT_EXT_RENEGOTIATION_INFO, (const uint8_t *)"", 1));
	EXPECT_OK(moat_ext_write_empty(&e, MOAT_EXT_EXTENDED_MASTER_SECRET));
	build_sh(&b, test_random, &e);
	EXPECT_OK(dec_sh(codec_msg_body(&b, MOAT_HS_SERVER_HELLO)));
	ATF_REQUIRE(!moat_ext_present(&out_sh.ext, MOAT_EXTI_SUPPORTED_VERSIONS));
	ATF_REQUIRE(moat_ext_present(&out_sh.ext, MOAT_EXTI_RENEGOTIATION_INFO));
	moat_buf_free(&b);
	/* ... but with supported_versions it is a TLS 1.3 ServerHello, where they are illegal. */
	EXPECT_OK(moat_ext_write_supported_versions_sh(&e, MOAT_TLS13));
	build_sh(&b, test_random, &e);
	EXPECT_ERR(dec_sh(codec_msg_body(&b, MOAT_HS_SERVER_HELLO)), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	moat_buf_free(&e);
	/* key_share without supported_versions is not a TLS 1.2 extension either. */
	moat_buf_init(&e, 4096);
	EXPECT_OK(moat_ext_write_key_share_sh(&e, MOAT_GROUP_X25519, test_key, 32));
	build_sh(&b, test_random, &e);
	EXPECT_ERR(dec_sh(codec_msg_body(&b, MOAT_HS_SERVER_HELLO)), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	moat_buf_free(&e);
	/* A TLS 1.2 ServerHello without extensions. */
	build_sh(&b, test_random, NULL);
	EXPECT_OK(dec_sh(codec_msg_body(&b, MOAT_HS_SERVER_HELLO)));
	ATF_REQUIRE_EQ(out_sh.ext.count, 0);
	moat_buf_free(&b);

	moat_buf_init(&b, 1024);
	EXPECT_ERR(moat_server_hello_encode(&b, test_random, test_sid, 33, 0x1301, NULL, 0), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	moat_buf_free(&b);
}

/* ---- EncryptedExtensions ---- */

ATF_TC_WITHOUT_HEAD(encrypted_extensions);
ATF_TC_BODY(encrypted_extensions, tc)
{
	struct moat_buf e, b;
	static const uint16_t groups[] = { MOAT_GROUP_X25519 };
	moat_buf_init(&e, 4096);
	EXPECT_OK(moat_ext_write_empty(&e, MOAT_EXT_SERVER_NAME));
	EXPECT_OK(moat_ext_write_alpn_selected(&e, (const uint8_t *)"h2", 2));
	EXPECT_OK(moat_ext_write_u16_list(&e, MOAT_EXT_SUPPORTED_GROUPS, groups, 1));
	EXPECT_OK(moat_ext_write_empty(&e, MOAT_EXT_EARLY_DATA));
	EXPECT_OK(moat_ext_write_record_size_limit(&e, 16385));
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_encrypted_extensions_encode(&b, e.data, e.len));
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_ENCRYPTED_EXTENSIONS);
	EXPECT_OK(dec_ee(body));
	ATF_REQUIRE_EQ(out_ext.count, 5);
	struct moat_cursor name;
	EXPECT_OK(moat_ext_empty_decode(out_ext.data[MOAT_EXTI_SERVER_NAME]));
	EXPECT_OK(moat_ext_alpn_decode_selected(out_ext.data[MOAT_EXTI_ALPN], &name));
	ATF_REQUIRE(codec_cursor_eq(name, "h2", 2));
	/* Block length at 0; the extension lengths at 4 and 8 may misframe into an unknown type instead
	   of a decode error. */
	static const size_t offs[] = { 0 };
	static const unsigned widths[] = { 2 };
	codec_check_all(dec_ee, moat_cursor_data(&body), moat_cursor_remaining(&body), offs, widths, 1);
	codec_check_length_field_ex(dec_ee, moat_cursor_data(&body), moat_cursor_remaining(&body), 4, 2, false);
	codec_check_length_field_ex(dec_ee, moat_cursor_data(&body), moat_cursor_remaining(&body), 8, 2, false);
	moat_buf_free(&b);

	/* key_share in EE: forbidden (§4.3.1). */
	EXPECT_OK(moat_ext_write_key_share_sh(&e, MOAT_GROUP_X25519, test_key, 32));
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_encrypted_extensions_encode(&b, e.data, e.len));
	EXPECT_ERR(dec_ee(codec_msg_body(&b, MOAT_HS_ENCRYPTED_EXTENSIONS)), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* Unknown in EE: rejected; empty block: fine; no block: decode_error. */
	moat_buf_init(&e, 4096);
	EXPECT_OK(moat_ext_write_empty(&e, 0x1234));
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_encrypted_extensions_encode(&b, e.data, e.len));
	EXPECT_ERR(dec_ee(codec_msg_body(&b, MOAT_HS_ENCRYPTED_EXTENSIONS)), MOAT_ERR_UNSUPPORTED_EXTENSION);
	moat_buf_free(&b);
	moat_buf_free(&e);
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_encrypted_extensions_encode(&b, NULL, 0));
	ATF_REQUIRE_EQ(b.len, 6);
	EXPECT_OK(dec_ee(codec_msg_body(&b, MOAT_HS_ENCRYPTED_EXTENSIONS)));
	ATF_REQUIRE_EQ(out_ext.count, 0);
	moat_buf_free(&b);
	EXPECT_ERR(dec_ee(cur(NULL, 0)), MOAT_ERR_DECODE);
}

/* ---- CertificateRequest ---- */

ATF_TC_WITHOUT_HEAD(certificate_request);
ATF_TC_BODY(certificate_request, tc)
{
	struct moat_buf e, b;
	static const uint16_t algs[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256 };
	static const uint8_t ctx[] = { 0xc0, 0xc1 };
	moat_buf_init(&e, 4096);
	EXPECT_OK(moat_ext_write_u16_list(&e, MOAT_EXT_SIGNATURE_ALGORITHMS, algs, 1));
	EXPECT_OK(moat_ext_write_empty(&e, 0x4444));
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_certificate_request_encode(&b, ctx, sizeof(ctx), e.data, e.len));
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_CERTIFICATE_REQUEST);
	EXPECT_OK(dec_cr(body));
	ATF_REQUIRE(codec_cursor_eq(out_cr.context, ctx, 2));
	ATF_REQUIRE_EQ(out_cr.ext.count, 2);
	ATF_REQUIRE(moat_ext_present(&out_cr.ext, MOAT_EXTI_SIGNATURE_ALGORITHMS));
	/* Context length at 0, extensions at 3, signature_algorithms' length at 7. */
	static const size_t offs[] = { 0, 3, 7 };
	static const unsigned widths[] = { 1, 2, 2 };
	codec_check_all(dec_cr, moat_cursor_data(&body), moat_cursor_remaining(&body), offs, widths, 3);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* No signature_algorithms. */
	moat_buf_init(&e, 4096);
	EXPECT_OK(moat_ext_write_u16_list(&e, MOAT_EXT_SIGNATURE_ALGORITHMS_CERT, algs, 1));
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_certificate_request_encode(&b, NULL, 0, e.data, e.len));
	EXPECT_ERR(dec_cr(codec_msg_body(&b, MOAT_HS_CERTIFICATE_REQUEST)), MOAT_ERR_MISSING_EXTENSION);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* key_share is not for CR. */
	moat_buf_init(&e, 4096);
	EXPECT_OK(moat_ext_write_u16_list(&e, MOAT_EXT_SIGNATURE_ALGORITHMS, algs, 1));
	EXPECT_OK(moat_ext_write_key_share_hrr(&e, MOAT_GROUP_X25519));
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_certificate_request_encode(&b, NULL, 0, e.data, e.len));
	EXPECT_ERR(dec_cr(codec_msg_body(&b, MOAT_HS_CERTIFICATE_REQUEST)), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* extensions<2..2^16-1>: an empty block is a decode_error. */
	static const uint8_t empty_block[] = { 0x00, 0x00, 0x00 };
	EXPECT_ERR(dec_cr(cur(empty_block, sizeof(empty_block))), MOAT_ERR_DECODE);
	moat_buf_init(&b, 64);
	EXPECT_ERR(moat_certificate_request_encode(&b, NULL, 0, (const uint8_t *)"", 0), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);
}

/* ---- Certificate ---- */

static const uint8_t der_a[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
static const uint8_t der_b[] = { 0x30, 0x03, 0x02, 0x01, 0x02, 0xff };
static const uint8_t der_c[] = { 0x30 };

ATF_TC_WITHOUT_HEAD(certificate_round_trip);
ATF_TC_BODY(certificate_round_trip, tc)
{
	struct moat_buf b;
	const uint8_t *der[] = { der_a, der_b, der_c };
	const size_t der_len[] = { sizeof(der_a), sizeof(der_b), sizeof(der_c) };
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_certificate_encode(&b, NULL, 0, der, der_len, 3));
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_CERTIFICATE);
	EXPECT_OK(dec_cert(body));
	ATF_REQUIRE_EQ(out_cert.count, 3);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cert.context), 0);
	for (size_t i = 0; i < 3; i++) {
		ATF_REQUIRE(codec_cursor_eq(out_cert.cert[i], der[i], der_len[i]));
		ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cert.ext_raw[i]), 0);
	}
	/* context at 0, list at 1, first cert_data at 4, its extensions at 12. */
	static const size_t offs[] = { 0, 1, 4, 12 };
	static const unsigned widths[] = { 1, 3, 3, 2 };
	codec_check_all(dec_cert, moat_cursor_data(&body), moat_cursor_remaining(&body), offs, widths, 4);
	moat_buf_free(&b);

	/* An empty list (a client with no certificate) with a request context. */
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_certificate_encode(&b, (const uint8_t *)"ctx", 3, NULL, NULL, 0));
	EXPECT_OK(dec_cert(codec_msg_body(&b, MOAT_HS_CERTIFICATE)));
	ATF_REQUIRE_EQ(out_cert.count, 0);
	ATF_REQUIRE(codec_cursor_eq(out_cert.context, "ctx", 3));
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(certificate_values);
ATF_TC_BODY(certificate_values, tc)
{
	struct moat_buf b;
	const uint8_t *der[11];
	size_t der_len[11];
	for (size_t i = 0; i < 11; i++) {
		der[i] = der_a;
		der_len[i] = sizeof(der_a);
	}
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_certificate_encode(&b, NULL, 0, der, der_len, MOAT_MAX_CERT_ENTRIES));
	EXPECT_OK(dec_cert(codec_msg_body(&b, MOAT_HS_CERTIFICATE)));
	ATF_REQUIRE_EQ(out_cert.count, MOAT_MAX_CERT_ENTRIES);
	moat_buf_free(&b);
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_certificate_encode(&b, NULL, 0, der, der_len, 11));
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_CERTIFICATE);
	EXPECT_ERR(dec_cert(body), MOAT_ERR_BAD_CERTIFICATE);
	/* Malformed past the tenth entry is still a decode_error: the 11th entry's extensions length. */
	size_t last_ext_len_at = moat_cursor_remaining(&body) - 2;
	ATF_REQUIRE_EQ(decode_patched(dec_cert, body, last_ext_len_at + 1, 1), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_DECODE);
	moat_buf_free(&b);

	/* cert_data<1..2^24-1>. */
	static const uint8_t empty_cert[] = { 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00 };
	EXPECT_ERR(dec_cert(cur(empty_cert, sizeof(empty_cert))), MOAT_ERR_DECODE);

	/* Entry extensions: status_request is allowed (CT), key_share is not, unknown ones are ignored. */
	struct moat_buf e1, e2;
	static const uint8_t ocsp[] = { 0x30, 0x00 };
	moat_buf_init(&e1, 1024);
	EXPECT_OK(moat_ext_write_status_request_ct(&e1, ocsp, sizeof(ocsp)));
	EXPECT_OK(moat_ext_write_empty(&e1, 0x5555));
	moat_buf_init(&e2, 1024);
	EXPECT_OK(moat_ext_write_key_share_hrr(&e2, MOAT_GROUP_X25519));
	const uint8_t *ext[] = { e1.data, NULL };
	const size_t ext_len[] = { e1.len, 0 };
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_certificate_encode_ext(&b, NULL, 0, der, der_len, ext, ext_len, 2));
	EXPECT_OK(dec_cert(codec_msg_body(&b, MOAT_HS_CERTIFICATE)));
	ATF_REQUIRE_EQ(out_cert.count, 2);
	ATF_REQUIRE(codec_cursor_eq(out_cert.ext_raw[0], e1.data, e1.len));
	struct moat_ext_block blk;
	struct moat_cursor resp;
	EXPECT_OK(moat_ext_block_parse_raw(out_cert.ext_raw[0], MOAT_MSG_CT, &blk));
	EXPECT_OK(moat_ext_status_request_decode_ct(blk.data[MOAT_EXTI_STATUS_REQUEST], &resp));
	ATF_REQUIRE(codec_cursor_eq(resp, ocsp, sizeof(ocsp)));
	moat_buf_free(&b);
	const uint8_t *bad_ext[] = { NULL, e2.data };
	const size_t bad_ext_len[] = { 0, e2.len };
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_certificate_encode_ext(&b, NULL, 0, der, der_len, bad_ext, bad_ext_len, 2));
	EXPECT_ERR(dec_cert(codec_msg_body(&b, MOAT_HS_CERTIFICATE)), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	moat_buf_free(&e1);
	moat_buf_free(&e2);

	/* Encoder argument checks. */
	moat_buf_init(&b, 4096);
	size_t zero = 0;
	EXPECT_ERR(moat_certificate_encode(&b, NULL, 0, der, &zero, 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_certificate_encode(&b, NULL, 256, der, der_len, 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_certificate_encode(&b, NULL, 0, NULL, NULL, 1), MOAT_ERR_NULL_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	moat_buf_free(&b);
}

/* ---- CertificateVerify ---- */

ATF_TC_WITHOUT_HEAD(certificate_verify);
ATF_TC_BODY(certificate_verify, tc)
{
	struct moat_buf b;
	static const uint8_t sig[] = { 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 };
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_certificate_verify_encode(&b, MOAT_SIG_ECDSA_SECP256R1_SHA256, sig, sizeof(sig)));
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_CERTIFICATE_VERIFY);
	EXPECT_OK(dec_cv(body));
	ATF_REQUIRE_EQ(out_cv.scheme, MOAT_SIG_ECDSA_SECP256R1_SHA256);
	ATF_REQUIRE(codec_cursor_eq(out_cv.signature, sig, sizeof(sig)));
	static const size_t offs[] = { 2 };
	static const unsigned widths[] = { 2 };
	codec_check_all(dec_cv, moat_cursor_data(&body), moat_cursor_remaining(&body), offs, widths, 1);
	moat_buf_free(&b);

	/* signature<0..2^16-1>: empty is syntactically fine (verification fails later). */
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_certificate_verify_encode(&b, MOAT_SIG_ED25519, NULL, 0));
	EXPECT_OK(dec_cv(codec_msg_body(&b, MOAT_HS_CERTIFICATE_VERIFY)));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cv.signature), 0);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(cv_content);
ATF_TC_BODY(cv_content, tc)
{
	uint8_t hash[48];
	for (size_t i = 0; i < sizeof(hash); i++)
		hash[i] = (uint8_t)i;

	for (int server = 0; server <= 1; server++) {
		for (size_t hl = 32; hl <= 48; hl += 16) {
			struct moat_buf b;
			moat_buf_init(&b, 1024);
			EXPECT_OK(moat_cv_content_build(server, hash, hl, &b));
			/* RFC 8446 §4.4.3: 64 spaces, the context, a zero byte, the hash. */
			const char *ctx = server ? MOAT_TLS13_SERVER_CV_CONTEXT : MOAT_TLS13_CLIENT_CV_CONTEXT;
			ATF_REQUIRE_EQ(b.len, 64 + 33 + 1 + hl);
			for (size_t i = 0; i < 64; i++)
				ATF_REQUIRE_EQ(b.data[i], 0x20);
			ATF_REQUIRE(memcmp(b.data + 64, ctx, 33) == 0);
			ATF_REQUIRE_EQ(b.data[97], 0x00);
			ATF_REQUIRE(memcmp(b.data + 98, hash, hl) == 0);
			ATF_REQUIRE(b.len <= MOAT_CV_CONTENT_MAX);

			bool is_server = !server;
			size_t got_len = 0;
			EXPECT_OK(moat_cv_content_check(b.data, b.len, &is_server, &got_len));
			ATF_REQUIRE_EQ(is_server, (bool)server);
			ATF_REQUIRE_EQ(got_len, hl);

			/* Any single byte changed in the fixed part, or a length change, is refused. */
			for (size_t i = 0; i < 98; i++) {
				b.data[i] ^= 0x01;
				EXPECT_ERR(moat_cv_content_check(b.data, b.len, NULL, NULL), MOAT_ERR_INVALID_ARG);
				b.data[i] ^= 0x01;
			}
			EXPECT_ERR(moat_cv_content_check(b.data, b.len - 1, NULL, NULL), MOAT_ERR_INVALID_ARG);
			EXPECT_OK(moat_buf_put_u8(&b, 0));
			EXPECT_ERR(moat_cv_content_check(b.data, b.len, NULL, NULL), MOAT_ERR_INVALID_ARG);
			for (size_t n = 0; n < 98; n++)
				EXPECT_ERR(moat_cv_content_check(b.data, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
			moat_buf_free(&b);
		}
	}
	struct moat_buf b;
	moat_buf_init(&b, 1024);
	EXPECT_ERR(moat_cv_content_build(true, hash, 20, &b), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_cv_content_build(true, hash, 64, &b), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_cv_content_check(NULL, 0, NULL, NULL), MOAT_ERR_NULL_ARG);
	moat_buf_free(&b);
}

/* ---- Finished, KeyUpdate, EndOfEarlyData ---- */

ATF_TC_WITHOUT_HEAD(finished);
ATF_TC_BODY(finished, tc)
{
	struct moat_buf b;
	uint8_t vd[48];
	memset(vd, 0x5a, sizeof(vd));
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_finished_encode(&b, vd, 32));
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_FINISHED);
	EXPECT_OK(dec_fin32(body));
	ATF_REQUIRE(codec_cursor_eq(out_cursor, vd, 32));
	codec_check_prefixes(dec_fin32, moat_cursor_data(&body), 32, NULL, 0);
	/* The wrong length is a decode_error, including one byte too many. */
	codec_check_trailing(dec_fin32, moat_cursor_data(&body), 32, MOAT_ERR_DECODE);
	EXPECT_ERR(moat_finished_decode(body, 48, &out_cursor), MOAT_ERR_DECODE);
	EXPECT_ERR(moat_finished_decode(body, 0, &out_cursor), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);

	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_finished_encode(&b, vd, 48));
	EXPECT_OK(moat_finished_decode(codec_msg_body(&b, MOAT_HS_FINISHED), 48, &out_cursor));
	EXPECT_ERR(moat_finished_decode(codec_msg_body(&b, MOAT_HS_FINISHED), 32, &out_cursor), MOAT_ERR_DECODE);
	EXPECT_ERR(moat_finished_encode(&b, vd, 0), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(key_update);
ATF_TC_BODY(key_update, tc)
{
	struct moat_buf b;
	for (int req = 0; req <= 1; req++) {
		moat_buf_init(&b, 64);
		EXPECT_OK(moat_key_update_encode(&b, req));
		ATF_REQUIRE_EQ(b.len, 5);
		struct moat_cursor body = codec_msg_body(&b, MOAT_HS_KEY_UPDATE);
		ATF_REQUIRE_EQ(moat_cursor_data(&body)[0], req);
		out_bool = !req;
		EXPECT_OK(dec_ku(body));
		ATF_REQUIRE_EQ(out_bool, (bool)req);
		codec_check_all(dec_ku, moat_cursor_data(&body), 1, NULL, NULL, 0);
		moat_buf_free(&b);
	}
	for (unsigned v = 2; v < 256; v++) {
		uint8_t byte = (uint8_t)v;
		EXPECT_ERR(dec_ku(cur(&byte, 1)), MOAT_ERR_ILLEGAL_PARAMETER);
	}
}

ATF_TC_WITHOUT_HEAD(end_of_early_data);
ATF_TC_BODY(end_of_early_data, tc)
{
	struct moat_buf b;
	moat_buf_init(&b, 64);
	EXPECT_OK(moat_end_of_early_data_encode(&b));
	ATF_REQUIRE_EQ(b.len, 4);
	EXPECT_OK(dec_eoed(codec_msg_body(&b, MOAT_HS_END_OF_EARLY_DATA)));
	codec_check_trailing(dec_eoed, b.data, 0, MOAT_ERR_TRAILING_DATA);
	moat_buf_free(&b);
}

/* ---- NewSessionTicket ---- */

ATF_TC_WITHOUT_HEAD(new_session_ticket);
ATF_TC_BODY(new_session_ticket, tc)
{
	struct moat_buf e, b;
	static const uint8_t nonce[] = { 0x00, 0x01 };
	static const uint8_t ticket[] = { 't', 'i', 'c', 'k', 'e', 't' };
	moat_buf_init(&e, 1024);
	EXPECT_OK(moat_ext_write_early_data_nst(&e, 1024));
	EXPECT_OK(moat_ext_write_empty(&e, 0x7a7a));
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_new_session_ticket_encode(&b, 7200, 0x11223344, nonce, 2, ticket, 6, e.data, e.len));
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_NEW_SESSION_TICKET);
	EXPECT_OK(dec_nst(body));
	ATF_REQUIRE_EQ(out_nst.lifetime, 7200);
	ATF_REQUIRE_EQ(out_nst.age_add, 0x11223344);
	ATF_REQUIRE(codec_cursor_eq(out_nst.nonce, nonce, 2));
	ATF_REQUIRE(codec_cursor_eq(out_nst.ticket, ticket, 6));
	ATF_REQUIRE_EQ(out_nst.ext.count, 2);
	uint32_t max;
	EXPECT_OK(moat_ext_early_data_decode_nst(out_nst.ext.data[MOAT_EXTI_EARLY_DATA], &max));
	ATF_REQUIRE_EQ(max, 1024);
	/* nonce at 8, ticket at 11, extensions at 19, early_data length at 23. */
	static const size_t offs[] = { 8, 11, 19, 23 };
	static const unsigned widths[] = { 1, 2, 2, 2 };
	codec_check_all(dec_nst, moat_cursor_data(&body), moat_cursor_remaining(&body), offs, widths, 4);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* key_share is not for NST; the ticket may not be empty. */
	moat_buf_init(&e, 1024);
	EXPECT_OK(moat_ext_write_key_share_hrr(&e, MOAT_GROUP_X25519));
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_new_session_ticket_encode(&b, 1, 2, NULL, 0, ticket, 6, e.data, e.len));
	EXPECT_ERR(dec_nst(codec_msg_body(&b, MOAT_HS_NEW_SESSION_TICKET)), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	moat_buf_free(&e);
	static const uint8_t empty_ticket[] = { 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x00, 0x00, 0x00, 0x00 };
	EXPECT_ERR(dec_nst(cur(empty_ticket, sizeof(empty_ticket))), MOAT_ERR_DECODE);
	moat_buf_init(&b, 1024);
	EXPECT_ERR(moat_new_session_ticket_encode(&b, 1, 2, NULL, 0, ticket, 0, NULL, 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_new_session_ticket_encode(&b, 1, 2, NULL, 256, ticket, 6, NULL, 0), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	moat_buf_free(&b);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, header);
	ATF_TP_ADD_TC(tp, client_hello_round_trip);
	ATF_TP_ADD_TC(tp, client_hello_framing);
	ATF_TP_ADD_TC(tp, client_hello_values);
	ATF_TP_ADD_TC(tp, client_hello_extension_rules);
	ATF_TP_ADD_TC(tp, server_hello_round_trip);
	ATF_TP_ADD_TC(tp, hello_retry_request);
	ATF_TP_ADD_TC(tp, server_hello_values);
	ATF_TP_ADD_TC(tp, encrypted_extensions);
	ATF_TP_ADD_TC(tp, certificate_request);
	ATF_TP_ADD_TC(tp, certificate_round_trip);
	ATF_TP_ADD_TC(tp, certificate_values);
	ATF_TP_ADD_TC(tp, certificate_verify);
	ATF_TP_ADD_TC(tp, cv_content);
	ATF_TP_ADD_TC(tp, finished);
	ATF_TP_ADD_TC(tp, key_update);
	ATF_TP_ADD_TC(tp, end_of_early_data);
	ATF_TP_ADD_TC(tp, new_session_ticket);
	return atf_no_error();
}
