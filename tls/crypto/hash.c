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
 * schedule never holds padded keys of its own. Naming the digest of an
 * EVP_MAC_CTX costs a digest fetch inside the provider each time, so that is
 * done once per process too: each digest has an un-keyed template context
 * with its digest set, and every HMAC starts as an EVP_MAC_CTX_dup of it,
 * keyed without parameters. Templates hold no key and are never changed
 * after the pthread_once that builds them, so any thread may dup them.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tls/crypto/hash.h"

#define HASH_SLOTS 6

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_MD *fetched_md[HASH_SLOTS];
static EVP_MAC_CTX *hmac_template[HASH_SLOTS];

/* libcrypto's names for each moat_hash_alg, indexed by the enum value. */
static const char *const md_names[HASH_SLOTS] = {
	[MOAT_HASH_SHA256] = "SHA256",
	[MOAT_HASH_SHA384] = "SHA384",
	[MOAT_HASH_SHA512] = "SHA512",
	[MOAT_HASH_SHA1] = "SHA1",
	[MOAT_HASH_MD5_SHA1] = "MD5-SHA1",
};

/* An un-keyed HMAC context for the digest called name, or NULL. */
static EVP_MAC_CTX *make_hmac_template(EVP_MAC *hmac, const char *name)
{
	OSSL_PARAM params[2];

	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac);
	if (ctx == NULL)
		return NULL;
	/* The cast drops const from a name libcrypto only reads. */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t)name, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void fetch_all(void)
{
	/* The templates keep their own reference to the HMAC implementation. */
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);

	for (size_t i = 0; i < HASH_SLOTS; i++) {
		if (md_names[i] == NULL)
			continue;
		fetched_md[i] = EVP_MD_fetch(NULL, md_names[i], NULL);
		if (hmac != NULL && fetched_md[i] != NULL)
			hmac_template[i] = make_hmac_template(hmac, md_names[i]);
	}
	EVP_MAC_free(hmac);
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
	case MOAT_HASH_MD5_SHA1:
		return 36;
	case MOAT_HASH_NONE:
	default:
		return 0;
	}
}

int moat_hash_preload(void)
{
	ENSURE(pthread_once(&fetch_once, fetch_all) == 0, MOAT_ERR_INTERNAL);
	for (size_t i = 0; i < HASH_SLOTS; i++)
		ENSURE(md_names[i] == NULL || (fetched_md[i] != NULL && hmac_template[i] != NULL), MOAT_ERR_CRYPTO);
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

/*
 * A new HMAC context for alg, keyed with key. EVP_MAC_init takes a NULL key
 * to mean "keep the old key", so an empty key is passed as a real pointer
 * with length 0: RFC 2104 zero-pads keys to the block size, which makes it
 * the all-zero key.
 */
static MOAT_MUST_USE int hmac_new(moat_hash_alg alg, const uint8_t *key, size_t key_len, EVP_MAC_CTX **out)
{
	static const uint8_t empty_key[1];

	ENSURE(moat_hash_len(alg) != 0, MOAT_ERR_INVALID_ARG);
	ENSURE(pthread_once(&fetch_once, fetch_all) == 0, MOAT_ERR_INTERNAL);
	ENSURE(hmac_template[alg] != NULL, MOAT_ERR_CRYPTO);
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(hmac_template[alg]);
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	if (EVP_MAC_init(ctx, key_len != 0 ? key : empty_key, key_len, NULL) != 1) {
		EVP_MAC_CTX_free(ctx);
		BAIL(MOAT_ERR_CRYPTO);
	}
	*out = ctx;
	return MOAT_SUCCESS;
}

int moat_hmac(moat_hash_alg alg, const uint8_t *key, size_t key_len, const void *data, size_t len, uint8_t *out)
{
	EVP_MAC_CTX *ctx;

	ENSURE_REF(out);
	ENSURE(key_len == 0 || key != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(len == 0 || data != NULL, MOAT_ERR_NULL_ARG);
	TRY(hmac_new(alg, key, key_len, &ctx));

	size_t out_len = 0;
	int ok = (len == 0 || EVP_MAC_update(ctx, data, len) == 1) &&
		 EVP_MAC_final(ctx, out, &out_len, moat_hash_len(alg)) == 1;
	EVP_MAC_CTX_free(ctx);
	ENSURE(ok, MOAT_ERR_CRYPTO);
	ENSURE(out_len == moat_hash_len(alg), MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int moat_hmac_init(struct moat_hmac_ctx *m, moat_hash_alg alg, const uint8_t *key, size_t key_len)
{
	EVP_MAC_CTX *ctx;

	ENSURE_REF(m);
	m->ctx = NULL;
	m->alg = MOAT_HASH_NONE;
	m->finished = false;
	ENSURE(key_len == 0 || key != NULL, MOAT_ERR_NULL_ARG);
	TRY(hmac_new(alg, key, key_len, &ctx));
	m->ctx = ctx;
	m->alg = alg;
	return MOAT_SUCCESS;
}

int moat_hmac_rekey(struct moat_hmac_ctx *m, const uint8_t *key, size_t key_len)
{
	static const uint8_t empty_key[1];

	ENSURE_REF(m);
	ENSURE(m->ctx != NULL, MOAT_ERR_INVALID_STATE);
	ENSURE(key_len == 0 || key != NULL, MOAT_ERR_NULL_ARG);
	/* The digest stays the one the template named; see hmac_new for the empty key. */
	TRY_OSSL(EVP_MAC_init(m->ctx, key_len != 0 ? key : empty_key, key_len, NULL), MOAT_ERR_CRYPTO);
	m->finished = false;
	return MOAT_SUCCESS;
}

/* Start the next message with the same key if the last one was finished. */
static MOAT_MUST_USE int hmac_rearm(struct moat_hmac_ctx *m)
{
	if (!m->finished)
		return MOAT_SUCCESS;
	/* A NULL key re-initialises HMAC with the key it already holds. */
	TRY_OSSL(EVP_MAC_init(m->ctx, NULL, 0, NULL), MOAT_ERR_CRYPTO);
	m->finished = false;
	return MOAT_SUCCESS;
}

int moat_hmac_update(struct moat_hmac_ctx *m, const void *data, size_t len)
{
	ENSURE_REF(m);
	ENSURE(m->ctx != NULL, MOAT_ERR_INVALID_STATE);
	if (len == 0)
		return MOAT_SUCCESS;
	ENSURE_REF(data);
	TRY(hmac_rearm(m));
	TRY_OSSL(EVP_MAC_update(m->ctx, data, len), MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

int moat_hmac_final(struct moat_hmac_ctx *m, uint8_t *out)
{
	size_t out_len = 0;

	ENSURE_REF(m);
	ENSURE_REF(out);
	ENSURE(m->ctx != NULL, MOAT_ERR_INVALID_STATE);
	TRY(hmac_rearm(m));
	m->finished = true;
	TRY_OSSL(EVP_MAC_final(m->ctx, out, &out_len, moat_hash_len(m->alg)), MOAT_ERR_CRYPTO);
	ENSURE(out_len == moat_hash_len(m->alg), MOAT_ERR_CRYPTO);
	return MOAT_SUCCESS;
}

void moat_hmac_free(struct moat_hmac_ctx *m)
{
	if (m == NULL)
		return;
	EVP_MAC_CTX_free(m->ctx);
	m->ctx = NULL;
	m->alg = MOAT_HASH_NONE;
	m->finished = false;
}
