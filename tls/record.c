/*
 * The record layer: framing, bounds, and the choice of which records go
 * through a direction's protection (RFC 8446 §5, RFC 5246 §6.2).
 *
 * The protections themselves live in their own files (record_null.c,
 * record_aead13.c, record_aead12.c, record_cbc.c); this file never touches a
 * key. What it decides:
 *
 *  - On write, change_cipher_spec bypasses a TLS 1.3 protection (§5: it is
 *    never protected); every other record goes to the write protection.
 *  - On read, the header is read through a cursor and the fragment proved to
 *    fill the record exactly before any offset is taken. Under a TLS 1.3
 *    protection only application_data records are opened; the compatibility
 *    change_cipher_spec and, during the handshake, a 2-byte alert may still
 *    come in the clear. Under any other protection every record is opened.
 *  - The TLSCiphertext bound is the version's (moat_record_set_version), so
 *    a record over it is refused after its five header bytes.
 *
 * Installing keys builds the new state completely in a scratch direction
 * before the old one is freed, so a failure leaves the direction usable.
 */
#include "tls/record.h"

#include <string.h>

#include "common/cursor.h"
#include "common/secmem.h"
#include "tls/tls13_key_schedule.h"

void moat_record_layer_init(struct moat_record_layer *rl)
{
	memset(rl, 0, sizeof(*rl));
	rl->read.prot = &moat_record_null;
	rl->write.prot = &moat_record_null;
	rl->write_version = MOAT_TLS10;
	rl->max_plaintext_out = MOAT_MAX_PLAINTEXT;
	rl->max_plaintext_in = MOAT_MAX_PLAINTEXT;
	rl->max_ciphertext = MOAT_MAX_CIPHERTEXT_13;
}

static void dir_free(struct moat_record_dir *d)
{
	if (d->prot != NULL)
		d->prot->clear(d);
	d->prot = &moat_record_null;
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
	return d->prot != &moat_record_null;
}

bool moat_record_is_protected(const struct moat_record_layer *rl, bool write)
{
	return dir_protected(write ? &rl->write : &rl->read);
}

int moat_record_set_version(struct moat_record_layer *rl, uint16_t version)
{
	ENSURE_REF(rl);
	ENSURE(version >= MOAT_TLS10 && version <= MOAT_TLS13, MOAT_ERR_INVALID_ARG);
	rl->max_ciphertext = version == MOAT_TLS13 ? MOAT_MAX_CIPHERTEXT_13 : MOAT_MAX_CIPHERTEXT_12;
	return MOAT_SUCCESS;
}

size_t moat_record_max_wire_len(const struct moat_record_layer *rl)
{
	return MOAT_RECORD_HEADER_LEN + rl->max_ciphertext;
}

int moat_record_set_keys(struct moat_record_layer *rl, bool write, const struct moat_record_protection *prot,
			 const struct moat_record_keys *keys)
{
	ENSURE_REF(rl);
	ENSURE_REF(prot);
	ENSURE_REF(keys);
	struct moat_record_dir next;
	memset(&next, 0, sizeof(next));
	TRY(prot->init(&next, keys, write));
	struct moat_record_dir *d = write ? &rl->write : &rl->read;
	dir_free(d);
	*d = next;
	d->seq = 0;
	/* The scratch copy held the IV. */
	moat_wipe(&next, sizeof(next));
	return MOAT_SUCCESS;
}

int moat_record_set_traffic_secret(struct moat_record_layer *rl, bool write, moat_hash_alg hash,
				   moat_aead_alg aead, const uint8_t *traffic_secret)
{
	ENSURE_REF(rl);
	ENSURE_REF(traffic_secret);
	ENSURE(aead != MOAT_AEAD_NONE && moat_aead_key_len(aead) != 0, MOAT_ERR_INVALID_ARG);

	uint8_t key[MOAT_AEAD_MAX_KEY_LEN];
	uint8_t iv[MOAT_AEAD_NONCE_LEN];
	int rc = moat_tls13_traffic_key_iv(hash, aead, traffic_secret, key, iv);
	if (rc == MOAT_SUCCESS) {
		struct moat_record_keys keys = {
			.aead = aead,
			.key = key,
			.key_len = moat_aead_key_len(aead),
			.iv = iv,
			.iv_len = sizeof(iv),
		};
		rc = moat_record_set_keys(rl, write, &moat_record_aead13, &keys);
	}
	moat_wipe(key, sizeof(key));
	moat_wipe(iv, sizeof(iv));
	return rc;
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

size_t moat_record_wire_len(const struct moat_record_layer *rl, size_t len, size_t padding)
{
	return rl->write.prot->wire_len(&rl->write, len, padding);
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

	struct moat_record_dir *d = &rl->write;
	/* §5: change_cipher_spec is never protected by TLS 1.3, even once write keys are installed (D.4). */
	if (content_type == MOAT_CT_CHANGE_CIPHER_SPEC && d->prot->inner_type)
		return moat_record_null.seal(d, content_type, rl->write_version, data, len, padding, out);
	return d->prot->seal(d, content_type, rl->write_version, data, len, padding, out);
}

int moat_record_write_ccs(struct moat_record_layer *rl, struct moat_buf *out)
{
	static const uint8_t ccs = 0x01;
	return moat_record_write(rl, MOAT_CT_CHANGE_CIPHER_SPEC, &ccs, 1, 0, out);
}

int moat_record_write_alert(struct moat_record_layer *rl, uint8_t level, uint8_t description, struct moat_buf *out)
{
	uint8_t alert[2] = { level, description };
	return moat_record_write(rl, MOAT_CT_ALERT, alert, sizeof(alert), 0, out);
}

static int total_len(const uint8_t hdr[MOAT_RECORD_HEADER_LEN], size_t max_ciphertext, size_t *total)
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
	ENSURE(length <= max_ciphertext, MOAT_ERR_RECORD_OVERFLOW);
	*total = MOAT_RECORD_HEADER_LEN + (size_t)length;
	return MOAT_SUCCESS;
}

int moat_record_total_len(const uint8_t hdr[MOAT_RECORD_HEADER_LEN], size_t *total)
{
	return total_len(hdr, MOAT_MAX_CIPHERTEXT_13, total);
}

int moat_record_layer_total_len(const struct moat_record_layer *rl, const uint8_t hdr[MOAT_RECORD_HEADER_LEN],
				size_t *total)
{
	ENSURE_REF(rl);
	return total_len(hdr, rl->max_ciphertext, total);
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
	TRY(total_len(rec, rl->max_ciphertext, &total));

	/* The fragment must fill the rest of rec exactly; the cursor proves it before any offset is used. */
	struct moat_cursor c;
	moat_cursor_init(&c, rec, rec_len);
	TRY(moat_cursor_skip(&c, MOAT_RECORD_HEADER_LEN));
	size_t frag_len = total - MOAT_RECORD_HEADER_LEN;
	TRY(moat_cursor_skip(&c, frag_len));
	TRY(moat_cursor_expect_end(&c));

	struct moat_record_dir *d = &rl->read;
	size_t max = limit(rl->max_plaintext_in);
	uint8_t type = rec[0];
	if (d->prot->inner_type) {
		if (type == MOAT_CT_APPLICATION_DATA)
			return d->prot->open(d, rec, frag_len, max, content_type, plain, plain_len);
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
		return moat_record_null.open(d, rec, frag_len, max, content_type, plain, plain_len);
	}
	return d->prot->open(d, rec, frag_len, max, content_type, plain, plain_len);
}
