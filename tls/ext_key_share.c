/*
 * key_share, RFC 8446 §4.2.8.
 *
 * The client's list is validated entry by entry to the end and kept as a
 * cursor over the message, so a share is found wherever it sits in a list
 * of any length (a ClientHello has room for 13105 five-byte entries). A
 * 65536-bit set of groups seen finds a repeated group in constant time.
 * Group support and key_exchange contents (§4.2.8.1-2) are checked by the
 * key exchange code.
 */
#include "tls/extensions.h"

#include "tls/iana.h"

static int get_entry(struct moat_cursor *c, struct moat_key_share *e)
{
	TRY(moat_cursor_get_u16(c, &e->group));
	return moat_cursor_get_vector(c, 2, 1, 0xffff, &e->key_exchange);
}

int moat_ext_key_share_decode_ch(struct moat_cursor d, struct moat_key_share_list *out)
{
	ENSURE_REF(out);
	struct moat_cursor shares, it;
	struct moat_u16_set seen;
	size_t count = 0;

	moat_u16_set_clear(&seen);
	TRY(moat_cursor_get_prefixed(&d, 2, &shares));
	TRY(moat_cursor_expect_end(&d));
	for (it = shares; moat_cursor_remaining(&it) > 0; count++) {
		struct moat_key_share e;
		TRY(get_entry(&it, &e));
		/* RFC 8446 §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the same group." */
		ENSURE(!moat_u16_set_has(&seen, e.group), MOAT_ERR_ILLEGAL_PARAMETER);
		moat_u16_set_add(&seen, e.group);
	}
	out->entries = shares;
	out->count = count;
	return MOAT_SUCCESS;
}

int moat_key_share_next(struct moat_cursor *entries, struct moat_key_share *e)
{
	ENSURE_REF(entries);
	ENSURE_REF(e);
	struct moat_cursor probe = *entries;
	struct moat_key_share x;
	TRY(get_entry(&probe, &x));
	*entries = probe;
	*e = x;
	return MOAT_SUCCESS;
}

bool moat_key_share_find(const struct moat_key_share_list *l, uint16_t group, struct moat_key_share *out)
{
	struct moat_cursor it = l->entries;
	struct moat_key_share e;
	while (moat_cursor_remaining(&it) > 0) {
		if (get_entry(&it, &e) < 0)
			return false;
		if (e.group == group) {
			*out = e;
			return true;
		}
	}
	return false;
}

int moat_ext_key_share_decode_sh(struct moat_cursor d, struct moat_key_share *out)
{
	ENSURE_REF(out);
	struct moat_key_share e;
	TRY(get_entry(&d, &e));
	TRY(moat_cursor_expect_end(&d));
	*out = e;
	return MOAT_SUCCESS;
}

int moat_ext_key_share_decode_hrr(struct moat_cursor d, uint16_t *group)
{
	ENSURE_REF(group);
	uint16_t g;
	TRY(moat_cursor_get_u16(&d, &g));
	TRY(moat_cursor_expect_end(&d));
	*group = g;
	return MOAT_SUCCESS;
}

static int put_entry(struct moat_buf *b, uint16_t group, const uint8_t *key_exchange, size_t len)
{
	TRY(moat_buf_put_u16(b, group));
	return moat_buf_put_prefixed(b, 2, key_exchange, len);
}

int moat_ext_write_key_share_ch(struct moat_buf *b, const struct moat_key_share *shares, size_t n)
{
	ENSURE(n == 0 || shares != NULL, MOAT_ERR_NULL_ARG);
	struct moat_u16_set seen;
	size_t total = 0;
	moat_u16_set_clear(&seen);
	for (size_t i = 0; i < n; i++) {
		size_t len = moat_cursor_remaining(&shares[i].key_exchange);
		ENSURE(len >= 1 && len <= 0xffff, MOAT_ERR_INVALID_ARG);
		total += 4 + len;
		ENSURE(total <= 0xffff, MOAT_ERR_INVALID_ARG);
		ENSURE(!moat_u16_set_has(&seen, shares[i].group), MOAT_ERR_INVALID_ARG);
		moat_u16_set_add(&seen, shares[i].group);
	}
	TRY(moat_ext_begin(b, MOAT_EXT_KEY_SHARE));
	TRY(moat_buf_open_prefixed(b, 2));
	for (size_t i = 0; i < n; i++)
		TRY(put_entry(b, shares[i].group, moat_cursor_data(&shares[i].key_exchange),
			      moat_cursor_remaining(&shares[i].key_exchange)));
	TRY(moat_buf_close_prefixed(b));
	return moat_ext_end(b);
}

int moat_ext_write_key_share_sh(struct moat_buf *b, uint16_t group, const uint8_t *key_exchange, size_t len)
{
	ENSURE_REF(key_exchange);
	ENSURE(len >= 1 && len <= 0xffff - 4, MOAT_ERR_INVALID_ARG);
	TRY(moat_ext_begin(b, MOAT_EXT_KEY_SHARE));
	TRY(put_entry(b, group, key_exchange, len));
	return moat_ext_end(b);
}

int moat_ext_write_key_share_hrr(struct moat_buf *b, uint16_t group)
{
	TRY(moat_ext_begin(b, MOAT_EXT_KEY_SHARE));
	TRY(moat_buf_put_u16(b, group));
	return moat_ext_end(b);
}
