/*
 * psk_key_exchange_modes, RFC 8446 §4.2.9: ke_modes<1..255> of one-byte
 * modes. Unknown modes are not an error (the server ignores what it does
 * not know), so the decoder checks only the framing.
 */
#include "tls/extensions.h"

#include "tls/iana.h"

int moat_ext_psk_modes_decode(struct moat_cursor d, struct moat_cursor *modes)
{
	ENSURE_REF(modes);
	struct moat_cursor m;
	TRY(moat_cursor_get_vector(&d, 1, 1, 0xff, &m));
	TRY(moat_cursor_expect_end(&d));
	*modes = m;
	return MOAT_SUCCESS;
}

int moat_ext_write_psk_modes(struct moat_buf *b, const uint8_t *modes, size_t n)
{
	ENSURE_REF(modes);
	ENSURE(n >= 1 && n <= 0xff, MOAT_ERR_INVALID_ARG);
	TRY(moat_ext_begin(b, MOAT_EXT_PSK_KEY_EXCHANGE_MODES));
	TRY(moat_buf_put_prefixed(b, 1, modes, n));
	return moat_ext_end(b);
}
