/*
 * CertificateStatus, RFC 6066 §8: the stapled OCSP response a TLS 1.0-1.2
 * server sends after its Certificate when the client asked with
 * status_request. status_type ocsp(1) is the only type we request; any other
 * cannot be framed and is refused. Verifying the DER OCSPResponse (RFC 6960)
 * against the chain is the certificate code's job.
 */
#include "tls/messages12.h"

#include "tls/iana.h"

#define OCSP_RESPONSE_MAX 0xffffff

int moat_certificate_status_decode(struct moat_cursor body, struct moat_cursor *ocsp_response)
{
	ENSURE_REF(ocsp_response);
	uint8_t type;
	struct moat_cursor r;

	TRY(moat_cursor_get_u8(&body, &type));
	ENSURE(type == MOAT_CERT_STATUS_OCSP, MOAT_ERR_ILLEGAL_PARAMETER);
	TRY(moat_cursor_get_vector(&body, 3, 1, OCSP_RESPONSE_MAX, &r));
	TRY(moat_cursor_expect_end(&body));
	*ocsp_response = r;
	return MOAT_SUCCESS;
}

int moat_certificate_status_encode(struct moat_buf *b, const uint8_t *ocsp_response, size_t len)
{
	ENSURE_REF(ocsp_response);
	/* The body (type byte, 3-byte length, response) must fit the handshake header's u24 length. */
	ENSURE(len >= 1 && len <= OCSP_RESPONSE_MAX - 4, MOAT_ERR_INVALID_ARG);
	TRY(moat_hs_begin(b, MOAT_HS_CERTIFICATE_STATUS));
	TRY(moat_buf_put_u8(b, MOAT_CERT_STATUS_OCSP));
	TRY(moat_buf_put_prefixed(b, 3, ocsp_response, len));
	return moat_hs_end(b);
}
