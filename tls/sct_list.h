/*
 * Certificate Transparency inside the library (sct_list.c); the
 * application's side is moat_cert_chain_and_key_set_sct_list in moat.h.
 */
#ifndef MOAT_TLS_SCT_LIST_H
#define MOAT_TLS_SCT_LIST_H

#include "common/buf.h"
#include "tls/conn.h"

/*
 * TLS 1.3: appends the signed_certificate_timestamp extension for the
 * server's leaf CertificateEntry to out (which may already hold the OCSP
 * staple) when the client asked and the chain has a list; else nothing.
 */
MOAT_MUST_USE int moat_sct_entry_ext(const struct moat_connection *conn, struct moat_buf *out);

#endif
