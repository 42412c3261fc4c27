/*
 * Hashes and HMAC on OpenSSL 3 EVP.
 *
 * Digests and the HMAC implementation are fetched from the default library
 * context once per process (pthread_once) and kept for its lifetime: OpenSSL 3
 * otherwise does an implicit fetch, with a locked method-store lookup, on
 * every EVP_DigestInit_ex(EVP_sha256()). A failed fetch leaves the slot NULL
 * and every use of that algorithm fails with MOAT_ERR_CRYPTO.
 *
 * HMAC goes through EVP_MAC rather than hand-built ipad/opad so that the key
 * schedule never holds padded keys of its own.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tls/crypto_hash.h"

#define HASH_SLOTS 5

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_MD *fetched_md[HASH_SLOTS];
static EVP_MAC *fetched_hmac;

/* libcrypto's names for each moat_hash_alg, indexed by the enum value. */
static const char *const md_names[HASH_SLOTS] = {
	[MOAT_HASH_SHA256] = "SHA256",
	[MOAT_HASH_SHA384] = "SHA384",
	[MOAT_HASH_SHA512] = "SHA512",
	[MOAT_HASH_SHA1] = "SHA1",
};

static void fetch_all(void)
{
	for (size_t i = 0; i < HASH_SLOTS; i++) {
		if (md_names[i] != NULL)
			fetched_md[i] = EVP_MD_fetch(NULL, md_names[i], NULL);
	}
	fetched_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

size_t moat_hash_len(moat_hash_alg alg)
{
	switch (alg) {
	case MOAT_HASH_SHA256:
		return 32;
	case MOAT_HASH_SHA384:
		return 48;
	case MOAT_HASH_SHA512:
		return 64;
	case MOAT_HASH_SHA1:
		return 20;
	case MOAT_HASH_NONE:
	default:
		return 0;
	}
}

int moat_hash_preload(void)
{
	ENSURE(pthread_once(&fetch_once, fetch_all) == 0, MOAT_ERR_INTERNAL);
	for (size_t i = 0; i < HASH_SLOTS; i++)
		ENSURE(md_names[i] == NULL || fetched_md[i] != NULL, MOAT_ERR_CRYPTO);
	ENSURE(fetched_hmac != NULL, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

static MOAT_MUST_USE int get_md(moat_hash_alg alg, const EVP_MD **md)
{
	ENSURE(moat_hash_len(alg) != 0, MOAT_ERR_INVALID_ARG);
	ENSURE(pthread_once(&fetch_once, fetch_all) == 0, MOAT_ERR_INTERNAL);
	*md = fetched_md[alg];
	ENSURE(*md != NULL, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int moat_hash_init(struct moat_hash *h, moat_hash_alg alg)
{
	const EVP_MD *md;

	ENSURE_REF(h);
	h->ctx = NULL;
	h->alg = MOAT_HASH_NONE;
	TRY(get_md(alg, &md));
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		BAIL(MOAT_ERR_CRYPTO);
	}
	h->ctx = ctx;
	h->alg = alg;
	return MOAT_SUCCESS;
}

int moat_hash_update(struct moat_hash *h, const void *data, size_t len)
{
	ENSURE_REF(h);
	ENSURE(h->ctx != NULL, MOAT_ERR_INVALID_STATE);
	if (len == 0)
		return MOAT_SUCCESS;
	ENSURE_REF(data);
	TRY_OSSL(EVP_DigestUpdate(h->ctx, data, len), MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int moat_hash_current(const struct moat_hash *h, uint8_t *out)
{
	ENSURE_REF(h);
	ENSURE_REF(out);
	ENSURE(h->ctx != NULL, MOAT_ERR_INVALID_STATE);

	/* Finalising destroys the state, so finalise a copy (RFC 8446 §4.4.1 needs many prefixes). */
	EVP_MD_CTX *tmp = EVP_MD_CTX_new();
	ENSURE(tmp != NULL, MOAT_ERR_ALLOC);
	int ok = EVP_MD_CTX_copy_ex(tmp, h->ctx) == 1 && EVP_DigestFinal_ex(tmp, out, NULL) == 1;
	EVP_MD_CTX_free(tmp);
	ENSURE(ok, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int moat_hash_copy(struct moat_hash *dst, const struct moat_hash *src)
{
	ENSURE_REF(dst);
	ENSURE_REF(src);
	ENSURE(src->ctx != NULL, MOAT_ERR_INVALID_STATE);
	ENSURE(dst != src, MOAT_ERR_INVALID_ARG);
	dst->ctx = NULL;
	dst->alg = MOAT_HASH_NONE;

	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	if (EVP_MD_CTX_copy_ex(ctx, src->ctx) != 1) {
		EVP_MD_CTX_free(ctx);
		BAIL(MOAT_ERR_CRYPTO);
	}
	dst->ctx = ctx;
	dst->alg = src->alg;
	return MOAT_SUCCESS;
}

void moat_hash_free(struct moat_hash *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	h->alg = MOAT_HASH_NONE;
}

int moat_hash_oneshot(moat_hash_alg alg, const void *data, size_t len, uint8_t *out)
{
	const EVP_MD *md;

	ENSURE_REF(out);
	ENSURE(len == 0 || data != NULL, MOAT_ERR_NULL_ARG);
	TRY(get_md(alg, &md));
	/* EVP_Digest wants a non-NULL pointer even for no bytes. */
	static const uint8_t empty[1];
	TRY_OSSL(EVP_Digest(len != 0 ? data : empty, len, out, NULL, md, NULL), MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

/* Key ctx for HMAC with alg's digest (which the caller has checked). */
static MOAT_MUST_USE int hmac_start(EVP_MAC_CTX *ctx, moat_hash_alg alg, const uint8_t *key, size_t key_len)
{
	static const uint8_t empty_key[1];
	OSSL_PARAM params[2];

	/* The EVP_MAC_init cast drops const from a name libcrypto only reads. */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t)md_names[alg], 0);
	params[1] = OSSL_PARAM_construct_end();
	/*
	 * A NULL key means "keep the old key" to EVP_MAC_init, so an empty key is
	 * passed as a real pointer with length 0: RFC 2104 zero-pads keys to the
	 * block size, which makes it the all-zero key.
	 */
	TRY_OSSL(EVP_MAC_init(ctx, key_len != 0 ? key : empty_key, key_len, params), MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

static MOAT_MUST_USE int get_hmac(moat_hash_alg alg)
{
	const EVP_MD *md;

	TRY(get_md(alg, &md));
	ENSURE(fetched_hmac != NULL, MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int moat_hmac(moat_hash_alg alg, const uint8_t *key, size_t key_len, const void *data, size_t len, uint8_t *out)
{
	ENSURE_REF(out);
	ENSURE(key_len == 0 || key != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(len == 0 || data != NULL, MOAT_ERR_NULL_ARG);
	TRY(get_hmac(alg));

	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(fetched_hmac);
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	size_t out_len = 0;
	int ok = hmac_start(ctx, alg, key, key_len) == MOAT_SUCCESS &&
		 (len == 0 || EVP_MAC_update(ctx, data, len) == 1) &&
		 EVP_MAC_final(ctx, out, &out_len, moat_hash_len(alg)) == 1;
	EVP_MAC_CTX_free(ctx);
	ENSURE(ok, MOAT_ERR_CRYPTO);
	ENSURE(out_len == moat_hash_len(alg), MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int moat_hmac_init(struct moat_hmac_ctx *m, moat_hash_alg alg, const uint8_t *key, size_t key_len)
{
	ENSURE_REF(m);
	m->ctx = NULL;
	m->alg = MOAT_HASH_NONE;
	ENSURE(key_len == 0 || key != NULL, MOAT_ERR_NULL_ARG);
	TRY(get_hmac(alg));

	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(fetched_hmac);
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	if (hmac_start(ctx, alg, key, key_len) != MOAT_SUCCESS) {
		EVP_MAC_CTX_free(ctx);
		return MOAT_FAILURE;
	}
	m->ctx = ctx;
	m->alg = alg;
	return MOAT_SUCCESS;
}

int moat_hmac_update(struct moat_hmac_ctx *m, const void *data, size_t len)
{
	ENSURE_REF(m);
	ENSURE(m->ctx != NULL, MOAT_ERR_INVALID_STATE);
	if (len == 0)
		return MOAT_SUCCESS;
	ENSURE_REF(data);
	TRY_OSSL(EVP_MAC_update(m->ctx, data, len), MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int moat_hmac_final(struct moat_hmac_ctx *m, uint8_t *out)
{
	size_t out_len = 0;

	ENSURE_REF(m);
	ENSURE_REF(out);
	ENSURE(m->ctx != NULL, MOAT_ERR_INVALID_STATE);
	TRY_OSSL(EVP_MAC_final(m->ctx, out, &out_len, moat_hash_len(m->alg)), MOAT_ERR_CRYPTO);
	ENSURE(out_len == moat_hash_len(m->alg), MOAT_ERR_CRYPTO);
	/* A NULL key re-initialises HMAC with the key it already holds. */
	TRY_OSSL(EVP_MAC_init(m->ctx, NULL, 0, NULL), MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

void moat_hmac_free(struct moat_hmac_ctx *m)
{
	if (m == NULL)
		return;
	EVP_MAC_CTX_free(m->ctx);
	m->ctx = NULL;
	m->alg = MOAT_HASH_NONE;
}
