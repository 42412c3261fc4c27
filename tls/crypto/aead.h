/*
 * AEAD for the record layer (RFC 8446 §5.2): AES-128-GCM, AES-256-GCM and
 * ChaCha20-Poly1305, all with a 12-byte nonce and a 16-byte tag.
 *
 * This is the bulk-data hot path, so a struct moat_aead holds one cipher
 * context whose key schedule is set once at init; seal and open only load the
 * per-record nonce and never allocate. The per-record nonce itself (IV XOR
 * sequence number, RFC 8446 §5.3) is the record layer's job.
 */
#ifndef MOAT_TLS_CRYPTO_AEAD_H
#define MOAT_TLS_CRYPTO_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef enum {
	MOAT_AEAD_NONE = 0,
	MOAT_AEAD_AES_128_GCM = 1,
	MOAT_AEAD_AES_256_GCM = 2,
	MOAT_AEAD_CHACHA20_POLY1305 = 3,
} moat_aead_alg;

#define MOAT_AEAD_NONCE_LEN 12
#define MOAT_AEAD_TAG_LEN 16
#define MOAT_AEAD_MAX_KEY_LEN 32

/* Key length in bytes; 0 for NONE/unknown. */
size_t moat_aead_key_len(moat_aead_alg alg);

/*
 * Fetch the three ciphers now rather than on first use, e.g. before a process
 * sandboxes itself. Fails with MOAT_ERR_NOT_SUPPORTED if any is unavailable
 * (ChaCha20-Poly1305 is not in a FIPS provider); the others still work then.
 */
MOAT_MUST_USE int moat_aead_preload(void);

/* ctx: EVP_CIPHER_CTX with the key set once. A zeroed struct is "not initialised". */
struct moat_aead {
	void *ctx;
	moat_aead_alg alg;
	bool encrypt;
};

/*
 * Set up one direction with key (moat_aead_key_len(alg) bytes). a need not be
 * initialised; its old contents are overwritten, so free an initialised one
 * first or use moat_aead_rekey.
 */
MOAT_MUST_USE int moat_aead_init(struct moat_aead *a, moat_aead_alg alg, const uint8_t *key, bool encrypt);
/* Replace the key of an initialised context, same algorithm and direction (KeyUpdate, RFC 8446 §4.6.3). */
MOAT_MUST_USE int moat_aead_rekey(struct moat_aead *a, const uint8_t *key);
/* Writes ciphertext||tag (in_len + 16 bytes) to out; in == out allowed. */
MOAT_MUST_USE int moat_aead_seal(struct moat_aead *a, const uint8_t nonce[MOAT_AEAD_NONCE_LEN],
				 const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out);
/*
 * in = ciphertext||tag (in_len >= 16); writes in_len-16 bytes; MOAT_ERR_BAD_RECORD_MAC on any failure
 * (and out is wiped, so unauthenticated plaintext is never left behind); in == out allowed.
 */
MOAT_MUST_USE int moat_aead_open(struct moat_aead *a, const uint8_t nonce[MOAT_AEAD_NONCE_LEN],
				 const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out);
/* Frees the context (libcrypto wipes the key schedule); safe on a zeroed struct and twice. */
void moat_aead_free(struct moat_aead *a);

#endif
