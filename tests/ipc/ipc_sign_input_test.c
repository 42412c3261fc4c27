/*
 * What keyd agrees to sign. The valid inputs are written out from RFC 8446
 * §4.4.3 and RFC 8422 §5.4 in ipc_test_util.h; every case here changes one
 * thing about them and expects BAD_INPUT, or changes the scheme and expects
 * BAD_SCHEME. The same rules are checked through the SIGN decoder, so keyd
 * cannot get a request past them by decoding it.
 */
#include "tests/ipc/ipc_test_util.h"

#include "tls/crypto/kex.h"
#include "tls/crypto/signed_content.h"

static uint8_t in[512];

static moat_ipc_status check(uint8_t kind, uint16_t scheme, const uint8_t *input, size_t len)
{
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	moat_error_clear();
	int rc = moat_ipc_check_sign_input(kind, scheme, input, len, &st);
	ATF_REQUIRE_EQ(rc == MOAT_SUCCESS, st == MOAT_IPC_OK);
	if (rc != MOAT_SUCCESS)
		ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_IPC_BAD_MESSAGE);
	return st;
}

/* The same input through a whole SIGN request: encode (if valid) and decode. */
static moat_ipc_status via_decoder(uint8_t kind, uint16_t scheme, const uint8_t *input, size_t len)
{
	struct moat_buf raw;
	struct moat_ipc_sign req;
	struct ipc_pkt p;
	moat_ipc_status st = MOAT_IPC_INTERNAL;

	raw_init(&raw);
	EXPECT_OK(moat_buf_put_bytes(&raw, test_key_id, sizeof(test_key_id)));
	EXPECT_OK(moat_buf_put_u16(&raw, scheme));
	EXPECT_OK(moat_buf_put_u8(&raw, kind));
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, input, len));
	int rc = moat_ipc_sign_decode(raw_cursor(&raw), &req, &st);
	moat_buf_free(&raw);
	ATF_REQUIRE_EQ(rc == MOAT_SUCCESS, st == MOAT_IPC_OK);

	/* The encoder accepts exactly what the decoder accepts. */
	pkt_init(&p);
	moat_error_clear();
	int enc = moat_ipc_sign_encode(&p.b, 1, test_key_id, scheme, kind, input, len);
	ATF_REQUIRE_EQ(enc == MOAT_SUCCESS, rc == MOAT_SUCCESS);
	if (enc != MOAT_SUCCESS) {
		ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_INVALID_ARG);
		ATF_REQUIRE_EQ(p.b.len, 0);
	}
	return st;
}

#define EXPECT_INPUT(kind, scheme, input, len, want) \
	do { \
		moat_ipc_status a_ = check((kind), (scheme), (input), (len)); \
		moat_ipc_status b_ = via_decoder((kind), (scheme), (input), (len)); \
		ATF_REQUIRE_MSG(a_ == (want) && b_ == (want), "line %d: got %s / %s, expected %s", __LINE__, \
				moat_ipc_status_name((uint16_t)a_), moat_ipc_status_name((uint16_t)b_), \
				moat_ipc_status_name((uint16_t)(want))); \
	} while (0)

#define K13 MOAT_IPC_SIGN_TLS13_CV
#define K12 MOAT_IPC_SIGN_TLS12_SKE
#define KDH MOAT_IPC_SIGN_TLS12_SKE_DHE
#define KCV MOAT_IPC_SIGN_TLS12_CLIENT_CV
#define PSS256 MOAT_SIG_RSA_PSS_RSAE_SHA256
#define PKCS256 MOAT_SIG_RSA_PKCS1_SHA256

ATF_TC_WITHOUT_HEAD(tls13_valid);
ATF_TC_BODY(tls13_valid, tc)
{
	struct moat_buf built;
	uint8_t hash[48];

	for (int server = 0; server <= 1; server++) {
		for (size_t hl = 32; hl <= 48; hl += 16) {
			size_t n = build_tls13_cv(in, server, hl);
			ATF_REQUIRE_EQ(n, 64 + 33 + 1 + hl);
			EXPECT_INPUT(K13, PSS256, in, n, MOAT_IPC_OK);
			EXPECT_INPUT(K13, MOAT_SIG_ECDSA_SECP384R1_SHA384, in, n, MOAT_IPC_OK);
			/* The handshake's own builder produces what keyd accepts. */
			memset(hash, 0xab, sizeof(hash));
			moat_buf_init(&built, 512);
			EXPECT_OK(moat_cv_content_build(server, hash, hl, &built));
			ATF_REQUIRE_EQ(built.len, n);
			ATF_REQUIRE(memcmp(built.data, in, n) == 0);
			moat_buf_free(&built);
		}
	}
}

ATF_TC_WITHOUT_HEAD(tls13_bad_shapes);
ATF_TC_BODY(tls13_bad_shapes, tc)
{
	size_t n;

	/* A wrong context string: one letter, and the TLS 1.2-less / other-purpose variants. */
	n = build_tls13_cv(in, true, 32);
	in[64 + 10] ^= 0x20;
	EXPECT_INPUT(K13, PSS256, in, n, MOAT_IPC_BAD_INPUT);
	n = build_tls13_cv(in, true, 32);
	memcpy(in + 64, "TLS 1.2, server CertificateVerify", 33);
	EXPECT_INPUT(K13, PSS256, in, n, MOAT_IPC_BAD_INPUT);

	/* 63 spaces (the rest shifted left), and 65. */
	n = build_tls13_cv(in + 1, true, 32);
	EXPECT_INPUT(K13, PSS256, in + 2, n - 1, MOAT_IPC_BAD_INPUT);
	in[0] = 0x20;
	EXPECT_INPUT(K13, PSS256, in, n + 1, MOAT_IPC_BAD_INPUT);
	/* A pad byte other than 0x20. */
	n = build_tls13_cv(in, false, 48);
	in[17] = 0x00;
	EXPECT_INPUT(K13, PSS256, in, n, MOAT_IPC_BAD_INPUT);

	/* The 0x00 separator missing (hash moved up) or replaced. */
	n = build_tls13_cv(in, true, 32);
	memmove(in + 97, in + 98, 32);
	EXPECT_INPUT(K13, PSS256, in, n - 1, MOAT_IPC_BAD_INPUT);
	n = build_tls13_cv(in, true, 32);
	in[97] = 0x01;
	EXPECT_INPUT(K13, PSS256, in, n, MOAT_IPC_BAD_INPUT);

	/* Hash lengths other than 32 and 48; a trailing byte after either. */
	static const size_t bad_hash[] = { 0, 1, 20, 31, 33, 47, 49, 64 };
	for (size_t i = 0; i < sizeof(bad_hash) / sizeof(bad_hash[0]); i++) {
		n = build_tls13_cv(in, true, bad_hash[i]);
		EXPECT_INPUT(K13, PSS256, in, n, MOAT_IPC_BAD_INPUT);
	}
	n = build_tls13_cv(in, false, 48);
	in[n] = 0;
	EXPECT_INPUT(K13, PSS256, in, n + 1, MOAT_IPC_BAD_INPUT);

	/* Every truncation of a valid input. */
	n = build_tls13_cv(in, true, 48);
	for (size_t k = 1; k < n; k++)
		if (k != 64 + 33 + 1 + 32)
			EXPECT_INPUT(K13, PSS256, in, k, MOAT_IPC_BAD_INPUT);

	/* A TLS 1.2 input under kind 1, and a TLS 1.3 input under kind 2. */
	n = build_tls12_ske(in, 3, MOAT_GROUP_X25519, 32);
	EXPECT_INPUT(K13, PSS256, in, n, MOAT_IPC_BAD_INPUT);
	n = build_tls13_cv(in, true, 32);
	EXPECT_INPUT(K12, PSS256, in, n, MOAT_IPC_BAD_INPUT);
}

ATF_TC_WITHOUT_HEAD(tls12_groups);
ATF_TC_BODY(tls12_groups, tc)
{
	static const uint16_t groups[] = { MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1,
					   MOAT_GROUP_SECP521R1, MOAT_GROUP_X448 };
	static const size_t lens[] = { 32, 65, 97, 133, 56 };
	size_t n;

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		ATF_REQUIRE_EQ(group_point_len(groups[g]), lens[g]);
		n = build_tls12_ske(in, 3, groups[g], lens[g]);
		ATF_REQUIRE_EQ(n, 64 + 1 + 2 + 1 + lens[g]);
		EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_OK);
		EXPECT_INPUT(K12, MOAT_SIG_ECDSA_SECP256R1_SHA256, in, n, MOAT_IPC_OK);
		/* One byte short, one byte long, and every other group's length. */
		n = build_tls12_ske(in, 3, groups[g], lens[g] - 1);
		EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
		n = build_tls12_ske(in, 3, groups[g], lens[g] + 1);
		EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
		for (size_t o = 0; o < sizeof(groups) / sizeof(groups[0]); o++) {
			if (o == g)
				continue;
			n = build_tls12_ske(in, 3, groups[g], lens[o]);
			EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
		}
		/* An empty point. */
		n = build_tls12_ske(in, 3, groups[g], 0);
		EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
		/* A trailing byte after the point. */
		n = build_tls12_ske(in, 3, groups[g], lens[g]);
		in[n] = 0;
		EXPECT_INPUT(K12, PKCS256, in, n + 1, MOAT_IPC_BAD_INPUT);
		/* Every truncation. */
		for (size_t k = 1; k < n; k++)
			EXPECT_INPUT(K12, PKCS256, in, k, MOAT_IPC_BAD_INPUT);
	}
}

ATF_TC_WITHOUT_HEAD(tls12_bad_params);
ATF_TC_BODY(tls12_bad_params, tc)
{
	size_t n;

	/* curve_type explicit_prime (1), explicit_char2 (2), 0 and 255: only named_curve (3). */
	static const uint8_t curve_types[] = { 0, 1, 2, 4, 255 };
	for (size_t i = 0; i < sizeof(curve_types); i++) {
		n = build_tls12_ske(in, curve_types[i], MOAT_GROUP_SECP256R1, 65);
		EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
	}
	/* Groups we do not know, with lengths that would fit a known one. */
	static const uint16_t unknown[] = { 0x0000, 0x0016, 0x001a, 0x001f, 0x0100, 0x11ec, 0xffff };
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		n = build_tls12_ske(in, 3, unknown[i], 32);
		EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
		n = build_tls12_ske(in, 3, unknown[i], 65);
		EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
	}
	/* A NIST point that is not uncompressed (RFC 8422 §5.4.1). */
	n = build_tls12_ske(in, 3, MOAT_GROUP_SECP384R1, 97);
	in[68] = 0x02;
	EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
	in[68] = 0x00;
	EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
	/* X25519 has no form byte: any first byte is fine. */
	n = build_tls12_ske(in, 3, MOAT_GROUP_X25519, 32);
	in[68] = 0x04;
	EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_OK);
	in[68] = 0x00;
	EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_OK);
	/* Point length prefix that runs past the end. */
	n = build_tls12_ske(in, 3, MOAT_GROUP_X25519, 32);
	in[67] = 33;
	EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
}

/* A NIST point of the right form off its curve: the shape includes the curve equation. */
ATF_TC_WITHOUT_HEAD(tls12_point_on_curve);
ATF_TC_BODY(tls12_point_on_curve, tc)
{
	static const uint16_t groups[] = { MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1, MOAT_GROUP_SECP521R1 };
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		size_t len = group_point_len(groups[g]);
		size_t n = build_tls12_ske(in, 3, groups[g], len);
		EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_OK);
		in[n - 1] ^= 0x01;
		EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
		memset(in + 69, 0, len - 1);
		EXPECT_INPUT(K12, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
	}
}

/* Kind 3, ServerDHParams (RFC 7919 §4): the builder's output passes, through the decoder too. */
ATF_TC_WITHOUT_HEAD(tls12_dhe);
ATF_TC_BODY(tls12_dhe, tc)
{
	static uint8_t big[MOAT_SKE_DH_CONTENT_MAX];
	uint8_t cr[32], sr[32], ys[MOAT_KEX_MAX_SHARE_LEN];
	memset(cr, 1, sizeof(cr));
	memset(sr, 2, sizeof(sr));
	static const uint16_t groups[] = { MOAT_GROUP_FFDHE2048, MOAT_GROUP_FFDHE3072, MOAT_GROUP_FFDHE4096 };
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		struct moat_kex k;
		size_t ys_len = 0;
		struct moat_buf b;
		EXPECT_OK(moat_kex_generate(&k, groups[g], ys, &ys_len));
		moat_kex_free(&k);
		moat_buf_init_fixed(&b, big, sizeof(big));
		EXPECT_OK(moat_ske_dh_content_build(cr, sr, groups[g], ys, ys_len, &b));
		if (b.len > MOAT_IPC_SIGN_INPUT_MAX) {
			/* ffdhe4096 and larger: a valid shape, but over the version 1 input limit. */
			ATF_REQUIRE_EQ(groups[g], MOAT_GROUP_FFDHE4096);
			ATF_REQUIRE_EQ(check(KDH, PKCS256, b.data, b.len), MOAT_IPC_BAD_INPUT);
			continue;
		}
		EXPECT_INPUT(KDH, PKCS256, b.data, b.len, MOAT_IPC_OK);
		EXPECT_INPUT(KDH, MOAT_SIG_LEGACY_RSA_MD5_SHA1, b.data, b.len, MOAT_IPC_OK);
		EXPECT_INPUT(K12, PKCS256, b.data, b.len, MOAT_IPC_BAD_INPUT);
		EXPECT_INPUT(K13, PSS256, b.data, b.len, MOAT_IPC_BAD_INPUT);
		for (size_t cut = 1; cut < b.len; cut += 7)
			EXPECT_INPUT(KDH, PKCS256, b.data, cut, MOAT_IPC_BAD_INPUT);
		b.data[70] ^= 0x80; /* inside p */
		EXPECT_INPUT(KDH, PKCS256, b.data, b.len, MOAT_IPC_BAD_INPUT);
	}
	size_t n = build_tls12_ske(in, 3, MOAT_GROUP_SECP256R1, 65);
	EXPECT_INPUT(KDH, PKCS256, in, n, MOAT_IPC_BAD_INPUT);
}

/* Kind 4: a digest of exactly the scheme's hash length (RFC 5246 §7.4.8), TLS 1.2 and 1.0/1.1 schemes only. */
ATF_TC_WITHOUT_HEAD(tls12_client_cv_digest);
ATF_TC_BODY(tls12_client_cv_digest, tc)
{
	static const struct {
		uint16_t scheme;
		size_t len;
	} ok[] = {
		{ MOAT_SIG_RSA_PKCS1_SHA256, 32 },    { MOAT_SIG_RSA_PKCS1_SHA384, 48 },
		{ MOAT_SIG_RSA_PKCS1_SHA512, 64 },    { MOAT_SIG_RSA_PSS_RSAE_SHA256, 32 },
		{ MOAT_SIG_RSA_PSS_PSS_SHA384, 48 },  { MOAT_SIG_ECDSA_SECP256R1_SHA256, 32 },
		{ MOAT_SIG_ECDSA_SECP521R1_SHA512, 64 }, { MOAT_SIG_LEGACY_RSA_MD5_SHA1, 36 },
		{ MOAT_SIG_LEGACY_ECDSA_SHA1, 20 },
	};
	uint8_t d[65];
	memset(d, 0x7e, sizeof(d));
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ATF_REQUIRE(moat_ipc_scheme_allowed(KCV, ok[i].scheme));
		EXPECT_INPUT(KCV, ok[i].scheme, d, ok[i].len, MOAT_IPC_OK);
		EXPECT_INPUT(KCV, ok[i].scheme, d, ok[i].len - 1, MOAT_IPC_BAD_INPUT);
		EXPECT_INPUT(KCV, ok[i].scheme, d, ok[i].len + 1, MOAT_IPC_BAD_INPUT);
	}
	/* SHA-1 in TLS 1.2 is never signed (a digest of 20 bytes has no scheme there); EdDSA is not a scheme here. */
	EXPECT_INPUT(KCV, MOAT_SIG_RSA_PKCS1_SHA1, d, 20, MOAT_IPC_BAD_INPUT);
	EXPECT_INPUT(KCV, MOAT_SIG_ECDSA_SHA1, d, 20, MOAT_IPC_BAD_INPUT);
	EXPECT_INPUT(KCV, MOAT_SIG_ED25519, d, 32, MOAT_IPC_BAD_SCHEME);
	/* A TLS 1.3 CertificateVerify content is not a digest. */
	size_t n = build_tls13_cv(in, false, 32);
	EXPECT_INPUT(KCV, PSS256, in, n, MOAT_IPC_BAD_INPUT);
}

ATF_TC_WITHOUT_HEAD(scheme_rules);
ATF_TC_BODY(scheme_rules, tc)
{
	static const uint16_t both[] = {
		MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_ECDSA_SECP384R1_SHA384, MOAT_SIG_ECDSA_SECP521R1_SHA512,
		MOAT_SIG_RSA_PSS_RSAE_SHA256,    MOAT_SIG_RSA_PSS_RSAE_SHA384,    MOAT_SIG_RSA_PSS_RSAE_SHA512,
		MOAT_SIG_RSA_PSS_PSS_SHA256,     MOAT_SIG_RSA_PSS_PSS_SHA384,     MOAT_SIG_RSA_PSS_PSS_SHA512,
	};
	static const uint16_t tls12_only[] = { MOAT_SIG_RSA_PKCS1_SHA256, MOAT_SIG_RSA_PKCS1_SHA384,
					       MOAT_SIG_RSA_PKCS1_SHA512, MOAT_SIG_RSA_PKCS1_SHA1, MOAT_SIG_ECDSA_SHA1 };
	static const uint16_t never[] = { 0x0000, 0x0101, 0x0102, 0x0202, 0x0403 + 0x0100 * 0x10, MOAT_SIG_ED25519,
					  MOAT_SIG_ED448, 0x0700, 0x080c, 0x0804 - 1, 0xfefe, 0xffff };
	uint8_t in13[160], in12[160];
	size_t n13 = build_tls13_cv(in13, true, 32);
	size_t n12 = build_tls12_ske(in12, 3, MOAT_GROUP_SECP256R1, 65);

	for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		ATF_REQUIRE(moat_ipc_scheme_allowed(K13, both[i]));
		ATF_REQUIRE(moat_ipc_scheme_allowed(K12, both[i]));
		EXPECT_INPUT(K13, both[i], in13, n13, MOAT_IPC_OK);
		EXPECT_INPUT(K12, both[i], in12, n12, MOAT_IPC_OK);
	}
	/* RFC 8446 §4.4.3: no PKCS#1 v1.5 and no SHA-1 in CertificateVerify. */
	for (size_t i = 0; i < sizeof(tls12_only) / sizeof(tls12_only[0]); i++) {
		ATF_REQUIRE(!moat_ipc_scheme_allowed(K13, tls12_only[i]));
		ATF_REQUIRE(moat_ipc_scheme_allowed(K12, tls12_only[i]));
		EXPECT_INPUT(K13, tls12_only[i], in13, n13, MOAT_IPC_BAD_SCHEME);
		EXPECT_INPUT(K12, tls12_only[i], in12, n12, MOAT_IPC_OK);
	}
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		ATF_REQUIRE(!moat_ipc_scheme_allowed(K13, never[i]));
		ATF_REQUIRE(!moat_ipc_scheme_allowed(K12, never[i]));
		EXPECT_INPUT(K13, never[i], in13, n13, MOAT_IPC_BAD_SCHEME);
		EXPECT_INPUT(K12, never[i], in12, n12, MOAT_IPC_BAD_SCHEME);
	}
	/* The TLS 1.0/1.1 schemes (private code points): ServerKeyExchange kinds only. */
	static const uint16_t legacy[] = { MOAT_SIG_LEGACY_RSA_MD5_SHA1, MOAT_SIG_LEGACY_ECDSA_SHA1 };
	for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
		ATF_REQUIRE(!moat_ipc_scheme_allowed(K13, legacy[i]));
		ATF_REQUIRE(moat_ipc_scheme_allowed(K12, legacy[i]));
		ATF_REQUIRE(moat_ipc_scheme_allowed(KDH, legacy[i]));
		EXPECT_INPUT(K13, legacy[i], in13, n13, MOAT_IPC_BAD_SCHEME);
		EXPECT_INPUT(K12, legacy[i], in12, n12, MOAT_IPC_OK);
	}
	/* Only kinds 1 to 4 exist. */
	for (unsigned kind = 0; kind < 256; kind++) {
		if (kind == K13 || kind == K12 || kind == KDH || kind == KCV)
			continue;
		ATF_REQUIRE(!moat_ipc_scheme_allowed((uint8_t)kind, PSS256));
		EXPECT_INPUT((uint8_t)kind, PSS256, in13, n13, MOAT_IPC_BAD_INPUT);
	}
	/* Order: kind, then scheme, then shape. */
	EXPECT_INPUT(5, 0x0101, in13, 5, MOAT_IPC_BAD_INPUT);
	EXPECT_INPUT(K13, 0x0101, in13, 5, MOAT_IPC_BAD_SCHEME);
	EXPECT_INPUT(K13, PKCS256, in13, 5, MOAT_IPC_BAD_SCHEME);
	EXPECT_INPUT(K13, PSS256, in13, 5, MOAT_IPC_BAD_INPUT);
}

ATF_TC_WITHOUT_HEAD(null_and_empty_input);
ATF_TC_BODY(null_and_empty_input, tc)
{
	ATF_REQUIRE_EQ(check(K13, PSS256, NULL, 0), MOAT_IPC_BAD_INPUT);
	ATF_REQUIRE_EQ(check(K12, PSS256, in, 0), MOAT_IPC_BAD_INPUT);
	/* st may be NULL. */
	EXPECT_ERR(moat_ipc_check_sign_input(K13, PSS256, in, 0, NULL), MOAT_ERR_IPC_BAD_MESSAGE);
	size_t n = build_tls13_cv(in, true, 32);
	EXPECT_OK(moat_ipc_check_sign_input(K13, PSS256, in, n, NULL));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, tls13_valid);
	ATF_TP_ADD_TC(tp, tls13_bad_shapes);
	ATF_TP_ADD_TC(tp, tls12_groups);
	ATF_TP_ADD_TC(tp, tls12_bad_params);
	ATF_TP_ADD_TC(tp, tls12_point_on_curve);
	ATF_TP_ADD_TC(tp, tls12_dhe);
	ATF_TP_ADD_TC(tp, tls12_client_cv_digest);
	ATF_TP_ADD_TC(tp, scheme_rules);
	ATF_TP_ADD_TC(tp, null_and_empty_input);
	return atf_no_error();
}
