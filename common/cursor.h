/*
 * Read cursor over untrusted bytes.
 *
 * A cursor is a (pointer, length) view that only ever shrinks from the front.
 * Every getter checks the remaining length first and fails with
 * MOAT_ERR_DECODE (alert decode_error) instead of reading past the end; on
 * failure the cursor is left unchanged, so a caller may report the error
 * without worrying about a half-consumed field.
 *
 * Length-prefixed vectors are read as sub-cursors (moat_cursor_get_prefixed)
 * that the handler must consume exactly: finish each with
 * moat_cursor_expect_end, which fails with MOAT_ERR_TRAILING_DATA. Handlers
 * never do pointer arithmetic on wire data themselves.
 */
#ifndef MOAT_COMMON_CURSOR_H
#define MOAT_COMMON_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct moat_cursor {
	const uint8_t *ptr;
	size_t len;
};

void moat_cursor_init(struct moat_cursor *c, const void *data, size_t len);
size_t moat_cursor_remaining(const struct moat_cursor *c);
/* The unread bytes, for hashing or copying a whole message; never for indexing with wire lengths. */
const uint8_t *moat_cursor_data(const struct moat_cursor *c);

MOAT_MUST_USE int moat_cursor_get_u8(struct moat_cursor *c, uint8_t *out);
MOAT_MUST_USE int moat_cursor_get_u16(struct moat_cursor *c, uint16_t *out);
MOAT_MUST_USE int moat_cursor_get_u24(struct moat_cursor *c, uint32_t *out);
MOAT_MUST_USE int moat_cursor_get_u32(struct moat_cursor *c, uint32_t *out);
MOAT_MUST_USE int moat_cursor_get_u64(struct moat_cursor *c, uint64_t *out);
MOAT_MUST_USE int moat_cursor_peek_u8(const struct moat_cursor *c, uint8_t *out);

/* Copy n bytes out. */
MOAT_MUST_USE int moat_cursor_get_bytes(struct moat_cursor *c, void *out, size_t n);
/* Borrow n bytes: *out points into the cursor's buffer. */
MOAT_MUST_USE int moat_cursor_get_ref(struct moat_cursor *c, size_t n, const uint8_t **out);
/* Split off the next n bytes as a sub-cursor. */
MOAT_MUST_USE int moat_cursor_get_sub(struct moat_cursor *c, size_t n, struct moat_cursor *sub);
MOAT_MUST_USE int moat_cursor_skip(struct moat_cursor *c, size_t n);

/*
 * Read a length prefix of width bytes (1, 2, 3 or 4) and split off that many
 * bytes as *sub. A length that runs past the end is MOAT_ERR_DECODE.
 */
MOAT_MUST_USE int moat_cursor_get_prefixed(struct moat_cursor *c, unsigned width, struct moat_cursor *sub);
/* Like get_prefixed but the vector must hold between min and max bytes (RFC 8446 §3.4 <min..max>). */
MOAT_MUST_USE int moat_cursor_get_vector(struct moat_cursor *c, unsigned width, size_t min, size_t max,
					 struct moat_cursor *sub);

/* Fails with MOAT_ERR_TRAILING_DATA unless every byte has been consumed. */
MOAT_MUST_USE int moat_cursor_expect_end(const struct moat_cursor *c);

#endif
