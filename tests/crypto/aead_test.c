/*
 * Record AEADs: round trips at every size a record can have, in place and
 * out of place; every kind of tampering (ciphertext, tag, AAD, nonce, key,
 * length) must fail with bad_record_mac and leave no plaintext behind; and
 * known answers: records from the RFC 8448 §3 trace (AES-128-GCM), McGrew and
 * Viega's GCM test cases 13 and 14 (AES-256-GCM) and RFC 8439 §2.8.2
 * (ChaCha20-Poly1305).
 */
#include <stdbool.h>
#include <string.h>

#include "tls/crypto_aead.h"
#include "tls/iana.h"
#include "tests/moat_test.h"
#include "tests/test_hex.h"


static const moat_aead_alg all_algs[] = {
	MOAT_AEAD_AES_128_GCM,
	MOAT_AEAD_AES_256_GCM,
	MOAT_AEAD_CHACHA20_POLY1305,
};
#define N_ALGS (sizeof(all_algs) / sizeof(all_algs[0]))

#define MAX_PT (MOAT_MAX_PLAINTEXT + 256)
/* One spare byte past the largest record, to catch writes past the end. */
static uint8_t pt[MAX_PT], ct[MAX_PT + MOAT_AEAD_TAG_LEN + 1], back[MAX_PT + MOAT_AEAD_TAG_LEN + 1];

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 31 + (i >> 8));
}

/* An encrypting and a decrypting context sharing one key. */
static void pair(moat_aead_alg alg, unsigned seed, struct moat_aead *enc, struct moat_aead *dec)
{
	uint8_t key[MOAT_AEAD_MAX_KEY_LEN];

	fill(key, sizeof(key), seed);
	EXPECT_OK(moat_aead_init(enc, alg, key, true));
	EXPECT_OK(moat_aead_init(dec, alg, key, false));
	ATF_REQUIRE(enc->ctx != NULL && enc->alg == alg && enc->encrypt);
	ATF_REQUIRE(dec->ctx != NULL && dec->alg == alg && !dec->encrypt);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static const uint8_t header[5] = { 0x17, 0x03, 0x03, 0x00, 0x00 };

ATF_TC_WITHOUT_HEAD(key_lengths);
ATF_TC_BODY(key_lengths, tc)
{
	ATF_REQUIRE_EQ(moat_aead_key_len(MOAT_AEAD_AES_128_GCM), 16);
	ATF_REQUIRE_EQ(moat_aead_key_len(MOAT_AEAD_AES_256_GCM), 32);
	ATF_REQUIRE_EQ(moat_aead_key_len(MOAT_AEAD_CHACHA20_POLY1305), 32);
	ATF_REQUIRE_EQ(moat_aead_key_len(MOAT_AEAD_NONE), 0);
	ATF_REQUIRE_EQ(moat_aead_key_len((moat_aead_alg)42), 0);
	EXPECT_OK(moat_aead_preload());
	EXPECT_OK(moat_aead_preload());
}

ATF_TC_WITHOUT_HEAD(round_trip_sizes);
ATF_TC_BODY(round_trip_sizes, tc)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 63, 64, 255, 256, 1024, 4097, 16383, 16384, 16385, MAX_PT };
	uint8_t nonce[MOAT_AEAD_NONCE_LEN];

	for (size_t a = 0; a < N_ALGS; a++) {
		struct moat_aead enc = { 0 }, dec = { 0 };
		pair(all_algs[a], (unsigned)a, &enc, &dec);
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			size_t n = sizes[s];
			fill(pt, n, (unsigned)(s + 7));
			fill(nonce, sizeof(nonce), (unsigned)s);
			memset(ct, 0xcc, sizeof(ct));
			EXPECT_OK(moat_aead_seal(&enc, nonce, header, sizeof(header), pt, n, ct));
			if (n >= 16)
				ATF_REQUIRE_MSG(memcmp(ct, pt, n) != 0, "alg %zu size %zu: not encrypted", a, n);
			ATF_REQUIRE_EQ(ct[n + MOAT_AEAD_TAG_LEN], 0xcc);
			memset(back, 0xcc, sizeof(back));
			EXPECT_OK(moat_aead_open(&dec, nonce, header, sizeof(header), ct, n + MOAT_AEAD_TAG_LEN, back));
			ATF_REQUIRE_MSG(memcmp(back, pt, n) == 0, "alg %zu size %zu: round trip differs", a, n);
			ATF_REQUIRE_EQ(back[n], 0xcc);

			/* Same key, nonce and input: same output (no state carried between records). */
			EXPECT_OK(moat_aead_seal(&enc, nonce, header, sizeof(header), pt, n, back));
			ATF_REQUIRE(memcmp(back, ct, n + MOAT_AEAD_TAG_LEN) == 0);

			/* No AAD at all. */
			EXPECT_OK(moat_aead_seal(&enc, nonce, NULL, 0, pt, n, ct));
			EXPECT_OK(moat_aead_open(&dec, nonce, NULL, 0, ct, n + MOAT_AEAD_TAG_LEN, back));
			ATF_REQUIRE(memcmp(back, pt, n) == 0);
			EXPECT_ERR(moat_aead_open(&dec, nonce, header, sizeof(header), ct, n + MOAT_AEAD_TAG_LEN, back),
				   MOAT_ERR_BAD_RECORD_MAC);
		}
		moat_aead_free(&enc);
		moat_aead_free(&dec);
	}
}

ATF_TC_WITHOUT_HEAD(in_place);
ATF_TC_BODY(in_place, tc)
{
	static const size_t sizes[] = { 0, 1, 100, MOAT_MAX_PLAINTEXT };
	uint8_t nonce[MOAT_AEAD_NONCE_LEN];

	for (size_t a = 0; a < N_ALGS; a++) {
		struct moat_aead enc = { 0 }, dec = { 0 };
		pair(all_algs[a], (unsigned)a + 100, &enc, &dec);
		fill(nonce, sizeof(nonce), 3);
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			size_t n = sizes[s];
			fill(pt, n, 9);
			EXPECT_OK(moat_aead_seal(&enc, nonce, header, sizeof(header), pt, n, ct));
			/* back doubles as the in-place buffer. */
			memcpy(back, pt, n);
			EXPECT_OK(moat_aead_seal(&enc, nonce, header, sizeof(header), back, n, back));
			ATF_REQUIRE_MSG(memcmp(back, ct, n + MOAT_AEAD_TAG_LEN) == 0, "alg %zu size %zu", a, n);
			EXPECT_OK(moat_aead_open(&dec, nonce, header, sizeof(header), back, n + MOAT_AEAD_TAG_LEN,
						 back));
			ATF_REQUIRE(memcmp(back, pt, n) == 0);
		}
		moat_aead_free(&enc);
		moat_aead_free(&dec);
	}
}

/* Expect open to fail with bad_record_mac and to leave no plaintext in out. */
static void expect_forged(struct moat_aead *dec, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
			  const uint8_t *in, size_t in_len)
{
	memset(back, 0xaa, sizeof(back));
	EXPECT_ERR(moat_aead_open(dec, nonce, aad, aad_len, in, in_len, back), MOAT_ERR_BAD_RECORD_MAC);
	if (in_len >= MOAT_AEAD_TAG_LEN)
		ATF_REQUIRE_MSG(all_zero(back, in_len - MOAT_AEAD_TAG_LEN), "unauthenticated plaintext left in out");
}

ATF_TC_WITHOUT_HEAD(tampering_fails);
ATF_TC_BODY(tampering_fails, tc)
{
	const size_t n = 100, len = n + MOAT_AEAD_TAG_LEN;
	uint8_t nonce[MOAT_AEAD_NONCE_LEN], aad[sizeof(header)], rec[100 + MOAT_AEAD_TAG_LEN];

	for (size_t a = 0; a < N_ALGS; a++) {
		struct moat_aead enc = { 0 }, dec = { 0 }, other_enc = { 0 }, other = { 0 };
		pair(all_algs[a], (unsigned)a + 200, &enc, &dec);
		pair(all_algs[a], (unsigned)a + 300, &other_enc, &other);
		fill(pt, n, 1);
		fill(nonce, sizeof(nonce), 5);
		memcpy(aad, header, sizeof(aad));
		EXPECT_OK(moat_aead_seal(&enc, nonce, aad, sizeof(aad), pt, n, rec));

		/* One flipped bit anywhere in ciphertext or tag. */
		for (size_t i = 0; i < len; i++) {
			rec[i] ^= (uint8_t)(1u << (i % 8));
			expect_forged(&dec, nonce, aad, sizeof(aad), rec, len);
			rec[i] ^= (uint8_t)(1u << (i % 8));
		}
		/* A flipped bit in the AAD or the nonce. */
		for (size_t i = 0; i < sizeof(aad); i++) {
			aad[i] ^= 0x80;
			expect_forged(&dec, nonce, aad, sizeof(aad), rec, len);
			aad[i] ^= 0x80;
		}
		for (size_t i = 0; i < sizeof(nonce); i++) {
			nonce[i] ^= 0x01;
			expect_forged(&dec, nonce, aad, sizeof(aad), rec, len);
			nonce[i] ^= 0x01;
		}
		/* AAD dropped or shortened, record truncated or extended, another key. */
		expect_forged(&dec, nonce, NULL, 0, rec, len);
		expect_forged(&dec, nonce, aad, sizeof(aad) - 1, rec, len);
		expect_forged(&dec, nonce, aad, sizeof(aad), rec, len - 1);
		expect_forged(&dec, nonce, aad, sizeof(aad), rec + 1, len - 1);
		expect_forged(&other, nonce, aad, sizeof(aad), rec, len);

		/* Shorter than a tag: nothing to authenticate. */
		for (size_t i = 0; i < MOAT_AEAD_TAG_LEN; i++)
			expect_forged(&dec, nonce, aad, sizeof(aad), rec, i);

		/* A failure leaves the context usable: the genuine record still opens. */
		EXPECT_OK(moat_aead_open(&dec, nonce, aad, sizeof(aad), rec, len, back));
		ATF_REQUIRE(memcmp(back, pt, n) == 0);
		/* Also after a failed open in place, which wipes the buffer. */
		memcpy(back, rec, len);
		back[3] ^= 1;
		EXPECT_ERR(moat_aead_open(&dec, nonce, aad, sizeof(aad), back, len, back), MOAT_ERR_BAD_RECORD_MAC);
		ATF_REQUIRE(all_zero(back, n));
		EXPECT_OK(moat_aead_open(&dec, nonce, aad, sizeof(aad), rec, len, back));
		ATF_REQUIRE(memcmp(back, pt, n) == 0);

		moat_aead_free(&enc);
		moat_aead_free(&dec);
		moat_aead_free(&other_enc);
		moat_aead_free(&other);
	}
}

ATF_TC_WITHOUT_HEAD(misuse);
ATF_TC_BODY(misuse, tc)
{
	struct moat_aead a = { 0 }, enc = { 0 }, dec = { 0 };
	uint8_t key[MOAT_AEAD_MAX_KEY_LEN] = { 0 }, nonce[MOAT_AEAD_NONCE_LEN] = { 0 }, buf[64] = { 0 };

	moat_aead_free(&a);
	moat_aead_free(&a);
	moat_aead_free(NULL);
	EXPECT_ERR(moat_aead_seal(&a, nonce, NULL, 0, buf, 8, buf), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_aead_open(&a, nonce, NULL, 0, buf, 32, buf), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_aead_rekey(&a, key), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_aead_init(&a, MOAT_AEAD_NONE, key, true), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE(a.ctx == NULL);
	EXPECT_ERR(moat_aead_init(&a, (moat_aead_alg)42, key, true), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_aead_init(&a, MOAT_AEAD_AES_128_GCM, NULL, true), MOAT_ERR_NULL_ARG);

	/* Each context works in one direction only. */
	pair(MOAT_AEAD_CHACHA20_POLY1305, 1, &enc, &dec);
	EXPECT_ERR(moat_aead_seal(&dec, nonce, NULL, 0, buf, 8, buf), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_aead_open(&enc, nonce, NULL, 0, buf, 32, buf), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_aead_seal(&enc, nonce, NULL, 0, NULL, 8, buf), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_aead_seal(&enc, NULL, NULL, 0, buf, 8, buf), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_aead_seal(&enc, nonce, NULL, 5, buf, 8, buf), MOAT_ERR_NULL_ARG);
	/* An empty plaintext may come with no buffers at all but the tag's. */
	EXPECT_OK(moat_aead_seal(&enc, nonce, NULL, 0, NULL, 0, buf));
	EXPECT_OK(moat_aead_open(&dec, nonce, NULL, 0, buf, MOAT_AEAD_TAG_LEN, NULL));
	moat_aead_free(&enc);
	moat_aead_free(&enc);
	ATF_REQUIRE(enc.ctx == NULL);
	moat_aead_free(&dec);
}

ATF_TC_WITHOUT_HEAD(rekey_matches_fresh_context);
ATF_TC_BODY(rekey_matches_fresh_context, tc)
{
	uint8_t key_a[MOAT_AEAD_MAX_KEY_LEN], key_b[MOAT_AEAD_MAX_KEY_LEN], nonce[MOAT_AEAD_NONCE_LEN] = { 1 };

	fill(key_a, sizeof(key_a), 10);
	fill(key_b, sizeof(key_b), 20);
	fill(pt, 300, 4);
	for (size_t a = 0; a < N_ALGS; a++) {
		struct moat_aead enc = { 0 }, fresh = { 0 }, dec = { 0 };
		EXPECT_OK(moat_aead_init(&enc, all_algs[a], key_a, true));
		EXPECT_OK(moat_aead_init(&dec, all_algs[a], key_a, false));
		EXPECT_OK(moat_aead_seal(&enc, nonce, header, sizeof(header), pt, 300, ct));
		EXPECT_OK(moat_aead_rekey(&enc, key_b));
		EXPECT_OK(moat_aead_rekey(&dec, key_b));
		EXPECT_OK(moat_aead_init(&fresh, all_algs[a], key_b, true));
		EXPECT_OK(moat_aead_seal(&enc, nonce, header, sizeof(header), pt, 300, ct));
		EXPECT_OK(moat_aead_seal(&fresh, nonce, header, sizeof(header), pt, 300, back));
		ATF_REQUIRE(memcmp(ct, back, 300 + MOAT_AEAD_TAG_LEN) == 0);
		EXPECT_OK(moat_aead_open(&dec, nonce, header, sizeof(header), ct, 300 + MOAT_AEAD_TAG_LEN, back));
		ATF_REQUIRE(memcmp(back, pt, 300) == 0);
		moat_aead_free(&enc);
		moat_aead_free(&fresh);
		moat_aead_free(&dec);
	}
}

/* RFC 8448 §3, {server} derive write traffic keys for handshake data. */
/* 16 bytes */
static const char server_hs_key[] =
	"3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc";
/* 12 bytes */
static const char server_hs_iv[] =
	"5d 31 3e b2 67 12 76 ee 13 00 0b 30";

/* RFC 8448 §3, {server} send handshake record: EncryptedExtensions..Finished, sequence number 0. */
/* 657 bytes */
static const char server_hs_payload[] =
	"08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 "
	"00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c "
	"00 02 40 01 00 00 00 00 0b 00 01 b9 00 00 01 b5 "
	"00 01 b0 30 82 01 ac 30 82 01 15 a0 03 02 01 02 "
	"02 01 02 30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b "
	"05 00 30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72 "
	"73 61 30 1e 17 0d 31 36 30 37 33 30 30 31 32 33 "
	"35 39 5a 17 0d 32 36 30 37 33 30 30 31 32 33 35 "
	"39 5a 30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72 "
	"73 61 30 81 9f 30 0d 06 09 2a 86 48 86 f7 0d 01 "
	"01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00 b4 "
	"bb 49 8f 82 79 30 3d 98 08 36 39 9b 36 c6 98 8c "
	"0c 68 de 55 e1 bd b8 26 d3 90 1a 24 61 ea fd 2d "
	"e4 9a 91 d0 15 ab bc 9a 95 13 7a ce 6c 1a f1 9e "
	"aa 6a f9 8c 7c ed 43 12 09 98 e1 87 a8 0e e0 cc "
	"b0 52 4b 1b 01 8c 3e 0b 63 26 4d 44 9a 6d 38 e2 "
	"2a 5f da 43 08 46 74 80 30 53 0e f0 46 1c 8c a9 "
	"d9 ef bf ae 8e a6 d1 d0 3e 2b d1 93 ef f0 ab 9a "
	"80 02 c4 74 28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f 02 "
	"03 01 00 01 a3 1a 30 18 30 09 06 03 55 1d 13 04 "
	"02 30 00 30 0b 06 03 55 1d 0f 04 04 03 02 05 a0 "
	"30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b 05 00 03 "
	"81 81 00 85 aa d2 a0 e5 b9 27 6b 90 8c 65 f7 3a "
	"72 67 17 06 18 a5 4c 5f 8a 7b 33 7d 2d f7 a5 94 "
	"36 54 17 f2 ea e8 f8 a5 8c 8f 81 72 f9 31 9c f3 "
	"6b 7f d6 c5 5b 80 f2 1a 03 01 51 56 72 60 96 fd "
	"33 5e 5e 67 f2 db f1 02 70 2e 60 8c ca e6 be c1 "
	"fc 63 a4 2a 99 be 5c 3e b7 10 7c 3c 54 e9 b9 eb "
	"2b d5 20 3b 1c 3b 84 e0 a8 b2 f7 59 40 9b a3 ea "
	"c9 d9 1d 40 2d cc 0c c8 f8 96 12 29 ac 91 87 b4 "
	"2b 4d e1 00 00 0f 00 00 84 08 04 00 80 5a 74 7c "
	"5d 88 fa 9b d2 e5 5a b0 85 a6 10 15 b7 21 1f 82 "
	"4c d4 84 14 5a b3 ff 52 f1 fd a8 47 7b 0b 7a bc "
	"90 db 78 e2 d3 3a 5c 14 1a 07 86 53 fa 6b ef 78 "
	"0c 5e a2 48 ee aa a7 85 c4 f3 94 ca b6 d3 0b be "
	"8d 48 59 ee 51 1f 60 29 57 b1 54 11 ac 02 76 71 "
	"45 9e 46 44 5c 9e a5 8c 18 1e 81 8e 95 b8 c3 fb "
	"0b f3 27 84 09 d3 be 15 2a 3d a5 04 3e 06 3d da "
	"65 cd f5 ae a2 0d 53 df ac d4 2f 74 f3 14 00 00 "
	"20 9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de "
	"da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07 "
	"18";
/* 679 bytes */
static const char server_hs_record[] =
	"17 03 03 02 a2 d1 ff 33 4a 56 f5 bf f6 59 4a 07 "
	"cc 87 b5 80 23 3f 50 0f 45 e4 89 e7 f3 3a f3 5e "
	"df 78 69 fc f4 0a a4 0a a2 b8 ea 73 f8 48 a7 ca "
	"07 61 2e f9 f9 45 cb 96 0b 40 68 90 51 23 ea 78 "
	"b1 11 b4 29 ba 91 91 cd 05 d2 a3 89 28 0f 52 61 "
	"34 aa dc 7f c7 8c 4b 72 9d f8 28 b5 ec f7 b1 3b "
	"d9 ae fb 0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79 "
	"02 07 16 cf b9 b1 18 3e f3 ab 20 e3 7d 57 a6 b9 "
	"d7 47 76 09 ae e6 e1 22 a4 cf 51 42 73 25 25 0c "
	"7d 0e 50 92 89 44 4c 9b 3a 64 8f 1d 71 03 5d 2e "
	"d6 5b 0e 3c dd 0c ba e8 bf 2d 0b 22 78 12 cb b3 "
	"60 98 72 55 cc 74 41 10 c4 53 ba a4 fc d6 10 92 "
	"8d 80 98 10 e4 b7 ed 1a 8f d9 91 f0 6a a6 24 82 "
	"04 79 7e 36 a6 a7 3b 70 a2 55 9c 09 ea d6 86 94 "
	"5b a2 46 ab 66 e5 ed d8 04 4b 4c 6d e3 fc f2 a8 "
	"94 41 ac 66 27 2f d8 fb 33 0e f8 19 05 79 b3 68 "
	"45 96 c9 60 bd 59 6e ea 52 0a 56 a8 d6 50 f5 63 "
	"aa d2 74 09 96 0d ca 63 d3 e6 88 61 1e a5 e2 2f "
	"44 15 cf 95 38 d5 1a 20 0c 27 03 42 72 96 8a 26 "
	"4e d6 54 0c 84 83 8d 89 f7 2c 24 46 1a ad 6d 26 "
	"f5 9e ca ba 9a cb bb 31 7b 66 d9 02 f4 f2 92 a3 "
	"6a c1 b6 39 c6 37 ce 34 31 17 b6 59 62 22 45 31 "
	"7b 49 ee da 0c 62 58 f1 00 d7 d9 61 ff b1 38 64 "
	"7e 92 ea 33 0f ae ea 6d fa 31 c7 a8 4d c3 bd 7e "
	"1b 7a 6c 71 78 af 36 87 90 18 e3 f2 52 10 7f 24 "
	"3d 24 3d c7 33 9d 56 84 c8 b0 37 8b f3 02 44 da "
	"8c 87 c8 43 f5 e5 6e b4 c5 e8 28 0a 2b 48 05 2c "
	"f9 3b 16 49 9a 66 db 7c ca 71 e4 59 94 26 f7 d4 "
	"61 e6 6f 99 88 2b d8 9f c5 08 00 be cc a6 2d 6c "
	"74 11 6d bd 29 72 fd a1 fa 80 f8 5d f8 81 ed be "
	"5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c 69 18 "
	"a3 96 fa 48 a1 81 d6 b6 fa 4f 9d 62 d5 13 af bb "
	"99 2f 2b 99 2f 67 f8 af e6 7f 76 91 3f a3 88 cb "
	"56 30 c8 ca 01 e0 c6 5d 11 c6 6a 1e 2a c4 c8 59 "
	"77 b7 c7 a6 99 9b bf 10 dc 35 ae 69 f5 51 56 14 "
	"63 6c 0b 9b 68 c1 9e d2 e3 1c 0b 3b 66 76 30 38 "
	"eb ba 42 f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97 "
	"8c 31 7f c9 fa 66 a7 3f 60 f0 50 4d e9 3b 5b 84 "
	"5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd d5 02 78 "
	"40 16 e4 b3 be 7e f0 4d da 49 f4 b4 40 a3 0c b5 "
	"d2 af 93 98 28 fd 4a e3 79 4e 44 f9 4d f5 a6 31 "
	"ed e4 2c 17 19 bf da bf 02 53 fe 51 75 be 89 8e "
	"75 0e dc 53 37 0d 2b";

/* RFC 8448 §3, {client} derive write traffic keys for application data, and its first record (sequence 0). */
/* 16 bytes */
static const char client_ap_key[] =
	"17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51";
/* 12 bytes */
static const char client_ap_iv[] =
	"5b 78 92 3d ee 08 57 90 33 e5 23 d9";
/* 50 bytes */
static const char client_ap_payload[] =
	"00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f "
	"10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f "
	"20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f "
	"30 31";
/* 72 bytes */
static const char client_ap_record[] =
	"17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe "
	"82 28 ba 55 cb ef ac ea 42 f9 14 aa 66 bc ab 3f "
	"2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b "
	"62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 "
	"3a ee bb 21 69 49 15 e4";

/* RFC 8448 §3, {server} derive write traffic keys for application data; its application_data record
 * follows the NewSessionTicket record, so it has sequence number 1. */
/* 16 bytes */
static const char server_ap_key[] =
	"9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56";
/* 12 bytes */
static const char server_ap_iv[] =
	"cf 78 2b 88 dd 83 54 9a ad f1 e9 84";
/* 50 bytes */
static const char server_ap_payload[] =
	"00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f "
	"10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f "
	"20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f "
	"30 31";
/* 72 bytes */
static const char server_ap_record[] =
	"17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad "
	"36 00 5f c4 a4 69 32 fc 32 25 d0 5f 82 aa 1b 36 "
	"e3 0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8 "
	"fc c4 9c 4b f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 "
	"0d d0 32 e1 67 c2 95 5d";

/*
 * Open a TLS 1.3 record from the trace (RFC 8446 §5.2: additional_data is the
 * record header, the nonce is the IV XOR the sequence number, §5.3), compare
 * the TLSInnerPlaintext with payload || content type, then seal it again and
 * compare with the record, out of place and in place.
 */
static void check_record(const char *key_hex, const char *iv_hex, uint64_t seq, const char *payload_hex,
			 uint8_t content_type, const char *record_hex)
{
	static uint8_t record[1024], inner[1024], out[1024];
	uint8_t key[16], nonce[MOAT_AEAD_NONCE_LEN];
	struct moat_aead enc = { 0 }, dec = { 0 };

	ATF_REQUIRE_EQ(test_unhex(key_hex, key, sizeof(key)), 16);
	ATF_REQUIRE_EQ(test_unhex(iv_hex, nonce, sizeof(nonce)), MOAT_AEAD_NONCE_LEN);
	for (size_t i = 0; i < 8; i++)
		nonce[MOAT_AEAD_NONCE_LEN - 1 - i] ^= (uint8_t)(seq >> (8 * i));
	size_t inner_len = test_unhex(payload_hex, inner, sizeof(inner) - 1);
	inner[inner_len++] = content_type;
	size_t rec_len = test_unhex(record_hex, record, sizeof(record));
	ATF_REQUIRE_EQ(rec_len, MOAT_RECORD_HEADER_LEN + inner_len + MOAT_AEAD_TAG_LEN);
	ATF_REQUIRE_EQ((size_t)record[3] << 8 | record[4], inner_len + MOAT_AEAD_TAG_LEN);

	EXPECT_OK(moat_aead_init(&dec, MOAT_AEAD_AES_128_GCM, key, false));
	EXPECT_OK(moat_aead_open(&dec, nonce, record, MOAT_RECORD_HEADER_LEN, record + MOAT_RECORD_HEADER_LEN,
				 rec_len - MOAT_RECORD_HEADER_LEN, out));
	ATF_REQUIRE_MSG(memcmp(out, inner, inner_len) == 0, "decrypted record differs from the trace");

	EXPECT_OK(moat_aead_init(&enc, MOAT_AEAD_AES_128_GCM, key, true));
	EXPECT_OK(moat_aead_seal(&enc, nonce, record, MOAT_RECORD_HEADER_LEN, inner, inner_len, out));
	ATF_REQUIRE_MSG(memcmp(out, record + MOAT_RECORD_HEADER_LEN, rec_len - MOAT_RECORD_HEADER_LEN) == 0,
			"encrypted record differs from the trace");

	memcpy(out, inner, inner_len);
	EXPECT_OK(moat_aead_seal(&enc, nonce, record, MOAT_RECORD_HEADER_LEN, out, inner_len, out));
	ATF_REQUIRE(memcmp(out, record + MOAT_RECORD_HEADER_LEN, rec_len - MOAT_RECORD_HEADER_LEN) == 0);
	EXPECT_OK(moat_aead_open(&dec, nonce, record, MOAT_RECORD_HEADER_LEN, out, rec_len - MOAT_RECORD_HEADER_LEN,
				 out));
	ATF_REQUIRE(memcmp(out, inner, inner_len) == 0);

	/* The wrong sequence number is a different nonce: bad_record_mac. */
	nonce[MOAT_AEAD_NONCE_LEN - 1] ^= 1;
	EXPECT_ERR(moat_aead_open(&dec, nonce, record, MOAT_RECORD_HEADER_LEN, record + MOAT_RECORD_HEADER_LEN,
				  rec_len - MOAT_RECORD_HEADER_LEN, out),
		   MOAT_ERR_BAD_RECORD_MAC);
	moat_aead_free(&enc);
	moat_aead_free(&dec);
}

ATF_TC_WITHOUT_HEAD(rfc8448_records);
ATF_TC_BODY(rfc8448_records, tc)
{
	check_record(server_hs_key, server_hs_iv, 0, server_hs_payload, MOAT_CT_HANDSHAKE, server_hs_record);
	check_record(client_ap_key, client_ap_iv, 0, client_ap_payload, MOAT_CT_APPLICATION_DATA, client_ap_record);
	check_record(server_ap_key, server_ap_iv, 1, server_ap_payload, MOAT_CT_APPLICATION_DATA, server_ap_record);
}

/* One known answer: seal must give ct_tag_hex, open must give the plaintext back. */
static void check_kat(moat_aead_alg alg, const char *key_hex, const char *nonce_hex, const char *aad_hex,
		      const uint8_t *plain, size_t plain_len, const char *ct_tag_hex)
{
	uint8_t key[MOAT_AEAD_MAX_KEY_LEN], nonce[MOAT_AEAD_NONCE_LEN], aad[64], want[256], out[256];
	struct moat_aead enc = { 0 }, dec = { 0 };

	ATF_REQUIRE_EQ(test_unhex(key_hex, key, sizeof(key)), moat_aead_key_len(alg));
	ATF_REQUIRE_EQ(test_unhex(nonce_hex, nonce, sizeof(nonce)), MOAT_AEAD_NONCE_LEN);
	size_t aad_len = test_unhex(aad_hex, aad, sizeof(aad));
	size_t want_len = test_unhex(ct_tag_hex, want, sizeof(want));
	ATF_REQUIRE_EQ(want_len, plain_len + MOAT_AEAD_TAG_LEN);

	EXPECT_OK(moat_aead_init(&enc, alg, key, true));
	EXPECT_OK(moat_aead_seal(&enc, nonce, aad, aad_len, plain, plain_len, out));
	ATF_REQUIRE_MSG(memcmp(out, want, want_len) == 0, "seal differs from the known answer");
	EXPECT_OK(moat_aead_init(&dec, alg, key, false));
	EXPECT_OK(moat_aead_open(&dec, nonce, aad, aad_len, want, want_len, out));
	ATF_REQUIRE(plain_len == 0 || memcmp(out, plain, plain_len) == 0);
	moat_aead_free(&enc);
	moat_aead_free(&dec);
}

ATF_TC_WITHOUT_HEAD(aes256gcm_known_answers);
ATF_TC_BODY(aes256gcm_known_answers, tc)
{
	static const uint8_t zero16[16];
	static const char zero_key[] = "0000000000000000000000000000000000000000000000000000000000000000";

	/* McGrew & Viega, "The Galois/Counter Mode of Operation", test case 13 (empty) and 14. */
	check_kat(MOAT_AEAD_AES_256_GCM, zero_key, "000000000000000000000000", "", NULL, 0,
		  "530f8afbc74536b9a963b4f1c4cb738b");
	check_kat(MOAT_AEAD_AES_256_GCM, zero_key, "000000000000000000000000", "", zero16, 16,
		  "cea7403d4d606b6e074ec5d3baf39d18"
		  "d0d1c8a799996bf0265b98b5d48ab919");
}

ATF_TC_WITHOUT_HEAD(chacha20poly1305_rfc8439);
ATF_TC_BODY(chacha20poly1305_rfc8439, tc)
{
	static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you only one "
					"tip for the future, sunscreen would be it.";

	/* RFC 8439 §2.8.2: ciphertext followed by the tag 1a:e1:0b:59:... */
	check_kat(MOAT_AEAD_CHACHA20_POLY1305,
		  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "070000004041424344454647",
		  "50515253c0c1c2c3c4c5c6c7", (const uint8_t *)sunscreen, strlen(sunscreen),
		  "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
		  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
		  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
		  "3ff4def08e4b7a9de576d26586cec64b6116"
		  "1ae10b594f09e26a7e902ecbd0600691");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, key_lengths);
	ATF_TP_ADD_TC(tp, round_trip_sizes);
	ATF_TP_ADD_TC(tp, in_place);
	ATF_TP_ADD_TC(tp, tampering_fails);
	ATF_TP_ADD_TC(tp, misuse);
	ATF_TP_ADD_TC(tp, rekey_matches_fresh_context);
	ATF_TP_ADD_TC(tp, rfc8448_records);
	ATF_TP_ADD_TC(tp, aes256gcm_known_answers);
	ATF_TP_ADD_TC(tp, chacha20poly1305_rfc8439);
	return atf_no_error();
}
