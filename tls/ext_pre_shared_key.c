/*
 * pre_shared_key, RFC 8446 §4.2.11.
 *
 * The client's OfferedPsks is validated whole (every identity and binder,
 * equal counts) and handed back as two cursors to iterate in step, plus the
 * size of the binders vector: the binders are the last bytes of the
 * ClientHello (pre_shared_key is last, which the block parser enforces), so
 * the transcript hashed for the binders (§4.2.11.2) is the message minus
 * that many bytes. Binder values are compared with CRYPTO_memcmp by the PSK
 * code, never here.
 */
#include "tls/extensions.h"

#include "tls/iana.h"

#define IDENTITIES_MIN 7 /* one identity of one byte + obfuscated_ticket_age */
#define BINDERS_MIN 33   /* one binder of 32 bytes + its length byte */
#define BINDER_MIN 32
#define BINDER_MAX 255

int moat_psk_identity_next(struct moat_cursor *identities, struct moat_cursor *identity,
			   uint32_t *obfuscated_ticket_age)
{
	ENSURE_REF(identities);
	struct moat_cursor probe = *identities, id;
	uint32_t age;
	TRY(moat_cursor_get_vector(&probe, 2, 1, 0xffff, &id));
	TRY(moat_cursor_get_u32(&probe, &age));
	*identities = probe;
	if (identity != NULL)
		*identity = id;
	if (obfuscated_ticket_age != NULL)
		*obfuscated_ticket_age = age;
	return MOAT_SUCCESS;
}

int moat_psk_binder_next(struct moat_cursor *binders, struct moat_cursor *binder)
{
	return moat_cursor_get_vector(binders, 1, BINDER_MIN, BINDER_MAX, binder);
}

int moat_ext_pre_shared_key_decode_ch(struct moat_cursor d, struct moat_psk_offer *out)
{
	ENSURE_REF(out);
	struct moat_cursor ids, binders, it, x;
	size_t n_ids = 0, n_binders = 0;

	TRY(moat_cursor_get_vector(&d, 2, IDENTITIES_MIN, 0xffff, &ids));
	size_t binders_len = moat_cursor_remaining(&d);
	TRY(moat_cursor_get_vector(&d, 2, BINDERS_MIN, 0xffff, &binders));
	TRY(moat_cursor_expect_end(&d));

	for (it = ids; moat_cursor_remaining(&it) > 0; n_ids++)
		TRY(moat_psk_identity_next(&it, NULL, NULL));
	for (it = binders; moat_cursor_remaining(&it) > 0; n_binders++)
		TRY(moat_psk_binder_next(&it, &x));
	/* Each binder is "the binder corresponding to the identity" at the same position. */
	ENSURE(n_ids == n_binders, MOAT_ERR_ILLEGAL_PARAMETER);

	out->identities = ids;
	out->binders = binders;
	out->count = n_ids;
	out->binders_len = binders_len;
	return MOAT_SUCCESS;
}

int moat_ext_pre_shared_key_decode_sh(struct moat_cursor d, uint16_t *selected_identity)
{
	ENSURE_REF(selected_identity);
	uint16_t v;
	TRY(moat_cursor_get_u16(&d, &v));
	TRY(moat_cursor_expect_end(&d));
	*selected_identity = v;
	return MOAT_SUCCESS;
}

int moat_ext_write_pre_shared_key_sh(struct moat_buf *b, uint16_t selected_identity)
{
	TRY(moat_ext_begin(b, MOAT_EXT_PRE_SHARED_KEY));
	TRY(moat_buf_put_u16(b, selected_identity));
	return moat_ext_end(b);
}
