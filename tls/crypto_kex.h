/*
 * Ephemeral ECDHE key shares for TLS 1.3 (RFC 8446 §4.2.8, §7.4).
 *
 * One struct per share we generate: the private key stays inside libcrypto
 * (an EVP_PKEY behind a void pointer, so no other file needs OpenSSL headers)
 * and only the public key_exchange bytes and the shared secret come out.
 * The peer's bytes are validated here, not by callers, because RFC 8446
 * §4.2.8.2 makes validation part of the key exchange itself; every rejection
 * is MOAT_ERR_ILLEGAL_PARAMETER (alert illegal_parameter).
 */
#ifndef MOAT_TLS_CRYPTO_KEX_H
#define MOAT_TLS_CRYPTO_KEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/iana.h"

#define MOAT_KEX_MAX_SHARE_LEN 97    /* P-384 uncompressed point */
#define MOAT_KEX_MAX_SECRET_LEN 48

/* x25519, secp256r1, secp384r1. */
bool moat_kex_group_supported(uint16_t group);
/* Length of a key_exchange for the group: 32, 65, 97; 0 if unsupported. */
size_t moat_kex_share_len(uint16_t group);
/* Length of the shared secret for the group: 32, 32, 48; 0 if unsupported. */
size_t moat_kex_secret_len(uint16_t group);

/* pkey is an EVP_PKEY holding our ephemeral private key. A zeroed struct holds no key. */
struct moat_kex {
	void *pkey;
	uint16_t group;
};

/*
 * Generate an ephemeral key; writes our key_exchange bytes (share_len of the
 * group) to share_out, which must hold MOAT_KEX_MAX_SHARE_LEN bytes; *share_len
 * is output only. k is overwritten, not freed: free a used one first.
 * Unsupported group → MOAT_ERR_NOT_SUPPORTED.
 */
MOAT_MUST_USE int moat_kex_generate(struct moat_kex *k, uint16_t group, uint8_t *share_out, size_t *share_len);

/*
 * Validate the peer's key_exchange (exact length; for NIST curves uncompressed
 * form 0x04, point on curve, not infinity; x25519 shared secret all zeros
 * rejected) → MOAT_ERR_ILLEGAL_PARAMETER, and compute the shared secret
 * (x25519: 32 bytes; NIST: the x coordinate, 32/48 bytes). secret_out must
 * hold MOAT_KEX_MAX_SECRET_LEN bytes; *secret_len is output only. The caller
 * owns the secret and wipes it. k is not consumed: free it when done.
 */
MOAT_MUST_USE int moat_kex_derive(const struct moat_kex *k, const uint8_t *peer, size_t peer_len,
				  uint8_t *secret_out, size_t *secret_len);

/* Safe on a zeroed struct and twice. */
void moat_kex_free(struct moat_kex *k);

#endif
