/*
 * The TLS 1.3 key schedule, RFC 8446 §7.1 - §7.5.
 *
 * One struct (struct moat_secrets, tls/secrets.h) holds every secret of a
 * connection's schedule in fixed arrays. The stages run in the RFC's order and each one wipes the secret it no
 * longer needs, so a memory disclosure late in a connection cannot reach back
 * to the handshake:
 *
 *   moat_tls13_init                Early Secret                      (§7.1)
 *   moat_tls13_derive_handshake    Handshake Secret, c/s hs traffic   wipes early
 *   moat_tls13_derive_master       Master Secret, c/s ap traffic,     wipes handshake,
 *                                  exporter master                    client_hs, server_hs
 *   moat_tls13_derive_resumption   resumption master                  wipes master
 *
 * Anything still needed from a wiped secret must be taken before the stage
 * that wipes it: PSK binder keys and early traffic secrets before
 * derive_handshake; handshake traffic keys and the client's Finished key
 * (moat_tls13_finished_key) before derive_master.
 *
 * Only SHA-256 and SHA-384 are accepted: they are the hashes of the TLS 1.3
 * cipher suites (RFC 8446 §B.4) and the arrays are MOAT_MAX_HASH_LEN (48).
 * Transcript hashes passed in are hash_len bytes.
 */
#ifndef MOAT_TLS_TLS13_KEY_SCHEDULE_H
#define MOAT_TLS_TLS13_KEY_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/aead.h"
#include "tls/crypto/hash.h"
#include "tls/iana.h"
#include "tls/secrets.h"

/*
 * The stage secrets live in the version-neutral struct moat_secrets
 * (tls/secrets.h). The caller allocates it from the secure heap
 * (moat_secmem_alloc) and wipes it; each stage wipes the previous stage's secret.
 */

/* Early Secret = HKDF-Extract(0, PSK or zeros). psk may be NULL with psk_len 0 (no PSK). */
MOAT_MUST_USE int moat_tls13_init(struct moat_secrets *s, moat_hash_alg alg, const uint8_t *psk, size_t psk_len);
/*
 * hello_hash = Transcript-Hash(ClientHello..ServerHello). Derives handshake secret, client_hs,
 * server_hs; wipes early.
 */
MOAT_MUST_USE int moat_tls13_derive_handshake(struct moat_secrets *s, const uint8_t *ecdhe, size_t ecdhe_len,
					      const uint8_t *hello_hash);
/*
 * server_finished_hash = Transcript-Hash(ClientHello..server Finished). Derives master, client_app,
 * server_app, exporter; wipes handshake and the hs traffic secrets (client_hs too: take the
 * client's Finished key with moat_tls13_finished_key first if it is still needed).
 */
MOAT_MUST_USE int moat_tls13_derive_master(struct moat_secrets *s, const uint8_t *server_finished_hash);
/* client_finished_hash = Transcript-Hash(ClientHello..client Finished). Derives resumption; wipes master. */
MOAT_MUST_USE int moat_tls13_derive_resumption(struct moat_secrets *s, const uint8_t *client_finished_hash);
/* verify_data = HMAC(HKDF-Expand-Label(base_key, "finished", "", Hash.length), transcript_hash) (§4.4.4) */
MOAT_MUST_USE int moat_tls13_finished_mac(moat_hash_alg alg, const uint8_t *base_key, const uint8_t *transcript_hash,
					  uint8_t *out);
/* §7.3: key (aead key length) and iv (12) from a traffic secret. */
MOAT_MUST_USE int moat_tls13_traffic_key_iv(moat_hash_alg alg, moat_aead_alg aead, const uint8_t *traffic_secret,
					    uint8_t *key, uint8_t iv[MOAT_AEAD_NONCE_LEN]);
/* §7.2: secret = HKDF-Expand-Label(secret, "traffic upd", "", Hash.length), in place. */
MOAT_MUST_USE int moat_tls13_next_traffic_secret(moat_hash_alg alg, uint8_t *secret);
/* §7.5 exporter: out_len bytes for label/context from the exporter secret. */
MOAT_MUST_USE int moat_tls13_export(const struct moat_secrets *s, const char *label,
				    const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);

/* ---- Additions beyond the core stages ---- */

/* Derive-Secret(secret, label, Messages) given messages_hash = Transcript-Hash(Messages) (§7.1). */
MOAT_MUST_USE int moat_tls13_derive_secret(moat_hash_alg alg, const uint8_t *secret, const char *label,
					   const uint8_t *messages_hash, uint8_t *out);
/*
 * finished_key = HKDF-Expand-Label(base_key, "finished", "", Hash.length) (§4.4.4). Lets a caller keep
 * the client's Finished key past derive_master; verify_data is then moat_hmac(alg, finished_key, ..).
 */
MOAT_MUST_USE int moat_tls13_finished_key(moat_hash_alg alg, const uint8_t *base_key, uint8_t *out);
/* binder_key = Derive-Secret(early, "res binder" or "ext binder", "") (§7.1); call before derive_handshake. */
MOAT_MUST_USE int moat_tls13_binder_key(const struct moat_secrets *s, bool external_psk, uint8_t *out);
/*
 * client_early_traffic_secret and early_exporter_master_secret from the early secret (§7.1);
 * client_hello_hash = Transcript-Hash(ClientHello). Either output may be NULL. Call before derive_handshake.
 */
MOAT_MUST_USE int moat_tls13_derive_early(const struct moat_secrets *s, const uint8_t *client_hello_hash,
					  uint8_t *client_early_traffic, uint8_t *early_exporter);
/* §4.6.1: PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
MOAT_MUST_USE int moat_tls13_resumption_psk(moat_hash_alg alg, const uint8_t *resumption_secret,
					    const uint8_t *ticket_nonce, size_t nonce_len, uint8_t *psk);
/* §7.5 exporter from any exporter secret (e.g. early_exporter_master_secret for the early exporter). */
MOAT_MUST_USE int moat_tls13_export_from(moat_hash_alg alg, const uint8_t *exporter_secret, const char *label,
					 const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);

#endif
