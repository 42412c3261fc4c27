/*
 * early_data, RFC 8446 §4.2.10: empty in ClientHello and
 * EncryptedExtensions (moat_ext_empty_decode / moat_ext_write_empty), a u32
 * max_early_data_size in NewSessionTicket.
 */
#include "tls/extensions.h"

#include "tls/iana.h"

int moat_ext_early_data_decode_nst(struct moat_cursor d, uint32_t *max_early_data_size)
{
	ENSURE_REF(max_early_data_size);
	uint32_t v;
	TRY(moat_cursor_get_u32(&d, &v));
	TRY(moat_cursor_expect_end(&d));
	*max_early_data_size = v;
	return MOAT_SUCCESS;
}

int moat_ext_write_early_data_nst(struct moat_buf *b, uint32_t max_early_data_size)
{
	TRY(moat_ext_begin(b, MOAT_EXT_EARLY_DATA));
	TRY(moat_buf_put_u32(b, max_early_data_size));
	return moat_ext_end(b);
}
