/*
 * Certificate factory for the in-process C tests. Only tests include OpenSSL
 * directly.
 *
 * There are two factories, one per language: this one, for tests that hold
 * the PKI in memory and never touch a file, and make_ca/make_cert in the
 * shell suites' library (tests/lib/moat_test_lib.sh), for the daemons and
 * peer programs that read key and certificate files. They make the same
 * things: a P-256 CA (critical CA:TRUE, keyCertSign and cRLSign) and leaves
 * with CA:FALSE, keyUsage digitalSignature and extendedKeyUsage serverAuth and
 * clientAuth, on the key types RSA-2048, RSA-PSS-2048, ECDSA P-256 and P-384.
 * The shell side also has the types only daemon-level tests need (RSA-3072
 * and -4096, and RSA-1024 and Ed25519 for keys that must be refused).
 * A change to one should be made to the other.
 */
#include "tests/tls/test_certs.h"

#include <atf-c.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

static EVP_PKEY *make_key(test_key_kind kind)
{
	switch (kind) {
	case TEST_KEY_RSA2048:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	case TEST_KEY_RSA_PSS: {
		/* EVP_PKEY_Q_keygen knows no RSA-PSS shortcut. */
		EVP_PKEY *key = NULL;
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
		if (ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1)
			(void)EVP_PKEY_keygen(ctx, &key);
		EVP_PKEY_CTX_free(ctx);
		return key;
	}
	case TEST_KEY_P256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case TEST_KEY_P384:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	}
	return NULL;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ATF_REQUIRE(ext != NULL);
	ATF_REQUIRE(X509_add_ext(cert, ext, -1) == 1);
	X509_EXTENSION_free(ext);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, bool ca, long serial)
{
	X509 *cert = X509_new();
	ATF_REQUIRE(cert != NULL);
	ATF_REQUIRE(X509_set_version(cert, 2) == 1);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * 30);
	X509_NAME *name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	ATF_REQUIRE(X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) == 1);
	ATF_REQUIRE(X509_set_pubkey(cert, key) == 1);
	X509 *iss = issuer ? issuer : cert;
	if (ca) {
		add_ext(cert, iss, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(cert, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(cert, iss, NID_basic_constraints, "CA:FALSE");
		/* rsaEncryption leaves may also encrypt: TLS 1.2 RSA key transport (RFC 5246 §7.4.2). */
		add_ext(cert, iss, NID_key_usage,
			EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? "digitalSignature,keyEncipherment" : "digitalSignature");
		add_ext(cert, iss, NID_subject_alt_name, "DNS:localhost,DNS:*.example.test,IP:127.0.0.1");
		add_ext(cert, iss, NID_ext_key_usage, "serverAuth,clientAuth");
	}
	ATF_REQUIRE(X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	return cert;
}

static char *bio_string(BIO *bio)
{
	char *data;
	long len = BIO_get_mem_data(bio, &data);
	char *s = malloc((size_t)len + 1);
	ATF_REQUIRE(s != NULL);
	memcpy(s, data, (size_t)len);
	s[len] = '\0';
	BIO_free(bio);
	return s;
}

void test_pki_make(struct test_pki *pki, test_key_kind kind)
{
	EVP_PKEY *ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *leaf_key = make_key(kind);
	ATF_REQUIRE_MSG(ca_key != NULL, "CA key generation failed");
	ATF_REQUIRE_MSG(leaf_key != NULL, "leaf key generation failed for kind %d", (int)kind);
	X509 *ca = make_cert(ca_key, "moat test CA", NULL, NULL, true, 1);
	X509 *leaf = make_cert(leaf_key, "localhost", ca, ca_key, false, 2);

	BIO *b = BIO_new(BIO_s_mem());
	ATF_REQUIRE(PEM_write_bio_X509(b, ca) == 1);
	pki->ca_pem = bio_string(b);
	b = BIO_new(BIO_s_mem());
	ATF_REQUIRE(PEM_write_bio_X509(b, leaf) == 1 && PEM_write_bio_X509(b, ca) == 1);
	pki->chain_pem = bio_string(b);
	b = BIO_new(BIO_s_mem());
	ATF_REQUIRE(PEM_write_bio_PrivateKey(b, leaf_key, NULL, NULL, 0, NULL, NULL) == 1);
	pki->key_pem = bio_string(b);
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
}

void test_pki_free(struct test_pki *pki)
{
	free(pki->ca_pem);
	free(pki->chain_pem);
	free(pki->key_pem);
	memset(pki, 0, sizeof(*pki));
}

/* PKCS#1 v1.5 with the key of a PEM private key, or of the leaf of a PEM chain (its first certificate). */
static EVP_PKEY_CTX *rsa_ctx(const char *pem, bool private_key)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *key = NULL;
	if (bio != NULL && private_key) {
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	} else if (bio != NULL) {
		X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		key = cert != NULL ? X509_get_pubkey(cert) : NULL;
		X509_free(cert);
	}
	BIO_free(bio);
	EVP_PKEY_CTX *ctx = key != NULL ? EVP_PKEY_CTX_new(key, NULL) : NULL;
	EVP_PKEY_free(key);
	int ok = ctx != NULL && (private_key ? EVP_PKEY_decrypt_init(ctx) : EVP_PKEY_encrypt_init(ctx)) == 1 &&
		 EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
	if (!ok) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int test_rsa_pkcs1_encrypt(const char *chain_pem, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
	EVP_PKEY_CTX *ctx = rsa_ctx(chain_pem, false);
	ATF_REQUIRE(ctx != NULL);
	int rc = EVP_PKEY_encrypt(ctx, out, out_len, in, len) == 1 ? 0 : -1;
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int test_rsa_pkcs1_decrypt(const char *key_pem, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len)
{
	EVP_PKEY_CTX *ctx = rsa_ctx(key_pem, true);
	ATF_REQUIRE(ctx != NULL);
	/* OpenSSL 3.2+ would answer a bad block with its own implicit rejection: the test wants to see the failure. */
	(void)EVP_PKEY_CTX_ctrl_str(ctx, "rsa_pkcs1_implicit_rejection", "0");
	int rc = EVP_PKEY_decrypt(ctx, out, out_len, in, len) == 1 ? 0 : -1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}
