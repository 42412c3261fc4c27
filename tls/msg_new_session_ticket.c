/*
 * NewSessionTicket, RFC 8446 §4.6.1. The ticket is opaque to the client and
 * the extensions are checked against the NST column of the §4.2 table
 * (only early_data is defined; "Clients MUST ignore unrecognized
 * extensions"). The 7-day lifetime cap is the session cache's to apply.
 */
#include "tls/messages.h"

#include "tls/iana.h"

#define NST_EXT_MAX 0xfffe

int moat_new_session_ticket_decode(struct moat_cursor body, struct moat_new_session_ticket *nst)
{
	ENSURE_REF(nst);
	struct moat_new_session_ticket r;
	struct moat_cursor raw;

	TRY(moat_cursor_get_u32(&body, &r.lifetime));
	TRY(moat_cursor_get_u32(&body, &r.age_add));
	TRY(moat_cursor_get_vector(&body, 1, 0, 0xff, &r.nonce));
	TRY(moat_cursor_get_vector(&body, 2, 1, 0xffff, &r.ticket));
	TRY(moat_cursor_get_vector(&body, 2, 0, NST_EXT_MAX, &raw));
	TRY(moat_cursor_expect_end(&body));
	TRY(moat_ext_block_parse_raw(raw, MOAT_MSG_NST, &r.ext));
	*nst = r;
	return MOAT_SUCCESS;
}

int moat_new_session_ticket_encode(struct moat_buf *b, uint32_t lifetime, uint32_t age_add, const uint8_t *nonce,
				   size_t nonce_len, const uint8_t *ticket, size_t ticket_len, const uint8_t *ext,
				   size_t ext_len)
{
	ENSURE(nonce_len <= 0xff, MOAT_ERR_INVALID_ARG);
	ENSURE(nonce_len == 0 || nonce != NULL, MOAT_ERR_NULL_ARG);
	ENSURE_REF(ticket);
	ENSURE(ticket_len >= 1 && ticket_len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(ext_len <= NST_EXT_MAX, MOAT_ERR_INVALID_ARG);
	ENSURE(ext_len == 0 || ext != NULL, MOAT_ERR_NULL_ARG);
	TRY(moat_hs_begin(b, MOAT_HS_NEW_SESSION_TICKET));
	TRY(moat_buf_put_u32(b, lifetime));
	TRY(moat_buf_put_u32(b, age_add));
	TRY(moat_buf_put_prefixed(b, 1, nonce, nonce_len));
	TRY(moat_buf_put_prefixed(b, 2, ticket, ticket_len));
	TRY(moat_buf_put_prefixed(b, 2, ext, ext_len));
	return moat_hs_end(b);
}
