/*
 * From a negotiated TLS 1.0 - 1.2 cipher suite and key block to installed
 * record protection: which protection the suite's row asks for, how long
 * the key block is, and where each direction's MAC key, cipher key and IV
 * sit in it (RFC 5246 §6.3):
 *
 *   client_write_MAC_key, server_write_MAC_key,
 *   client_write_key,     server_write_key,
 *   client_write_IV,      server_write_IV
 *
 * MAC keys exist for CBC suites only (the hash length of the suite's HMAC);
 * IVs are the 4-byte salt for AES-GCM (RFC 5288 §3), 12 bytes for
 * ChaCha20-Poly1305 (RFC 7905 §2), one block for CBC in TLS 1.0 (RFC 2246
 * §6.3) and none for CBC in 1.1 and 1.2, which send theirs with each record.
 */
#ifndef MOAT_TLS_RECORD_TLS12_H
#define MOAT_TLS_RECORD_TLS12_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "policy/cipher_suites.h"
#include "tls/record.h"

/* Largest key block any suite needs: 2 x (48 + 32) for AES-256-CBC with HMAC-SHA384. */
#define MOAT_TLS12_MAX_KEY_BLOCK_LEN 160

struct moat_tls12_key_layout {
	const struct moat_record_protection *prot;
	moat_aead_alg aead;
	moat_cbc_alg cbc;
	moat_hash_alg mac_hash;
	size_t mac_key_len, key_len, iv_len;
};

/*
 * The layout for suite at version (0x0301 - 0x0303). MOAT_ERR_INVALID_ARG
 * for a TLS 1.3 suite, a NULL suite or a version the suite is not defined
 * for (policy/cipher_suites.h: min_version..max_version).
 */
MOAT_MUST_USE int moat_tls12_key_layout(const struct moat_cipher_suite *suite, uint16_t version,
					struct moat_tls12_key_layout *out);
/* 2 x (mac_key_len + key_len + iv_len): the key block length to ask the PRF for. */
size_t moat_tls12_key_block_len(const struct moat_tls12_key_layout *l);

/*
 * Install one direction's protection from the key block: the write keys of
 * the side that writes (client_write_* for a client's write direction and a
 * server's read direction). Also sets the layer's record bound to the
 * version's (moat_record_set_version). The caller wipes key_block.
 */
MOAT_MUST_USE int moat_record_set_tls12_keys(struct moat_record_layer *rl, bool write, bool is_client,
					     const struct moat_cipher_suite *suite, uint16_t version,
					     const uint8_t *key_block, size_t key_block_len);

#endif
