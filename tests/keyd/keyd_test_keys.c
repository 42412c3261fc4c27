/*
 * Test keys made with libcrypto (see keyd_test_keys.h).
 */
#include "tests/keyd/keyd_test_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

static EVP_PKEY *generate(test_key_kind kind)
{
	EVP_PKEY *pkey = NULL;
	switch (kind) {
	case TK_RSA2048: pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048); break;
	case TK_RSA1024: pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024); break;
	case TK_P256: pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); break;
	case TK_P384: pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"); break;
	case TK_P521: pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"); break;
	case TK_ED25519: pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"); break;
	case TK_RSA_PSS:
	case TK_RSA_PSS_SHA256_ONLY: {
		/* EVP_PKEY_Q_keygen cannot make RSA-PSS keys in OpenSSL 3.0. */
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
		ATF_REQUIRE(ctx != NULL);
		ATF_REQUIRE(EVP_PKEY_keygen_init(ctx) == 1);
		ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1);
		if (kind == TK_RSA_PSS_SHA256_ONLY) {
			ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_pss_keygen_md_name(ctx, "SHA256", NULL) == 1);
			ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_pss_keygen_mgf1_md_name(ctx, "SHA256") == 1);
			ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_pss_keygen_saltlen(ctx, 32) == 1);
		}
		ATF_REQUIRE(EVP_PKEY_keygen(ctx, &pkey) == 1);
		EVP_PKEY_CTX_free(ctx);
		break;
	}
	}
	ATF_REQUIRE_MSG(pkey != NULL, "key generation failed");
	return pkey;
}

static char *to_pem(EVP_PKEY *pkey, bool encrypted)
{
	BIO *bio = BIO_new(BIO_s_mem());
	ATF_REQUIRE(bio != NULL);
	const EVP_CIPHER *cipher = encrypted ? EVP_aes_128_cbc() : NULL;
	ATF_REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio, pkey, cipher, encrypted ? "secret" : NULL,
						  encrypted ? 6 : 0, NULL, NULL) == 1);
	char *data;
	long len = BIO_get_mem_data(bio, &data);
	char *out = malloc((size_t)len + 1);
	ATF_REQUIRE(out != NULL);
	memcpy(out, data, (size_t)len);
	out[len] = '\0';
	BIO_free(bio);
	return out;
}

char *test_key_pem(test_key_kind kind)
{
	EVP_PKEY *pkey = generate(kind);
	char *pem = to_pem(pkey, false);
	EVP_PKEY_free(pkey);
	return pem;
}

char *test_key_pem_encrypted(test_key_kind kind)
{
	EVP_PKEY *pkey = generate(kind);
	char *pem = to_pem(pkey, true);
	EVP_PKEY_free(pkey);
	return pem;
}

void test_key_load(struct keyd_key *k, test_key_kind kind, const char *name)
{
	char *pem = test_key_pem(kind);
	char why[200] = "";
	moat_error_clear();
	int rc = keyd_key_from_pem(k, pem, strlen(pem), name, why, sizeof(why));
	free(pem);
	ATF_REQUIRE_MSG(rc == MOAT_SUCCESS, "loading a %s key: %s (%s)", name, why, moat_strerror_name(moat_errno));
}

void test_key_id(const struct keyd_key *k, uint8_t out[32])
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(k->pkey.pkey, &der);
	ATF_REQUIRE(len > 0);
	unsigned int md_len = 0;
	ATF_REQUIRE(EVP_Digest(der, (size_t)len, out, &md_len, EVP_sha256(), NULL) == 1 && md_len == 32);
	OPENSSL_free(der);
}

size_t test_rsa_size(const struct keyd_key *k)
{
	return (size_t)EVP_PKEY_get_size(k->pkey.pkey);
}

size_t test_rsa_encrypt(const struct keyd_key *k, const uint8_t *m, size_t len, bool raw, uint8_t *out, size_t cap)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey.pkey, NULL);
	ATF_REQUIRE(ctx != NULL);
	size_t out_len = cap;
	ATF_REQUIRE(EVP_PKEY_encrypt_init(ctx) == 1);
	ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx, raw ? RSA_NO_PADDING : RSA_PKCS1_PADDING) == 1);
	ATF_REQUIRE_MSG(EVP_PKEY_encrypt(ctx, out, &out_len, m, len) == 1, "RSA encryption failed");
	EVP_PKEY_CTX_free(ctx);
	return out_len;
}

void test_random(uint8_t *out, size_t len)
{
	ATF_REQUIRE(RAND_bytes(out, (int)len) == 1);
}

void test_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ATF_REQUIRE(f != NULL);
	ATF_REQUIRE(fputs(text, f) >= 0);
	ATF_REQUIRE(fclose(f) == 0);
}

size_t test_ec_point(const char *curve, uint8_t *out, size_t cap)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	ATF_REQUIRE(pkey != NULL);
	size_t len = 0;
	ATF_REQUIRE(EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, cap, &len) == 1);
	EVP_PKEY_free(pkey);
	ATF_REQUIRE(len > 0 && out[0] == 0x04);
	return len;
}
