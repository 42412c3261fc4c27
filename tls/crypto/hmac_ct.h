/*
 * HMAC over a message whose length is secret: the MAC of a CBC record
 * (RFC 5246 §6.2.3.1), whose length is only known after the padding is read
 * from decrypted, attacker-influenced bytes.
 *
 * The usual HMAC does as many compression-function calls as the message
 * has blocks and stops; that count, visible as time, told Lucky Thirteen
 * (AlFardan and Paterson, 2013) how much padding a forged record had. This
 * one always does the same work for a given public bound: the blocks that
 * every candidate length fills completely are hashed directly, and each of
 * the few blocks where the message may end is built byte by byte with masks
 * (data, the 0x80 terminator, zeros, the bit length) and compressed, the
 * state after the block that really is the last being kept by a masked
 * copy. No branch and no memory index depends on the secret length.
 *
 * That needs the hash's compression function, which EVP does not expose:
 * this file uses libcrypto's SHA1/SHA256/SHA512 low-level API (deprecated in
 * OpenSSL 3 but present in every 3.x), for HMAC-SHA1, HMAC-SHA256 and
 * HMAC-SHA384. The key is absorbed once at init into the inner and outer
 * states, which live in moat_secmem.
 */
#ifndef MOAT_TLS_CRYPTO_HMAC_CT_H
#define MOAT_TLS_CRYPTO_HMAC_CT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/hash.h"

/* The length of the prefix the record MAC puts before the fragment: seq_num, type, version, length. */
#define MOAT_HMAC_CT_PREFIX_LEN 13

struct moat_hmac_ct {
	void *state;                 /* keyed inner and outer hash states, moat_secmem */
	moat_hash_alg alg;
};

/* alg: SHA1, SHA256 or SHA384; key_len at most the hash's block length (64 or 128). */
MOAT_MUST_USE int moat_hmac_ct_init(struct moat_hmac_ct *m, moat_hash_alg alg, const uint8_t *key, size_t key_len);
/*
 * out = HMAC(key, prefix || data[0..len)), moat_hash_len(alg) bytes, with
 * len secret and min_len <= len <= max_len public bounds; data must be
 * readable for max_len bytes. Time and memory accesses depend on min_len and
 * max_len only. With len == min_len == max_len it is an ordinary HMAC.
 * len outside the bounds yields a wrong MAC, not an error (checking it
 * would branch on it).
 */
MOAT_MUST_USE int moat_hmac_ct_record(const struct moat_hmac_ct *m, const uint8_t prefix[MOAT_HMAC_CT_PREFIX_LEN],
				      const uint8_t *data, size_t len, size_t min_len, size_t max_len, uint8_t *out);
/* Wipes and frees the states; safe on a zeroed struct and twice. */
void moat_hmac_ct_free(struct moat_hmac_ct *m);

#endif
