/*
 * Lists of 16-bit code points behind a 2-byte length: supported_groups
 * (RFC 8446 §4.2.7), signature_algorithms and signature_algorithms_cert
 * (RFC 8446 §4.2.3). The decoder keeps the list as a cursor rather than
 * copying it into an array, so a long list costs nothing and no entry is lost.
 */
#include "tls/extensions.h"

#include <string.h>

/* <2..2^16-2>: the upper bound is the largest even length (RFC 8446 §4.2.3). */
#define U16_LIST_MAX 0xfffe

int moat_ext_u16_list_decode(struct moat_cursor d, struct moat_cursor *list)
{
	ENSURE_REF(list);
	struct moat_cursor l;
	TRY(moat_cursor_get_vector(&d, 2, 2, U16_LIST_MAX, &l));
	ENSURE(moat_cursor_remaining(&l) % 2 == 0, MOAT_ERR_DECODE);
	TRY(moat_cursor_expect_end(&d));
	*list = l;
	return MOAT_SUCCESS;
}

int moat_u16_list_next(struct moat_cursor *list, uint16_t *v)
{
	return moat_cursor_get_u16(list, v);
}

bool moat_u16_list_contains(struct moat_cursor list, uint16_t v)
{
	uint16_t x;
	while (moat_cursor_remaining(&list) >= 2) {
		if (moat_cursor_get_u16(&list, &x) < 0)
			return false;
		if (x == v)
			return true;
	}
	return false;
}

void moat_u16_set_clear(struct moat_u16_set *s)
{
	memset(s->bits, 0, sizeof(s->bits));
}

void moat_u16_set_add(struct moat_u16_set *s, uint16_t v)
{
	s->bits[v / 64] |= UINT64_C(1) << (v % 64);
}

bool moat_u16_set_has(const struct moat_u16_set *s, uint16_t v)
{
	return (s->bits[v / 64] & (UINT64_C(1) << (v % 64))) != 0;
}

void moat_u16_set_add_list(struct moat_u16_set *s, struct moat_cursor list)
{
	uint16_t v;
	while (moat_cursor_remaining(&list) >= 2 && moat_cursor_get_u16(&list, &v) == MOAT_SUCCESS)
		moat_u16_set_add(s, v);
}

int moat_ext_write_u16_list(struct moat_buf *b, uint16_t type, const uint16_t *v, size_t n)
{
	ENSURE_REF(v);
	ENSURE(n >= 1 && n <= U16_LIST_MAX / 2, MOAT_ERR_INVALID_ARG);
	TRY(moat_ext_begin(b, type));
	TRY(moat_buf_open_prefixed(b, 2));
	for (size_t i = 0; i < n; i++)
		TRY(moat_buf_put_u16(b, v[i]));
	TRY(moat_buf_close_prefixed(b));
	return moat_ext_end(b);
}
