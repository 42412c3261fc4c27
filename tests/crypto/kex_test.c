/*
 * Key shares: both sides agree for every group; known answers where
 * published vectors exist (the X25519 exchange of RFC 8448 §3, the X448
 * exchange of RFC 7748 §6.2, NIST CAVS ECC CDH P-521 COUNT = 0); FFDHE
 * checked against an independent modular exponentiation (BN_mod_exp) with
 * fixed private keys, including the left-padding of Y and Z that RFC 8446
 * §4.2.8.1 and §7.4.1 require; and every malformed peer share RFC 8446
 * §4.2.8.1-2, RFC 7748 §6 and RFC 7919 §5.1 make us refuse (wrong length,
 * compressed or hybrid points, off-curve points, out-of-range coordinates,
 * low-order X25519/X448 points, Y outside 1 < Y < p-1), each with
 * illegal_parameter.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "tls/crypto/kex.h"
#include "tests/moat_test.h"
#include "tests/rfc8448_vectors.h"
#include "tests/test_hex.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const uint16_t groups[] = {
	MOAT_GROUP_X25519,    MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1, MOAT_GROUP_X448,
	MOAT_GROUP_SECP521R1, MOAT_GROUP_FFDHE2048, MOAT_GROUP_FFDHE3072, MOAT_GROUP_FFDHE4096,
	MOAT_GROUP_FFDHE6144, MOAT_GROUP_FFDHE8192,
};

static const uint16_t ffdhe_groups[] = {
	MOAT_GROUP_FFDHE2048, MOAT_GROUP_FFDHE3072, MOAT_GROUP_FFDHE4096, MOAT_GROUP_FFDHE6144, MOAT_GROUP_FFDHE8192,
};

ATF_TC_WITHOUT_HEAD(group_table);
ATF_TC_BODY(group_table, tc)
{
	static const struct {
		uint16_t group;
		const char *name;
		size_t share, secret, response;
		bool ffdhe, hybrid;
	} want[] = {
		{ MOAT_GROUP_X25519, "x25519", 32, 32, 32, false, false },
		{ MOAT_GROUP_SECP256R1, "secp256r1", 65, 32, 65, false, false },
		{ MOAT_GROUP_SECP384R1, "secp384r1", 97, 48, 97, false, false },
		{ MOAT_GROUP_X448, "x448", 56, 56, 56, false, false },
		{ MOAT_GROUP_SECP521R1, "secp521r1", 133, 66, 133, false, false },
		{ MOAT_GROUP_FFDHE2048, "ffdhe2048", 256, 256, 256, true, false },
		{ MOAT_GROUP_FFDHE3072, "ffdhe3072", 384, 384, 384, true, false },
		{ MOAT_GROUP_FFDHE4096, "ffdhe4096", 512, 512, 512, true, false },
		{ MOAT_GROUP_FFDHE6144, "ffdhe6144", 768, 768, 768, true, false },
		{ MOAT_GROUP_FFDHE8192, "ffdhe8192", 1024, 1024, 1024, true, false },
		/* draft-ietf-tls-ecdhe-mlkem §3: the IANA names, and a server share shorter than the client's. */
		{ MOAT_GROUP_X25519MLKEM768, "X25519MLKEM768", 1216, 64, 1120, false, true },
		{ MOAT_GROUP_SECP256R1MLKEM768, "SecP256r1MLKEM768", 1249, 64, 1153, false, true },
	};
	size_t max_share = 0, max_secret = 0, max_ec_share = 0, max_ec_secret = 0;
	for (size_t i = 0; i < COUNT(want); i++) {
		uint16_t g = want[i].group;
		ATF_CHECK_MSG(moat_kex_group_supported(g), "0x%04x", g);
		ATF_CHECK_EQ_MSG(moat_kex_share_len(g), want[i].share, "0x%04x", g);
		ATF_CHECK_EQ_MSG(moat_kex_secret_len(g), want[i].secret, "0x%04x", g);
		ATF_CHECK_EQ_MSG(moat_kex_response_len(g), want[i].response, "0x%04x", g);
		/* Hybrids are TLS 1.3 only: neither kind TLS 1.2 may carry. */
		ATF_CHECK_EQ_MSG(moat_kex_group_is_hybrid(g), want[i].hybrid, "0x%04x", g);
		ATF_CHECK_EQ_MSG(moat_kex_group_is_ec(g), !want[i].hybrid && !want[i].ffdhe, "0x%04x", g);
		ATF_CHECK_EQ_MSG(moat_kex_group_is_ffdhe(g), want[i].ffdhe, "0x%04x", g);
		ATF_REQUIRE(moat_kex_group_name(g) != NULL);
		ATF_CHECK_STREQ(moat_kex_group_name(g), want[i].name);
		max_share = want[i].share > max_share ? want[i].share : max_share;
		max_secret = want[i].secret > max_secret ? want[i].secret : max_secret;
		if (!want[i].ffdhe && !want[i].hybrid) {
			max_ec_share = want[i].share > max_ec_share ? want[i].share : max_ec_share;
			max_ec_secret = want[i].secret > max_ec_secret ? want[i].secret : max_ec_secret;
		}
	}
	ATF_CHECK_EQ(max_share, MOAT_KEX_MAX_SHARE_LEN);
	ATF_CHECK_EQ(max_secret, MOAT_KEX_MAX_SECRET_LEN);
	ATF_CHECK_EQ(max_ec_share, MOAT_KEX_MAX_EC_SHARE_LEN);
	ATF_CHECK_EQ(max_ec_secret, MOAT_KEX_MAX_EC_SECRET_LEN);

	/* secp224r1, brainpoolP256r1tls13, the first code point after ffdhe8192, an ffdhe_private_use one. */
	static const uint16_t unsupported[] = { 0, 0x0015, 0x001f, 0x0105, 0x01fc };
	for (size_t i = 0; i < COUNT(unsupported); i++) {
		uint16_t g = unsupported[i];
		ATF_CHECK(!moat_kex_group_supported(g));
		ATF_CHECK_EQ(moat_kex_share_len(g), 0);
		ATF_CHECK_EQ(moat_kex_secret_len(g), 0);
		ATF_CHECK_EQ(moat_kex_response_len(g), 0);
		ATF_CHECK(!moat_kex_group_is_hybrid(g));
		ATF_CHECK(moat_kex_group_name(g) == NULL);
	}
}

ATF_TC_WITHOUT_HEAD(both_sides_agree);
ATF_TC_BODY(both_sides_agree, tc)
{
	for (size_t i = 0; i < COUNT(groups); i++) {
		uint16_t g = groups[i];
		struct moat_kex a, b, c;
		uint8_t sa[MOAT_KEX_MAX_SHARE_LEN], sb[MOAT_KEX_MAX_SHARE_LEN], sc[MOAT_KEX_MAX_SHARE_LEN];
		uint8_t ka[MOAT_KEX_MAX_SECRET_LEN], kb[MOAT_KEX_MAX_SECRET_LEN], kc[MOAT_KEX_MAX_SECRET_LEN];
		size_t la = 0, lb = 0, lc = 0, ska = 0, skb = 0, skc = 0;

		EXPECT_OK(moat_kex_generate(&a, g, sa, &la));
		EXPECT_OK(moat_kex_generate(&b, g, sb, &lb));
		EXPECT_OK(moat_kex_generate(&c, g, sc, &lc));
		ATF_REQUIRE(a.pkey != NULL && a.group == g);
		ATF_REQUIRE_EQ(la, moat_kex_share_len(g));
		ATF_REQUIRE_EQ(lb, la);
		if (g == MOAT_GROUP_SECP256R1 || g == MOAT_GROUP_SECP384R1 || g == MOAT_GROUP_SECP521R1)
			ATF_REQUIRE_EQ(sa[0], 0x04);
		ATF_REQUIRE_MSG(memcmp(sa, sb, la) != 0, "two fresh shares are equal for group %#x", g);

		EXPECT_OK(moat_kex_derive(&a, sb, lb, ka, &ska));
		EXPECT_OK(moat_kex_derive(&b, sa, la, kb, &skb));
		ATF_REQUIRE_EQ(ska, moat_kex_secret_len(g));
		ATF_REQUIRE_EQ(skb, ska);
		ATF_REQUIRE_MSG(memcmp(ka, kb, ska) == 0, "secrets differ for group %#x", g);

		/* A third party shares a different secret with a. */
		EXPECT_OK(moat_kex_derive(&a, sc, lc, kc, &skc));
		ATF_REQUIRE(memcmp(ka, kc, ska) != 0);

		/* Deriving does not consume the key: the same peer gives the same secret again. */
		EXPECT_OK(moat_kex_derive(&a, sb, lb, kc, &skc));
		ATF_REQUIRE(memcmp(ka, kc, ska) == 0);

		moat_kex_free(&a);
		moat_kex_free(&b);
		moat_kex_free(&c);
		moat_kex_free(&a);
		ATF_REQUIRE(a.pkey == NULL);
	}
}

/* NIST shares agree with libcrypto's own ECDH computed independently of moat's code. */
ATF_TC_WITHOUT_HEAD(nist_matches_libcrypto);
ATF_TC_BODY(nist_matches_libcrypto, tc)
{
	struct moat_kex a;
	uint8_t share[MOAT_KEX_MAX_SHARE_LEN], secret[MOAT_KEX_MAX_SECRET_LEN], want[64];
	size_t len = 0, slen = 0, wlen = sizeof(want);

	EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	ATF_REQUIRE(peer != NULL);
	uint8_t peer_pub[97];
	size_t peer_len = 0;
	ATF_REQUIRE(EVP_PKEY_get_octet_string_param(peer, "encoded-pub-key", peer_pub, sizeof(peer_pub), &peer_len) == 1);
	ATF_REQUIRE_EQ(peer_len, 97);

	EXPECT_OK(moat_kex_generate(&a, MOAT_GROUP_SECP384R1, share, &len));
	EXPECT_OK(moat_kex_derive(&a, peer_pub, peer_len, secret, &slen));

	EVP_PKEY *ours = EVP_PKEY_new();
	ATF_REQUIRE(EVP_PKEY_copy_parameters(ours, peer) == 1);
	ATF_REQUIRE(EVP_PKEY_set1_encoded_public_key(ours, share, len) == 1);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(peer, NULL);
	ATF_REQUIRE(EVP_PKEY_derive_init(ctx) == 1);
	ATF_REQUIRE(EVP_PKEY_derive_set_peer(ctx, ours) == 1);
	ATF_REQUIRE(EVP_PKEY_derive(ctx, want, &wlen) == 1);
	ATF_REQUIRE_EQ(wlen, 48);
	ATF_REQUIRE_EQ(slen, 48);
	ATF_REQUIRE(memcmp(secret, want, 48) == 0);

	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(ours);
	EVP_PKEY_free(peer);
	moat_kex_free(&a);
}

static void x25519_from_private(struct moat_kex *k, const uint8_t priv[32], const uint8_t want_pub[32])
{
	uint8_t pub[32];
	size_t len = sizeof(pub);

	memset(k, 0, sizeof(*k));
	k->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	k->group = MOAT_GROUP_X25519;
	ATF_REQUIRE(k->pkey != NULL);
	ATF_REQUIRE(EVP_PKEY_get_raw_public_key(k->pkey, pub, &len) == 1);
	ATF_REQUIRE(len == 32 && memcmp(pub, want_pub, 32) == 0);
}

ATF_TC_WITHOUT_HEAD(x25519_rfc8448_known_answer);
ATF_TC_BODY(x25519_rfc8448_known_answer, tc)
{
	struct moat_kex client, server;
	uint8_t client_priv[32], client_pub[32], server_priv[32], server_pub[32];
	uint8_t secret[MOAT_KEX_MAX_SECRET_LEN];
	size_t len = 0;

	/* RFC 8448 §3 ("Simple 1-RTT Handshake"): the ephemeral keys and the handshake IKM. */
	ATF_REQUIRE_EQ(test_unhex(RFC8448_S3_CLIENT_X25519_PRIV, client_priv, sizeof(client_priv)), 32);
	ATF_REQUIRE_EQ(test_unhex(RFC8448_S3_CLIENT_X25519_PUB, client_pub, sizeof(client_pub)), 32);
	ATF_REQUIRE_EQ(test_unhex(RFC8448_S3_SERVER_X25519_PRIV, server_priv, sizeof(server_priv)), 32);
	ATF_REQUIRE_EQ(test_unhex(RFC8448_S3_SERVER_X25519_PUB, server_pub, sizeof(server_pub)), 32);
	x25519_from_private(&client, client_priv, client_pub);
	x25519_from_private(&server, server_priv, server_pub);

	EXPECT_OK(moat_kex_derive(&client, server_pub, 32, secret, &len));
	ATF_REQUIRE_EQ(len, 32);
	REQUIRE_HEX(secret, 32, RFC8448_S3_ECDHE);

	memset(secret, 0, sizeof(secret));
	EXPECT_OK(moat_kex_derive(&server, client_pub, 32, secret, &len));
	ATF_REQUIRE_EQ(len, 32);
	REQUIRE_HEX(secret, 32, RFC8448_S3_ECDHE);

	moat_kex_free(&client);
	moat_kex_free(&server);
}

ATF_TC_WITHOUT_HEAD(wrong_lengths);
ATF_TC_BODY(wrong_lengths, tc)
{
	uint8_t buf[MOAT_KEX_MAX_SHARE_LEN + 2];
	uint8_t secret[MOAT_KEX_MAX_SECRET_LEN];
	size_t len = 0, slen = 0;

	for (size_t i = 0; i < COUNT(groups); i++) {
		struct moat_kex k, peer;
		uint8_t share[MOAT_KEX_MAX_SHARE_LEN];
		EXPECT_OK(moat_kex_generate(&k, groups[i], share, &len));
		EXPECT_OK(moat_kex_generate(&peer, groups[i], buf, &len));
		buf[len] = 0;
		buf[len + 1] = 0;
		EXPECT_ERR(moat_kex_derive(&k, buf, 0, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
		EXPECT_ERR(moat_kex_derive(&k, buf, 1, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
		EXPECT_ERR(moat_kex_derive(&k, buf, len - 1, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
		EXPECT_ERR(moat_kex_derive(&k, buf, len + 1, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
		EXPECT_ERR(moat_kex_derive(&k, buf, len + 2, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
		/* The right length with the same bytes works, so the failures above were the length. */
		EXPECT_OK(moat_kex_derive(&k, buf, len, secret, &slen));
		moat_kex_free(&k);
		moat_kex_free(&peer);
	}
}

/* Every way of encoding a NIST point that RFC 8446 §4.2.8.2 does not allow. */
static void check_bad_nist_points(uint16_t group)
{
	struct moat_kex k, peer;
	uint8_t share[MOAT_KEX_MAX_SHARE_LEN], good[MOAT_KEX_MAX_SHARE_LEN], bad[MOAT_KEX_MAX_SHARE_LEN];
	uint8_t secret[MOAT_KEX_MAX_SECRET_LEN];
	size_t len = 0, slen = 0;

	EXPECT_OK(moat_kex_generate(&k, group, share, &len));
	EXPECT_OK(moat_kex_generate(&peer, group, good, &len));
	size_t coord = (len - 1) / 2;

	/* Compressed form (0x02/0x03 || X), at its own length and padded to the full length. */
	memcpy(bad, good, len);
	bad[0] = (uint8_t)(0x02 | (good[len - 1] & 1));
	EXPECT_ERR(moat_kex_derive(&k, bad, 1 + coord, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_ERR(moat_kex_derive(&k, bad, len, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
	/* Hybrid form (0x06/0x07), which libcrypto would otherwise decode. */
	bad[0] = (uint8_t)(0x06 | (good[len - 1] & 1));
	EXPECT_ERR(moat_kex_derive(&k, bad, len, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);

	/* The point at infinity: its one-byte encoding, and all zeros at full length. */
	memset(bad, 0, sizeof(bad));
	EXPECT_ERR(moat_kex_derive(&k, bad, 1, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
	EXPECT_ERR(moat_kex_derive(&k, bad, len, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
	/* (0, 0) in uncompressed form is not on either curve (b != 0). */
	bad[0] = 0x04;
	EXPECT_ERR(moat_kex_derive(&k, bad, len, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);

	/* Off the curve: the good point with one bit of Y flipped. */
	memcpy(bad, good, len);
	bad[len - 1] ^= 0x01;
	EXPECT_ERR(moat_kex_derive(&k, bad, len, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
	/* Off the curve: one bit of X flipped. */
	memcpy(bad, good, len);
	bad[1 + coord / 2] ^= 0x80;
	EXPECT_ERR(moat_kex_derive(&k, bad, len, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
	/* Coordinates out of range: X = Y = 2^n - 1 >= p. */
	memset(bad, 0xff, len);
	bad[0] = 0x04;
	EXPECT_ERR(moat_kex_derive(&k, bad, len, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);

	/* The untouched point still works with the same key. */
	EXPECT_OK(moat_kex_derive(&k, good, len, secret, &slen));
	ATF_REQUIRE_EQ(slen, moat_kex_secret_len(group));
	moat_kex_free(&k);
	moat_kex_free(&peer);
}

ATF_TC_WITHOUT_HEAD(p256_bad_points);
ATF_TC_BODY(p256_bad_points, tc)
{
	check_bad_nist_points(MOAT_GROUP_SECP256R1);
}

ATF_TC_WITHOUT_HEAD(p384_bad_points);
ATF_TC_BODY(p384_bad_points, tc)
{
	check_bad_nist_points(MOAT_GROUP_SECP384R1);
}

/*
 * Points whose X25519 product is all zeros (RFC 7748 §6.1, RFC 8446 §7.4.2):
 * u = 0, u = 1, a point of order 8, and u = p (a non-canonical 0).
 */
ATF_TC_WITHOUT_HEAD(x25519_low_order_points);
ATF_TC_BODY(x25519_low_order_points, tc)
{
	static const uint8_t low_order[][32] = {
		{ 0 },
		{ 1 },
		{ 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
		  0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 },
		{ 0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	};
	struct moat_kex k;
	uint8_t share[MOAT_KEX_MAX_SHARE_LEN], secret[MOAT_KEX_MAX_SECRET_LEN];
	size_t len = 0, slen = 0;

	EXPECT_OK(moat_kex_generate(&k, MOAT_GROUP_X25519, share, &len));
	for (size_t i = 0; i < sizeof(low_order) / sizeof(low_order[0]); i++) {
		memset(secret, 0xaa, sizeof(secret));
		EXPECT_ERR(moat_kex_derive(&k, low_order[i], 32, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
		/* Whatever was computed is not left behind. */
		for (size_t j = 0; j < 32; j++)
			ATF_REQUIRE(secret[j] == 0);
	}
	/* Our own share is a fine peer value: the key is still usable. */
	EXPECT_OK(moat_kex_derive(&k, share, len, secret, &slen));
	moat_kex_free(&k);
}

ATF_TC_WITHOUT_HEAD(p521_bad_points);
ATF_TC_BODY(p521_bad_points, tc)
{
	check_bad_nist_points(MOAT_GROUP_SECP521R1);
}

/* RFC 7748 §6.2: Alice's and Bob's X448 keys and their shared secret. */
#define RFC7748_X448_ALICE_PRIV \
	"9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b"
#define RFC7748_X448_ALICE_PUB \
	"9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0"
#define RFC7748_X448_BOB_PRIV \
	"1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d"
#define RFC7748_X448_BOB_PUB \
	"3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609"
#define RFC7748_X448_SHARED \
	"07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d"

static void x448_from_private(struct moat_kex *k, const char *priv_hex, const char *pub_hex)
{
	uint8_t priv[56], pub[56];
	size_t len = sizeof(pub);

	ATF_REQUIRE_EQ(test_unhex(priv_hex, priv, sizeof(priv)), 56);
	memset(k, 0, sizeof(*k));
	k->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X448, NULL, priv, 56);
	k->group = MOAT_GROUP_X448;
	ATF_REQUIRE(k->pkey != NULL);
	ATF_REQUIRE(EVP_PKEY_get_raw_public_key(k->pkey, pub, &len) == 1);
	ATF_REQUIRE_EQ(len, 56);
	REQUIRE_HEX(pub, 56, pub_hex);
}

ATF_TC_WITHOUT_HEAD(x448_rfc7748_known_answer);
ATF_TC_BODY(x448_rfc7748_known_answer, tc)
{
	struct moat_kex alice, bob;
	uint8_t alice_pub[56], bob_pub[56], secret[MOAT_KEX_MAX_SECRET_LEN];
	size_t len = 0;

	x448_from_private(&alice, RFC7748_X448_ALICE_PRIV, RFC7748_X448_ALICE_PUB);
	x448_from_private(&bob, RFC7748_X448_BOB_PRIV, RFC7748_X448_BOB_PUB);
	ATF_REQUIRE_EQ(test_unhex(RFC7748_X448_ALICE_PUB, alice_pub, sizeof(alice_pub)), 56);
	ATF_REQUIRE_EQ(test_unhex(RFC7748_X448_BOB_PUB, bob_pub, sizeof(bob_pub)), 56);

	EXPECT_OK(moat_kex_derive(&alice, bob_pub, 56, secret, &len));
	ATF_REQUIRE_EQ(len, 56);
	REQUIRE_HEX(secret, 56, RFC7748_X448_SHARED);
	memset(secret, 0, sizeof(secret));
	EXPECT_OK(moat_kex_derive(&bob, alice_pub, 56, secret, &len));
	ATF_REQUIRE_EQ(len, 56);
	REQUIRE_HEX(secret, 56, RFC7748_X448_SHARED);
	moat_kex_free(&alice);
	moat_kex_free(&bob);
}

/*
 * X448 inputs whose product is all zeros (RFC 7748 §6.2, RFC 8446 §7.4.2):
 * u = 0, u = 1 (a point of order 4), and u = p (a non-canonical 0), little-endian.
 */
ATF_TC_WITHOUT_HEAD(x448_low_order_points);
ATF_TC_BODY(x448_low_order_points, tc)
{
	static const char *const low_order[] = {
		"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
		"fffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	};
	struct moat_kex k;
	uint8_t share[MOAT_KEX_MAX_SHARE_LEN], secret[MOAT_KEX_MAX_SECRET_LEN], bad[56];
	size_t len = 0, slen = 0;

	EXPECT_OK(moat_kex_generate(&k, MOAT_GROUP_X448, share, &len));
	ATF_REQUIRE_EQ(len, 56);
	for (size_t i = 0; i < COUNT(low_order); i++) {
		ATF_REQUIRE_EQ(test_unhex(low_order[i], bad, sizeof(bad)), 56);
		memset(secret, 0xaa, sizeof(secret));
		EXPECT_ERR(moat_kex_derive(&k, bad, 56, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
		for (size_t j = 0; j < 56; j++)
			ATF_REQUIRE(secret[j] == 0);
	}
	EXPECT_OK(moat_kex_derive(&k, share, len, secret, &slen));
	moat_kex_free(&k);
}

/*
 * NIST CAVS "KAS ECC CDH primitive" test vectors, P-521, COUNT = 0. Z starts
 * with a zero byte: the secret must keep all 66 bytes of the x coordinate.
 */
#define CAVS_P521_D_IUT \
	"017eecc07ab4b329068fba65e56a1f8890aa935e57134ae0ffcce802735151f4eac6564f6ee9974c5e6887a1fefee5743ae2241bfeb95d" \
	"5ce31ddcb6f9edb4d6fc47"
#define CAVS_P521_Q_IUT \
	"04" \
	"00602f9d0cf9e526b29e22381c203c48a886c2b0673033366314f1ffbcba240ba42f4ef38a76174635f91e6b4ed34275eb01c8467d05ca" \
	"80315bf1a7bbd945f550a5" \
	"01b7c85f26f5d4b2d7355cf6b02117659943762b6d1db5ab4f1dbc44ce7b2946eb6c7de342962893fd387d1b73d7a8672d1f236961170b" \
	"7eb3579953ee5cdc88cd2d"
#define CAVS_P521_Q_CAVS \
	"04" \
	"00685a48e86c79f0f0875f7bc18d25eb5fc8c0b07e5da4f4370f3a9490340854334b1e1b87fa395464c60626124a4e70d0f785601d37c0" \
	"9870ebf176666877a2046d" \
	"01ba52c56fc8776d9e8f5db4f0cc27636d0b741bbe05400697942e80b739884a83bde99e0f6716939e632bc8986fa18dccd443a348b6c3" \
	"e522497955a4f3c302f676"
#define CAVS_P521_Z \
	"005fc70477c3e63bc3954bd0df3ea0d1f41ee21746ed95fc5e1fdf90930d5e136672d72cc770742d1711c3c3a4c334a0ad9759436a4d3c" \
	"5bf6e74b9578fac148c831"

ATF_TC_WITHOUT_HEAD(p521_nist_known_answer);
ATF_TC_BODY(p521_nist_known_answer, tc)
{
	uint8_t d[66], q_iut[133], q_cavs[133], secret[MOAT_KEX_MAX_SECRET_LEN];
	size_t len = 0;

	ATF_REQUIRE_EQ(test_unhex(CAVS_P521_D_IUT, d, sizeof(d)), 66);
	ATF_REQUIRE_EQ(test_unhex(CAVS_P521_Q_IUT, q_iut, sizeof(q_iut)), 133);
	ATF_REQUIRE_EQ(test_unhex(CAVS_P521_Q_CAVS, q_cavs, sizeof(q_cavs)), 133);

	BIGNUM *priv = BN_bin2bn(d, sizeof(d), NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	ATF_REQUIRE(priv != NULL && bld != NULL);
	ATF_REQUIRE(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-521", 0) == 1);
	ATF_REQUIRE(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) == 1);
	ATF_REQUIRE(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q_iut, sizeof(q_iut)) == 1);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;
	ATF_REQUIRE(params != NULL && ctx != NULL);
	ATF_REQUIRE(EVP_PKEY_fromdata_init(ctx) == 1);
	ATF_REQUIRE(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) == 1);

	struct moat_kex k = { key, MOAT_GROUP_SECP521R1, NULL };
	EXPECT_OK(moat_kex_derive(&k, q_cavs, sizeof(q_cavs), secret, &len));
	ATF_REQUIRE_EQ(len, 66);
	REQUIRE_HEX(secret, 66, CAVS_P521_Z);
	/* The IUT's own public key is a valid peer too; the vector's is the one with a known answer. */
	EXPECT_OK(moat_kex_derive(&k, q_iut, sizeof(q_iut), secret, &len));

	moat_kex_free(&k);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(priv);
}

/* ---- FFDHE ---- */

struct ffdhe_fixture {
	const char *name;
	size_t plen;
	BIGNUM *p;
	BN_CTX *bn;
};

static void ffdhe_fixture_init(struct ffdhe_fixture *f, uint16_t group)
{
	f->name = moat_kex_group_name(group);
	f->plen = moat_kex_share_len(group);
	f->bn = BN_CTX_new();
	ATF_REQUIRE(f->name != NULL && f->bn != NULL);
	/* p from libcrypto's named group; RFC 7919 §3 fixes its shape: the top and bottom 64 bits are all ones. */
	OSSL_PARAM named[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)f->name, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *params = NULL;
	ATF_REQUIRE(ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1);
	ATF_REQUIRE(EVP_PKEY_fromdata(ctx, &params, EVP_PKEY_KEY_PARAMETERS, named) == 1);
	f->p = NULL;
	ATF_REQUIRE(EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &f->p) == 1);
	EVP_PKEY_free(params);
	EVP_PKEY_CTX_free(ctx);
	ATF_REQUIRE_EQ((size_t)BN_num_bits(f->p), 8 * f->plen);
	uint8_t pb[MOAT_KEX_MAX_SHARE_LEN];
	ATF_REQUIRE(BN_bn2binpad(f->p, pb, (int)f->plen) == (int)f->plen);
	for (size_t i = 0; i < 8; i++)
		ATF_REQUIRE(pb[i] == 0xff && pb[f->plen - 1 - i] == 0xff);
}

static void ffdhe_fixture_free(struct ffdhe_fixture *f)
{
	BN_free(f->p);
	BN_CTX_free(f->bn);
}

/* out = v left-padded to the size of p. */
static void pad(const struct ffdhe_fixture *f, const BIGNUM *v, uint8_t *out)
{
	ATF_REQUIRE(BN_bn2binpad(v, out, (int)f->plen) == (int)f->plen);
}

/* A DH key pair with private exponent x (public 2^x mod p by BN_mod_exp) in the named group. */
static EVP_PKEY *ffdhe_key(const struct ffdhe_fixture *f, const BIGNUM *x, BIGNUM *pub_out)
{
	BIGNUM *g = BN_new();
	ATF_REQUIRE(g != NULL && BN_set_word(g, 2) == 1);
	ATF_REQUIRE(BN_mod_exp(pub_out, g, x, f->p, f->bn) == 1);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	ATF_REQUIRE(bld != NULL);
	ATF_REQUIRE(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, f->name, 0) == 1);
	ATF_REQUIRE(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) == 1);
	ATF_REQUIRE(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub_out) == 1);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *key = NULL;
	ATF_REQUIRE(params != NULL && ctx != NULL);
	ATF_REQUIRE(EVP_PKEY_fromdata_init(ctx) == 1);
	ATF_REQUIRE(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) == 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(g);
	return key;
}

/* A fixed 256-bit private exponent: the bytes seed, seed+1, ... (mod 256). */
static BIGNUM *fixed_exponent(uint8_t seed)
{
	uint8_t b[32];
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(seed + i);
	BIGNUM *x = BN_bin2bn(b, sizeof(b), NULL);
	ATF_REQUIRE(x != NULL);
	return x;
}

/*
 * With fixed private keys a and b, what moat computes from b's padded share
 * is (g^b)^a mod p as BN_mod_exp computes it, left-padded to the size of p,
 * and both directions agree. For ffdhe2048 the exponents are then stepped
 * until both a share and a shared secret with a leading zero byte have been
 * seen: those are the values a TLS 1.2-style encoding would shorten.
 */
ATF_TC_WITHOUT_HEAD(ffdhe_matches_modexp);
ATF_TC_BODY(ffdhe_matches_modexp, tc)
{
	for (size_t gi = 0; gi < COUNT(ffdhe_groups); gi++) {
		struct ffdhe_fixture f;
		ffdhe_fixture_init(&f, ffdhe_groups[gi]);
		BIGNUM *a = fixed_exponent(0x11), *ya = BN_new(), *yb = BN_new(), *z = BN_new();
		ATF_REQUIRE(ya != NULL && yb != NULL && z != NULL);
		EVP_PKEY *ka = ffdhe_key(&f, a, ya);
		struct moat_kex ours = { ka, ffdhe_groups[gi], NULL };
		uint8_t share_a[MOAT_KEX_MAX_SHARE_LEN], share_b[MOAT_KEX_MAX_SHARE_LEN];
		uint8_t want[MOAT_KEX_MAX_SECRET_LEN], got[MOAT_KEX_MAX_SECRET_LEN];
		bool zero_share = false, zero_secret = false;
		pad(&f, ya, share_a);

		/* Up to 4096 exponents for ffdhe2048 (a leading zero byte is a 1 in 256 event); one for the others. */
		unsigned tries = ffdhe_groups[gi] == MOAT_GROUP_FFDHE2048 ? 4096 : 1;
		for (unsigned t = 0; t < tries && !(t > 0 && zero_share && zero_secret); t++) {
			BIGNUM *b = fixed_exponent(0x5a);
			ATF_REQUIRE(BN_add_word(b, t) == 1);
			EVP_PKEY *kb = ffdhe_key(&f, b, yb);
			struct moat_kex theirs = { kb, ffdhe_groups[gi], NULL };
			pad(&f, yb, share_b);
			ATF_REQUIRE(BN_mod_exp(z, yb, a, f.p, f.bn) == 1);
			pad(&f, z, want);

			size_t len = 0;
			EXPECT_OK(moat_kex_derive(&ours, share_b, f.plen, got, &len));
			ATF_REQUIRE_EQ(len, f.plen);
			ATF_REQUIRE_MSG(memcmp(got, want, f.plen) == 0, "%s: Z differs from BN_mod_exp (b + %u)", f.name,
					t);
			memset(got, 0, sizeof(got));
			EXPECT_OK(moat_kex_derive(&theirs, share_a, f.plen, got, &len));
			ATF_REQUIRE_EQ(len, f.plen);
			ATF_REQUIRE_MSG(memcmp(got, want, f.plen) == 0, "%s: the two sides disagree", f.name);
			zero_share |= share_b[0] == 0;
			zero_secret |= want[0] == 0;
			moat_kex_free(&theirs);
			BN_free(b);
		}
		if (tries > 1)
			ATF_REQUIRE_MSG(zero_share && zero_secret, "%s: no leading zero byte seen (share %d, secret %d)",
					f.name, zero_share, zero_secret);
		moat_kex_free(&ours);
		BN_free(a);
		BN_free(ya);
		BN_free(yb);
		BN_free(z);
		ffdhe_fixture_free(&f);
	}
}

/*
 * The shares we generate are g^x mod p for the key's own x, always exactly
 * the size of p: generated until one has a leading zero byte.
 */
ATF_TC_WITHOUT_HEAD(ffdhe_generated_shares_padded);
ATF_TC_BODY(ffdhe_generated_shares_padded, tc)
{
	struct ffdhe_fixture f;
	ffdhe_fixture_init(&f, MOAT_GROUP_FFDHE2048);
	BIGNUM *two = BN_new(), *y = BN_new();
	ATF_REQUIRE(two != NULL && y != NULL && BN_set_word(two, 2) == 1);
	bool seen_zero = false;
	for (unsigned t = 0; t < 4096 && !seen_zero; t++) {
		struct moat_kex k;
		uint8_t share[MOAT_KEX_MAX_SHARE_LEN], want[MOAT_KEX_MAX_SHARE_LEN];
		size_t len = 0;
		EXPECT_OK(moat_kex_generate(&k, MOAT_GROUP_FFDHE2048, share, &len));
		ATF_REQUIRE_EQ(len, 256);
		if (share[0] == 0 || t == 0) {
			BIGNUM *x = NULL;
			ATF_REQUIRE(EVP_PKEY_get_bn_param(k.pkey, OSSL_PKEY_PARAM_PRIV_KEY, &x) == 1);
			ATF_REQUIRE(BN_mod_exp(y, two, x, f.p, f.bn) == 1);
			pad(&f, y, want);
			ATF_REQUIRE(memcmp(share, want, 256) == 0);
			BN_clear_free(x);
		}
		seen_zero = share[0] == 0;
		moat_kex_free(&k);
	}
	ATF_REQUIRE_MSG(seen_zero, "no share with a leading zero byte in 4096");
	BN_free(two);
	BN_free(y);
	ffdhe_fixture_free(&f);
}

/* RFC 7919 §5.1, RFC 8446 §4.2.8.1: 1 < Y < p-1, exactly the size of p; illegal_parameter otherwise. */
ATF_TC_WITHOUT_HEAD(ffdhe_range_checks);
ATF_TC_BODY(ffdhe_range_checks, tc)
{
	for (size_t gi = 0; gi < COUNT(ffdhe_groups); gi++) {
		struct ffdhe_fixture f;
		ffdhe_fixture_init(&f, ffdhe_groups[gi]);
		struct moat_kex k;
		uint8_t share[MOAT_KEX_MAX_SHARE_LEN], y[MOAT_KEX_MAX_SHARE_LEN + 1];
		uint8_t secret[MOAT_KEX_MAX_SECRET_LEN];
		size_t len = 0, slen = 0, n = f.plen;
		BIGNUM *v = BN_new();
		ATF_REQUIRE(v != NULL);
		EXPECT_OK(moat_kex_generate(&k, ffdhe_groups[gi], share, &len));

		/* Out of range: 0, 1, p-1, p, p+1, and 2^(8n) - 1 (all ones, above p). */
		static const int below[] = { 0, 1 };
		for (size_t i = 0; i < COUNT(below); i++) {
			ATF_REQUIRE(BN_set_word(v, (BN_ULONG)below[i]) == 1);
			pad(&f, v, y);
			memset(secret, 0xaa, sizeof(secret));
			EXPECT_ERR(moat_kex_derive(&k, y, n, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
			for (size_t j = 0; j < n; j++)
				ATF_REQUIRE(secret[j] == 0);
		}
		static const int offsets[] = { -1, 0, 1 };
		for (size_t i = 0; i < COUNT(offsets); i++) {
			ATF_REQUIRE(BN_copy(v, f.p) != NULL);
			if (offsets[i] < 0)
				ATF_REQUIRE(BN_sub_word(v, 1) == 1);
			else
				ATF_REQUIRE(BN_add_word(v, (BN_ULONG)offsets[i]) == 1);
			pad(&f, v, y);
			EXPECT_ERR(moat_kex_derive(&k, y, n, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
		}
		memset(y, 0xff, n);
		EXPECT_ERR(moat_kex_derive(&k, y, n, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);

		/* In range at both ends: 2 and p-2 are accepted. */
		ATF_REQUIRE(BN_set_word(v, 2) == 1);
		pad(&f, v, y);
		EXPECT_OK(moat_kex_derive(&k, y, n, secret, &slen));
		ATF_REQUIRE_EQ(slen, n);
		ATF_REQUIRE(BN_copy(v, f.p) != NULL && BN_sub_word(v, 2) == 1);
		pad(&f, v, y);
		EXPECT_OK(moat_kex_derive(&k, y, n, secret, &slen));

		/*
		 * Wrong lengths around a good share: not padded (the leading zero byte
		 * dropped from 2), one zero byte too many, one byte short, empty.
		 */
		ATF_REQUIRE(BN_set_word(v, 2) == 1);
		pad(&f, v, y);
		EXPECT_ERR(moat_kex_derive(&k, y + 1, n - 1, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
		EXPECT_ERR(moat_kex_derive(&k, y + n - 1, 1, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
		y[n] = 0x02;
		y[n - 1] = 0x00;
		EXPECT_ERR(moat_kex_derive(&k, y, n + 1, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
		EXPECT_ERR(moat_kex_derive(&k, share, 0, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
		EXPECT_ERR(moat_kex_derive(&k, share, len - 1, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);

		/* Our own share is a fine peer value: the key is still usable. */
		EXPECT_OK(moat_kex_derive(&k, share, len, secret, &slen));
		moat_kex_free(&k);
		BN_free(v);
		ffdhe_fixture_free(&f);
	}
}

ATF_TC_WITHOUT_HEAD(unsupported_and_misuse);
ATF_TC_BODY(unsupported_and_misuse, tc)
{
	struct moat_kex k;
	uint8_t share[MOAT_KEX_MAX_SHARE_LEN], secret[MOAT_KEX_MAX_SECRET_LEN];
	size_t len = 0, slen = 0;

	memset(&k, 0, sizeof(k));
	EXPECT_ERR(moat_kex_generate(&k, 0x0015, share, &len), MOAT_ERR_NOT_SUPPORTED);
	EXPECT_ERR(moat_kex_generate(&k, 0x0105, share, &len), MOAT_ERR_NOT_SUPPORTED);
	EXPECT_ERR(moat_kex_generate(&k, 0, share, &len), MOAT_ERR_NOT_SUPPORTED);
	ATF_REQUIRE(k.pkey == NULL);
	EXPECT_ERR(moat_kex_generate(NULL, MOAT_GROUP_X25519, share, &len), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_kex_generate(&k, MOAT_GROUP_X25519, NULL, &len), MOAT_ERR_NULL_ARG);

	/* No key yet. */
	EXPECT_ERR(moat_kex_derive(&k, share, 32, secret, &slen), MOAT_ERR_INVALID_STATE);
	moat_kex_free(&k);
	moat_kex_free(&k);
	moat_kex_free(NULL);

	EXPECT_OK(moat_kex_generate(&k, MOAT_GROUP_X25519, share, &len));
	EXPECT_ERR(moat_kex_derive(&k, NULL, 32, secret, &slen), MOAT_ERR_NULL_ARG);
	/* A P-256 share handed to an X25519 key is the wrong length. */
	struct moat_kex p;
	uint8_t pshare[MOAT_KEX_MAX_SHARE_LEN];
	EXPECT_OK(moat_kex_generate(&p, MOAT_GROUP_SECP256R1, pshare, &len));
	EXPECT_ERR(moat_kex_derive(&k, pshare, len, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_kex_free(&p);
	/* An ffdhe2048 share handed to an ffdhe3072 key: also the wrong length. */
	moat_kex_free(&k);
	EXPECT_OK(moat_kex_generate(&k, MOAT_GROUP_FFDHE3072, share, &len));
	EXPECT_OK(moat_kex_generate(&p, MOAT_GROUP_FFDHE2048, pshare, &len));
	EXPECT_ERR(moat_kex_derive(&k, pshare, len, secret, &slen), MOAT_ERR_ILLEGAL_PARAMETER);
	moat_kex_free(&p);
	moat_kex_free(&k);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, group_table);
	ATF_TP_ADD_TC(tp, both_sides_agree);
	ATF_TP_ADD_TC(tp, nist_matches_libcrypto);
	ATF_TP_ADD_TC(tp, x25519_rfc8448_known_answer);
	ATF_TP_ADD_TC(tp, wrong_lengths);
	ATF_TP_ADD_TC(tp, p256_bad_points);
	ATF_TP_ADD_TC(tp, p384_bad_points);
	ATF_TP_ADD_TC(tp, p521_bad_points);
	ATF_TP_ADD_TC(tp, x25519_low_order_points);
	ATF_TP_ADD_TC(tp, x448_rfc7748_known_answer);
	ATF_TP_ADD_TC(tp, x448_low_order_points);
	ATF_TP_ADD_TC(tp, p521_nist_known_answer);
	ATF_TP_ADD_TC(tp, ffdhe_matches_modexp);
	ATF_TP_ADD_TC(tp, ffdhe_generated_shares_padded);
	ATF_TP_ADD_TC(tp, ffdhe_range_checks);
	ATF_TP_ADD_TC(tp, unsupported_and_misuse);
	return atf_no_error();
}
