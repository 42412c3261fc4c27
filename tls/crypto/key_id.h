/*
 * Key ids: the SHA-256 of a key's DER SubjectPublicKeyInfo.
 *
 * frontd reads only certificates and keyd only private keys, and they must
 * name the same key without shared configuration (DESIGN: keyd and the
 * IPC). The id is computed from the public half re-encoded by libcrypto, so
 * a private key and the certificate carrying its public key give the same
 * id. A file of its own so keyd links it without the certificate code.
 */
#ifndef MOAT_TLS_CRYPTO_KEY_ID_H
#define MOAT_TLS_CRYPTO_KEY_ID_H

#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/sig.h"

#define MOAT_KEY_ID_LEN 32

/* SHA-256 of i2d_PUBKEY(k) (public half only). A zeroed key → INVALID_ARG. */
MOAT_MUST_USE int moat_pkey_spki_sha256(const struct moat_pkey *k, uint8_t out[MOAT_KEY_ID_LEN]);

#endif
