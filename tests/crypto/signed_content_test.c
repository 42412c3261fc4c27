/*
 * The crypto layer on its own: the signed-content shapes (built and checked
 * by the same module), the public-value checks the TLS 1.2 ServerKeyExchange
 * shape relies on, and the one SignatureScheme table. Linked against
 * tls/crypto/libmoat_crypto.a and common/ only, so the program also proves
 * the layer needs nothing of the protocol.
 *
 * The CertificateVerify content has its cases in tests/messages/msg_test.c
 * (cv_content), where they were written before the module moved.
 */
#include <string.h>

#include "tls/crypto/iana.h"
#include "tls/crypto/kex.h"
#include "tls/crypto/signed_content.h"
#include "tests/moat_test.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const uint16_t ec_groups[] = {
	MOAT_GROUP_X25519, MOAT_GROUP_X448, MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1, MOAT_GROUP_SECP521R1,
};

static void randoms(uint8_t cr[MOAT_RANDOM_LEN], uint8_t sr[MOAT_RANDOM_LEN])
{
	for (size_t i = 0; i < MOAT_RANDOM_LEN; i++) {
		cr[i] = (uint8_t)i;
		sr[i] = (uint8_t)(0x80 + i);
	}
}

/* A fresh share of the group into share (MOAT_KEX_MAX_SHARE_LEN bytes); returns its length. */
static size_t fresh_share(uint16_t group, uint8_t *share)
{
	struct moat_kex k;
	size_t len = 0;
	EXPECT_OK(moat_kex_generate(&k, group, share, &len));
	moat_kex_free(&k);
	return len;
}

/* Build the params for group with a fresh share into out; returns the share length. */
static size_t build_ske(uint16_t group, struct moat_buf *out, uint8_t *share)
{
	uint8_t cr[MOAT_RANDOM_LEN], sr[MOAT_RANDOM_LEN];
	randoms(cr, sr);
	size_t len = fresh_share(group, share);
	EXPECT_OK(moat_ske_ecdh_content_build(cr, sr, group, share, len, out));
	return len;
}

ATF_TC_WITHOUT_HEAD(ske_round_trip);
ATF_TC_BODY(ske_round_trip, tc)
{
	for (size_t g = 0; g < COUNT(ec_groups); g++) {
		uint8_t mem[MOAT_SKE_ECDH_CONTENT_MAX], share[MOAT_KEX_MAX_SHARE_LEN];
		struct moat_buf b;
		moat_buf_init_fixed(&b, mem, sizeof(mem));
		size_t len = build_ske(ec_groups[g], &b, share);
		/* RFC 5246 §7.4.3, RFC 8422 §5.4: randoms, named_curve(3), the group, the point with a one-byte length. */
		ATF_REQUIRE_EQ(b.len, 2 * MOAT_RANDOM_LEN + 1 + 2 + 1 + len);
		ATF_REQUIRE_EQ(b.data[64], 3);
		ATF_REQUIRE_EQ(b.data[65] << 8 | b.data[66], ec_groups[g]);
		ATF_REQUIRE_EQ(b.data[67], len);

		uint16_t group = 0;
		struct moat_cursor point;
		EXPECT_OK(moat_ske_ecdh_content_check(b.data, b.len, &group, &point));
		ATF_REQUIRE_EQ(group, ec_groups[g]);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&point), len);
		ATF_REQUIRE(memcmp(moat_cursor_data(&point), share, len) == 0);
		EXPECT_OK(moat_kex_public_check(group, moat_cursor_data(&point), len));
		EXPECT_OK(moat_ske_ecdh_content_check(b.data, b.len, NULL, NULL));
	}
}

ATF_TC_WITHOUT_HEAD(ske_wrong_shapes);
ATF_TC_BODY(ske_wrong_shapes, tc)
{
	uint8_t mem[MOAT_SKE_ECDH_CONTENT_MAX + 1], share[MOAT_KEX_MAX_SHARE_LEN];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	size_t len = build_ske(MOAT_GROUP_SECP256R1, &b, share);
	uint8_t good[MOAT_SKE_ECDH_CONTENT_MAX];
	size_t n = b.len;
	memcpy(good, b.data, n);

	/* Every truncation, and a byte after the end. */
	for (size_t cut = 0; cut < n; cut++)
		EXPECT_ERR(moat_ske_ecdh_content_check(good, cut, NULL, NULL), MOAT_ERR_INVALID_ARG);
	EXPECT_OK(moat_buf_put_u8(&b, 0));
	EXPECT_ERR(moat_ske_ecdh_content_check(b.data, b.len, NULL, NULL), MOAT_ERR_INVALID_ARG);

	uint8_t bad[MOAT_SKE_ECDH_CONTENT_MAX];
	/* explicit_prime(1) / explicit_char2(2) curves: never signed. */
	memcpy(bad, good, n);
	bad[64] = 1;
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	/* Another curve's name with this point: the length no longer fits. */
	memcpy(bad, good, n);
	bad[66] = MOAT_GROUP_SECP384R1 & 0xff;
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	/* A finite field group has ServerDHParams, not this shape; an unknown group. */
	memcpy(bad, good, n);
	bad[65] = MOAT_GROUP_FFDHE2048 >> 8;
	bad[66] = MOAT_GROUP_FFDHE2048 & 0xff;
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	memcpy(bad, good, n);
	bad[66] = 0x42;
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	/* A compressed point (RFC 8422 §5.4.1 allows only uncompressed). */
	memcpy(bad, good, n);
	bad[68] = 0x02;
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	/* A point length byte that runs past the end, or stops short. */
	memcpy(bad, good, n);
	bad[67] = (uint8_t)(len + 1);
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);
	bad[67] = (uint8_t)(len - 1);
	EXPECT_ERR(moat_ske_ecdh_content_check(bad, n, NULL, NULL), MOAT_ERR_INVALID_ARG);

	/* The builder refuses what the check would refuse. */
	uint8_t cr[MOAT_RANDOM_LEN], sr[MOAT_RANDOM_LEN], ff[MOAT_KEX_MAX_SHARE_LEN];
	randoms(cr, sr);
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	EXPECT_ERR(moat_ske_ecdh_content_build(cr, sr, MOAT_GROUP_SECP256R1, share, len - 1, &b), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ske_ecdh_content_build(cr, sr, MOAT_GROUP_SECP384R1, share, len, &b), MOAT_ERR_INVALID_ARG);
	size_t ff_len = fresh_share(MOAT_GROUP_FFDHE2048, ff);
	EXPECT_ERR(moat_ske_ecdh_content_build(cr, sr, MOAT_GROUP_FFDHE2048, ff, ff_len, &b), MOAT_ERR_INVALID_ARG);
	share[0] = 0x03;
	EXPECT_ERR(moat_ske_ecdh_content_build(cr, sr, MOAT_GROUP_SECP256R1, share, len, &b), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(b.len, 0);
	EXPECT_ERR(moat_ske_ecdh_content_check(NULL, 0, NULL, NULL), MOAT_ERR_NULL_ARG);
}

ATF_TC_WITHOUT_HEAD(public_check);
ATF_TC_BODY(public_check, tc)
{
	static const uint16_t all[] = {
		MOAT_GROUP_X25519,    MOAT_GROUP_X448,      MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1,
		MOAT_GROUP_SECP521R1, MOAT_GROUP_FFDHE2048, MOAT_GROUP_FFDHE3072,
	};
	uint8_t share[MOAT_KEX_MAX_SHARE_LEN];
	for (size_t g = 0; g < COUNT(all); g++) {
		size_t len = fresh_share(all[g], share);
		EXPECT_OK(moat_kex_public_check(all[g], share, len));
		ATF_REQUIRE(moat_kex_share_shape_ok(all[g], share, len));
		EXPECT_ERR(moat_kex_public_check(all[g], share, len - 1), MOAT_ERR_ILLEGAL_PARAMETER);
		ATF_REQUIRE(!moat_kex_share_shape_ok(all[g], share, len - 1));
	}
	/* NIST: a point off the curve (y changed), and one that is not uncompressed. */
	size_t len = fresh_share(MOAT_GROUP_SECP256R1, share);
	share[len - 1] ^= 1;
	EXPECT_ERR(moat_kex_public_check(MOAT_GROUP_SECP256R1, share, len), MOAT_ERR_ILLEGAL_PARAMETER);
	share[0] = 0x02;
	EXPECT_ERR(moat_kex_public_check(MOAT_GROUP_SECP256R1, share, len), MOAT_ERR_ILLEGAL_PARAMETER);
	/* FFDHE: Y = 1 (RFC 7919 §5.1). */
	memset(share, 0, 256);
	share[255] = 1;
	EXPECT_ERR(moat_kex_public_check(MOAT_GROUP_FFDHE2048, share, 256), MOAT_ERR_ILLEGAL_PARAMETER);
	/* X25519: any 32 bytes are a public value (RFC 7748 §5). */
	memset(share, 0, 32);
	EXPECT_OK(moat_kex_public_check(MOAT_GROUP_X25519, share, 32));
	EXPECT_ERR(moat_kex_public_check(0x4242, share, 32), MOAT_ERR_NOT_SUPPORTED);
	ATF_REQUIRE(!moat_kex_group_is_ec(MOAT_GROUP_FFDHE2048));
	ATF_REQUIRE(!moat_kex_group_is_ec(0x4242));
}

ATF_TC_WITHOUT_HEAD(scheme_table);
ATF_TC_BODY(scheme_table, tc)
{
	/* Every SignatureScheme code point of iana.h, once; the TLS 1.2-only ones by RFC 8446 §4.4.3. */
	static const struct {
		uint16_t scheme;
		const char *name;
		bool tls13;
	} want[] = {
		{ MOAT_SIG_RSA_PKCS1_SHA1, "rsa_pkcs1_sha1", false },
		{ MOAT_SIG_ECDSA_SHA1, "ecdsa_sha1", false },
		{ MOAT_SIG_RSA_PKCS1_SHA256, "rsa_pkcs1_sha256", false },
		{ MOAT_SIG_RSA_PKCS1_SHA384, "rsa_pkcs1_sha384", false },
		{ MOAT_SIG_RSA_PKCS1_SHA512, "rsa_pkcs1_sha512", false },
		{ MOAT_SIG_ECDSA_SECP256R1_SHA256, "ecdsa_secp256r1_sha256", true },
		{ MOAT_SIG_ECDSA_SECP384R1_SHA384, "ecdsa_secp384r1_sha384", true },
		{ MOAT_SIG_ECDSA_SECP521R1_SHA512, "ecdsa_secp521r1_sha512", true },
		{ MOAT_SIG_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256", true },
		{ MOAT_SIG_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384", true },
		{ MOAT_SIG_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512", true },
		{ MOAT_SIG_ED25519, "ed25519", true },
		{ MOAT_SIG_ED448, "ed448", true },
		{ MOAT_SIG_RSA_PSS_PSS_SHA256, "rsa_pss_pss_sha256", true },
		{ MOAT_SIG_RSA_PSS_PSS_SHA384, "rsa_pss_pss_sha384", true },
		{ MOAT_SIG_RSA_PSS_PSS_SHA512, "rsa_pss_pss_sha512", true },
	};
	size_t rows = 0;
	while (moat_sig_scheme_at(rows) != NULL)
		rows++;
	ATF_REQUIRE_EQ(rows, COUNT(want));
	for (size_t i = 0; i < COUNT(want); i++) {
		const struct moat_sig_scheme_info *s = moat_sig_scheme_find(want[i].scheme);
		ATF_REQUIRE_MSG(s != NULL, "no row for 0x%04x", want[i].scheme);
		ATF_REQUIRE_STREQ(s->name, want[i].name);
		ATF_REQUIRE_STREQ(moat_sig_scheme_name(want[i].scheme), want[i].name);
		ATF_REQUIRE_EQ(s->tls13, want[i].tls13);
		ATF_REQUIRE_EQ(s->eddsa, want[i].scheme == MOAT_SIG_ED25519 || want[i].scheme == MOAT_SIG_ED448);
	}
	ATF_REQUIRE(moat_sig_scheme_find(0x0000) == NULL);
	ATF_REQUIRE(moat_sig_scheme_name(0xfe00) == NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ske_round_trip);
	ATF_TP_ADD_TC(tp, ske_wrong_shapes);
	ATF_TP_ADD_TC(tp, public_check);
	ATF_TP_ADD_TC(tp, scheme_table);
	return atf_no_error();
}
