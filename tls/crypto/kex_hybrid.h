/*
 * The ML-KEM hybrid groups behind kex.h (draft-ietf-tls-ecdhe-mlkem): kex.c
 * dispatches here for X25519MLKEM768 and SecP256r1MLKEM768 and keeps their
 * names and lengths in its table. Not for other callers: use kex.h.
 */
#ifndef MOAT_TLS_CRYPTO_KEX_HYBRID_H
#define MOAT_TLS_CRYPTO_KEX_HYBRID_H

#include "tls/crypto/kex.h"

MOAT_MUST_USE int moat_kex_hybrid_generate(struct moat_kex *k, uint16_t group, uint8_t *share_out, size_t *share_len);
MOAT_MUST_USE int moat_kex_hybrid_derive(const struct moat_kex *k, const uint8_t *peer, size_t peer_len,
					 uint8_t *secret_out, size_t *secret_len);
MOAT_MUST_USE int moat_kex_hybrid_respond(uint16_t group, const uint8_t *peer, size_t peer_len, uint8_t *share_out,
					  size_t *share_len, uint8_t *secret_out, size_t *secret_len);

#endif
