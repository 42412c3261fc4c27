/*
 * OCSP responses checked before they are stapled (ocsp.h).
 *
 * The response arrives from the operator's file, not the network, but it
 * is handed to every client that asks: a wrong one (another certificate's,
 * a revoked status, an unsigned or stale one) would make strict clients
 * fail, so it is refused at load with a reason rather than sent.
 */
#include <limits.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509_vfy.h>

#include "tls/crypto/ocsp.h"

/* An ASN1_GENERALIZEDTIME as Unix seconds; false if it does not convert. */
static bool to_unix(const ASN1_GENERALIZEDTIME *t, uint64_t *out)
{
	struct tm tm;
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	time_t v = timegm(&tm);
	if (v < 0)
		return false;
	*out = (uint64_t)v;
	return true;
}

/* The response's signature, with the leaf's issuer as the only trust anchor (RFC 6960 §4.2.2.2). */
static bool signed_by_issuer(OCSP_BASICRESP *bs, X509 *issuer, uint64_t now_sec)
{
	bool ok = false;
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *certs = sk_X509_new_null();
	if (store != NULL && certs != NULL && X509_STORE_add_cert(store, issuer) == 1 &&
	    sk_X509_push(certs, issuer) > 0) {
		X509_VERIFY_PARAM *param = X509_STORE_get0_param(store);
		/* The issuer may be an intermediate: it is the anchor here, whoever issued it. */
		X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
		X509_VERIFY_PARAM_set_time(param, (time_t)now_sec);
		ok = OCSP_basic_verify(bs, certs, store, 0) == 1;
	}
	sk_X509_free(certs);
	X509_STORE_free(store);
	return ok;
}

static int judge(OCSP_RESPONSE *resp, const struct moat_cert_chain *chain, uint64_t now_sec, uint64_t *next_update,
		 const char **why)
{
	*why = "not a successful OCSP response";
	ENSURE(OCSP_response_status(resp) == OCSP_RESPONSE_STATUS_SUCCESSFUL, MOAT_ERR_BAD_CERTIFICATE_STATUS);
	OCSP_BASICRESP *bs = OCSP_response_get1_basic(resp);
	*why = "not a basic OCSP response";
	ENSURE(bs != NULL, MOAT_ERR_BAD_CERTIFICATE_STATUS);

	int rc = MOAT_FAILURE, status = -1, reason = 0;
	ASN1_GENERALIZEDTIME *revoked = NULL, *this_upd = NULL, *next_upd = NULL;
	X509 *leaf = chain->x509[0], *issuer = chain->x509[1];
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, leaf, issuer);
	uint64_t this_sec = 0;
	*next_update = 0;
	if (id == NULL) {
		*why = "cannot name the certificate";
		moat_error_raise(MOAT_ERR_CRYPTO, MOAT_HERE);
	} else if (OCSP_resp_find_status(bs, id, &status, &reason, &revoked, &this_upd, &next_upd) != 1) {
		*why = "no status for this certificate (a response for another one?)";
		moat_error_raise(MOAT_ERR_BAD_CERTIFICATE_STATUS, MOAT_HERE);
	} else if (status != V_OCSP_CERTSTATUS_GOOD) {
		*why = status == V_OCSP_CERTSTATUS_REVOKED ? "the certificate is revoked" : "the certificate's status is unknown";
		moat_error_raise(MOAT_ERR_BAD_CERTIFICATE_STATUS, MOAT_HERE);
	} else if (!signed_by_issuer(bs, issuer, now_sec)) {
		*why = "not signed by the certificate's issuer or a responder it delegated to";
		moat_error_raise(MOAT_ERR_BAD_CERTIFICATE_STATUS, MOAT_HERE);
	} else if (!to_unix(this_upd, &this_sec) || (next_upd != NULL && !to_unix(next_upd, next_update))) {
		*why = "unreadable thisUpdate or nextUpdate";
		moat_error_raise(MOAT_ERR_BAD_CERTIFICATE_STATUS, MOAT_HERE);
	} else if (this_sec > now_sec + MOAT_OCSP_SKEW_SECONDS) {
		*why = "thisUpdate is in the future";
		moat_error_raise(MOAT_ERR_BAD_CERTIFICATE_STATUS, MOAT_HERE);
	} else if (next_upd != NULL && *next_update <= now_sec) {
		*why = "past its nextUpdate";
		moat_error_raise(MOAT_ERR_CERTIFICATE_EXPIRED, MOAT_HERE);
	} else {
		*why = "";
		rc = MOAT_SUCCESS;
	}
	OCSP_CERTID_free(id);
	OCSP_BASICRESP_free(bs);
	return rc;
}

int moat_ocsp_check(const uint8_t *der, size_t len, const struct moat_cert_chain *chain, uint64_t now_sec,
		    uint64_t *next_update, const char **why)
{
	ENSURE_REF(der);
	ENSURE_REF(chain);
	ENSURE_REF(next_update);
	ENSURE_REF(why);
	*why = "the chain has no issuer certificate to check the response against";
	ENSURE(chain->count >= 2, MOAT_ERR_BAD_CERTIFICATE_STATUS);
	*why = "not a DER OCSP response";
	ENSURE(len > 0 && len <= INT_MAX, MOAT_ERR_BAD_CERTIFICATE_STATUS);
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
	if (resp == NULL || p != der + len) {
		OCSP_RESPONSE_free(resp);
		ERR_clear_error();
		BAIL(MOAT_ERR_BAD_CERTIFICATE_STATUS);
	}
	int rc = judge(resp, chain, now_sec, next_update, why);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
	return rc;
}
