/*
 * Finished, RFC 8446 §4.4.4: verify_data is the whole body, exactly
 * Hash.length bytes. A body of any other length is "the length of the
 * message was incorrect" → decode_error (§6.2). The value itself is compared
 * with CRYPTO_memcmp by the handshake, which owns the keys.
 */
#include "tls/messages.h"

#include "tls/iana.h"

int moat_finished_decode(struct moat_cursor body, size_t hash_len, struct moat_cursor *verify_data)
{
	ENSURE_REF(verify_data);
	ENSURE(hash_len >= 1 && hash_len <= MOAT_MAX_HASH_LEN, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_remaining(&body) == hash_len, MOAT_ERR_DECODE);
	*verify_data = body;
	return MOAT_SUCCESS;
}

int moat_finished_encode(struct moat_buf *b, const uint8_t *verify_data, size_t len)
{
	ENSURE_REF(verify_data);
	ENSURE(len >= 1 && len <= MOAT_MAX_HASH_LEN, MOAT_ERR_INVALID_ARG);
	TRY(moat_hs_begin(b, MOAT_HS_FINISHED));
	TRY(moat_buf_put_bytes(b, verify_data, len));
	return moat_hs_end(b);
}
