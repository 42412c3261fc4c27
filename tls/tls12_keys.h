/*
 * The TLS 1.2 (1.1, 1.0) secrets both roles derive the same way
 * (tls12_keys.c): the extended master secret, the key block a
 * ChangeCipherSpec switches to, and Finished's verify_data.
 */
#ifndef MOAT_TLS_TLS12_KEYS_H
#define MOAT_TLS_TLS12_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/conn.h"
#include "tls/messages12.h"

/* RFC 7627 §4: the master secret from the premaster and the session hash (the transcript through the CKE). */
MOAT_MUST_USE int moat_tls12_master_secret(struct moat_connection *conn, const uint8_t *pms, size_t pms_len);
/* RFC 5246 §6.3: one direction's keys (write: ours) from the key block, which is wiped at once. */
MOAT_MUST_USE int moat_tls12_install_keys(struct moat_connection *conn, bool write);
/* RFC 5246 §7.4.9: the verify_data of the client's (from_client) or the server's Finished over hash. */
MOAT_MUST_USE int moat_tls12_verify_data(struct moat_connection *conn, bool from_client, const uint8_t *hash,
					 uint8_t out[MOAT_TLS12_VERIFY_DATA_LEN]);

#endif
