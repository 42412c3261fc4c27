/*
 * RSA premaster decryption with deterministic implicit rejection (see
 * crypto_rsa_decrypt.h).
 *
 * libcrypto is asked only for the raw RSA operation (RSA_NO_PADDING: m =
 * c^d mod n, blinded, constant-time exponentiation); the PKCS#1 v1.5 block
 * is checked here, branch-free over every byte, because libcrypto 3.0's own
 * PKCS#1 decryption reports a padding error, and turning that error into
 * another answer after the fact is exactly the branch an attacker times.
 *
 * Order of work, the same for every ciphertext: the synthetic answer first
 * (two HMACs over public input and the key's secret), then the raw
 * decryption, then a masked selection. The only branches are on public
 * facts: the ciphertext's length against the modulus length, and libcrypto
 * refusing a ciphertext not below the modulus (the attacker knows c and n).
 *
 * The encoded block (RFC 8017 §7.2.2, RFC 5246 §7.4.7.1) for a k-byte modulus:
 *	EM = 0x00 || 0x02 || PS (k - 51 nonzero bytes) || 0x00 || M (48 bytes)
 */
#include "keyd/crypto_rsa_decrypt.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "common/secmem.h"

#define RSA_MAX_BYTES 512 /* 4096-bit keys: the largest RSA_DECRYPT ciphertext */
#define KDK_LEN 32        /* SHA-256 */
#define PRF_LABEL "moat tls premaster"

struct keyd_rsa_kex {
	EVP_PKEY *pkey;  /* borrowed from the key */
	size_t k;        /* modulus bytes */
	uint8_t *kdk_key; /* KDK_LEN bytes of moat_secmem */
};

/* 0xffffffff if x == 0 else 0, without a branch. */
static uint32_t ct_mask_zero(uint32_t x)
{
	return (uint32_t)0 - ((~x & (x - 1)) >> 31);
}

void keyd_rsa_select_premaster(const uint8_t *em, size_t k, const uint8_t synthetic[KEYD_PREMASTER_LEN],
			       uint8_t out[KEYD_PREMASTER_LEN])
{
	/* good stays all ones only if every byte is where the block wants it. */
	uint32_t good = ct_mask_zero(em[0]) & ct_mask_zero((uint32_t)em[1] ^ 0x02);
	size_t sep = k - KEYD_PREMASTER_LEN - 1;
	for (size_t i = 2; i < sep; i++)
		good &= ~ct_mask_zero(em[i]);
	good &= ct_mask_zero(em[sep]);
	const uint8_t *m = em + sep + 1;
	uint8_t mask = (uint8_t)good;
	for (size_t i = 0; i < KEYD_PREMASTER_LEN; i++)
		out[i] = (uint8_t)((m[i] & mask) | (synthetic[i] & (uint8_t)~mask));
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

static int hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len, uint8_t out[32])
{
	unsigned int out_len = 32;
	if (HMAC(EVP_sha256(), key, (int)key_len, msg, len, out, &out_len) == NULL || out_len != 32) {
		ERR_clear_error();
		BAIL(MOAT_ERR_CRYPTO);
	}
	return MOAT_SUCCESS;
}

/* The synthetic premaster for ct (header comment). Public input, secret key: no branch on either. */
static int synthetic_premaster(const struct keyd_rsa_kex *rk, const uint8_t *ct, size_t ct_len,
			       uint8_t out[KEYD_PREMASTER_LEN])
{
	uint8_t kdk[KDK_LEN], block[2 * 32], prf_in[2 + sizeof(PRF_LABEL) - 1 + 2];
	int rc = hmac_sha256(rk->kdk_key, KDK_LEN, ct, ct_len, kdk);
	memcpy(prf_in + 2, PRF_LABEL, sizeof(PRF_LABEL) - 1);
	prf_in[sizeof(prf_in) - 2] = (uint8_t)((8 * KEYD_PREMASTER_LEN) >> 8);
	prf_in[sizeof(prf_in) - 1] = (uint8_t)((8 * KEYD_PREMASTER_LEN) & 0xff);
	for (uint8_t i = 0; i < 2 && rc == MOAT_SUCCESS; i++) {
		prf_in[0] = 0;
		prf_in[1] = i;
		rc = hmac_sha256(kdk, sizeof(kdk), prf_in, sizeof(prf_in), block + 32 * i);
	}
	if (rc == MOAT_SUCCESS)
		memcpy(out, block, KEYD_PREMASTER_LEN);
	OPENSSL_cleanse(kdk, sizeof(kdk));
	OPENSSL_cleanse(block, sizeof(block));
	return rc;
}

int keyd_rsa_decrypt_premaster(const struct keyd_rsa_kex *rk, const uint8_t *ct, size_t ct_len,
			       uint8_t out[KEYD_PREMASTER_LEN])
{
	uint8_t synthetic[KEYD_PREMASTER_LEN];
	uint8_t em[RSA_MAX_BYTES];

	ENSURE_REF(out);
	memset(out, 0, KEYD_PREMASTER_LEN);
	ENSURE_REF(rk);
	ENSURE(ct != NULL || ct_len == 0, MOAT_ERR_NULL_ARG);

	/* Step 1: the answer for a bad block, before anything depends on the decryption. */
	TRY(synthetic_premaster(rk, ct, ct_len, synthetic));

	/*
	 * Step 2: decrypt. A ciphertext of the wrong length, or not below n,
	 * is refused on public facts; its em is all zeros, which the check
	 * below rejects like any other bad block.
	 */
	memset(em, 0, sizeof(em));
	if (ct_len == rk->k && rsa_raw_decrypt(rk->pkey, ct, rk->k, em) != MOAT_SUCCESS)
		memset(em, 0, sizeof(em));

	/* Step 3: premaster = M if the block is good else synthetic, selected with a mask. */
	keyd_rsa_select_premaster(em, rk->k, synthetic, out);

	OPENSSL_cleanse(em, sizeof(em));
	OPENSSL_cleanse(synthetic, sizeof(synthetic));
	moat_error_clear();
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

/* kdk_key = SHA-256(d as a k-byte big-endian number). */
static int derive_kdk_key(struct keyd_rsa_kex *rk)
{
	BIGNUM *d = NULL;
	uint8_t *buf = NULL;
	int rc = MOAT_FAILURE;
	unsigned int len = KDK_LEN;
	if (EVP_PKEY_get_bn_param(rk->pkey, OSSL_PKEY_PARAM_RSA_D, &d) != 1) {
		moat_error_raise(MOAT_ERR_CRYPTO, MOAT_HERE);
	} else if (moat_secmem_alloc(rk->k, (void **)&buf) != MOAT_SUCCESS) {
		/* error raised */
	} else if (BN_bn2binpad(d, buf, (int)rk->k) != (int)rk->k ||
		   EVP_Digest(buf, rk->k, rk->kdk_key, &len, EVP_sha256(), NULL) != 1 || len != KDK_LEN) {
		moat_error_raise(MOAT_ERR_CRYPTO, MOAT_HERE);
	} else {
		rc = MOAT_SUCCESS;
	}
	if (buf != NULL)
		moat_wipe(buf, rk->k);
	moat_secmem_free(buf);
	BN_clear_free(d);
	ERR_clear_error();
	return rc;
}

/* Encrypt with PKCS#1 v1.5 under the public half (the test's stand-in for a TLS client). */
static int encrypt_premaster(EVP_PKEY *pkey, const uint8_t pm[KEYD_PREMASTER_LEN], uint8_t *ct, size_t *ct_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	int ok = EVP_PKEY_encrypt_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		 EVP_PKEY_encrypt(ctx, ct, ct_len, pm, KEYD_PREMASTER_LEN) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error();
		BAIL(MOAT_ERR_CRYPTO);
	}
	return MOAT_SUCCESS;
}

static int self_test(const struct keyd_rsa_kex *rk)
{
	uint8_t pm[KEYD_PREMASTER_LEN], ct[RSA_MAX_BYTES], got[KEYD_PREMASTER_LEN], again[KEYD_PREMASTER_LEN];
	size_t ct_len = sizeof(ct);
	for (size_t i = 0; i < sizeof(pm); i++)
		pm[i] = (uint8_t)(0x5a ^ i);
	pm[0] = 0x03;
	pm[1] = 0x03;
	TRY(encrypt_premaster(rk->pkey, pm, ct, &ct_len));
	ENSURE(ct_len == rk->k, MOAT_ERR_CRYPTO);
	TRY(keyd_rsa_decrypt_premaster(rk, ct, ct_len, got));
	bool ok = CRYPTO_memcmp(got, pm, sizeof(pm)) == 0;
	/* A damaged ciphertext: the synthetic answer, twice the same, not the premaster. */
	ct[ct_len / 2] ^= 0x01;
	TRY(keyd_rsa_decrypt_premaster(rk, ct, ct_len, got));
	TRY(keyd_rsa_decrypt_premaster(rk, ct, ct_len, again));
	ok = ok && CRYPTO_memcmp(got, again, sizeof(got)) == 0 && CRYPTO_memcmp(got, pm, sizeof(pm)) != 0;
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(again, sizeof(again));
	ENSURE(ok, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int keyd_rsa_kex_new(struct keyd_rsa_kex **out, const void *evp_pkey)
{
	ENSURE_REF(out);
	*out = NULL;
	struct keyd_rsa_kex *rk = NULL;
	TRY(moat_secmem_alloc(sizeof(*rk), (void **)&rk));
	memset(rk, 0, sizeof(*rk));
	rk->pkey = (EVP_PKEY *)(uintptr_t)evp_pkey;
	int rc = rsa_modulus_bytes(rk->pkey, &rk->k);
	if (rc == MOAT_SUCCESS)
		rc = moat_secmem_alloc(KDK_LEN, (void **)&rk->kdk_key);
	if (rc == MOAT_SUCCESS)
		rc = derive_kdk_key(rk);
	if (rc == MOAT_SUCCESS)
		rc = self_test(rk);
	if (rc != MOAT_SUCCESS) {
		int err = moat_errno;
		keyd_rsa_kex_free(rk);
		moat_error_raise(err, MOAT_HERE);
		return MOAT_FAILURE;
	}
	*out = rk;
	return MOAT_SUCCESS;
}

void keyd_rsa_kex_free(struct keyd_rsa_kex *rk)
{
	if (rk == NULL)
		return;
	if (rk->kdk_key != NULL)
		moat_wipe(rk->kdk_key, KDK_LEN);
	moat_secmem_free(rk->kdk_key);
	moat_wipe(rk, sizeof(*rk));
	moat_secmem_free(rk);
}
