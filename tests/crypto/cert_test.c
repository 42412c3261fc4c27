/*
 * Certificate chains and trust. Every certificate is made here with
 * libcrypto (a root CA, an intermediate, leaves with chosen names, validity,
 * key usages and signature algorithms), so each verdict of moat_cert_verify
 * has a test that provokes it: success, unknown_ca, certificate_expired
 * (both directions), bad_certificate (tampered signature and body, weak
 * digest, non-CA issuer), unsupported_certificate (purpose, keyUsage, small
 * key). Also host names per RFC 6125, chain loading and its limits, key ids
 * and the leaf's signature scheme.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls/crypto/cert.h"
#include "tls/crypto/ocsp.h"
#include "tests/moat_test.h"

#define DAY 86400L
/* The same, for verification times (Unix seconds). */
#define DAY_U UINT64_C(86400)

struct cert_spec {
	const char *cn;
	const char *san;      /* subjectAltName value, or NULL for none */
	const char *ku;       /* keyUsage value; NULL: the default for CA / leaf */
	const char *eku;      /* extendedKeyUsage value; NULL: serverAuth,clientAuth for leaves */
	bool ca;              /* basicConstraints CA:TRUE */
	long not_before;      /* seconds from now */
	long not_after;
	const char *md;       /* "SHA256", ...; NULL for Ed25519 */
	bool pss;             /* sign with RSASSA-PSS */
};

static long serial_counter = 1;

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	ATF_REQUIRE_MSG(ext != NULL, "extension %d = %s", nid, value);
	ATF_REQUIRE(X509_add_ext(x, ext, -1) == 1);
	X509_EXTENSION_free(ext);
}

/* Issue a certificate for key, signed by issuer_key (issuer NULL: self-signed). */
static X509 *make_cert(const struct cert_spec *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	X509V3_CTX v3;

	ATF_REQUIRE(x != NULL);
	ATF_REQUIRE(X509_set_version(x, X509_VERSION_3) == 1);
	ATF_REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(x), serial_counter++) == 1);
	ATF_REQUIRE(X509_gmtime_adj(X509_getm_notBefore(x), s->not_before) != NULL);
	ATF_REQUIRE(X509_gmtime_adj(X509_getm_notAfter(x), s->not_after) != NULL);
	X509_NAME *name = X509_get_subject_name(x);
	ATF_REQUIRE(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"moat test", -1, -1, 0) == 1);
	ATF_REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)s->cn, -1, -1, 0) == 1);
	ATF_REQUIRE(X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name) == 1);
	ATF_REQUIRE(X509_set_pubkey(x, key) == 1);

	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	add_ext(x, &v3, NID_basic_constraints, s->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	add_ext(x, &v3, NID_key_usage, s->ku != NULL ? s->ku : s->ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	add_ext(x, &v3, NID_subject_key_identifier, "hash");
	if (!s->ca)
		add_ext(x, &v3, NID_ext_key_usage, s->eku != NULL ? s->eku : "serverAuth,clientAuth");
	if (s->san != NULL)
		add_ext(x, &v3, NID_subject_alt_name, s->san);

	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	ATF_REQUIRE(EVP_DigestSignInit_ex(mctx, &pctx, s->md, NULL, NULL, issuer_key != NULL ? issuer_key : key, NULL) == 1);
	if (s->pss) {
		ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
		ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1);
	}
	ATF_REQUIRE(X509_sign_ctx(x, mctx) > 0);
	EVP_MD_CTX_free(mctx);
	return x;
}

static EVP_PKEY *new_key(const char *alg, const char *curve_or_null, size_t rsa_bits)
{
	EVP_PKEY *k = NULL;
	if (strcmp(alg, "RSA-PSS") == 0) {
		/* EVP_PKEY_Q_keygen knows no "RSA-PSS". */
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
		ATF_REQUIRE(ctx != NULL);
		ATF_REQUIRE(EVP_PKEY_keygen_init(ctx) == 1);
		ATF_REQUIRE(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)rsa_bits) == 1);
		ATF_REQUIRE(EVP_PKEY_keygen(ctx, &k) == 1);
		EVP_PKEY_CTX_free(ctx);
	} else if (curve_or_null != NULL)
		k = EVP_PKEY_Q_keygen(NULL, NULL, alg, curve_or_null);
	else if (rsa_bits != 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, alg, rsa_bits);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, alg);
	ATF_REQUIRE(k != NULL);
	return k;
}

static EVP_PKEY *p256(void)
{
	return new_key("EC", "P-256", 0);
}

/* PEM of certificates in order, as one NUL-terminated string (free it). */
static char *pem_of(X509 *const *certs, size_t n, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	for (size_t i = 0; i < n; i++)
		ATF_REQUIRE(PEM_write_bio_X509(bio, certs[i]) == 1);
	char *data = NULL;
	long m = BIO_get_mem_data(bio, &data);
	ATF_REQUIRE(m > 0);
	char *out = malloc((size_t)m + 1);
	ATF_REQUIRE(out != NULL);
	memcpy(out, data, (size_t)m);
	out[m] = '\0';
	*len = (size_t)m;
	BIO_free(bio);
	return out;
}

static uint8_t *der_of(X509 *x, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	ATF_REQUIRE(n > 0);
	*len = (size_t)n;
	return der;
}

static void chain_add(struct moat_cert_chain *c, X509 *x)
{
	size_t len = 0;
	uint8_t *der = der_of(x, &len);
	EXPECT_OK(moat_cert_chain_add_der(c, der, len));
	OPENSSL_free(der);
}

static void store_with(struct moat_trust_store *t, X509 *root)
{
	size_t len = 0;
	char *pem = pem_of(&root, 1, &len);
	EXPECT_OK(moat_trust_store_init(t));
	EXPECT_OK(moat_trust_store_add_pem(t, pem, len));
	free(pem);
}

static uint64_t now(void)
{
	return (uint64_t)time(NULL);
}

/* A small PKI: root → intermediate → leaf, all P-256, and the default leaf names. */
struct pki {
	EVP_PKEY *root_key, *int_key, *leaf_key;
	X509 *root, *intermediate, *leaf;
	struct moat_trust_store store;
};

static const char leaf_san[] = "DNS:www.example.test,DNS:*.wild.example.test,IP:127.0.0.1";

static struct cert_spec ca_spec(const char *cn)
{
	struct cert_spec s = { .cn = cn, .ca = true, .not_before = -365 * DAY, .not_after = 3650 * DAY, .md = "SHA256" };
	return s;
}

static struct cert_spec leaf_spec(void)
{
	struct cert_spec s = { .cn = "leaf.example.test", .san = leaf_san, .not_before = -DAY, .not_after = 30 * DAY,
			       .md = "SHA256" };
	return s;
}

static void pki_init(struct pki *p)
{
	struct cert_spec root = ca_spec("moat test root");
	struct cert_spec inter = ca_spec("moat test intermediate");
	struct cert_spec leaf = leaf_spec();

	p->root_key = p256();
	p->int_key = p256();
	p->leaf_key = p256();
	p->root = make_cert(&root, p->root_key, NULL, NULL);
	p->intermediate = make_cert(&inter, p->int_key, p->root, p->root_key);
	p->leaf = make_cert(&leaf, p->leaf_key, p->intermediate, p->int_key);
	store_with(&p->store, p->root);
}

static void pki_free(struct pki *p)
{
	X509_free(p->root);
	X509_free(p->intermediate);
	X509_free(p->leaf);
	EVP_PKEY_free(p->root_key);
	EVP_PKEY_free(p->int_key);
	EVP_PKEY_free(p->leaf_key);
	moat_trust_store_free(&p->store);
	moat_trust_store_free(&p->store);
}

/* Chain leaf + intermediate from DER. */
static void pki_chain(const struct pki *p, struct moat_cert_chain *c, X509 *leaf)
{
	memset(c, 0, sizeof(*c));
	chain_add(c, leaf);
	chain_add(c, p->intermediate);
}

ATF_TC_WITHOUT_HEAD(chain_from_pem_verifies);
ATF_TC_BODY(chain_from_pem_verifies, tc)
{
	struct pki p;
	struct moat_cert_chain c;
	size_t len = 0;

	pki_init(&p);
	X509 *certs[] = { p.leaf, p.intermediate };
	char *pem = pem_of(certs, 2, &len);
	EXPECT_OK(moat_cert_chain_from_pem(&c, pem, len));
	ATF_REQUIRE_EQ(c.count, 2);
	for (size_t i = 0; i < 2; i++) {
		size_t dlen = 0;
		uint8_t *der = der_of(certs[i], &dlen);
		ATF_REQUIRE_EQ(c.der_len[i], dlen);
		ATF_REQUIRE(memcmp(c.der[i], der, dlen) == 0);
		OPENSSL_free(der);
		ATF_REQUIRE(c.x509[i] != NULL);
	}
	ATF_REQUIRE_EQ(c.leaf_key.type, MOAT_KEY_EC_P256);
	ATF_REQUIRE(EVP_PKEY_eq(c.leaf_key.pkey, p.leaf_key) == 1);

	EXPECT_OK(moat_cert_verify(&p.store, &c, true, now()));
	EXPECT_OK(moat_cert_verify(&p.store, &c, false, now()));
	moat_cert_chain_free(&c);
	moat_cert_chain_free(&c);
	ATF_REQUIRE_EQ(c.count, 0);

	/* The same chain arriving as DER in a Certificate message. */
	pki_chain(&p, &c, p.leaf);
	EXPECT_OK(moat_cert_verify(&p.store, &c, true, now()));
	/* A key in the same file as the chain is skipped. */
	BIO *bio = BIO_new(BIO_s_mem());
	ATF_REQUIRE(PEM_write_bio_PrivateKey(bio, p.leaf_key, NULL, NULL, 0, NULL, NULL) == 1);
	ATF_REQUIRE(PEM_write_bio_X509(bio, p.leaf) == 1);
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);
	struct moat_cert_chain c2;
	EXPECT_OK(moat_cert_chain_from_pem(&c2, data, (size_t)n));
	ATF_REQUIRE_EQ(c2.count, 1);
	BIO_free(bio);
	moat_cert_chain_free(&c2);

	free(pem);
	moat_cert_chain_free(&c);
	pki_free(&p);
}

ATF_TC_WITHOUT_HEAD(unknown_ca);
ATF_TC_BODY(unknown_ca, tc)
{
	struct pki p;
	struct moat_cert_chain c;
	struct moat_trust_store empty;

	pki_init(&p);

	/* A leaf from another CA. */
	struct cert_spec other = ca_spec("other root");
	struct cert_spec leaf = leaf_spec();
	EVP_PKEY *other_key = p256();
	X509 *other_root = make_cert(&other, other_key, NULL, NULL);
	X509 *untrusted = make_cert(&leaf, p.leaf_key, other_root, other_key);
	memset(&c, 0, sizeof(c));
	chain_add(&c, untrusted);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_UNKNOWN_CA);
	/* Sending the other root along does not make it trusted. */
	chain_add(&c, other_root);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_UNKNOWN_CA);
	moat_cert_chain_free(&c);

	/* A self-signed leaf. */
	X509 *self = make_cert(&leaf, p.leaf_key, NULL, NULL);
	chain_add(&c, self);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_UNKNOWN_CA);
	moat_cert_chain_free(&c);

	/* The right leaf without its intermediate. */
	chain_add(&c, p.leaf);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_UNKNOWN_CA);
	moat_cert_chain_free(&c);

	/* The full chain against an empty store, then a wiped one. */
	pki_chain(&p, &c, p.leaf);
	EXPECT_OK(moat_trust_store_init(&empty));
	EXPECT_ERR(moat_cert_verify(&empty, &c, true, now()), MOAT_ERR_UNKNOWN_CA);
	EXPECT_OK(moat_cert_verify(&p.store, &c, true, now()));
	moat_trust_store_wipe(&p.store);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_UNKNOWN_CA);
	moat_trust_store_free(&empty);

	/* Misuse: empty chain, store never initialised. */
	struct moat_cert_chain none;
	memset(&none, 0, sizeof(none));
	EXPECT_ERR(moat_cert_verify(&p.store, &none, true, now()), MOAT_ERR_CERTIFICATE_REQUIRED);
	EXPECT_ERR(moat_cert_verify(&empty, &c, true, now()), MOAT_ERR_INVALID_STATE);

	moat_cert_chain_free(&c);
	X509_free(self);
	X509_free(untrusted);
	X509_free(other_root);
	EVP_PKEY_free(other_key);
	pki_free(&p);
}

ATF_TC_WITHOUT_HEAD(expired_and_not_yet_valid);
ATF_TC_BODY(expired_and_not_yet_valid, tc)
{
	struct pki p;
	struct moat_cert_chain c;

	pki_init(&p);
	pki_chain(&p, &c, p.leaf);
	/* The leaf is valid for 30 days from yesterday. */
	EXPECT_OK(moat_cert_verify(&p.store, &c, true, now() + 29 * DAY_U));
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now() + 31 * DAY_U), MOAT_ERR_CERTIFICATE_EXPIRED);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now() + 20 * 365 * DAY_U), MOAT_ERR_CERTIFICATE_EXPIRED);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now() - 2 * DAY_U), MOAT_ERR_CERTIFICATE_EXPIRED);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, 0), MOAT_ERR_CERTIFICATE_EXPIRED);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, UINT64_MAX), MOAT_ERR_INVALID_ARG);
	moat_cert_chain_free(&c);

	/* A leaf that expired yesterday, and one valid only from tomorrow, checked now. */
	struct cert_spec expired = leaf_spec();
	expired.not_before = -30 * DAY;
	expired.not_after = -DAY;
	X509 *old = make_cert(&expired, p.leaf_key, p.intermediate, p.int_key);
	pki_chain(&p, &c, old);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_CERTIFICATE_EXPIRED);
	EXPECT_OK(moat_cert_verify(&p.store, &c, true, now() - 2 * DAY_U));
	moat_cert_chain_free(&c);

	struct cert_spec future = leaf_spec();
	future.not_before = DAY;
	X509 *young = make_cert(&future, p.leaf_key, p.intermediate, p.int_key);
	pki_chain(&p, &c, young);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_CERTIFICATE_EXPIRED);
	EXPECT_OK(moat_cert_verify(&p.store, &c, true, now() + 2 * DAY_U));
	moat_cert_chain_free(&c);

	X509_free(old);
	X509_free(young);
	pki_free(&p);
}

/* Flip one bit of a certificate's DER at pos and check the verdict. */
static void check_tampered(const struct pki *p, size_t pos, int want)
{
	struct moat_cert_chain c;
	size_t len = 0;
	uint8_t *der = der_of(p->leaf, &len);
	ATF_REQUIRE(pos < len);
	der[pos] ^= 0x01;
	memset(&c, 0, sizeof(c));
	EXPECT_OK(moat_cert_chain_add_der(&c, der, len));
	chain_add(&c, p->intermediate);
	EXPECT_ERR(moat_cert_verify(&p->store, &c, true, now()), want);
	moat_cert_chain_free(&c);
	OPENSSL_free(der);
}

ATF_TC_WITHOUT_HEAD(bad_certificate);
ATF_TC_BODY(bad_certificate, tc)
{
	struct pki p;
	struct moat_cert_chain c;

	pki_init(&p);

	/* The last byte is inside the ECDSA signature's s value; the CN is inside the signed body. */
	size_t len = 0;
	uint8_t *der = der_of(p.leaf, &len);
	check_tampered(&p, len - 1, MOAT_ERR_BAD_CERTIFICATE);
	uint8_t *cn = memmem(der, len, "leaf.example.test", 17);
	ATF_REQUIRE(cn != NULL);
	check_tampered(&p, (size_t)(cn - der), MOAT_ERR_BAD_CERTIFICATE);
	OPENSSL_free(der);

	/* An issuer that is not a CA. */
	struct cert_spec not_ca = leaf_spec();
	not_ca.cn = "not a ca";
	X509 *fake_int = make_cert(&not_ca, p.int_key, p.root, p.root_key);
	struct cert_spec leaf = leaf_spec();
	X509 *leaf2 = make_cert(&leaf, p.leaf_key, fake_int, p.int_key);
	memset(&c, 0, sizeof(c));
	chain_add(&c, leaf2);
	chain_add(&c, fake_int);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_BAD_CERTIFICATE);
	moat_cert_chain_free(&c);

	/* A SHA-1 signature below the root is too weak (security level 2). */
	struct cert_spec sha1 = leaf_spec();
	sha1.md = "SHA1";
	X509 *weak = make_cert(&sha1, p.leaf_key, p.intermediate, p.int_key);
	pki_chain(&p, &c, weak);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_BAD_CERTIFICATE);
	moat_cert_chain_free(&c);

	X509_free(weak);
	X509_free(leaf2);
	X509_free(fake_int);
	pki_free(&p);
}

ATF_TC_WITHOUT_HEAD(unsupported_certificate);
ATF_TC_BODY(unsupported_certificate, tc)
{
	struct pki p;
	struct moat_cert_chain c;

	pki_init(&p);

	/* serverAuth only: good for a server, not for a client, and the reverse. */
	struct cert_spec server_only = leaf_spec();
	server_only.eku = "serverAuth";
	X509 *srv = make_cert(&server_only, p.leaf_key, p.intermediate, p.int_key);
	pki_chain(&p, &c, srv);
	EXPECT_OK(moat_cert_verify(&p.store, &c, true, now()));
	EXPECT_ERR(moat_cert_verify(&p.store, &c, false, now()), MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	moat_cert_chain_free(&c);

	struct cert_spec client_only = leaf_spec();
	client_only.eku = "clientAuth";
	X509 *cli = make_cert(&client_only, p.leaf_key, p.intermediate, p.int_key);
	pki_chain(&p, &c, cli);
	EXPECT_OK(moat_cert_verify(&p.store, &c, false, now()));
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	moat_cert_chain_free(&c);

	/* RFC 8446 §4.4.2.2: keyUsage without digitalSignature cannot sign CertificateVerify. */
	struct cert_spec kx_only = leaf_spec();
	kx_only.ku = "critical,keyAgreement";
	X509 *kx = make_cert(&kx_only, p.leaf_key, p.intermediate, p.int_key);
	pki_chain(&p, &c, kx);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	moat_cert_chain_free(&c);

	/* A 1024-bit RSA leaf is below security level 2. */
	struct cert_spec plain = leaf_spec();
	EVP_PKEY *small = new_key("RSA", NULL, 1024);
	X509 *weak = make_cert(&plain, small, p.intermediate, p.int_key);
	pki_chain(&p, &c, weak);
	ATF_REQUIRE_EQ(c.leaf_key.type, MOAT_KEY_RSA);
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	moat_cert_chain_free(&c);

	/* A leaf key moat cannot sign with is refused when the chain is built. */
	EVP_PKEY *k1 = new_key("EC", "secp256k1", 0);
	X509 *odd = make_cert(&plain, k1, p.intermediate, p.int_key);
	size_t len = 0;
	uint8_t *der = der_of(odd, &len);
	memset(&c, 0, sizeof(c));
	EXPECT_ERR(moat_cert_chain_add_der(&c, der, len), MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	ATF_REQUIRE_EQ(c.count, 0);
	size_t pem_len = 0;
	char *pem = pem_of(&odd, 1, &pem_len);
	EXPECT_ERR(moat_cert_chain_from_pem(&c, pem, pem_len), MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	ATF_REQUIRE_EQ(c.count, 0);
	/* As an intermediate it is merely carried. */
	chain_add(&c, p.leaf);
	EXPECT_OK(moat_cert_chain_add_der(&c, der, len));
	moat_cert_chain_free(&c);
	free(pem);
	OPENSSL_free(der);

	X509_free(odd);
	EVP_PKEY_free(k1);
	X509_free(weak);
	EVP_PKEY_free(small);
	X509_free(kx);
	X509_free(cli);
	X509_free(srv);
	pki_free(&p);
}

ATF_TC_WITHOUT_HEAD(check_host_rules);
ATF_TC_BODY(check_host_rules, tc)
{
	struct pki p;
	struct moat_cert_chain c;

	pki_init(&p);
	pki_chain(&p, &c, p.leaf);

	static const char *const match[] = {
		"www.example.test", "WWW.Example.TEST", "foo.wild.example.test", "x.wild.example.test",
		"127.0.0.1",
	};
	static const char *const mismatch[] = {
		"example.test",             /* not listed */
		"leaf.example.test",        /* the CN is ignored when there is a DNS SAN */
		"wild.example.test",        /* the wildcard needs a label */
		"a.b.wild.example.test",    /* and matches exactly one */
		"www.example.test.evil",
		"wwww.example.test",
		"ww.example.test",
		"127.0.0.2",
		"::1",
		"127.0.0.01",
		"www.example.test..",
	};
	for (size_t i = 0; i < sizeof(match) / sizeof(match[0]); i++) {
		moat_error_clear();
		ATF_REQUIRE_MSG(moat_cert_check_host(&c, match[i]) == MOAT_SUCCESS, "%s should match", match[i]);
	}
	for (size_t i = 0; i < sizeof(mismatch) / sizeof(mismatch[0]); i++) {
		moat_error_clear();
		ATF_REQUIRE_MSG(moat_cert_check_host(&c, mismatch[i]) == MOAT_FAILURE, "%s should not match", mismatch[i]);
		ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_BAD_CERTIFICATE);
	}
	/* Not host names: a reference identifier with a wildcard, empty labels, odd characters. */
	static const char *const invalid[] = {
		"", ".", "*.wild.example.test", ".wild.example.test", "www..example.test", "www.example.test\\",
		"www.example.test/", "[::1]", "www example.test", "www.ex\xc3\xa4mple.test",
	};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		moat_error_clear();
		ATF_REQUIRE_MSG(moat_cert_check_host(&c, invalid[i]) == MOAT_FAILURE, "%s accepted", invalid[i]);
		ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_INVALID_ARG);
	}
	/* An absolute name (trailing dot) is the same name. */
	EXPECT_OK(moat_cert_check_host(&c, "www.example.test."));
	EXPECT_OK(moat_cert_check_host(&c, "foo.wild.example.test."));
	EXPECT_ERR(moat_cert_check_host(&c, NULL), MOAT_ERR_NULL_ARG);
	moat_cert_chain_free(&c);

	/* Partial wildcards, an IP written as a DNS name, IPv6, and a wildcard on a single label. */
	struct cert_spec odd = leaf_spec();
	odd.san = "DNS:f*.partial.test,DNS:10.0.0.1,DNS:*.test,IP:2001:db8::1";
	X509 *x = make_cert(&odd, p.leaf_key, p.intermediate, p.int_key);
	pki_chain(&p, &c, x);
	EXPECT_ERR(moat_cert_check_host(&c, "foo.partial.test"), MOAT_ERR_BAD_CERTIFICATE);
	EXPECT_ERR(moat_cert_check_host(&c, "f.partial.test"), MOAT_ERR_BAD_CERTIFICATE);
	EXPECT_ERR(moat_cert_check_host(&c, "10.0.0.1"), MOAT_ERR_BAD_CERTIFICATE);
	EXPECT_ERR(moat_cert_check_host(&c, "example.test"), MOAT_ERR_BAD_CERTIFICATE);
	EXPECT_OK(moat_cert_check_host(&c, "2001:db8::1"));
	EXPECT_OK(moat_cert_check_host(&c, "2001:0db8:0:0::1"));
	EXPECT_ERR(moat_cert_check_host(&c, "2001:db8::2"), MOAT_ERR_BAD_CERTIFICATE);
	moat_cert_chain_free(&c);

	/* No SAN at all: the CN is the name. */
	struct cert_spec cn_only = leaf_spec();
	cn_only.san = NULL;
	X509 *y = make_cert(&cn_only, p.leaf_key, p.intermediate, p.int_key);
	pki_chain(&p, &c, y);
	EXPECT_OK(moat_cert_check_host(&c, "leaf.example.test"));
	EXPECT_ERR(moat_cert_check_host(&c, "www.example.test"), MOAT_ERR_BAD_CERTIFICATE);
	moat_cert_chain_free(&c);

	X509_free(x);
	X509_free(y);
	pki_free(&p);
}

ATF_TC_WITHOUT_HEAD(add_der_and_pem_errors);
ATF_TC_BODY(add_der_and_pem_errors, tc)
{
	struct pki p;
	struct moat_cert_chain c;
	size_t len = 0;

	pki_init(&p);
	memset(&c, 0, sizeof(c));
	static const uint8_t garbage[] = { 0x30, 0x82, 0x01, 0x00, 0xde, 0xad, 0xbe, 0xef };
	EXPECT_ERR(moat_cert_chain_add_der(&c, garbage, sizeof(garbage)), MOAT_ERR_BAD_CERTIFICATE);
	EXPECT_ERR(moat_cert_chain_add_der(&c, (const uint8_t *)"hello", 5), MOAT_ERR_BAD_CERTIFICATE);
	EXPECT_ERR(moat_cert_chain_add_der(&c, garbage, 0), MOAT_ERR_BAD_CERTIFICATE);
	EXPECT_ERR(moat_cert_chain_add_der(&c, NULL, 10), MOAT_ERR_BAD_CERTIFICATE);

	uint8_t *der = der_of(p.leaf, &len);
	uint8_t *longer = malloc(len + 1);
	ATF_REQUIRE(longer != NULL);
	memcpy(longer, der, len);
	longer[len] = 0;
	EXPECT_ERR(moat_cert_chain_add_der(&c, der, len - 1), MOAT_ERR_BAD_CERTIFICATE);
	EXPECT_ERR(moat_cert_chain_add_der(&c, longer, len + 1), MOAT_ERR_BAD_CERTIFICATE);
	ATF_REQUIRE_EQ(c.count, 0);
	ATF_REQUIRE(c.leaf_key.pkey == NULL);

	/* The chain length cap. */
	for (size_t i = 0; i < MOAT_MAX_CHAIN_LEN; i++)
		EXPECT_OK(moat_cert_chain_add_der(&c, der, len));
	ATF_REQUIRE_EQ(c.count, MOAT_MAX_CHAIN_LEN);
	EXPECT_ERR(moat_cert_chain_add_der(&c, der, len), MOAT_ERR_BAD_CERTIFICATE);
	ATF_REQUIRE_EQ(c.count, MOAT_MAX_CHAIN_LEN);
	moat_cert_chain_free(&c);

	X509 *many[MOAT_MAX_CHAIN_LEN + 1];
	for (size_t i = 0; i < MOAT_MAX_CHAIN_LEN + 1; i++)
		many[i] = p.leaf;
	char *pem = pem_of(many, MOAT_MAX_CHAIN_LEN, &len);
	EXPECT_OK(moat_cert_chain_from_pem(&c, pem, len));
	ATF_REQUIRE_EQ(c.count, MOAT_MAX_CHAIN_LEN);
	moat_cert_chain_free(&c);
	free(pem);
	pem = pem_of(many, MOAT_MAX_CHAIN_LEN + 1, &len);
	EXPECT_ERR(moat_cert_chain_from_pem(&c, pem, len), MOAT_ERR_INVALID_PEM);
	ATF_REQUIRE_EQ(c.count, 0);
	free(pem);

	/* PEM failures: garbage, nothing, a key only, a corrupt second certificate. */
	static const char junk[] = "not pem at all\n";
	EXPECT_ERR(moat_cert_chain_from_pem(&c, junk, sizeof(junk) - 1), MOAT_ERR_INVALID_PEM);
	EXPECT_ERR(moat_cert_chain_from_pem(&c, junk, 0), MOAT_ERR_INVALID_PEM);
	BIO *bio = BIO_new(BIO_s_mem());
	ATF_REQUIRE(PEM_write_bio_PrivateKey(bio, p.leaf_key, NULL, NULL, 0, NULL, NULL) == 1);
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);
	EXPECT_ERR(moat_cert_chain_from_pem(&c, data, (size_t)n), MOAT_ERR_INVALID_PEM);
	BIO_free(bio);
	X509 *two[] = { p.leaf, p.intermediate };
	pem = pem_of(two, 2, &len);
	char *second = strstr(pem + 1, "-----BEGIN CERTIFICATE-----");
	ATF_REQUIRE(second != NULL);
	second[40] = '!';
	EXPECT_ERR(moat_cert_chain_from_pem(&c, pem, len), MOAT_ERR_INVALID_PEM);
	ATF_REQUIRE_EQ(c.count, 0);
	free(pem);

	free(longer);
	OPENSSL_free(der);
	pki_free(&p);
}

ATF_TC_WITHOUT_HEAD(spki_sha256_key_id);
ATF_TC_BODY(spki_sha256_key_id, tc)
{
	struct pki p;
	struct moat_cert_chain c;
	struct moat_pkey priv;
	uint8_t id[32], id2[32], want[32];
	unsigned char *spki = NULL;
	unsigned int md_len = 0;

	pki_init(&p);
	pki_chain(&p, &c, p.leaf);
	int n = i2d_PUBKEY(p.leaf_key, &spki);
	ATF_REQUIRE(n > 0);
	ATF_REQUIRE(EVP_Digest(spki, (size_t)n, want, &md_len, EVP_sha256(), NULL) == 1);
	OPENSSL_free(spki);

	EXPECT_OK(moat_cert_spki_sha256(&c, id));
	ATF_REQUIRE(memcmp(id, want, 32) == 0);
	/* keyd computes the id from the private key: the same. */
	EXPECT_OK(moat_pkey_wrap(&priv, p.leaf_key));
	EXPECT_OK(moat_pkey_spki_sha256(&priv, id2));
	ATF_REQUIRE(memcmp(id2, want, 32) == 0);
	/* Another certificate's key gives another id. */
	struct moat_cert_chain other;
	memset(&other, 0, sizeof(other));
	chain_add(&other, p.intermediate);
	EXPECT_OK(moat_cert_spki_sha256(&other, id2));
	ATF_REQUIRE(memcmp(id2, want, 32) != 0);

	struct moat_cert_chain none;
	memset(&none, 0, sizeof(none));
	EXPECT_ERR(moat_cert_spki_sha256(&none, id), MOAT_ERR_INVALID_ARG);

	moat_cert_chain_free(&other);
	moat_pkey_free(&priv);
	moat_cert_chain_free(&c);
	pki_free(&p);
}

struct names {
	size_t n;
	size_t fail_at;    /* 1-based call that fails; 0 never */
	char v[8][80];
};

static int collect(const char *name, size_t len, void *arg)
{
	struct names *ns = arg;
	ATF_REQUIRE(ns->n < 8 && len < sizeof(ns->v[0]));
	ATF_REQUIRE(name[len] == '\0' && strlen(name) == len);
	memcpy(ns->v[ns->n], name, len + 1);
	ns->n++;
	if (ns->fail_at == ns->n)
		BAIL(MOAT_ERR_CALLBACK_FAILED);
	return MOAT_SUCCESS;
}

static void names_of(X509 *x, struct names *ns, size_t fail_at)
{
	struct moat_cert_chain c;
	memset(ns, 0, sizeof(*ns));
	ns->fail_at = fail_at;
	memset(&c, 0, sizeof(c));
	chain_add(&c, x);
	if (fail_at == 0)
		EXPECT_OK(moat_cert_for_each_dns_name(&c, collect, ns));
	else
		EXPECT_ERR(moat_cert_for_each_dns_name(&c, collect, ns), MOAT_ERR_CALLBACK_FAILED);
	moat_cert_chain_free(&c);
}

ATF_TC_WITHOUT_HEAD(dns_name_iteration);
ATF_TC_BODY(dns_name_iteration, tc)
{
	struct pki p;
	struct names ns;

	pki_init(&p);
	names_of(p.leaf, &ns, 0);
	ATF_REQUIRE_EQ(ns.n, 2);
	ATF_REQUIRE_STREQ(ns.v[0], "www.example.test");
	ATF_REQUIRE_STREQ(ns.v[1], "*.wild.example.test");

	/* fn failing stops the walk and the failure comes back. */
	names_of(p.leaf, &ns, 1);
	ATF_REQUIRE_EQ(ns.n, 1);

	/* No SAN: the CN. */
	struct cert_spec cn_only = leaf_spec();
	cn_only.san = NULL;
	X509 *a = make_cert(&cn_only, p.leaf_key, p.intermediate, p.int_key);
	names_of(a, &ns, 0);
	ATF_REQUIRE_EQ(ns.n, 1);
	ATF_REQUIRE_STREQ(ns.v[0], "leaf.example.test");

	/* A SAN with only an address: the CN still stands (RFC 6125 §6.4.4). */
	struct cert_spec ip_only = leaf_spec();
	ip_only.san = "IP:192.0.2.1,email:admin@example.test";
	X509 *b = make_cert(&ip_only, p.leaf_key, p.intermediate, p.int_key);
	names_of(b, &ns, 0);
	ATF_REQUIRE_EQ(ns.n, 1);
	ATF_REQUIRE_STREQ(ns.v[0], "leaf.example.test");

	struct moat_cert_chain none;
	memset(&none, 0, sizeof(none));
	EXPECT_ERR(moat_cert_for_each_dns_name(&none, collect, &ns), MOAT_ERR_INVALID_ARG);

	X509_free(a);
	X509_free(b);
	pki_free(&p);
}

/* The leaf's signature as a SignatureScheme, for each issuer key and digest. */
static uint16_t scheme_of_leaf(EVP_PKEY *issuer_key, const char *md, bool pss)
{
	struct cert_spec ca = ca_spec("issuer");
	ca.md = md;
	ca.pss = pss;
	struct cert_spec leaf = leaf_spec();
	leaf.md = md;
	leaf.pss = pss;
	EVP_PKEY *leaf_key = p256();
	X509 *issuer = make_cert(&ca, issuer_key, NULL, NULL);
	X509 *x = make_cert(&leaf, leaf_key, issuer, issuer_key);
	struct moat_cert_chain c;
	memset(&c, 0, sizeof(c));
	chain_add(&c, x);
	chain_add(&c, issuer);
	uint16_t scheme = moat_cert_leaf_sig_scheme(&c);
	moat_cert_chain_free(&c);
	X509_free(x);
	X509_free(issuer);
	EVP_PKEY_free(leaf_key);
	return scheme;
}

ATF_TC_WITHOUT_HEAD(leaf_signature_scheme);
ATF_TC_BODY(leaf_signature_scheme, tc)
{
	EVP_PKEY *ec256 = p256();
	EVP_PKEY *ec384 = new_key("EC", "P-384", 0);
	EVP_PKEY *rsa = new_key("RSA", NULL, 2048);
	EVP_PKEY *rsa_pss = new_key("RSA-PSS", NULL, 2048);
	EVP_PKEY *ed = new_key("ED25519", NULL, 0);

	ATF_REQUIRE_EQ(scheme_of_leaf(ec256, "SHA256", false), MOAT_SIG_ECDSA_SECP256R1_SHA256);
	ATF_REQUIRE_EQ(scheme_of_leaf(ec384, "SHA384", false), MOAT_SIG_ECDSA_SECP384R1_SHA384);
	ATF_REQUIRE_EQ(scheme_of_leaf(rsa, "SHA256", false), MOAT_SIG_RSA_PKCS1_SHA256);
	ATF_REQUIRE_EQ(scheme_of_leaf(rsa, "SHA512", false), MOAT_SIG_RSA_PKCS1_SHA512);
	ATF_REQUIRE_EQ(scheme_of_leaf(rsa, "SHA1", false), MOAT_SIG_RSA_PKCS1_SHA1);
	ATF_REQUIRE_EQ(scheme_of_leaf(rsa, "SHA256", true), MOAT_SIG_RSA_PSS_RSAE_SHA256);
	ATF_REQUIRE_EQ(scheme_of_leaf(rsa, "SHA384", true), MOAT_SIG_RSA_PSS_RSAE_SHA384);
	ATF_REQUIRE_EQ(scheme_of_leaf(rsa_pss, "SHA256", true), MOAT_SIG_RSA_PSS_PSS_SHA256);
	ATF_REQUIRE_EQ(scheme_of_leaf(ed, NULL, false), MOAT_SIG_ED25519);

	/* A self-signed RSA-PSS-key certificate alone: the issuer is the leaf itself. */
	struct cert_spec self = ca_spec("self");
	self.pss = true;
	X509 *x = make_cert(&self, rsa_pss, NULL, NULL);
	struct moat_cert_chain c;
	memset(&c, 0, sizeof(c));
	ATF_REQUIRE_EQ(moat_cert_leaf_sig_scheme(&c), 0);
	chain_add(&c, x);
	ATF_REQUIRE_EQ(c.leaf_key.type, MOAT_KEY_RSA_PSS);
	ATF_REQUIRE_EQ(moat_cert_leaf_sig_scheme(&c), MOAT_SIG_RSA_PSS_PSS_SHA256);
	moat_cert_chain_free(&c);
	X509_free(x);

	EVP_PKEY_free(ec256);
	EVP_PKEY_free(ec384);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa_pss);
	EVP_PKEY_free(ed);
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");
	ATF_REQUIRE(f != NULL);
	ATF_REQUIRE(fwrite(data, 1, len, f) == len);
	ATF_REQUIRE(fclose(f) == 0);
}

ATF_TC_WITHOUT_HEAD(trust_store_locations);
ATF_TC_BODY(trust_store_locations, tc)
{
	struct pki p;
	struct moat_cert_chain c;
	struct moat_trust_store t;
	char dir[] = "/tmp/moat-cert-test-XXXXXX";
	char file[128], hashed_dir[128], hashed[192], empty_file[128];
	size_t len = 0;

	pki_init(&p);
	pki_chain(&p, &c, p.leaf);
	ATF_REQUIRE(mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/ca.pem", dir);
	snprintf(empty_file, sizeof(empty_file), "%s/empty.pem", dir);
	snprintf(hashed_dir, sizeof(hashed_dir), "%s/certs", dir);
	ATF_REQUIRE(mkdir(hashed_dir, 0700) == 0);
	/* The c_rehash layout: <subject hash>.0 */
	snprintf(hashed, sizeof(hashed), "%s/%08lx.0", hashed_dir, X509_subject_name_hash(p.root));
	char *pem = pem_of(&p.root, 1, &len);
	write_file(file, pem, len);
	write_file(hashed, pem, len);
	write_file(empty_file, "nothing\n", 8);

	EXPECT_OK(moat_trust_store_init(&t));
	EXPECT_ERR(moat_cert_verify(&t, &c, true, now()), MOAT_ERR_UNKNOWN_CA);
	EXPECT_OK(moat_trust_store_load_location(&t, file, NULL));
	EXPECT_OK(moat_cert_verify(&t, &c, true, now()));
	moat_trust_store_wipe(&t);
	EXPECT_ERR(moat_cert_verify(&t, &c, true, now()), MOAT_ERR_UNKNOWN_CA);
	EXPECT_OK(moat_trust_store_load_location(&t, NULL, hashed_dir));
	EXPECT_OK(moat_cert_verify(&t, &c, true, now()));
	moat_trust_store_wipe(&t);

	EXPECT_ERR(moat_trust_store_load_location(&t, "/nonexistent/ca.pem", NULL), MOAT_ERR_FILE);
	EXPECT_ERR(moat_trust_store_load_location(&t, NULL, "/nonexistent/certs"), MOAT_ERR_FILE);
	EXPECT_ERR(moat_trust_store_load_location(&t, empty_file, NULL), MOAT_ERR_FILE);
	EXPECT_ERR(moat_trust_store_load_location(&t, NULL, file), MOAT_ERR_FILE);
	EXPECT_ERR(moat_trust_store_load_location(&t, NULL, NULL), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_trust_store_add_pem(&t, "junk", 4), MOAT_ERR_INVALID_PEM);
	EXPECT_ERR(moat_trust_store_add_pem(&t, pem, 0), MOAT_ERR_INVALID_PEM);
	EXPECT_ERR(moat_cert_verify(&t, &c, true, now()), MOAT_ERR_UNKNOWN_CA);
	/* Adding the same root twice is fine. */
	EXPECT_OK(moat_trust_store_add_pem(&t, pem, len));
	EXPECT_OK(moat_trust_store_add_pem(&t, pem, len));
	EXPECT_OK(moat_cert_verify(&t, &c, true, now()));
	/* The system store loads (whatever it holds) and does not trust our test root's leaf by itself. */
	struct moat_trust_store sys;
	EXPECT_OK(moat_trust_store_init(&sys));
	EXPECT_OK(moat_trust_store_load_system(&sys));
	EXPECT_ERR(moat_cert_verify(&sys, &c, true, now()), MOAT_ERR_UNKNOWN_CA);
	moat_trust_store_free(&sys);

	moat_trust_store_free(&t);
	moat_trust_store_free(&t);
	EXPECT_ERR(moat_trust_store_add_pem(&t, pem, len), MOAT_ERR_INVALID_STATE);
	free(pem);
	unlink(hashed);
	unlink(file);
	unlink(empty_file);
	rmdir(hashed_dir);
	rmdir(dir);
	moat_cert_chain_free(&c);
	pki_free(&p);
}

/* The subject as text for logs and PROXY headers: RFC 2253 order, control and non-ASCII bytes escaped. */
ATF_TC_WITHOUT_HEAD(subject_text);
ATF_TC_BODY(subject_text, tc)
{
	struct pki p;
	pki_init(&p);
	size_t len;
	uint8_t *der = der_of(p.leaf, &len);
	char out[256], cn[64];
	EXPECT_OK(moat_cert_der_subject(der, len, out, sizeof(out)));
	ATF_CHECK_STREQ(out, "CN=leaf.example.test,O=moat test");
	EXPECT_OK(moat_cert_der_common_name(der, len, cn, sizeof(cn)));
	ATF_CHECK_STREQ(cn, "leaf.example.test");
	/* Too small a buffer, a truncated or padded certificate. */
	EXPECT_ERR(moat_cert_der_subject(der, len, out, 10), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_cert_der_subject(der, len - 1, out, sizeof(out)), MOAT_ERR_BAD_CERTIFICATE);
	ATF_CHECK_STREQ(out, "");
	free(der);

	/* A hostile CN: a newline, a quote, a comma and UTF-8 come out as escapes, never raw. */
	struct cert_spec hostile = leaf_spec();
	hostile.cn = "evil\n\"x\",y\xc3\xa9";
	X509 *x = make_cert(&hostile, p.leaf_key, p.intermediate, p.int_key);
	der = der_of(x, &len);
	EXPECT_OK(moat_cert_der_subject(der, len, out, sizeof(out)));
	EXPECT_OK(moat_cert_der_common_name(der, len, cn, sizeof(cn)));
	for (const char *s = out; *s != '\0'; s++)
		ATF_REQUIRE_MSG(*s >= 0x20 && *s < 0x7f, "raw byte 0x%02x in \"%s\"", (unsigned char)*s, out);
	for (const char *s = cn; *s != '\0'; s++)
		ATF_REQUIRE_MSG(*s >= 0x20 && *s < 0x7f, "raw byte 0x%02x in \"%s\"", (unsigned char)*s, cn);
	ATF_CHECK_MSG(strstr(out, "\\,y") != NULL, "comma not escaped: %s", out);
	free(der);
	X509_free(x);
	pki_free(&p);
}

/* max_depth counts the intermediates: root, two intermediates and a leaf need 2. */
ATF_TC_WITHOUT_HEAD(chain_depth);
ATF_TC_BODY(chain_depth, tc)
{
	struct pki p;
	pki_init(&p);
	struct cert_spec inter2_spec = ca_spec("moat test intermediate 2");
	EVP_PKEY *k2 = p256();
	X509 *inter2 = make_cert(&inter2_spec, k2, p.intermediate, p.int_key);
	struct cert_spec leaf = leaf_spec();
	X509 *deep = make_cert(&leaf, p.leaf_key, inter2, k2);
	struct moat_cert_chain c;
	memset(&c, 0, sizeof(c));
	chain_add(&c, deep);
	chain_add(&c, inter2);
	chain_add(&c, p.intermediate);

	EXPECT_OK(moat_cert_verify(&p.store, &c, true, now())); /* 0: libcrypto's default of 100 */
	p.store.max_depth = 2;
	EXPECT_OK(moat_cert_verify(&p.store, &c, true, now()));
	p.store.max_depth = 1;
	EXPECT_ERR(moat_cert_verify(&p.store, &c, true, now()), MOAT_ERR_BAD_CERTIFICATE);
	/* The usual chain (one intermediate) still fits 1. */
	struct moat_cert_chain shallow;
	pki_chain(&p, &shallow, p.leaf);
	EXPECT_OK(moat_cert_verify(&p.store, &shallow, true, now()));

	moat_cert_chain_free(&c);
	moat_cert_chain_free(&shallow);
	X509_free(deep);
	X509_free(inter2);
	EVP_PKEY_free(k2);
	pki_free(&p);
}

/* A CRL from the intermediate that revokes one leaf: that leaf is certificate_revoked, another passes. */
ATF_TC_WITHOUT_HEAD(crl_check);
ATF_TC_BODY(crl_check, tc)
{
	struct pki p;
	pki_init(&p);
	struct cert_spec other_spec = leaf_spec();
	other_spec.cn = "other.example.test";
	X509 *other = make_cert(&other_spec, p.leaf_key, p.intermediate, p.int_key);

	X509_CRL *crl = X509_CRL_new();
	ATF_REQUIRE(crl != NULL && X509_CRL_set_version(crl, X509_CRL_VERSION_2) == 1);
	ATF_REQUIRE(X509_CRL_set_issuer_name(crl, X509_get_subject_name(p.intermediate)) == 1);
	ASN1_TIME *t = X509_gmtime_adj(NULL, -DAY);
	ATF_REQUIRE(X509_CRL_set1_lastUpdate(crl, t) == 1);
	ASN1_TIME_free(t);
	t = X509_gmtime_adj(NULL, 7 * DAY);
	ATF_REQUIRE(X509_CRL_set1_nextUpdate(crl, t) == 1);
	ASN1_TIME_free(t);
	X509_REVOKED *r = X509_REVOKED_new();
	ATF_REQUIRE(X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(p.leaf)) == 1);
	t = X509_gmtime_adj(NULL, -DAY);
	ATF_REQUIRE(X509_REVOKED_set_revocationDate(r, t) == 1);
	ASN1_TIME_free(t);
	ATF_REQUIRE(X509_CRL_add0_revoked(crl, r) == 1);
	ATF_REQUIRE(X509_CRL_sign(crl, p.int_key, EVP_sha256()) > 0);
	BIO *bio = BIO_new(BIO_s_mem());
	ATF_REQUIRE(PEM_write_bio_X509_CRL(bio, crl) == 1);
	char *pem;
	long n = BIO_get_mem_data(bio, &pem);

	struct moat_cert_chain revoked, fine;
	pki_chain(&p, &revoked, p.leaf);
	pki_chain(&p, &fine, other);
	EXPECT_OK(moat_cert_verify(&p.store, &revoked, true, now()));
	EXPECT_ERR(moat_trust_store_add_crl_pem(&p.store, "no CRL here", 11), MOAT_ERR_INVALID_PEM);
	EXPECT_OK(moat_trust_store_add_crl_pem(&p.store, pem, (size_t)n));
	EXPECT_ERR(moat_cert_verify(&p.store, &revoked, true, now()), MOAT_ERR_CERTIFICATE_REVOKED);
	EXPECT_OK(moat_cert_verify(&p.store, &fine, true, now()));
	/* After the CRL's nextUpdate it is stale: no leaf passes. */
	EXPECT_ERR(moat_cert_verify(&p.store, &fine, true, now() + 8 * DAY_U), MOAT_ERR_CERTIFICATE_UNKNOWN);
	/* Wiping the store forgets the CRLs and the check. */
	moat_trust_store_wipe(&p.store);
	ATF_CHECK(!p.store.crl_check);

	BIO_free(bio);
	X509_CRL_free(crl);
	X509_free(other);
	moat_cert_chain_free(&revoked);
	moat_cert_chain_free(&fine);
	pki_free(&p);
}

/* An OCSP response about leaf (issued by issuer), signed by signer; times in seconds from now; 0 next: none. */
static uint8_t *ocsp_response(X509 *leaf, X509 *issuer, X509 *signer, EVP_PKEY *signer_key, int status,
			      long this_off, long next_off, int resp_status, size_t *len)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, leaf, issuer);
	ASN1_TIME *this_upd = X509_gmtime_adj(NULL, this_off);
	ASN1_TIME *next_upd = next_off != 0 ? X509_gmtime_adj(NULL, next_off) : NULL;
	ASN1_TIME *rev = status == V_OCSP_CERTSTATUS_REVOKED ? X509_gmtime_adj(NULL, -DAY) : NULL;
	ATF_REQUIRE(bs != NULL && id != NULL && this_upd != NULL);
	ATF_REQUIRE(OCSP_basic_add1_status(bs, id, status, status == V_OCSP_CERTSTATUS_REVOKED ? 1 : 0, rev, this_upd,
					   next_upd) != NULL);
	ATF_REQUIRE(OCSP_basic_sign(bs, signer, signer_key, EVP_sha256(), NULL, 0) == 1);
	OCSP_RESPONSE *resp = OCSP_response_create(resp_status, resp_status == OCSP_RESPONSE_STATUS_SUCCESSFUL ? bs : NULL);
	ATF_REQUIRE(resp != NULL);
	unsigned char *der = NULL;
	int n = i2d_OCSP_RESPONSE(resp, &der);
	ATF_REQUIRE(n > 0);
	*len = (size_t)n;
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(this_upd);
	ASN1_TIME_free(next_upd);
	ASN1_TIME_free(rev);
	return der;
}

/* The response of ocsp_response(ARGS...) judged against c: want (MOAT_SUCCESS or an error) with why_part in why. */
#define EXPECT_OCSP(c, want, why_part, ...)                                     \
	do {                                                                    \
		size_t len_;                                                    \
		uint8_t *der_ = ocsp_response(__VA_ARGS__, &len_);              \
		check_ocsp((c), der_, len_, (want), (why_part));                \
	} while (0)

static void check_ocsp(const struct moat_cert_chain *c, uint8_t *der, size_t len, int want, const char *why_part)
{
	uint64_t next = 1;
	const char *why = NULL;
	int rc = moat_ocsp_check(der, len, c, now(), &next, &why);
	if (want == MOAT_SUCCESS) {
		ATF_REQUIRE_MSG(rc == MOAT_SUCCESS, "refused: %s (%s)", why, moat_strerror_name(moat_errno));
	} else {
		ATF_REQUIRE_MSG(rc == MOAT_FAILURE && moat_errno == want, "want %s, got rc %d %s (%s)",
				moat_strerror_name(want), rc, moat_strerror_name(moat_errno), why);
		ATF_REQUIRE_MSG(why != NULL && strstr(why, why_part) != NULL, "why: %s", why);
	}
	OPENSSL_free(der);
}

/* A staple is judged before it is sent: successful, for this leaf, good, signed by its issuer, current. */
ATF_TC_WITHOUT_HEAD(ocsp_staple_checks);
ATF_TC_BODY(ocsp_staple_checks, tc)
{
	struct pki p;
	struct moat_cert_chain c;
	size_t len;
	pki_init(&p);
	pki_chain(&p, &c, p.leaf);
	X509 *iss = p.intermediate;
	EVP_PKEY *ik = p.int_key;

	uint8_t *der = ocsp_response(p.leaf, iss, iss, ik, V_OCSP_CERTSTATUS_GOOD, -3600, DAY, 0, &len);
	uint64_t next = 0;
	const char *why = NULL;
	EXPECT_OK(moat_ocsp_check(der, len, &c, now(), &next, &why));
	ATF_CHECK(next > now() + DAY_U - 120 && next <= now() + DAY_U + 120);
	/* Truncated, padded. */
	EXPECT_ERR(moat_ocsp_check(der, len - 1, &c, now(), &next, &why), MOAT_ERR_BAD_CERTIFICATE_STATUS);
	OPENSSL_free(der);
	/* Without nextUpdate: valid, no end. */
	der = ocsp_response(p.leaf, iss, iss, ik, V_OCSP_CERTSTATUS_GOOD, -3600, 0, 0, &len);
	EXPECT_OK(moat_ocsp_check(der, len, &c, now(), &next, &why));
	ATF_CHECK_EQ(next, 0);
	OPENSSL_free(der);

	EXPECT_OCSP(&c, MOAT_ERR_CERTIFICATE_EXPIRED, "nextUpdate",
		    p.leaf, iss, iss, ik, V_OCSP_CERTSTATUS_GOOD, -2 * DAY, -DAY, 0);
	EXPECT_OCSP(&c, MOAT_ERR_BAD_CERTIFICATE_STATUS, "future",
		    p.leaf, iss, iss, ik, V_OCSP_CERTSTATUS_GOOD, DAY, 2 * DAY, 0);
	EXPECT_OCSP(&c, MOAT_ERR_BAD_CERTIFICATE_STATUS, "revoked",
		    p.leaf, iss, iss, ik, V_OCSP_CERTSTATUS_REVOKED, -3600, DAY, 0);
	EXPECT_OCSP(&c, MOAT_ERR_BAD_CERTIFICATE_STATUS, "unknown",
		    p.leaf, iss, iss, ik, V_OCSP_CERTSTATUS_UNKNOWN, -3600, DAY, 0);
	/* About another certificate (the intermediate, as issued by the root). */
	EXPECT_OCSP(&c, MOAT_ERR_BAD_CERTIFICATE_STATUS, "another",
		    p.intermediate, p.root, p.root, p.root_key, V_OCSP_CERTSTATUS_GOOD, -3600, DAY, 0);
	/* Signed by someone the issuer did not delegate to (the root signs for the intermediate's leaf). */
	EXPECT_OCSP(&c, MOAT_ERR_BAD_CERTIFICATE_STATUS, "not signed",
		    p.leaf, iss, p.root, p.root_key, V_OCSP_CERTSTATUS_GOOD, -3600, DAY, 0);
	/* "tryLater" and the like carry no status at all. */
	EXPECT_OCSP(&c, MOAT_ERR_BAD_CERTIFICATE_STATUS, "not a successful",
		    p.leaf, iss, iss, ik, V_OCSP_CERTSTATUS_GOOD, -3600, DAY, OCSP_RESPONSE_STATUS_TRYLATER);
	/* A chain of the leaf alone: no issuer to judge with. */
	struct moat_cert_chain alone;
	memset(&alone, 0, sizeof(alone));
	chain_add(&alone, p.leaf);
	EXPECT_OCSP(&alone, MOAT_ERR_BAD_CERTIFICATE_STATUS, "no issuer",
		    p.leaf, iss, iss, ik, V_OCSP_CERTSTATUS_GOOD, -3600, DAY, 0);
	uint8_t junk[8] = { 0x30, 0x03, 0x0a, 0x01, 0x00 };
	EXPECT_ERR(moat_ocsp_check(junk, sizeof(junk), &c, now(), &next, &why), MOAT_ERR_BAD_CERTIFICATE_STATUS);

	moat_cert_chain_free(&alone);
	moat_cert_chain_free(&c);
	pki_free(&p);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, chain_from_pem_verifies);
	ATF_TP_ADD_TC(tp, unknown_ca);
	ATF_TP_ADD_TC(tp, expired_and_not_yet_valid);
	ATF_TP_ADD_TC(tp, bad_certificate);
	ATF_TP_ADD_TC(tp, unsupported_certificate);
	ATF_TP_ADD_TC(tp, check_host_rules);
	ATF_TP_ADD_TC(tp, add_der_and_pem_errors);
	ATF_TP_ADD_TC(tp, spki_sha256_key_id);
	ATF_TP_ADD_TC(tp, dns_name_iteration);
	ATF_TP_ADD_TC(tp, leaf_signature_scheme);
	ATF_TP_ADD_TC(tp, subject_text);
	ATF_TP_ADD_TC(tp, chain_depth);
	ATF_TP_ADD_TC(tp, crl_check);
	ATF_TP_ADD_TC(tp, ocsp_staple_checks);
	ATF_TP_ADD_TC(tp, trust_store_locations);
	return atf_no_error();
}
