/*
 * Certificate of TLS 1.0-1.2, RFC 5246 §7.4.2: certificate_list<0..2^24-1>
 * of ASN.1Cert<1..2^24-1>, without TLS 1.3's request context and per-entry
 * extensions. It fills the same struct as the TLS 1.3 decoder (context and
 * extensions empty) so the certificate code reads one shape for both, with
 * the same chain cap: a malformed entry anywhere is decode_error, a
 * well-formed chain longer than MOAT_MAX_CERT_ENTRIES is bad_certificate.
 */
#include "tls/messages12.h"

#include "tls/iana.h"

#define CERT_DATA_MAX 0xffffff

int moat_certificate12_decode(struct moat_cursor body, struct moat_certificate_msg *m)
{
	ENSURE_REF(m);
	struct moat_certificate_msg r = { 0 };
	struct moat_cursor list;
	size_t n = 0;

	TRY(moat_cursor_get_prefixed(&body, 3, &list));
	TRY(moat_cursor_expect_end(&body));
	while (moat_cursor_remaining(&list) > 0) {
		struct moat_cursor cert;
		TRY(moat_cursor_get_vector(&list, 3, 1, CERT_DATA_MAX, &cert));
		if (n < MOAT_MAX_CERT_ENTRIES)
			r.cert[n] = cert;
		n++;
	}
	ENSURE(n <= MOAT_MAX_CERT_ENTRIES, MOAT_ERR_BAD_CERTIFICATE);
	r.count = n;
	*m = r;
	return MOAT_SUCCESS;
}

int moat_certificate12_encode(struct moat_buf *b, const uint8_t *const *der, const size_t *der_len, size_t count)
{
	ENSURE(count == 0 || (der != NULL && der_len != NULL), MOAT_ERR_NULL_ARG);
	/* The list and its length prefix must fit the body's u24 length. */
	size_t total = 3;
	for (size_t i = 0; i < count; i++) {
		ENSURE_REF(der[i]);
		ENSURE(der_len[i] >= 1 && der_len[i] <= CERT_DATA_MAX, MOAT_ERR_INVALID_ARG);
		total += 3 + der_len[i];
		ENSURE(total <= CERT_DATA_MAX, MOAT_ERR_INVALID_ARG);
	}
	TRY(moat_hs_begin(b, MOAT_HS_CERTIFICATE));
	TRY(moat_buf_open_prefixed(b, 3));
	for (size_t i = 0; i < count; i++)
		TRY(moat_buf_put_prefixed(b, 3, der[i], der_len[i]));
	TRY(moat_buf_close_prefixed(b));
	return moat_hs_end(b);
}
