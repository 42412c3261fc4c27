/*
 * Hashes, HMAC and HKDF against published known answers: FIPS 180 example
 * digests, RFC 4231 HMAC cases 1 and 2, RFC 5869 HKDF cases 1-3 and RFC 8448
 * HKDF-Expand-Label values. The running hash is checked mid-stream, after a
 * copy, and after moat_hash_current, since the transcript depends on all three.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tls/crypto/hash.h"
#include "tls/crypto/hkdf.h"
#include "tests/moat_test.h"
#include "tests/rfc8448_vectors.h"
#include "tests/test_hex.h"



static const char abc[] = "abc";
static const char msg448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char msg896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
			     "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

ATF_TC_WITHOUT_HEAD(hash_lengths);
ATF_TC_BODY(hash_lengths, tc)
{
	ATF_REQUIRE_EQ(moat_hash_len(MOAT_HASH_SHA256), 32);
	ATF_REQUIRE_EQ(moat_hash_len(MOAT_HASH_SHA384), 48);
	ATF_REQUIRE_EQ(moat_hash_len(MOAT_HASH_SHA512), 64);
	ATF_REQUIRE_EQ(moat_hash_len(MOAT_HASH_SHA1), 20);
	ATF_REQUIRE_EQ(moat_hash_len(MOAT_HASH_NONE), 0);
	ATF_REQUIRE_EQ(moat_hash_len((moat_hash_alg)99), 0);
	ATF_REQUIRE(moat_hash_len(MOAT_HASH_SHA384) <= MOAT_MAX_HASH_LEN);
	EXPECT_OK(moat_hash_preload());
	EXPECT_OK(moat_hash_preload());
}

ATF_TC_WITHOUT_HEAD(sha_known_answers);
ATF_TC_BODY(sha_known_answers, tc)
{
	uint8_t d[MOAT_HASH_MAX_DIGEST_LEN];

	/* FIPS 180-2 Appendix B examples and the empty string. */
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA256, NULL, 0, d));
	REQUIRE_HEX(d, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA256, abc, 3, d));
	REQUIRE_HEX(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA256, msg448, strlen(msg448), d));
	REQUIRE_HEX(d, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA384, NULL, 0, d));
	REQUIRE_HEX(d, 48, "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
			   "274edebfe76f65fbd51ad2f14898b95b");
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA384, abc, 3, d));
	REQUIRE_HEX(d, 48, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
			   "8086072ba1e7cc2358baeca134c825a7");
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA384, msg896, strlen(msg896), d));
	REQUIRE_HEX(d, 48, "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712"
			   "fcc7c71a557e2db966c3e9fa91746039");

	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA512, abc, 3, d));
	REQUIRE_HEX(d, 64, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
			   "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA1, abc, 3, d));
	REQUIRE_HEX(d, 20, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

ATF_TC_WITHOUT_HEAD(running_hash_matches_oneshot);
ATF_TC_BODY(running_hash_matches_oneshot, tc)
{
	struct moat_hash h = { 0 };
	uint8_t d[MOAT_HASH_MAX_DIGEST_LEN];

	/* Byte by byte, with empty updates in between, gives the one-shot digest. */
	EXPECT_OK(moat_hash_init(&h, MOAT_HASH_SHA384));
	for (size_t i = 0; i < strlen(msg896); i++) {
		EXPECT_OK(moat_hash_update(&h, msg896 + i, 1));
		EXPECT_OK(moat_hash_update(&h, NULL, 0));
	}
	EXPECT_OK(moat_hash_current(&h, d));
	REQUIRE_HEX(d, 48, "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712"
			   "fcc7c71a557e2db966c3e9fa91746039");
	moat_hash_free(&h);
}

ATF_TC_WITHOUT_HEAD(current_mid_stream);
ATF_TC_BODY(current_mid_stream, tc)
{
	struct moat_hash h = { 0 };
	uint8_t cur[MOAT_HASH_MAX_DIGEST_LEN], want[MOAT_HASH_MAX_DIGEST_LEN];
	const moat_hash_alg algs[] = { MOAT_HASH_SHA256, MOAT_HASH_SHA384, MOAT_HASH_SHA512, MOAT_HASH_SHA1 };
	size_t len = strlen(msg896);

	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		size_t hl = moat_hash_len(algs[a]);
		EXPECT_OK(moat_hash_init(&h, algs[a]));
		ATF_REQUIRE_EQ(h.alg, algs[a]);
		/* At every prefix length the current digest is the digest of the prefix... */
		for (size_t i = 0; i <= len; i++) {
			EXPECT_OK(moat_hash_current(&h, cur));
			EXPECT_OK(moat_hash_oneshot(algs[a], msg896, i, want));
			ATF_REQUIRE_MSG(memcmp(cur, want, hl) == 0, "alg %zu prefix %zu", a, i);
			/* ...and asking twice does not disturb it. */
			EXPECT_OK(moat_hash_current(&h, cur));
			ATF_REQUIRE(memcmp(cur, want, hl) == 0);
			if (i < len)
				EXPECT_OK(moat_hash_update(&h, msg896 + i, 1));
		}
		moat_hash_free(&h);
	}

	/* Known answer through the running path: "abc" in two pieces, checked in between. */
	EXPECT_OK(moat_hash_init(&h, MOAT_HASH_SHA256));
	EXPECT_OK(moat_hash_update(&h, "a", 1));
	EXPECT_OK(moat_hash_current(&h, cur));
	REQUIRE_HEX(cur, 32, "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
	EXPECT_OK(moat_hash_update(&h, "bc", 2));
	EXPECT_OK(moat_hash_current(&h, cur));
	REQUIRE_HEX(cur, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	moat_hash_free(&h);
}

ATF_TC_WITHOUT_HEAD(copy_is_independent);
ATF_TC_BODY(copy_is_independent, tc)
{
	struct moat_hash h = { 0 }, c = { 0 };
	uint8_t d[MOAT_HASH_MAX_DIGEST_LEN], want[MOAT_HASH_MAX_DIGEST_LEN];

	EXPECT_OK(moat_hash_init(&h, MOAT_HASH_SHA256));
	EXPECT_OK(moat_hash_update(&h, "ab", 2));
	EXPECT_OK(moat_hash_copy(&c, &h));
	ATF_REQUIRE_EQ(c.alg, MOAT_HASH_SHA256);
	ATF_REQUIRE(c.ctx != NULL && c.ctx != h.ctx);

	/* Diverge: the original gets "c", the copy "x"; neither sees the other's bytes. */
	EXPECT_OK(moat_hash_update(&h, "c", 1));
	EXPECT_OK(moat_hash_update(&c, "x", 1));
	EXPECT_OK(moat_hash_current(&h, d));
	REQUIRE_HEX(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	EXPECT_OK(moat_hash_current(&c, d));
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA256, "abx", 3, want));
	ATF_REQUIRE(memcmp(d, want, 32) == 0);

	/* Freeing the original leaves the copy usable. */
	moat_hash_free(&h);
	EXPECT_OK(moat_hash_update(&c, "y", 1));
	EXPECT_OK(moat_hash_current(&c, d));
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA256, "abxy", 4, want));
	ATF_REQUIRE(memcmp(d, want, 32) == 0);
	moat_hash_free(&c);

	EXPECT_ERR(moat_hash_copy(&c, &h), MOAT_ERR_INVALID_STATE);
}

ATF_TC_WITHOUT_HEAD(hash_free_and_misuse);
ATF_TC_BODY(hash_free_and_misuse, tc)
{
	struct moat_hash h = { 0 };
	uint8_t d[MOAT_HASH_MAX_DIGEST_LEN];

	moat_hash_free(&h);
	moat_hash_free(&h);
	moat_hash_free(NULL);
	EXPECT_ERR(moat_hash_update(&h, "a", 1), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_hash_current(&h, d), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_hash_init(&h, MOAT_HASH_NONE), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE(h.ctx == NULL);
	EXPECT_ERR(moat_hash_init(&h, (moat_hash_alg)99), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_hash_oneshot(MOAT_HASH_NONE, abc, 3, d), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_hash_oneshot(MOAT_HASH_SHA256, NULL, 3, d), MOAT_ERR_NULL_ARG);

	EXPECT_OK(moat_hash_init(&h, MOAT_HASH_SHA256));
	EXPECT_ERR(moat_hash_update(&h, NULL, 1), MOAT_ERR_NULL_ARG);
	moat_hash_free(&h);
	ATF_REQUIRE(h.ctx == NULL);
	moat_hash_free(&h);
}

ATF_TC_WITHOUT_HEAD(hmac_rfc4231);
ATF_TC_BODY(hmac_rfc4231, tc)
{
	uint8_t key1[20], d[MOAT_HASH_MAX_DIGEST_LEN];
	static const char data1[] = "Hi There";
	static const char key2[] = "Jefe";
	static const char data2[] = "what do ya want for nothing?";

	/* RFC 4231 §4.2, test case 1. */
	memset(key1, 0x0b, sizeof(key1));
	EXPECT_OK(moat_hmac(MOAT_HASH_SHA256, key1, sizeof(key1), data1, strlen(data1), d));
	REQUIRE_HEX(d, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	EXPECT_OK(moat_hmac(MOAT_HASH_SHA384, key1, sizeof(key1), data1, strlen(data1), d));
	REQUIRE_HEX(d, 48, "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec6"
			   "82aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6");

	/* RFC 4231 §4.3, test case 2. */
	EXPECT_OK(moat_hmac(MOAT_HASH_SHA256, (const uint8_t *)key2, strlen(key2), data2, strlen(data2), d));
	REQUIRE_HEX(d, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	EXPECT_OK(moat_hmac(MOAT_HASH_SHA384, (const uint8_t *)key2, strlen(key2), data2, strlen(data2), d));
	REQUIRE_HEX(d, 48, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47"
			   "e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");

	/* Empty key and empty message (HMAC-SHA256("", "")): the all-zero key of RFC 2104. */
	EXPECT_OK(moat_hmac(MOAT_HASH_SHA256, NULL, 0, NULL, 0, d));
	REQUIRE_HEX(d, 32, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");

	EXPECT_ERR(moat_hmac(MOAT_HASH_NONE, key1, sizeof(key1), data1, 8, d), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_hmac(MOAT_HASH_SHA256, NULL, 4, data1, 8, d), MOAT_ERR_NULL_ARG);
}

ATF_TC_WITHOUT_HEAD(hmac_ctx_rearms);
ATF_TC_BODY(hmac_ctx_rearms, tc)
{
	struct moat_hmac_ctx m = { 0 };
	uint8_t key1[20], d[MOAT_HASH_MAX_DIGEST_LEN];

	memset(key1, 0x0b, sizeof(key1));
	EXPECT_OK(moat_hmac_init(&m, MOAT_HASH_SHA256, key1, sizeof(key1)));
	EXPECT_OK(moat_hmac_update(&m, "Hi ", 3));
	EXPECT_OK(moat_hmac_update(&m, NULL, 0));
	EXPECT_OK(moat_hmac_update(&m, "There", 5));
	EXPECT_OK(moat_hmac_final(&m, d));
	REQUIRE_HEX(d, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	/* Same key, second message: still RFC 4231 case 1, so the context re-armed cleanly. */
	EXPECT_OK(moat_hmac_update(&m, "Hi There", 8));
	EXPECT_OK(moat_hmac_final(&m, d));
	REQUIRE_HEX(d, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	moat_hmac_free(&m);
	moat_hmac_free(&m);
	EXPECT_ERR(moat_hmac_update(&m, "x", 1), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_hmac_final(&m, d), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_hmac_init(&m, MOAT_HASH_NONE, key1, sizeof(key1)), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE(m.ctx == NULL);
}

ATF_TC_WITHOUT_HEAD(hmac_ctx_rekeys);
ATF_TC_BODY(hmac_ctx_rekeys, tc)
{
	struct moat_hmac_ctx m = { 0 };
	uint8_t key1[20], d[MOAT_HASH_MAX_DIGEST_LEN];

	/* One context, RFC 4231 cases 1 and 2 in turn, then back: each key replaces the last completely. */
	memset(key1, 0x0b, sizeof(key1));
	EXPECT_OK(moat_hmac_init(&m, MOAT_HASH_SHA256, key1, sizeof(key1)));
	EXPECT_OK(moat_hmac_update(&m, "Hi There", 8));
	EXPECT_OK(moat_hmac_final(&m, d));
	REQUIRE_HEX(d, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	EXPECT_OK(moat_hmac_rekey(&m, (const uint8_t *)"Jefe", 4));
	EXPECT_OK(moat_hmac_update(&m, "what do ya want for nothing?", 28));
	EXPECT_OK(moat_hmac_final(&m, d));
	REQUIRE_HEX(d, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* Re-keyed halfway through a message: the half is dropped with the old key. */
	EXPECT_OK(moat_hmac_update(&m, "stale", 5));
	EXPECT_OK(moat_hmac_rekey(&m, key1, sizeof(key1)));
	EXPECT_OK(moat_hmac_update(&m, "Hi There", 8));
	EXPECT_OK(moat_hmac_final(&m, d));
	REQUIRE_HEX(d, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	/* An empty key is the all-zero key, as in the one-shot form. */
	EXPECT_OK(moat_hmac_rekey(&m, NULL, 0));
	EXPECT_OK(moat_hmac_final(&m, d));
	REQUIRE_HEX(d, 32, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
	EXPECT_ERR(moat_hmac_rekey(&m, NULL, 4), MOAT_ERR_NULL_ARG);
	moat_hmac_free(&m);
	EXPECT_ERR(moat_hmac_rekey(&m, key1, sizeof(key1)), MOAT_ERR_INVALID_STATE);
}

/* RFC 5869 Appendix A, test cases 1-3 (SHA-256), as printed there. */
static const struct {
	const char *ikm, *salt, *info, *prk, *okm;
	size_t okm_len;
} rfc5869_cases[] = {
	{
		/* A.1 */
		.ikm = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
			"0b0b0b0b0b0b",
		.salt = "000102030405060708090a0b0c",
		.info = "f0f1f2f3f4f5f6f7f8f9",
		.prk = "077709362c2e32df0ddc3f0dc47bba63"
			"90b6c73bb50f9c3122ec844ad7c2b3e5",
		.okm = "3cb25f25faacd57a90434f64d0362f2a"
			"2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
			"34007208d5b887185865",
		.okm_len = 42,
	},
	{
		/* A.2 */
		.ikm = "000102030405060708090a0b0c0d0e0f"
			"101112131415161718191a1b1c1d1e1f"
			"202122232425262728292a2b2c2d2e2f"
			"303132333435363738393a3b3c3d3e3f"
			"404142434445464748494a4b4c4d4e4f",
		.salt = "606162636465666768696a6b6c6d6e6f"
			"707172737475767778797a7b7c7d7e7f"
			"808182838485868788898a8b8c8d8e8f"
			"909192939495969798999a9b9c9d9e9f"
			"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
		.info = "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
			"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
			"d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
			"e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
			"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
		.prk = "06a6b88c5853361a06104c9ceb35b45c"
			"ef760014904671014a193f40c15fc244",
		.okm = "b11e398dc80327a1c8e7f78c596a4934"
			"4f012eda2d4efad8a050cc4c19afa97c"
			"59045a99cac7827271cb41c65e590e09"
			"da3275600c2f09b8367793a9aca3db71"
			"cc30c58179ec3e87c14c01d5c1f3434f"
			"1d87",
		.okm_len = 82,
	},
	{
		/* A.3 */
		.ikm = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
			"0b0b0b0b0b0b",
		.salt = "",
		.info = "",
		.prk = "19ef24a32c717b167f33a91d6f648bdf"
			"96596776afdb6377ac434c1c293ccb04",
		.okm = "8da4e775a563c18f715f802a063c5a31"
			"b8a11f5c5ee1879ec3454e5f3c738d2d"
			"9d201395faa4b61a96c8",
		.okm_len = 42,
	},
};

ATF_TC_WITHOUT_HEAD(hkdf_rfc5869);
ATF_TC_BODY(hkdf_rfc5869, tc)
{
	uint8_t ikm[128], salt[128], info[128], prk[MOAT_HASH_MAX_DIGEST_LEN], okm[128], full[128];

	for (size_t i = 0; i < sizeof(rfc5869_cases) / sizeof(rfc5869_cases[0]); i++) {
		size_t ikm_len = test_unhex(rfc5869_cases[i].ikm, ikm, sizeof(ikm));
		size_t salt_len = test_unhex(rfc5869_cases[i].salt, salt, sizeof(salt));
		size_t info_len = test_unhex(rfc5869_cases[i].info, info, sizeof(info));
		size_t okm_len = rfc5869_cases[i].okm_len;

		EXPECT_OK(moat_hkdf_extract(MOAT_HASH_SHA256, salt_len ? salt : NULL, salt_len, ikm, ikm_len, prk));
		test_require_hex(prk, 32, rfc5869_cases[i].prk, "PRK");
		EXPECT_OK(moat_hkdf_expand(MOAT_HASH_SHA256, prk, 32, info_len ? info : NULL, info_len, okm, okm_len));
		test_require_hex(okm, okm_len, rfc5869_cases[i].okm, "OKM");

		/* Every shorter output is a prefix of the longer one (RFC 5869 §2.3: first L octets of T). */
		memcpy(full, okm, okm_len);
		for (size_t l = 0; l < okm_len; l++) {
			memset(okm, 0xee, sizeof(okm));
			EXPECT_OK(moat_hkdf_expand(MOAT_HASH_SHA256, prk, 32, info, info_len, okm, l));
			ATF_REQUIRE(memcmp(okm, full, l) == 0);
			ATF_REQUIRE_EQ(okm[l], 0xee);
		}
	}

	/* An empty salt is HashLen zeros (case 3 spelled out). */
	memset(salt, 0, 32);
	size_t ikm_len = test_unhex(rfc5869_cases[2].ikm, ikm, sizeof(ikm));
	EXPECT_OK(moat_hkdf_extract(MOAT_HASH_SHA256, salt, 32, ikm, ikm_len, prk));
	test_require_hex(prk, 32, rfc5869_cases[2].prk, "PRK with explicit zero salt");
}

ATF_TC_WITHOUT_HEAD(hkdf_limits);
ATF_TC_BODY(hkdf_limits, tc)
{
	static uint8_t big[255 * 48 + 1];
	uint8_t prk[48] = { 1 };

	/* L <= 255 * HashLen (RFC 5869 §2.3); the last block counter is 255. */
	EXPECT_OK(moat_hkdf_expand(MOAT_HASH_SHA256, prk, 32, NULL, 0, big, 255 * 32));
	EXPECT_ERR(moat_hkdf_expand(MOAT_HASH_SHA256, prk, 32, NULL, 0, big, 255 * 32 + 1), MOAT_ERR_INVALID_ARG);
	EXPECT_OK(moat_hkdf_expand(MOAT_HASH_SHA384, prk, 48, NULL, 0, big, 255 * 48));
	EXPECT_ERR(moat_hkdf_expand(MOAT_HASH_SHA384, prk, 48, NULL, 0, big, 255 * 48 + 1), MOAT_ERR_INVALID_ARG);
	EXPECT_OK(moat_hkdf_expand(MOAT_HASH_SHA256, prk, 32, NULL, 0, NULL, 0));
	/* PRK shorter than HashLen, unknown hash, NULLs. */
	EXPECT_ERR(moat_hkdf_expand(MOAT_HASH_SHA256, prk, 31, NULL, 0, big, 16), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_hkdf_expand(MOAT_HASH_NONE, prk, 32, NULL, 0, big, 16), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_hkdf_expand(MOAT_HASH_SHA256, NULL, 32, NULL, 0, big, 16), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_hkdf_expand(MOAT_HASH_SHA256, prk, 32, NULL, 3, big, 16), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_hkdf_extract(MOAT_HASH_NONE, NULL, 0, prk, 32, big), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_hkdf_extract(MOAT_HASH_SHA256, NULL, 5, prk, 32, big), MOAT_ERR_NULL_ARG);
}

ATF_TC_WITHOUT_HEAD(expand_label_rfc8448);
ATF_TC_BODY(expand_label_rfc8448, tc)
{
	uint8_t secret[32], hash[32], out[64];

	/* RFC 8448 §3, {server} derive write traffic keys for handshake data. */
	test_unhex(RFC8448_S3_SERVER_HS_TRAFFIC, secret, sizeof(secret));
	EXPECT_OK(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, "key", NULL, 0, out, 16));
	REQUIRE_HEX(out, 16, RFC8448_S3_SERVER_HS_KEY);
	EXPECT_OK(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, "iv", NULL, 0, out, 12));
	REQUIRE_HEX(out, 12, RFC8448_S3_SERVER_HS_IV);
	/* RFC 8448 §3, {server} calculate finished "tls13 finished": the finished key. */
	EXPECT_OK(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, "finished", NULL, 0, out, 32));
	REQUIRE_HEX(out, 32, RFC8448_S3_SERVER_FINISHED_KEY);

	/* RFC 8448 §3, {client} derive write traffic keys for handshake data (client_hs -> key, iv). */
	test_unhex(RFC8448_S3_CLIENT_HS_TRAFFIC, secret, sizeof(secret));
	EXPECT_OK(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, "key", NULL, 0, out, 16));
	REQUIRE_HEX(out, 16, RFC8448_S3_CLIENT_HS_KEY);
	EXPECT_OK(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, "iv", NULL, 0, out, 12));
	REQUIRE_HEX(out, 12, RFC8448_S3_CLIENT_HS_IV);

	/* RFC 8448 §3, derive secret for handshake "tls13 derived": a 32-byte context. */
	test_unhex(RFC8448_S3_EARLY_SECRET, secret, sizeof(secret));
	test_unhex(RFC8448_S3_EMPTY_HASH, hash, sizeof(hash));
	EXPECT_OK(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, "derived", hash, 32, out, 32));
	REQUIRE_HEX(out, 32, RFC8448_S3_DERIVED_FOR_HANDSHAKE);

	/* RFC 8448 §3, generate resumption secret "tls13 resumption": a 2-byte context (ticket nonce). */
	test_unhex(RFC8448_S3_RESUMPTION_MASTER, secret, sizeof(secret));
	EXPECT_OK(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, "resumption", (const uint8_t *)"\0\0", 2,
					 out, 32));
	REQUIRE_HEX(out, 32, RFC8448_S3_TICKET_PSK);
}

ATF_TC_WITHOUT_HEAD(hkdf_on_a_context);
ATF_TC_BODY(hkdf_on_a_context, tc)
{
	struct moat_hmac_ctx m = { 0 };
	uint8_t ikm[128], salt[128], prk[32], secret[32], hash[32], out[64];

	/* Extract on a context keyed with something else: RFC 5869 A.1 and A.3 (empty salt) all the same. */
	EXPECT_OK(moat_hmac_init(&m, MOAT_HASH_SHA256, (const uint8_t *)"unrelated", 9));
	for (size_t i = 0; i < sizeof(rfc5869_cases) / sizeof(rfc5869_cases[0]); i++) {
		size_t ikm_len = test_unhex(rfc5869_cases[i].ikm, ikm, sizeof(ikm));
		size_t salt_len = test_unhex(rfc5869_cases[i].salt, salt, sizeof(salt));
		EXPECT_OK(moat_hkdf_extract_ctx(&m, salt_len ? salt : NULL, salt_len, ikm, ikm_len, prk));
		test_require_hex(prk, 32, rfc5869_cases[i].prk, "PRK on a context");
	}
	moat_hmac_free(&m);

	/* RFC 8448 §3: key, iv and finished key from one context keyed with the server handshake secret. */
	test_unhex(RFC8448_S3_SERVER_HS_TRAFFIC, secret, sizeof(secret));
	EXPECT_OK(moat_hmac_init(&m, MOAT_HASH_SHA256, secret, sizeof(secret)));
	EXPECT_OK(moat_hkdf_expand_label_ctx(&m, "key", NULL, 0, out, 16));
	REQUIRE_HEX(out, 16, RFC8448_S3_SERVER_HS_KEY);
	EXPECT_OK(moat_hkdf_expand_label_ctx(&m, "iv", NULL, 0, out, 12));
	REQUIRE_HEX(out, 12, RFC8448_S3_SERVER_HS_IV);
	EXPECT_OK(moat_hkdf_expand_label_ctx(&m, "finished", NULL, 0, out, 32));
	REQUIRE_HEX(out, 32, RFC8448_S3_SERVER_FINISHED_KEY);
	/* Re-keyed to the early secret: "derived" with the empty hash as context. */
	test_unhex(RFC8448_S3_EARLY_SECRET, secret, sizeof(secret));
	test_unhex(RFC8448_S3_EMPTY_HASH, hash, sizeof(hash));
	EXPECT_OK(moat_hmac_rekey(&m, secret, sizeof(secret)));
	EXPECT_OK(moat_hkdf_expand_label_ctx(&m, "derived", hash, 32, out, 32));
	REQUIRE_HEX(out, 32, RFC8448_S3_DERIVED_FOR_HANDSHAKE);
	/* The same limits as the one-shot form. */
	EXPECT_ERR(moat_hkdf_expand_label_ctx(&m, NULL, NULL, 0, out, 16), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_hkdf_expand_label_ctx(&m, "key", NULL, 4, out, 16), MOAT_ERR_NULL_ARG);
	moat_hmac_free(&m);
	EXPECT_ERR(moat_hkdf_expand_label_ctx(&m, "key", NULL, 0, out, 16), MOAT_ERR_INVALID_STATE);
}

ATF_TC_WITHOUT_HEAD(expand_label_limits);
ATF_TC_BODY(expand_label_limits, tc)
{
	char label[MOAT_HKDF_MAX_LABEL_LEN + 2];
	uint8_t secret[32] = { 7 }, ctx[256] = { 0 }, out[64];

	/* label<7..255> holds "tls13 " + Label, context<0..255>: longest of each works, one more fails. */
	memset(label, 'x', sizeof(label));
	label[MOAT_HKDF_MAX_LABEL_LEN] = '\0';
	EXPECT_OK(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, label, ctx, 255, out, 32));
	label[MOAT_HKDF_MAX_LABEL_LEN] = 'x';
	label[MOAT_HKDF_MAX_LABEL_LEN + 1] = '\0';
	EXPECT_ERR(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, label, ctx, 0, out, 32),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, "key", ctx, 256, out, 32),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, NULL, NULL, 0, out, 32), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, "key", NULL, 1, out, 32), MOAT_ERR_NULL_ARG);
	/* The output length is part of HkdfLabel, so a shorter output is not a prefix of a longer one. */
	uint8_t a[32], b[16];
	EXPECT_OK(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, "key", NULL, 0, a, 32));
	EXPECT_OK(moat_hkdf_expand_label(MOAT_HASH_SHA256, secret, 32, "key", NULL, 0, b, 16));
	ATF_REQUIRE(memcmp(a, b, 16) != 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, hash_lengths);
	ATF_TP_ADD_TC(tp, sha_known_answers);
	ATF_TP_ADD_TC(tp, running_hash_matches_oneshot);
	ATF_TP_ADD_TC(tp, current_mid_stream);
	ATF_TP_ADD_TC(tp, copy_is_independent);
	ATF_TP_ADD_TC(tp, hash_free_and_misuse);
	ATF_TP_ADD_TC(tp, hmac_rfc4231);
	ATF_TP_ADD_TC(tp, hmac_ctx_rearms);
	ATF_TP_ADD_TC(tp, hmac_ctx_rekeys);
	ATF_TP_ADD_TC(tp, hkdf_rfc5869);
	ATF_TP_ADD_TC(tp, hkdf_limits);
	ATF_TP_ADD_TC(tp, expand_label_rfc8448);
	ATF_TP_ADD_TC(tp, hkdf_on_a_context);
	ATF_TP_ADD_TC(tp, expand_label_limits);
	return atf_no_error();
}
