/*
 * Keys for the keyd unit tests, made fresh with libcrypto (no key material
 * in the tree), and the libcrypto operations the tests need as an
 * independent reference: RSA encryption (PKCS#1 v1.5 and raw) for the
 * RSA_DECRYPT cases, and the key id computed from i2d_PUBKEY directly.
 */
#ifndef MOAT_TESTS_KEYD_TEST_KEYS_H
#define MOAT_TESTS_KEYD_TEST_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keyd/keys.h"

typedef enum {
	TK_RSA2048,
	TK_RSA_PSS,
	TK_P256,
	TK_P384,
	TK_P521,
	TK_RSA1024,
	TK_ED25519,
	TK_RSA_PSS_SHA256_ONLY, /* RSA-PSS key whose parameters allow SHA-256 only */
} test_key_kind;

/* A new private key as PKCS#8 PEM (malloc'd, NUL-terminated). Aborts the test on failure. */
char *test_key_pem(test_key_kind kind);
/* The same key as an encrypted PKCS#8 PEM (password "secret"). */
char *test_key_pem_encrypted(test_key_kind kind);
/* Load a new key of that kind into k through keyd_key_from_pem; the test fails if that fails. */
void test_key_load(struct keyd_key *k, test_key_kind kind, const char *name);
/* SHA-256 of i2d_PUBKEY, computed here with libcrypto alone. */
void test_key_id(const struct keyd_key *k, uint8_t out[32]);
/* RSA public-key encryption of m with PKCS#1 v1.5 padding, or raw (m must be the modulus size). */
size_t test_rsa_encrypt(const struct keyd_key *k, const uint8_t *m, size_t len, bool raw, uint8_t *out,
			size_t cap);
/* The RSA modulus size in bytes. */
size_t test_rsa_size(const struct keyd_key *k);
void test_random(uint8_t *out, size_t len);
/* A fresh key's public point on the curve ("P-256", "P-384", "P-521"), uncompressed; its length. */
size_t test_ec_point(const char *curve, uint8_t *out, size_t cap);
/* Write text to a file in the current directory (ATF gives each case its own). */
void test_write_file(const char *path, const char *text);

#endif
