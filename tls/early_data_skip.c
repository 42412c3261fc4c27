/*
 * Skipping 0-RTT data that the server does not accept, RFC 8446 §4.2.10.
 *
 * A client resuming a session may send application data right behind its
 * ClientHello, protected with keys from its PSK. We accept no PSK yet, so we
 * never accept that data; the client may still send it, with a ticket from
 * another server of the same name or one we cannot open. Of the server's
 * three ways the RFC lists, we take the first two:
 *
 * - After our ServerHello the read keys are the client's handshake keys. A
 *   record that fails to open with them is early data and is dropped; the
 *   first one that opens is the start of the client's second flight, and
 *   from then on a record that fails is bad_record_mac as always (§5.2).
 * - After our HelloRetryRequest we have no read keys until the second
 *   ClientHello, which comes in the clear, so every record of outer type
 *   application_data is early data. The second ClientHello may not offer
 *   early data, so nothing is skipped once it is answered.
 *
 * Only while the first ClientHello offered early_data: from a client that
 * did not, a record that fails to open is bad_record_mac and application
 * data before the handshake keys is unexpected_message, as before.
 *
 * The budget is max_early_data_size (§4.6.1), which counts application data
 * only, not the inner content type or padding. Without the keys, content
 * cannot be told from padding, so a record counts its fragment less the
 * AEAD tag and the type byte: exact for a record without padding, and
 * padding is charged to the client, which the RFC warns of ("clients SHOULD
 * NOT depend on being able to send large quantities of padding in early data
 * records"). A record counts at least one byte, so a stream of empty records
 * cannot keep a handshake turning over for free. Past the budget the
 * connection ends with unexpected_message, as §4.6.1 says.
 */
#include "tls/conn.h"

/* A TLSInnerPlaintext's content type byte and the AEAD tag around it (§5.2). */
#define RECORD_OVERHEAD (1u + MOAT_AEAD_TAG_LEN)

int moat_early_data_skip(struct moat_connection *conn, int rc, uint8_t rec_type, size_t rec_len, bool *skip)
{
	struct moat_handshake *hs = conn->hs;
	*skip = false;
	/* 0-RTT is TLS 1.3's: under TLS 1.2 an early_data extension changes nothing, and every bad record is fatal. */
	if (conn->mode != MOAT_SERVER || hs == NULL || !hs->early_data_offered || hs->early_data_over ||
	    conn->version != MOAT_TLS13)
		return rc;
	bool read_keys = moat_record_is_protected(&conn->rl, false);
	if (read_keys && !hs->hrr_done) {
		/* Trial decryption with the handshake keys. A plaintext change_cipher_spec says nothing either way. */
		if (rc == MOAT_SUCCESS) {
			if (rec_type == MOAT_CT_APPLICATION_DATA)
				hs->early_data_over = true;
			return MOAT_SUCCESS;
		}
		if (moat_errno != MOAT_ERR_BAD_RECORD_MAC)
			return MOAT_FAILURE;
	} else if (!read_keys && hs->hrr_done) {
		if (rc != MOAT_SUCCESS || rec_type != MOAT_CT_APPLICATION_DATA)
			return rc;
	} else {
		return rc;
	}

	size_t frag = rec_len - MOAT_RECORD_HEADER_LEN;
	size_t n = frag > RECORD_OVERHEAD ? frag - RECORD_OVERHEAD : 1;
	size_t limit = moat_conn_max_early_data_size(conn);
	ENSURE(hs->early_data_skipped <= limit && n <= limit - hs->early_data_skipped, MOAT_ERR_TOO_MUCH_EARLY_DATA);
	hs->early_data_skipped += n;
	moat_error_clear();
	*skip = true;
	return MOAT_SUCCESS;
}
