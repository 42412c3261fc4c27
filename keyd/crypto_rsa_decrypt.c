/*
 * RSA premaster decryption with implicit rejection (see crypto_rsa_decrypt.h).
 *
 * libcrypto is asked only for the raw RSA operation (RSA_NO_PADDING: m =
 * c^d mod n, blinded, constant-time exponentiation); the PKCS#1 v1.5 block
 * is checked here, branch-free over every byte, because libcrypto's own
 * PKCS#1 decryption reports a padding error, and turning that error into a
 * random secret after the fact is exactly the branch an attacker times.
 * OpenSSL 3.2 and later can do implicit rejection itself, 3.0 cannot; this
 * code does not depend on either.
 *
 * The only branches are on public facts: the ciphertext's length against the
 * modulus length, and libcrypto refusing a ciphertext not below the modulus
 * (the attacker knows both c and n).
 *
 * The encoded block (RFC 8017 §7.2.2, RFC 5246 §7.4.7.1) for a k-byte modulus:
 *	EM = 0x00 || 0x02 || PS (k - 51 nonzero bytes) || 0x00 || M (48 bytes)
 * and M = client_version (2 bytes) || random (46 bytes).
 */
#include "keyd/crypto_rsa_decrypt.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#define RSA_MAX_BYTES 512 /* 4096-bit keys: the largest RSA_DECRYPT ciphertext */

/* 1 if x == 0 else 0, for x < 2^31, without a branch. */
static uint32_t ct_is_zero(uint32_t x)
{
	return (~x & (x - 1)) >> 31;
}

static uint32_t ct_eq(uint32_t a, uint32_t b)
{
	return ct_is_zero(a ^ b);
}

/* 1 if em (k bytes) is a PKCS#1 v1.5 type 2 block holding a 48-byte message starting with client_version. */
static uint32_t premaster_block_ok(const uint8_t *em, size_t k, uint16_t client_version)
{
	uint32_t good = ct_eq(em[0], 0x00) & ct_eq(em[1], 0x02);
	size_t sep = k - KEYD_PREMASTER_LEN - 1;
	for (size_t i = 2; i < sep; i++)
		good &= 1 ^ ct_is_zero(em[i]);
	good &= ct_is_zero(em[sep]);
	good &= ct_eq(em[sep + 1], (uint32_t)(client_version >> 8));
	good &= ct_eq(em[sep + 2], (uint32_t)(client_version & 0xff));
	return good;
}

/* Raw RSA: em = ct^d mod n, k bytes. Fails for ct >= n (public) or a libcrypto failure. */
static int rsa_raw_decrypt(EVP_PKEY *pkey, const uint8_t *ct, size_t k, uint8_t *em)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	size_t em_len = k;
	int ok = EVP_PKEY_decrypt_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
		 EVP_PKEY_decrypt(ctx, em, &em_len, ct, k) == 1 && em_len == k;
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error();
		BAIL(MOAT_ERR_CRYPTO);
	}
	return MOAT_SUCCESS;
}

static int rsa_modulus_bytes(const EVP_PKEY *pkey, size_t *k)
{
	ENSURE_REF(pkey);
	ENSURE(EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA, MOAT_ERR_INVALID_ARG);
	int size = EVP_PKEY_get_size(pkey);
	/* PS needs at least 8 bytes (RFC 8017 §7.2.1): k >= 59; keyd's keys have k >= 256. */
	ENSURE(size >= 2 + 8 + 1 + KEYD_PREMASTER_LEN && size <= RSA_MAX_BYTES, MOAT_ERR_INVALID_ARG);
	*k = (size_t)size;
	return MOAT_SUCCESS;
}

int keyd_rsa_decrypt_premaster(const void *evp_pkey, uint16_t client_version, const uint8_t *ct, size_t ct_len,
			       uint8_t out[KEYD_PREMASTER_LEN])
{
	EVP_PKEY *pkey = (EVP_PKEY *)(uintptr_t)evp_pkey;
	uint8_t r[KEYD_PREMASTER_LEN];
	uint8_t em[RSA_MAX_BYTES];
	size_t k;

	ENSURE_REF(out);
	memset(out, 0, KEYD_PREMASTER_LEN);
	ENSURE(ct != NULL || ct_len == 0, MOAT_ERR_NULL_ARG);
	TRY(rsa_modulus_bytes(pkey, &k));

	/* Step 1: R before anything depends on the ciphertext. */
	if (RAND_priv_bytes(r, sizeof(r)) != 1) {
		ERR_clear_error();
		BAIL(MOAT_ERR_RANDOM);
	}

	/* Step 2: decrypt. A ciphertext of the wrong length, or not below n, is refused on public facts. */
	uint32_t good = 0;
	memset(em, 0, sizeof(em));
	if (ct_len == k && rsa_raw_decrypt(pkey, ct, k, em) == MOAT_SUCCESS)
		good = premaster_block_ok(em, k, client_version);

	/* Step 3: premaster = M if good else R, selected with a mask. */
	uint8_t mask = (uint8_t)(0u - good);
	const uint8_t *m = em + k - KEYD_PREMASTER_LEN;
	for (size_t i = 0; i < KEYD_PREMASTER_LEN; i++)
		out[i] = (uint8_t)((m[i] & mask) | (r[i] & (uint8_t)~mask));

	OPENSSL_cleanse(em, sizeof(em));
	OPENSSL_cleanse(r, sizeof(r));
	moat_error_clear();
	return MOAT_SUCCESS;
}

int keyd_rsa_decrypt_self_test(const void *evp_pkey)
{
	EVP_PKEY *pkey = (EVP_PKEY *)(uintptr_t)evp_pkey;
	uint8_t pm[KEYD_PREMASTER_LEN], ct[RSA_MAX_BYTES], got[KEYD_PREMASTER_LEN];
	size_t k, ct_len = sizeof(ct);

	TRY(rsa_modulus_bytes(pkey, &k));
	for (size_t i = 0; i < sizeof(pm); i++)
		pm[i] = (uint8_t)(0x5a ^ i);
	pm[0] = 0x03;
	pm[1] = 0x03;

	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	int ok = EVP_PKEY_encrypt_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		 EVP_PKEY_encrypt(ctx, ct, &ct_len, pm, sizeof(pm)) == 1 && ct_len == k;
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error();
		BAIL(MOAT_ERR_CRYPTO);
	}
	TRY(keyd_rsa_decrypt_premaster(pkey, 0x0303, ct, ct_len, got));
	int same = CRYPTO_memcmp(got, pm, sizeof(pm)) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	ENSURE(same, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}
