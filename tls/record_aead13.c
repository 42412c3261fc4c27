/*
 * TLS 1.3 record protection, RFC 8446 §5.2 - §5.4: one AEAD, a static IV and
 * a sequence number per direction.
 *
 * Output is built in place: the header and TLSInnerPlaintext are laid down in
 * the caller's buffer and sealed where they lie, so no scratch copy of the
 * plaintext exists. Input is opened in place for the same reason. The layer
 * (tls/record.c) has already proved the record's length against the buffer;
 * the only offsets taken here are the fixed header length and that length.
 *
 * The content type of a protected record is found by scanning the decrypted
 * TLSInnerPlaintext for its last non-zero byte (§5.4). The scan runs over the
 * whole buffer with masks instead of stopping early: the amount of padding is
 * what hides the real length of the content, and an early exit would leak it
 * through timing.
 */
#include "tls/record.h"

#include <string.h>

#include "common/secmem.h"

/* Protected records on the wire always say TLS 1.2 (RFC 8446 §5.2). */
#define RECORD_VERSION_13 MOAT_TLS12

static int aead13_init(struct moat_record_dir *d, const struct moat_record_keys *keys, bool write)
{
	ENSURE(keys->aead != MOAT_AEAD_NONE && moat_aead_key_len(keys->aead) != 0, MOAT_ERR_INVALID_ARG);
	ENSURE(keys->key != NULL && keys->key_len == moat_aead_key_len(keys->aead), MOAT_ERR_INVALID_ARG);
	ENSURE(keys->iv != NULL && keys->iv_len == MOAT_AEAD_NONCE_LEN, MOAT_ERR_INVALID_ARG);
	TRY(moat_aead_init(&d->aead, keys->aead, keys->key, write));
	memcpy(d->iv, keys->iv, MOAT_AEAD_NONCE_LEN);
	d->prot = &moat_record_aead13;
	return MOAT_SUCCESS;
}

static void aead13_clear(struct moat_record_dir *d)
{
	moat_aead_free(&d->aead);
	memset(&d->aead, 0, sizeof(d->aead));
	moat_wipe(d->iv, sizeof(d->iv));
}

static size_t aead13_wire_len(const struct moat_record_dir *d, size_t len, size_t padding)
{
	(void)d;
	return MOAT_RECORD_HEADER_LEN + len + 1 + padding + MOAT_AEAD_TAG_LEN;
}

/* §5.3: the 64-bit sequence number, big-endian, left-padded to the IV length, XORed with the IV. */
static void make_nonce(const struct moat_record_dir *d, uint8_t nonce[MOAT_AEAD_NONCE_LEN])
{
	uint64_t seq = d->seq;
	memcpy(nonce, d->iv, MOAT_AEAD_NONCE_LEN);
	for (size_t i = MOAT_AEAD_NONCE_LEN; i > MOAT_AEAD_NONCE_LEN - 8; i--) {
		nonce[i - 1] ^= (uint8_t)(seq & 0xff);
		seq >>= 8;
	}
}

static int aead13_seal(struct moat_record_dir *d, uint8_t type, uint16_t version, const uint8_t *data, size_t len,
		       size_t padding, struct moat_buf *out)
{
	(void)version; /* §5.2: always 0x0303 */
	/* §5.3: a sequence number must never wrap; the caller rekeys (KeyUpdate) or closes first. */
	ENSURE(d->seq != UINT64_MAX, MOAT_ERR_INVALID_STATE);

	size_t inner_len = len + 1 + padding;
	size_t ct_len = inner_len + MOAT_AEAD_TAG_LEN;
	size_t start = out->len;
	uint8_t *p;
	TRY(moat_buf_reserve(out, MOAT_RECORD_HEADER_LEN + ct_len, &p));

	uint8_t *inner = p + MOAT_RECORD_HEADER_LEN;
	moat_record_put_header(p, MOAT_CT_APPLICATION_DATA, RECORD_VERSION_13, ct_len);
	if (len > 0)
		memcpy(inner, data, len);
	inner[len] = type;
	memset(inner + len + 1, 0, padding);

	uint8_t nonce[MOAT_AEAD_NONCE_LEN];
	make_nonce(d, nonce);
	if (moat_aead_seal(&d->aead, nonce, p, MOAT_RECORD_HEADER_LEN, inner, inner_len, inner) != MOAT_SUCCESS) {
		/* Do not leave plaintext behind in the output buffer. */
		moat_wipe(p, MOAT_RECORD_HEADER_LEN + ct_len);
		if (moat_buf_truncate(out, start) != MOAT_SUCCESS)
			BAIL(MOAT_ERR_INTERNAL);
		return MOAT_FAILURE;
	}
	d->seq++;
	return MOAT_SUCCESS;
}

/*
 * Index one past the last non-zero byte of p[0..n), or 0 if all are zero, and
 * that byte in *type. Constant time in the contents: see the file comment.
 */
static size_t scan_inner_type(const uint8_t *p, size_t n, uint8_t *type)
{
	size_t end = 0;
	uint8_t t = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t x = p[i];
		/* All ones when x != 0: (x | -x) has its top bit set exactly then. */
		uint32_t nz32 = 0u - ((x | (0u - x)) >> 31);
		size_t nz = (size_t)0 - (size_t)(nz32 & 1u);
		end = (end & ~nz) | ((i + 1) & nz);
		t = (uint8_t)((t & ~nz32) | (x & nz32));
	}
	*type = t;
	return end;
}

static int aead13_open(struct moat_record_dir *d, uint8_t *rec, size_t frag_len, size_t max_plaintext,
		       uint8_t *content_type, uint8_t **plain, size_t *plain_len)
{
	ENSURE(d->seq != UINT64_MAX, MOAT_ERR_INVALID_STATE);
	/* §5.2: anything that cannot hold a tag cannot authenticate. */
	ENSURE(frag_len >= MOAT_AEAD_TAG_LEN, MOAT_ERR_BAD_RECORD_MAC);

	uint8_t *frag = rec + MOAT_RECORD_HEADER_LEN;
	size_t inner_len = frag_len - MOAT_AEAD_TAG_LEN;
	uint8_t nonce[MOAT_AEAD_NONCE_LEN];
	make_nonce(d, nonce);
	TRY(moat_aead_open(&d->aead, nonce, rec, MOAT_RECORD_HEADER_LEN, frag, frag_len, frag));

	/* §5.4: the full TLSInnerPlaintext (content + type + padding) is bounded by the limit + 1. */
	ENSURE(inner_len <= max_plaintext + 1, MOAT_ERR_RECORD_OVERFLOW);
	uint8_t type;
	size_t end = scan_inner_type(frag, inner_len, &type);
	/* §5.4: no non-zero octet means no content type. */
	ENSURE(end > 0, MOAT_ERR_UNEXPECTED_MESSAGE);
	/* §5: a protected change_cipher_spec, or any type we do not know, is unexpected. */
	ENSURE(type == MOAT_CT_ALERT || type == MOAT_CT_HANDSHAKE || type == MOAT_CT_APPLICATION_DATA,
	       MOAT_ERR_UNEXPECTED_MESSAGE);
	size_t content_len = end - 1;
	ENSURE(content_len > 0 || type == MOAT_CT_APPLICATION_DATA, MOAT_ERR_UNEXPECTED_MESSAGE);

	d->seq++;
	*content_type = type;
	*plain = frag;
	*plain_len = content_len;
	return MOAT_SUCCESS;
}

const struct moat_record_protection moat_record_aead13 = {
	.name = "tls13-aead",
	.inner_type = true,
	.init = aead13_init,
	.clear = aead13_clear,
	.wire_len = aead13_wire_len,
	.seal = aead13_seal,
	.open = aead13_open,
};
