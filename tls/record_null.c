/*
 * The null protection: TLSPlaintext, RFC 8446 §5.1 and RFC 5246 §6.2.1.
 *
 * Every direction starts with it and it holds no state, so init and clear
 * have nothing to do. Its open applies the checks RFC 8446 §5.1 asks of a
 * plaintext record; which plaintext records are acceptable at all (a clear
 * change_cipher_spec or alert once the peer protects) is the layer's
 * decision, made before it gets here.
 */
#include "tls/record.h"

#include <string.h>

static int null_init(struct moat_record_dir *d, const struct moat_record_keys *keys, bool write)
{
	(void)keys;
	(void)write;
	d->prot = &moat_record_null;
	return MOAT_SUCCESS;
}

static void null_clear(struct moat_record_dir *d)
{
	(void)d;
}

static size_t null_wire_len(const struct moat_record_dir *d, size_t len, size_t padding)
{
	(void)d;
	(void)padding;
	return MOAT_RECORD_HEADER_LEN + len;
}

static int null_seal(struct moat_record_dir *d, uint8_t type, uint16_t version, const uint8_t *data, size_t len,
		     size_t padding, struct moat_buf *out)
{
	(void)d;
	uint8_t *p;
	/* Padding exists only inside a TLS 1.3 TLSInnerPlaintext. */
	ENSURE(padding == 0, MOAT_ERR_INVALID_ARG);
	TRY(moat_buf_reserve(out, MOAT_RECORD_HEADER_LEN + len, &p));
	moat_record_put_header(p, type, version, len);
	if (len > 0)
		memcpy(p + MOAT_RECORD_HEADER_LEN, data, len);
	return MOAT_SUCCESS;
}

static int null_open(struct moat_record_dir *d, uint8_t *rec, size_t frag_len, size_t max_plaintext,
		     uint8_t *content_type, uint8_t **plain, size_t *plain_len)
{
	(void)d;
	uint8_t type = rec[0];
	/*
	 * §5.1: TLSPlaintext.length MUST NOT exceed 2^14 (or the negotiated
	 * limit). Application data without read keys is a protected record we
	 * cannot open (0-RTT after a HelloRetryRequest, §4.2.10): its bound is
	 * TLSCiphertext's, checked by the layer, and the caller skips or refuses it.
	 */
	ENSURE(frag_len <= max_plaintext || type == MOAT_CT_APPLICATION_DATA, MOAT_ERR_RECORD_OVERFLOW);
	/* §5.1: zero-length handshake fragments are forbidden; an alert record holds exactly one alert. */
	ENSURE(frag_len > 0 || (type != MOAT_CT_HANDSHAKE && type != MOAT_CT_ALERT), MOAT_ERR_UNEXPECTED_MESSAGE);
	*content_type = type;
	*plain = rec + MOAT_RECORD_HEADER_LEN;
	*plain_len = frag_len;
	return MOAT_SUCCESS;
}

const struct moat_record_protection moat_record_null = {
	.name = "null",
	.inner_type = false,
	.init = null_init,
	.clear = null_clear,
	.wire_len = null_wire_len,
	.seal = null_seal,
	.open = null_open,
};
