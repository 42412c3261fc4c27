/*
 * The TLS 1.2 (and 1.1/1.0) server's key exchanges (tls12_kx_server.c):
 * what the suite choice needs from them. The ServerKeyExchange and
 * ClientKeyExchange handlers are the machine's rows (handshake_tables.h).
 */
#ifndef MOAT_TLS_TLS12_KX_SERVER_H
#define MOAT_TLS_TLS12_KX_SERVER_H

#include "tls/conn.h"
#include "tls/messages12.h"

/* Which of the two KeyExchange messages' shapes the suite's key exchange takes. */
enum moat_kx12 moat_tls12_kx_of(const struct moat_cipher_suite *s);
/*
 * The RFC 7919 group a DHE suite would use with this client (RFC 7919 §4):
 * one it lists, or ffdhe2048 for a client that lists no FFDHE group. A
 * client that lists FFDHE groups, none of ours → HANDSHAKE_FAILURE (no DHE
 * suite for it).
 */
MOAT_MUST_USE int moat_tls12_dhe_group(struct moat_connection *conn, uint16_t *group);

#endif
