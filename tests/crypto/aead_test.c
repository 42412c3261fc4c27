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

#include "tls/crypto/aead.h"
#include "tls/iana.h"
#include "tests/moat_test.h"
#include "tests/rfc8448_vectors.h"
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
	/*
	 * RFC 8448 §3: the server's handshake flight (sequence 0), the client's first application_data
	 * record (sequence 0) and the server's, which follows its NewSessionTicket record (sequence 1).
	 */
	check_record(RFC8448_S3_SERVER_HS_KEY, RFC8448_S3_SERVER_HS_IV, 0, RFC8448_S3_SERVER_FLIGHT, MOAT_CT_HANDSHAKE,
		     RFC8448_S3_SERVER_FLIGHT_RECORD);
	check_record(RFC8448_S3_CLIENT_AP_KEY, RFC8448_S3_CLIENT_AP_IV, 0, RFC8448_S3_CLIENT_APP_DATA,
		     MOAT_CT_APPLICATION_DATA, RFC8448_S3_CLIENT_APP_RECORD);
	check_record(RFC8448_S3_SERVER_AP_KEY, RFC8448_S3_SERVER_AP_IV, 1, RFC8448_S3_SERVER_APP_DATA,
		     MOAT_CT_APPLICATION_DATA, RFC8448_S3_SERVER_APP_RECORD);
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
