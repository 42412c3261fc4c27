/*
 * A client's extension behaviour for TLS 1.2 and older: what a ClientHello
 * that offers them adds (one ClientHello offers every version, so these
 * ride beside the TLS 1.3 ones), and what it reads in a TLS 1.2-or-older
 * ServerHello (the SH12 columns of ext_rows.c, read with
 * moat_ext_sh12_recv).
 *
 * What is required of the server, and why:
 *  - extended_master_secret (RFC 7627): always offered and always
 *    required. RFC 7627 §5.3 lets a client abort with a server that does
 *    not negotiate it; without it the master secret is not bound to the
 *    handshake (the triple handshake attack, §1), and the server side of
 *    this library refuses such clients too. No policy turns it off: a
 *    server without it gets handshake_failure.
 *  - renegotiation_info (RFC 5746): we send an empty one on the initial
 *    handshake (§3.4) and never renegotiate. A server that does not echo
 *    it does not support secure renegotiation; §4.1 leaves it to the
 *    client whether to go on. We do not: a server without RFC 5746 (which
 *    dates from 2010) may splice our handshake onto an attacker's session
 *    as a renegotiation (§1), so its absence is handshake_failure, and so
 *    is a non-empty one (§3.4: "MUST ... abort the handshake").
 */
#include "tls/ext_handlers.h"
#include "tls/extensions12.h"
#include "tls/handshake_tables.h"

bool moat_ext_offer_tls13(const struct moat_connection *conn)
{
	return moat_hs_client_max_version(conn) == MOAT_TLS13;
}

bool moat_ext_offer_tls12(const struct moat_connection *conn)
{
	return moat_hs_client_min_version(conn) <= MOAT_TLS12;
}

/* RFC 8422 §5.1.2: uncompressed, the only format we take. */
int moat_ext_ec_point_formats_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	static const uint8_t uncompressed = MOAT_EC_POINT_FORMAT_UNCOMPRESSED;
	return moat_ext_write_ec_point_formats(out, &uncompressed, 1);
}

int moat_ext_extended_master_secret_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	return moat_ext_write_empty(out, MOAT_EXT_EXTENDED_MASTER_SECRET);
}

/* RFC 5746 §3.4: the initial handshake's renegotiation_info is empty. */
int moat_ext_renegotiation_info_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	return moat_ext_write_renegotiation_info(out, NULL, 0);
}

/* RFC 8422 §5.2: the server's list must hold uncompressed (the decoder refuses it otherwise). */
int moat_ext_ec_point_formats_sh12_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	(void)conn;
	struct moat_cursor formats;
	return moat_ext_ec_point_formats_decode(blk->data[MOAT_EXTI_EC_POINT_FORMATS], &formats);
}

int moat_ext_extended_master_secret_sh12_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	(void)conn;
	return moat_ext_empty_decode(blk->data[MOAT_EXTI_EXTENDED_MASTER_SECRET]);
}

/* RFC 7627 §5.3 (see the top): handshake_failure. */
int moat_ext_extended_master_secret_sh12_missing(struct moat_connection *conn)
{
	(void)conn;
	BAIL(MOAT_ERR_HANDSHAKE_FAILURE);
}

/* RFC 5746 §3.4: renegotiated_connection must be empty on the initial handshake. */
int moat_ext_renegotiation_info_sh12_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	(void)conn;
	struct moat_cursor prev;
	TRY(moat_ext_renegotiation_info_decode(blk->data[MOAT_EXTI_RENEGOTIATION_INFO], &prev));
	ENSURE(moat_cursor_remaining(&prev) == 0, MOAT_ERR_HANDSHAKE_FAILURE);
	return MOAT_SUCCESS;
}

/* RFC 5746 §4.1 (see the top): a server without secure renegotiation is refused. */
int moat_ext_renegotiation_info_sh12_missing(struct moat_connection *conn)
{
	(void)conn;
	BAIL(MOAT_ERR_HANDSHAKE_FAILURE);
}
