/*
 * CertificateRequest of TLS 1.2 (RFC 5246 §7.4.4) and of TLS 1.0/1.1
 * (RFC 2246, RFC 4346 §7.4.4, which lack supported_signature_algorithms).
 *
 * Bounds: certificate_types<1..2^8-1>; supported_signature_algorithms is
 * written three ways in RFC 5246 (<2^16-1> in §7.4.4, <2..2^16-1> in
 * A.4.2, <2..2^16-2> for the same list in §7.4.1.4.1); pairs of bytes make
 * <2..2^16-2> with an even length the only reading that frames, and an odd
 * length is a decode_error. certificate_authorities<0..2^16-1> of
 * DistinguishedName<1..2^16-1>, for every version: see messages12.h.
 * The values (which types and algorithms, which CAs) are the client
 * certificate code's to match.
 */
#include "tls/messages12.h"

#include "tls/iana.h"

#define SIG_ALGS_MAX 0xfffe

static int check_authorities(struct moat_cursor list)
{
	struct moat_cursor dn;
	while (moat_cursor_remaining(&list) > 0)
		TRY(moat_ca_list_next(&list, &dn));
	return MOAT_SUCCESS;
}

int moat_certificate_request12_decode(struct moat_cursor body, uint16_t version,
				      struct moat_certificate_request12 *cr)
{
	ENSURE_REF(cr);
	ENSURE(moat_tls12_codec_version(version), MOAT_ERR_INVALID_ARG);
	struct moat_certificate_request12 r = { 0 };

	TRY(moat_cursor_get_vector(&body, 1, 1, 0xff, &r.certificate_types));
	if (version == MOAT_TLS12) {
		r.has_sig_algs = true;
		TRY(moat_cursor_get_vector(&body, 2, 2, SIG_ALGS_MAX, &r.sig_algs));
		ENSURE(moat_cursor_remaining(&r.sig_algs) % 2 == 0, MOAT_ERR_DECODE);
	}
	TRY(moat_cursor_get_prefixed(&body, 2, &r.authorities));
	TRY(moat_cursor_expect_end(&body));
	TRY(check_authorities(r.authorities));
	*cr = r;
	return MOAT_SUCCESS;
}

int moat_certificate_request12_encode(struct moat_buf *b, uint16_t version, const uint8_t *types, size_t n_types,
				      const uint16_t *sig_algs, size_t n_algs, const uint8_t *authorities,
				      size_t auth_len)
{
	ENSURE(moat_tls12_codec_version(version), MOAT_ERR_INVALID_ARG);
	ENSURE_REF(types);
	ENSURE(n_types >= 1 && n_types <= 0xff, MOAT_ERR_INVALID_ARG);
	if (version == MOAT_TLS12) {
		ENSURE_REF(sig_algs);
		ENSURE(n_algs >= 1 && n_algs <= SIG_ALGS_MAX / 2, MOAT_ERR_INVALID_ARG);
	} else {
		ENSURE(n_algs == 0, MOAT_ERR_INVALID_ARG);
	}
	ENSURE(auth_len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(auth_len == 0 || authorities != NULL, MOAT_ERR_NULL_ARG);
	struct moat_cursor list;
	moat_cursor_init(&list, authorities, auth_len);
	ENSURE(check_authorities(list) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);

	TRY(moat_hs_begin(b, MOAT_HS_CERTIFICATE_REQUEST));
	TRY(moat_buf_put_prefixed(b, 1, types, n_types));
	if (version == MOAT_TLS12) {
		TRY(moat_buf_open_prefixed(b, 2));
		for (size_t i = 0; i < n_algs; i++)
			TRY(moat_buf_put_u16(b, sig_algs[i]));
		TRY(moat_buf_close_prefixed(b));
	}
	TRY(moat_buf_put_prefixed(b, 2, authorities, auth_len));
	return moat_hs_end(b);
}
