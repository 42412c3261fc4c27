/*
 * Hex known answers for the ATF C tests: vectors are transcribed from the
 * RFCs as hex text (spaces allowed) and compared byte for byte.
 */
#ifndef MOAT_TESTS_TEST_HEX_H
#define MOAT_TESTS_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Hex to bytes; fails the test on a bad digit, an odd count or more than cap bytes. */
size_t test_unhex(const char *hex, uint8_t *out, size_t cap);
/* Fails the test (printing what we got) unless got[0..len) equals the hex value. */
void test_require_hex(const uint8_t *got, size_t len, const char *hex, const char *what);
#define REQUIRE_HEX(got, len, hex) test_require_hex((got), (len), (hex), #got)

#endif
