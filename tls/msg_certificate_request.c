/*
 * CertificateRequest, RFC 8446 §4.3.2: a request context<0..255> and an
 * extensions<2..2^16-1> block that "MUST" hold signature_algorithms. Unknown
 * extensions are ignored ("Clients MUST ignore unrecognized extensions").
 */
#include "tls/messages.h"

#include "tls/iana.h"

int moat_certificate_request_decode(struct moat_cursor body, struct moat_certificate_request *cr)
{
	ENSURE_REF(cr);
	struct moat_certificate_request r;
	struct moat_cursor raw;

	TRY(moat_cursor_get_vector(&body, 1, 0, 0xff, &r.context));
	TRY(moat_cursor_get_vector(&body, 2, 2, 0xffff, &raw));
	TRY(moat_cursor_expect_end(&body));
	TRY(moat_ext_block_parse_raw(raw, MOAT_MSG_CR, &r.ext));
	ENSURE(moat_ext_present(&r.ext, MOAT_EXTI_SIGNATURE_ALGORITHMS), MOAT_ERR_MISSING_EXTENSION);
	*cr = r;
	return MOAT_SUCCESS;
}

int moat_certificate_request_encode(struct moat_buf *b, const uint8_t *context, size_t ctx_len, const uint8_t *ext,
				    size_t ext_len)
{
	ENSURE(ctx_len <= 0xff, MOAT_ERR_INVALID_ARG);
	ENSURE(ctx_len == 0 || context != NULL, MOAT_ERR_NULL_ARG);
	ENSURE_REF(ext);
	ENSURE(ext_len >= 2 && ext_len <= 0xffff, MOAT_ERR_INVALID_ARG);
	TRY(moat_hs_begin(b, MOAT_HS_CERTIFICATE_REQUEST));
	TRY(moat_buf_put_prefixed(b, 1, context, ctx_len));
	TRY(moat_buf_put_prefixed(b, 2, ext, ext_len));
	return moat_hs_end(b);
}
