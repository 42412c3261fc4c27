/*
 * session_ticket, RFC 5077 §3.2: the extension_data is the ticket itself,
 * with no length of its own. Empty in a ClientHello means "no ticket, but
 * send me one"; empty in a ServerHello promises a NewSessionTicket. The
 * bytes are opaque here: the ticket code authenticates them before use.
 */
#include "tls/extensions12.h"

#include "tls/iana.h"

int moat_ext_session_ticket_decode(struct moat_cursor d, struct moat_cursor *ticket)
{
	ENSURE_REF(ticket);
	*ticket = d;
	return MOAT_SUCCESS;
}

int moat_ext_write_session_ticket(struct moat_buf *b, const uint8_t *ticket, size_t len)
{
	ENSURE(len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(len == 0 || ticket != NULL, MOAT_ERR_NULL_ARG);
	return moat_ext_write_raw(b, MOAT_EXT_SESSION_TICKET, ticket, len);
}
