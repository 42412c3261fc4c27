/*
 * renegotiation_info, RFC 5746 §3.2: renegotiated_connection<0..255>,
 * empty on an initial handshake, the Finished verify_data of the previous
 * one on a renegotiation. The extension (or the SCSV) tells a peer that the
 * sender is not open to the prefix attack of RFC 5746 §1; comparing the
 * value with the expected one, and whether to renegotiate at all, belong to
 * the handshake.
 */
#include "tls/extensions12.h"

#include "tls/iana.h"

int moat_ext_renegotiation_info_decode(struct moat_cursor d, struct moat_cursor *renegotiated_connection)
{
	ENSURE_REF(renegotiated_connection);
	struct moat_cursor r;
	TRY(moat_cursor_get_prefixed(&d, 1, &r));
	TRY(moat_cursor_expect_end(&d));
	*renegotiated_connection = r;
	return MOAT_SUCCESS;
}

int moat_ext_write_renegotiation_info(struct moat_buf *b, const uint8_t *renegotiated_connection, size_t len)
{
	ENSURE(len <= 0xff, MOAT_ERR_INVALID_ARG);
	ENSURE(len == 0 || renegotiated_connection != NULL, MOAT_ERR_NULL_ARG);
	TRY(moat_ext_begin(b, MOAT_EXT_RENEGOTIATION_INFO));
	TRY(moat_buf_put_prefixed(b, 1, renegotiated_connection, len));
	return moat_ext_end(b);
}
