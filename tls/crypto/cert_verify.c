/*
 * Trust store, chain verification and host name checks.
 *
 * Path validation is libcrypto's X509_verify_cert; what is ours is the policy
 * it runs under and the translation of its verdict into one of the alerts of
 * RFC 8446 §6.2. The time is always passed in (now_sec) so the handshake can
 * run under a test clock and so "expired" never depends on when a test runs.
 * The purpose ("ssl_server"/"ssl_client" defaults) enforces extendedKeyUsage;
 * security level 2 refuses keys under 112 bits and SHA-1 signatures.
 *
 * Host names are matched by X509_check_host with partial wildcards off; IP
 * literals go to X509_check_ip first so that "127.0.0.1" is never matched
 * against a dNSName or a wildcard.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "tls/crypto/cert.h"

/* libcrypto security level 2: 112-bit keys (RSA/DH >= 2048, EC >= 224), no SHA-1 signatures. */
#define MOAT_CERT_AUTH_LEVEL 2

int moat_trust_store_init(struct moat_trust_store *t)
{
	ENSURE_REF(t);
	memset(t, 0, sizeof(*t));
	t->store = X509_STORE_new();
	ENSURE(t->store != NULL, MOAT_ERR_ALLOC);
	return MOAT_SUCCESS;
}

int moat_trust_store_load_system(struct moat_trust_store *t)
{
	ENSURE_REF(t);
	ENSURE(t->store != NULL, MOAT_ERR_INVALID_STATE);
	if (X509_STORE_set_default_paths(t->store) != 1) {
		ERR_clear_error();
		BAIL(MOAT_ERR_FILE);
	}
	return MOAT_SUCCESS;
}

int moat_trust_store_load_location(struct moat_trust_store *t, const char *ca_file, const char *ca_dir)
{
	struct stat st;

	ENSURE_REF(t);
	ENSURE(t->store != NULL, MOAT_ERR_INVALID_STATE);
	ENSURE(ca_file != NULL || ca_dir != NULL, MOAT_ERR_INVALID_ARG);
	if (ca_file != NULL && X509_STORE_load_file(t->store, ca_file) != 1) {
		ERR_clear_error();
		BAIL(MOAT_ERR_FILE);
	}
	if (ca_dir != NULL) {
		/* The hashed directory is only read at lookup time: check now that it exists. */
		ENSURE(stat(ca_dir, &st) == 0 && S_ISDIR(st.st_mode), MOAT_ERR_FILE);
		if (X509_STORE_load_path(t->store, ca_dir) != 1) {
			ERR_clear_error();
			BAIL(MOAT_ERR_FILE);
		}
	}
	return MOAT_SUCCESS;
}

/* One certificate (1), none left (0) or a store failure (-1). */
static int add_one_cert(X509_STORE *store, BIO *bio)
{
	/* _AUX also reads "TRUSTED CERTIFICATE" blocks, as CA bundles may hold them. */
	X509 *x = PEM_read_bio_X509_AUX(bio, NULL, moat_pem_no_passphrase, NULL);
	if (x == NULL)
		return 0;
	int ok = X509_STORE_add_cert(store, x);
	X509_free(x);
	return ok == 1 ? 1 : -1;
}

static int add_one_crl(X509_STORE *store, BIO *bio)
{
	X509_CRL *crl = PEM_read_bio_X509_CRL(bio, NULL, moat_pem_no_passphrase, NULL);
	if (crl == NULL)
		return 0;
	int ok = X509_STORE_add_crl(store, crl);
	X509_CRL_free(crl);
	return ok == 1 ? 1 : -1;
}

/*
 * Every object of one kind in pem into the store: at least one, and nothing
 * but them (the reader must stop at the end of the text, not at a block of
 * another kind or garbage) → else MOAT_ERR_INVALID_PEM.
 */
static int store_add_pem(struct moat_trust_store *t, const char *pem, size_t len, int (*add_one)(X509_STORE *, BIO *))
{
	ENSURE_REF(t);
	ENSURE(t->store != NULL, MOAT_ERR_INVALID_STATE);
	ENSURE_REF(pem);
	ENSURE(len > 0 && len <= INT_MAX, MOAT_ERR_INVALID_PEM);

	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	ENSURE(bio != NULL, MOAT_ERR_ALLOC);
	size_t added = 0;
	int got;
	while ((got = add_one(t->store, bio)) == 1)
		added++;
	unsigned long err = ERR_peek_last_error();
	bool at_end = ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
	BIO_free(bio);
	ERR_clear_error();
	ENSURE(got == 0, MOAT_ERR_ALLOC);
	ENSURE(added > 0 && at_end, MOAT_ERR_INVALID_PEM);
	return MOAT_SUCCESS;
}

int moat_trust_store_add_pem(struct moat_trust_store *t, const char *pem, size_t len)
{
	return store_add_pem(t, pem, len, add_one_cert);
}

int moat_trust_store_add_crl_pem(struct moat_trust_store *t, const char *pem, size_t len)
{
	TRY(store_add_pem(t, pem, len, add_one_crl));
	t->crl_check = true;
	return MOAT_SUCCESS;
}

void moat_trust_store_wipe(struct moat_trust_store *t)
{
	if (t == NULL)
		return;
	t->crl_check = false;
	X509_STORE_free(t->store);
	/* If this allocation fails the store is NULL and every later use fails with INVALID_STATE. */
	t->store = X509_STORE_new();
}

void moat_trust_store_free(struct moat_trust_store *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	t->store = NULL;
}

/* X509_V_ERR_* → the moat error whose alert RFC 8446 §6.2 names for it. */
static int map_verify_error(int err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
		return MOAT_ERR_UNKNOWN_CA;

	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return MOAT_ERR_CERTIFICATE_EXPIRED;

	case X509_V_ERR_CERT_REVOKED:
		return MOAT_ERR_CERTIFICATE_REVOKED;

	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
	case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_INVALID_NON_CA:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
	case X509_V_ERR_SUBJECT_ISSUER_MISMATCH:
	case X509_V_ERR_AKID_SKID_MISMATCH:
	case X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
	case X509_V_ERR_INVALID_EXTENSION:
	case X509_V_ERR_INVALID_POLICY_EXTENSION:
	case X509_V_ERR_NO_EXPLICIT_POLICY:
	case X509_V_ERR_PERMITTED_VIOLATION:
	case X509_V_ERR_EXCLUDED_VIOLATION:
	case X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH:
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return MOAT_ERR_BAD_CERTIFICATE;

	case X509_V_ERR_INVALID_PURPOSE:
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM:
	case X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE:
	case X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX:
	case X509_V_ERR_UNSUPPORTED_NAME_SYNTAX:
	case X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE:
		return MOAT_ERR_UNSUPPORTED_CERTIFICATE;

	case X509_V_ERR_OUT_OF_MEM:
		return MOAT_ERR_ALLOC;

	default:
		return MOAT_ERR_CERTIFICATE_UNKNOWN;
	}
}

static int verify_with(X509_STORE_CTX **ctx, STACK_OF(X509) **untrusted, const struct moat_trust_store *t,
		       const struct moat_cert_chain *c, bool peer_is_server, uint64_t now_sec)
{
	X509 *leaf = c->x509[0];

	*untrusted = sk_X509_new_null();
	ENSURE(*untrusted != NULL, MOAT_ERR_ALLOC);
	/* The stack borrows the chain's certificates; it is freed without freeing them. */
	for (size_t i = 1; i < c->count; i++)
		ENSURE(sk_X509_push(*untrusted, c->x509[i]) > 0, MOAT_ERR_ALLOC);

	*ctx = X509_STORE_CTX_new();
	ENSURE(*ctx != NULL, MOAT_ERR_ALLOC);
	TRY_OSSL(X509_STORE_CTX_init(*ctx, t->store, leaf, *untrusted), MOAT_ERR_ALLOC);
	/* Purpose and trust for the peer's role: a server certificate needs serverAuth, a client's clientAuth. */
	TRY_OSSL(X509_STORE_CTX_set_default(*ctx, peer_is_server ? "ssl_server" : "ssl_client"), MOAT_ERR_CRYPTO);
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(*ctx);
	X509_VERIFY_PARAM_set_time(param, (time_t)now_sec);
	X509_VERIFY_PARAM_set_auth_level(param, MOAT_CERT_AUTH_LEVEL);
	if (t->max_depth > 0)
		X509_VERIFY_PARAM_set_depth(param, t->max_depth);
	/* The leaf only, as nginx's ssl_crl: intermediates are the operator's own CA's. */
	if (t->crl_check)
		TRY_OSSL(X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK), MOAT_ERR_CRYPTO);

	if (X509_verify_cert(*ctx) != 1)
		BAIL(map_verify_error(X509_STORE_CTX_get_error(*ctx)));

	/*
	 * RFC 8446 §4.4.2.2: the key must be allowed to sign, i.e. digitalSignature
	 * set if keyUsage is present. The TLS purposes above also accept
	 * keyEncipherment-only keys, which fit RSA key transport, never TLS 1.3.
	 */
	uint32_t ku = X509_get_key_usage(leaf);
	ENSURE(ku == UINT32_MAX || (ku & KU_DIGITAL_SIGNATURE) != 0, MOAT_ERR_UNSUPPORTED_CERTIFICATE);
	return MOAT_SUCCESS;
}

bool moat_cert_leaf_allows_key_encipherment(const struct moat_cert_chain *c)
{
	if (c == NULL || c->count == 0 || c->x509[0] == NULL)
		return false;
	uint32_t ku = X509_get_key_usage((X509 *)c->x509[0]);
	return ku == UINT32_MAX || (ku & KU_KEY_ENCIPHERMENT) != 0;
}

int moat_cert_verify(const struct moat_trust_store *t, const struct moat_cert_chain *c, bool peer_is_server,
		     uint64_t now_sec)
{
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL;

	ENSURE_REF(t);
	ENSURE_REF(c);
	ENSURE(t->store != NULL, MOAT_ERR_INVALID_STATE);
	ENSURE(c->count > 0, MOAT_ERR_CERTIFICATE_REQUIRED);
	ENSURE(c->count <= MOAT_MAX_CHAIN_LEN, MOAT_ERR_INVALID_ARG);
	/* time_t is a signed 64-bit count on every platform moat builds for. */
	ENSURE(sizeof(time_t) >= 8 && now_sec <= (uint64_t)INT64_MAX, MOAT_ERR_INVALID_ARG);

	int rc = verify_with(&ctx, &untrusted, t, c, peer_is_server, now_sec);
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	ERR_clear_error();
	return rc;
}

/*
 * The reference identifier must be a plain host name (RFC 6125 §6.2.1): LDH
 * labels (and '_', seen in practice) of 1..63 bytes, at most 253 bytes, one
 * optional trailing dot which is dropped (*len excludes it). Anything else,
 * notably a '*' or a leading '.', which X509_check_host would read as
 * "any subdomain of", is a caller error. IDNs must come as A-labels.
 */
static bool plain_host_name(const char *host, size_t *len)
{
	size_t n = strlen(host), label = 0;

	if (n > 0 && host[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = host[i];
		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		bool ldh = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			   ch == '-' || ch == '_';
		if (!ldh || ++label > 63)
			return false;
	}
	*len = n;
	return true;
}

int moat_cert_check_host(const struct moat_cert_chain *c, const char *host)
{
	size_t len = 0;

	ENSURE_REF(c);
	ENSURE_REF(host);
	ENSURE(c->count > 0, MOAT_ERR_INVALID_ARG);
	X509 *leaf = c->x509[0];

	/*
	 * IP literals match iPAddress entries only, never a dNSName or the CN.
	 * inet_pton, not X509_check_ip_asc, decides what is a literal: it refuses
	 * forms such as "127.0.0.01" that other parsers read as octal.
	 */
	uint8_t ip[16];
	int rc;
	if (inet_pton(AF_INET, host, ip) == 1) {
		rc = X509_check_ip(leaf, ip, 4, 0);
	} else if (inet_pton(AF_INET6, host, ip) == 1) {
		rc = X509_check_ip(leaf, ip, 16, 0);
	} else {
		ENSURE(plain_host_name(host, &len), MOAT_ERR_INVALID_ARG);
		rc = X509_check_host(leaf, host, len, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL);
	}
	ERR_clear_error();
	ENSURE(rc == 1, MOAT_ERR_BAD_CERTIFICATE);
	return MOAT_SUCCESS;
}
