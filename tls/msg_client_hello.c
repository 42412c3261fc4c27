/*
 * ClientHello, RFC 8446 §4.1.2.
 *
 * The decoder accepts every version's ClientHello (TLS 1.0-1.3 share the
 * layout, App. D.2): it checks the framing and the bounds, and leaves version
 * and suite negotiation to the handshake. The extensions block may be absent
 * (RFC 5246 §7.4.1.2); when present it must end the message exactly — §4.1.2:
 * "no data after legacy_compression_methods or ... a valid extensions block
 * with no data following. If not, ... decode_error".
 */
#include "tls/messages.h"

#include "tls/iana.h"

/* RFC 8446 App. D.5: a Hello with legacy_version 0x0300 (SSL 3.0) or less gets protocol_version. */
#define MIN_LEGACY_VERSION 0x0301
#define SUITES_MAX 0xfffe

int moat_client_hello_decode(struct moat_cursor body, struct moat_client_hello *ch)
{
	ENSURE_REF(ch);
	struct moat_client_hello h = { 0 };

	TRY(moat_cursor_get_u16(&body, &h.legacy_version));
	TRY(moat_cursor_get_bytes(&body, h.random, sizeof(h.random)));
	/* <0..32>: a longer one has "an out-of-range length" → decode_error (RFC 8446 §6). */
	TRY(moat_cursor_get_vector(&body, 1, 0, MOAT_MAX_SESSION_ID_LEN, &h.session_id));
	TRY(moat_cursor_get_vector(&body, 2, 2, SUITES_MAX, &h.cipher_suites));
	ENSURE(moat_cursor_remaining(&h.cipher_suites) % 2 == 0, MOAT_ERR_DECODE);
	TRY(moat_cursor_get_vector(&body, 1, 1, 0xff, &h.compression_methods));
	h.has_extensions = moat_cursor_remaining(&body) > 0;
	if (h.has_extensions) {
		struct moat_cursor probe = body;
		TRY(moat_cursor_get_prefixed(&probe, 2, &h.extensions_raw));
	}
	TRY(moat_ext_block_parse(&body, MOAT_MSG_CH, true, &h.ext));
	TRY(moat_cursor_expect_end(&body));
	/* Checked after the framing so a malformed message is a decode_error first. */
	ENSURE(h.legacy_version >= MIN_LEGACY_VERSION, MOAT_ERR_PROTOCOL_VERSION);
	*ch = h;
	return MOAT_SUCCESS;
}

bool moat_client_hello_null_compression_only(const struct moat_client_hello *ch)
{
	struct moat_cursor c = ch->compression_methods;
	uint8_t m;
	return moat_cursor_remaining(&c) == 1 && moat_cursor_peek_u8(&c, &m) == MOAT_SUCCESS && m == 0;
}

int moat_client_hello_encode(struct moat_buf *b, uint16_t legacy_version, const uint8_t random[32],
			     const uint8_t *session_id, size_t sid_len, const uint16_t *suites, size_t n_suites,
			     const uint8_t *ext, size_t ext_len)
{
	ENSURE_REF(random);
	ENSURE_REF(suites);
	ENSURE(sid_len <= MOAT_MAX_SESSION_ID_LEN, MOAT_ERR_INVALID_ARG);
	ENSURE(sid_len == 0 || session_id != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(n_suites >= 1 && n_suites <= SUITES_MAX / 2, MOAT_ERR_INVALID_ARG);
	ENSURE(ext_len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(ext != NULL || ext_len == 0, MOAT_ERR_NULL_ARG);

	TRY(moat_hs_begin(b, MOAT_HS_CLIENT_HELLO));
	TRY(moat_buf_put_u16(b, legacy_version));
	TRY(moat_buf_put_bytes(b, random, MOAT_RANDOM_LEN));
	TRY(moat_buf_put_prefixed(b, 1, session_id, sid_len));
	TRY(moat_buf_open_prefixed(b, 2));
	for (size_t i = 0; i < n_suites; i++)
		TRY(moat_buf_put_u16(b, suites[i]));
	TRY(moat_buf_close_prefixed(b));
	TRY(moat_buf_put_u8(b, 1));
	TRY(moat_buf_put_u8(b, 0));
	if (ext != NULL)
		TRY(moat_buf_put_prefixed(b, 2, ext, ext_len));
	return moat_hs_end(b);
}
