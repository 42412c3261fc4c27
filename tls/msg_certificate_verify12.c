/*
 * CertificateVerify of TLS 1.0-1.2, RFC 5246 §7.4.8: one digitally-signed
 * element over all handshake messages so far (with the algorithm in TLS
 * 1.2, without it before). The transcript and the verification belong to
 * the handshake and crypto code; in TLS 1.2 the wire form is the same as
 * TLS 1.3's, but the version decides, so there is one entry point for the
 * older protocol.
 */
#include "tls/messages12.h"

#include "tls/iana.h"

int moat_certificate_verify12_decode(struct moat_cursor body, uint16_t version, struct moat_digitally_signed *cv)
{
	ENSURE_REF(cv);
	struct moat_digitally_signed r;
	TRY(moat_digitally_signed_decode(&body, version, &r));
	TRY(moat_cursor_expect_end(&body));
	*cv = r;
	return MOAT_SUCCESS;
}

int moat_certificate_verify12_encode(struct moat_buf *b, uint16_t version, uint16_t scheme, const uint8_t *sig,
				     size_t len)
{
	ENSURE(moat_tls12_codec_version(version), MOAT_ERR_INVALID_ARG);
	ENSURE(len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(len == 0 || sig != NULL, MOAT_ERR_NULL_ARG);
	TRY(moat_hs_begin(b, MOAT_HS_CERTIFICATE_VERIFY));
	TRY(moat_digitally_signed_encode(b, version, scheme, sig, len));
	return moat_hs_end(b);
}
