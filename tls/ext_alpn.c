/*
 * application_layer_protocol_negotiation, RFC 7301 §3.1.
 *
 * The client's ProtocolNameList is validated name by name and handed back as
 * a cursor to iterate; the server's answer is the same structure with exactly
 * one name. moat_alpn_select is the one place names are matched: the server
 * picks with it from the client's list, and the client checks the server's
 * answer with it, the answer being a list of one.
 */
#include "tls/extensions.h"

#include <string.h>

#include "tls/iana.h"

static int validate_list(struct moat_cursor list)
{
	struct moat_cursor name;
	while (moat_cursor_remaining(&list) > 0)
		TRY(moat_cursor_get_vector(&list, 1, 1, 0xff, &name));
	return MOAT_SUCCESS;
}

int moat_ext_alpn_decode_list(struct moat_cursor d, struct moat_cursor *list)
{
	ENSURE_REF(list);
	struct moat_cursor l;
	TRY(moat_cursor_get_vector(&d, 2, 2, 0xffff, &l));
	TRY(moat_cursor_expect_end(&d));
	TRY(validate_list(l));
	*list = l;
	return MOAT_SUCCESS;
}

int moat_alpn_list_next(struct moat_cursor *list, struct moat_cursor *name)
{
	return moat_cursor_get_vector(list, 1, 1, 0xff, name);
}

int moat_alpn_select(struct moat_cursor ours, struct moat_cursor theirs, struct moat_cursor *chosen, bool *found)
{
	ENSURE_REF(chosen);
	ENSURE_REF(found);
	*found = false;
	/*
	 * Our names on the outside: RFC 7301 §3.2, the server "SHOULD select
	 * the most highly preferred protocol that it supports and that is also
	 * advertised by the client". Ours is the configured list, a few names
	 * in practice, so the walk is a few passes over theirs.
	 */
	while (moat_cursor_remaining(&ours) > 0) {
		struct moat_cursor name, it = theirs, candidate;
		TRY(moat_alpn_list_next(&ours, &name));
		size_t n = moat_cursor_remaining(&name);
		while (moat_cursor_remaining(&it) > 0) {
			TRY(moat_alpn_list_next(&it, &candidate));
			if (moat_cursor_remaining(&candidate) == n &&
			    memcmp(moat_cursor_data(&candidate), moat_cursor_data(&name), n) == 0) {
				*chosen = name;
				*found = true;
				return MOAT_SUCCESS;
			}
		}
	}
	return MOAT_SUCCESS;
}

int moat_ext_alpn_decode_selected(struct moat_cursor d, struct moat_cursor *name)
{
	ENSURE_REF(name);
	struct moat_cursor l, n;
	TRY(moat_cursor_get_vector(&d, 2, 2, 0xffff, &l));
	TRY(moat_cursor_expect_end(&d));
	/* RFC 7301 §3.1: the server's list "MUST contain exactly one" name. */
	TRY(moat_cursor_get_vector(&l, 1, 1, 0xff, &n));
	TRY(moat_cursor_expect_end(&l));
	*name = n;
	return MOAT_SUCCESS;
}

int moat_ext_write_alpn_list(struct moat_buf *b, const uint8_t *wire_list, size_t len)
{
	ENSURE_REF(wire_list);
	ENSURE(len >= 2 && len <= 0xffff - 2, MOAT_ERR_INVALID_ARG);
	struct moat_cursor l;
	moat_cursor_init(&l, wire_list, len);
	ENSURE(validate_list(l) == MOAT_SUCCESS, MOAT_ERR_INVALID_ARG);
	TRY(moat_ext_begin(b, MOAT_EXT_ALPN));
	TRY(moat_buf_put_prefixed(b, 2, wire_list, len));
	return moat_ext_end(b);
}

int moat_ext_write_alpn_selected(struct moat_buf *b, const uint8_t *name, size_t len)
{
	ENSURE_REF(name);
	ENSURE(len >= 1 && len <= 0xff, MOAT_ERR_INVALID_ARG);
	TRY(moat_ext_begin(b, MOAT_EXT_ALPN));
	TRY(moat_buf_open_prefixed(b, 2));
	TRY(moat_buf_put_prefixed(b, 1, name, len));
	TRY(moat_buf_close_prefixed(b));
	return moat_ext_end(b);
}
