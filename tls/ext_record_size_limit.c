/*
 * record_size_limit, RFC 8449 §4: one u16, the largest record plaintext the
 * sender will accept. Values below 64 are forbidden ("MUST treat receipt of a
 * smaller value as a fatal error and generate an illegal_parameter alert").
 * The upper end is not checked here: RFC 8449 §4 says a server MUST NOT
 * enforce it, and the record layer clamps to the protocol maximum.
 */
#include "tls/extensions.h"

#include "tls/iana.h"

int moat_ext_record_size_limit_decode(struct moat_cursor d, uint16_t *limit)
{
	ENSURE_REF(limit);
	uint16_t v;
	TRY(moat_cursor_get_u16(&d, &v));
	TRY(moat_cursor_expect_end(&d));
	ENSURE(v >= MOAT_RECORD_SIZE_LIMIT_MIN, MOAT_ERR_ILLEGAL_PARAMETER);
	*limit = v;
	return MOAT_SUCCESS;
}

int moat_ext_write_record_size_limit(struct moat_buf *b, uint16_t limit)
{
	ENSURE(limit >= MOAT_RECORD_SIZE_LIMIT_MIN, MOAT_ERR_INVALID_ARG);
	TRY(moat_ext_begin(b, MOAT_EXT_RECORD_SIZE_LIMIT));
	TRY(moat_buf_put_u16(b, limit));
	return moat_ext_end(b);
}
