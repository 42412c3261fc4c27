/*
 * NewSessionTicket of TLS 1.2, RFC 5077 §3.3: ticket_lifetime_hint (u32,
 * seconds, 0 = unspecified) and ticket<0..2^16-1>. An empty ticket is legal:
 * it is how a server that promised a ticket in its ServerHello declines to
 * issue one after all. The ticket is opaque to the client.
 */
#include "tls/messages12.h"

#include "tls/iana.h"

int moat_new_session_ticket12_decode(struct moat_cursor body, struct moat_new_session_ticket12 *nst)
{
	ENSURE_REF(nst);
	struct moat_new_session_ticket12 r;
	TRY(moat_cursor_get_u32(&body, &r.lifetime_hint));
	TRY(moat_cursor_get_prefixed(&body, 2, &r.ticket));
	TRY(moat_cursor_expect_end(&body));
	*nst = r;
	return MOAT_SUCCESS;
}

int moat_new_session_ticket12_encode(struct moat_buf *b, uint32_t lifetime_hint, const uint8_t *ticket, size_t len)
{
	ENSURE(len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(len == 0 || ticket != NULL, MOAT_ERR_NULL_ARG);
	TRY(moat_hs_begin(b, MOAT_HS_NEW_SESSION_TICKET));
	TRY(moat_buf_put_u32(b, lifetime_hint));
	TRY(moat_buf_put_prefixed(b, 2, ticket, len));
	return moat_hs_end(b);
}
