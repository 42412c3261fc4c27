/*
 * A key's signing contexts, set up once: for a process that signs many
 * times with the same few keys (keyd).
 *
 * moat_sig_sign sets up a libcrypto signing context for every signature:
 * it fetches the signature and digest implementations by name and builds a
 * key context, about a tenth of the whole cost of an ECDSA P-256
 * signature. A signer does that once per scheme when it is made and then
 * signs on a copy of the scheme's context, which takes a reference to the
 * same key and fetches nothing. The signatures are the ones moat_sig_sign
 * makes (same padding, digest, salt; sig.c's table).
 *
 * A signer is never changed after moat_signer_new, so any number of threads
 * may sign with it at once; it holds its own reference to the key.
 */
#ifndef MOAT_TLS_CRYPTO_SIGNER_H
#define MOAT_TLS_CRYPTO_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/sig.h"

struct moat_signer;

/*
 * A signer for k with a context for each of the count schemes (at most
 * MOAT_SIGNER_MAX_SCHEMES). A scheme whose context cannot be set up (it does
 * not fit the key, or an RSA-PSS key's parameters forbid it) is left out:
 * moat_signer_sign then signs it the slow way and fails as moat_sig_sign
 * does.
 */
#define MOAT_SIGNER_MAX_SCHEMES 64
MOAT_MUST_USE int moat_signer_new(const struct moat_pkey *k, const uint16_t *schemes, size_t count,
				  struct moat_signer **out);
/* moat_sig_sign with the signer's key; errors as moat_sig_sign's. */
MOAT_MUST_USE int moat_signer_sign(const struct moat_signer *s, uint16_t scheme, const uint8_t *msg, size_t msg_len,
				   uint8_t *sig, size_t *sig_len /* in: capacity, out: length */);
/* How many schemes have a ready context (for tests). */
size_t moat_signer_ready(const struct moat_signer *s);
/* Safe on NULL. */
void moat_signer_free(struct moat_signer *s);

#endif
