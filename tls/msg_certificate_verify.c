/*
 * CertificateVerify, RFC 8446 §4.4.3: the message (scheme + signature).
 * The bytes that get signed are the crypto layer's
 * (tls/crypto/signed_content.h), where the key daemon checks them with the
 * same code without linking this codec. Whether the scheme was offered and
 * the signature verifies is for the handshake and crypto code.
 */
#include "tls/messages.h"

#include "tls/iana.h"

int moat_certificate_verify_decode(struct moat_cursor body, struct moat_certificate_verify *cv)
{
	ENSURE_REF(cv);
	struct moat_certificate_verify r;
	TRY(moat_cursor_get_u16(&body, &r.scheme));
	TRY(moat_cursor_get_prefixed(&body, 2, &r.signature));
	TRY(moat_cursor_expect_end(&body));
	*cv = r;
	return MOAT_SUCCESS;
}

int moat_certificate_verify_encode(struct moat_buf *b, uint16_t scheme, const uint8_t *sig, size_t len)
{
	ENSURE(len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(len == 0 || sig != NULL, MOAT_ERR_NULL_ARG);
	TRY(moat_hs_begin(b, MOAT_HS_CERTIFICATE_VERIFY));
	TRY(moat_buf_put_u16(b, scheme));
	TRY(moat_buf_put_prefixed(b, 2, sig, len));
	return moat_hs_end(b);
}
