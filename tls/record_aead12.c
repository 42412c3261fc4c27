/*
 * TLS 1.2 AEAD record protection, RFC 5246 §6.2.3.3, in its two nonce
 * constructions:
 *
 *  - explicit (AES-GCM, RFC 5288 §3): nonce = salt || nonce_explicit, the
 *    4-byte salt being client/server_write_IV from the key block and the
 *    8-byte nonce_explicit sent before the ciphertext. We send the sequence
 *    number as nonce_explicit: unique per key by construction, and what
 *    RFC 5288 §3 suggests. On open the receiver takes whatever the peer sent.
 *  - implicit (ChaCha20-Poly1305, RFC 7905 §2): nonce = IV XOR seq, padded
 *    on the left, exactly as in TLS 1.3; nothing extra on the wire.
 *
 * Both authenticate additional_data = seq_num || type || version || length
 * (§6.2.3.3), the length being the plaintext's, and carry the real content
 * type in the header (no inner type as in 1.3). As in record_aead13.c the
 * record is built and opened in place in the caller's buffers.
 */
#include "tls/record.h"

#include <string.h>

#include "common/secmem.h"

#define EXPLICIT_NONCE_LEN 8
#define SALT_LEN 4
#define AAD_LEN 13

static bool is_explicit(const struct moat_record_dir *d)
{
	return d->prot == &moat_record_aead12_explicit;
}

static size_t explicit_len(const struct moat_record_dir *d)
{
	return is_explicit(d) ? EXPLICIT_NONCE_LEN : 0;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (size_t i = 8; i > 0; i--) {
		p[i - 1] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

/* §6.2.3.3: seq_num + TLSCompressed.type + TLSCompressed.version + TLSCompressed.length. */
static void make_aad(uint8_t aad[AAD_LEN], uint64_t seq, uint8_t type, const uint8_t version[2], size_t len)
{
	put_u64(aad, seq);
	aad[8] = type;
	aad[9] = version[0];
	aad[10] = version[1];
	aad[11] = (uint8_t)(len >> 8);
	aad[12] = (uint8_t)(len & 0xff);
}

/* RFC 5288 §3: salt || explicit; RFC 7905 §2: IV XOR the left-padded sequence number. */
static void make_nonce(const struct moat_record_dir *d, const uint8_t *explicit_nonce, uint8_t nonce[MOAT_AEAD_NONCE_LEN])
{
	if (is_explicit(d)) {
		memcpy(nonce, d->iv, SALT_LEN);
		memcpy(nonce + SALT_LEN, explicit_nonce, EXPLICIT_NONCE_LEN);
		return;
	}
	uint64_t seq = d->seq;
	memcpy(nonce, d->iv, MOAT_AEAD_NONCE_LEN);
	for (size_t i = MOAT_AEAD_NONCE_LEN; i > MOAT_AEAD_NONCE_LEN - 8; i--) {
		nonce[i - 1] ^= (uint8_t)(seq & 0xff);
		seq >>= 8;
	}
}

static int aead12_init_common(struct moat_record_dir *d, const struct moat_record_keys *keys, bool write,
			      const struct moat_record_protection *prot, size_t iv_len)
{
	ENSURE(keys->aead != MOAT_AEAD_NONE && moat_aead_key_len(keys->aead) != 0, MOAT_ERR_INVALID_ARG);
	ENSURE(keys->key != NULL && keys->key_len == moat_aead_key_len(keys->aead), MOAT_ERR_INVALID_ARG);
	ENSURE(keys->iv != NULL && keys->iv_len == iv_len, MOAT_ERR_INVALID_ARG);
	TRY(moat_aead_init(&d->aead, keys->aead, keys->key, write));
	memset(d->iv, 0, sizeof(d->iv));
	memcpy(d->iv, keys->iv, iv_len);
	d->prot = prot;
	return MOAT_SUCCESS;
}

static int explicit_init(struct moat_record_dir *d, const struct moat_record_keys *keys, bool write)
{
	/* RFC 5288 §3 defines only AES-GCM this way; ChaCha20-Poly1305 in 1.2 is implicit (RFC 7905). */
	ENSURE(keys->aead == MOAT_AEAD_AES_128_GCM || keys->aead == MOAT_AEAD_AES_256_GCM, MOAT_ERR_INVALID_ARG);
	return aead12_init_common(d, keys, write, &moat_record_aead12_explicit, SALT_LEN);
}

static int implicit_init(struct moat_record_dir *d, const struct moat_record_keys *keys, bool write)
{
	return aead12_init_common(d, keys, write, &moat_record_aead12_implicit, MOAT_AEAD_NONCE_LEN);
}

static void aead12_clear(struct moat_record_dir *d)
{
	moat_aead_free(&d->aead);
	memset(&d->aead, 0, sizeof(d->aead));
	moat_wipe(d->iv, sizeof(d->iv));
}

static size_t aead12_wire_len(const struct moat_record_dir *d, size_t len, size_t padding)
{
	(void)padding;
	return MOAT_RECORD_HEADER_LEN + explicit_len(d) + len + MOAT_AEAD_TAG_LEN;
}

static int aead12_seal(struct moat_record_dir *d, uint8_t type, uint16_t version, const uint8_t *data, size_t len,
		       size_t padding, struct moat_buf *out)
{
	/* TLS 1.2 has no record padding outside CBC's (RFC 5246 §6.2.3.3). */
	ENSURE(padding == 0, MOAT_ERR_INVALID_ARG);
	/* RFC 5246 §6.1: sequence numbers do not wrap; the connection is renegotiated or closed first. */
	ENSURE(d->seq != UINT64_MAX, MOAT_ERR_INVALID_STATE);

	size_t xlen = explicit_len(d);
	size_t frag_len = xlen + len + MOAT_AEAD_TAG_LEN;
	size_t start = out->len;
	uint8_t *p;
	TRY(moat_buf_reserve(out, MOAT_RECORD_HEADER_LEN + frag_len, &p));
	moat_record_put_header(p, type, version, frag_len);
	uint8_t *explicit_nonce = p + MOAT_RECORD_HEADER_LEN;
	uint8_t *body = explicit_nonce + xlen;
	if (xlen > 0)
		put_u64(explicit_nonce, d->seq);
	if (len > 0)
		memcpy(body, data, len);

	uint8_t aad[AAD_LEN], nonce[MOAT_AEAD_NONCE_LEN];
	make_aad(aad, d->seq, type, p + 1, len);
	make_nonce(d, explicit_nonce, nonce);
	if (moat_aead_seal(&d->aead, nonce, aad, AAD_LEN, body, len, body) != MOAT_SUCCESS) {
		moat_wipe(p, MOAT_RECORD_HEADER_LEN + frag_len);
		if (moat_buf_truncate(out, start) != MOAT_SUCCESS)
			BAIL(MOAT_ERR_INTERNAL);
		return MOAT_FAILURE;
	}
	d->seq++;
	return MOAT_SUCCESS;
}

static int aead12_open(struct moat_record_dir *d, uint8_t *rec, size_t frag_len, size_t max_plaintext,
		       uint8_t *content_type, uint8_t **plain, size_t *plain_len)
{
	ENSURE(d->seq != UINT64_MAX, MOAT_ERR_INVALID_STATE);
	size_t xlen = explicit_len(d);
	/* Too short for the explicit nonce and the tag: it cannot authenticate (RFC 5246 §6.2.3.3). */
	ENSURE(frag_len >= xlen + MOAT_AEAD_TAG_LEN, MOAT_ERR_BAD_RECORD_MAC);
	size_t len = frag_len - xlen - MOAT_AEAD_TAG_LEN;
	/* §6.2.1: TLSPlaintext.length MUST NOT exceed 2^14 (or the negotiated limit); the length is public. */
	ENSURE(len <= max_plaintext, MOAT_ERR_RECORD_OVERFLOW);

	uint8_t type = rec[0];
	uint8_t *explicit_nonce = rec + MOAT_RECORD_HEADER_LEN;
	uint8_t *body = explicit_nonce + xlen;
	uint8_t aad[AAD_LEN], nonce[MOAT_AEAD_NONCE_LEN];
	make_aad(aad, d->seq, type, rec + 1, len);
	make_nonce(d, explicit_nonce, nonce);
	TRY(moat_aead_open(&d->aead, nonce, aad, AAD_LEN, body, len + MOAT_AEAD_TAG_LEN, body));

	/* §6.2.1: no zero-length handshake, alert or change_cipher_spec fragments. */
	ENSURE(len > 0 || type == MOAT_CT_APPLICATION_DATA, MOAT_ERR_UNEXPECTED_MESSAGE);
	d->seq++;
	*content_type = type;
	*plain = body;
	*plain_len = len;
	return MOAT_SUCCESS;
}

const struct moat_record_protection moat_record_aead12_explicit = {
	.name = "tls12-aead-explicit-nonce",
	.inner_type = false,
	.init = explicit_init,
	.clear = aead12_clear,
	.wire_len = aead12_wire_len,
	.seal = aead12_seal,
	.open = aead12_open,
};

const struct moat_record_protection moat_record_aead12_implicit = {
	.name = "tls12-aead-implicit-nonce",
	.inner_type = false,
	.init = implicit_init,
	.clear = aead12_clear,
	.wire_len = aead12_wire_len,
	.seal = aead12_seal,
	.open = aead12_open,
};
