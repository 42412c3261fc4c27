/*
 * ClientKeyExchange, RFC 5246 §7.4.7 and RFC 8422 §5.7: one field whose
 * shape is set by the negotiated key exchange, which the caller passes in
 * (the message carries no type of its own).
 *
 * RSA: RFC 5246 §7.4.7.1 requires the EncryptedPreMasterSecret "complete
 * with length bytes"; the form without them is SSLv3's, which moat does not
 * speak, and RFC 2246 (TLS 1.0) already encodes it as a vector. So every
 * version reads and writes the vector, and a body without the length bytes
 * fails to frame (DECODE). Its length is public, so refusing a misframed
 * body early reveals nothing about the plaintext; a ciphertext that frames
 * is handed on whatever its size, and whether that size fits the key is a
 * question for the RSA decryption, whose failures must not be told apart
 * from success (RFC 5246 §7.4.7.1).
 */
#include "tls/messages12.h"

#include "tls/iana.h"

/* The vector each kx sends: width of its length prefix and its bounds. */
struct kx_shape {
	unsigned width;
	size_t min, max;
};

static int shape(enum moat_kx12 kx, struct kx_shape *s)
{
	static const struct kx_shape ecdhe = { 1, 1, 0xff };  /* ECPoint.point<1..2^8-1> */
	static const struct kx_shape dhe = { 2, 1, 0xffff };  /* dh_Yc<1..2^16-1> */
	static const struct kx_shape rsa = { 2, 0, 0xffff };  /* public-key-encrypted: opaque<0..2^16-1> (§4.7) */
	switch (kx) {
	case MOAT_KX12_ECDHE:
		*s = ecdhe;
		return MOAT_SUCCESS;
	case MOAT_KX12_DHE:
		*s = dhe;
		return MOAT_SUCCESS;
	case MOAT_KX12_RSA:
		*s = rsa;
		return MOAT_SUCCESS;
	}
	BAIL(MOAT_ERR_INVALID_ARG);
}

int moat_client_key_exchange_decode(struct moat_cursor body, enum moat_kx12 kx, struct moat_cursor *exchange)
{
	ENSURE_REF(exchange);
	struct kx_shape s;
	struct moat_cursor v;
	TRY(shape(kx, &s));
	TRY(moat_cursor_get_vector(&body, s.width, s.min, s.max, &v));
	TRY(moat_cursor_expect_end(&body));
	*exchange = v;
	return MOAT_SUCCESS;
}

int moat_client_key_exchange_encode(struct moat_buf *b, enum moat_kx12 kx, const uint8_t *data, size_t len)
{
	struct kx_shape s;
	TRY(shape(kx, &s));
	ENSURE(len >= s.min && len <= s.max, MOAT_ERR_INVALID_ARG);
	ENSURE(len == 0 || data != NULL, MOAT_ERR_NULL_ARG);
	TRY(moat_hs_begin(b, MOAT_HS_CLIENT_KEY_EXCHANGE));
	TRY(moat_buf_put_prefixed(b, s.width, data, len));
	return moat_hs_end(b);
}
