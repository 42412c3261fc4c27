/*
 * The TLS 1.3 compatibility change_cipher_spec, both directions (RFC 8446
 * §5, Appendix D.4).
 *
 * In TLS 1.3 a CCS changes nothing: it is there so that middleboxes that
 * know TLS 1.2 see a handshake shaped like one. Ours is a row of the path
 * (tls13_tables.c) written through the record layer, which keeps it
 * unprotected even once the write keys are installed. The peer's is handed
 * to its row wherever it comes (handshake.c: moat_hs_recv_ccs) and checked
 * here, then dropped.
 */
#include "tls/handshake_tables.h"

int moat_tls13_send_ccs(struct moat_connection *conn)
{
	if (conn->hs->sent_ccs)
		return MOAT_SUCCESS;
	/* What is queued goes first, in its own records: the CCS is a record of its own. */
	TRY(moat_hs_flush_messages(conn));
	TRY(moat_record_write_ccs(&conn->rl, &conn->io.out));
	conn->hs->sent_ccs = true;
	return MOAT_SUCCESS;
}

/*
 * §5: "An implementation may receive an unencrypted record of type
 * change_cipher_spec consisting of the single byte value 0x01 at any time
 * after the first ClientHello message has been sent or received and before
 * the peer's Finished message has been received and MUST simply drop it
 * without further processing. [...] An implementation which receives any
 * other change_cipher_spec value or which receives a protected
 * change_cipher_spec record MUST abort the handshake with an
 * "unexpected_message" alert." When it may come is the machine's to say
 * (moat_hs_recv_ccs); what it may be is checked here.
 */
int moat_tls13_recv_ccs(struct moat_connection *conn, struct moat_cursor body)
{
	uint8_t value;
	/* Unencrypted: the record came with the outer type change_cipher_spec. The record layer refuses a
	 * protected one before it gets here (record.c); this is where the rule is stated and applied. */
	ENSURE(conn->io.last_type == MOAT_CT_CHANGE_CIPHER_SPEC, MOAT_ERR_UNEXPECTED_MESSAGE);
	ENSURE(moat_cursor_remaining(&body) == 1, MOAT_ERR_UNEXPECTED_MESSAGE);
	TRY(moat_cursor_get_u8(&body, &value));
	ENSURE(value == 0x01, MOAT_ERR_UNEXPECTED_MESSAGE);
	return MOAT_SUCCESS;
}
