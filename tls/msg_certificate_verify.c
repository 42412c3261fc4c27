/*
 * CertificateVerify, RFC 8446 §4.4.3: the message (scheme + signature) and
 * the exact bytes that get signed. The signed content is built here, next to
 * the message, and checked by the same code in the key daemon, which signs
 * nothing that does not have this shape (so a compromised front end cannot
 * use it as a general signing oracle). Whether the scheme was offered and
 * the signature verifies is for the handshake and crypto code.
 */
#include "tls/messages.h"

#include <string.h>

#include "tls/iana.h"

#define CV_PAD_LEN 64
#define CV_PAD_BYTE 0x20
#define CV_CONTEXT_LEN (sizeof(MOAT_TLS13_SERVER_CV_CONTEXT) - 1)

_Static_assert(sizeof(MOAT_TLS13_SERVER_CV_CONTEXT) == sizeof(MOAT_TLS13_CLIENT_CV_CONTEXT),
	       "both context strings have the same length");
_Static_assert(CV_PAD_LEN + CV_CONTEXT_LEN + 1 + MOAT_MAX_HASH_LEN == MOAT_CV_CONTENT_MAX,
	       "MOAT_CV_CONTENT_MAX matches the layout");

int moat_certificate_verify_decode(struct moat_cursor body, struct moat_certificate_verify *cv)
{
	ENSURE_REF(cv);
	struct moat_certificate_verify r;
	TRY(moat_cursor_get_u16(&body, &r.scheme));
	TRY(moat_cursor_get_prefixed(&body, 2, &r.signature));
	TRY(moat_cursor_expect_end(&body));
	*cv = r;
	return MOAT_SUCCESS;
}

int moat_certificate_verify_encode(struct moat_buf *b, uint16_t scheme, const uint8_t *sig, size_t len)
{
	ENSURE(len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(len == 0 || sig != NULL, MOAT_ERR_NULL_ARG);
	TRY(moat_hs_begin(b, MOAT_HS_CERTIFICATE_VERIFY));
	TRY(moat_buf_put_u16(b, scheme));
	TRY(moat_buf_put_prefixed(b, 2, sig, len));
	return moat_hs_end(b);
}

static bool hash_len_ok(size_t n)
{
	return n == 32 || n == 48;
}

int moat_cv_content_build(bool server, const uint8_t *transcript_hash, size_t hash_len, struct moat_buf *out)
{
	ENSURE_REF(transcript_hash);
	ENSURE(hash_len_ok(hash_len), MOAT_ERR_INVALID_ARG);
	const char *ctx = server ? MOAT_TLS13_SERVER_CV_CONTEXT : MOAT_TLS13_CLIENT_CV_CONTEXT;
	uint8_t *pad;
	TRY(moat_buf_reserve(out, CV_PAD_LEN, &pad));
	memset(pad, CV_PAD_BYTE, CV_PAD_LEN);
	/* The context string and its terminating 0x00 separator, §4.4.3. */
	TRY(moat_buf_put_bytes(out, ctx, CV_CONTEXT_LEN + 1));
	return moat_buf_put_bytes(out, transcript_hash, hash_len);
}

int moat_cv_content_check(const uint8_t *content, size_t len, bool *server, size_t *hash_len)
{
	ENSURE_REF(content);
	struct moat_cursor c;
	const uint8_t *pad, *ctx;
	uint8_t sep;

	moat_cursor_init(&c, content, len);
	ENSURE(moat_cursor_get_ref(&c, CV_PAD_LEN, &pad) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	for (size_t i = 0; i < CV_PAD_LEN; i++)
		ENSURE(pad[i] == CV_PAD_BYTE, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_get_ref(&c, CV_CONTEXT_LEN, &ctx) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	bool is_server = memcmp(ctx, MOAT_TLS13_SERVER_CV_CONTEXT, CV_CONTEXT_LEN) == 0;
	ENSURE(is_server || memcmp(ctx, MOAT_TLS13_CLIENT_CV_CONTEXT, CV_CONTEXT_LEN) == 0, MOAT_ERR_INVALID_ARG);
	ENSURE(moat_cursor_get_u8(&c, &sep) == MOAT_SUCCESS && sep == 0, MOAT_ERR_INVALID_ARG);
	size_t n = moat_cursor_remaining(&c);
	ENSURE(hash_len_ok(n), MOAT_ERR_INVALID_ARG);
	if (server != NULL)
		*server = is_server;
	if (hash_len != NULL)
		*hash_len = n;
	return MOAT_SUCCESS;
}
