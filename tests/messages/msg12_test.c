/*
 * TLS 1.2, 1.1 and 1.0 handshake message codecs (tls/messages12.h): each
 * message encoded, decoded and compared field by field; every prefix, one
 * trailing byte and each length field nudged by one; the value rules of
 * RFC 5246 §7.4 and RFC 8422 §5 (empty vectors where they are <1..>,
 * curve_type, odd signature algorithm lists, 11 certificates, OCSP only);
 * fields at their maximum size; and messages captured from OpenSSL
 * (tls12_vectors.h) decoded, re-encoded byte for byte, and for
 * ServerKeyExchange the signature verified over client_random +
 * server_random + the params view, which proves the view is exactly the
 * signed bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/messages/codec_check.h"
#include "tests/messages/tls12_vectors.h"
#include "tests/test_hex.h"
#include "tls/crypto/cert.h"
#include "tls/crypto/kex.h"
#include "tls/crypto/sig.h"
#include "tls/crypto/signed_content.h"
#include "tls/extensions12.h"
#include "tls/iana.h"
#include "tls/messages12.h"

static const uint8_t test_random[32] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
					 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
					 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20 };
static const uint8_t test_sid[32] = { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
				      0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
				      0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11 };
static const uint8_t test_point[65] = { 0x04, 0xaa, 0xbb, 0xcc };
static const uint8_t test_sig[72] = { 0x30, 0x46, 0x02, 0x21 };
static const uint16_t versions[] = { MOAT_TLS10, MOAT_TLS11, MOAT_TLS12 };

/* Decoders under test, with their parameters bound, for the codec_check helpers. */
static struct moat_server_hello out_sh;
static struct moat_server_key_exchange out_ske;
static struct moat_certificate_request12 out_cr;
static struct moat_certificate_msg out_cert;
static struct moat_digitally_signed out_ds;
static struct moat_new_session_ticket12 out_nst;
static struct moat_cursor out_cursor;

static int dec_sh(struct moat_cursor d) { return moat_server_hello_decode(d, &out_sh); }
static int dec_ske_ecdhe12(struct moat_cursor d)
{
	return moat_server_key_exchange_decode(d, MOAT_TLS12, MOAT_KX12_ECDHE, &out_ske);
}
static int dec_ske_ecdhe10(struct moat_cursor d)
{
	return moat_server_key_exchange_decode(d, MOAT_TLS10, MOAT_KX12_ECDHE, &out_ske);
}
static int dec_ske_ecdhe11(struct moat_cursor d)
{
	return moat_server_key_exchange_decode(d, MOAT_TLS11, MOAT_KX12_ECDHE, &out_ske);
}
static int dec_ske_dhe12(struct moat_cursor d)
{
	return moat_server_key_exchange_decode(d, MOAT_TLS12, MOAT_KX12_DHE, &out_ske);
}
static int dec_ske_dhe11(struct moat_cursor d)
{
	return moat_server_key_exchange_decode(d, MOAT_TLS11, MOAT_KX12_DHE, &out_ske);
}
static int dec_cke_ecdhe(struct moat_cursor d) { return moat_client_key_exchange_decode(d, MOAT_KX12_ECDHE, &out_cursor); }
static int dec_cke_dhe(struct moat_cursor d) { return moat_client_key_exchange_decode(d, MOAT_KX12_DHE, &out_cursor); }
static int dec_cke_rsa(struct moat_cursor d) { return moat_client_key_exchange_decode(d, MOAT_KX12_RSA, &out_cursor); }
static int dec_cr12(struct moat_cursor d) { return moat_certificate_request12_decode(d, MOAT_TLS12, &out_cr); }
static int dec_cr10(struct moat_cursor d) { return moat_certificate_request12_decode(d, MOAT_TLS10, &out_cr); }
static int dec_cert12(struct moat_cursor d) { return moat_certificate12_decode(d, &out_cert); }
static int dec_cv12(struct moat_cursor d) { return moat_certificate_verify12_decode(d, MOAT_TLS12, &out_ds); }
static int dec_cv10(struct moat_cursor d) { return moat_certificate_verify12_decode(d, MOAT_TLS10, &out_ds); }
static int dec_fin12(struct moat_cursor d) { return moat_finished_decode(d, MOAT_TLS12_VERIFY_DATA_LEN, &out_cursor); }
static int dec_status(struct moat_cursor d) { return moat_certificate_status_decode(d, &out_cursor); }
static int dec_nst12(struct moat_cursor d) { return moat_new_session_ticket12_decode(d, &out_nst); }
static int dec_shd(struct moat_cursor d) { return moat_server_hello_done_decode(d); }
static int dec_hr(struct moat_cursor d) { return moat_hello_request_decode(d); }

static struct moat_cursor cur(const void *p, size_t n)
{
	struct moat_cursor c;
	moat_cursor_init(&c, p, n);
	return c;
}

/* A captured message: the whole message (header included) and a view of its body. */
struct vec {
	uint8_t msg[4096];
	size_t len;
	struct moat_cursor body;
};

static void load(struct vec *v, const char *hex, uint8_t expect_type)
{
	v->len = test_unhex(hex, v->msg, sizeof(v->msg));
	struct moat_cursor c = cur(v->msg, v->len);
	uint8_t type;
	EXPECT_OK(moat_hs_header_decode(&c, &type, &v->body));
	ATF_REQUIRE_EQ(type, expect_type);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&c), 0);
}

/* The encoder's output in b equals the captured message byte for byte. */
static void require_same(const struct moat_buf *b, const struct vec *v)
{
	ATF_REQUIRE_EQ_MSG(b->len, v->len, "re-encoded %zu bytes, captured %zu", b->len, v->len);
	ATF_REQUIRE_MSG(memcmp(b->data, v->msg, v->len) == 0, "re-encoded bytes differ from the capture");
}

/* A copy of a body with one byte changed, decoded by f. */
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

static void require_decode_fails(codec_decode_fn f, const struct moat_buf *raw, int err)
{
	ATF_REQUIRE_EQ(codec_run(f, raw->data, raw->len), MOAT_FAILURE);
	ATF_REQUIRE_MSG(moat_errno == err, "got %s at %s, expected %s", moat_strerror_name(moat_errno),
			moat_strerror_debug(moat_errno, NULL), moat_strerror_name(err));
}

/* ---- ServerHello for TLS 1.2 and older ---- */

/* Offsets in a ServerHello body with a 32-byte session id. */
#define SH_SID_LEN_AT 34
#define SH_EXT_LEN_AT (35 + 32 + 3)

ATF_TC_WITHOUT_HEAD(server_hello12);
ATF_TC_BODY(server_hello12, tc)
{
	struct moat_buf e, b;
	moat_buf_init(&e, 1024);
	EXPECT_OK(moat_ext_write_renegotiation_info(&e, NULL, 0));
	EXPECT_OK(moat_ext_write_empty(&e, MOAT_EXT_EXTENDED_MASTER_SECRET));
	static const uint8_t formats[] = { MOAT_EC_POINT_FORMAT_UNCOMPRESSED };
	EXPECT_OK(moat_ext_write_ec_point_formats(&e, formats, 1));

	for (size_t i = 0; i < 3; i++) {
		moat_buf_init(&b, 4096);
		EXPECT_OK(moat_server_hello12_encode(&b, versions[i], test_random, test_sid, 32, 0xc02f, e.data, e.len));
		struct moat_cursor body = codec_msg_body(&b, MOAT_HS_SERVER_HELLO);
		EXPECT_OK(dec_sh(body));
		ATF_REQUIRE_EQ(out_sh.legacy_version, versions[i]);
		ATF_REQUIRE(memcmp(out_sh.random, test_random, 32) == 0);
		ATF_REQUIRE(!out_sh.is_hrr);
		ATF_REQUIRE(codec_cursor_eq(out_sh.session_id_echo, test_sid, 32));
		ATF_REQUIRE_EQ(out_sh.cipher_suite, 0xc02f);
		ATF_REQUIRE_EQ(out_sh.ext.count, 3);
		ATF_REQUIRE(moat_ext_present(&out_sh.ext, MOAT_EXTI_RENEGOTIATION_INFO));
		ATF_REQUIRE(moat_ext_present(&out_sh.ext, MOAT_EXTI_EXTENDED_MASTER_SECRET));
		ATF_REQUIRE(moat_ext_present(&out_sh.ext, MOAT_EXTI_EC_POINT_FORMATS));

		/* RFC 5246 §7.4.1.3: a ServerHello may end after compression_method. */
		const uint8_t *p = moat_cursor_data(&body);
		size_t n = moat_cursor_remaining(&body);
		static const size_t ok[] = { SH_EXT_LEN_AT };
		codec_check_prefixes(dec_sh, p, n, ok, 1);
		codec_check_trailing(dec_sh, p, n, MOAT_ERR_TRAILING_DATA);
		codec_check_length_field(dec_sh, p, n, SH_SID_LEN_AT, 1);
		codec_check_length_field(dec_sh, p, n, SH_EXT_LEN_AT, 2);
		moat_buf_free(&b);

		/* Without extensions, and with an empty session id. */
		moat_buf_init(&b, 4096);
		EXPECT_OK(moat_server_hello12_encode(&b, versions[i], test_random, NULL, 0, 0x002f, NULL, 0));
		ATF_REQUIRE_EQ(b.len, 4 + 2 + 32 + 1 + 2 + 1);
		EXPECT_OK(dec_sh(codec_msg_body(&b, MOAT_HS_SERVER_HELLO)));
		ATF_REQUIRE_EQ(out_sh.legacy_version, versions[i]);
		ATF_REQUIRE_EQ(out_sh.ext.count, 0);
		moat_buf_free(&b);
	}
	moat_buf_free(&e);

	/* Arguments: TLS 1.3 has its own encoder; SSL 3.0 is not spoken; session ids are 0..32. */
	moat_buf_init(&b, 4096);
	EXPECT_ERR(moat_server_hello12_encode(&b, MOAT_TLS13, test_random, NULL, 0, 0x1301, NULL, 0),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_server_hello12_encode(&b, 0x0300, test_random, NULL, 0, 0x002f, NULL, 0), MOAT_ERR_INVALID_ARG);
	uint8_t sid33[33] = { 0 };
	EXPECT_ERR(moat_server_hello12_encode(&b, MOAT_TLS12, test_random, sid33, 33, 0x002f, NULL, 0),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_server_hello12_encode(&b, MOAT_TLS12, NULL, NULL, 0, 0x002f, NULL, 0), MOAT_ERR_NULL_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	moat_buf_free(&b);
}

/* Captured ServerHellos decode, their TLS 1.2 extensions decode, and they re-encode to the same bytes. */
ATF_TC_WITHOUT_HEAD(server_hello12_captured);
ATF_TC_BODY(server_hello12_captured, tc)
{
	static const struct {
		const char *hex;
		uint16_t version;
		uint16_t suite;
	} cases[] = {
		{ V12_ECDHE_RSA_SH, MOAT_TLS12, 0xc02f }, { V12_ECDHE_ECDSA_SH, MOAT_TLS12, 0xc02b },
		{ V12_DHE_RSA_SH, MOAT_TLS12, 0x009e },   { V12_RSA_SH, MOAT_TLS12, 0x009c },
		{ V12_TLS10_SH, MOAT_TLS10, 0xc013 },     { V12_TLS11DHE_SH, MOAT_TLS11, 0x0033 },
		{ V12_OCSP_SH, MOAT_TLS12, 0xc02f },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vec v;
		load(&v, cases[i].hex, MOAT_HS_SERVER_HELLO);
		EXPECT_OK(dec_sh(v.body));
		ATF_REQUIRE_EQ(out_sh.legacy_version, cases[i].version);
		ATF_REQUIRE_EQ(out_sh.cipher_suite, cases[i].suite);
		/* OpenSSL answers renegotiation_info (empty: an initial handshake) and extended_master_secret. */
		struct moat_cursor rc, formats, ticket;
		EXPECT_OK(moat_ext_renegotiation_info_decode(out_sh.ext.data[MOAT_EXTI_RENEGOTIATION_INFO], &rc));
		ATF_REQUIRE_EQ(moat_cursor_remaining(&rc), 0);
		ATF_REQUIRE(moat_ext_present(&out_sh.ext, MOAT_EXTI_EXTENDED_MASTER_SECRET));
		EXPECT_OK(moat_ext_empty_decode(out_sh.ext.data[MOAT_EXTI_EXTENDED_MASTER_SECRET]));
		if (moat_ext_present(&out_sh.ext, MOAT_EXTI_EC_POINT_FORMATS)) {
			/* OpenSSL still lists the two deprecated compressed forms after uncompressed. */
			EXPECT_OK(moat_ext_ec_point_formats_decode(out_sh.ext.data[MOAT_EXTI_EC_POINT_FORMATS], &formats));
			ATF_REQUIRE(codec_cursor_eq(formats, "\x00\x01\x02", 3));
		}
		EXPECT_OK(moat_ext_session_ticket_decode(out_sh.ext.data[MOAT_EXTI_SESSION_TICKET], &ticket));
		ATF_REQUIRE_EQ(moat_cursor_remaining(&ticket), 0);
		EXPECT_OK(moat_downgrade_sentinel_check(out_sh.random, cases[i].version, MOAT_TLS13));
		/* Only the null compression method is accepted, in every version (CRIME, RFC 7457 §2.6). */
		size_t comp_at = 2 + 32 + 1 + moat_cursor_remaining(&out_sh.session_id_echo) + 2;
		ATF_REQUIRE_EQ(moat_cursor_data(&v.body)[comp_at], 0);
		ATF_REQUIRE_EQ(decode_patched(dec_sh, v.body, comp_at, 1), MOAT_FAILURE);
		ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ILLEGAL_PARAMETER);

		struct moat_buf b;
		moat_buf_init(&b, 4096);
		EXPECT_OK(moat_server_hello12_encode(&b, out_sh.legacy_version, out_sh.random,
						     moat_cursor_data(&out_sh.session_id_echo),
						     moat_cursor_remaining(&out_sh.session_id_echo), out_sh.cipher_suite,
						     moat_cursor_data(&out_sh.extensions_raw),
						     moat_cursor_remaining(&out_sh.extensions_raw)));
		require_same(&b, &v);
		moat_buf_free(&b);
	}
}

/* ---- Downgrade sentinels (RFC 8446 §4.1.3) ---- */

ATF_TC_WITHOUT_HEAD(downgrade_sentinels);
ATF_TC_BODY(downgrade_sentinels, tc)
{
	ATF_REQUIRE(memcmp(moat_downgrade_tls12, "\x44\x4f\x57\x4e\x47\x52\x44\x01", 8) == 0);
	ATF_REQUIRE(memcmp(moat_downgrade_tls11, "\x44\x4f\x57\x4e\x47\x52\x44\x00", 8) == 0);

	/* Server side: which sentinel, if any, each (negotiated, highest) pair writes. */
	static const struct {
		uint16_t negotiated, highest;
		const uint8_t *want; /* NULL: random untouched */
	} set[] = {
		{ MOAT_TLS13, MOAT_TLS13, NULL },
		{ MOAT_TLS12, MOAT_TLS13, moat_downgrade_tls12 },
		{ MOAT_TLS11, MOAT_TLS13, moat_downgrade_tls11 },
		{ MOAT_TLS10, MOAT_TLS13, moat_downgrade_tls11 },
		{ MOAT_TLS12, MOAT_TLS12, NULL },
		{ MOAT_TLS11, MOAT_TLS12, moat_downgrade_tls11 },
		{ MOAT_TLS10, MOAT_TLS12, moat_downgrade_tls11 },
		{ MOAT_TLS11, MOAT_TLS11, NULL },
		{ MOAT_TLS10, MOAT_TLS11, NULL },
		{ MOAT_TLS10, MOAT_TLS10, NULL },
	};
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		uint8_t r[32];
		memcpy(r, test_random, 32);
		EXPECT_OK(moat_downgrade_sentinel_set(r, set[i].negotiated, set[i].highest));
		ATF_REQUIRE(memcmp(r, test_random, 24) == 0);
		ATF_REQUIRE_MSG(memcmp(r + 24, set[i].want != NULL ? set[i].want : test_random + 24, 8) == 0,
				"case %zu", i);
	}

	/* Client side: a random carrying each sentinel, seen by each client for each negotiated version. */
	static const struct {
		const uint8_t *sentinel;
		uint16_t negotiated, highest;
		bool refused;
	} check[] = {
		/* A TLS 1.3 client refuses both whenever it gets TLS 1.2 or older. */
		{ moat_downgrade_tls12, MOAT_TLS12, MOAT_TLS13, true },
		{ moat_downgrade_tls11, MOAT_TLS12, MOAT_TLS13, true },
		{ moat_downgrade_tls12, MOAT_TLS11, MOAT_TLS13, true },
		{ moat_downgrade_tls11, MOAT_TLS10, MOAT_TLS13, true },
		/* A TLS 1.2 client checks only the TLS 1.1 one, and only below TLS 1.2. */
		{ moat_downgrade_tls11, MOAT_TLS11, MOAT_TLS12, true },
		{ moat_downgrade_tls11, MOAT_TLS10, MOAT_TLS12, true },
		{ moat_downgrade_tls12, MOAT_TLS11, MOAT_TLS12, false },
		{ moat_downgrade_tls11, MOAT_TLS12, MOAT_TLS12, false },
		/* Nothing to protect when the client's best is what it got. */
		{ moat_downgrade_tls11, MOAT_TLS11, MOAT_TLS11, false },
		{ moat_downgrade_tls12, MOAT_TLS13, MOAT_TLS13, false },
	};
	for (size_t i = 0; i < sizeof(check) / sizeof(check[0]); i++) {
		uint8_t r[32];
		memcpy(r, test_random, 24);
		memcpy(r + 24, check[i].sentinel, 8);
		if (check[i].refused)
			EXPECT_ERR(moat_downgrade_sentinel_check(r, check[i].negotiated, check[i].highest),
				   MOAT_ERR_ILLEGAL_PARAMETER);
		else
			EXPECT_OK(moat_downgrade_sentinel_check(r, check[i].negotiated, check[i].highest));
	}
	/* One bit off a sentinel is an ordinary random. */
	uint8_t r[32];
	memcpy(r, test_random, 24);
	memcpy(r + 24, moat_downgrade_tls12, 8);
	r[31] ^= 0x02;
	EXPECT_OK(moat_downgrade_sentinel_check(r, MOAT_TLS12, MOAT_TLS13));
	/* What a server writes, a client of the same reach refuses. */
	memcpy(r, test_random, 32);
	EXPECT_OK(moat_downgrade_sentinel_set(r, MOAT_TLS12, MOAT_TLS13));
	EXPECT_ERR(moat_downgrade_sentinel_check(r, MOAT_TLS12, MOAT_TLS13), MOAT_ERR_ILLEGAL_PARAMETER);

	EXPECT_ERR(moat_downgrade_sentinel_set(r, MOAT_TLS13, MOAT_TLS12), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_downgrade_sentinel_set(r, 0x0300, MOAT_TLS12), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_downgrade_sentinel_check(r, MOAT_TLS12, 0x0305), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_downgrade_sentinel_check(NULL, MOAT_TLS12, MOAT_TLS13), MOAT_ERR_NULL_ARG);
}

/* ---- ServerKeyExchange ---- */

/* Offsets in an ECDHE ServerKeyExchange body with a 65-byte point. */
#define SKE_EC_POINT_LEN_AT 3
#define SKE_EC_SIG_AT (4 + 65)

ATF_TC_WITHOUT_HEAD(server_key_exchange_ecdhe);
ATF_TC_BODY(server_key_exchange_ecdhe, tc)
{
	static const codec_decode_fn dec[] = { dec_ske_ecdhe10, dec_ske_ecdhe11, dec_ske_ecdhe12 };
	for (size_t i = 0; i < 3; i++) {
		struct moat_buf b;
		moat_buf_init(&b, 4096);
		EXPECT_OK(moat_server_key_exchange_ecdhe_encode(&b, versions[i], MOAT_GROUP_SECP256R1, test_point, 65,
								MOAT_SIG_ECDSA_SECP256R1_SHA256, test_sig, 72));
		struct moat_cursor body = codec_msg_body(&b, MOAT_HS_SERVER_KEY_EXCHANGE);
		EXPECT_OK(dec[i](body));
		ATF_REQUIRE_EQ(out_ske.kx, MOAT_KX12_ECDHE);
		ATF_REQUIRE_EQ(out_ske.group, MOAT_GROUP_SECP256R1);
		ATF_REQUIRE(codec_cursor_eq(out_ske.point, test_point, 65));
		ATF_REQUIRE(codec_cursor_eq(out_ske.sig.signature, test_sig, 72));
		ATF_REQUIRE_EQ(out_ske.sig.has_scheme, versions[i] == MOAT_TLS12);
		ATF_REQUIRE_EQ(out_ske.sig.scheme, versions[i] == MOAT_TLS12 ? MOAT_SIG_ECDSA_SECP256R1_SHA256 : 0);
		/* The params view is the first 4 + 65 bytes, and is what the params writer makes. */
		ATF_REQUIRE(codec_cursor_eq(out_ske.params, moat_cursor_data(&body), SKE_EC_SIG_AT));
		struct moat_buf p;
		moat_buf_init(&p, 512);
		EXPECT_OK(moat_server_ecdh_params_write(&p, MOAT_GROUP_SECP256R1, test_point, 65));
		ATF_REQUIRE(codec_cursor_eq(out_ske.params, p.data, p.len));
		moat_buf_free(&p);

		const uint8_t *q = moat_cursor_data(&body);
		size_t n = moat_cursor_remaining(&body);
		size_t sig_len_at = SKE_EC_SIG_AT + (versions[i] == MOAT_TLS12 ? 2 : 0);
		static const unsigned widths[] = { 1, 2 };
		const size_t offs[] = { SKE_EC_POINT_LEN_AT, sig_len_at };
		codec_check_all(dec[i], q, n, offs, widths, 2);

		/* RFC 8422 §5.4: explicit_prime(1), explicit_char2(2) and any other curve_type are refused. */
		static const uint8_t bad_types[] = { 0, 1, 2, 4, 248, 255 };
		for (size_t t = 0; t < sizeof(bad_types); t++) {
			ATF_REQUIRE_EQ(decode_patched(dec[i], body, 0, bad_types[t]), MOAT_FAILURE);
			ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ILLEGAL_PARAMETER);
		}
		moat_buf_free(&b);
	}

	/* point<1..2^8-1>: empty is decode_error; 255 bytes round-trip. */
	struct moat_buf raw;
	moat_buf_init(&raw, 4096);
	EXPECT_OK(moat_buf_put_u8(&raw, MOAT_EC_CURVE_TYPE_NAMED_CURVE));
	EXPECT_OK(moat_buf_put_u16(&raw, MOAT_GROUP_X25519));
	EXPECT_OK(moat_buf_put_u8(&raw, 0));
	EXPECT_OK(moat_buf_put_u16(&raw, MOAT_SIG_RSA_PSS_RSAE_SHA256));
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, test_sig, 8));
	require_decode_fails(dec_ske_ecdhe12, &raw, MOAT_ERR_DECODE);
	moat_buf_free(&raw);

	uint8_t big[0xffff];
	memset(big, 0x5a, sizeof(big));
	struct moat_buf b;
	moat_buf_init(&b, 1 << 18);
	EXPECT_OK(moat_server_key_exchange_ecdhe_encode(&b, MOAT_TLS12, 0xfe00, big, 255, 0x0401, big, 0xffff));
	EXPECT_OK(dec_ske_ecdhe12(codec_msg_body(&b, MOAT_HS_SERVER_KEY_EXCHANGE)));
	ATF_REQUIRE_EQ(out_ske.group, 0xfe00);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.point), 255);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.sig.signature), 0xffff);
	moat_buf_reset(&b);
	/* An empty signature frames (verification will fail, not parsing). */
	EXPECT_OK(moat_server_key_exchange_ecdhe_encode(&b, MOAT_TLS12, MOAT_GROUP_X25519, big, 32, 0x0401, NULL, 0));
	EXPECT_OK(dec_ske_ecdhe12(codec_msg_body(&b, MOAT_HS_SERVER_KEY_EXCHANGE)));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.sig.signature), 0);
	moat_buf_reset(&b);

	/* Arguments. */
	EXPECT_ERR(moat_server_key_exchange_ecdhe_encode(&b, MOAT_TLS12, MOAT_GROUP_X25519, big, 0, 0x0401, NULL, 0),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_server_key_exchange_ecdhe_encode(&b, MOAT_TLS12, MOAT_GROUP_X25519, big, 256, 0x0401, NULL, 0),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_server_key_exchange_ecdhe_encode(&b, MOAT_TLS13, MOAT_GROUP_X25519, big, 32, 0x0401, NULL, 0),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_server_key_exchange_ecdhe_encode(&b, MOAT_TLS12, MOAT_GROUP_X25519, big, 32, 0x0401, big,
							 0x10000),
		   MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	struct moat_cursor body = cur(big, 40);
	EXPECT_ERR(moat_server_key_exchange_decode(body, MOAT_TLS12, MOAT_KX12_RSA, &out_ske), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_server_key_exchange_decode(body, 0x0304, MOAT_KX12_ECDHE, &out_ske), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_server_key_exchange_decode(body, MOAT_TLS12, (enum moat_kx12)0, &out_ske),
		   MOAT_ERR_INVALID_ARG);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(server_key_exchange_dhe);
ATF_TC_BODY(server_key_exchange_dhe, tc)
{
	static const uint8_t p[256] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t g[1] = { 2 };
	static const uint8_t ys[256] = { 0x12, 0x34 };
	struct moat_buf b;
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_server_key_exchange_dhe_encode(&b, MOAT_TLS12, p, 256, g, 1, ys, 256,
						      MOAT_SIG_RSA_PSS_RSAE_SHA256, test_sig, 72));
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_SERVER_KEY_EXCHANGE);
	EXPECT_OK(dec_ske_dhe12(body));
	ATF_REQUIRE_EQ(out_ske.kx, MOAT_KX12_DHE);
	ATF_REQUIRE(codec_cursor_eq(out_ske.dh_p, p, 256));
	ATF_REQUIRE(codec_cursor_eq(out_ske.dh_g, g, 1));
	ATF_REQUIRE(codec_cursor_eq(out_ske.dh_ys, ys, 256));
	ATF_REQUIRE_EQ(out_ske.sig.scheme, MOAT_SIG_RSA_PSS_RSAE_SHA256);
	ATF_REQUIRE(codec_cursor_eq(out_ske.sig.signature, test_sig, 72));
	struct moat_buf params;
	moat_buf_init(&params, 4096);
	EXPECT_OK(moat_server_dh_params_write(&params, p, 256, g, 1, ys, 256));
	ATF_REQUIRE(codec_cursor_eq(out_ske.params, params.data, params.len));
	ATF_REQUIRE(codec_cursor_eq(out_ske.params, moat_cursor_data(&body), 2 + 256 + 2 + 1 + 2 + 256));

	const uint8_t *q = moat_cursor_data(&body);
	size_t n = moat_cursor_remaining(&body);
	static const size_t offs[] = { 0, 258, 261, 519 + 2 };
	static const unsigned widths[] = { 2, 2, 2, 2 };
	codec_check_all(dec_ske_dhe12, q, n, offs, widths, 4);
	moat_buf_free(&b);

	/* Each of dh_p, dh_g, dh_Ys is <1..2^16-1>: empty is decode_error. */
	for (int empty = 0; empty < 3; empty++) {
		struct moat_buf raw;
		moat_buf_init(&raw, 4096);
		EXPECT_OK(moat_buf_put_prefixed(&raw, 2, p, empty == 0 ? 0 : 256));
		EXPECT_OK(moat_buf_put_prefixed(&raw, 2, g, empty == 1 ? 0 : 1));
		EXPECT_OK(moat_buf_put_prefixed(&raw, 2, ys, empty == 2 ? 0 : 256));
		EXPECT_OK(moat_buf_put_prefixed(&raw, 2, test_sig, 72));
		require_decode_fails(dec_ske_dhe11, &raw, MOAT_ERR_DECODE);
		moat_buf_free(&raw);
	}

	/* Every field at 2^16-1 bytes (an ECDHE decoder reading it fails to frame). */
	uint8_t *big = malloc(0xffff);
	ATF_REQUIRE(big != NULL);
	memset(big, 0xa5, 0xffff);
	moat_buf_init(&b, 1 << 19);
	EXPECT_OK(moat_server_key_exchange_dhe_encode(&b, MOAT_TLS11, big, 0xffff, big, 0xffff, big, 0xffff, 0, big,
						      0xffff));
	body = codec_msg_body(&b, MOAT_HS_SERVER_KEY_EXCHANGE);
	EXPECT_OK(dec_ske_dhe11(body));
	ATF_REQUIRE(!out_ske.sig.has_scheme);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.dh_p), 0xffff);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.dh_ys), 0xffff);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.sig.signature), 0xffff);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.params), 3 * (2 + 0xffff));
	ATF_REQUIRE_EQ(dec_ske_ecdhe11(body), MOAT_FAILURE);
	moat_buf_reset(&b);
	EXPECT_ERR(moat_server_key_exchange_dhe_encode(&b, MOAT_TLS12, big, 0x10000, g, 1, ys, 1, 0, NULL, 0),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_server_key_exchange_dhe_encode(&b, MOAT_TLS12, p, 256, g, 0, ys, 1, 0, NULL, 0),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_server_key_exchange_dhe_encode(&b, MOAT_TLS12, p, 256, NULL, 1, ys, 1, 0, NULL, 0),
		   MOAT_ERR_NULL_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	moat_buf_free(&b);
	moat_buf_free(&params);
	free(big);
}

/* The public key of the first certificate of a captured Certificate message. */
static void load_leaf_key(const char *cert_hex, struct moat_cert_chain *chain)
{
	struct vec v;
	load(&v, cert_hex, MOAT_HS_CERTIFICATE);
	EXPECT_OK(moat_certificate12_decode(v.body, &out_cert));
	ATF_REQUIRE_EQ(out_cert.count, 1);
	memset(chain, 0, sizeof(*chain));
	EXPECT_OK(moat_cert_chain_add_der(chain, moat_cursor_data(&out_cert.cert[0]),
					  moat_cursor_remaining(&out_cert.cert[0])));
}

/* client_random + server_random + params, the signed content of a ServerKeyExchange. */
static void signed_content(const char *ch_hex, const char *sh_hex, struct moat_cursor params, struct moat_buf *out)
{
	struct vec ch, sh;
	load(&ch, ch_hex, MOAT_HS_CLIENT_HELLO);
	load(&sh, sh_hex, MOAT_HS_SERVER_HELLO);
	/* random follows the 2-byte version in both hellos. */
	EXPECT_OK(moat_buf_put_bytes(out, moat_cursor_data(&ch.body) + 2, 32));
	EXPECT_OK(moat_buf_put_bytes(out, moat_cursor_data(&sh.body) + 2, 32));
	EXPECT_OK(moat_buf_put_bytes(out, moat_cursor_data(&params), moat_cursor_remaining(&params)));
}

/*
 * Captured ECDHE ServerKeyExchanges: the signature verifies over the
 * content built from the decoded params, and the crypto layer's content
 * builder makes exactly the same bytes from the decoded fields.
 */
ATF_TC_WITHOUT_HEAD(server_key_exchange_ecdhe_captured);
ATF_TC_BODY(server_key_exchange_ecdhe_captured, tc)
{
	static const struct {
		const char *ch, *sh, *cert, *ske;
		uint16_t scheme;
	} cases[] = {
		{ V12_ECDHE_RSA_CH, V12_ECDHE_RSA_SH, V12_ECDHE_RSA_CERT, V12_ECDHE_RSA_SKE, MOAT_SIG_RSA_PSS_RSAE_SHA256 },
		{ V12_ECDHE_ECDSA_CH, V12_ECDHE_ECDSA_SH, V12_ECDHE_ECDSA_CERT, V12_ECDHE_ECDSA_SKE,
		  MOAT_SIG_ECDSA_SECP256R1_SHA256 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vec v;
		struct moat_cert_chain chain;
		load_leaf_key(cases[i].cert, &chain);
		load(&v, cases[i].ske, MOAT_HS_SERVER_KEY_EXCHANGE);
		EXPECT_OK(dec_ske_ecdhe12(v.body));
		ATF_REQUIRE_EQ(out_ske.group, MOAT_GROUP_X25519);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.point), 32);
		EXPECT_OK(moat_kex_public_check(out_ske.group, moat_cursor_data(&out_ske.point), 32));
		ATF_REQUIRE(out_ske.sig.has_scheme);
		ATF_REQUIRE_EQ(out_ske.sig.scheme, cases[i].scheme);

		struct moat_buf content, built;
		moat_buf_init(&content, 4096);
		moat_buf_init(&built, 4096);
		signed_content(cases[i].ch, cases[i].sh, out_ske.params, &content);
		EXPECT_OK(moat_ske_ecdh_content_build(content.data, content.data + 32, out_ske.group,
						      moat_cursor_data(&out_ske.point), 32, &built));
		ATF_REQUIRE_EQ(built.len, content.len);
		ATF_REQUIRE(memcmp(built.data, content.data, content.len) == 0);
		EXPECT_OK(moat_sig_verify(&chain.leaf_key, out_ske.sig.scheme, content.data, content.len,
					  moat_cursor_data(&out_ske.sig.signature),
					  moat_cursor_remaining(&out_ske.sig.signature)));
		/* The same check fails by one flipped bit of the params: the view is what was signed. */
		content.data[64 + 4] ^= 1;
		EXPECT_ERR(moat_sig_verify(&chain.leaf_key, out_ske.sig.scheme, content.data, content.len,
					   moat_cursor_data(&out_ske.sig.signature),
					   moat_cursor_remaining(&out_ske.sig.signature)),
			   MOAT_ERR_DECRYPT_ERROR);

		/* Re-encoded from the decoded fields: the same bytes. */
		struct moat_buf b;
		moat_buf_init(&b, 4096);
		EXPECT_OK(moat_server_key_exchange_ecdhe_encode(&b, MOAT_TLS12, out_ske.group,
								moat_cursor_data(&out_ske.point), 32, out_ske.sig.scheme,
								moat_cursor_data(&out_ske.sig.signature),
								moat_cursor_remaining(&out_ske.sig.signature)));
		require_same(&b, &v);
		/* Read as TLS 1.0 the algorithm bytes become a length: it no longer frames. */
		EXPECT_ERR(dec_ske_ecdhe10(v.body), MOAT_ERR_DECODE);
		/* Read as DHE the curve type and group become a 2-byte length: no longer frames either. */
		ATF_REQUIRE_EQ(dec_ske_dhe12(v.body), MOAT_FAILURE);
		moat_buf_free(&b);
		moat_buf_free(&content);
		moat_buf_free(&built);
		moat_cert_chain_free(&chain);
	}
}

/*
 * OpenSSL's DHE groups are not RFC 7919's when the client names no ffdhe
 * group: it sent the 2048-bit MODP prime of RFC 3526 §3, 64 one bits and
 * then the digits of pi (an ffdhe prime continues with those of e). Which
 * primes a client accepts is the key exchange's decision, not the codec's.
 */
static const char modp2048_head[] = "ffffffffffffffffc90fdaa22168c234";

ATF_TC_WITHOUT_HEAD(server_key_exchange_dhe_captured);
ATF_TC_BODY(server_key_exchange_dhe_captured, tc)
{
	struct vec v;
	struct moat_cert_chain chain;
	load_leaf_key(V12_ECDHE_RSA_CERT, &chain); /* the same RSA certificate served every RSA capture */
	load(&v, V12_DHE_RSA_SKE, MOAT_HS_SERVER_KEY_EXCHANGE);
	EXPECT_OK(dec_ske_dhe12(v.body));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.dh_p), 256);
	REQUIRE_HEX(moat_cursor_data(&out_ske.dh_p), 16, modp2048_head);
	ATF_REQUIRE(codec_cursor_eq(out_ske.dh_g, "\x02", 1));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.dh_ys), 256);
	ATF_REQUIRE_EQ(out_ske.sig.scheme, MOAT_SIG_RSA_PSS_RSAE_SHA256);

	struct moat_buf content;
	moat_buf_init(&content, 4096);
	signed_content(V12_DHE_RSA_CH, V12_DHE_RSA_SH, out_ske.params, &content);
	EXPECT_OK(moat_sig_verify(&chain.leaf_key, out_ske.sig.scheme, content.data, content.len,
				  moat_cursor_data(&out_ske.sig.signature),
				  moat_cursor_remaining(&out_ske.sig.signature)));
	struct moat_buf b;
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_server_key_exchange_dhe_encode(
		&b, MOAT_TLS12, moat_cursor_data(&out_ske.dh_p), moat_cursor_remaining(&out_ske.dh_p),
		moat_cursor_data(&out_ske.dh_g), moat_cursor_remaining(&out_ske.dh_g), moat_cursor_data(&out_ske.dh_ys),
		moat_cursor_remaining(&out_ske.dh_ys), out_ske.sig.scheme, moat_cursor_data(&out_ske.sig.signature),
		moat_cursor_remaining(&out_ske.sig.signature)));
	require_same(&b, &v);
	moat_buf_free(&b);
	moat_buf_free(&content);

	/* TLS 1.1 DHE: no algorithm, a 256-byte RSA signature (MD5+SHA-1, RFC 4346 §4.7). */
	load(&v, V12_TLS11DHE_SKE, MOAT_HS_SERVER_KEY_EXCHANGE);
	EXPECT_OK(dec_ske_dhe11(v.body));
	ATF_REQUIRE(!out_ske.sig.has_scheme);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.sig.signature), 256);
	REQUIRE_HEX(moat_cursor_data(&out_ske.dh_p), 16, modp2048_head);
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_server_key_exchange_dhe_encode(
		&b, MOAT_TLS11, moat_cursor_data(&out_ske.dh_p), moat_cursor_remaining(&out_ske.dh_p),
		moat_cursor_data(&out_ske.dh_g), moat_cursor_remaining(&out_ske.dh_g), moat_cursor_data(&out_ske.dh_ys),
		moat_cursor_remaining(&out_ske.dh_ys), 0, moat_cursor_data(&out_ske.sig.signature),
		moat_cursor_remaining(&out_ske.sig.signature)));
	require_same(&b, &v);
	/* Read as TLS 1.2, the signature's length becomes the algorithm: misframed. */
	ATF_REQUIRE_EQ(dec_ske_dhe12(v.body), MOAT_FAILURE);
	moat_buf_free(&b);
	moat_cert_chain_free(&chain);
}

ATF_TC_WITHOUT_HEAD(server_key_exchange_tls10_captured);
ATF_TC_BODY(server_key_exchange_tls10_captured, tc)
{
	struct vec v;
	load(&v, V12_TLS10_SKE, MOAT_HS_SERVER_KEY_EXCHANGE);
	EXPECT_OK(dec_ske_ecdhe10(v.body));
	ATF_REQUIRE_EQ(out_ske.group, MOAT_GROUP_X25519);
	ATF_REQUIRE(!out_ske.sig.has_scheme);
	ATF_REQUIRE_EQ(out_ske.sig.scheme, 0);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.sig.signature), 256);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ske.params), 4 + 32);
	struct moat_buf b;
	moat_buf_init(&b, 4096);
	EXPECT_OK(moat_server_key_exchange_ecdhe_encode(&b, MOAT_TLS10, out_ske.group, moat_cursor_data(&out_ske.point),
							32, 0, moat_cursor_data(&out_ske.sig.signature), 256));
	require_same(&b, &v);
	ATF_REQUIRE_EQ(dec_ske_ecdhe12(v.body), MOAT_FAILURE);
	codec_check_prefixes(dec_ske_ecdhe10, moat_cursor_data(&v.body), moat_cursor_remaining(&v.body), NULL, 0);
	codec_check_trailing(dec_ske_ecdhe10, moat_cursor_data(&v.body), moat_cursor_remaining(&v.body),
			     MOAT_ERR_TRAILING_DATA);
	moat_buf_free(&b);
}

/* ---- ClientKeyExchange ---- */

ATF_TC_WITHOUT_HEAD(client_key_exchange);
ATF_TC_BODY(client_key_exchange, tc)
{
	static const struct {
		enum moat_kx12 kx;
		codec_decode_fn dec;
		unsigned width;
		size_t min, max;
	} kinds[] = {
		{ MOAT_KX12_ECDHE, dec_cke_ecdhe, 1, 1, 0xff },
		{ MOAT_KX12_DHE, dec_cke_dhe, 2, 1, 0xffff },
		{ MOAT_KX12_RSA, dec_cke_rsa, 2, 0, 0xffff },
	};
	uint8_t *big = malloc(0x10000);
	ATF_REQUIRE(big != NULL);
	memset(big, 0x3c, 0x10000);
	for (size_t i = 0; i < 3; i++) {
		struct moat_buf b;
		moat_buf_init(&b, 1 << 18);
		EXPECT_OK(moat_client_key_exchange_encode(&b, kinds[i].kx, test_point, 65));
		struct moat_cursor body = codec_msg_body(&b, MOAT_HS_CLIENT_KEY_EXCHANGE);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&body), kinds[i].width + 65);
		EXPECT_OK(kinds[i].dec(body));
		ATF_REQUIRE(codec_cursor_eq(out_cursor, test_point, 65));
		static const size_t offs[] = { 0 };
		const unsigned widths[] = { kinds[i].width };
		codec_check_all(kinds[i].dec, moat_cursor_data(&body), moat_cursor_remaining(&body), offs, widths, 1);
		moat_buf_reset(&b);

		/* The largest and the smallest the vector allows. */
		EXPECT_OK(moat_client_key_exchange_encode(&b, kinds[i].kx, big, kinds[i].max));
		EXPECT_OK(kinds[i].dec(codec_msg_body(&b, MOAT_HS_CLIENT_KEY_EXCHANGE)));
		ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), kinds[i].max);
		moat_buf_reset(&b);
		EXPECT_ERR(moat_client_key_exchange_encode(&b, kinds[i].kx, big, kinds[i].max + 1), MOAT_ERR_INVALID_ARG);
		if (kinds[i].min == 1) {
			EXPECT_ERR(moat_client_key_exchange_encode(&b, kinds[i].kx, big, 0), MOAT_ERR_INVALID_ARG);
			/* An empty point / dh_Yc: the vector's lower bound is 1 (RFC 8422 §5.4, RFC 5246 §7.4.7.2). */
			static const uint8_t zero[2] = { 0, 0 };
			EXPECT_ERR(kinds[i].dec(cur(zero, kinds[i].width)), MOAT_ERR_DECODE);
		} else {
			EXPECT_OK(moat_client_key_exchange_encode(&b, kinds[i].kx, NULL, 0));
			EXPECT_OK(kinds[i].dec(codec_msg_body(&b, MOAT_HS_CLIENT_KEY_EXCHANGE)));
			ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), 0);
		}
		/* An empty body is nothing in any form. */
		EXPECT_ERR(kinds[i].dec(cur(NULL, 0)), MOAT_ERR_DECODE);
		moat_buf_free(&b);
	}
	struct moat_buf b;
	moat_buf_init(&b, 64);
	EXPECT_ERR(moat_client_key_exchange_encode(&b, (enum moat_kx12)9, test_point, 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_client_key_exchange_decode(cur(test_point, 2), (enum moat_kx12)0, &out_cursor),
		   MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	moat_buf_free(&b);
	free(big);
}

ATF_TC_WITHOUT_HEAD(client_key_exchange_captured);
ATF_TC_BODY(client_key_exchange_captured, tc)
{
	static const struct {
		const char *hex;
		enum moat_kx12 kx;
		size_t len;
	} cases[] = {
		{ V12_ECDHE_RSA_CKE, MOAT_KX12_ECDHE, 32 }, { V12_ECDHE_ECDSA_CKE, MOAT_KX12_ECDHE, 32 },
		{ V12_TLS10_CKE, MOAT_KX12_ECDHE, 32 },     { V12_DHE_RSA_CKE, MOAT_KX12_DHE, 256 },
		{ V12_TLS11DHE_CKE, MOAT_KX12_DHE, 256 },   { V12_RSA_CKE, MOAT_KX12_RSA, 256 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vec v;
		load(&v, cases[i].hex, MOAT_HS_CLIENT_KEY_EXCHANGE);
		EXPECT_OK(moat_client_key_exchange_decode(v.body, cases[i].kx, &out_cursor));
		ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), cases[i].len);
		if (cases[i].kx == MOAT_KX12_ECDHE)
			EXPECT_OK(moat_kex_public_check(MOAT_GROUP_X25519, moat_cursor_data(&out_cursor), 32));
		struct moat_buf b;
		moat_buf_init(&b, 4096);
		EXPECT_OK(moat_client_key_exchange_encode(&b, cases[i].kx, moat_cursor_data(&out_cursor),
							  moat_cursor_remaining(&out_cursor)));
		require_same(&b, &v);
		moat_buf_free(&b);
	}

	/*
	 * The SSLv3 form of an RSA ClientKeyExchange (the ciphertext without its
	 * two length bytes, RFC 5246 §7.4.7.1) is not TLS in any version: its
	 * first two bytes are taken as a length and it does not frame.
	 */
	struct vec v;
	load(&v, V12_RSA_CKE, MOAT_HS_CLIENT_KEY_EXCHANGE);
	struct moat_cursor bare = v.body;
	EXPECT_OK(moat_cursor_skip(&bare, 2));
	EXPECT_ERR(dec_cke_rsa(bare), MOAT_ERR_DECODE);
	/* And an ECDHE point read as a DHE value does not frame either. */
	load(&v, V12_ECDHE_RSA_CKE, MOAT_HS_CLIENT_KEY_EXCHANGE);
	EXPECT_ERR(dec_cke_dhe(v.body), MOAT_ERR_DECODE);
}

/* ---- ServerHelloDone and HelloRequest ---- */

ATF_TC_WITHOUT_HEAD(empty_messages);
ATF_TC_BODY(empty_messages, tc)
{
	struct vec v;
	load(&v, V12_ECDHE_RSA_SHD, MOAT_HS_SERVER_HELLO_DONE);
	EXPECT_OK(dec_shd(v.body));
	struct moat_buf b;
	moat_buf_init(&b, 64);
	EXPECT_OK(moat_server_hello_done_encode(&b));
	require_same(&b, &v);
	codec_check_trailing(dec_shd, (const uint8_t *)"", 0, MOAT_ERR_TRAILING_DATA);
	moat_buf_reset(&b);

	EXPECT_OK(moat_hello_request_encode(&b));
	ATF_REQUIRE_EQ(b.len, 4);
	ATF_REQUIRE(memcmp(b.data, "\x00\x00\x00\x00", 4) == 0);
	EXPECT_OK(dec_hr(codec_msg_body(&b, MOAT_HS_HELLO_REQUEST)));
	codec_check_trailing(dec_hr, (const uint8_t *)"", 0, MOAT_ERR_TRAILING_DATA);
	moat_buf_free(&b);
}

/* ---- CertificateRequest ---- */

/* Two DistinguishedName entries, each with its length. */
static const uint8_t test_dns[] = { 0x00, 0x03, 0x30, 0x01, 0x00, 0x00, 0x02, 0x30, 0x00 };

ATF_TC_WITHOUT_HEAD(certificate_request12);
ATF_TC_BODY(certificate_request12, tc)
{
	static const uint8_t types[] = { MOAT_CLIENT_CERT_RSA_SIGN, MOAT_CLIENT_CERT_ECDSA_SIGN };
	static const uint16_t algs[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_RSA_PSS_RSAE_SHA256,
					 MOAT_SIG_RSA_PKCS1_SHA256 };
	struct moat_buf b;
	moat_buf_init(&b, 1 << 18);

	/* TLS 1.2: types, algorithms, authorities. */
	EXPECT_OK(moat_certificate_request12_encode(&b, MOAT_TLS12, types, 2, algs, 3, test_dns, sizeof(test_dns)));
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_CERTIFICATE_REQUEST);
	EXPECT_OK(dec_cr12(body));
	ATF_REQUIRE(codec_cursor_eq(out_cr.certificate_types, types, 2));
	ATF_REQUIRE(out_cr.has_sig_algs);
	struct moat_cursor it = out_cr.sig_algs;
	for (size_t i = 0; i < 3; i++) {
		uint16_t a;
		EXPECT_OK(moat_u16_list_next(&it, &a));
		ATF_REQUIRE_EQ(a, algs[i]);
	}
	ATF_REQUIRE_EQ(moat_cursor_remaining(&it), 0);
	struct moat_cursor dn, cas = out_cr.authorities;
	EXPECT_OK(moat_ca_list_next(&cas, &dn));
	ATF_REQUIRE(codec_cursor_eq(dn, "\x30\x01\x00", 3));
	EXPECT_OK(moat_ca_list_next(&cas, &dn));
	ATF_REQUIRE(codec_cursor_eq(dn, "\x30\x00", 2));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&cas), 0);
	const uint8_t *q = moat_cursor_data(&body);
	size_t n = moat_cursor_remaining(&body);
	{
		/* types length, algorithms length, authorities length, first DN's length */
		static const size_t offs[] = { 0, 3, 11, 13 };
		static const unsigned widths[] = { 1, 2, 2, 2 };
		codec_check_all(dec_cr12, q, n, offs, widths, 4);
	}
	/* The same message is not a TLS 1.0 CertificateRequest. */
	ATF_REQUIRE_EQ(dec_cr10(body), MOAT_FAILURE);
	moat_buf_reset(&b);

	/* TLS 1.0/1.1: no algorithms. */
	EXPECT_OK(moat_certificate_request12_encode(&b, MOAT_TLS11, types, 2, NULL, 0, test_dns, sizeof(test_dns)));
	body = codec_msg_body(&b, MOAT_HS_CERTIFICATE_REQUEST);
	EXPECT_OK(moat_certificate_request12_decode(body, MOAT_TLS11, &out_cr));
	ATF_REQUIRE(!out_cr.has_sig_algs);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cr.sig_algs), 0);
	ATF_REQUIRE(codec_cursor_eq(out_cr.authorities, test_dns, sizeof(test_dns)));
	{
		static const size_t offs[] = { 0, 3, 5 };
		static const unsigned widths[] = { 1, 2, 2 };
		codec_check_all(dec_cr10, moat_cursor_data(&body), moat_cursor_remaining(&body), offs, widths, 3);
	}
	moat_buf_reset(&b);

	/* Value rules, on hand-built bodies. */
	struct moat_buf raw;
	moat_buf_init(&raw, 1024);
	/* certificate_types<1..2^8-1>: empty. */
	EXPECT_OK(moat_buf_put_u8(&raw, 0));
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, "\x04\x03", 2));
	EXPECT_OK(moat_buf_put_u16(&raw, 0));
	require_decode_fails(dec_cr12, &raw, MOAT_ERR_DECODE);
	moat_buf_reset(&raw);
	/* supported_signature_algorithms<2..2^16-2>: empty, and odd. */
	EXPECT_OK(moat_buf_put_prefixed(&raw, 1, "\x01", 1));
	EXPECT_OK(moat_buf_put_u16(&raw, 0));
	EXPECT_OK(moat_buf_put_u16(&raw, 0));
	require_decode_fails(dec_cr12, &raw, MOAT_ERR_DECODE);
	moat_buf_reset(&raw);
	EXPECT_OK(moat_buf_put_prefixed(&raw, 1, "\x01", 1));
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, "\x04\x03\x05", 3));
	EXPECT_OK(moat_buf_put_u16(&raw, 0));
	require_decode_fails(dec_cr12, &raw, MOAT_ERR_DECODE);
	moat_buf_reset(&raw);
	/* DistinguishedName<1..2^16-1>: an empty one in the list. */
	EXPECT_OK(moat_buf_put_prefixed(&raw, 1, "\x01", 1));
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, "\x00\x02\x30\x00\x00\x00", 6));
	require_decode_fails(dec_cr10, &raw, MOAT_ERR_DECODE);
	moat_buf_reset(&raw);
	/* An empty authorities list is "any CA", in TLS 1.0 as in 1.2. */
	EXPECT_OK(moat_buf_put_prefixed(&raw, 1, "\x01", 1));
	EXPECT_OK(moat_buf_put_u16(&raw, 0));
	ATF_REQUIRE_EQ(codec_run(dec_cr10, raw.data, raw.len), MOAT_SUCCESS);
	moat_buf_free(&raw);

	/* Largest lists: 255 types, 32767 algorithms. */
	uint8_t many_types[255];
	memset(many_types, MOAT_CLIENT_CERT_RSA_SIGN, sizeof(many_types));
	uint16_t *many_algs = calloc(0x7fff, sizeof(*many_algs));
	ATF_REQUIRE(many_algs != NULL);
	EXPECT_OK(moat_certificate_request12_encode(&b, MOAT_TLS12, many_types, 255, many_algs, 0x7fff, NULL, 0));
	EXPECT_OK(dec_cr12(codec_msg_body(&b, MOAT_HS_CERTIFICATE_REQUEST)));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cr.certificate_types), 255);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cr.sig_algs), 0xfffe);
	moat_buf_reset(&b);

	/* Arguments. */
	EXPECT_ERR(moat_certificate_request12_encode(&b, MOAT_TLS12, many_types, 255, many_algs, 0x8000, NULL, 0),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_certificate_request12_encode(&b, MOAT_TLS12, many_types, 256, algs, 1, NULL, 0),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_certificate_request12_encode(&b, MOAT_TLS12, types, 0, algs, 1, NULL, 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_certificate_request12_encode(&b, MOAT_TLS12, types, 1, algs, 0, NULL, 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_certificate_request12_encode(&b, MOAT_TLS10, types, 1, algs, 1, NULL, 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_certificate_request12_encode(&b, MOAT_TLS12, types, 1, algs, 1, test_dns, 4),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_certificate_request12_encode(&b, MOAT_TLS13, types, 1, algs, 1, NULL, 0), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	EXPECT_ERR(moat_certificate_request12_decode(cur(test_dns, 4), 0x0300, &out_cr), MOAT_ERR_INVALID_ARG);
	free(many_algs);
	moat_buf_free(&b);
}

ATF_TC_WITHOUT_HEAD(certificate_request12_captured);
ATF_TC_BODY(certificate_request12_captured, tc)
{
	static const struct {
		const char *hex;
		uint16_t version;
		size_t n_algs;
	} cases[] = {
		{ V12_ECDHE_RSA_CR, MOAT_TLS12, 20 },
		{ V12_RSA_CR, MOAT_TLS12, 20 },
		{ V12_TLS10_CR, MOAT_TLS10, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vec v;
		load(&v, cases[i].hex, MOAT_HS_CERTIFICATE_REQUEST);
		EXPECT_OK(moat_certificate_request12_decode(v.body, cases[i].version, &out_cr));
		/* OpenSSL asks for rsa_sign, dss_sign and ecdsa_sign, and names no CA. */
		ATF_REQUIRE(codec_cursor_eq(out_cr.certificate_types, "\x01\x02\x40", 3));
		ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cr.sig_algs), 2 * cases[i].n_algs);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cr.authorities), 0);
		uint16_t algs[64];
		struct moat_cursor it = out_cr.sig_algs;
		for (size_t k = 0; k < cases[i].n_algs; k++)
			EXPECT_OK(moat_u16_list_next(&it, &algs[k]));
		if (cases[i].n_algs > 0)
			ATF_REQUIRE(moat_u16_list_contains(out_cr.sig_algs, MOAT_SIG_RSA_PSS_RSAE_SHA256));
		struct moat_buf b;
		moat_buf_init(&b, 4096);
		EXPECT_OK(moat_certificate_request12_encode(&b, cases[i].version,
							    moat_cursor_data(&out_cr.certificate_types),
							    moat_cursor_remaining(&out_cr.certificate_types), algs,
							    cases[i].n_algs, NULL, 0));
		require_same(&b, &v);
		moat_buf_free(&b);
	}
}

/* ---- Certificate ---- */

ATF_TC_WITHOUT_HEAD(certificate12);
ATF_TC_BODY(certificate12, tc)
{
	static const uint8_t c1[] = { 0x30, 0x03, 0x02, 0x01, 0x01 }, c2[] = { 0x30, 0x00 }, c3[] = { 0xaa };
	const uint8_t *der[] = { c1, c2, c3 };
	const size_t der_len[] = { sizeof(c1), sizeof(c2), sizeof(c3) };
	struct moat_buf b;
	moat_buf_init(&b, 1 << 25);

	EXPECT_OK(moat_certificate12_encode(&b, der, der_len, 3));
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_CERTIFICATE);
	EXPECT_OK(dec_cert12(body));
	ATF_REQUIRE_EQ(out_cert.count, 3);
	for (size_t i = 0; i < 3; i++) {
		ATF_REQUIRE(codec_cursor_eq(out_cert.cert[i], der[i], der_len[i]));
		ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cert.ext_raw[i]), 0);
	}
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cert.context), 0);
	static const size_t offs[] = { 0, 3, 3 + 3 + 5, 3 + 3 + 5 + 3 + 2 };
	static const unsigned widths[] = { 3, 3, 3, 3 };
	codec_check_all(dec_cert12, moat_cursor_data(&body), moat_cursor_remaining(&body), offs, widths, 4);
	/* A TLS 1.3 decoder sees the second length byte run of a certificate as a context: it fails. */
	ATF_REQUIRE_EQ(moat_certificate_decode(body, &out_cert), MOAT_FAILURE);
	moat_buf_reset(&b);

	/* An empty list (a client without a certificate, RFC 5246 §7.4.6). */
	EXPECT_OK(moat_certificate12_encode(&b, NULL, NULL, 0));
	ATF_REQUIRE_EQ(b.len, 4 + 3);
	EXPECT_OK(dec_cert12(codec_msg_body(&b, MOAT_HS_CERTIFICATE)));
	ATF_REQUIRE_EQ(out_cert.count, 0);
	moat_buf_reset(&b);

	/* ASN.1Cert<1..2^24-1>: an empty entry. */
	static const uint8_t empty_entry[] = { 0x00, 0x00, 0x03, 0x00, 0x00, 0x00 };
	EXPECT_ERR(dec_cert12(cur(empty_entry, sizeof(empty_entry))), MOAT_ERR_DECODE);

	/* Eleven certificates: well-formed but over the cap → bad_certificate. */
	const uint8_t *eleven[11];
	size_t eleven_len[11];
	for (size_t i = 0; i < 11; i++) {
		eleven[i] = c1;
		eleven_len[i] = sizeof(c1);
	}
	EXPECT_OK(moat_certificate12_encode(&b, eleven, eleven_len, 11));
	EXPECT_ERR(dec_cert12(codec_msg_body(&b, MOAT_HS_CERTIFICATE)), MOAT_ERR_BAD_CERTIFICATE);
	moat_buf_reset(&b);

	/* One certificate as long as a message allows: the body's u24 holds the list's and the entry's lengths. */
	size_t max = 0xffffff - 6;
	uint8_t *huge = calloc(max, 1);
	ATF_REQUIRE(huge != NULL);
	const uint8_t *hd[] = { huge };
	size_t hl[] = { max };
	EXPECT_OK(moat_certificate12_encode(&b, hd, hl, 1));
	EXPECT_OK(dec_cert12(codec_msg_body(&b, MOAT_HS_CERTIFICATE)));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cert.cert[0]), max);
	moat_buf_reset(&b);
	hl[0] = max + 1;
	EXPECT_ERR(moat_certificate12_encode(&b, hd, hl, 1), MOAT_ERR_INVALID_ARG);
	moat_buf_reset(&b);
	hl[0] = 0;
	EXPECT_ERR(moat_certificate12_encode(&b, hd, hl, 1), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	free(huge);
	moat_buf_free(&b);

	/* Captured chains: the server's RSA and the client's P-256 certificate load as DER. */
	static const char *const captured[] = { V12_ECDHE_RSA_CERT, V12_ECDHE_ECDSA_CERT, V12_ECDHE_RSA_CLIENT_CERT };
	for (size_t i = 0; i < 3; i++) {
		struct vec v;
		struct moat_cert_chain chain = { 0 };
		load(&v, captured[i], MOAT_HS_CERTIFICATE);
		EXPECT_OK(dec_cert12(v.body));
		ATF_REQUIRE_EQ(out_cert.count, 1);
		EXPECT_OK(moat_cert_chain_add_der(&chain, moat_cursor_data(&out_cert.cert[0]),
						  moat_cursor_remaining(&out_cert.cert[0])));
		moat_cert_chain_free(&chain);
		moat_buf_init(&b, 4096);
		const uint8_t *d[] = { moat_cursor_data(&out_cert.cert[0]) };
		const size_t dl[] = { moat_cursor_remaining(&out_cert.cert[0]) };
		EXPECT_OK(moat_certificate12_encode(&b, d, dl, 1));
		require_same(&b, &v);
		moat_buf_free(&b);
	}
}

/* ---- CertificateVerify ---- */

ATF_TC_WITHOUT_HEAD(certificate_verify12);
ATF_TC_BODY(certificate_verify12, tc)
{
	struct moat_buf b;
	moat_buf_init(&b, 1 << 17);
	EXPECT_OK(moat_certificate_verify12_encode(&b, MOAT_TLS12, MOAT_SIG_ECDSA_SECP256R1_SHA256, test_sig, 72));
	struct moat_cursor body = codec_msg_body(&b, MOAT_HS_CERTIFICATE_VERIFY);
	EXPECT_OK(dec_cv12(body));
	ATF_REQUIRE(out_ds.has_scheme);
	ATF_REQUIRE_EQ(out_ds.scheme, MOAT_SIG_ECDSA_SECP256R1_SHA256);
	ATF_REQUIRE(codec_cursor_eq(out_ds.signature, test_sig, 72));
	{
		static const size_t offs[] = { 2 };
		static const unsigned widths[] = { 2 };
		codec_check_all(dec_cv12, moat_cursor_data(&body), moat_cursor_remaining(&body), offs, widths, 1);
	}
	moat_buf_reset(&b);

	for (size_t i = 0; i < 2; i++) {
		EXPECT_OK(moat_certificate_verify12_encode(&b, versions[i], 0x0401, test_sig, 72));
		body = codec_msg_body(&b, MOAT_HS_CERTIFICATE_VERIFY);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&body), 2 + 72);
		EXPECT_OK(moat_certificate_verify12_decode(body, versions[i], &out_ds));
		ATF_REQUIRE(!out_ds.has_scheme);
		ATF_REQUIRE_EQ(out_ds.scheme, 0);
		ATF_REQUIRE(codec_cursor_eq(out_ds.signature, test_sig, 72));
		static const size_t offs[] = { 0 };
		static const unsigned widths[] = { 2 };
		codec_check_all(dec_cv10, moat_cursor_data(&body), moat_cursor_remaining(&body), offs, widths, 1);
		moat_buf_reset(&b);
	}

	/* signature<0..2^16-1>: both ends. */
	uint8_t *big = calloc(0x10000, 1);
	ATF_REQUIRE(big != NULL);
	EXPECT_OK(moat_certificate_verify12_encode(&b, MOAT_TLS12, 0x0804, big, 0xffff));
	EXPECT_OK(dec_cv12(codec_msg_body(&b, MOAT_HS_CERTIFICATE_VERIFY)));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ds.signature), 0xffff);
	moat_buf_reset(&b);
	EXPECT_OK(moat_certificate_verify12_encode(&b, MOAT_TLS10, 0, NULL, 0));
	EXPECT_OK(dec_cv10(codec_msg_body(&b, MOAT_HS_CERTIFICATE_VERIFY)));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ds.signature), 0);
	moat_buf_reset(&b);
	EXPECT_ERR(moat_certificate_verify12_encode(&b, MOAT_TLS12, 0x0804, big, 0x10000), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_certificate_verify12_encode(&b, MOAT_TLS13, 0x0804, big, 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_certificate_verify12_encode(&b, MOAT_TLS12, 0x0804, NULL, 1), MOAT_ERR_NULL_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	EXPECT_ERR(moat_certificate_verify12_decode(cur(big, 4), 0x0305, &out_ds), MOAT_ERR_INVALID_ARG);
	free(big);
	moat_buf_free(&b);

	/* Captured: a P-256 and an RSA client in TLS 1.2, an RSA client in TLS 1.0. */
	static const struct {
		const char *hex;
		uint16_t version, scheme;
	} cases[] = {
		{ V12_ECDHE_RSA_CV, MOAT_TLS12, MOAT_SIG_ECDSA_SECP256R1_SHA256 },
		{ V12_RSA_CV, MOAT_TLS12, MOAT_SIG_RSA_PSS_RSAE_SHA256 },
		{ V12_TLS10_CV, MOAT_TLS10, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vec v;
		load(&v, cases[i].hex, MOAT_HS_CERTIFICATE_VERIFY);
		EXPECT_OK(moat_certificate_verify12_decode(v.body, cases[i].version, &out_ds));
		ATF_REQUIRE_EQ(out_ds.scheme, cases[i].scheme);
		if (cases[i].scheme != MOAT_SIG_ECDSA_SECP256R1_SHA256)
			ATF_REQUIRE_EQ(moat_cursor_remaining(&out_ds.signature), 256);
		moat_buf_init(&b, 4096);
		EXPECT_OK(moat_certificate_verify12_encode(&b, cases[i].version, out_ds.scheme,
							   moat_cursor_data(&out_ds.signature),
							   moat_cursor_remaining(&out_ds.signature)));
		require_same(&b, &v);
		moat_buf_free(&b);
	}
}

/* ---- Finished ---- */

ATF_TC_WITHOUT_HEAD(finished12);
ATF_TC_BODY(finished12, tc)
{
	static const char *const captured[] = { V12_ECDHE_RSA_FINISHED, V12_TLS10_FINISHED };
	for (size_t i = 0; i < 2; i++) {
		struct vec v;
		load(&v, captured[i], MOAT_HS_FINISHED);
		EXPECT_OK(dec_fin12(v.body));
		ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), MOAT_TLS12_VERIFY_DATA_LEN);
		/* verify_data is the whole body: one byte more or less is decode_error (RFC 5246 §7.4.9). */
		codec_check_trailing(dec_fin12, moat_cursor_data(&v.body), 12, MOAT_ERR_DECODE);
		EXPECT_ERR(dec_fin12(cur(moat_cursor_data(&v.body), 11)), MOAT_ERR_DECODE);
		struct moat_buf b;
		moat_buf_init(&b, 64);
		EXPECT_OK(moat_finished_encode(&b, moat_cursor_data(&out_cursor), MOAT_TLS12_VERIFY_DATA_LEN));
		require_same(&b, &v);
		moat_buf_free(&b);
	}
}

/* ---- CertificateStatus ---- */

ATF_TC_WITHOUT_HEAD(certificate_status);
ATF_TC_BODY(certificate_status, tc)
{
	struct vec v;
	load(&v, V12_OCSP_CERT_STATUS, MOAT_HS_CERTIFICATE_STATUS);
	EXPECT_OK(dec_status(v.body));
	/* A DER OCSPResponse: a SEQUENCE with a two-byte length, the whole rest of the message. */
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), moat_cursor_remaining(&v.body) - 4);
	ATF_REQUIRE_EQ(moat_cursor_data(&out_cursor)[0], 0x30);
	ATF_REQUIRE_EQ(moat_cursor_data(&out_cursor)[1], 0x82);
	struct moat_buf b;
	moat_buf_init(&b, 1 << 25);
	EXPECT_OK(moat_certificate_status_encode(&b, moat_cursor_data(&out_cursor), moat_cursor_remaining(&out_cursor)));
	require_same(&b, &v);
	static const size_t offs[] = { 1 };
	static const unsigned widths[] = { 3 };
	codec_check_all(dec_status, moat_cursor_data(&v.body), moat_cursor_remaining(&v.body), offs, widths, 1);
	/* status_type other than ocsp(1): ocsp_multi(2), 0, 255. */
	static const uint8_t bad_types[] = { 0, 2, 255 };
	for (size_t i = 0; i < sizeof(bad_types); i++) {
		ATF_REQUIRE_EQ(decode_patched(dec_status, v.body, 0, bad_types[i]), MOAT_FAILURE);
		ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ILLEGAL_PARAMETER);
	}
	/* OCSPResponse<1..2^24-1>: empty. */
	static const uint8_t empty[] = { 0x01, 0x00, 0x00, 0x00 };
	EXPECT_ERR(dec_status(cur(empty, sizeof(empty))), MOAT_ERR_DECODE);
	moat_buf_reset(&b);

	/* The largest response a message can hold. */
	size_t max = 0xffffff - 4;
	uint8_t *big = calloc(max + 1, 1);
	ATF_REQUIRE(big != NULL);
	EXPECT_OK(moat_certificate_status_encode(&b, big, max));
	EXPECT_OK(dec_status(codec_msg_body(&b, MOAT_HS_CERTIFICATE_STATUS)));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_cursor), max);
	moat_buf_reset(&b);
	EXPECT_ERR(moat_certificate_status_encode(&b, big, max + 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_certificate_status_encode(&b, big, 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_certificate_status_encode(&b, NULL, 1), MOAT_ERR_NULL_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	free(big);
	moat_buf_free(&b);
}

/* ---- NewSessionTicket ---- */

ATF_TC_WITHOUT_HEAD(new_session_ticket12);
ATF_TC_BODY(new_session_ticket12, tc)
{
	struct vec v;
	load(&v, V12_ECDHE_RSA_NST, MOAT_HS_NEW_SESSION_TICKET);
	EXPECT_OK(dec_nst12(v.body));
	ATF_REQUIRE_EQ(out_nst.lifetime_hint, 7200); /* OpenSSL's default session timeout */
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_nst.ticket), moat_cursor_remaining(&v.body) - 6);
	struct moat_buf b;
	moat_buf_init(&b, 1 << 17);
	EXPECT_OK(moat_new_session_ticket12_encode(&b, out_nst.lifetime_hint, moat_cursor_data(&out_nst.ticket),
						   moat_cursor_remaining(&out_nst.ticket)));
	require_same(&b, &v);
	static const size_t offs[] = { 4 };
	static const unsigned widths[] = { 2 };
	codec_check_all(dec_nst12, moat_cursor_data(&v.body), moat_cursor_remaining(&v.body), offs, widths, 1);
	/* A TLS 1.3 NewSessionTicket decoder does not accept it. */
	struct moat_new_session_ticket nst13;
	ATF_REQUIRE_EQ(moat_new_session_ticket_decode(v.body, &nst13), MOAT_FAILURE);
	moat_buf_reset(&b);

	/* An empty ticket: the server declines after all (RFC 5077 §3.3). */
	EXPECT_OK(moat_new_session_ticket12_encode(&b, 0, NULL, 0));
	ATF_REQUIRE_EQ(b.len, 4 + 6);
	EXPECT_OK(dec_nst12(codec_msg_body(&b, MOAT_HS_NEW_SESSION_TICKET)));
	ATF_REQUIRE_EQ(out_nst.lifetime_hint, 0);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_nst.ticket), 0);
	moat_buf_reset(&b);

	uint8_t *big = calloc(0x10000, 1);
	ATF_REQUIRE(big != NULL);
	EXPECT_OK(moat_new_session_ticket12_encode(&b, UINT32_MAX, big, 0xffff));
	EXPECT_OK(dec_nst12(codec_msg_body(&b, MOAT_HS_NEW_SESSION_TICKET)));
	ATF_REQUIRE_EQ(out_nst.lifetime_hint, UINT32_MAX);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&out_nst.ticket), 0xffff);
	moat_buf_reset(&b);
	EXPECT_ERR(moat_new_session_ticket12_encode(&b, 1, big, 0x10000), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_new_session_ticket12_encode(&b, 1, NULL, 1), MOAT_ERR_NULL_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	free(big);
	moat_buf_free(&b);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, server_hello12);
	ATF_TP_ADD_TC(tp, server_hello12_captured);
	ATF_TP_ADD_TC(tp, downgrade_sentinels);
	ATF_TP_ADD_TC(tp, server_key_exchange_ecdhe);
	ATF_TP_ADD_TC(tp, server_key_exchange_dhe);
	ATF_TP_ADD_TC(tp, server_key_exchange_ecdhe_captured);
	ATF_TP_ADD_TC(tp, server_key_exchange_dhe_captured);
	ATF_TP_ADD_TC(tp, server_key_exchange_tls10_captured);
	ATF_TP_ADD_TC(tp, client_key_exchange);
	ATF_TP_ADD_TC(tp, client_key_exchange_captured);
	ATF_TP_ADD_TC(tp, empty_messages);
	ATF_TP_ADD_TC(tp, certificate_request12);
	ATF_TP_ADD_TC(tp, certificate_request12_captured);
	ATF_TP_ADD_TC(tp, certificate12);
	ATF_TP_ADD_TC(tp, certificate_verify12);
	ATF_TP_ADD_TC(tp, finished12);
	ATF_TP_ADD_TC(tp, certificate_status);
	ATF_TP_ADD_TC(tp, new_session_ticket12);
	return atf_no_error();
}
