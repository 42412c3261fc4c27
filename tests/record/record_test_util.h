/*
 * Helpers shared by the record tests: the TLS 1.3 cipher suites and a fixed
 * traffic secret to protect records with. Hex known answers go through
 * tests/test_hex.h.
 */
#ifndef MOAT_TESTS_RECORD_UTIL_H
#define MOAT_TESTS_RECORD_UTIL_H

#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "tls/crypto/aead.h"
#include "tls/crypto/hash.h"

struct suite {
	const char *name;
	moat_aead_alg aead;
	moat_hash_alg hash;
};

/* The three TLS 1.3 suites (RFC 8446 §B.4). */
static const struct suite suites[] = {
	{ "TLS_AES_128_GCM_SHA256", MOAT_AEAD_AES_128_GCM, MOAT_HASH_SHA256 },
	{ "TLS_AES_256_GCM_SHA384", MOAT_AEAD_AES_256_GCM, MOAT_HASH_SHA384 },
	{ "TLS_CHACHA20_POLY1305_SHA256", MOAT_AEAD_CHACHA20_POLY1305, MOAT_HASH_SHA256 },
};
#define N_SUITES (sizeof(suites) / sizeof(suites[0]))

/* A fixed 48-byte traffic secret; suites with SHA-256 use its first 32 bytes. */
static const uint8_t fixed_secret[48] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
	0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30,
};

#endif
