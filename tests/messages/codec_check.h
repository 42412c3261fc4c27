/*
 * Checks shared by the codec tests: run a decoder over every proper prefix
 * of a valid encoding, over the encoding plus one byte, and over the encoding
 * with one length field nudged up and down. Each input is copied into its own
 * heap block of exactly its length, so a read one byte too far is an ASan
 * report rather than a silent pass.
 */
#ifndef MOAT_TESTS_MESSAGES_CODEC_CHECK_H
#define MOAT_TESTS_MESSAGES_CODEC_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "tests/moat_test.h"

/* A decoder under test: takes the bytes (a message body or an extension_data) and returns its result. */
typedef int (*codec_decode_fn)(struct moat_cursor in);

static inline bool codec_is_decode_error(int err)
{
	return err == MOAT_ERR_DECODE || err == MOAT_ERR_TRAILING_DATA;
}

/* Run f on an exact-size heap copy of p[0..n). Returns the result; moat_errno holds the error. */
static inline int codec_run(codec_decode_fn f, const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n > 0 ? n : 1);
	ATF_REQUIRE(q != NULL);
	if (n > 0)
		memcpy(q, p, n);
	struct moat_cursor c;
	moat_cursor_init(&c, q, n);
	moat_error_clear();
	int rc = f(c);
	int err = moat_errno;
	free(q);
	moat_errno = err;
	return rc;
}

static inline bool codec_len_listed(size_t n, const size_t *ok, size_t n_ok)
{
	for (size_t i = 0; i < n_ok; i++)
		if (ok[i] == n)
			return true;
	return false;
}

/*
 * Every proper prefix of p fails with DECODE or TRAILING_DATA, except the
 * lengths in ok[] (places where a shorter message is itself valid, e.g. a
 * ClientHello that ends before its extensions), which must succeed.
 */
static inline void codec_check_prefixes(codec_decode_fn f, const uint8_t *p, size_t n, const size_t *ok,
					size_t n_ok)
{
	for (size_t i = 0; i < n; i++) {
		int rc = codec_run(f, p, i);
		if (codec_len_listed(i, ok, n_ok)) {
			ATF_REQUIRE_MSG(rc == MOAT_SUCCESS, "prefix of %zu/%zu bytes should decode: %s at %s", i, n,
					moat_strerror_name(moat_errno), moat_strerror_debug(moat_errno, NULL));
		} else {
			ATF_REQUIRE_MSG(rc == MOAT_FAILURE, "prefix of %zu/%zu bytes decoded", i, n);
			ATF_REQUIRE_MSG(codec_is_decode_error(moat_errno), "prefix of %zu/%zu bytes: %s at %s", i, n,
					moat_strerror_name(moat_errno), moat_strerror_debug(moat_errno, NULL));
		}
	}
	ATF_REQUIRE_MSG(codec_run(f, p, n) == MOAT_SUCCESS, "whole input: %s at %s", moat_strerror_name(moat_errno),
			moat_strerror_debug(moat_errno, NULL));
}

/* p with one more byte appended fails with err (TRAILING_DATA for all but fixed-length bodies). */
static inline void codec_check_trailing(codec_decode_fn f, const uint8_t *p, size_t n, int err)
{
	uint8_t *q = malloc(n + 1);
	ATF_REQUIRE(q != NULL);
	memcpy(q, p, n);
	q[n] = 0x00;
	int rc = codec_run(f, q, n + 1);
	free(q);
	ATF_REQUIRE_MSG(rc == MOAT_FAILURE, "one trailing byte was accepted");
	ATF_REQUIRE_MSG(moat_errno == err, "trailing byte: got %s at %s, expected %s", moat_strerror_name(moat_errno),
			moat_strerror_debug(moat_errno, NULL), moat_strerror_name(err));
}

/*
 * The length field of width bytes at off, set one larger and one smaller,
 * makes f fail; with decode_only, with a decode error. (A misframed
 * extension inside a ServerHello or EncryptedExtensions can instead surface
 * as an unknown extension type, which fails as unsupported_extension.)
 */
static inline void codec_check_length_field_ex(codec_decode_fn f, const uint8_t *p, size_t n, size_t off,
					       unsigned width, bool decode_only)
{
	ATF_REQUIRE(off + width <= n);
	uint64_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v = (v << 8) | p[off + i];
	for (int delta = -1; delta <= 1; delta += 2) {
		if (delta < 0 && v == 0)
			continue;
		uint64_t nv = delta < 0 ? v - 1 : v + 1;
		if (nv >> (8 * width) != 0)
			continue;
		uint8_t *q = malloc(n);
		ATF_REQUIRE(q != NULL);
		memcpy(q, p, n);
		for (unsigned i = width; i > 0; i--) {
			q[off + i - 1] = (uint8_t)(nv & 0xff);
			nv >>= 8;
		}
		int rc = codec_run(f, q, n);
		free(q);
		ATF_REQUIRE_MSG(rc == MOAT_FAILURE, "length at %zu %s by one was accepted", off,
				delta < 0 ? "decreased" : "increased");
		ATF_REQUIRE_MSG(!decode_only || codec_is_decode_error(moat_errno), "length at %zu %s by one: %s at %s", off,
				delta < 0 ? "decreased" : "increased", moat_strerror_name(moat_errno),
				moat_strerror_debug(moat_errno, NULL));
	}
}

static inline void codec_check_length_field(codec_decode_fn f, const uint8_t *p, size_t n, size_t off,
					    unsigned width)
{
	codec_check_length_field_ex(f, p, n, off, width, true);
}

/* The three checks for an input whose length fields are at offs[] (each of widths[]). */
static inline void codec_check_all(codec_decode_fn f, const uint8_t *p, size_t n, const size_t *offs,
				   const unsigned *widths, size_t n_fields)
{
	codec_check_prefixes(f, p, n, NULL, 0);
	codec_check_trailing(f, p, n, MOAT_ERR_TRAILING_DATA);
	for (size_t i = 0; i < n_fields; i++)
		codec_check_length_field(f, p, n, offs[i], widths[i]);
}

/* The extension_data of the single extension a moat_ext_write_* call put in b (skips type and length). */
static inline struct moat_cursor codec_ext_data(const struct moat_buf *b, uint16_t expect_type)
{
	struct moat_cursor c, d;
	uint16_t type;
	moat_cursor_init(&c, b->data, b->len);
	ATF_REQUIRE(moat_cursor_get_u16(&c, &type) == MOAT_SUCCESS);
	ATF_REQUIRE_EQ(type, expect_type);
	ATF_REQUIRE(moat_cursor_get_prefixed(&c, 2, &d) == MOAT_SUCCESS);
	ATF_REQUIRE(moat_cursor_expect_end(&c) == MOAT_SUCCESS);
	return d;
}

/* The body of the single handshake message an encoder put in b. */
static inline struct moat_cursor codec_msg_body(const struct moat_buf *b, uint8_t expect_type)
{
	struct moat_cursor c, body;
	uint8_t type;
	uint32_t len;
	moat_cursor_init(&c, b->data, b->len);
	ATF_REQUIRE(moat_cursor_get_u8(&c, &type) == MOAT_SUCCESS);
	ATF_REQUIRE_EQ(type, expect_type);
	ATF_REQUIRE(moat_cursor_get_u24(&c, &len) == MOAT_SUCCESS);
	ATF_REQUIRE_EQ(len, b->len - 4);
	ATF_REQUIRE(moat_cursor_get_sub(&c, len, &body) == MOAT_SUCCESS);
	return body;
}

static inline bool codec_cursor_eq(struct moat_cursor c, const void *p, size_t n)
{
	return moat_cursor_remaining(&c) == n && (n == 0 || memcmp(moat_cursor_data(&c), p, n) == 0);
}

#endif
