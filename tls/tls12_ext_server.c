/*
 * A TLS 1.2 server's extension behaviour for the extensions only TLS 1.2
 * has: what it reads in a ClientHello that chose TLS 1.2 and answers in its
 * ServerHello (the SH12 columns of ext_rows.c). server_name and ALPN are
 * answered by the same writers as in a TLS 1.3 EncryptedExtensions.
 *
 * Renegotiation is never done, so RFC 5746 reduces to the initial
 * handshake's rules: the client signals it with the SCSV or an empty
 * renegotiation_info, and we answer with an empty one (§3.6).
 */
#include "tls/ext_handlers.h"
#include "tls/extensions12.h"
#include "tls/iana.h"

/* RFC 8422 §5.1.2: the decoder refuses a list without uncompressed (illegal_parameter). */
int moat_ext_ec_point_formats_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	(void)conn;
	struct moat_cursor formats;
	return moat_ext_ec_point_formats_decode(blk->data[MOAT_EXTI_EC_POINT_FORMATS], &formats);
}

/* RFC 8422 §5.2: answered when the client sent one and an ECC suite was chosen (all ours are). */
bool moat_ext_ec_point_formats_sh12_should_send(const struct moat_connection *conn)
{
	return moat_ext_present(&conn->hs->client_hello.ext, MOAT_EXTI_EC_POINT_FORMATS);
}

int moat_ext_ec_point_formats_sh12_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	static const uint8_t uncompressed = MOAT_EC_POINT_FORMAT_UNCOMPRESSED;
	return moat_ext_write_ec_point_formats(out, &uncompressed, 1);
}

int moat_ext_extended_master_secret_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	(void)conn;
	return moat_ext_empty_decode(blk->data[MOAT_EXTI_EXTENDED_MASTER_SECRET]);
}

/*
 * RFC 7627 §5.2: a server "MAY ... abort the handshake" with a client that
 * does not offer the extended master secret. Without it the master secret
 * is not bound to the handshake, and a man in the middle can synchronise
 * two sessions' secrets (the triple handshake attack, §1), so it is
 * required: handshake_failure.
 */
int moat_ext_extended_master_secret_ch_missing(struct moat_connection *conn)
{
	(void)conn;
	BAIL(MOAT_ERR_HANDSHAKE_FAILURE);
}

int moat_ext_extended_master_secret_sh12_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	return moat_ext_write_empty(out, MOAT_EXT_EXTENDED_MASTER_SECRET);
}

/* RFC 5746 §3.6: on an initial handshake renegotiated_connection must be empty, else handshake_failure. */
int moat_ext_renegotiation_info_ch_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	struct moat_cursor prev;
	TRY(moat_ext_renegotiation_info_decode(blk->data[MOAT_EXTI_RENEGOTIATION_INFO], &prev));
	ENSURE(moat_cursor_remaining(&prev) == 0, MOAT_ERR_HANDSHAKE_FAILURE);
	conn->hs->client_secure_reneg = true;
	return MOAT_SUCCESS;
}

bool moat_ext_renegotiation_info_sh12_should_send(const struct moat_connection *conn)
{
	return conn->hs->client_secure_reneg;
}

int moat_ext_renegotiation_info_sh12_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	return moat_ext_write_renegotiation_info(out, NULL, 0);
}

/*
 * RFC 8449 §4: in TLS 1.2 the limit counts the plaintext alone; we take
 * records up to the protocol's 2^14. Sent when the client offered one (the
 * EncryptedExtensions column's test), and then never max_fragment_length.
 */
int moat_ext_record_size_limit_sh12_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	return moat_ext_write_record_size_limit(out, MOAT_MAX_PLAINTEXT);
}
