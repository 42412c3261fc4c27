/*
 * Block ciphers in CBC mode for the TLS 1.0 - 1.2 record layer (RFC 5246
 * §6.2.3.2): AES-128, AES-256 and 3DES-EDE, without padding (the record
 * layer pads and checks padding itself, in constant time).
 *
 * Like struct moat_aead, a context is keyed once at init and each record
 * only loads its IV, so the key schedule is not redone per record and
 * nothing is allocated on the record path.
 */
#ifndef MOAT_TLS_CRYPTO_CBC_H
#define MOAT_TLS_CRYPTO_CBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef enum {
	MOAT_CBC_NONE = 0,
	MOAT_CBC_AES_128 = 1,
	MOAT_CBC_AES_256 = 2,
	MOAT_CBC_3DES_EDE = 3,
} moat_cbc_alg;

#define MOAT_CBC_MAX_BLOCK_LEN 16
#define MOAT_CBC_MAX_KEY_LEN 32

/* Key length (16, 32, 24) and block length (16, 16, 8); 0 for NONE/unknown. */
size_t moat_cbc_key_len(moat_cbc_alg alg);
size_t moat_cbc_block_len(moat_cbc_alg alg);

/* ctx: EVP_CIPHER_CTX keyed once, padding off. A zeroed struct is "not initialised". */
struct moat_cbc {
	void *ctx;
	moat_cbc_alg alg;
	bool encrypt;
};

/* Key one direction; c need not be initialised. */
MOAT_MUST_USE int moat_cbc_init(struct moat_cbc *c, moat_cbc_alg alg, const uint8_t *key, bool encrypt);
/*
 * Encrypt or decrypt (as initialised) len bytes, a multiple of the block
 * length, starting from iv (one block); in == out allowed.
 */
MOAT_MUST_USE int moat_cbc_crypt(struct moat_cbc *c, const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *out);
/* Frees the context (libcrypto wipes the key schedule); safe on a zeroed struct and twice. */
void moat_cbc_free(struct moat_cbc *c);

#endif
