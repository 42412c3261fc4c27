/*
 * The TLS 1.2 (and 1.1/1.0) client (tls12_client.c, tls12_kx_client.c):
 * what the ClientHello and the key exchange need from it. The row
 * handlers are declared with the machine's (handshake_tables.h).
 */
#ifndef MOAT_TLS_TLS12_CLIENT_H
#define MOAT_TLS_TLS12_CLIENT_H

#include "tls/conn.h"

/*
 * The TLS 1.2-and-older suites our ClientHello offers, in the policy's
 * order, into out (at most cap); how many. Empty when the policy allows
 * no version below TLS 1.3.
 */
size_t moat_tls12_client_suites(const struct moat_connection *conn, uint16_t *out, size_t cap);
/* Our ClientHello's signature_algorithms, into out (at most cap); how many (tls13_ext_client.c). */
size_t moat_client_offered_schemes(const struct moat_connection *conn, uint16_t *out, size_t cap);
/* A scheme our ClientHello's signature_algorithms listed. */
bool moat_tls12_client_offered_scheme(const struct moat_connection *conn, uint16_t scheme);

#endif
