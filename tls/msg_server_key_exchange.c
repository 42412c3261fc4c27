/*
 * ServerKeyExchange for ECDHE (RFC 8422 §5.4) and DHE (RFC 5246 §7.4.3,
 * RFC 7919) suites: the server's ephemeral parameters, then a
 * digitally-signed element over client_random + server_random + params.
 *
 * The params are handed back twice: as fields (group and point, or p, g and
 * Ys) for the key exchange, and as the exact bytes that were on the wire,
 * because the signature covers those bytes and nothing re-encoded may stand
 * in for them (tls/crypto/signed_content.h builds the content from them).
 * Whether the group was offered, the point lies on the curve or the DH
 * prime is one we accept are for the key exchange code; the codec checks
 * framing and the one value RFC 8422 leaves legal for curve_type.
 */
#include "tls/messages12.h"

#include "tls/iana.h"

#define DH_FIELD_MAX 0xffff

static int ecdh_params_decode(struct moat_cursor *c, struct moat_server_key_exchange *r)
{
	uint8_t curve_type;
	TRY(moat_cursor_get_u8(c, &curve_type));
	/* RFC 8422 §5.4: explicit_prime(1) and explicit_char2(2) are deprecated; named_curve is all that remains. */
	ENSURE(curve_type == MOAT_EC_CURVE_TYPE_NAMED_CURVE, MOAT_ERR_ILLEGAL_PARAMETER);
	TRY(moat_cursor_get_u16(c, &r->group));
	return moat_cursor_get_vector(c, 1, 1, 0xff, &r->point);
}

static int dh_params_decode(struct moat_cursor *c, struct moat_server_key_exchange *r)
{
	TRY(moat_cursor_get_vector(c, 2, 1, DH_FIELD_MAX, &r->dh_p));
	TRY(moat_cursor_get_vector(c, 2, 1, DH_FIELD_MAX, &r->dh_g));
	return moat_cursor_get_vector(c, 2, 1, DH_FIELD_MAX, &r->dh_ys);
}

int moat_server_key_exchange_decode(struct moat_cursor body, uint16_t version, enum moat_kx12 kx,
				    struct moat_server_key_exchange *ske)
{
	ENSURE_REF(ske);
	ENSURE(moat_tls12_codec_version(version), MOAT_ERR_INVALID_ARG);
	ENSURE(kx == MOAT_KX12_ECDHE || kx == MOAT_KX12_DHE, MOAT_ERR_INVALID_ARG);
	struct moat_server_key_exchange r = { .kx = kx };
	struct moat_cursor start = body;

	if (kx == MOAT_KX12_ECDHE)
		TRY(ecdh_params_decode(&body, &r));
	else
		TRY(dh_params_decode(&body, &r));
	TRY(moat_cursor_get_sub(&start, moat_cursor_remaining(&start) - moat_cursor_remaining(&body), &r.params));
	TRY(moat_digitally_signed_decode(&body, version, &r.sig));
	TRY(moat_cursor_expect_end(&body));
	*ske = r;
	return MOAT_SUCCESS;
}

int moat_server_ecdh_params_write(struct moat_buf *b, uint16_t group, const uint8_t *point, size_t len)
{
	ENSURE_REF(point);
	ENSURE(len >= 1 && len <= 0xff, MOAT_ERR_INVALID_ARG);
	TRY(moat_buf_put_u8(b, MOAT_EC_CURVE_TYPE_NAMED_CURVE));
	TRY(moat_buf_put_u16(b, group));
	return moat_buf_put_prefixed(b, 1, point, len);
}

int moat_server_dh_params_write(struct moat_buf *b, const uint8_t *p, size_t p_len, const uint8_t *g, size_t g_len,
				const uint8_t *ys, size_t ys_len)
{
	ENSURE(p != NULL && g != NULL && ys != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(p_len >= 1 && p_len <= DH_FIELD_MAX, MOAT_ERR_INVALID_ARG);
	ENSURE(g_len >= 1 && g_len <= DH_FIELD_MAX, MOAT_ERR_INVALID_ARG);
	ENSURE(ys_len >= 1 && ys_len <= DH_FIELD_MAX, MOAT_ERR_INVALID_ARG);
	TRY(moat_buf_put_prefixed(b, 2, p, p_len));
	TRY(moat_buf_put_prefixed(b, 2, g, g_len));
	return moat_buf_put_prefixed(b, 2, ys, ys_len);
}

/* Arguments of the signature, checked before anything is written. */
static int check_sig_args(uint16_t version, const uint8_t *sig, size_t sig_len)
{
	ENSURE(moat_tls12_codec_version(version), MOAT_ERR_INVALID_ARG);
	ENSURE(sig_len <= 0xffff, MOAT_ERR_INVALID_ARG);
	ENSURE(sig_len == 0 || sig != NULL, MOAT_ERR_NULL_ARG);
	return MOAT_SUCCESS;
}

int moat_server_key_exchange_ecdhe_encode(struct moat_buf *b, uint16_t version, uint16_t group,
					  const uint8_t *point, size_t point_len, uint16_t scheme, const uint8_t *sig,
					  size_t sig_len)
{
	TRY(check_sig_args(version, sig, sig_len));
	ENSURE_REF(point);
	ENSURE(point_len >= 1 && point_len <= 0xff, MOAT_ERR_INVALID_ARG);
	TRY(moat_hs_begin(b, MOAT_HS_SERVER_KEY_EXCHANGE));
	TRY(moat_server_ecdh_params_write(b, group, point, point_len));
	TRY(moat_digitally_signed_encode(b, version, scheme, sig, sig_len));
	return moat_hs_end(b);
}

int moat_server_key_exchange_dhe_encode(struct moat_buf *b, uint16_t version, const uint8_t *p, size_t p_len,
					const uint8_t *g, size_t g_len, const uint8_t *ys, size_t ys_len,
					uint16_t scheme, const uint8_t *sig, size_t sig_len)
{
	TRY(check_sig_args(version, sig, sig_len));
	ENSURE(p != NULL && g != NULL && ys != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(p_len >= 1 && p_len <= DH_FIELD_MAX && g_len >= 1 && g_len <= DH_FIELD_MAX && ys_len >= 1 &&
		       ys_len <= DH_FIELD_MAX,
	       MOAT_ERR_INVALID_ARG);
	TRY(moat_hs_begin(b, MOAT_HS_SERVER_KEY_EXCHANGE));
	TRY(moat_server_dh_params_write(b, p, p_len, g, g_len, ys, ys_len));
	TRY(moat_digitally_signed_encode(b, version, scheme, sig, sig_len));
	return moat_hs_end(b);
}
