/*
 * status_request (OCSP stapling), RFC 6066 §8 and RFC 8446 §4.4.2.1.
 *
 * The request (CH, CR) names a status type; only ocsp(1) has a structure we
 * can walk, so another type is reported as "not OCSP" rather than an error
 * (RFC 6066 §8: servers that do not support a type ignore the extension).
 * The answer travels in a CertificateEntry's extensions in TLS 1.3 as a
 * CertificateStatus holding the DER OCSPResponse, which the certificate code
 * verifies.
 */
#include "tls/extensions.h"

#include "tls/iana.h"

int moat_ext_status_request_decode_ch(struct moat_cursor d, bool *ocsp)
{
	ENSURE_REF(ocsp);
	uint8_t type;
	struct moat_cursor ids, id, exts;

	TRY(moat_cursor_get_u8(&d, &type));
	if (type != MOAT_CERT_STATUS_OCSP) {
		*ocsp = false;
		return MOAT_SUCCESS;
	}
	TRY(moat_cursor_get_prefixed(&d, 2, &ids));
	while (moat_cursor_remaining(&ids) > 0)
		TRY(moat_cursor_get_vector(&ids, 2, 1, 0xffff, &id));
	TRY(moat_cursor_get_prefixed(&d, 2, &exts));
	TRY(moat_cursor_expect_end(&d));
	*ocsp = true;
	return MOAT_SUCCESS;
}

int moat_ext_status_request_decode_ct(struct moat_cursor d, struct moat_cursor *ocsp_response)
{
	ENSURE_REF(ocsp_response);
	uint8_t type;
	struct moat_cursor r;

	TRY(moat_cursor_get_u8(&d, &type));
	ENSURE(type == MOAT_CERT_STATUS_OCSP, MOAT_ERR_ILLEGAL_PARAMETER);
	TRY(moat_cursor_get_vector(&d, 3, 1, 0xffffff, &r));
	TRY(moat_cursor_expect_end(&d));
	*ocsp_response = r;
	return MOAT_SUCCESS;
}

int moat_ext_write_status_request_ct(struct moat_buf *b, const uint8_t *ocsp_response, size_t len)
{
	ENSURE_REF(ocsp_response);
	/* The whole extension_data (type byte + 3-byte length + response) has a 2-byte length. */
	ENSURE(len >= 1 && len <= 0xffff - 4, MOAT_ERR_INVALID_ARG);
	TRY(moat_ext_begin(b, MOAT_EXT_STATUS_REQUEST));
	TRY(moat_buf_put_u8(b, MOAT_CERT_STATUS_OCSP));
	TRY(moat_buf_put_prefixed(b, 3, ocsp_response, len));
	return moat_ext_end(b);
}
