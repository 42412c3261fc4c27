/*
 * The TLS 1.0 - 1.2 pseudorandom function and what the handshake derives
 * with it: the master secret (RFC 5246 §8.1) or the extended master secret
 * (RFC 7627 §4), the key block (RFC 5246 §6.3), Finished's verify_data
 * (RFC 5246 §7.4.9) and exported keying material (RFC 5705 §4).
 *
 * PRF(secret, label, seed) is P_<hash>(secret, label || seed) in TLS 1.2
 * (RFC 5246 §5), the hash being the cipher suite's PRF hash (SHA-256 unless
 * the suite names SHA-384). TLS 1.0 and 1.1 use P_MD5 over the first half of
 * the secret XOR P_SHA1 over the second half, whatever the suite (RFC 2246
 * §5, RFC 4346 §5). The version picks which; the hash is ignored below 1.2.
 *
 * TLS 1.2's P_hash runs on moat_hmac: one keyed HMAC context per
 * derivation, re-armed for each block. libcrypto's EVP_KDF "TLS1-PRF" sets
 * up its own HMAC (fetching the MAC and the digest) on every call, which
 * cost about a sixth of frontd's instructions per TLS 1.2 ECDHE handshake
 * (four derivations). TLS 1.0 and 1.1 stay on that KDF: it does the MD5 half
 * and the split secret that no other part of moat needs, and those versions
 * are not worth a second implementation. The tests check both against
 * published vectors and against a P_hash written on moat_hmac's one-shot
 * form in the test itself.
 *
 * Outputs that are secrets (master secret, key block) go where the caller
 * says; the caller keeps them in moat_secmem (struct moat_secrets) or wipes
 * them once the record layer has taken its keys.
 */
#ifndef MOAT_TLS_CRYPTO_PRF_H
#define MOAT_TLS_CRYPTO_PRF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/hash.h"

/* RFC 5246 §8.1: "The master secret is always exactly 48 bytes in length." */
#define MOAT_PRF_MASTER_SECRET_LEN 48
/* RFC 5246 §7.4.9: verify_data_length is 12 for every suite moat implements. */
#define MOAT_PRF_VERIFY_DATA_LEN 12
/* ClientHello.random and ServerHello.random (RFC 5246 §7.4.1.2). */
#define MOAT_PRF_RANDOM_LEN 32

/*
 * out[0..out_len) = PRF(secret, label, seed1 || seed2) for version (0x0301 -
 * 0x0303); hash (SHA-256 or SHA-384) matters only for 0x0303. seed2 may be
 * NULL with seed2_len 0. label is ASCII without its NUL.
 */
MOAT_MUST_USE int moat_prf(uint16_t version, moat_hash_alg hash, const uint8_t *secret, size_t secret_len,
			   const char *label, const uint8_t *seed1, size_t seed1_len, const uint8_t *seed2,
			   size_t seed2_len, uint8_t *out, size_t out_len);

/*
 * RFC 5246 §8.1: master_secret = PRF(pre_master_secret, "master secret",
 * ClientHello.random + ServerHello.random)[0..47].
 */
MOAT_MUST_USE int moat_prf_master_secret(uint16_t version, moat_hash_alg hash, const uint8_t *pms, size_t pms_len,
					 const uint8_t client_random[MOAT_PRF_RANDOM_LEN],
					 const uint8_t server_random[MOAT_PRF_RANDOM_LEN],
					 uint8_t out[MOAT_PRF_MASTER_SECRET_LEN]);

/*
 * RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master
 * secret", session_hash)[0..47], session_hash being the hash of the
 * handshake up to and including ClientKeyExchange (§3): the PRF hash in
 * TLS 1.2, MD5 || SHA-1 (36 bytes) in TLS 1.0/1.1.
 */
MOAT_MUST_USE int moat_prf_extended_master_secret(uint16_t version, moat_hash_alg hash, const uint8_t *pms,
						  size_t pms_len, const uint8_t *session_hash,
						  size_t session_hash_len, uint8_t out[MOAT_PRF_MASTER_SECRET_LEN]);

/*
 * RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion",
 * server_random + client_random), len bytes (the split is the record
 * layer's: moat_record_tls12_keys in tls/record_tls12.h).
 */
MOAT_MUST_USE int moat_prf_key_block(uint16_t version, moat_hash_alg hash,
				     const uint8_t master[MOAT_PRF_MASTER_SECRET_LEN],
				     const uint8_t client_random[MOAT_PRF_RANDOM_LEN],
				     const uint8_t server_random[MOAT_PRF_RANDOM_LEN], uint8_t *out, size_t len);

/*
 * RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label,
 * Hash(handshake_messages))[0..11], finished_label "client finished" when
 * from_client, else "server finished". handshake_hash is the PRF hash of
 * the messages in TLS 1.2 and MD5 || SHA-1 of them in 1.0/1.1 (RFC 2246
 * §7.4.9).
 */
MOAT_MUST_USE int moat_prf_finished(uint16_t version, moat_hash_alg hash,
				    const uint8_t master[MOAT_PRF_MASTER_SECRET_LEN], bool from_client,
				    const uint8_t *handshake_hash, size_t handshake_hash_len,
				    uint8_t out[MOAT_PRF_VERIFY_DATA_LEN]);

/*
 * RFC 5705 §4 keying material exporter for TLS 1.0 - 1.2:
 * PRF(master_secret, label, client_random + server_random [+
 * context_value_length + context_value]). An empty context and no context
 * (use_context false) give different outputs, as the RFC requires. The
 * handshake's own labels are refused (MOAT_ERR_INVALID_ARG).
 */
MOAT_MUST_USE int moat_prf_exporter(uint16_t version, moat_hash_alg hash,
				    const uint8_t master[MOAT_PRF_MASTER_SECRET_LEN],
				    const uint8_t client_random[MOAT_PRF_RANDOM_LEN],
				    const uint8_t server_random[MOAT_PRF_RANDOM_LEN], const char *label,
				    const uint8_t *context, size_t context_len, bool use_context, uint8_t *out,
				    size_t out_len);

#endif
