/*
 * Keys and signatures on OpenSSL 3 EVP_DigestSign/EVP_DigestVerify.
 *
 * One table row per SignatureScheme we implement says everything the code
 * needs: padding family, digest and the key type it belongs to; whether
 * TLS 1.3 allows it is the registry's column (iana.h). The usable_*
 * predicates and sign/verify all read the same row, so a scheme cannot be
 * accepted by one and refused by the other.
 * ed448 has no row: moat never signs or verifies it. The TLS 1.2 SHA-1
 * schemes have rows usable only through their own predicate
 * (moat_sig_scheme_usable_tls12_sha1), which only the ServerKeyExchange
 * answer to a client without signature_algorithms asks (RFC 5246
 * §7.4.1.4.1); the TLS 1.0/1.1 ones (MD5+SHA-1, SHA-1) have rows under
 * private code points, usable only through the legacy predicate. So no
 * other TLS 1.2 path and no TLS 1.3 path can pick a SHA-1 scheme.
 *
 * Messages are passed unhashed and signed one-shot (Ed25519 has no
 * streaming form, and the TLS 1.3 CertificateVerify input is small).
 */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tls/crypto/sig.h"

enum sig_kind { SIG_PKCS1, SIG_ECDSA, SIG_PSS, SIG_EDDSA };

struct sig_scheme {
	uint16_t scheme;
	enum sig_kind kind;
	const char *md;        /* libcrypto digest name; NULL for PureEdDSA */
	size_t md_len;
	moat_key_type key;     /* the key type; for ECDSA the curve TLS 1.3 binds it to */
};

static const struct sig_scheme sig_schemes[] = {
	/* RFC 8446 §4.2.3: PKCS#1 v1.5 only for certificates and TLS 1.2. */
	{ MOAT_SIG_RSA_PKCS1_SHA256, SIG_PKCS1, "SHA256", 32, MOAT_KEY_RSA },
	{ MOAT_SIG_RSA_PKCS1_SHA384, SIG_PKCS1, "SHA384", 48, MOAT_KEY_RSA },
	{ MOAT_SIG_RSA_PKCS1_SHA512, SIG_PKCS1, "SHA512", 64, MOAT_KEY_RSA },
	{ MOAT_SIG_ECDSA_SECP256R1_SHA256, SIG_ECDSA, "SHA256", 32, MOAT_KEY_EC_P256 },
	{ MOAT_SIG_ECDSA_SECP384R1_SHA384, SIG_ECDSA, "SHA384", 48, MOAT_KEY_EC_P384 },
	{ MOAT_SIG_ECDSA_SECP521R1_SHA512, SIG_ECDSA, "SHA512", 64, MOAT_KEY_EC_P521 },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA256, SIG_PSS, "SHA256", 32, MOAT_KEY_RSA },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA384, SIG_PSS, "SHA384", 48, MOAT_KEY_RSA },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA512, SIG_PSS, "SHA512", 64, MOAT_KEY_RSA },
	{ MOAT_SIG_ED25519, SIG_EDDSA, NULL, 0, MOAT_KEY_ED25519 },
	{ MOAT_SIG_RSA_PSS_PSS_SHA256, SIG_PSS, "SHA256", 32, MOAT_KEY_RSA_PSS },
	{ MOAT_SIG_RSA_PSS_PSS_SHA384, SIG_PSS, "SHA384", 48, MOAT_KEY_RSA_PSS },
	{ MOAT_SIG_RSA_PSS_PSS_SHA512, SIG_PSS, "SHA512", 64, MOAT_KEY_RSA_PSS },
	/* TLS 1.2's SHA-1 defaults (RFC 5246 §7.4.1.4.1), deprecated by RFC 9155: see usable_tls12_sha1. */
	{ MOAT_SIG_RSA_PKCS1_SHA1, SIG_PKCS1, "SHA1", 20, MOAT_KEY_RSA },
	{ MOAT_SIG_ECDSA_SHA1, SIG_ECDSA, "SHA1", 20, MOAT_KEY_EC_P256 },
	/*
	 * TLS 1.0/1.1 (private code points, iana.h). libcrypto's "MD5-SHA1"
	 * digest with PKCS#1 v1.5 padding signs the 36 bytes without a
	 * DigestInfo, RFC 2246 §4.7; ECDSA over SHA-1 with any of our curves,
	 * RFC 4492 §5.4.
	 */
	{ MOAT_SIG_LEGACY_RSA_MD5_SHA1, SIG_PKCS1, "MD5-SHA1", 36, MOAT_KEY_RSA },
	{ MOAT_SIG_LEGACY_ECDSA_SHA1, SIG_ECDSA, "SHA1", 20, MOAT_KEY_EC_P256 },
};

static const struct sig_scheme *find_scheme(uint16_t scheme)
{
	for (size_t i = 0; i < sizeof(sig_schemes) / sizeof(sig_schemes[0]); i++) {
		if (sig_schemes[i].scheme == scheme)
			return &sig_schemes[i];
	}
	return NULL;
}

static bool is_ec(moat_key_type type)
{
	return type == MOAT_KEY_EC_P256 || type == MOAT_KEY_EC_P384 || type == MOAT_KEY_EC_P521;
}

bool moat_sig_scheme_usable_tls13(uint16_t scheme, moat_key_type type)
{
	const struct sig_scheme *s = find_scheme(scheme);
	const struct moat_sig_scheme_info *reg = moat_sig_scheme_find(scheme);
	return s != NULL && reg != NULL && reg->tls13 && type != MOAT_KEY_NONE && s->key == type;
}

static bool is_legacy(const struct sig_scheme *s)
{
	const struct moat_sig_scheme_info *reg = s != NULL ? moat_sig_scheme_find(s->scheme) : NULL;
	return reg != NULL && reg->legacy;
}

/* The key fits the row: ECDSA with any of our curves (TLS 1.2 and 1.0/1.1 alike), else the row's key type. */
static bool key_fits(const struct sig_scheme *s, moat_key_type type)
{
	if (s->kind == SIG_ECDSA)
		return is_ec(type);
	return s->key == type;
}

static bool usable_legacy(const struct sig_scheme *s, moat_key_type type)
{
	return s != NULL && type != MOAT_KEY_NONE && is_legacy(s) && key_fits(s, type);
}

bool moat_sig_scheme_usable_legacy(uint16_t scheme, moat_key_type type)
{
	return usable_legacy(find_scheme(scheme), type);
}

/* rsa_pkcs1_sha1 and ecdsa_sha1: the registry's TLS 1.2 code points over SHA-1. */
static bool is_tls12_sha1(const struct sig_scheme *s)
{
	return s != NULL && !is_legacy(s) && s->md_len == 20;
}

static bool usable_tls12_sha1(const struct sig_scheme *s, moat_key_type type)
{
	return is_tls12_sha1(s) && type != MOAT_KEY_NONE && key_fits(s, type);
}

bool moat_sig_scheme_usable_tls12_sha1(uint16_t scheme, moat_key_type type)
{
	return usable_tls12_sha1(find_scheme(scheme), type);
}

bool moat_sig_scheme_is_sha1(uint16_t scheme)
{
	const struct sig_scheme *s = find_scheme(scheme);
	return s != NULL && (is_legacy(s) || is_tls12_sha1(s));
}

static bool usable_tls12(const struct sig_scheme *s, moat_key_type type)
{
	if (s == NULL || type == MOAT_KEY_NONE || is_legacy(s) || is_tls12_sha1(s))
		return false;
	/* RFC 8422 §5.1.1: in TLS 1.2 the ECDSA hash is not tied to the curve. */
	if (s->kind == SIG_ECDSA)
		return is_ec(type);
	return s->key == type;
}

bool moat_sig_scheme_usable_tls12(uint16_t scheme, moat_key_type type)
{
	return usable_tls12(find_scheme(scheme), type);
}

size_t moat_sig_scheme_digest_len(uint16_t scheme)
{
	const struct sig_scheme *s = find_scheme(scheme);
	return s != NULL ? s->md_len : 0;
}

int moat_pem_no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

moat_key_type moat_pkey_type_of(const void *evp_pkey)
{
	const EVP_PKEY *pkey = evp_pkey;
	char curve[64];

	if (pkey == NULL)
		return MOAT_KEY_NONE;
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		return MOAT_KEY_RSA;
	case EVP_PKEY_RSA_PSS:
		return MOAT_KEY_RSA_PSS;
	case EVP_PKEY_ED25519:
		return MOAT_KEY_ED25519;
	case EVP_PKEY_EC:
		break;
	default:
		return MOAT_KEY_NONE;
	}
	/* Named curves only: a key with explicit parameters has no group name (RFC 8422 §5.1.1). */
	if (EVP_PKEY_get_group_name(pkey, curve, sizeof(curve), NULL) != 1) {
		ERR_clear_error();
		return MOAT_KEY_NONE;
	}
	int nid = OBJ_sn2nid(curve);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(curve);
	switch (nid) {
	case NID_X9_62_prime256v1:
		return MOAT_KEY_EC_P256;
	case NID_secp384r1:
		return MOAT_KEY_EC_P384;
	case NID_secp521r1:
		return MOAT_KEY_EC_P521;
	default:
		return MOAT_KEY_NONE;
	}
}

int moat_pkey_wrap(struct moat_pkey *k, void *evp_pkey)
{
	ENSURE_REF(k);
	memset(k, 0, sizeof(*k));
	ENSURE_REF(evp_pkey);
	moat_key_type type = moat_pkey_type_of(evp_pkey);
	ENSURE(type != MOAT_KEY_NONE, MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	TRY_OSSL(EVP_PKEY_up_ref(evp_pkey), MOAT_ERR_CRYPTO);
	k->pkey = evp_pkey;
	k->type = type;
	return MOAT_SUCCESS;
}

/* Takes ownership of pkey in every case. */
static int adopt(struct moat_pkey *k, EVP_PKEY *pkey, int unsupported_err)
{
	moat_key_type type = moat_pkey_type_of(pkey);
	if (type == MOAT_KEY_NONE) {
		EVP_PKEY_free(pkey);
		BAIL(unsupported_err);
	}
	k->pkey = pkey;
	k->type = type;
	return MOAT_SUCCESS;
}

int moat_pkey_from_private_pem(struct moat_pkey *k, const char *pem, size_t len)
{
	ENSURE_REF(k);
	memset(k, 0, sizeof(*k));
	ENSURE_REF(pem);
	ENSURE(len > 0 && len <= INT_MAX, MOAT_ERR_INVALID_PEM);

	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	ENSURE(bio != NULL, MOAT_ERR_ALLOC);
	EVP_PKEY *pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, moat_pem_no_passphrase, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL) {
		ERR_clear_error();
		BAIL(MOAT_ERR_INVALID_PEM);
	}
	return adopt(k, pkey, MOAT_ERR_NOT_SUPPORTED);
}

int moat_pkey_from_private_der(struct moat_pkey *k, const uint8_t *der, size_t len)
{
	ENSURE_REF(k);
	memset(k, 0, sizeof(*k));
	ENSURE_REF(der);
	ENSURE(len > 0 && len <= LONG_MAX, MOAT_ERR_INVALID_PEM);

	const unsigned char *p = der;
	/* PKCS8_PRIV_KEY_INFO wipes its copy of the key octets when freed. */
	PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
	if (p8 == NULL || (size_t)(p - der) != len) {
		PKCS8_PRIV_KEY_INFO_free(p8);
		ERR_clear_error();
		BAIL(MOAT_ERR_INVALID_PEM);
	}
	EVP_PKEY *pkey = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (pkey == NULL) {
		/* A well-formed container around an algorithm libcrypto cannot load. */
		ERR_clear_error();
		BAIL(MOAT_ERR_NOT_SUPPORTED);
	}
	return adopt(k, pkey, MOAT_ERR_NOT_SUPPORTED);
}

int moat_pkey_private_der(const struct moat_pkey *k, uint8_t *out, size_t cap, size_t *len)
{
	ENSURE_REF(k);
	ENSURE_REF(out);
	ENSURE_REF(len);
	ENSURE(k->pkey != NULL, MOAT_ERR_INVALID_ARG);
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k->pkey);
	if (p8 == NULL) {
		ERR_clear_error();
		BAIL(MOAT_ERR_CRYPTO);
	}
	int n = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL);
	if (n <= 0 || (size_t)n > cap) {
		PKCS8_PRIV_KEY_INFO_free(p8);
		ERR_clear_error();
		BAIL(n <= 0 ? MOAT_ERR_CRYPTO : MOAT_ERR_BUF_FULL);
	}
	unsigned char *p = out;
	int m = i2d_PKCS8_PRIV_KEY_INFO(p8, &p);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (m != n) {
		OPENSSL_cleanse(out, cap);
		ERR_clear_error();
		BAIL(MOAT_ERR_CRYPTO);
	}
	*len = (size_t)n;
	return MOAT_SUCCESS;
}

int moat_pkey_from_public_der(struct moat_pkey *k, const uint8_t *spki, size_t len)
{
	ENSURE_REF(k);
	memset(k, 0, sizeof(*k));
	ENSURE_REF(spki);
	ENSURE(len > 0 && len <= LONG_MAX, MOAT_ERR_BAD_CERTIFICATE);

	const unsigned char *p = spki;
	EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)len);
	if (pkey == NULL) {
		ERR_clear_error();
		BAIL(MOAT_ERR_BAD_CERTIFICATE);
	}
	/* The SPKI must be the whole input: trailing bytes mean a malformed container. */
	if ((size_t)(p - spki) != len) {
		EVP_PKEY_free(pkey);
		BAIL(MOAT_ERR_BAD_CERTIFICATE);
	}
	return adopt(k, pkey, MOAT_ERR_UNSUPPORTED_CERTIFICATE);
}

int moat_pkey_copy_public(struct moat_pkey *dst, const struct moat_pkey *src)
{
	unsigned char *der = NULL;

	ENSURE_REF(dst);
	ENSURE_REF(src);
	ENSURE(src->pkey != NULL, MOAT_ERR_INVALID_ARG);
	/*
	 * A round trip through SubjectPublicKeyInfo drops any private half and
	 * keeps RSA-PSS parameter restrictions, which a public-only export
	 * through OSSL_PARAMs would not.
	 */
	int len = i2d_PUBKEY(src->pkey, &der);
	ENSURE(len > 0, MOAT_ERR_CRYPTO);
	int rc = moat_pkey_from_public_der(dst, der, (size_t)len);
	OPENSSL_free(der);
	if (rc != MOAT_SUCCESS) {
		ERR_clear_error();
		BAIL(MOAT_ERR_CRYPTO);
	}
	return MOAT_SUCCESS;
}

void moat_pkey_free(struct moat_pkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
	k->type = MOAT_KEY_NONE;
}

bool moat_pkey_matches(const struct moat_pkey *priv, const struct moat_pkey *pub)
{
	if (priv == NULL || pub == NULL || priv->pkey == NULL || pub->pkey == NULL)
		return false;
	/* Compares key type, parameters and public component. */
	bool eq = EVP_PKEY_eq(priv->pkey, pub->pkey) == 1;
	ERR_clear_error();
	return eq;
}

size_t moat_pkey_max_sig_len(const struct moat_pkey *k)
{
	if (k == NULL || k->pkey == NULL)
		return 0;
	int n = EVP_PKEY_get_size(k->pkey);
	return n > 0 ? (size_t)n : 0;
}

size_t moat_pkey_bits(const struct moat_pkey *k)
{
	if (k == NULL || k->pkey == NULL)
		return 0;
	int n = EVP_PKEY_get_bits(k->pkey);
	return n > 0 ? (size_t)n : 0;
}

/*
 * Set up ctx for one scheme. RFC 8446 §4.2.3: PSS uses MGF1 with the
 * signing digest and a salt as long as the digest; for verification
 * RSA_PSS_SALTLEN_DIGEST also makes libcrypto reject any other salt length.
 */
static int sig_init(EVP_MD_CTX *ctx, const struct moat_pkey *k, const struct sig_scheme *s, bool sign)
{
	EVP_PKEY_CTX *pctx = NULL;
	/* A PSS key whose parameters forbid this digest or salt refuses to initialise. */
	int init_err = k->type == MOAT_KEY_RSA_PSS ? MOAT_ERR_ILLEGAL_PARAMETER : MOAT_ERR_CRYPTO;

	if (sign)
		TRY_OSSL(EVP_DigestSignInit_ex(ctx, &pctx, s->md, NULL, NULL, k->pkey, NULL), init_err);
	else
		TRY_OSSL(EVP_DigestVerifyInit_ex(ctx, &pctx, s->md, NULL, NULL, k->pkey, NULL), init_err);
	if (s->kind == SIG_PSS) {
		TRY_OSSL(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), init_err);
		TRY_OSSL(EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, s->md, NULL), init_err);
		TRY_OSSL(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), init_err);
	} else if (s->kind == SIG_PKCS1) {
		TRY_OSSL(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING), MOAT_ERR_CRYPTO);
	}
	return MOAT_SUCCESS;
}

static int check_scheme(const struct moat_pkey *k, uint16_t scheme, const struct sig_scheme **out)
{
	ENSURE_REF(k);
	ENSURE(k->pkey != NULL, MOAT_ERR_INVALID_ARG);
	const struct sig_scheme *s = find_scheme(scheme);
	/* The TLS 1.2 rules are the wider set of 1.2 and 1.3; the legacy rows are TLS 1.0/1.1's. */
	ENSURE(usable_tls12(s, k->type) || usable_tls12_sha1(s, k->type) || usable_legacy(s, k->type),
	       MOAT_ERR_ILLEGAL_PARAMETER);
	*out = s;
	return MOAT_SUCCESS;
}

int moat_sig_sign_ctx_init(void *md_ctx, const struct moat_pkey *k, uint16_t scheme)
{
	const struct sig_scheme *s = NULL;

	ENSURE_REF(md_ctx);
	TRY(check_scheme(k, scheme, &s));
	int rc = sig_init(md_ctx, k, s, true);
	if (rc != MOAT_SUCCESS)
		ERR_clear_error();
	return rc;
}

int moat_sig_sign(const struct moat_pkey *k, uint16_t scheme, const uint8_t *msg, size_t msg_len, uint8_t *sig,
		  size_t *sig_len)
{
	const struct sig_scheme *s = NULL;

	TRY(check_scheme(k, scheme, &s));
	ENSURE(msg != NULL || msg_len == 0, MOAT_ERR_NULL_ARG);
	ENSURE_REF(sig);
	ENSURE_REF(sig_len);
	size_t cap = *sig_len;
	ENSURE(cap >= moat_pkey_max_sig_len(k), MOAT_ERR_BUF_FULL);

	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	int rc = sig_init(ctx, k, s, true);
	if (rc == MOAT_SUCCESS && EVP_DigestSign(ctx, sig, &cap, msg, msg_len) != 1) {
		moat_error_raise(MOAT_ERR_CRYPTO, MOAT_HERE);
		rc = MOAT_FAILURE;
	}
	EVP_MD_CTX_free(ctx);
	if (rc != MOAT_SUCCESS) {
		ERR_clear_error();
		return rc;
	}
	*sig_len = cap;
	return MOAT_SUCCESS;
}

int moat_sig_verify(const struct moat_pkey *k, uint16_t scheme, const uint8_t *msg, size_t msg_len,
		    const uint8_t *sig, size_t sig_len)
{
	const struct sig_scheme *s = NULL;

	TRY(check_scheme(k, scheme, &s));
	ENSURE(msg != NULL || msg_len == 0, MOAT_ERR_NULL_ARG);
	ENSURE_REF(sig);

	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ENSURE(ctx != NULL, MOAT_ERR_ALLOC);
	int rc = sig_init(ctx, k, s, false);
	/* RFC 8446 §4.4.3: any verification failure is decrypt_error, malformed encodings included. */
	if (rc == MOAT_SUCCESS && EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) != 1) {
		moat_error_raise(MOAT_ERR_DECRYPT_ERROR, MOAT_HERE);
		rc = MOAT_FAILURE;
	}
	EVP_MD_CTX_free(ctx);
	if (rc != MOAT_SUCCESS)
		ERR_clear_error();
	return rc;
}

/*
 * Set up ctx (EVP_PKEY_sign/verify on a digest) for one scheme: the same
 * padding, MGF1 digest and salt as sig_init, with the digest named so that
 * libcrypto checks its length and, for PKCS#1 v1.5, writes its DigestInfo
 * (none for MD5-SHA1, RFC 2246 §4.7).
 */
static int digest_init(EVP_PKEY_CTX *pctx, const struct moat_pkey *k, const struct sig_scheme *s, bool sign)
{
	int init_err = k->type == MOAT_KEY_RSA_PSS ? MOAT_ERR_ILLEGAL_PARAMETER : MOAT_ERR_CRYPTO;
	if (sign)
		TRY_OSSL(EVP_PKEY_sign_init(pctx), init_err);
	else
		TRY_OSSL(EVP_PKEY_verify_init(pctx), init_err);
	if (s->kind == SIG_PSS) {
		TRY_OSSL(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), init_err);
		TRY_OSSL(EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, s->md, NULL), init_err);
		TRY_OSSL(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), init_err);
	} else if (s->kind == SIG_PKCS1) {
		TRY_OSSL(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING), MOAT_ERR_CRYPTO);
	}
	TRY_OSSL(EVP_PKEY_CTX_set_signature_md(pctx, EVP_get_digestbyname(s->md)), init_err);
	return MOAT_SUCCESS;
}

static int check_digest_scheme(const struct moat_pkey *k, uint16_t scheme, size_t len, const struct sig_scheme **out)
{
	TRY(check_scheme(k, scheme, out));
	/* PureEdDSA has no prehashed form here; the digest must be the scheme's. */
	ENSURE((*out)->kind != SIG_EDDSA && len == (*out)->md_len, MOAT_ERR_ILLEGAL_PARAMETER);
	return MOAT_SUCCESS;
}

int moat_sig_sign_digest(const struct moat_pkey *k, uint16_t scheme, const uint8_t *digest, size_t len, uint8_t *sig,
			 size_t *sig_len)
{
	const struct sig_scheme *s = NULL;
	ENSURE_REF(digest);
	TRY(check_digest_scheme(k, scheme, len, &s));
	ENSURE_REF(sig);
	ENSURE_REF(sig_len);
	size_t cap = *sig_len;
	ENSURE(cap >= moat_pkey_max_sig_len(k), MOAT_ERR_BUF_FULL);
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(k->pkey, NULL);
	ENSURE(pctx != NULL, MOAT_ERR_ALLOC);
	int rc = digest_init(pctx, k, s, true);
	if (rc == MOAT_SUCCESS && EVP_PKEY_sign(pctx, sig, &cap, digest, len) != 1) {
		moat_error_raise(MOAT_ERR_CRYPTO, MOAT_HERE);
		rc = MOAT_FAILURE;
	}
	EVP_PKEY_CTX_free(pctx);
	if (rc != MOAT_SUCCESS) {
		ERR_clear_error();
		return rc;
	}
	*sig_len = cap;
	return MOAT_SUCCESS;
}

int moat_sig_verify_digest(const struct moat_pkey *k, uint16_t scheme, const uint8_t *digest, size_t len,
			   const uint8_t *sig, size_t sig_len)
{
	const struct sig_scheme *s = NULL;
	ENSURE_REF(digest);
	TRY(check_digest_scheme(k, scheme, len, &s));
	ENSURE_REF(sig);
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(k->pkey, NULL);
	ENSURE(pctx != NULL, MOAT_ERR_ALLOC);
	int rc = digest_init(pctx, k, s, false);
	if (rc == MOAT_SUCCESS && EVP_PKEY_verify(pctx, sig, sig_len, digest, len) != 1) {
		moat_error_raise(MOAT_ERR_DECRYPT_ERROR, MOAT_HERE);
		rc = MOAT_FAILURE;
	}
	EVP_PKEY_CTX_free(pctx);
	if (rc != MOAT_SUCCESS)
		ERR_clear_error();
	return rc;
}
