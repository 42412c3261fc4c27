/*
 * OCSP stapling, server side (RFC 6066 §8, RFC 8446 §4.4.2.1).
 *
 * The application gives each certificate chain a DER OCSPResponse for its
 * leaf (moat_cert_chain_and_key_set_ocsp_data); the library does not fetch
 * or judge it, only sends it to a client whose ClientHello asked with
 * status_request. In TLS 1.3 it rides in the leaf's CertificateEntry as the
 * entry's status_request extension; a client that did not ask never gets
 * one (§4.4.2.1: "MUST NOT" otherwise). TLS 1.2's CertificateStatus message
 * is not sent yet: a TLS 1.2 client's request is ignored, as RFC 6066 §8
 * allows.
 */
#include <stdlib.h>
#include <string.h>

#include "tls/ext_handlers.h"
#include "tls/extensions.h"
#include "tls/ocsp_staple.h"
#include "tls/crypto/ocsp.h"

/* The whole staple goes into one extension, whose data has a 16-bit length: type byte and 3-byte length too. */
#define OCSP_STAPLE_MAX (0xffffu - 4u)

int moat_cert_chain_and_key_set_ocsp_data(struct moat_cert_chain_and_key *ck, const uint8_t *data, uint32_t length)
{
	ENSURE_REF(ck);
	ENSURE(length == 0 || data != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(length <= OCSP_STAPLE_MAX, MOAT_ERR_INVALID_ARG);
	uint8_t *copy = NULL;
	if (length > 0) {
		copy = malloc(length);
		ENSURE(copy != NULL, MOAT_ERR_ALLOC);
		memcpy(copy, data, length);
	}
	free(ck->ocsp);
	ck->ocsp = copy;
	ck->ocsp_len = length;
	return MOAT_SUCCESS;
}

int moat_ext_status_request_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	bool ocsp = false;
	TRY(moat_ext_status_request_decode_ch(blk->data[MOAT_EXTI_STATUS_REQUEST], &ocsp));
	conn->hs->ocsp_requested = ocsp;
	return MOAT_SUCCESS;
}

int moat_ocsp_staple_entry_ext(const struct moat_connection *conn, struct moat_buf *out)
{
	const struct moat_cert_chain_and_key *ck = conn->selected_cert;
	if (conn->mode != MOAT_SERVER || !conn->hs->ocsp_requested || ck == NULL || ck->ocsp == NULL)
		return MOAT_SUCCESS;
	return moat_ext_write_status_request_ct(out, ck->ocsp, ck->ocsp_len);
}

int moat_cert_chain_and_key_staple_checked(struct moat_cert_chain_and_key *ck, const uint8_t *der, size_t len,
					   uint64_t now_sec, uint64_t *next_update, const char **why)
{
	ENSURE_REF(ck);
	TRY(moat_ocsp_check(der, len, &ck->chain, now_sec, next_update, why));
	*why = "larger than the 65531 bytes a TLS 1.3 staple can be";
	ENSURE(len <= OCSP_STAPLE_MAX, MOAT_ERR_BAD_CERTIFICATE_STATUS);
	return moat_cert_chain_and_key_set_ocsp_data(ck, der, (uint32_t)len);
}
