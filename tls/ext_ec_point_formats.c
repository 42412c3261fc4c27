/*
 * ec_point_formats, RFC 8422 §5.1.2 and §5.2: ec_point_format_list<1..2^8-1>.
 * Only uncompressed(0) is still defined for the curves we use; peers may
 * list the deprecated formats too, but a list without uncompressed is one
 * we cannot honour, and RFC 8422 makes it fatal with illegal_parameter.
 */
#include "tls/extensions12.h"

#include <string.h>

#include "tls/iana.h"

static bool has_uncompressed(const uint8_t *formats, size_t n)
{
	return n > 0 && memchr(formats, MOAT_EC_POINT_FORMAT_UNCOMPRESSED, n) != NULL;
}

int moat_ext_ec_point_formats_decode(struct moat_cursor d, struct moat_cursor *formats)
{
	ENSURE_REF(formats);
	struct moat_cursor l;
	TRY(moat_cursor_get_vector(&d, 1, 1, 0xff, &l));
	TRY(moat_cursor_expect_end(&d));
	ENSURE(has_uncompressed(moat_cursor_data(&l), moat_cursor_remaining(&l)), MOAT_ERR_ILLEGAL_PARAMETER);
	*formats = l;
	return MOAT_SUCCESS;
}

int moat_ext_write_ec_point_formats(struct moat_buf *b, const uint8_t *formats, size_t n)
{
	ENSURE_REF(formats);
	ENSURE(n >= 1 && n <= 0xff, MOAT_ERR_INVALID_ARG);
	ENSURE(has_uncompressed(formats, n), MOAT_ERR_INVALID_ARG);
	TRY(moat_ext_begin(b, MOAT_EXT_EC_POINT_FORMATS));
	TRY(moat_buf_put_prefixed(b, 1, formats, n));
	return moat_ext_end(b);
}
