/*
 * Record-layer AEADs on OpenSSL 3 EVP_CIPHER_CTX.
 *
 * Ciphers are fetched once per process and kept, and each context gets its
 * key once at init (or rekey): seal and open re-initialise only the nonce
 * with EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, -1, NULL), which keeps the
 * expanded key and allocates nothing. Every record is one complete AEAD
 * operation (nonce, AAD, data, final, tag), as RFC 8446 §5.2 describes.
 * The nonce and key lengths are checked once on the fetched cipher rather
 * than on every context (each such query is a parameter round trip into
 * the provider); a cipher that fails the check is treated as unavailable.
 *
 * open reports every failure after its argument checks as bad_record_mac
 * (RFC 8446 §5.2: "If the decryption fails, the receiver MUST terminate the
 * connection with a "bad_record_mac" alert") and wipes whatever plaintext the
 * cipher wrote before the tag check failed.
 */
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/secmem.h"
#include "tls/crypto/aead.h"

#define AEAD_SLOTS 4

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *fetched_cipher[AEAD_SLOTS];

static const char *const cipher_names[AEAD_SLOTS] = {
	[MOAT_AEAD_AES_128_GCM] = "AES-128-GCM",
	[MOAT_AEAD_AES_256_GCM] = "AES-256-GCM",
	[MOAT_AEAD_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
};

static void fetch_all(void)
{
	for (size_t i = 0; i < AEAD_SLOTS; i++) {
		if (cipher_names[i] == NULL)
			continue;
		EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
		/* Both TLS 1.3 AEADs default to a 12-byte nonce and the key sizes we name; check rather than trust. */
		if (c != NULL && (EVP_CIPHER_get_iv_length(c) != MOAT_AEAD_NONCE_LEN ||
				  (size_t)EVP_CIPHER_get_key_length(c) != moat_aead_key_len((moat_aead_alg)i))) {
			EVP_CIPHER_free(c);
			c = NULL;
		}
		fetched_cipher[i] = c;
	}
}

size_t moat_aead_key_len(moat_aead_alg alg)
{
	switch (alg) {
	case MOAT_AEAD_AES_128_GCM:
		return 16;
	case MOAT_AEAD_AES_256_GCM:
	case MOAT_AEAD_CHACHA20_POLY1305:
		return 32;
	case MOAT_AEAD_NONE:
	default:
		return 0;
	}
}

int moat_aead_preload(void)
{
	ENSURE(pthread_once(&fetch_once, fetch_all) == 0, MOAT_ERR_INTERNAL);
	for (size_t i = 0; i < AEAD_SLOTS; i++)
		ENSURE(cipher_names[i] == NULL || fetched_cipher[i] != NULL, MOAT_ERR_NOT_SUPPORTED);
	return MOAT_SUCCESS;
}

int moat_aead_init(struct moat_aead *a, moat_aead_alg alg, const uint8_t *key, bool encrypt)
{
	ENSURE_REF(a);
	a->ctx = NULL;
	a->alg = MOAT_AEAD_NONE;
	a->encrypt = encrypt;
	ENSURE_REF(key);
	ENSURE(moat_aead_key_len(alg) != 0, MOAT_ERR_INVALID_ARG);
	ENSURE(pthread_once(&fetch_once, fetch_all) == 0, MOAT_ERR_INTERNAL);
	const EVP_CIPHER *cipher = fetched_cipher[alg];
	ENSURE(cipher != NULL, MOAT_ERR_NOT_SUPPORTED);

	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	/* The nonce comes with each record; the cipher's lengths were checked at fetch. */
	if (EVP_CipherInit_ex2(ctx, cipher, key, NULL, encrypt ? 1 : 0, NULL) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		BAIL(MOAT_ERR_CRYPTO);
	}
	a->ctx = ctx;
	a->alg = alg;
	return MOAT_SUCCESS;
}

int moat_aead_rekey(struct moat_aead *a, const uint8_t *key)
{
	ENSURE_REF(a);
	ENSURE_REF(key);
	ENSURE(a->ctx != NULL, MOAT_ERR_INVALID_STATE);
	TRY_OSSL(EVP_CipherInit_ex2(a->ctx, NULL, key, NULL, -1, NULL), MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

/* One seal; the caller has checked the arguments. */
static MOAT_MUST_USE int seal(EVP_CIPHER_CTX *ctx, const uint8_t *nonce, const uint8_t *aad, int aad_len,
			      const uint8_t *in, int in_len, uint8_t *out)
{
	uint8_t final_buf[MOAT_AEAD_TAG_LEN];
	int n = 0, fin = 0;

	TRY_OSSL(EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, -1, NULL), MOAT_ERR_CRYPTO);
	if (aad_len > 0)
		TRY_OSSL(EVP_CipherUpdate(ctx, NULL, &n, aad, aad_len), MOAT_ERR_CRYPTO);
	n = 0;
	if (in_len > 0)
		TRY_OSSL(EVP_CipherUpdate(ctx, out, &n, in, in_len), MOAT_ERR_CRYPTO);
	/* GCM and ChaCha20-Poly1305 are stream modes: everything comes out of Update, nothing from Final. */
	TRY_OSSL(EVP_CipherFinal_ex(ctx, final_buf, &fin), MOAT_ERR_CRYPTO);
	ENSURE(n == in_len && fin == 0, MOAT_ERR_CRYPTO);
	TRY_OSSL(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, MOAT_AEAD_TAG_LEN, out + in_len), MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int moat_aead_seal(struct moat_aead *a, const uint8_t nonce[MOAT_AEAD_NONCE_LEN], const uint8_t *aad,
		   size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out)
{
	ENSURE_REF(a);
	ENSURE_REF(nonce);
	ENSURE_REF(out);
	ENSURE(aad_len == 0 || aad != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(in_len == 0 || in != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(a->ctx != NULL && a->encrypt, MOAT_ERR_INVALID_STATE);
	ENSURE(aad_len <= INT_MAX && in_len <= INT_MAX - MOAT_AEAD_TAG_LEN, MOAT_ERR_INVALID_ARG);
	return seal(a->ctx, nonce, aad, (int)aad_len, in, (int)in_len, out);
}

/* One open; any failure here is a forged or corrupted record. */
static MOAT_MUST_USE int open_record(EVP_CIPHER_CTX *ctx, const uint8_t *nonce, const uint8_t *aad,
				     int aad_len, const uint8_t *in, int ct_len, uint8_t *out)
{
	uint8_t tag[MOAT_AEAD_TAG_LEN];
	uint8_t final_buf[MOAT_AEAD_TAG_LEN];
	int n = 0, fin = 0;

	/* A copy, because the ctrl takes a non-const pointer and in is const. */
	memcpy(tag, in + ct_len, sizeof(tag));
	TRY_OSSL(EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, -1, NULL), MOAT_ERR_BAD_RECORD_MAC);
	TRY_OSSL(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, MOAT_AEAD_TAG_LEN, tag), MOAT_ERR_BAD_RECORD_MAC);
	if (aad_len > 0)
		TRY_OSSL(EVP_CipherUpdate(ctx, NULL, &n, aad, aad_len), MOAT_ERR_BAD_RECORD_MAC);
	n = 0;
	if (ct_len > 0)
		TRY_OSSL(EVP_CipherUpdate(ctx, out, &n, in, ct_len), MOAT_ERR_BAD_RECORD_MAC);
	/* Final is where the tag is compared (in constant time, by libcrypto). */
	TRY_OSSL(EVP_CipherFinal_ex(ctx, final_buf, &fin), MOAT_ERR_BAD_RECORD_MAC);
	ENSURE(n == ct_len && fin == 0, MOAT_ERR_BAD_RECORD_MAC);
	return MOAT_SUCCESS;
}

int moat_aead_open(struct moat_aead *a, const uint8_t nonce[MOAT_AEAD_NONCE_LEN], const uint8_t *aad,
		   size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out)
{
	ENSURE_REF(a);
	ENSURE_REF(nonce);
	ENSURE_REF(in);
	ENSURE(aad_len == 0 || aad != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(a->ctx != NULL && !a->encrypt, MOAT_ERR_INVALID_STATE);
	/* Too short to hold a tag: it cannot authenticate (RFC 8446 §5.2). */
	ENSURE(in_len >= MOAT_AEAD_TAG_LEN, MOAT_ERR_BAD_RECORD_MAC);
	ENSURE(in_len == MOAT_AEAD_TAG_LEN || out != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(aad_len <= INT_MAX && in_len <= INT_MAX, MOAT_ERR_BAD_RECORD_MAC);

	size_t ct_len = in_len - MOAT_AEAD_TAG_LEN;
	if (open_record(a->ctx, nonce, aad, (int)aad_len, in, (int)ct_len, out) != MOAT_SUCCESS) {
		if (ct_len > 0)
			moat_wipe(out, ct_len);
		return MOAT_FAILURE;
	}
	return MOAT_SUCCESS;
}

void moat_aead_free(struct moat_aead *a)
{
	if (a == NULL)
		return;
	EVP_CIPHER_CTX_free(a->ctx);
	a->ctx = NULL;
	a->alg = MOAT_AEAD_NONE;
}
