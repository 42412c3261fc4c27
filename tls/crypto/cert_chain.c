/*
 * Building and inspecting certificate chains.
 *
 * Every certificate enters a chain through chain_push, which parses it once,
 * keeps the exact DER (a peer's bytes as received, so what we hash or forward
 * is what was sent) and, for the leaf, extracts the public key that
 * CertificateVerify will be checked against. A certificate whose leaf key we
 * cannot use is refused at the door rather than at signature time, so the
 * alert is unsupported_certificate (RFC 8446 §4.4.2.4) and not decrypt_error.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls/crypto/cert.h"

/* A SubjectPublicKeyInfo algorithm we know: if its key fails to decode, the certificate is corrupt. */
static bool known_key_algorithm(X509 *x)
{
	ASN1_OBJECT *alg = NULL;

	if (X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, X509_get_X509_PUBKEY(x)) != 1)
		return false;
	switch (OBJ_obj2nid(alg)) {
	case NID_rsaEncryption:
	case NID_rsassaPss:
	case NID_X9_62_id_ecPublicKey:
	case NID_ED25519:
		return true;
	default:
		return false;
	}
}

static int leaf_key_of(struct moat_pkey *key, X509 *x)
{
	EVP_PKEY *pkey = X509_get0_pubkey(x);
	if (pkey == NULL) {
		bool known = known_key_algorithm(x);
		ERR_clear_error();
		BAIL(known ? MOAT_ERR_BAD_CERTIFICATE : MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	}
	return moat_pkey_wrap(key, pkey);
}

/*
 * Append x (ownership passes to the chain, or x is freed on failure). der is
 * the exact encoding to keep, or NULL to take libcrypto's (which for a parsed
 * certificate is the original encoding).
 */
static int chain_push(struct moat_cert_chain *c, X509 *x, const uint8_t *der, size_t der_len, int too_long_err)
{
	uint8_t *copy = NULL;

	if (c->count >= MOAT_MAX_CHAIN_LEN) {
		moat_error_raise(too_long_err, MOAT_HERE);
		goto out;
	}
	if (der == NULL) {
		int n = i2d_X509(x, NULL);
		if (n <= 0) {
			moat_error_raise(MOAT_ERR_CRYPTO, MOAT_HERE);
			goto out;
		}
		der_len = (size_t)n;
	}
	copy = malloc(der_len);
	if (copy == NULL) {
		moat_error_raise(MOAT_ERR_ALLOC, MOAT_HERE);
		goto out;
	}
	if (der != NULL) {
		memcpy(copy, der, der_len);
	} else {
		unsigned char *p = copy;
		if (i2d_X509(x, &p) != (int)der_len) {
			moat_error_raise(MOAT_ERR_CRYPTO, MOAT_HERE);
			goto out;
		}
	}
	if (c->count == 0 && leaf_key_of(&c->leaf_key, x) != MOAT_SUCCESS)
		goto out;

	c->der[c->count] = copy;
	c->der_len[c->count] = der_len;
	c->x509[c->count] = x;
	c->count++;
	return MOAT_SUCCESS;
out:
	free(copy);
	X509_free(x);
	ERR_clear_error();
	return MOAT_FAILURE;
}

static bool pem_at_end(void)
{
	unsigned long err = ERR_peek_last_error();
	return ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
}

static int chain_read_pem(struct moat_cert_chain *c, BIO *bio)
{
	for (;;) {
		X509 *x = PEM_read_bio_X509(bio, NULL, moat_pem_no_passphrase, NULL);
		if (x == NULL) {
			/* Running out of PEM blocks ends the chain; anything else is corrupt. */
			ENSURE(c->count > 0 && pem_at_end(), MOAT_ERR_INVALID_PEM);
			return MOAT_SUCCESS;
		}
		TRY(chain_push(c, x, NULL, 0, MOAT_ERR_INVALID_PEM));
	}
}

int moat_cert_chain_from_pem(struct moat_cert_chain *c, const char *pem, size_t len)
{
	ENSURE_REF(c);
	memset(c, 0, sizeof(*c));
	ENSURE_REF(pem);
	ENSURE(len > 0 && len <= INT_MAX, MOAT_ERR_INVALID_PEM);

	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	ENSURE(bio != NULL, MOAT_ERR_ALLOC);
	int rc = chain_read_pem(c, bio);
	BIO_free(bio);
	ERR_clear_error();
	if (rc != MOAT_SUCCESS)
		moat_cert_chain_free(c);
	return rc;
}

int moat_cert_chain_add_der(struct moat_cert_chain *c, const uint8_t *der, size_t len)
{
	ENSURE_REF(c);
	ENSURE(c->count < MOAT_MAX_CHAIN_LEN, MOAT_ERR_BAD_CERTIFICATE);
	ENSURE(der != NULL && len > 0 && len <= LONG_MAX, MOAT_ERR_BAD_CERTIFICATE);

	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL) {
		ERR_clear_error();
		BAIL(MOAT_ERR_BAD_CERTIFICATE);
	}
	/* RFC 8446 §4.4.2: cert_data is exactly one DER certificate. */
	if ((size_t)(p - der) != len) {
		X509_free(x);
		BAIL(MOAT_ERR_BAD_CERTIFICATE);
	}
	return chain_push(c, x, der, len, MOAT_ERR_BAD_CERTIFICATE);
}

void moat_cert_chain_free(struct moat_cert_chain *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->count && i < MOAT_MAX_CHAIN_LEN; i++) {
		X509_free(c->x509[i]);
		free(c->der[i]);
	}
	moat_pkey_free(&c->leaf_key);
	memset(c, 0, sizeof(*c));
}

int moat_cert_spki_sha256(const struct moat_cert_chain *c, uint8_t out[MOAT_KEY_ID_LEN])
{
	ENSURE_REF(c);
	ENSURE(c->count > 0, MOAT_ERR_INVALID_ARG);
	/*
	 * Re-encoded from the parsed key rather than hashed from the certificate's
	 * bytes, so that keyd, which only has the private key, computes the same id.
	 */
	return moat_pkey_spki_sha256(&c->leaf_key, out);
}

/* fn on one ASN1 string, skipping values with an embedded NUL (never a valid DNS name). */
static int call_with(int (*fn)(const char *, size_t, void *), void *arg, const unsigned char *data, int len)
{
	if (data == NULL || len <= 0 || memchr(data, 0, (size_t)len) != NULL)
		return MOAT_SUCCESS;
	return fn((const char *)data, (size_t)len, arg);
}

static int for_each_san(GENERAL_NAMES *names, int (*fn)(const char *, size_t, void *), void *arg, bool *found)
{
	for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		int type = 0;
		const ASN1_IA5STRING *dns = GENERAL_NAME_get0_value(gn, &type);
		if (type != GEN_DNS)
			continue;
		*found = true;
		TRY(call_with(fn, arg, ASN1_STRING_get0_data(dns), ASN1_STRING_length(dns)));
	}
	return MOAT_SUCCESS;
}

static int for_each_cn(X509 *x, int (*fn)(const char *, size_t, void *), void *arg)
{
	const X509_NAME *subject = X509_get_subject_name(x);

	for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;) {
		unsigned char *utf8 = NULL;
		const ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
		int len = ASN1_STRING_to_UTF8(&utf8, cn);
		if (len < 0) {
			ERR_clear_error();
			continue;
		}
		int rc = call_with(fn, arg, utf8, len);
		OPENSSL_free(utf8);
		TRY(rc);
	}
	return MOAT_SUCCESS;
}

int moat_cert_for_each_dns_name(const struct moat_cert_chain *c, int (*fn)(const char *name, size_t len, void *arg),
				void *arg)
{
	int crit = -1;
	bool found = false;

	ENSURE_REF(c);
	ENSURE_REF(fn);
	ENSURE(c->count > 0, MOAT_ERR_INVALID_ARG);
	X509 *leaf = c->x509[0];

	GENERAL_NAMES *names = X509_get_ext_d2i(leaf, NID_subject_alt_name, &crit, NULL);
	/* crit is -1 when the extension is absent; anything else without a result is a corrupt SAN. */
	if (names == NULL && crit != -1) {
		ERR_clear_error();
		BAIL(MOAT_ERR_BAD_CERTIFICATE);
	}
	if (names != NULL) {
		int rc = for_each_san(names, fn, arg, &found);
		GENERAL_NAMES_free(names);
		TRY(rc);
	}
	/* RFC 6125 §6.4.4: the CN is a fallback only when there is no DNS-ID. */
	if (!found)
		TRY(for_each_cn(leaf, fn, arg));
	return MOAT_SUCCESS;
}

static uint16_t scheme_for(int pknid, int mdnid, moat_key_type pss_issuer)
{
	switch (pknid) {
	case NID_rsaEncryption:
		switch (mdnid) {
		case NID_sha1: return MOAT_SIG_RSA_PKCS1_SHA1;
		case NID_sha256: return MOAT_SIG_RSA_PKCS1_SHA256;
		case NID_sha384: return MOAT_SIG_RSA_PKCS1_SHA384;
		case NID_sha512: return MOAT_SIG_RSA_PKCS1_SHA512;
		default: return 0;
		}
	case NID_X9_62_id_ecPublicKey:
		switch (mdnid) {
		case NID_sha1: return MOAT_SIG_ECDSA_SHA1;
		case NID_sha256: return MOAT_SIG_ECDSA_SECP256R1_SHA256;
		case NID_sha384: return MOAT_SIG_ECDSA_SECP384R1_SHA384;
		case NID_sha512: return MOAT_SIG_ECDSA_SECP521R1_SHA512;
		default: return 0;
		}
	case NID_rsassaPss: {
		bool pss = pss_issuer == MOAT_KEY_RSA_PSS;
		switch (mdnid) {
		case NID_sha256: return pss ? MOAT_SIG_RSA_PSS_PSS_SHA256 : MOAT_SIG_RSA_PSS_RSAE_SHA256;
		case NID_sha384: return pss ? MOAT_SIG_RSA_PSS_PSS_SHA384 : MOAT_SIG_RSA_PSS_RSAE_SHA384;
		case NID_sha512: return pss ? MOAT_SIG_RSA_PSS_PSS_SHA512 : MOAT_SIG_RSA_PSS_RSAE_SHA512;
		default: return 0;
		}
	}
	case NID_ED25519:
		return MOAT_SIG_ED25519;
	case NID_ED448:
		return MOAT_SIG_ED448;
	default:
		return 0;
	}
}

uint16_t moat_cert_leaf_sig_scheme(const struct moat_cert_chain *c)
{
	int mdnid = NID_undef, pknid = NID_undef;
	moat_key_type issuer = MOAT_KEY_NONE;

	if (c == NULL || c->count == 0)
		return 0;
	X509 *leaf = c->x509[0];
	if (X509_get_signature_info(leaf, &mdnid, &pknid, NULL, NULL) != 1) {
		ERR_clear_error();
		return 0;
	}
	if (c->count > 1)
		issuer = moat_pkey_type_of(X509_get0_pubkey(c->x509[1]));
	else if (X509_check_issued(leaf, leaf) == X509_V_OK)
		issuer = c->leaf_key.type;
	ERR_clear_error();
	return scheme_for(pknid, mdnid, issuer);
}
