/*
 * RSAES-PKCS1-v1_5 encryption to a peer's public key (RFC 8017 §7.2.1),
 * for the one thing TLS 1.2 needs it for: a client's
 * EncryptedPreMasterSecret under RSA key transport (RFC 5246 §7.4.7.1).
 *
 * Only the public half is used, so there is no oracle here to worry about:
 * the padding-oracle concerns of RSA key transport are the decrypter's
 * (tls/tls12_premaster.h).
 */
#ifndef MOAT_TLS_CRYPTO_RSA_ENCRYPT_H
#define MOAT_TLS_CRYPTO_RSA_ENCRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/sig.h"

/*
 * out gets the ciphertext (the modulus length); *out_len is in: capacity,
 * out: length. A key that is not rsaEncryption (an RSASSA-PSS key may not
 * encrypt, RFC 4055 §1.2) → MOAT_ERR_UNSUPPORTED_CERTIFICATE; a capacity
 * below the modulus length → MOAT_ERR_BUF_FULL.
 */
MOAT_MUST_USE int moat_rsa_pkcs1_encrypt(const struct moat_pkey *k, const uint8_t *in, size_t len, uint8_t *out,
					 size_t *out_len);

#endif
