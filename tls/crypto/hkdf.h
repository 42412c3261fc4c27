/*
 * HKDF (RFC 5869) and TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1).
 *
 * Built on moat's HMAC rather than EVP_KDF: both steps are a few HMAC calls,
 * and doing them here keeps the RFC's definitions visible next to the code
 * and the edge cases (empty salt, empty info) ours to test.
 */
#ifndef MOAT_TLS_CRYPTO_HKDF_H
#define MOAT_TLS_CRYPTO_HKDF_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/hash.h"

/* Longest Label accepted by expand_label: "tls13 " + label must fit label<7..255>. */
#define MOAT_HKDF_MAX_LABEL_LEN (255 - 6)
/* Longest Context: context<0..255>. */
#define MOAT_HKDF_MAX_CONTEXT_LEN 255

/*
 * PRK = HMAC-Hash(salt, IKM); prk receives moat_hash_len(alg) bytes. An empty salt means
 * HashLen zeros (RFC 5869 §2.2).
 */
MOAT_MUST_USE int moat_hkdf_extract(moat_hash_alg alg, const uint8_t *salt, size_t salt_len,
				    const uint8_t *ikm, size_t ikm_len, uint8_t *prk /* hash_len */);
/* OKM of out_len <= 255 * HashLen bytes (RFC 5869 §2.3). prk_len must be at least HashLen. */
MOAT_MUST_USE int moat_hkdf_expand(moat_hash_alg alg, const uint8_t *prk, size_t prk_len,
				   const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);
/* label WITHOUT the "tls13 " prefix, e.g. "c hs traffic" */
MOAT_MUST_USE int moat_hkdf_expand_label(moat_hash_alg alg, const uint8_t *secret, size_t secret_len,
					 const char *label, const uint8_t *context, size_t context_len,
					 uint8_t *out, size_t out_len);

/*
 * The same steps on a caller's HMAC context, so that one context can carry
 * several of them (a key schedule stage, a key and IV from one secret).
 * extract re-keys m with the salt (empty means HashLen zeros, as above);
 * expand_label takes m keyed with the secret (at least HashLen bytes) and
 * leaves it keyed with it. m is the caller's to free.
 */
MOAT_MUST_USE int moat_hkdf_extract_ctx(struct moat_hmac_ctx *m, const uint8_t *salt, size_t salt_len,
					const uint8_t *ikm, size_t ikm_len, uint8_t *prk /* hash_len */);
MOAT_MUST_USE int moat_hkdf_expand_label_ctx(struct moat_hmac_ctx *m, const char *label, const uint8_t *context,
					     size_t context_len, uint8_t *out, size_t out_len);

#endif
