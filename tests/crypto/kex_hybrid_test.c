/*
 * The ML-KEM-768 hybrids (draft-ietf-tls-ecdhe-mlkem): a client's share
 * answered by moat_kex_respond and decapsulated by moat_kex_derive gives
 * both sides the same 64-byte secret; the layout of each share and of the
 * secret is checked piece by piece against the classical exchange and
 * ML-KEM decapsulation done separately (X25519MLKEM768 puts ML-KEM first,
 * SecP256r1MLKEM768 the curve first, §3); every malformed peer share §4
 * makes us refuse is illegal_parameter: wrong lengths, an encapsulation key
 * failing the FIPS 203 §7.2 modulus check, a low-order X25519 part, a P-256
 * part off the curve; moat_kex_respond answers the DH groups too.
 */
#include <string.h>

#include "tls/crypto/kex.h"
#include "tls/crypto/mlkem.h"
#include "tests/moat_test.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct layout {
	uint16_t group;
	uint16_t classical;
	size_t classical_len; /* the curve's share */
	bool kem_first;
} layouts[] = {
	{ MOAT_GROUP_X25519MLKEM768, MOAT_GROUP_X25519, 32, true },
	{ MOAT_GROUP_SECP256R1MLKEM768, MOAT_GROUP_SECP256R1, 65, false },
};

struct exchange {
	struct moat_kex client;
	uint8_t client_share[MOAT_KEX_MAX_SHARE_LEN];
	size_t client_len;
	uint8_t server_share[MOAT_KEX_MAX_SHARE_LEN];
	size_t server_len;
	uint8_t server_secret[MOAT_KEX_MAX_SECRET_LEN];
	size_t server_secret_len;
};

static void client_hello(struct exchange *x, uint16_t group)
{
	memset(x, 0, sizeof(*x));
	EXPECT_OK(moat_kex_generate(&x->client, group, x->client_share, &x->client_len));
	ATF_REQUIRE_EQ(x->client_len, moat_kex_share_len(group));
	ATF_REQUIRE(x->client.kem_dk != NULL && x->client.pkey != NULL);
}

static void server_hello(struct exchange *x, uint16_t group)
{
	EXPECT_OK(moat_kex_respond(group, x->client_share, x->client_len, x->server_share, &x->server_len,
				   x->server_secret, &x->server_secret_len));
	ATF_REQUIRE_EQ(x->server_len, moat_kex_response_len(group));
	ATF_REQUIRE_EQ(x->server_secret_len, 64);
}

ATF_TC_WITHOUT_HEAD(both_sides_agree_in_the_drafts_order);
ATF_TC_BODY(both_sides_agree_in_the_drafts_order, tc)
{
	for (size_t i = 0; i < COUNT(layouts); i++) {
		const struct layout *l = &layouts[i];
		struct exchange x;
		uint8_t secret[MOAT_KEX_MAX_SECRET_LEN], part[MOAT_KEX_MAX_SECRET_LEN];
		size_t len = 0, n = 0;
		client_hello(&x, l->group);
		server_hello(&x, l->group);
		EXPECT_OK(moat_kex_derive(&x.client, x.server_share, x.server_len, secret, &len));
		ATF_REQUIRE_EQ(len, 64);
		ATF_REQUIRE_MSG(memcmp(secret, x.server_secret, 64) == 0, "secrets differ for 0x%04x", l->group);

		/* §3: where the curve's part and the ciphertext sit in the server's share, and each secret in the result. */
		const uint8_t *curve = x.server_share + (l->kem_first ? MOAT_MLKEM768_CT_LEN : 0);
		const uint8_t *ct = x.server_share + (l->kem_first ? 0 : l->classical_len);
		struct moat_kex classical = { x.client.pkey, l->classical, NULL };
		EXPECT_OK(moat_kex_derive(&classical, curve, l->classical_len, part, &n));
		ATF_REQUIRE_EQ(n, 32);
		ATF_REQUIRE(memcmp(secret + (l->kem_first ? 32 : 0), part, 32) == 0);
		EXPECT_OK(moat_mlkem768_decaps(part, ct, MOAT_MLKEM768_CT_LEN, x.client.kem_dk));
		ATF_REQUIRE(memcmp(secret + (l->kem_first ? 0 : 32), part, 32) == 0);
		/* And in the client's: the encapsulation key is the one inside dk (FIPS 203: dk_PKE || ek || H(ek) || z). */
		const uint8_t *ek = x.client_share + (l->kem_first ? 0 : l->classical_len);
		ATF_REQUIRE(memcmp(ek, x.client.kem_dk + 1152, MOAT_MLKEM768_EK_LEN) == 0);
		if (l->classical == MOAT_GROUP_SECP256R1)
			ATF_REQUIRE_EQ(x.client_share[0], 0x04);

		/* Two answers to one share are independent. */
		uint8_t again[MOAT_KEX_MAX_SECRET_LEN];
		memcpy(again, x.server_secret, 64);
		server_hello(&x, l->group);
		ATF_REQUIRE(memcmp(again, x.server_secret, 64) != 0);

		moat_kex_free(&x.client);
		ATF_REQUIRE(x.client.kem_dk == NULL && x.client.pkey == NULL);
		moat_kex_free(&x.client);
	}
}

static void expect_refused(uint16_t group, const uint8_t *share, size_t len)
{
	uint8_t out[MOAT_KEX_MAX_SHARE_LEN], secret[MOAT_KEX_MAX_SECRET_LEN];
	size_t out_len = 0, secret_len = 0;
	memset(secret, 0xaa, sizeof(secret));
	EXPECT_ERR(moat_kex_respond(group, share, len, out, &out_len, secret, &secret_len), MOAT_ERR_ILLEGAL_PARAMETER);
	static const uint8_t zero[MOAT_KEX_MAX_SECRET_LEN];
	ATF_REQUIRE_MSG(memcmp(secret, zero, moat_kex_secret_len(group)) == 0, "secret not wiped after a refused share");
}

/* The server's checks of the client's share (§4): each case a good share with one change. */
ATF_TC_WITHOUT_HEAD(server_refuses_bad_client_shares);
ATF_TC_BODY(server_refuses_bad_client_shares, tc)
{
	for (size_t i = 0; i < COUNT(layouts); i++) {
		const struct layout *l = &layouts[i];
		struct exchange x;
		uint8_t bad[MOAT_KEX_MAX_SHARE_LEN + 1];
		client_hello(&x, l->group);
		size_t len = x.client_len, ek_off = l->kem_first ? 0 : l->classical_len;
		size_t curve_off = l->kem_first ? MOAT_MLKEM768_EK_LEN : 0;

		/* One byte short, one too many (1215 / 1217 for X25519MLKEM768), nothing, only the curve. */
		memcpy(bad, x.client_share, len);
		bad[len] = 0;
		expect_refused(l->group, bad, len - 1);
		expect_refused(l->group, bad, len + 1);
		expect_refused(l->group, bad, 0);
		expect_refused(l->group, bad + curve_off, l->classical_len);

		/* FIPS 203 §7.2 modulus check: the first 12-bit coefficient 0xfff is not below q = 3329. */
		memcpy(bad, x.client_share, len);
		bad[ek_off] = 0xff;
		bad[ek_off + 1] |= 0x0f;
		expect_refused(l->group, bad, len);
		/* The last coefficient of the encoded vector (the final 1.5 bytes before rho) likewise. */
		memcpy(bad, x.client_share, len);
		bad[ek_off + 1150] |= 0xf0;
		bad[ek_off + 1151] = 0xff;
		expect_refused(l->group, bad, len);

		memcpy(bad, x.client_share, len);
		if (l->classical == MOAT_GROUP_X25519) {
			/* RFC 7748 §6.1, RFC 8446 §7.4.2: u = 0 is of low order, the shared secret all zero. */
			memset(bad + curve_off, 0, 32);
		} else {
			/* RFC 8446 §4.2.8.2: off the curve (y changed), then not the uncompressed form. */
			bad[curve_off + 64] ^= 1;
			expect_refused(l->group, bad, len);
			memcpy(bad, x.client_share, len);
			bad[curve_off] = 0x02;
		}
		expect_refused(l->group, bad, len);

		/* The good share still answers. */
		server_hello(&x, l->group);
		moat_kex_free(&x.client);
	}
}

/* The client's checks of the server's answer (§4): length, the curve's part; a bad ciphertext is implicit rejection. */
ATF_TC_WITHOUT_HEAD(client_refuses_bad_server_shares);
ATF_TC_BODY(client_refuses_bad_server_shares, tc)
{
	for (size_t i = 0; i < COUNT(layouts); i++) {
		const struct layout *l = &layouts[i];
		struct exchange x;
		uint8_t bad[MOAT_KEX_MAX_SHARE_LEN + 1], secret[MOAT_KEX_MAX_SECRET_LEN];
		size_t len = 0;
		client_hello(&x, l->group);
		server_hello(&x, l->group);
		size_t n = x.server_len, curve_off = l->kem_first ? MOAT_MLKEM768_CT_LEN : 0;
		size_t ct_off = l->kem_first ? 0 : l->classical_len;

		memcpy(bad, x.server_share, n);
		bad[n] = 0;
		EXPECT_ERR(moat_kex_derive(&x.client, bad, n - 1, secret, &len), MOAT_ERR_ILLEGAL_PARAMETER);
		EXPECT_ERR(moat_kex_derive(&x.client, bad, n + 1, secret, &len), MOAT_ERR_ILLEGAL_PARAMETER);
		/* A client share sent back is not an answer. */
		EXPECT_ERR(moat_kex_derive(&x.client, x.client_share, x.client_len, secret, &len),
			   MOAT_ERR_ILLEGAL_PARAMETER);

		memcpy(bad, x.server_share, n);
		if (l->classical == MOAT_GROUP_X25519)
			memset(bad + curve_off, 0, 32);
		else
			bad[curve_off + 64] ^= 1;
		EXPECT_ERR(moat_kex_derive(&x.client, bad, n, secret, &len), MOAT_ERR_ILLEGAL_PARAMETER);

		/* FIPS 203 Alg. 18: a changed ciphertext is no error, but its secret is not the server's. */
		memcpy(bad, x.server_share, n);
		bad[ct_off + 100] ^= 0x40;
		EXPECT_OK(moat_kex_derive(&x.client, bad, n, secret, &len));
		ATF_REQUIRE(memcmp(secret, x.server_secret, 64) != 0);
		EXPECT_OK(moat_kex_derive(&x.client, x.server_share, n, secret, &len));
		ATF_REQUIRE(memcmp(secret, x.server_secret, 64) == 0);
		moat_kex_free(&x.client);
	}
}

/* TLS 1.2 never carries a hybrid: its public-value check says so rather than passing one. */
ATF_TC_WITHOUT_HEAD(not_for_tls12);
ATF_TC_BODY(not_for_tls12, tc)
{
	for (size_t i = 0; i < COUNT(layouts); i++) {
		struct exchange x;
		client_hello(&x, layouts[i].group);
		EXPECT_ERR(moat_kex_public_check(layouts[i].group, x.client_share, x.client_len), MOAT_ERR_NOT_SUPPORTED);
		ATF_REQUIRE(!moat_kex_group_is_ec(layouts[i].group) && !moat_kex_group_is_ffdhe(layouts[i].group));
		moat_kex_free(&x.client);
	}
}

/* moat_kex_respond is the server's operation for every group: for a DH group, a fresh share and the DH output. */
ATF_TC_WITHOUT_HEAD(respond_answers_dh_groups);
ATF_TC_BODY(respond_answers_dh_groups, tc)
{
	static const uint16_t dh[] = { MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1, MOAT_GROUP_X448, MOAT_GROUP_FFDHE2048 };
	for (size_t i = 0; i < COUNT(dh); i++) {
		struct exchange x;
		uint8_t secret[MOAT_KEX_MAX_SECRET_LEN];
		size_t len = 0;
		memset(&x, 0, sizeof(x));
		EXPECT_OK(moat_kex_generate(&x.client, dh[i], x.client_share, &x.client_len));
		EXPECT_OK(moat_kex_respond(dh[i], x.client_share, x.client_len, x.server_share, &x.server_len,
					   x.server_secret, &x.server_secret_len));
		ATF_REQUIRE_EQ(x.server_len, moat_kex_share_len(dh[i]));
		EXPECT_OK(moat_kex_derive(&x.client, x.server_share, x.server_len, secret, &len));
		ATF_REQUIRE_EQ(len, x.server_secret_len);
		ATF_REQUIRE(memcmp(secret, x.server_secret, len) == 0);
		expect_refused(dh[i], x.client_share, x.client_len - 1);
		moat_kex_free(&x.client);
	}
	uint8_t share[32] = { 9 }, out[MOAT_KEX_MAX_SHARE_LEN], secret[MOAT_KEX_MAX_SECRET_LEN];
	size_t a, b;
	EXPECT_ERR(moat_kex_respond(0x4242, share, 32, out, &a, secret, &b), MOAT_ERR_NOT_SUPPORTED);
	EXPECT_ERR(moat_kex_respond(MOAT_GROUP_X25519, NULL, 32, out, &a, secret, &b), MOAT_ERR_NULL_ARG);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, both_sides_agree_in_the_drafts_order);
	ATF_TP_ADD_TC(tp, server_refuses_bad_client_shares);
	ATF_TP_ADD_TC(tp, client_refuses_bad_server_shares);
	ATF_TP_ADD_TC(tp, not_for_tls12);
	ATF_TP_ADD_TC(tp, respond_answers_dh_groups);
	return atf_no_error();
}
