/*
 * The digitally-signed element of TLS 1.0-1.2 (RFC 5246 §4.7), shared by
 * ServerKeyExchange and CertificateVerify. TLS 1.2 put the
 * SignatureAndHashAlgorithm in front of the signature; TLS 1.0 and 1.1
 * (RFC 2246, RFC 4346 §4.7) send only the signature vector, its algorithm
 * fixed by the key (MD5+SHA-1 for RSA, SHA-1 for ECDSA). Which algorithms
 * are acceptable, and whether the signature verifies, is not decided here.
 */
#include "tls/messages12.h"

#include "tls/iana.h"

bool moat_tls12_codec_version(uint16_t version)
{
	return version == MOAT_TLS10 || version == MOAT_TLS11 || version == MOAT_TLS12;
}

int moat_digitally_signed_decode(struct moat_cursor *c, uint16_t version, struct moat_digitally_signed *out)
{
	ENSURE_REF(c);
	ENSURE_REF(out);
	ENSURE(moat_tls12_codec_version(version), MOAT_ERR_INVALID_ARG);
	struct moat_digitally_signed r = { 0 };
	struct moat_cursor in = *c;

	if (version == MOAT_TLS12) {
		r.has_scheme = true;
		TRY(moat_cursor_get_u16(&in, &r.scheme));
	}
	TRY(moat_cursor_get_prefixed(&in, 2, &r.signature));
	*c = in;
	*out = r;
	return MOAT_SUCCESS;
}

int moat_digitally_signed_encode(struct moat_buf *b, uint16_t version, uint16_t scheme, const uint8_t *sig,
				 size_t len)
{
	ENSURE(moat_tls12_codec_version(version), MOAT_ERR_INVALID_ARG);
	ENSURE(len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(len == 0 || sig != NULL, MOAT_ERR_NULL_ARG);
	if (version == MOAT_TLS12)
		TRY(moat_buf_put_u16(b, scheme));
	return moat_buf_put_prefixed(b, 2, sig, len);
}
