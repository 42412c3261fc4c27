/*
 * Write buffer with nested, back-filled length prefixes.
 *
 * moat_buf_open_prefixed(b, 2) reserves a 2-byte length; moat_buf_close_prefixed
 * writes the length of everything put since then into it, failing with
 * MOAT_ERR_PREFIX_OVERFLOW if it does not fit. Up to MOAT_BUF_MAX_DEPTH
 * prefixes may be open at once (a handshake message holds an extension list
 * that holds an extension that holds a vector...).
 *
 * Three kinds of storage:
 *  - growable heap memory up to a hard cap (moat_buf_init);
 *  - caller-owned fixed memory that never grows (moat_buf_init_fixed);
 *  - sensitive, growable memory from the locked secure heap, wiped when it
 *    is reset, regrown or freed (moat_buf_init_sensitive).
 * A put that would pass the cap fails with MOAT_ERR_BUF_FULL and changes nothing.
 */
#ifndef MOAT_COMMON_BUF_H
#define MOAT_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define MOAT_BUF_MAX_DEPTH 8

struct moat_buf {
	uint8_t *data;
	size_t len;
	size_t cap;     /* bytes allocated (or the fixed size) */
	size_t max;     /* hard limit on len */
	unsigned owned : 1;
	unsigned sensitive : 1;
	unsigned depth;
	size_t open_at[MOAT_BUF_MAX_DEPTH];
	uint8_t open_width[MOAT_BUF_MAX_DEPTH];
};

void moat_buf_init(struct moat_buf *b, size_t max);
void moat_buf_init_sensitive(struct moat_buf *b, size_t max);
void moat_buf_init_fixed(struct moat_buf *b, void *mem, size_t size);

/* Drop the contents (wiping sensitive ones) and close open prefixes; keep the memory. */
void moat_buf_reset(struct moat_buf *b);
/* Release the memory (wiping sensitive ones); the buffer may be initialised again. */
void moat_buf_free(struct moat_buf *b);

MOAT_MUST_USE int moat_buf_put_u8(struct moat_buf *b, uint8_t v);
MOAT_MUST_USE int moat_buf_put_u16(struct moat_buf *b, uint16_t v);
MOAT_MUST_USE int moat_buf_put_u24(struct moat_buf *b, uint32_t v);
MOAT_MUST_USE int moat_buf_put_u32(struct moat_buf *b, uint32_t v);
MOAT_MUST_USE int moat_buf_put_u64(struct moat_buf *b, uint64_t v);
MOAT_MUST_USE int moat_buf_put_bytes(struct moat_buf *b, const void *data, size_t n);
/* A vector: width-byte length, then the bytes. */
MOAT_MUST_USE int moat_buf_put_prefixed(struct moat_buf *b, unsigned width, const void *data, size_t n);
/* Make room for n bytes and return where they go, for callers that produce output in place
 * (NULL for n == 0 in a buffer that has no memory yet). */
MOAT_MUST_USE int moat_buf_reserve(struct moat_buf *b, size_t n, uint8_t **out);

MOAT_MUST_USE int moat_buf_open_prefixed(struct moat_buf *b, unsigned width);
MOAT_MUST_USE int moat_buf_close_prefixed(struct moat_buf *b);

/* Drop trailing bytes so that len becomes new_len (<= len); wipes what is dropped if sensitive. */
MOAT_MUST_USE int moat_buf_truncate(struct moat_buf *b, size_t new_len);

#endif
