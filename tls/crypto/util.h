/*
 * Small libcrypto services the handshake needs that fit no bigger file:
 * randomness (libcrypto's CSPRNG, reseeded and fork-safe in OpenSSL 3) and
 * constant-time comparison of MACs and Finished values.
 */
#ifndef MOAT_TLS_CRYPTO_UTIL_H
#define MOAT_TLS_CRYPTO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

MOAT_MUST_USE int moat_random_bytes(uint8_t *out, size_t len);
/* True if the n bytes at a and b are equal; time does not depend on where they differ. */
bool moat_ct_equal(const void *a, const void *b, size_t n);

#endif
