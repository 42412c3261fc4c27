/*
 * OCSP stapling inside the library (ocsp_staple.c); the application's side
 * is moat_cert_chain_and_key_set_ocsp_data in moat.h.
 */
#ifndef MOAT_TLS_OCSP_STAPLE_H
#define MOAT_TLS_OCSP_STAPLE_H

#include "common/buf.h"
#include "tls/conn.h"

/*
 * The extensions of the server's leaf CertificateEntry in TLS 1.3: the
 * status_request extension with the selected chain's staple when the client
 * asked for one and there is one, else nothing is written (out unchanged).
 */
MOAT_MUST_USE int moat_ocsp_staple_entry_ext(const struct moat_connection *conn, struct moat_buf *out);

/*
 * TLS 1.0-1.2 server, once the certificate is chosen: a client that asked
 * and a chain with a staple make the handshake one with a CertificateStatus
 * (MOAT_HS_F_OCSP).
 */
void moat_ocsp_staple_tls12_decide(struct moat_connection *conn);

/*
 * For an application that judges its staples (frontd): moat_ocsp_check
 * (tls/crypto/ocsp.h) on der against ck's chain; on success, the staple is
 * set on ck. Results as moat_ocsp_check's: an expired response is
 * MOAT_ERR_CERTIFICATE_EXPIRED and is not set.
 */
MOAT_MUST_USE int moat_cert_chain_and_key_staple_checked(struct moat_cert_chain_and_key *ck, const uint8_t *der,
							 size_t len, uint64_t now_sec, uint64_t *next_update,
							 const char **why);

#endif
