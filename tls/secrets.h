/*
 * A connection's secrets, whichever protocol version it speaks.
 *
 * One struct in the secure heap (moat_secmem_alloc, wiped on free) holds the
 * hash the version derives everything with and the secrets of its schedule.
 * The versions share nothing else, so their secrets overlap in a union and a
 * TLS 1.3 connection pays not one byte for TLS 1.2's:
 *
 *  - TLS 1.3: the stage secrets of RFC 8446 §7.1, anonymous members so a
 *    handler writes conn->secrets->client_hs. tls/tls13_key_schedule.h
 *    derives them in order and wipes each stage as the next one begins.
 *  - TLS 1.2 (where it plugs in): hash is the PRF hash of the cipher suite
 *    (RFC 5246 §5: SHA-256 unless the suite says otherwise) and tls12 holds
 *    the master secret (§8.1), the one secret Finished (§7.4.9), the key
 *    block (§6.3) and the exporter derive from. The key block goes straight
 *    into the record layer (moat_record_set_keys) and is not kept here.
 *
 * Arrays are MOAT_MAX_HASH_LEN (48): the largest hash either version uses,
 * and the fixed length of a TLS 1.2 master secret.
 */
#ifndef MOAT_TLS_SECRETS_H
#define MOAT_TLS_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include "tls/crypto/hash.h"

/* RFC 5246 §8.1: "The master secret is always exactly 48 bytes in length." */
#define MOAT_TLS12_MASTER_SECRET_LEN 48

struct moat_secrets {
	moat_hash_alg hash;              /* 1.3: the suite's hash; 1.2: the PRF hash */
	size_t hash_len;
	union {
		struct {
			uint8_t early[MOAT_MAX_HASH_LEN];
			uint8_t handshake[MOAT_MAX_HASH_LEN];
			uint8_t master[MOAT_MAX_HASH_LEN];
			uint8_t client_hs[MOAT_MAX_HASH_LEN], server_hs[MOAT_MAX_HASH_LEN];
			uint8_t client_app[MOAT_MAX_HASH_LEN], server_app[MOAT_MAX_HASH_LEN];
			uint8_t exporter[MOAT_MAX_HASH_LEN], resumption[MOAT_MAX_HASH_LEN];
			/* 0-RTT: client_early_traffic_secret (§7.1), wiped once its keys are installed. */
			uint8_t client_early[MOAT_MAX_HASH_LEN];
		};
		struct {
			uint8_t master_secret[MOAT_TLS12_MASTER_SECRET_LEN];
		} tls12;
	};
};

_Static_assert(MOAT_TLS12_MASTER_SECRET_LEN <= MOAT_MAX_HASH_LEN, "1.2's master secret fits 1.3's stage arrays");

#endif
