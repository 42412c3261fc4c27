/*
 * Inside tls/: 0-RTT data (early_data.c). The public side is moat.h's
 * "early data" section.
 */
#ifndef MOAT_TLS_EARLY_DATA_H
#define MOAT_TLS_EARLY_DATA_H

#include "tls/conn.h"

/* Server: the max_early_data_size in force (the connection's, else the config's); 0: no 0-RTT. */
uint32_t moat_early_data_server_max(const struct moat_connection *conn);
/* Server: the first ClientHello offers early data and we take some: an OPEN asks for single use. */
bool moat_early_data_server_wanted(const struct moat_connection *conn);
/* Server, before the ServerHello: accept the early data or not (may block on the early data callback). */
MOAT_MUST_USE int moat_tls13_early_data_server_decide(struct moat_connection *conn);
/* Server, with the early secret (moat_tls13_init) and before the handshake secret: client_early_traffic_secret. */
MOAT_MUST_USE int moat_tls13_early_data_server_derive(struct moat_connection *conn);
/* Server, after the ServerHello when accepted: read with the client's early traffic keys. */
MOAT_MUST_USE int moat_tls13_early_data_server_read_keys(struct moat_connection *conn);
/* io.c: an application data record before the handshake's end, taken as early data or refused. */
MOAT_MUST_USE int moat_early_data_server_record(struct moat_connection *conn, const uint8_t *data, size_t len);
/* Client, after EncryptedExtensions: the early data's fate; rejected leaves the early write keys. */
MOAT_MUST_USE int moat_tls13_early_data_client_after_ee(struct moat_connection *conn);
/* Client, HelloRetryRequest: early data rejected, and unprotected writes again for the second ClientHello. */
MOAT_MUST_USE int moat_tls13_early_data_client_hrr(struct moat_connection *conn);
/* Client: the ServerHello must not move our write keys yet (early data was sent). */
bool moat_tls13_early_data_client_keeps_write_keys(struct moat_connection *conn);

#endif
