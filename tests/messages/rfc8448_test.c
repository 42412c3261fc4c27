/*
 * Known-answer tests: the handshake messages of RFC 8448's example traces
 * (§3 full handshake, §4 resumption with 0-RTT, §5 HelloRetryRequest, §6
 * client authentication) decode with the fields the RFC shows, and the
 * messages our encoders can rebuild from those fields come out byte for
 * byte identical. The messages are in tests/rfc8448_vectors.h.
 */
#include <string.h>

#include "tests/messages/codec_check.h"
#include "tests/rfc8448_vectors.h"
#include "tests/test_hex.h"
#include "tls/iana.h"
#include "tls/messages.h"

/* One handshake message of the trace as bytes; the largest is 512 bytes (§4 and §5 ClientHellos). */
struct msg {
	uint8_t data[1024];
	size_t len;
};

static void load(struct msg *m, const char *hex)
{
	m->len = test_unhex(hex, m->data, sizeof(m->data));
}

/* A hello's random follows its 4-byte message header and legacy_version (RFC 8446 §4.1.2, §4.1.3). */
#define RANDOM_OFFSET (4 + 2)

/* Split a whole message into its header and body; the message must be exactly one. */
static struct moat_cursor body_of(const uint8_t *msg, size_t len, uint8_t expect_type)
{
	struct moat_cursor c, body;
	uint8_t type;
	size_t msg_len;
	ATF_REQUIRE(moat_hs_message_complete(msg, len, &msg_len));
	ATF_REQUIRE_EQ(msg_len, len);
	moat_cursor_init(&c, msg, len);
	EXPECT_OK(moat_hs_header_decode(&c, &type, &body));
	ATF_REQUIRE_EQ(type, expect_type);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&c), 0);
	return body;
}

#define BODY(m, t) body_of((m).data, (m).len, (t))

static bool hex_eq(struct moat_cursor c, const char *hex)
{
	uint8_t want[64];
	size_t n = test_unhex(hex, want, sizeof(want));
	return moat_cursor_remaining(&c) == n && memcmp(moat_cursor_data(&c), want, n) == 0;
}

static void require_suites(struct moat_cursor suites)
{
	static const uint16_t expect[] = { 0x1301, 0x1303, 0x1302 };
	uint16_t s;
	for (size_t i = 0; i < 3; i++) {
		EXPECT_OK(moat_u16_list_next(&suites, &s));
		ATF_REQUIRE_EQ(s, expect[i]);
	}
	ATF_REQUIRE_EQ(moat_cursor_remaining(&suites), 0);
}

/* The extensions every RFC 8448 ClientHello carries, with the values shown there. */
static void require_common_ch_extensions(const struct moat_client_hello *ch, size_t n_groups)
{
	struct moat_cursor host, list;
	uint16_t v, limit;

	EXPECT_OK(moat_ext_server_name_decode_ch(ch->ext.data[MOAT_EXTI_SERVER_NAME], &host));
	ATF_REQUIRE(codec_cursor_eq(host, "server", 6));
	/* renegotiation_info with an empty renegotiated_connection (RFC 5746 §3.2). */
	ATF_REQUIRE(hex_eq(ch->ext.data[MOAT_EXTI_RENEGOTIATION_INFO], "00"));
	EXPECT_OK(moat_ext_u16_list_decode(ch->ext.data[MOAT_EXTI_SUPPORTED_GROUPS], &list));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&list), 2 * n_groups);
	EXPECT_OK(moat_u16_list_next(&list, &v));
	ATF_REQUIRE_EQ(v, MOAT_GROUP_X25519);
	EXPECT_OK(moat_ext_supported_versions_decode_ch(ch->ext.data[MOAT_EXTI_SUPPORTED_VERSIONS], &list));
	ATF_REQUIRE(hex_eq(list, "0304"));
	EXPECT_OK(moat_ext_u16_list_decode(ch->ext.data[MOAT_EXTI_SIGNATURE_ALGORITHMS], &list));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&list), 30);
	ATF_REQUIRE(moat_u16_list_contains(list, MOAT_SIG_RSA_PSS_RSAE_SHA256));
	ATF_REQUIRE(moat_u16_list_contains(list, MOAT_SIG_ECDSA_SECP256R1_SHA256));
	EXPECT_OK(moat_ext_psk_modes_decode(ch->ext.data[MOAT_EXTI_PSK_KEY_EXCHANGE_MODES], &list));
	ATF_REQUIRE(hex_eq(list, "01"));
	EXPECT_OK(moat_ext_record_size_limit_decode(ch->ext.data[MOAT_EXTI_RECORD_SIZE_LIMIT], &limit));
	ATF_REQUIRE_EQ(limit, 0x4001);
}

ATF_TC_WITHOUT_HEAD(s3_client_hello);
ATF_TC_BODY(s3_client_hello, tc)
{
	struct moat_client_hello ch;
	struct moat_key_share_list shares;
	struct msg m;

	load(&m, RFC8448_S3_CLIENT_HELLO);
	EXPECT_OK(moat_client_hello_decode(BODY(m, MOAT_HS_CLIENT_HELLO), &ch));
	ATF_REQUIRE_EQ(ch.legacy_version, MOAT_TLS12);
	ATF_REQUIRE(memcmp(ch.random, m.data + RANDOM_OFFSET, 32) == 0);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&ch.session_id), 0);
	require_suites(ch.cipher_suites);
	ATF_REQUIRE(moat_client_hello_null_compression_only(&ch));
	ATF_REQUIRE(ch.has_extensions);
	ATF_REQUIRE_EQ(ch.ext.count, 9);
	ATF_REQUIRE_EQ(ch.ext.last_type, MOAT_EXT_RECORD_SIZE_LIMIT);
	ATF_REQUIRE(moat_ext_present(&ch.ext, MOAT_EXTI_SESSION_TICKET));
	ATF_REQUIRE(!moat_ext_present(&ch.ext, MOAT_EXTI_PRE_SHARED_KEY));
	require_common_ch_extensions(&ch, 9);

	EXPECT_OK(moat_ext_key_share_decode_ch(ch.ext.data[MOAT_EXTI_KEY_SHARE], &shares));
	ATF_REQUIRE_EQ(shares.count, 1);
	struct moat_key_share share;
	EXPECT_OK(moat_key_share_next(&shares.entries, &share));
	ATF_REQUIRE_EQ(share.group, MOAT_GROUP_X25519);
	ATF_REQUIRE(hex_eq(share.key_exchange, RFC8448_S3_CLIENT_X25519_PUB));

	/* Rebuilt from its fields with our encoder, it is the same message. */
	struct moat_buf b;
	static const uint16_t suites[] = { 0x1301, 0x1303, 0x1302 };
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_client_hello_encode(&b, ch.legacy_version, ch.random, NULL, 0, suites, 3,
					   moat_cursor_data(&ch.extensions_raw),
					   moat_cursor_remaining(&ch.extensions_raw)));
	ATF_REQUIRE_EQ(b.len, m.len);
	ATF_REQUIRE(memcmp(b.data, m.data, b.len) == 0);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(s3_server_hello);
ATF_TC_BODY(s3_server_hello, tc)
{
	struct moat_server_hello sh;
	struct moat_key_share share;
	uint16_t version;
	struct msg m;

	load(&m, RFC8448_S3_SERVER_HELLO);
	EXPECT_OK(moat_server_hello_decode(BODY(m, MOAT_HS_SERVER_HELLO), &sh));
	ATF_REQUIRE_EQ(sh.legacy_version, MOAT_TLS12);
	ATF_REQUIRE(memcmp(sh.random, m.data + RANDOM_OFFSET, 32) == 0);
	ATF_REQUIRE(!sh.is_hrr);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&sh.session_id_echo), 0);
	ATF_REQUIRE_EQ(sh.cipher_suite, MOAT_TLS_AES_128_GCM_SHA256);
	ATF_REQUIRE_EQ(sh.ext.count, 2);
	EXPECT_OK(moat_ext_key_share_decode_sh(sh.ext.data[MOAT_EXTI_KEY_SHARE], &share));
	ATF_REQUIRE_EQ(share.group, MOAT_GROUP_X25519);
	ATF_REQUIRE(hex_eq(share.key_exchange, RFC8448_S3_SERVER_X25519_PUB));
	EXPECT_OK(moat_ext_supported_versions_decode_sh(sh.ext.data[MOAT_EXTI_SUPPORTED_VERSIONS], &version));
	ATF_REQUIRE_EQ(version, MOAT_TLS13);

	/* Rebuilt with the extension encoders, it is the same message. */
	struct moat_buf e, b;
	moat_buf_init(&e, 1024);
	EXPECT_OK(moat_ext_write_key_share_sh(&e, share.group, moat_cursor_data(&share.key_exchange), 32));
	EXPECT_OK(moat_ext_write_supported_versions_sh(&e, MOAT_TLS13));
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_server_hello_encode(&b, sh.random, NULL, 0, sh.cipher_suite, e.data, e.len));
	ATF_REQUIRE_EQ(b.len, m.len);
	ATF_REQUIRE(memcmp(b.data, m.data, b.len) == 0);
	moat_buf_free(&b);
	moat_buf_free(&e);
}

ATF_TC_WITHOUT_HEAD(s3_server_flight);
ATF_TC_BODY(s3_server_flight, tc)
{
	struct moat_ext_block ee;
	struct moat_certificate_msg cert;
	struct moat_certificate_verify cv;
	struct moat_cursor vd;
	uint16_t limit;
	struct msg m;

	load(&m, RFC8448_S3_ENCRYPTED_EXTENSIONS);
	EXPECT_OK(moat_encrypted_extensions_decode(BODY(m, MOAT_HS_ENCRYPTED_EXTENSIONS), &ee));
	ATF_REQUIRE_EQ(ee.count, 3);
	ATF_REQUIRE(moat_ext_present(&ee, MOAT_EXTI_SUPPORTED_GROUPS));
	EXPECT_OK(moat_ext_empty_decode(ee.data[MOAT_EXTI_SERVER_NAME]));
	EXPECT_OK(moat_ext_record_size_limit_decode(ee.data[MOAT_EXTI_RECORD_SIZE_LIMIT], &limit));
	ATF_REQUIRE_EQ(limit, 0x4001);

	load(&m, RFC8448_S3_CERTIFICATE);
	EXPECT_OK(moat_certificate_decode(BODY(m, MOAT_HS_CERTIFICATE), &cert));
	ATF_REQUIRE_EQ(cert.count, 1);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&cert.context), 0);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&cert.cert[0]), 432);
	ATF_REQUIRE_EQ(moat_cursor_data(&cert.cert[0])[0], 0x30); /* a DER SEQUENCE */
	ATF_REQUIRE_EQ(moat_cursor_remaining(&cert.ext_raw[0]), 0);
	/* Re-encoded from the DER, the same message. */
	struct moat_buf b;
	const uint8_t *der[] = { moat_cursor_data(&cert.cert[0]) };
	const size_t der_len[] = { moat_cursor_remaining(&cert.cert[0]) };
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_certificate_encode(&b, NULL, 0, der, der_len, 1));
	ATF_REQUIRE_EQ(b.len, m.len);
	ATF_REQUIRE(memcmp(b.data, m.data, b.len) == 0);
	moat_buf_free(&b);

	load(&m, RFC8448_S3_CERTIFICATE_VERIFY);
	EXPECT_OK(moat_certificate_verify_decode(BODY(m, MOAT_HS_CERTIFICATE_VERIFY), &cv));
	ATF_REQUIRE_EQ(cv.scheme, MOAT_SIG_RSA_PSS_RSAE_SHA256);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&cv.signature), 128);
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_certificate_verify_encode(&b, cv.scheme, moat_cursor_data(&cv.signature), 128));
	ATF_REQUIRE(b.len == m.len && memcmp(b.data, m.data, b.len) == 0);
	moat_buf_free(&b);

	load(&m, RFC8448_S3_SERVER_FINISHED);
	EXPECT_OK(moat_finished_decode(BODY(m, MOAT_HS_FINISHED), 32, &vd));
	ATF_REQUIRE(hex_eq(vd, RFC8448_S3_SERVER_VERIFY_DATA));
	EXPECT_ERR(moat_finished_decode(BODY(m, MOAT_HS_FINISHED), 48, &vd), MOAT_ERR_DECODE);
	load(&m, RFC8448_S3_CLIENT_FINISHED);
	EXPECT_OK(moat_finished_decode(BODY(m, MOAT_HS_FINISHED), 32, &vd));
	ATF_REQUIRE(hex_eq(vd, RFC8448_S3_CLIENT_VERIFY_DATA));
	moat_buf_init(&b, 64);
	EXPECT_OK(moat_finished_encode(&b, moat_cursor_data(&vd), 32));
	ATF_REQUIRE(b.len == m.len && memcmp(b.data, m.data, b.len) == 0);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(s3_new_session_ticket);
ATF_TC_BODY(s3_new_session_ticket, tc)
{
	struct moat_new_session_ticket nst;
	uint32_t max;
	struct msg m;

	load(&m, RFC8448_S3_NEW_SESSION_TICKET);
	EXPECT_OK(moat_new_session_ticket_decode(BODY(m, MOAT_HS_NEW_SESSION_TICKET), &nst));
	ATF_REQUIRE_EQ(nst.lifetime, 30);
	ATF_REQUIRE_EQ(nst.age_add, 0xfad6aac5);
	ATF_REQUIRE(hex_eq(nst.nonce, "0000"));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&nst.ticket), 178);
	ATF_REQUIRE_EQ(nst.ext.count, 1);
	EXPECT_OK(moat_ext_early_data_decode_nst(nst.ext.data[MOAT_EXTI_EARLY_DATA], &max));
	ATF_REQUIRE_EQ(max, 1024);
}

ATF_TC_WITHOUT_HEAD(s4_resumption);
ATF_TC_BODY(s4_resumption, tc)
{
	struct moat_client_hello ch;
	struct moat_psk_offer psk;
	struct moat_cursor identity, binder;
	uint32_t age;
	struct msg m, prefix;

	load(&m, RFC8448_S4_CLIENT_HELLO);
	EXPECT_OK(moat_client_hello_decode(BODY(m, MOAT_HS_CLIENT_HELLO), &ch));
	ATF_REQUIRE(memcmp(ch.random, m.data + RANDOM_OFFSET, 32) == 0);
	ATF_REQUIRE_EQ(ch.ext.count, 11);
	ATF_REQUIRE_EQ(ch.ext.last_type, MOAT_EXT_PRE_SHARED_KEY);
	ATF_REQUIRE(moat_ext_present(&ch.ext, MOAT_EXTI_PADDING));
	EXPECT_OK(moat_ext_empty_decode(ch.ext.data[MOAT_EXTI_EARLY_DATA]));
	require_common_ch_extensions(&ch, 9);

	EXPECT_OK(moat_ext_pre_shared_key_decode_ch(ch.ext.data[MOAT_EXTI_PRE_SHARED_KEY], &psk));
	ATF_REQUIRE_EQ(psk.count, 1);
	EXPECT_OK(moat_psk_identity_next(&psk.identities, &identity, &age));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&identity), 178);
	/* obfuscated_ticket_age: the §3 ticket's age_add (0xfad6aac5) plus the ticket's age in ms. */
	ATF_REQUIRE_EQ(age, 0xfad6aacb);
	EXPECT_OK(moat_psk_binder_next(&psk.binders, &binder));
	ATF_REQUIRE(hex_eq(binder, RFC8448_S4_BINDER));
	/* The binders are the message's last bytes; what precedes them is the RFC's "ClientHello prefix". */
	ATF_REQUIRE_EQ(psk.binders_len, 35);
	load(&prefix, RFC8448_S4_CLIENT_HELLO_PREFIX);
	ATF_REQUIRE_EQ(m.len - psk.binders_len, prefix.len);
	ATF_REQUIRE(memcmp(m.data, prefix.data, prefix.len) == 0);

	struct moat_server_hello sh;
	uint16_t selected;
	load(&m, RFC8448_S4_SERVER_HELLO);
	EXPECT_OK(moat_server_hello_decode(BODY(m, MOAT_HS_SERVER_HELLO), &sh));
	ATF_REQUIRE(!sh.is_hrr);
	ATF_REQUIRE_EQ(sh.ext.count, 3);
	EXPECT_OK(moat_ext_pre_shared_key_decode_sh(sh.ext.data[MOAT_EXTI_PRE_SHARED_KEY], &selected));
	ATF_REQUIRE_EQ(selected, 0);

	struct moat_ext_block ee;
	load(&m, RFC8448_S4_ENCRYPTED_EXTENSIONS);
	EXPECT_OK(moat_encrypted_extensions_decode(BODY(m, MOAT_HS_ENCRYPTED_EXTENSIONS), &ee));
	ATF_REQUIRE_EQ(ee.count, 4);
	EXPECT_OK(moat_ext_empty_decode(ee.data[MOAT_EXTI_EARLY_DATA]));

	load(&m, RFC8448_S4_END_OF_EARLY_DATA);
	EXPECT_OK(moat_end_of_early_data_decode(BODY(m, MOAT_HS_END_OF_EARLY_DATA)));
}

ATF_TC_WITHOUT_HEAD(s5_hello_retry_request);
ATF_TC_BODY(s5_hello_retry_request, tc)
{
	struct moat_client_hello ch1, ch2;
	struct moat_server_hello hrr, sh;
	struct moat_key_share_list shares;
	struct moat_key_share share;
	struct moat_cursor cookie, cookie2;
	uint16_t group;
	struct msg m_ch1, m_hrr, m_ch2, m_sh;

	load(&m_ch1, RFC8448_S5_CLIENT_HELLO1);
	EXPECT_OK(moat_client_hello_decode(BODY(m_ch1, MOAT_HS_CLIENT_HELLO), &ch1));
	require_common_ch_extensions(&ch1, 3);
	EXPECT_OK(moat_ext_key_share_decode_ch(ch1.ext.data[MOAT_EXTI_KEY_SHARE], &shares));
	ATF_REQUIRE_EQ(shares.count, 1);
	ATF_REQUIRE(moat_key_share_find(&shares, MOAT_GROUP_X25519, &share));

	load(&m_hrr, RFC8448_S5_HELLO_RETRY_REQUEST);
	EXPECT_OK(moat_server_hello_decode(BODY(m_hrr, MOAT_HS_SERVER_HELLO), &hrr));
	ATF_REQUIRE(hrr.is_hrr);
	ATF_REQUIRE(memcmp(hrr.random, moat_hrr_random, 32) == 0);
	ATF_REQUIRE_EQ(hrr.cipher_suite, MOAT_TLS_AES_128_GCM_SHA256);
	EXPECT_OK(moat_ext_key_share_decode_hrr(hrr.ext.data[MOAT_EXTI_KEY_SHARE], &group));
	ATF_REQUIRE_EQ(group, MOAT_GROUP_SECP256R1);
	EXPECT_OK(moat_ext_cookie_decode(hrr.ext.data[MOAT_EXTI_COOKIE], &cookie));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&cookie), 0x72);

	/* Rebuilt with the encoders (HRR key_share, cookie, supported_versions), the same message. */
	struct moat_buf e, b;
	moat_buf_init(&e, 1024);
	EXPECT_OK(moat_ext_write_key_share_hrr(&e, group));
	EXPECT_OK(moat_ext_write_cookie(&e, moat_cursor_data(&cookie), moat_cursor_remaining(&cookie)));
	EXPECT_OK(moat_ext_write_supported_versions_sh(&e, MOAT_TLS13));
	moat_buf_init(&b, 1024);
	EXPECT_OK(moat_server_hello_encode(&b, moat_hrr_random, NULL, 0, hrr.cipher_suite, e.data, e.len));
	ATF_REQUIRE(b.len == m_hrr.len && memcmp(b.data, m_hrr.data, b.len) == 0);
	moat_buf_free(&b);
	moat_buf_free(&e);

	/* The second ClientHello echoes the cookie and offers a P-256 share. */
	load(&m_ch2, RFC8448_S5_CLIENT_HELLO2);
	EXPECT_OK(moat_client_hello_decode(BODY(m_ch2, MOAT_HS_CLIENT_HELLO), &ch2));
	ATF_REQUIRE(memcmp(ch1.random, ch2.random, 32) == 0);
	EXPECT_OK(moat_ext_cookie_decode(ch2.ext.data[MOAT_EXTI_COOKIE], &cookie2));
	ATF_REQUIRE(codec_cursor_eq(cookie2, moat_cursor_data(&cookie), moat_cursor_remaining(&cookie)));
	EXPECT_OK(moat_ext_key_share_decode_ch(ch2.ext.data[MOAT_EXTI_KEY_SHARE], &shares));
	ATF_REQUIRE_EQ(shares.count, 1);
	ATF_REQUIRE(moat_key_share_find(&shares, MOAT_GROUP_SECP256R1, &share));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&share.key_exchange), 65);
	/* RFC 8446 §4.1.2: it is the first ClientHello with only the changes a HelloRetryRequest allows. */
	EXPECT_OK(moat_client_hello_check_retry(&ch1, &ch2));

	load(&m_sh, RFC8448_S5_SERVER_HELLO);
	EXPECT_OK(moat_server_hello_decode(BODY(m_sh, MOAT_HS_SERVER_HELLO), &sh));
	ATF_REQUIRE(!sh.is_hrr);
	EXPECT_OK(moat_ext_key_share_decode_sh(sh.ext.data[MOAT_EXTI_KEY_SHARE], &share));
	ATF_REQUIRE_EQ(share.group, MOAT_GROUP_SECP256R1);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&share.key_exchange), 65);
}

ATF_TC_WITHOUT_HEAD(s6_client_auth);
ATF_TC_BODY(s6_client_auth, tc)
{
	struct moat_certificate_request cr;
	struct moat_certificate_msg cert;
	struct moat_certificate_verify cv;
	struct moat_cursor algs;
	struct msg m;

	load(&m, RFC8448_S6_CERTIFICATE_REQUEST);
	EXPECT_OK(moat_certificate_request_decode(BODY(m, MOAT_HS_CERTIFICATE_REQUEST), &cr));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&cr.context), 0);
	ATF_REQUIRE_EQ(cr.ext.count, 1);
	EXPECT_OK(moat_ext_u16_list_decode(cr.ext.data[MOAT_EXTI_SIGNATURE_ALGORITHMS], &algs));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&algs), 30);

	/* The server's Certificate and CertificateVerify: ECDSA P-256 in this trace. */
	load(&m, RFC8448_S6_SERVER_CERTIFICATE);
	EXPECT_OK(moat_certificate_decode(BODY(m, MOAT_HS_CERTIFICATE), &cert));
	ATF_REQUIRE_EQ(cert.count, 1);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&cert.cert[0]), 306);

	load(&m, RFC8448_S6_SERVER_CERTIFICATE_VERIFY);
	EXPECT_OK(moat_certificate_verify_decode(BODY(m, MOAT_HS_CERTIFICATE_VERIFY), &cv));
	ATF_REQUIRE_EQ(cv.scheme, MOAT_SIG_ECDSA_SECP256R1_SHA256);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&cv.signature), 71);
}

/* Every RFC 8448 message, cut short anywhere, fails cleanly (DECODE / TRAILING_DATA), never crashes. */
static int dec_ch(struct moat_cursor d)
{
	struct moat_client_hello ch;
	return moat_client_hello_decode(d, &ch);
}
static int dec_sh(struct moat_cursor d)
{
	struct moat_server_hello sh;
	return moat_server_hello_decode(d, &sh);
}
static int dec_cert(struct moat_cursor d)
{
	struct moat_certificate_msg m;
	return moat_certificate_decode(d, &m);
}

ATF_TC_WITHOUT_HEAD(truncated_vectors);
ATF_TC_BODY(truncated_vectors, tc)
{
	/* A ClientHello or ServerHello cut right after its compression method is a valid extension-less hello. */
	const size_t ch_ok[] = { 2 + 32 + 1 + 2 + 6 + 2 };
	const size_t sh_ok[] = { 2 + 32 + 1 + 2 + 1 };
	struct moat_cursor b;
	struct msg m;

	load(&m, RFC8448_S3_CLIENT_HELLO);
	b = BODY(m, MOAT_HS_CLIENT_HELLO);
	codec_check_prefixes(dec_ch, moat_cursor_data(&b), moat_cursor_remaining(&b), ch_ok, 1);
	load(&m, RFC8448_S4_CLIENT_HELLO);
	b = BODY(m, MOAT_HS_CLIENT_HELLO);
	codec_check_prefixes(dec_ch, moat_cursor_data(&b), moat_cursor_remaining(&b), ch_ok, 1);
	load(&m, RFC8448_S5_CLIENT_HELLO2);
	b = BODY(m, MOAT_HS_CLIENT_HELLO);
	codec_check_prefixes(dec_ch, moat_cursor_data(&b), moat_cursor_remaining(&b), ch_ok, 1);
	load(&m, RFC8448_S3_SERVER_HELLO);
	b = BODY(m, MOAT_HS_SERVER_HELLO);
	codec_check_prefixes(dec_sh, moat_cursor_data(&b), moat_cursor_remaining(&b), sh_ok, 1);
	load(&m, RFC8448_S5_HELLO_RETRY_REQUEST);
	b = BODY(m, MOAT_HS_SERVER_HELLO);
	codec_check_prefixes(dec_sh, moat_cursor_data(&b), moat_cursor_remaining(&b), NULL, 0);
	load(&m, RFC8448_S3_CERTIFICATE);
	b = BODY(m, MOAT_HS_CERTIFICATE);
	codec_check_prefixes(dec_cert, moat_cursor_data(&b), moat_cursor_remaining(&b), NULL, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, s3_client_hello);
	ATF_TP_ADD_TC(tp, s3_server_hello);
	ATF_TP_ADD_TC(tp, s3_server_flight);
	ATF_TP_ADD_TC(tp, s3_new_session_ticket);
	ATF_TP_ADD_TC(tp, s4_resumption);
	ATF_TP_ADD_TC(tp, s5_hello_retry_request);
	ATF_TP_ADD_TC(tp, s6_client_auth);
	ATF_TP_ADD_TC(tp, truncated_vectors);
	return atf_no_error();
}
