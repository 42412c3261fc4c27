/*
 * ECDHE key shares: both sides agree for every group, the X25519 exchange of
 * RFC 8448 §3 as a known answer, and every malformed peer share RFC 8446
 * §4.2.8.2 and RFC 7748 §6.1 make us refuse (wrong length, compressed or
 * hybrid points, off-curve points, out-of-range coordinates, low-order
 * X25519 points), each with illegal_parameter.
 */
#include <string.h>

#include <openssl/evp.h>

#include "tls/crypto_kex.h"
#include "tests/moat_test.h"
#include "tests/rfc8448_vectors.h"
#include "tests/test_hex.h"

static const uint16_t groups[] = { MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1 };

ATF_TC_WITHOUT_HEAD(group_table);
ATF_TC_BODY(group_table, tc)
{
	ATF_REQUIRE(moat_kex_group_supported(MOAT_GROUP_X25519));
	ATF_REQUIRE(moat_kex_group_supported(MOAT_GROUP_SECP256R1));
	ATF_REQUIRE(moat_kex_group_supported(MOAT_GROUP_SECP384R1));
	ATF_REQUIRE(!moat_kex_group_supported(MOAT_GROUP_SECP521R1));
	ATF_REQUIRE(!moat_kex_group_supported(MOAT_GROUP_X448));
	ATF_REQUIRE(!moat_kex_group_supported(0));
	ATF_REQUIRE(!moat_kex_group_supported(0x0100)); /* ffdhe2048 */
	ATF_REQUIRE_EQ(moat_kex_share_len(MOAT_GROUP_X25519), 32);
	ATF_REQUIRE_EQ(moat_kex_share_len(MOAT_GROUP_SECP256R1), 65);
	ATF_REQUIRE_EQ(moat_kex_share_len(MOAT_GROUP_SECP384R1), 97);
	ATF_REQUIRE_EQ(moat_kex_share_len(MOAT_GROUP_SECP521R1), 0);
	ATF_REQUIRE_EQ(moat_kex_secret_len(MOAT_GROUP_X25519), 32);
	ATF_REQUIRE_EQ(moat_kex_secret_len(MOAT_GROUP_SECP256R1), 32);
	ATF_REQUIRE_EQ(moat_kex_secret_len(MOAT_GROUP_SECP384R1), 48);
	ATF_REQUIRE_EQ(moat_kex_secret_len(MOAT_GROUP_X448), 0);
	ATF_REQUIRE(moat_kex_share_len(MOAT_GROUP_SECP384R1) == MOAT_KEX_MAX_SHARE_LEN);
	ATF_REQUIRE(moat_kex_secret_len(MOAT_GROUP_SECP384R1) == MOAT_KEX_MAX_SECRET_LEN);
}

ATF_TC_WITHOUT_HEAD(both_sides_agree);
ATF_TC_BODY(both_sides_agree, tc)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
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
		if (g != MOAT_GROUP_X25519)
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

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
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

ATF_TC_WITHOUT_HEAD(unsupported_and_misuse);
ATF_TC_BODY(unsupported_and_misuse, tc)
{
	struct moat_kex k;
	uint8_t share[MOAT_KEX_MAX_SHARE_LEN], secret[MOAT_KEX_MAX_SECRET_LEN];
	size_t len = 0, slen = 0;

	memset(&k, 0, sizeof(k));
	EXPECT_ERR(moat_kex_generate(&k, MOAT_GROUP_SECP521R1, share, &len), MOAT_ERR_NOT_SUPPORTED);
	EXPECT_ERR(moat_kex_generate(&k, MOAT_GROUP_X448, share, &len), MOAT_ERR_NOT_SUPPORTED);
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
	ATF_TP_ADD_TC(tp, x25519_low_order_points);
	ATF_TP_ADD_TC(tp, unsupported_and_misuse);
	return atf_no_error();
}
