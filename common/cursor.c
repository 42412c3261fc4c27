/*
 * Bounds-checked reads. Each getter checks before it touches memory and
 * advances only on success.
 */
#include "common/cursor.h"

#include <string.h>

void moat_cursor_init(struct moat_cursor *c, const void *data, size_t len)
{
	c->ptr = data;
	c->len = data ? len : 0;
}

size_t moat_cursor_remaining(const struct moat_cursor *c)
{
	return c->len;
}

const uint8_t *moat_cursor_data(const struct moat_cursor *c)
{
	return c->ptr;
}

static int read_be(struct moat_cursor *c, unsigned width, uint64_t *out)
{
	ENSURE_REF(c);
	ENSURE(c->len >= width, MOAT_ERR_DECODE);
	uint64_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v = (v << 8) | c->ptr[i];
	c->ptr += width;
	c->len -= width;
	*out = v;
	return MOAT_SUCCESS;
}

int moat_cursor_get_u8(struct moat_cursor *c, uint8_t *out)
{
	uint64_t v;
	TRY(read_be(c, 1, &v));
	*out = (uint8_t)v;
	return MOAT_SUCCESS;
}

int moat_cursor_get_u16(struct moat_cursor *c, uint16_t *out)
{
	uint64_t v;
	TRY(read_be(c, 2, &v));
	*out = (uint16_t)v;
	return MOAT_SUCCESS;
}

int moat_cursor_get_u24(struct moat_cursor *c, uint32_t *out)
{
	uint64_t v;
	TRY(read_be(c, 3, &v));
	*out = (uint32_t)v;
	return MOAT_SUCCESS;
}

int moat_cursor_get_u32(struct moat_cursor *c, uint32_t *out)
{
	uint64_t v;
	TRY(read_be(c, 4, &v));
	*out = (uint32_t)v;
	return MOAT_SUCCESS;
}

int moat_cursor_get_u64(struct moat_cursor *c, uint64_t *out)
{
	return read_be(c, 8, out);
}

int moat_cursor_peek_u8(const struct moat_cursor *c, uint8_t *out)
{
	ENSURE_REF(c);
	ENSURE(c->len >= 1, MOAT_ERR_DECODE);
	*out = c->ptr[0];
	return MOAT_SUCCESS;
}

int moat_cursor_get_ref(struct moat_cursor *c, size_t n, const uint8_t **out)
{
	ENSURE_REF(c);
	ENSURE(c->len >= n, MOAT_ERR_DECODE);
	*out = c->ptr;
	c->ptr += n;
	c->len -= n;
	return MOAT_SUCCESS;
}

int moat_cursor_get_bytes(struct moat_cursor *c, void *out, size_t n)
{
	const uint8_t *src;
	TRY(moat_cursor_get_ref(c, n, &src));
	if (n > 0)
		memcpy(out, src, n);
	return MOAT_SUCCESS;
}

int moat_cursor_get_sub(struct moat_cursor *c, size_t n, struct moat_cursor *sub)
{
	const uint8_t *src;
	TRY(moat_cursor_get_ref(c, n, &src));
	sub->ptr = src;
	sub->len = n;
	return MOAT_SUCCESS;
}

int moat_cursor_skip(struct moat_cursor *c, size_t n)
{
	const uint8_t *ignored;
	return moat_cursor_get_ref(c, n, &ignored);
}

int moat_cursor_get_prefixed(struct moat_cursor *c, unsigned width, struct moat_cursor *sub)
{
	return moat_cursor_get_vector(c, width, 0, SIZE_MAX, sub);
}

int moat_cursor_get_vector(struct moat_cursor *c, unsigned width, size_t min, size_t max,
			   struct moat_cursor *sub)
{
	ENSURE_REF(c);
	ENSURE(width >= 1 && width <= 4, MOAT_ERR_INVALID_ARG);
	struct moat_cursor probe = *c;
	uint64_t n;
	TRY(read_be(&probe, width, &n));
	ENSURE(n >= min && n <= max, MOAT_ERR_DECODE);
	TRY(moat_cursor_get_sub(&probe, (size_t)n, sub));
	*c = probe;
	return MOAT_SUCCESS;
}

int moat_cursor_expect_end(const struct moat_cursor *c)
{
	ENSURE_REF(c);
	ENSURE(c->len == 0, MOAT_ERR_TRAILING_DATA);
	return MOAT_SUCCESS;
}
