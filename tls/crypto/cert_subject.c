/*
 * A certificate's subject as text, for logs and for the backend (frontd's
 * access log and PROXY v2 PP2_SUBTYPE_SSL_CN). The certificate comes from
 * the peer: it is parsed by libcrypto, and the text written out is escaped
 * by RFC 2253's rules, with control and non-ASCII bytes as \XX escapes, so
 * a hostile subject cannot put a newline or a quote into a log line.
 * Beside it, the notAfter date a resumed session's client certificate is
 * checked against.
 */
#include <limits.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "tls/crypto/cert.h"

static X509 *parse(const uint8_t *der, size_t len)
{
	if (der == NULL || len == 0 || len > INT_MAX)
		return NULL;
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* A memory BIO's contents into out, NUL-terminated; too long → MOAT_ERR_INVALID_ARG. */
static int bio_text(BIO *bio, char *out, size_t cap)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);
	ENSURE(n >= 0 && (size_t)n < cap, MOAT_ERR_INVALID_ARG);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	return MOAT_SUCCESS;
}

/* Escapes for both outputs: RFC 2253's, plus control and non-ASCII bytes as \XX, so the text is printable ASCII. */
#define SUBJECT_FLAGS ((ASN1_STRFLGS_RFC2253 | ASN1_STRFLGS_ESC_MSB) & ~(unsigned long)ASN1_STRFLGS_UTF8_CONVERT)

/* The subject of x as RFC 2253 text into out. */
static int subject_text(X509 *x, char *out, size_t cap)
{
	BIO *bio = BIO_new(BIO_s_mem());
	ENSURE(bio != NULL, MOAT_ERR_ALLOC);
	unsigned long flags = SUBJECT_FLAGS | XN_FLAG_SEP_COMMA_PLUS | XN_FLAG_DN_REV | XN_FLAG_FN_SN;
	int rc = MOAT_FAILURE;
	if (X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, flags) < 0)
		moat_error_raise(MOAT_ERR_CRYPTO, MOAT_HERE);
	else
		rc = bio_text(bio, out, cap);
	BIO_free(bio);
	return rc;
}

/* The last commonName of x into out; "" without one. */
static int common_name_text(X509 *x, char *out, size_t cap)
{
	const X509_NAME *subject = X509_get_subject_name(x);
	int last = -1;
	for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;)
		last = i;
	if (last < 0)
		return MOAT_SUCCESS;
	/* The most specific CN is the last one (RFC 6125 §2.3.1: the subject's order runs from the root). */
	const ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, last));
	BIO *bio = BIO_new(BIO_s_mem());
	ENSURE(bio != NULL, MOAT_ERR_ALLOC);
	int rc = MOAT_FAILURE;
	if (ASN1_STRING_print_ex(bio, cn, SUBJECT_FLAGS) < 0)
		moat_error_raise(MOAT_ERR_CRYPTO, MOAT_HERE);
	else
		rc = bio_text(bio, out, cap);
	BIO_free(bio);
	return rc;
}

int moat_cert_der_names(const uint8_t *der, size_t len, char *subject, size_t subject_cap, char *cn, size_t cn_cap)
{
	ENSURE(subject == NULL || subject_cap > 0, MOAT_ERR_INVALID_ARG);
	ENSURE(cn == NULL || cn_cap > 0, MOAT_ERR_INVALID_ARG);
	if (subject != NULL)
		subject[0] = '\0';
	if (cn != NULL)
		cn[0] = '\0';
	X509 *x = parse(der, len);
	ENSURE(x != NULL, MOAT_ERR_BAD_CERTIFICATE);
	int rc = MOAT_SUCCESS;
	if (subject != NULL)
		rc = subject_text(x, subject, subject_cap);
	if (rc == MOAT_SUCCESS && cn != NULL)
		rc = common_name_text(x, cn, cn_cap);
	X509_free(x);
	ERR_clear_error();
	return rc;
}

int moat_cert_der_not_after(const uint8_t *der, size_t len, uint64_t *out)
{
	ENSURE_REF(out);
	X509 *x = parse(der, len);
	ENSURE(x != NULL, MOAT_ERR_BAD_CERTIFICATE);
	struct tm tm;
	const ASN1_TIME *t = X509_get0_notAfter(x);
	bool ok = t != NULL && ASN1_TIME_to_tm(t, &tm) == 1;
	time_t v = ok ? timegm(&tm) : -1;
	X509_free(x);
	ERR_clear_error();
	ENSURE(v >= 0, MOAT_ERR_BAD_CERTIFICATE);
	*out = (uint64_t)v;
	return MOAT_SUCCESS;
}

int moat_cert_der_subject(const uint8_t *der, size_t len, char *out, size_t cap)
{
	ENSURE_REF(out);
	return moat_cert_der_names(der, len, out, cap, NULL, 0);
}

int moat_cert_der_common_name(const uint8_t *der, size_t len, char *out, size_t cap)
{
	ENSURE_REF(out);
	return moat_cert_der_names(der, len, NULL, 0, out, cap);
}
