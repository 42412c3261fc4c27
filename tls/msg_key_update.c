/*
 * KeyUpdate, RFC 8446 §4.6.3: one byte, update_not_requested(0) or
 * update_requested(1). "If an implementation receives any other value, it
 * MUST terminate the connection with an illegal_parameter alert."
 */
#include "tls/messages.h"

#include "tls/iana.h"

#define UPDATE_NOT_REQUESTED 0
#define UPDATE_REQUESTED 1

int moat_key_update_decode(struct moat_cursor body, bool *update_requested)
{
	ENSURE_REF(update_requested);
	uint8_t v;
	TRY(moat_cursor_get_u8(&body, &v));
	TRY(moat_cursor_expect_end(&body));
	ENSURE(v == UPDATE_NOT_REQUESTED || v == UPDATE_REQUESTED, MOAT_ERR_ILLEGAL_PARAMETER);
	*update_requested = v == UPDATE_REQUESTED;
	return MOAT_SUCCESS;
}

int moat_key_update_encode(struct moat_buf *b, bool update_requested)
{
	TRY(moat_hs_begin(b, MOAT_HS_KEY_UPDATE));
	TRY(moat_buf_put_u8(b, update_requested ? UPDATE_REQUESTED : UPDATE_NOT_REQUESTED));
	return moat_hs_end(b);
}
