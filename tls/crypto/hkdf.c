/*
 * HKDF-Extract and HKDF-Expand (RFC 5869 §2.2, §2.3) on moat's HMAC, and the
 * TLS 1.3 HkdfLabel wrapper (RFC 8446 §7.1).
 *
 * Expand keeps one keyed HMAC context and re-arms it per block instead of
 * re-keying, and wipes the block it carries from one step to the next (it is
 * key material). HkdfLabel is built with moat_buf over a fixed array sized for
 * the largest label and context the wire format can carry. The *_ctx forms
 * run the same code on a context the caller keeps across several steps.
 */
#include <string.h>

#include "common/buf.h"
#include "common/secmem.h"
#include "tls/crypto/hkdf.h"

#define HKDF_LABEL_PREFIX "tls13 "
#define HKDF_LABEL_PREFIX_LEN (sizeof(HKDF_LABEL_PREFIX) - 1)
/* uint16 length, label<7..255>, context<0..255>. */
#define HKDF_LABEL_MAX_LEN (2 + 1 + 255 + 1 + 255)

/* RFC 5869 §2.2: "if not provided, [salt] is set to a string of HashLen zeros". */
static void default_salt(size_t hash_len, const uint8_t **salt, size_t *salt_len)
{
	static const uint8_t zeros[MOAT_HASH_MAX_DIGEST_LEN];

	if (*salt_len == 0) {
		*salt = zeros;
		*salt_len = hash_len;
	}
}

int moat_hkdf_extract(moat_hash_alg alg, const uint8_t *salt, size_t salt_len,
		      const uint8_t *ikm, size_t ikm_len, uint8_t *prk)
{
	size_t hash_len = moat_hash_len(alg);

	ENSURE(hash_len != 0, MOAT_ERR_INVALID_ARG);
	ENSURE_REF(prk);
	ENSURE(salt_len == 0 || salt != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(ikm_len == 0 || ikm != NULL, MOAT_ERR_NULL_ARG);
	default_salt(hash_len, &salt, &salt_len);
	TRY(moat_hmac(alg, salt, salt_len, ikm, ikm_len, prk));
	return MOAT_SUCCESS;
}

int moat_hkdf_extract_ctx(struct moat_hmac_ctx *m, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
			  size_t ikm_len, uint8_t *prk)
{
	ENSURE_REF(m);
	ENSURE_REF(prk);
	ENSURE(salt_len == 0 || salt != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(ikm_len == 0 || ikm != NULL, MOAT_ERR_NULL_ARG);
	default_salt(moat_hash_len(m->alg), &salt, &salt_len);
	TRY(moat_hmac_rekey(m, salt, salt_len));
	TRY(moat_hmac_update(m, ikm, ikm_len));
	TRY(moat_hmac_final(m, prk));
	return MOAT_SUCCESS;
}

/* T(i) = HMAC-Hash(PRK, T(i-1) | info | i); the caller owns hm and wipes t. */
static MOAT_MUST_USE int expand_blocks(struct moat_hmac_ctx *hm, size_t hash_len, const uint8_t *info,
				       size_t info_len, uint8_t *out, size_t out_len, uint8_t *t)
{
	size_t done = 0;

	for (uint8_t i = 1; done < out_len; i++) {
		if (i > 1)
			TRY(moat_hmac_update(hm, t, hash_len));
		TRY(moat_hmac_update(hm, info, info_len));
		TRY(moat_hmac_update(hm, &i, 1));
		TRY(moat_hmac_final(hm, t));
		size_t n = out_len - done < hash_len ? out_len - done : hash_len;
		memcpy(out + done, t, n);
		done += n;
	}
	return MOAT_SUCCESS;
}

/* HKDF-Expand on hm, already keyed with the PRK; wipes out on failure. */
static MOAT_MUST_USE int expand_with(struct moat_hmac_ctx *hm, const uint8_t *info, size_t info_len, uint8_t *out,
				     size_t out_len)
{
	uint8_t t[MOAT_HASH_MAX_DIGEST_LEN];
	size_t hash_len = moat_hash_len(hm->alg);

	ENSURE(hash_len != 0, MOAT_ERR_INVALID_STATE);
	ENSURE(info_len == 0 || info != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(out_len == 0 || out != NULL, MOAT_ERR_NULL_ARG);
	/* RFC 5869 §2.3: L <= 255*HashLen. */
	ENSURE(out_len <= 255 * hash_len, MOAT_ERR_INVALID_ARG);
	if (out_len == 0)
		return MOAT_SUCCESS;

	int rc = expand_blocks(hm, hash_len, info, info_len, out, out_len, t);
	moat_wipe(t, sizeof(t));
	if (rc != MOAT_SUCCESS)
		moat_wipe(out, out_len);
	return rc;
}

int moat_hkdf_expand(moat_hash_alg alg, const uint8_t *prk, size_t prk_len,
		     const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	struct moat_hmac_ctx hm = { 0 };
	size_t hash_len = moat_hash_len(alg);

	ENSURE(hash_len != 0, MOAT_ERR_INVALID_ARG);
	ENSURE_REF(prk);
	ENSURE(info_len == 0 || info != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(out_len == 0 || out != NULL, MOAT_ERR_NULL_ARG);
	/* RFC 5869 §2.3: PRK of at least HashLen octets, L <= 255*HashLen. */
	ENSURE(prk_len >= hash_len, MOAT_ERR_INVALID_ARG);
	ENSURE(out_len <= 255 * hash_len, MOAT_ERR_INVALID_ARG);
	if (out_len == 0)
		return MOAT_SUCCESS;

	TRY(moat_hmac_init(&hm, alg, prk, prk_len));
	int rc = expand_with(&hm, info, info_len, out, out_len);
	moat_hmac_free(&hm);
	return rc;
}

/* HkdfLabel for label, context and out_len into info (HKDF_LABEL_MAX_LEN bytes); *info_len is its length. */
static MOAT_MUST_USE int build_label(const char *label, const uint8_t *context, size_t context_len, size_t out_len,
				     uint8_t *info, size_t *info_len)
{
	struct moat_buf b;

	ENSURE_REF(label);
	ENSURE(context_len == 0 || context != NULL, MOAT_ERR_NULL_ARG);
	size_t label_len = strlen(label);
	ENSURE(label_len <= MOAT_HKDF_MAX_LABEL_LEN, MOAT_ERR_INVALID_ARG);
	ENSURE(context_len <= MOAT_HKDF_MAX_CONTEXT_LEN, MOAT_ERR_INVALID_ARG);
	ENSURE(out_len <= UINT16_MAX, MOAT_ERR_INVALID_ARG);

	/*
	 * RFC 8446 §7.1:
	 *   struct {
	 *       uint16 length = Length;
	 *       opaque label<7..255> = "tls13 " + Label;
	 *       opaque context<0..255> = Context;
	 *   } HkdfLabel;
	 */
	moat_buf_init_fixed(&b, info, HKDF_LABEL_MAX_LEN);
	TRY(moat_buf_put_u16(&b, (uint16_t)out_len));
	TRY(moat_buf_open_prefixed(&b, 1));
	TRY(moat_buf_put_bytes(&b, HKDF_LABEL_PREFIX, HKDF_LABEL_PREFIX_LEN));
	TRY(moat_buf_put_bytes(&b, label, label_len));
	TRY(moat_buf_close_prefixed(&b));
	TRY(moat_buf_put_prefixed(&b, 1, context, context_len));
	*info_len = b.len;
	return MOAT_SUCCESS;
}

int moat_hkdf_expand_label(moat_hash_alg alg, const uint8_t *secret, size_t secret_len, const char *label,
			   const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
	uint8_t info[HKDF_LABEL_MAX_LEN];
	size_t info_len;

	TRY(build_label(label, context, context_len, out_len, info, &info_len));
	TRY(moat_hkdf_expand(alg, secret, secret_len, info, info_len, out, out_len));
	return MOAT_SUCCESS;
}

int moat_hkdf_expand_label_ctx(struct moat_hmac_ctx *m, const char *label, const uint8_t *context,
			       size_t context_len, uint8_t *out, size_t out_len)
{
	uint8_t info[HKDF_LABEL_MAX_LEN];
	size_t info_len;

	ENSURE_REF(m);
	ENSURE(m->ctx != NULL, MOAT_ERR_INVALID_STATE);
	TRY(build_label(label, context, context_len, out_len, info, &info_len));
	TRY(expand_with(m, info, info_len, out, out_len));
	return MOAT_SUCCESS;
}
