/*
 * ServerHello and HelloRetryRequest, RFC 8446 §4.1.3 and §4.1.4.
 *
 * An HRR is a ServerHello whose random is the fixed value below, so one
 * decoder serves both and says which it saw; the extensions are then checked
 * against the HRR column of the §4.2 table. A ServerHello without
 * supported_versions is a TLS 1.2-or-older answer (§4.2.1: a TLS 1.3
 * ServerHello MUST carry it); it is checked against the TLS 1.2 rules instead
 * (MOAT_MSG_SH12), so the handshake receives a clean view of it and can reply
 * protocol_version rather than the codec failing on a 1.2-only extension.
 * Downgrade sentinels in the random (§4.1.3) are the handshake's to check.
 */
#include "tls/messages.h"

#include <string.h>

#include "tls/iana.h"

/* RFC 8446 §4.1.3: SHA-256 of "HelloRetryRequest". */
const uint8_t moat_hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* RFC 8446 App. D.5: legacy_version 0x0300 or less → protocol_version. */
#define MIN_LEGACY_VERSION 0x0301

/* Whether the raw block names type; malformed blocks answer false and are rejected by the real parse. */
static bool raw_block_has(struct moat_cursor raw, uint16_t type)
{
	while (moat_cursor_remaining(&raw) >= 4) {
		uint16_t t;
		struct moat_cursor data;
		if (moat_cursor_get_u16(&raw, &t) < 0 || moat_cursor_get_prefixed(&raw, 2, &data) < 0)
			return false;
		if (t == type)
			return true;
	}
	return false;
}

int moat_server_hello_decode(struct moat_cursor body, struct moat_server_hello *sh)
{
	ENSURE_REF(sh);
	struct moat_server_hello h = { 0 };

	TRY(moat_cursor_get_u16(&body, &h.legacy_version));
	TRY(moat_cursor_get_bytes(&body, h.random, sizeof(h.random)));
	TRY(moat_cursor_get_vector(&body, 1, 0, MOAT_MAX_SESSION_ID_LEN, &h.session_id_echo));
	TRY(moat_cursor_get_u16(&body, &h.cipher_suite));
	TRY(moat_cursor_get_u8(&body, &h.compression_method));
	h.is_hrr = memcmp(h.random, moat_hrr_random, sizeof(h.random)) == 0;

	unsigned msg = MOAT_MSG_SH12;
	if (moat_cursor_remaining(&body) > 0) {
		struct moat_cursor probe = body;
		TRY(moat_cursor_get_prefixed(&probe, 2, &h.extensions_raw));
		if (h.is_hrr)
			msg = MOAT_MSG_HRR;
		else if (raw_block_has(h.extensions_raw, MOAT_EXT_SUPPORTED_VERSIONS))
			msg = MOAT_MSG_SH;
	}
	/* Only a TLS 1.2-or-older ServerHello may end before its extensions (RFC 5246 §7.4.1.3). */
	TRY(moat_ext_block_parse(&body, msg, msg == MOAT_MSG_SH12 && !h.is_hrr, &h.ext));
	TRY(moat_cursor_expect_end(&body));
	/* §4.1.3: "legacy_compression_method: A single byte which MUST have the value 0." */
	ENSURE(h.compression_method == 0, MOAT_ERR_ILLEGAL_PARAMETER);
	ENSURE(h.legacy_version >= MIN_LEGACY_VERSION, MOAT_ERR_PROTOCOL_VERSION);
	*sh = h;
	return MOAT_SUCCESS;
}

int moat_server_hello_encode(struct moat_buf *b, const uint8_t random[32], const uint8_t *sid_echo, size_t sid_len,
			     uint16_t suite, const uint8_t *ext, size_t ext_len)
{
	ENSURE_REF(random);
	ENSURE(sid_len <= MOAT_MAX_SESSION_ID_LEN, MOAT_ERR_INVALID_ARG);
	ENSURE(sid_len == 0 || sid_echo != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(ext_len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(ext != NULL || ext_len == 0, MOAT_ERR_NULL_ARG);

	TRY(moat_hs_begin(b, MOAT_HS_SERVER_HELLO));
	/* §4.1.3: legacy_version is always TLS 1.2; the real one is in supported_versions. */
	TRY(moat_buf_put_u16(b, MOAT_TLS12));
	TRY(moat_buf_put_bytes(b, random, MOAT_RANDOM_LEN));
	TRY(moat_buf_put_prefixed(b, 1, sid_echo, sid_len));
	TRY(moat_buf_put_u16(b, suite));
	TRY(moat_buf_put_u8(b, 0));
	if (ext != NULL)
		TRY(moat_buf_put_prefixed(b, 2, ext, ext_len));
	return moat_hs_end(b);
}
