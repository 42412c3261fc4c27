/*
 * TLS 1.0 - 1.2 crypto building blocks: the PRF (RFC 5246 §5, RFC 2246 §5)
 * against published vectors and against a P_hash written here on moat_hmac,
 * the master secret, extended master secret, key block and Finished
 * derivations, the RFC 5705 exporter, the constant-time record HMAC against the ordinary HMAC for
 * every length inside its bounds, and the CBC ciphers against libcrypto.
 */
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tls/crypto/cbc.h"
#include "tls/crypto/hash.h"
#include "tls/crypto/hmac_ct.h"
#include "tls/crypto/prf.h"
#include "tests/moat_test.h"
#include "tests/test_hex.h"

/* P_hash(secret, seed) of RFC 5246 §5, the textbook way, as an independent reference. */
static void ref_p_hash(moat_hash_alg alg, const uint8_t *secret, size_t secret_len, const uint8_t *seed,
		       size_t seed_len, uint8_t *out, size_t out_len)
{
	uint8_t a[64], buf[64 + 256], blk[64];
	size_t h = moat_hash_len(alg);
	ATF_REQUIRE(seed_len <= 256);
	EXPECT_OK(moat_hmac(alg, secret, secret_len, seed, seed_len, a)); /* A(1) */
	for (size_t done = 0; done < out_len; done += h) {
		memcpy(buf, a, h);
		memcpy(buf + h, seed, seed_len);
		EXPECT_OK(moat_hmac(alg, secret, secret_len, buf, h + seed_len, blk));
		memcpy(out + done, blk, out_len - done < h ? out_len - done : h);
		EXPECT_OK(moat_hmac(alg, secret, secret_len, a, h, a)); /* A(i+1) */
	}
}

/* Published P_SHA256 / P_SHA384 vectors (IETF TLS WG list, 2009; also in several TLS stacks' tests). */
ATF_TC_WITHOUT_HEAD(prf12_known_answers);
ATF_TC_BODY(prf12_known_answers, tc)
{
	uint8_t secret[16], seed[16], out[148];
	test_unhex("9bbe436ba940f017b17652849a71db35", secret, sizeof(secret));
	test_unhex("a0ba9f936cda311827a6f796ffd5198c", seed, sizeof(seed));
	EXPECT_OK(moat_prf(0x0303, MOAT_HASH_SHA256, secret, 16, "test label", seed, 16, NULL, 0, out, 100));
	test_require_hex(out, 100,
			 "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
			 "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
			 "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
			 "87347b66",
			 "P_SHA256");
	/* The seed in two pieces gives the same answer: the PRF sees label || seed1 || seed2. */
	uint8_t split[100];
	EXPECT_OK(moat_prf(0x0303, MOAT_HASH_SHA256, secret, 16, "test label", seed, 5, seed + 5, 11, split, 100));
	ATF_REQUIRE(memcmp(out, split, 100) == 0);

	test_unhex("b80b733d6ceefcdc71566ea48e5567df", secret, sizeof(secret));
	test_unhex("cd665cf6a8447dd6ff8b27555edb7465", seed, sizeof(seed));
	EXPECT_OK(moat_prf(0x0303, MOAT_HASH_SHA384, secret, 16, "test label", seed, 16, NULL, 0, out, 148));
	test_require_hex(out, 148,
			 "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
			 "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
			 "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
			 "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
			 "91c8f3a26854308d5eaa3be85e0990703d73e56f",
			 "P_SHA384");
}

/* TLS 1.0/1.1 PRF: P_MD5(S1) XOR P_SHA1(S2) over the halves of the secret (RFC 2246 §5). */
ATF_TC_WITHOUT_HEAD(prf10_known_answer);
ATF_TC_BODY(prf10_known_answer, tc)
{
	uint8_t secret[48], seed[64], out[104];
	memset(secret, 0xab, sizeof(secret));
	memset(seed, 0xcd, sizeof(seed));
	EXPECT_OK(moat_prf(0x0302, MOAT_HASH_NONE, secret, 48, "PRF Testvector", seed, 64, NULL, 0, out, 104));
	test_require_hex(out, 32, "d3d4d1e349b5d515044666d51de32bab258cb521b6b053463e354832fd976754",
			 "TLS 1.0/1.1 PRF");
	/* The whole output against the definition, with HMAC-MD5 and HMAC-SHA1 from libcrypto. */
	uint8_t ref[104];
	memset(ref, 0, sizeof(ref));
	const char *mds[2] = { "MD5", "SHA1" };
	for (int half = 0; half < 2; half++) {
		const EVP_MD *md = EVP_get_digestbyname(mds[half]);
		ATF_REQUIRE(md != NULL);
		size_t hl = (size_t)EVP_MD_get_size(md);
		uint8_t lseed[14 + 64], a[20], buf[20 + sizeof(lseed)], blk[20];
		unsigned int n;
		memcpy(lseed, "PRF Testvector", 14);
		memcpy(lseed + 14, seed, 64);
		const uint8_t *s = secret + (half ? 24 : 0);
		ATF_REQUIRE(HMAC(md, s, 24, lseed, sizeof(lseed), a, &n) != NULL);
		for (size_t done = 0; done < sizeof(ref); done += hl) {
			memcpy(buf, a, hl);
			memcpy(buf + hl, lseed, sizeof(lseed));
			ATF_REQUIRE(HMAC(md, s, 24, buf, hl + sizeof(lseed), blk, &n) != NULL);
			for (size_t i = 0; i < hl && done + i < sizeof(ref); i++)
				ref[done + i] ^= blk[i];
			ATF_REQUIRE(HMAC(md, s, 24, a, hl, a, &n) != NULL);
		}
	}
	ATF_REQUIRE(memcmp(out, ref, sizeof(ref)) == 0);
	/* 1.0 is the same function; the hash argument is ignored below 1.2. */
	uint8_t out10[104];
	EXPECT_OK(moat_prf(0x0301, MOAT_HASH_SHA384, secret, 48, "PRF Testvector", seed, 64, NULL, 0, out10, 104));
	ATF_REQUIRE(memcmp(out, out10, sizeof(out)) == 0);
}

/* Master secret, EMS, key block, Finished: each is the PRF with the RFC's label and seed order. */
ATF_TC_WITHOUT_HEAD(derivations_follow_the_rfc);
ATF_TC_BODY(derivations_follow_the_rfc, tc)
{
	uint8_t pms[48], cr[32], sr[32], seed[14 + 64 + 32];
	for (size_t i = 0; i < 48; i++)
		pms[i] = (uint8_t)(0x03 + i);
	for (size_t i = 0; i < 32; i++) {
		cr[i] = (uint8_t)(0xc0 + i);
		sr[i] = (uint8_t)(0x50 + i);
	}
	const moat_hash_alg hashes[2] = { MOAT_HASH_SHA256, MOAT_HASH_SHA384 };
	for (size_t h = 0; h < 2; h++) {
		uint8_t ms[48], want[160], kb[160], vd[12];
		/* §8.1 */
		EXPECT_OK(moat_prf_master_secret(0x0303, hashes[h], pms, 48, cr, sr, ms));
		memcpy(seed, "master secret", 13);
		memcpy(seed + 13, cr, 32);
		memcpy(seed + 45, sr, 32);
		ref_p_hash(hashes[h], pms, 48, seed, 77, want, 48);
		ATF_REQUIRE(memcmp(ms, want, 48) == 0);
		/* RFC 7627 §4 */
		uint8_t sh[48];
		memset(sh, 0x77, sizeof(sh));
		size_t shl = moat_hash_len(hashes[h]);
		EXPECT_OK(moat_prf_extended_master_secret(0x0303, hashes[h], pms, 48, sh, shl, ms));
		memcpy(seed, "extended master secret", 22);
		memcpy(seed + 22, sh, shl);
		ref_p_hash(hashes[h], pms, 48, seed, 22 + shl, want, 48);
		ATF_REQUIRE(memcmp(ms, want, 48) == 0);
		/* §6.3: server_random first */
		EXPECT_OK(moat_prf_key_block(0x0303, hashes[h], ms, cr, sr, kb, 160));
		memcpy(seed, "key expansion", 13);
		memcpy(seed + 13, sr, 32);
		memcpy(seed + 45, cr, 32);
		ref_p_hash(hashes[h], ms, 48, seed, 77, want, 160);
		ATF_REQUIRE(memcmp(kb, want, 160) == 0);
		/* §7.4.9 */
		for (int client = 0; client < 2; client++) {
			const char *label = client ? "client finished" : "server finished";
			EXPECT_OK(moat_prf_finished(0x0303, hashes[h], ms, client, sh, shl, vd));
			memcpy(seed, label, 15);
			memcpy(seed + 15, sh, shl);
			ref_p_hash(hashes[h], ms, 48, seed, 15 + shl, want, 12);
			ATF_REQUIRE(memcmp(vd, want, 12) == 0);
		}
	}
}

/* RFC 5705 §4: the randoms, then the context with its 2-byte length when there is one. */
ATF_TC_WITHOUT_HEAD(exporter_follows_rfc5705);
ATF_TC_BODY(exporter_follows_rfc5705, tc)
{
	uint8_t ms[48], cr[32], sr[32], ctx[40], seed[32 + 64 + 2 + 40], out[70], want[70], none[70], empty[70];
	for (size_t i = 0; i < 48; i++)
		ms[i] = (uint8_t)(0x11 * i);
	memset(cr, 0xc1, 32);
	memset(sr, 0x5e, 32);
	memset(ctx, 0x7c, sizeof(ctx));
	const char *label = "EXPORTER-test-label"; /* 19 characters */
	EXPECT_OK(moat_prf_exporter(0x0303, MOAT_HASH_SHA256, ms, cr, sr, label, ctx, 40, true, out, 70));
	memcpy(seed, label, 19);
	memcpy(seed + 19, cr, 32);
	memcpy(seed + 51, sr, 32);
	seed[83] = 0, seed[84] = 40;
	memcpy(seed + 85, ctx, 40);
	ref_p_hash(MOAT_HASH_SHA256, ms, 48, seed, 125, want, 70);
	ATF_REQUIRE(memcmp(out, want, 70) == 0);
	EXPECT_OK(moat_prf_exporter(0x0303, MOAT_HASH_SHA256, ms, cr, sr, label, NULL, 0, false, none, 70));
	ref_p_hash(MOAT_HASH_SHA256, ms, 48, seed, 83, want, 70);
	ATF_REQUIRE(memcmp(none, want, 70) == 0);
	EXPECT_OK(moat_prf_exporter(0x0303, MOAT_HASH_SHA256, ms, cr, sr, label, NULL, 0, true, empty, 70));
	seed[84] = 0;
	ref_p_hash(MOAT_HASH_SHA256, ms, 48, seed, 85, want, 70);
	ATF_REQUIRE(memcmp(empty, want, 70) == 0);
	ATF_REQUIRE(memcmp(none, empty, 70) != 0);
	EXPECT_ERR(moat_prf_exporter(0x0303, MOAT_HASH_SHA256, ms, cr, sr, "key expansion", NULL, 0, false, out, 70),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_prf_exporter(0x0303, MOAT_HASH_SHA256, ms, cr, sr, "master secret", NULL, 0, false, out, 70),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_prf_exporter(0x0303, MOAT_HASH_SHA256, ms, cr, sr, label, ctx, 65536, true, out, 70),
		   MOAT_ERR_INVALID_ARG);
}

ATF_TC_WITHOUT_HEAD(prf_rejects_bad_arguments);
ATF_TC_BODY(prf_rejects_bad_arguments, tc)
{
	uint8_t s[16] = { 0 }, out[12];
	EXPECT_ERR(moat_prf(0x0304, MOAT_HASH_SHA256, s, 16, "x", s, 16, NULL, 0, out, 12), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_prf(0x0300, MOAT_HASH_SHA256, s, 16, "x", s, 16, NULL, 0, out, 12), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_prf(0x0303, MOAT_HASH_SHA1, s, 16, "x", s, 16, NULL, 0, out, 12), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_prf(0x0303, MOAT_HASH_SHA256, s, 16, NULL, s, 16, NULL, 0, out, 12), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_prf(0x0303, MOAT_HASH_SHA256, s, 16, "x", NULL, 16, NULL, 0, out, 12), MOAT_ERR_NULL_ARG);
}

/* The constant-time HMAC equals HMAC(prefix || data[0..len)) for every len in its bounds, for each hash. */
ATF_TC_WITHOUT_HEAD(hmac_ct_matches_hmac);
ATF_TC_BODY(hmac_ct_matches_hmac, tc)
{
	static uint8_t msg[13 + 700];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	const moat_hash_alg algs[3] = { MOAT_HASH_SHA1, MOAT_HASH_SHA256, MOAT_HASH_SHA384 };
	const size_t bounds[][2] = { { 0, 0 }, { 0, 300 }, { 100, 356 }, { 400, 700 }, { 77, 77 }, { 51, 51 } };
	uint8_t key[48];
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x90 + i);
	for (size_t a = 0; a < 3; a++) {
		size_t kl = moat_hash_len(algs[a]);
		struct moat_hmac_ct m;
		EXPECT_OK(moat_hmac_ct_init(&m, algs[a], key, kl));
		for (size_t bi = 0; bi < sizeof(bounds) / sizeof(bounds[0]); bi++) {
			for (size_t len = bounds[bi][0]; len <= bounds[bi][1]; len++) {
				uint8_t got[64], want[64];
				EXPECT_OK(moat_hmac_ct_record(&m, msg, msg + 13, len, bounds[bi][0], bounds[bi][1], got));
				EXPECT_OK(moat_hmac(algs[a], key, kl, msg, 13 + len, want));
				ATF_REQUIRE_MSG(memcmp(got, want, kl) == 0, "alg %zu len %zu bounds %zu..%zu", a, len,
						bounds[bi][0], bounds[bi][1]);
			}
		}
		/* A length outside the bounds gives a wrong MAC, never a read past max_len. */
		uint8_t got[64], want[64];
		EXPECT_OK(moat_hmac_ct_record(&m, msg, msg + 13, 301, 0, 300, got));
		EXPECT_OK(moat_hmac(algs[a], key, kl, msg, 13 + 301, want));
		ATF_REQUIRE(memcmp(got, want, kl) != 0);
		moat_hmac_ct_free(&m);
		moat_hmac_ct_free(&m);
	}
	struct moat_hmac_ct m;
	EXPECT_ERR(moat_hmac_ct_init(&m, MOAT_HASH_SHA512, key, 32), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_hmac_ct_init(&m, MOAT_HASH_SHA256, msg, 65), MOAT_ERR_INVALID_ARG);
}

/* CBC encryption and decryption agree with libcrypto's, for each cipher. */
ATF_TC_WITHOUT_HEAD(cbc_matches_libcrypto);
ATF_TC_BODY(cbc_matches_libcrypto, tc)
{
	const moat_cbc_alg algs[3] = { MOAT_CBC_AES_128, MOAT_CBC_AES_256, MOAT_CBC_3DES_EDE };
	const char *names[3] = { "AES-128-CBC", "AES-256-CBC", "DES-EDE3-CBC" };
	uint8_t key[32], iv[16], pt[64], ct[64], back[64], want[80];
	for (size_t i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 11);
	for (size_t i = 0; i < 16; i++)
		iv[i] = (uint8_t)(0xf0 - i);
	for (size_t i = 0; i < 64; i++)
		pt[i] = (uint8_t)i;
	for (size_t a = 0; a < 3; a++) {
		struct moat_cbc enc, dec;
		EXPECT_OK(moat_cbc_init(&enc, algs[a], key, true));
		EXPECT_OK(moat_cbc_init(&dec, algs[a], key, false));
		EXPECT_OK(moat_cbc_crypt(&enc, iv, pt, 64, ct));
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		int n = 0;
		ATF_REQUIRE(EVP_EncryptInit_ex2(c, EVP_get_cipherbyname(names[a]), key, iv, NULL) == 1);
		ATF_REQUIRE(EVP_CIPHER_CTX_set_padding(c, 0) == 1);
		ATF_REQUIRE(EVP_EncryptUpdate(c, want, &n, pt, 64) == 1 && n == 64);
		EVP_CIPHER_CTX_free(c);
		ATF_REQUIRE(memcmp(ct, want, 64) == 0);
		EXPECT_OK(moat_cbc_crypt(&dec, iv, ct, 64, back));
		ATF_REQUIRE(memcmp(back, pt, 64) == 0);
		/* In place, and the IV is reloaded per call. */
		memcpy(back, pt, 64);
		EXPECT_OK(moat_cbc_crypt(&enc, iv, back, 64, back));
		ATF_REQUIRE(memcmp(back, ct, 64) == 0);
		EXPECT_ERR(moat_cbc_crypt(&enc, iv, pt, moat_cbc_block_len(algs[a]) + 1, ct), MOAT_ERR_INVALID_ARG);
		moat_cbc_free(&enc);
		moat_cbc_free(&dec);
		moat_cbc_free(&dec);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, prf12_known_answers);
	ATF_TP_ADD_TC(tp, prf10_known_answer);
	ATF_TP_ADD_TC(tp, derivations_follow_the_rfc);
	ATF_TP_ADD_TC(tp, exporter_follows_rfc5705);
	ATF_TP_ADD_TC(tp, prf_rejects_bad_arguments);
	ATF_TP_ADD_TC(tp, hmac_ct_matches_hmac);
	ATF_TP_ADD_TC(tp, cbc_matches_libcrypto);
	return atf_no_error();
}
