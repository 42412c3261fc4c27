/*
 * Certificate Transparency, server side (RFC 6962 §3.3.1): the
 * application gives a chain its SignedCertificateTimestampList
 * (moat_cert_chain_and_key_set_sct_list, as the guide's
 * S2N_EXTENSION_CERTIFICATE_TRANSPARENCY data) and the library sends it to a
 * client that asked with an empty signed_certificate_timestamp extension:
 * in TLS 1.2 (and older) in the ServerHello, in TLS 1.3 in the leaf's
 * CertificateEntry (RFC 8446 §4.4.2). A client that did not ask never gets
 * it (RFC 6962 §3.3.1: the server "MUST NOT" send unsolicited extensions).
 *
 * The list is checked for its shape only: the SCTs' signatures are the
 * client's to verify against the logs it knows.
 */
#include <stdlib.h>
#include <string.h>

#include "tls/ext_handlers.h"
#include "tls/extensions.h"
#include "tls/iana.h"
#include "tls/sct_list.h"

/* extension_data has a 16-bit length and holds the list with its own. */
#define SCT_LIST_MAX 0xffffu

/*
 * RFC 6962 §3.3: opaque SerializedSCT<1..2^16-1>;
 * SerializedSCT sct_list<1..2^16-1>; nothing after it.
 */
static int sct_list_check(struct moat_cursor d)
{
	struct moat_cursor list, sct;
	TRY(moat_cursor_get_vector(&d, 2, 1, 0xffff, &list));
	TRY(moat_cursor_expect_end(&d));
	while (moat_cursor_remaining(&list) > 0)
		TRY(moat_cursor_get_vector(&list, 2, 1, 0xffff, &sct));
	return MOAT_SUCCESS;
}

int moat_cert_chain_and_key_set_sct_list(struct moat_cert_chain_and_key *ck, const uint8_t *data, uint32_t length)
{
	ENSURE_REF(ck);
	ENSURE(length == 0 || data != NULL, MOAT_ERR_NULL_ARG);
	ENSURE(length <= SCT_LIST_MAX, MOAT_ERR_INVALID_ARG);
	uint8_t *copy = NULL;
	if (length > 0) {
		struct moat_cursor d;
		moat_cursor_init(&d, data, length);
		if (sct_list_check(d) < 0)
			BAIL(MOAT_ERR_INVALID_ARG);
		copy = malloc(length);
		ENSURE(copy != NULL, MOAT_ERR_ALLOC);
		memcpy(copy, data, length);
	}
	free(ck->sct_list);
	ck->sct_list = copy;
	ck->sct_list_len = length;
	return MOAT_SUCCESS;
}

/* RFC 6962 §3.3.1: the client's extension_data is empty. */
int moat_ext_sct_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	TRY(moat_ext_empty_decode(blk->data[MOAT_EXTI_SCT]));
	conn->hs->sct_requested = true;
	return MOAT_SUCCESS;
}

bool moat_ext_sct_sh12_should_send(const struct moat_connection *conn)
{
	const struct moat_cert_chain_and_key *ck = conn->selected_cert;
	return conn->hs->sct_requested && ck != NULL && ck->sct_list != NULL;
}

int moat_ext_sct_sh12_write(struct moat_connection *conn, struct moat_buf *out)
{
	const struct moat_cert_chain_and_key *ck = conn->selected_cert;
	ENSURE(ck != NULL && ck->sct_list != NULL, MOAT_ERR_INTERNAL);
	TRY(moat_ext_begin(out, MOAT_EXT_SCT));
	TRY(moat_buf_put_bytes(out, ck->sct_list, ck->sct_list_len));
	return moat_ext_end(out);
}

int moat_sct_entry_ext(const struct moat_connection *conn, struct moat_buf *out)
{
	if (conn->mode != MOAT_SERVER || !moat_ext_sct_sh12_should_send(conn))
		return MOAT_SUCCESS;
	/*
	 * The entry's extensions<0..2^16-1> hold the OCSP staple too: a list
	 * that does not fit beside it is left out rather than the handshake
	 * failed (both are optional to the client).
	 */
	if (out->len + 4 + conn->selected_cert->sct_list_len > 0xffff)
		return MOAT_SUCCESS;
	return moat_ext_sct_sh12_write((struct moat_connection *)conn, out);
}
