/*
 * max_fragment_length, RFC 6066 §4: one byte naming 2^9, 2^10, 2^11 or 2^12.
 * "If a server receives a maximum fragment length negotiation request for a
 * value other than the allowed values, it MUST abort the handshake with an
 * illegal_parameter alert."
 */
#include "tls/extensions.h"

#include "tls/iana.h"

#define MFL_MIN 1 /* 2^9 */
#define MFL_MAX 4 /* 2^12 */

int moat_ext_max_fragment_length_decode(struct moat_cursor d, uint8_t *code)
{
	ENSURE_REF(code);
	uint8_t v;
	TRY(moat_cursor_get_u8(&d, &v));
	TRY(moat_cursor_expect_end(&d));
	ENSURE(v >= MFL_MIN && v <= MFL_MAX, MOAT_ERR_ILLEGAL_PARAMETER);
	*code = v;
	return MOAT_SUCCESS;
}

int moat_ext_write_max_fragment_length(struct moat_buf *b, uint8_t code)
{
	ENSURE(code >= MFL_MIN && code <= MFL_MAX, MOAT_ERR_INVALID_ARG);
	TRY(moat_ext_begin(b, MOAT_EXT_MAX_FRAGMENT_LENGTH));
	TRY(moat_buf_put_u8(b, code));
	return moat_ext_end(b);
}
