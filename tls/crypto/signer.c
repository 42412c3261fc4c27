/*
 * Signing contexts made once per key and scheme (see signer.h).
 *
 * Each signature runs on EVP_MD_CTX_copy_ex of the scheme's template:
 * the copy duplicates the template's key context (a new reference to the
 * same key, the digest state of an empty message) and leaves the template
 * as it was, which is what lets threads share it. If a copy fails (an
 * implementation that cannot duplicate its context), that signature is
 * made by moat_sig_sign instead: slower, never different.
 */
#include "tls/crypto/signer.h"

#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/evp.h>

struct moat_signer {
	struct moat_pkey key; /* own reference */
	size_t count;
	uint16_t schemes[MOAT_SIGNER_MAX_SCHEMES];
	EVP_MD_CTX *templates[MOAT_SIGNER_MAX_SCHEMES];
};

void moat_signer_free(struct moat_signer *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->count; i++)
		EVP_MD_CTX_free(s->templates[i]);
	moat_pkey_free(&s->key);
	free(s);
}

int moat_signer_new(const struct moat_pkey *k, const uint16_t *schemes, size_t count, struct moat_signer **out)
{
	ENSURE_REF(k);
	ENSURE_REF(out);
	*out = NULL;
	ENSURE(count == 0 || schemes != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(count <= MOAT_SIGNER_MAX_SCHEMES, MOAT_ERR_INVALID_ARG);
	ENSURE(k->pkey != NULL, MOAT_ERR_INVALID_ARG);

	struct moat_signer *s = calloc(1, sizeof(*s));
	ENSURE(s != NULL, MOAT_ERR_ALLOC);
	if (moat_pkey_wrap(&s->key, k->pkey) != MOAT_SUCCESS) {
		free(s);
		return MOAT_FAILURE;
	}
	for (size_t i = 0; i < count; i++) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		if (ctx == NULL) {
			moat_signer_free(s);
			BAIL(MOAT_ERR_ALLOC);
		}
		if (moat_sig_sign_ctx_init(ctx, &s->key, schemes[i]) != MOAT_SUCCESS) {
			/* Left out: moat_signer_sign signs it as moat_sig_sign does, refusals included. */
			EVP_MD_CTX_free(ctx);
			moat_error_clear();
			continue;
		}
		s->schemes[s->count] = schemes[i];
		s->templates[s->count] = ctx;
		s->count++;
	}
	*out = s;
	return MOAT_SUCCESS;
}

size_t moat_signer_ready(const struct moat_signer *s)
{
	return s != NULL ? s->count : 0;
}

static const EVP_MD_CTX *template_for(const struct moat_signer *s, uint16_t scheme)
{
	for (size_t i = 0; i < s->count; i++) {
		if (s->schemes[i] == scheme)
			return s->templates[i];
	}
	return NULL;
}

int moat_signer_sign(const struct moat_signer *s, uint16_t scheme, const uint8_t *msg, size_t msg_len, uint8_t *sig,
		     size_t *sig_len)
{
	ENSURE_REF(s);
	ENSURE(msg != NULL || msg_len == 0, MOAT_ERR_NULL_ARG);
	ENSURE_REF(sig);
	ENSURE_REF(sig_len);
	const EVP_MD_CTX *tmpl = template_for(s, scheme);
	if (tmpl == NULL)
		return moat_sig_sign(&s->key, scheme, msg, msg_len, sig, sig_len);
	size_t cap = *sig_len;
	ENSURE(cap >= moat_pkey_max_sig_len(&s->key), MOAT_ERR_BUF_FULL);

	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	if (EVP_MD_CTX_copy_ex(ctx, tmpl) != 1) {
		EVP_MD_CTX_free(ctx);
		ERR_clear_error();
		return moat_sig_sign(&s->key, scheme, msg, msg_len, sig, sig_len);
	}
	int ok = EVP_DigestSign(ctx, sig, &cap, msg, msg_len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error();
		BAIL(MOAT_ERR_CRYPTO);
	}
	*sig_len = cap;
	return MOAT_SUCCESS;
}
