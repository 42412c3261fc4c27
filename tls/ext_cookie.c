/*
 * cookie, RFC 8446 §4.2.2: an opaque cookie<1..2^16-1> the server puts in a
 * HelloRetryRequest and the client echoes in its second ClientHello. What is
 * inside is the server's business (and authenticated by it), not ours.
 */
#include "tls/extensions.h"

#include "tls/iana.h"

int moat_ext_cookie_decode(struct moat_cursor d, struct moat_cursor *cookie)
{
	ENSURE_REF(cookie);
	struct moat_cursor c;
	TRY(moat_cursor_get_vector(&d, 2, 1, 0xffff, &c));
	TRY(moat_cursor_expect_end(&d));
	*cookie = c;
	return MOAT_SUCCESS;
}

int moat_ext_write_cookie(struct moat_buf *b, const uint8_t *cookie, size_t len)
{
	ENSURE_REF(cookie);
	ENSURE(len >= 1 && len <= 0xffff - 2, MOAT_ERR_INVALID_ARG);
	TRY(moat_ext_begin(b, MOAT_EXT_COOKIE));
	TRY(moat_buf_put_prefixed(b, 2, cookie, len));
	return moat_ext_end(b);
}
