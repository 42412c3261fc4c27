/*
 * Throwaway certificates for in-process TLS tests, made with libcrypto:
 * a CA and a leaf it signed, for one key type, as PEM strings.
 */
#ifndef MOAT_TESTS_TLS_TEST_CERTS_H
#define MOAT_TESTS_TLS_TEST_CERTS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { TEST_KEY_RSA2048, TEST_KEY_RSA_PSS, TEST_KEY_P256, TEST_KEY_P384 } test_key_kind;

struct test_pki {
	char *ca_pem;        /* CA certificate */
	char *chain_pem;     /* leaf certificate, then the CA */
	char *key_pem;       /* leaf private key (PKCS#8) */
};

/* Leaf for DNS:localhost, DNS:*.example.test and IP:127.0.0.1, valid now. Aborts the test on failure. */
void test_pki_make(struct test_pki *pki, test_key_kind kind);
void test_pki_free(struct test_pki *pki);

/*
 * RSAES-PKCS1-v1_5 (the TLS 1.2 RSA key exchange's encryption) with the
 * leaf's public key from a PEM chain, and its decryption with a PEM private
 * key, as a test peer and a test decrypter need them. *out_len: in the
 * capacity, out the length. 0 on success, -1 when the block is bad.
 */
int test_rsa_pkcs1_encrypt(const char *chain_pem, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len);
int test_rsa_pkcs1_decrypt(const char *key_pem, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len);

#endif
