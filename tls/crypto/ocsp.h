/*
 * Judging an OCSP response before stapling it (RFC 6960, RFC 6066 §8): the
 * TLS library sends whatever staple it is given; the application (frontd)
 * checks here first that the response is one a client will accept.
 */
#ifndef MOAT_TLS_CRYPTO_OCSP_H
#define MOAT_TLS_CRYPTO_OCSP_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/cert.h"

/* Clock skew allowed on thisUpdate, as OpenSSL's own OCSP_check_validity callers use. */
#define MOAT_OCSP_SKEW_SECONDS 300

/*
 * Whether der (a DER OCSPResponse) can be stapled for chain's leaf at
 * now_sec: it parses, its status is successful, it is a basic response
 * signed by the leaf's issuer (chain->x509[1]) or by a responder that issuer
 * delegated to (RFC 6960 §4.2.2.2), it holds a SingleResponse for the leaf
 * whose status is good, and thisUpdate is not in the future. Success sets
 * *next_update to nextUpdate (Unix seconds; 0 when the response has none).
 * A response past its nextUpdate fails with MOAT_ERR_CERTIFICATE_EXPIRED
 * (*next_update set all the same); every other defect with
 * MOAT_ERR_BAD_CERTIFICATE_STATUS. *why names the defect in a few words.
 */
MOAT_MUST_USE int moat_ocsp_check(const uint8_t *der, size_t len, const struct moat_cert_chain *chain,
				  uint64_t now_sec, uint64_t *next_update, const char **why);

#endif
