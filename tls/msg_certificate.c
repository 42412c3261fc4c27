/*
 * Certificate, RFC 8446 §4.4.2.
 *
 * The chain is kept as cursors to each DER certificate, up to
 * MOAT_MAX_CERT_ENTRIES: real chains are 2-4 long, and a fixed array keeps
 * the struct allocation-free. The whole list is validated first, so a
 * malformed entry anywhere is a decode_error; a well-formed but longer chain
 * is then bad_certificate. Each entry's extensions are checked against the CT
 * column of the §4.2 table (status_request, SCT) and kept raw for the
 * certificate code; whether they answer something we asked is its call.
 */
#include "tls/messages.h"

#include "tls/iana.h"

#define CERT_DATA_MAX 0xffffff

int moat_certificate_decode(struct moat_cursor body, struct moat_certificate_msg *m)
{
	ENSURE_REF(m);
	struct moat_certificate_msg r = { 0 };
	struct moat_cursor list;
	size_t n = 0;

	TRY(moat_cursor_get_vector(&body, 1, 0, 0xff, &r.context));
	TRY(moat_cursor_get_prefixed(&body, 3, &list));
	TRY(moat_cursor_expect_end(&body));
	while (moat_cursor_remaining(&list) > 0) {
		struct moat_cursor cert, ext_raw;
		struct moat_ext_block ext;
		TRY(moat_cursor_get_vector(&list, 3, 1, CERT_DATA_MAX, &cert));
		TRY(moat_cursor_get_prefixed(&list, 2, &ext_raw));
		TRY(moat_ext_block_parse_raw(ext_raw, MOAT_MSG_CT, &ext));
		if (n < MOAT_MAX_CERT_ENTRIES) {
			r.cert[n] = cert;
			r.ext_raw[n] = ext_raw;
		}
		n++;
	}
	ENSURE(n <= MOAT_MAX_CERT_ENTRIES, MOAT_ERR_BAD_CERTIFICATE);
	r.count = n;
	*m = r;
	return MOAT_SUCCESS;
}

int moat_certificate_encode_ext(struct moat_buf *b, const uint8_t *context, size_t ctx_len,
				const uint8_t *const *der, const size_t *der_len, const uint8_t *const *ext,
				const size_t *ext_len, size_t count)
{
	ENSURE(ctx_len <= 0xff, MOAT_ERR_INVALID_ARG);
	ENSURE(ctx_len == 0 || context != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(count == 0 || (der != NULL && der_len != NULL), MOAT_ERR_NULL_ARG);
	ENSURE(ext == NULL || ext_len != NULL, MOAT_ERR_NULL_ARG);
	for (size_t i = 0; i < count; i++) {
		ENSURE_REF(der[i]);
		ENSURE(der_len[i] >= 1 && der_len[i] <= CERT_DATA_MAX, MOAT_ERR_INVALID_ARG);
		if (ext != NULL && ext[i] != NULL)
			ENSURE(ext_len[i] <= 0xffff, MOAT_ERR_INVALID_ARG);
	}
	TRY(moat_hs_begin(b, MOAT_HS_CERTIFICATE));
	TRY(moat_buf_put_prefixed(b, 1, context, ctx_len));
	TRY(moat_buf_open_prefixed(b, 3));
	for (size_t i = 0; i < count; i++) {
		TRY(moat_buf_put_prefixed(b, 3, der[i], der_len[i]));
		if (ext != NULL && ext[i] != NULL)
			TRY(moat_buf_put_prefixed(b, 2, ext[i], ext_len[i]));
		else
			TRY(moat_buf_put_u16(b, 0));
	}
	TRY(moat_buf_close_prefixed(b));
	return moat_hs_end(b);
}

int moat_certificate_encode(struct moat_buf *b, const uint8_t *context, size_t ctx_len, const uint8_t *const *der,
			    const size_t *der_len, size_t count)
{
	return moat_certificate_encode_ext(b, context, ctx_len, der, der_len, NULL, NULL, count);
}
