/*
 * OCSP stapling, server side (RFC 6066 §8, RFC 8446 §4.4.2.1).
 *
 * The application gives each certificate chain a DER OCSPResponse for its
 * leaf (moat_cert_chain_and_key_set_ocsp_data); the library does not fetch
 * or judge it, only sends it to a client whose ClientHello asked with
 * status_request. In TLS 1.3 it rides in the leaf's CertificateEntry as the
 * entry's status_request extension; a client that did not ask never gets
 * one (§4.4.2.1: "MUST NOT" otherwise). In TLS 1.2 (and 1.1, 1.0) the
 * ServerHello carries an empty status_request and a CertificateStatus
 * message follows the Certificate (RFC 6066 §8); MOAT_HS_F_OCSP, set once
 * the certificate is chosen, selects the handshake path with that message,
 * so the promise in the ServerHello and the message cannot disagree.
 */
#include <stdlib.h>
#include <string.h>

#include "tls/ext_handlers.h"
#include "tls/extensions.h"
#include "tls/handshake_tables.h"
#include "tls/messages12.h"
#include "tls/ocsp_staple.h"
#include "tls/crypto/ocsp.h"

/* The whole staple goes into one extension, whose data has a 16-bit length: type byte and 3-byte length too. */
#define OCSP_STAPLE_MAX (0xffffu - 4u)

int moat_cert_chain_and_key_set_ocsp_data(struct moat_cert_chain_and_key *ck, const uint8_t *data, uint32_t length)
{
	ENSURE_REF(ck);
	ENSURE(length == 0 || data != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(length <= OCSP_STAPLE_MAX, MOAT_ERR_INVALID_ARG);
	uint8_t *copy = NULL;
	if (length > 0) {
		copy = malloc(length);
		ENSURE(copy != NULL, MOAT_ERR_ALLOC);
		memcpy(copy, data, length);
	}
	free(ck->ocsp);
	ck->ocsp = copy;
	ck->ocsp_len = length;
	return MOAT_SUCCESS;
}

int moat_ext_status_request_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	bool ocsp = false;
	TRY(moat_ext_status_request_decode_ch(blk->data[MOAT_EXTI_STATUS_REQUEST], &ocsp));
	conn->hs->ocsp_requested = ocsp;
	return MOAT_SUCCESS;
}

void moat_ocsp_staple_tls12_decide(struct moat_connection *conn)
{
	const struct moat_cert_chain_and_key *ck = conn->selected_cert;
	if (conn->hs->ocsp_requested && ck != NULL && ck->ocsp != NULL)
		conn->hs->flags |= MOAT_HS_F_OCSP;
}

/*
 * RFC 6066 §8: "the server MUST include an extension of type
 * "status_request" with empty "extension_data" in the extended server
 * hello" when it will send a CertificateStatus, and only then.
 */
bool moat_ext_status_request_sh12_should_send(const struct moat_connection *conn)
{
	return (conn->hs->flags & MOAT_HS_F_OCSP) != 0;
}

int moat_ext_status_request_sh12_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	return moat_ext_write_empty(out, MOAT_EXT_STATUS_REQUEST);
}

int moat_tls12_server_send_certificate_status(struct moat_connection *conn)
{
	const struct moat_cert_chain_and_key *ck = conn->selected_cert;
	/* The path has this message only when the staple was there at the choice (moat_ocsp_staple_tls12_decide). */
	ENSURE(ck != NULL && ck->ocsp != NULL, MOAT_ERR_INTERNAL);
	struct moat_buf msg;
	moat_buf_init(&msg, (size_t)ck->ocsp_len + 16);
	int rc = moat_certificate_status_encode(&msg, ck->ocsp, ck->ocsp_len);
	if (rc == MOAT_SUCCESS)
		rc = moat_hs_queue_message(conn, msg.data, msg.len);
	moat_buf_free(&msg);
	return rc;
}

int moat_ocsp_staple_entry_ext(const struct moat_connection *conn, struct moat_buf *out)
{
	const struct moat_cert_chain_and_key *ck = conn->selected_cert;
	if (conn->mode != MOAT_SERVER || !conn->hs->ocsp_requested || ck == NULL || ck->ocsp == NULL)
		return MOAT_SUCCESS;
	return moat_ext_write_status_request_ct(out, ck->ocsp, ck->ocsp_len);
}

int moat_cert_chain_and_key_staple_checked(struct moat_cert_chain_and_key *ck, const uint8_t *der, size_t len,
					   uint64_t now_sec, uint64_t *next_update, const char **why)
{
	ENSURE_REF(ck);
	TRY(moat_ocsp_check(der, len, &ck->chain, now_sec, next_update, why));
	*why = "larger than the 65531 bytes a TLS 1.3 staple can be";
	ENSURE(len <= OCSP_STAPLE_MAX, MOAT_ERR_BAD_CERTIFICATE_STATUS);
	return moat_cert_chain_and_key_set_ocsp_data(ck, der, (uint32_t)len);
}
