/*
 * Write buffer. Growth doubles up to the cap; sensitive buffers grow through
 * the secure heap so that no copy of their contents is left behind unwiped.
 */
#include "common/buf.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"

void moat_buf_init(struct moat_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
	b->owned = 1;
}

void moat_buf_init_sensitive(struct moat_buf *b, size_t max)
{
	moat_buf_init(b, max);
	b->sensitive = 1;
}

void moat_buf_init_fixed(struct moat_buf *b, void *mem, size_t size)
{
	memset(b, 0, sizeof(*b));
	b->data = mem;
	b->cap = size;
	b->max = size;
}

void moat_buf_reset(struct moat_buf *b)
{
	if (b->sensitive && b->data != NULL)
		moat_wipe(b->data, b->len);
	b->len = 0;
	b->depth = 0;
}

void moat_buf_free(struct moat_buf *b)
{
	moat_buf_reset(b);
	if (b->owned) {
		if (b->sensitive)
			moat_secmem_free(b->data);
		else
			free(b->data);
		b->data = NULL;
		b->cap = 0;
	}
}

static int grow(struct moat_buf *b, size_t need)
{
	ENSURE(need <= b->max, MOAT_ERR_BUF_FULL);
	if (need <= b->cap)
		return MOAT_SUCCESS;
	ENSURE(b->owned, MOAT_ERR_BUF_FULL);
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
	if (cap > b->max)
		cap = b->max;
	if (b->sensitive) {
		void *p = b->data;
		if (p == NULL)
			TRY(moat_secmem_alloc(cap, &p));
		else
			TRY(moat_secmem_realloc(&p, cap));
		b->data = p;
	} else {
		uint8_t *p = realloc(b->data, cap);
		ENSURE(p != NULL, MOAT_ERR_ALLOC);
		b->data = p;
	}
	b->cap = cap;
	return MOAT_SUCCESS;
}

int moat_buf_reserve(struct moat_buf *b, size_t n, uint8_t **out)
{
	ENSURE_REF(b);
	ENSURE(n <= SIZE_MAX - b->len, MOAT_ERR_BUF_FULL);
	TRY(grow(b, b->len + n));
	/* Nothing reserved in a buffer that has no memory yet: NULL + 0 is undefined in C. */
	*out = b->data == NULL ? NULL : b->data + b->len;
	b->len += n;
	return MOAT_SUCCESS;
}

static int put_be(struct moat_buf *b, unsigned width, uint64_t v)
{
	uint8_t *p;
	TRY(moat_buf_reserve(b, width, &p));
	for (unsigned i = width; i > 0; i--) {
		p[i - 1] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
	return MOAT_SUCCESS;
}

int moat_buf_put_u8(struct moat_buf *b, uint8_t v)
{
	return put_be(b, 1, v);
}

int moat_buf_put_u16(struct moat_buf *b, uint16_t v)
{
	return put_be(b, 2, v);
}

int moat_buf_put_u24(struct moat_buf *b, uint32_t v)
{
	ENSURE(v <= 0xffffff, MOAT_ERR_INVALID_ARG);
	return put_be(b, 3, v);
}

int moat_buf_put_u32(struct moat_buf *b, uint32_t v)
{
	return put_be(b, 4, v);
}

int moat_buf_put_u64(struct moat_buf *b, uint64_t v)
{
	return put_be(b, 8, v);
}

int moat_buf_put_bytes(struct moat_buf *b, const void *data, size_t n)
{
	uint8_t *p;
	ENSURE(n == 0 || data != NULL, MOAT_ERR_NULL_ARG);
	TRY(moat_buf_reserve(b, n, &p));
	if (n > 0)
		memcpy(p, data, n);
	return MOAT_SUCCESS;
}

static uint64_t width_max(unsigned width)
{
	return (UINT64_C(1) << (8 * width)) - 1;
}

int moat_buf_put_prefixed(struct moat_buf *b, unsigned width, const void *data, size_t n)
{
	ENSURE_REF(b);
	ENSURE(width >= 1 && width <= 4, MOAT_ERR_INVALID_ARG);
	ENSURE(n <= width_max(width), MOAT_ERR_PREFIX_OVERFLOW);
	ENSURE(n <= SIZE_MAX - width && b->len + width + n <= b->max, MOAT_ERR_BUF_FULL);
	TRY(put_be(b, width, n));
	return moat_buf_put_bytes(b, data, n);
}

int moat_buf_open_prefixed(struct moat_buf *b, unsigned width)
{
	ENSURE_REF(b);
	ENSURE(width >= 1 && width <= 4, MOAT_ERR_INVALID_ARG);
	ENSURE(b->depth < MOAT_BUF_MAX_DEPTH, MOAT_ERR_PREFIX_NESTING);
	TRY(put_be(b, width, 0));
	b->open_at[b->depth] = b->len - width;
	b->open_width[b->depth] = (uint8_t)width;
	b->depth++;
	return MOAT_SUCCESS;
}

int moat_buf_close_prefixed(struct moat_buf *b)
{
	ENSURE_REF(b);
	ENSURE(b->depth > 0, MOAT_ERR_PREFIX_NESTING);
	size_t at = b->open_at[b->depth - 1];
	unsigned width = b->open_width[b->depth - 1];
	size_t n = b->len - at - width;
	ENSURE(n <= width_max(width), MOAT_ERR_PREFIX_OVERFLOW);
	for (unsigned i = width; i > 0; i--) {
		b->data[at + i - 1] = (uint8_t)(n & 0xff);
		n >>= 8;
	}
	b->depth--;
	return MOAT_SUCCESS;
}

int moat_buf_truncate(struct moat_buf *b, size_t new_len)
{
	ENSURE_REF(b);
	ENSURE(new_len <= b->len, MOAT_ERR_INVALID_ARG);
	ENSURE(b->depth == 0 || new_len >= b->open_at[b->depth - 1] + b->open_width[b->depth - 1],
	       MOAT_ERR_PREFIX_NESTING);
	if (b->sensitive)
		moat_wipe(b->data + new_len, b->len - new_len);
	b->len = new_len;
	return MOAT_SUCCESS;
}
