/*
 * TLS 1.3 record protection, RFC 8446 §5.
 *
 * Output is built in place: the header and TLSInnerPlaintext are laid down in
 * the caller's buffer and sealed where they lie, so no scratch copy of the
 * plaintext exists. Input is opened in place for the same reason.
 *
 * The header is read through a cursor; the only offsets taken into the record
 * are the fixed header length and lengths already checked against the cursor.
 *
 * The content type of a protected record is found by scanning the decrypted
 * TLSInnerPlaintext for its last non-zero byte (§5.4). The scan runs over the
 * whole buffer with masks instead of stopping early: the amount of padding is
 * what hides the real length of the content, and an early exit would leak it
 * through timing.
 */
#include "tls/record.h"

#include <string.h>

#include "common/cursor.h"
#include "common/secmem.h"
#include "tls/tls13_key_schedule.h"

/* Protected records on the wire always say TLS 1.2 (RFC 8446 §5.2). */
#define RECORD_VERSION_13 MOAT_TLS12

void moat_record_layer_init(struct moat_record_layer *rl)
{
	memset(rl, 0, sizeof(*rl));
	rl->write_version = MOAT_TLS10;
	rl->max_plaintext_out = MOAT_MAX_PLAINTEXT;
	rl->max_plaintext_in = MOAT_MAX_PLAINTEXT;
}

static void dir_free(struct moat_record_dir *d)
{
	moat_aead_free(&d->aead);
	memset(&d->aead, 0, sizeof(d->aead));
	moat_wipe(d->iv, sizeof(d->iv));
	d->seq = 0;
}

void moat_record_layer_free(struct moat_record_layer *rl)
{
	if (rl == NULL)
		return;
	dir_free(&rl->read);
	dir_free(&rl->write);
}

static bool dir_protected(const struct moat_record_dir *d)
{
	return d->aead.alg != MOAT_AEAD_NONE;
}

bool moat_record_is_protected(const struct moat_record_layer *rl, bool write)
{
	return dir_protected(write ? &rl->write : &rl->read);
}

int moat_record_set_traffic_secret(struct moat_record_layer *rl, bool write, moat_hash_alg hash,
				   moat_aead_alg aead, const uint8_t *traffic_secret)
{
	ENSURE_REF(rl);
	ENSURE_REF(traffic_secret);
	ENSURE(aead != MOAT_AEAD_NONE && moat_aead_key_len(aead) != 0, MOAT_ERR_INVALID_ARG);

	struct moat_record_dir *d = write ? &rl->write : &rl->read;
	uint8_t key[MOAT_AEAD_MAX_KEY_LEN];
	uint8_t iv[MOAT_AEAD_NONCE_LEN];
	struct moat_aead next;
	memset(&next, 0, sizeof(next));

	/* Key the new context completely before touching the old one, so a failure leaves the direction usable. */
	int rc = moat_tls13_traffic_key_iv(hash, aead, traffic_secret, key, iv);
	if (rc == MOAT_SUCCESS)
		rc = moat_aead_init(&next, aead, key, write);
	moat_wipe(key, sizeof(key));
	if (rc != MOAT_SUCCESS) {
		moat_wipe(iv, sizeof(iv));
		moat_aead_free(&next);
		return MOAT_FAILURE;
	}

	dir_free(d);
	d->aead = next;
	memcpy(d->iv, iv, sizeof(iv));
	moat_wipe(iv, sizeof(iv));
	d->seq = 0;
	return MOAT_SUCCESS;
}

/* RFC 8446 §5.3: the 64-bit sequence number, big-endian, left-padded to the IV length, XORed with the IV. */
static void make_nonce(const struct moat_record_dir *d, uint8_t nonce[MOAT_AEAD_NONCE_LEN])
{
	uint64_t seq = d->seq;
	memcpy(nonce, d->iv, MOAT_AEAD_NONCE_LEN);
	for (size_t i = MOAT_AEAD_NONCE_LEN; i > MOAT_AEAD_NONCE_LEN - 8; i--) {
		nonce[i - 1] ^= (uint8_t)(seq & 0xff);
		seq >>= 8;
	}
}

static bool known_type(uint8_t t)
{
	return t == MOAT_CT_CHANGE_CIPHER_SPEC || t == MOAT_CT_ALERT || t == MOAT_CT_HANDSHAKE ||
	       t == MOAT_CT_APPLICATION_DATA;
}

static size_t limit(size_t configured)
{
	return configured < MOAT_MAX_PLAINTEXT ? configured : MOAT_MAX_PLAINTEXT;
}

static void put_header(uint8_t *p, uint8_t type, uint16_t version, size_t len)
{
	p[0] = type;
	p[1] = (uint8_t)(version >> 8);
	p[2] = (uint8_t)(version & 0xff);
	p[3] = (uint8_t)(len >> 8);
	p[4] = (uint8_t)(len & 0xff);
}

size_t moat_record_wire_len(const struct moat_record_layer *rl, size_t len, size_t padding)
{
	if (!dir_protected(&rl->write))
		return MOAT_RECORD_HEADER_LEN + len;
	return MOAT_RECORD_HEADER_LEN + len + 1 + padding + MOAT_AEAD_TAG_LEN;
}

static int write_plain(struct moat_record_layer *rl, uint8_t type, const uint8_t *data, size_t len,
		       size_t padding, struct moat_buf *out)
{
	uint8_t *p;
	ENSURE(padding == 0, MOAT_ERR_INVALID_ARG);
	TRY(moat_buf_reserve(out, MOAT_RECORD_HEADER_LEN + len, &p));
	put_header(p, type, rl->write_version, len);
	if (len > 0)
		memcpy(p + MOAT_RECORD_HEADER_LEN, data, len);
	return MOAT_SUCCESS;
}

static int write_protected(struct moat_record_layer *rl, uint8_t type, const uint8_t *data, size_t len,
			   size_t padding, struct moat_buf *out)
{
	struct moat_record_dir *d = &rl->write;
	/* §5.3: a sequence number must never wrap; the caller rekeys (KeyUpdate) or closes first. */
	ENSURE(d->seq != UINT64_MAX, MOAT_ERR_INVALID_STATE);

	size_t inner_len = len + 1 + padding;
	size_t ct_len = inner_len + MOAT_AEAD_TAG_LEN;
	size_t start = out->len;
	uint8_t *p;
	TRY(moat_buf_reserve(out, MOAT_RECORD_HEADER_LEN + ct_len, &p));

	uint8_t *inner = p + MOAT_RECORD_HEADER_LEN;
	put_header(p, MOAT_CT_APPLICATION_DATA, RECORD_VERSION_13, ct_len);
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

int moat_record_write(struct moat_record_layer *rl, uint8_t content_type, const uint8_t *data, size_t len,
		      size_t padding, struct moat_buf *out)
{
	ENSURE_REF(rl);
	ENSURE_REF(out);
	ENSURE(len == 0 || data != NULL, MOAT_ERR_NULL_ARG);
	/* The record is built where out may reallocate: data inside out would move under us. */
	ENSURE(len == 0 || out->data == NULL || (uintptr_t)data + len <= (uintptr_t)out->data ||
		       (uintptr_t)data >= (uintptr_t)out->data + out->cap,
	       MOAT_ERR_INVALID_ARG);
	ENSURE(known_type(content_type), MOAT_ERR_INVALID_ARG);
	/* §5.1, §5.4: never send empty handshake or alert fragments, padded or not. */
	ENSURE(len > 0 || (content_type != MOAT_CT_HANDSHAKE && content_type != MOAT_CT_ALERT),
	       MOAT_ERR_INVALID_ARG);
	size_t max = limit(rl->max_plaintext_out);
	ENSURE(len <= max && padding <= max - len, MOAT_ERR_INVALID_ARG);

	/* §5: change_cipher_spec is never protected, even once write keys are installed (D.4 middlebox compatibility). */
	if (!dir_protected(&rl->write) || content_type == MOAT_CT_CHANGE_CIPHER_SPEC)
		return write_plain(rl, content_type, data, len, padding, out);
	return write_protected(rl, content_type, data, len, padding, out);
}

int moat_record_total_len(const uint8_t hdr[MOAT_RECORD_HEADER_LEN], size_t *total)
{
	ENSURE_REF(hdr);
	ENSURE_REF(total);
	struct moat_cursor c;
	uint8_t type;
	uint16_t version, length;
	moat_cursor_init(&c, hdr, MOAT_RECORD_HEADER_LEN);
	TRY(moat_cursor_get_u8(&c, &type));
	TRY(moat_cursor_get_u16(&c, &version));
	TRY(moat_cursor_get_u16(&c, &length));
	(void)version; /* §5.1: legacy_record_version "MUST be ignored for all purposes" */
	ENSURE(known_type(type), MOAT_ERR_UNEXPECTED_MESSAGE);
	ENSURE(length <= MOAT_MAX_CIPHERTEXT_13, MOAT_ERR_RECORD_OVERFLOW);
	*total = MOAT_RECORD_HEADER_LEN + (size_t)length;
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

static int open_protected(struct moat_record_layer *rl, uint8_t *rec, size_t frag_len, uint8_t *content_type,
			  uint8_t **plain, size_t *plain_len)
{
	struct moat_record_dir *d = &rl->read;
	ENSURE(d->seq != UINT64_MAX, MOAT_ERR_INVALID_STATE);
	/* §5.2: anything that cannot hold a tag cannot authenticate. */
	ENSURE(frag_len >= MOAT_AEAD_TAG_LEN, MOAT_ERR_BAD_RECORD_MAC);

	uint8_t *frag = rec + MOAT_RECORD_HEADER_LEN;
	size_t inner_len = frag_len - MOAT_AEAD_TAG_LEN;
	uint8_t nonce[MOAT_AEAD_NONCE_LEN];
	make_nonce(d, nonce);
	TRY(moat_aead_open(&d->aead, nonce, rec, MOAT_RECORD_HEADER_LEN, frag, frag_len, frag));

	/* §5.4: the full TLSInnerPlaintext (content + type + padding) is bounded by the limit + 1. */
	ENSURE(inner_len <= limit(rl->max_plaintext_in) + 1, MOAT_ERR_RECORD_OVERFLOW);
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

int moat_record_open(struct moat_record_layer *rl, uint8_t *rec, size_t rec_len, uint8_t *content_type,
		     uint8_t **plain, size_t *plain_len)
{
	ENSURE_REF(rl);
	ENSURE_REF(rec);
	ENSURE_REF(content_type);
	ENSURE_REF(plain);
	ENSURE_REF(plain_len);
	ENSURE(rec_len >= MOAT_RECORD_HEADER_LEN, MOAT_ERR_DECODE);

	size_t total;
	TRY(moat_record_total_len(rec, &total));

	/* The fragment must fill the rest of rec exactly; the cursor proves it before any offset is used. */
	struct moat_cursor c;
	moat_cursor_init(&c, rec, rec_len);
	TRY(moat_cursor_skip(&c, MOAT_RECORD_HEADER_LEN));
	size_t frag_len = total - MOAT_RECORD_HEADER_LEN;
	TRY(moat_cursor_skip(&c, frag_len));
	TRY(moat_cursor_expect_end(&c));

	uint8_t type = rec[0];
	if (dir_protected(&rl->read)) {
		if (type == MOAT_CT_APPLICATION_DATA)
			return open_protected(rl, rec, frag_len, content_type, plain, plain_len);
		/*
		 * §5: only the compatibility change_cipher_spec may arrive in the
		 * clear; the caller judges it. During the handshake a peer that fails
		 * before it has switched its own write keys sends its alert in the
		 * clear too (Appendix A: a client rejecting the server's certificate
		 * still writes plaintext), so the caller may allow a 2-byte alert.
		 */
		ENSURE(type == MOAT_CT_CHANGE_CIPHER_SPEC ||
			       (type == MOAT_CT_ALERT && rl->accept_plaintext_alerts && frag_len == 2),
		       MOAT_ERR_UNEXPECTED_MESSAGE);
	}

	/*
	 * §5.1: TLSPlaintext.length MUST NOT exceed 2^14 (or the negotiated
	 * limit). Application data without read keys is a protected record we
	 * cannot open (0-RTT after a HelloRetryRequest, §4.2.10): its bound is
	 * TLSCiphertext's, checked above, and the caller skips or refuses it.
	 */
	ENSURE(frag_len <= limit(rl->max_plaintext_in) || type == MOAT_CT_APPLICATION_DATA, MOAT_ERR_RECORD_OVERFLOW);
	/* §5.1: zero-length handshake fragments are forbidden; an alert record holds exactly one alert. */
	ENSURE(frag_len > 0 || (type != MOAT_CT_HANDSHAKE && type != MOAT_CT_ALERT), MOAT_ERR_UNEXPECTED_MESSAGE);
	*content_type = type;
	*plain = rec + MOAT_RECORD_HEADER_LEN;
	*plain_len = frag_len;
	return MOAT_SUCCESS;
}
