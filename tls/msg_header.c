/*
 * The handshake message header, RFC 8446 §4: msg_type and a 24-bit length.
 *
 * Messages may be split over records or several may share one, so the
 * record layer feeds a reassembly buffer and asks moat_hs_message_complete
 * whether a whole message is there before splitting it off with
 * moat_hs_header_decode. The length check against a maximum the caller is
 * willing to buffer is the caller's: it knows which message it expects.
 */
#include "tls/messages.h"

#include "tls/iana.h"

int moat_hs_header_decode(struct moat_cursor *c, uint8_t *type, struct moat_cursor *body)
{
	ENSURE_REF(c);
	ENSURE_REF(type);
	ENSURE_REF(body);
	struct moat_cursor probe = *c, b;
	uint8_t t;
	TRY(moat_cursor_get_u8(&probe, &t));
	TRY(moat_cursor_get_prefixed(&probe, 3, &b));
	*c = probe;
	*type = t;
	*body = b;
	return MOAT_SUCCESS;
}

bool moat_hs_message_complete(const uint8_t *buf, size_t len, size_t *msg_len)
{
	struct moat_cursor c;
	uint8_t type;
	uint32_t body_len;

	if (msg_len != NULL)
		*msg_len = 0;
	/* Check the header is there first so that the getters cannot fail and touch moat_errno. */
	if (buf == NULL || len < MOAT_HS_HEADER_LEN)
		return false;
	moat_cursor_init(&c, buf, len);
	if (moat_cursor_get_u8(&c, &type) < 0 || moat_cursor_get_u24(&c, &body_len) < 0)
		return false;
	if (msg_len != NULL)
		*msg_len = MOAT_HS_HEADER_LEN + (size_t)body_len;
	return moat_cursor_remaining(&c) >= body_len;
}

int moat_hs_begin(struct moat_buf *b, uint8_t type)
{
	TRY(moat_buf_put_u8(b, type));
	return moat_buf_open_prefixed(b, 3);
}

int moat_hs_end(struct moat_buf *b)
{
	return moat_buf_close_prefixed(b);
}
