/*
 * supported_versions, RFC 8446 §4.2.1: the client's list of versions
 * (versions<2..254>, 1-byte length) and the server's one selected_version.
 * Which versions are acceptable is the handshake's decision, not ours.
 */
#include "tls/extensions.h"

#include "tls/iana.h"

#define VERSIONS_MAX_BYTES 254

int moat_ext_supported_versions_decode_ch(struct moat_cursor d, struct moat_cursor *list)
{
	ENSURE_REF(list);
	struct moat_cursor l;
	TRY(moat_cursor_get_vector(&d, 1, 2, VERSIONS_MAX_BYTES, &l));
	ENSURE(moat_cursor_remaining(&l) % 2 == 0, MOAT_ERR_DECODE);
	TRY(moat_cursor_expect_end(&d));
	*list = l;
	return MOAT_SUCCESS;
}

int moat_ext_supported_versions_decode_sh(struct moat_cursor d, uint16_t *version)
{
	ENSURE_REF(version);
	uint16_t v;
	TRY(moat_cursor_get_u16(&d, &v));
	TRY(moat_cursor_expect_end(&d));
	*version = v;
	return MOAT_SUCCESS;
}

int moat_ext_write_supported_versions_ch(struct moat_buf *b, const uint16_t *v, size_t n)
{
	ENSURE_REF(v);
	ENSURE(n >= 1 && n <= VERSIONS_MAX_BYTES / 2, MOAT_ERR_INVALID_ARG);
	TRY(moat_ext_begin(b, MOAT_EXT_SUPPORTED_VERSIONS));
	TRY(moat_buf_open_prefixed(b, 1));
	for (size_t i = 0; i < n; i++)
		TRY(moat_buf_put_u16(b, v[i]));
	TRY(moat_buf_close_prefixed(b));
	return moat_ext_end(b);
}

int moat_ext_write_supported_versions_sh(struct moat_buf *b, uint16_t version)
{
	TRY(moat_ext_begin(b, MOAT_EXT_SUPPORTED_VERSIONS));
	TRY(moat_buf_put_u16(b, version));
	return moat_ext_end(b);
}
