/*
 * EncryptedExtensions, RFC 8446 §4.3.1: just an extensions<0..2^16-1> block,
 * always present. Extensions a TLS 1.3 server may not put here (key_share,
 * supported_versions, ...) are rejected by the block parser's EE column
 * (§4.3.1: "MUST check EncryptedExtensions for the presence of any
 * forbidden extensions and if any are found MUST abort the handshake with an
 * illegal_parameter alert").
 */
#include "tls/messages.h"

#include "tls/iana.h"

int moat_encrypted_extensions_decode(struct moat_cursor body, struct moat_ext_block *ext)
{
	ENSURE_REF(ext);
	struct moat_ext_block e;
	TRY(moat_ext_block_parse(&body, MOAT_MSG_EE, false, &e));
	TRY(moat_cursor_expect_end(&body));
	*ext = e;
	return MOAT_SUCCESS;
}

int moat_encrypted_extensions_encode(struct moat_buf *b, const uint8_t *ext, size_t ext_len)
{
	ENSURE(ext_len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(ext != NULL || ext_len == 0, MOAT_ERR_NULL_ARG);
	TRY(moat_hs_begin(b, MOAT_HS_ENCRYPTED_EXTENSIONS));
	TRY(moat_buf_put_prefixed(b, 2, ext, ext_len));
	return moat_hs_end(b);
}
