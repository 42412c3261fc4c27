/*
 * 0-RTT data, RFC 8446 §2.3, §4.2.10, §4.5: the server's decision to take
 * it, the early traffic keys on both sides, reading it (server) and sending
 * it (client). Early data the server does not take is skipped
 * (early_data_skip.c).
 *
 * Early data is not forward secret and can be replayed (§8, E.5): whoever
 * recorded a ClientHello with its early data can send both again. A server
 * takes it only when all of these hold, in this order:
 *  - the application asked for it (a max_early_data_size above 0) and the
 *    ClientHello offers it, with no HelloRetryRequest (§4.2.10: a second
 *    ClientHello must not offer it, so early data and HRR exclude each other);
 *  - the PSK chosen is the client's first identity (§4.2.10), whose ticket
 *    advertised a max_early_data_size above 0, and the cipher suite and
 *    ALPN protocol are the ticket's (§4.2.10; the server name was checked
 *    when the ticket was opened, tls13_psk.c);
 *  - the ticket's opener said this is the first time the ticket is opened
 *    for 0-RTT (moat_ticket_op_set_early_data_ok): single-use tickets,
 *    §8.1. In moat, keyd keeps that record for every frontd process, so a
 *    replay to another worker, or after a frontd restart, is refused too;
 *  - the application's early data callback, if any, accepts.
 * A failure of any is "rejected": the server answers without early_data in
 * its EncryptedExtensions, skips the 0-RTT records, and the handshake goes
 * on (resumed or full). The client learns it and must send the data again.
 *
 * Key changes, Appendix A:
 *   server, after ServerHello:   K_recv = early data (accepted) or handshake
 *   server, Recv EndOfEarlyData: K_recv = handshake
 *   client, after ClientHello:   K_send = early data (when it sends any)
 *   client, Recv EncryptedExtensions without early_data: K_send = handshake
 *   client, Send EndOfEarlyData: K_send = handshake
 * The client keeps its early write keys from the first early record to the
 * EndOfEarlyData, so their sequence numbers run on across both.
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/early_data.h"
#include "tls/ext_handlers.h"
#include "tls/handshake_tables.h"
#include "tls/tickets.h"

/* ---- settings ----------------------------------------------------------- */

int moat_config_set_server_max_early_data_size(struct moat_config *config, uint32_t max_early_data_size)
{
	ENSURE_REF(config);
	config->max_early_data = max_early_data_size;
	return MOAT_SUCCESS;
}

int moat_connection_set_server_max_early_data_size(struct moat_connection *conn, uint32_t max_early_data_size)
{
	ENSURE_REF(conn);
	conn->max_early_data = max_early_data_size;
	conn->max_early_data_set = true;
	return MOAT_SUCCESS;
}

int moat_config_set_early_data_cb(struct moat_config *config, moat_early_data_fn fn)
{
	ENSURE_REF(config);
	config->early_data_cb = fn;
	return MOAT_SUCCESS;
}

uint32_t moat_early_data_server_max(const struct moat_connection *conn)
{
	if (conn->max_early_data_set)
		return conn->max_early_data;
	return conn->config != NULL ? conn->config->max_early_data : 0;
}

bool moat_early_data_server_wanted(const struct moat_connection *conn)
{
	const struct moat_handshake *hs = conn->hs;
	return conn->mode == MOAT_SERVER && hs != NULL && hs->early_data_offered && !hs->hrr_done &&
	       moat_early_data_server_max(conn) > 0;
}

/* ---- the early data callback ------------------------------------------- */

static int answer_offer(struct moat_offered_early_data *early_data, bool accept)
{
	ENSURE_REF(early_data);
	struct moat_connection *conn = early_data->conn;
	ENSURE(conn != NULL && conn->hs != NULL && &conn->hs->offered_early_data == early_data, MOAT_ERR_INVALID_STATE);
	struct moat_handshake *hs = conn->hs;
	ENSURE(hs->early_data_cb_called && !hs->early_data_cb_answered, MOAT_ERR_INVALID_STATE);
	hs->early_data_cb_accepted = accept;
	hs->early_data_cb_answered = true;
	return MOAT_SUCCESS;
}

int moat_offered_early_data_accept(struct moat_offered_early_data *early_data)
{
	return answer_offer(early_data, true);
}

int moat_offered_early_data_reject(struct moat_offered_early_data *early_data)
{
	return answer_offer(early_data, false);
}

/* ---- server: the decision ---------------------------------------------- */

/* Everything but the callback: the first identity, its ticket's allowance, suite and ALPN, single use. */
static bool offer_fits(const struct moat_connection *conn)
{
	const struct moat_handshake *hs = conn->hs;
	const struct moat_tickets *t = conn->tix;
	if (!moat_early_data_server_wanted(conn) || (hs->flags & (MOAT_HS_F_HRR | MOAT_HS_F_PSK)) != MOAT_HS_F_PSK ||
	    t == NULL || !t->psk_selected || !t->have_session)
		return false;
	const struct moat_session_state *s = &t->session;
	return t->psk_index == 0 && t->early_data_ok && s->max_early_data > 0 && s->cipher_suite == conn->suite->iana &&
	       strcmp(s->alpn, conn->alpn) == 0;
}

/* client_early_traffic_secret = Derive-Secret(early, "c e traffic", ClientHello) (§7.1) into conn->secrets. */
static int derive_client_early(struct moat_connection *conn, moat_hash_alg alg, const uint8_t *psk, size_t psk_len,
			       const uint8_t *hello_hash)
{
	struct moat_secrets *s = conn->secrets;
	ENSURE(s != NULL, MOAT_ERR_INTERNAL);
	int rc = moat_tls13_init(s, alg, psk, psk_len);
	if (rc == MOAT_SUCCESS)
		rc = moat_tls13_derive_early(s, hello_hash, s->client_early, NULL);
	moat_wipe(s->early, sizeof(s->early));
	return rc;
}

int moat_tls13_early_data_server_decide(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	if (hs->early_data_decided)
		return MOAT_SUCCESS;
	bool accept = offer_fits(conn);
	moat_early_data_fn cb = conn->config->early_data_cb;
	if (accept && cb != NULL) {
		if (!hs->early_data_cb_called) {
			hs->early_data_cb_called = true;
			hs->offered_early_data.conn = conn;
			ENSURE(cb(conn, &hs->offered_early_data) >= 0, MOAT_ERR_CALLBACK_FAILED);
		}
		/* Asynchronous: negotiate is called again once the application has answered. */
		ENSURE(hs->early_data_cb_answered, MOAT_ERR_ASYNC_BLOCKED);
		accept = hs->early_data_cb_accepted;
	}
	if (accept) {
		/* The transcript holds the ClientHello alone: no HelloRetryRequest came before it. */
		TRY(moat_hs_transcript_hash(conn, hs->early_hello_hash));
		hs->flags |= MOAT_HS_F_EARLY_DATA;
		hs->early_data_limit = conn->tix->session.max_early_data;
		/* Records that open with the early keys are read, not skipped (early_data_skip.c). */
		hs->early_data_over = true;
		conn->early_data_status = MOAT_ED_OFFERED;
	} else {
		conn->early_data_status = hs->early_data_offered ? MOAT_ED_REJECTED : MOAT_ED_NONE;
	}
	hs->early_data_decided = true;
	return MOAT_SUCCESS;
}

/* §4.2.10: the server's early_data in EncryptedExtensions says the 0-RTT data was accepted. */
bool moat_ext_early_data_ee_should_send(const struct moat_connection *conn)
{
	return conn->mode == MOAT_SERVER && (conn->hs->flags & MOAT_HS_F_EARLY_DATA);
}

int moat_ext_early_data_ee_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	return moat_ext_write_empty(out, MOAT_EXT_EARLY_DATA);
}

int moat_tls13_early_data_server_derive(struct moat_connection *conn)
{
	if (!(conn->hs->flags & MOAT_HS_F_EARLY_DATA))
		return MOAT_SUCCESS;
	struct moat_secrets *s = conn->secrets;
	return moat_tls13_derive_early(s, conn->hs->early_hello_hash, s->client_early, NULL);
}

/* Keep client_handshake_traffic_secret for the change after EndOfEarlyData; switch to it and let go. */
static void keep_next_secret(struct moat_connection *conn)
{
	memcpy(conn->hs->early_next_secret, conn->secrets->client_hs, sizeof(conn->hs->early_next_secret));
}

static int switch_to_next_secret(struct moat_connection *conn, bool write)
{
	int rc = moat_hs_set_keys(conn, write, conn->hs->early_next_secret);
	moat_wipe(conn->hs->early_next_secret, sizeof(conn->hs->early_next_secret));
	return rc;
}

/* Appendix A.2: K_recv = early data after our ServerHello when accepted; the secret is not needed once installed. */
int moat_tls13_early_data_server_read_keys(struct moat_connection *conn)
{
	keep_next_secret(conn);
	int rc = moat_hs_set_keys(conn, false, conn->secrets->client_early);
	moat_wipe(conn->secrets->client_early, sizeof(conn->secrets->client_early));
	return rc;
}

/* Appendix A.2: Recv EndOfEarlyData, K_recv = handshake; §4.5: it must end its record (moat_hs_set_keys). */
int moat_tls13_server_recv_end_of_early_data(struct moat_connection *conn, struct moat_cursor body)
{
	TRY(moat_end_of_early_data_decode(body));
	conn->early_data_status = MOAT_ED_END;
	return switch_to_next_secret(conn, false);
}

/*
 * A record of application data before the handshake is complete (io.c):
 * accepted early data, counted against the ticket's max_early_data_size
 * (§4.2.10: past it, unexpected_message), or unexpected_message.
 */
int moat_early_data_server_record(struct moat_connection *conn, const uint8_t *data, size_t len)
{
	struct moat_handshake *hs = conn->hs;
	ENSURE(conn->mode == MOAT_SERVER && hs != NULL && (hs->flags & MOAT_HS_F_EARLY_DATA) &&
		       conn->early_data_status == MOAT_ED_OFFERED,
	       MOAT_ERR_UNEXPECTED_MESSAGE);
	ENSURE(hs->early_data_received <= hs->early_data_limit && len <= hs->early_data_limit - hs->early_data_received,
	       MOAT_ERR_TOO_MUCH_EARLY_DATA);
	/* §5.1: handshake messages must not be interleaved with other record types. */
	ENSURE(hs->in.len == 0, MOAT_ERR_UNEXPECTED_MESSAGE);
	hs->early_data_received += len;
	conn->app_in = (uint8_t *)data;
	conn->app_in_len = len;
	return MOAT_SUCCESS;
}

/* Whether early data from the client may still arrive (or waits to be read). */
static bool server_early_data_open(const struct moat_connection *conn)
{
	const struct moat_handshake *hs = conn->hs;
	if (conn->handshake_complete || conn->failed)
		return false;
	/* Not started, or the ClientHello not yet answered. */
	if (hs == NULL || !hs->early_data_decided)
		return true;
	return (hs->flags & MOAT_HS_F_EARLY_DATA) &&
	       (conn->early_data_status == MOAT_ED_OFFERED || hs->early_data_waiting);
}

int moat_recv_early_data(struct moat_connection *conn, uint8_t *data, ssize_t max_data_len, ssize_t *data_received,
			 moat_blocked_status *blocked)
{
	ENSURE_REF(conn);
	ENSURE_REF(data_received);
	ENSURE_REF(blocked);
	ENSURE(max_data_len >= 0 && (data != NULL || max_data_len == 0), MOAT_ERR_NULL_ARG);
	ENSURE(conn->mode == MOAT_SERVER, MOAT_ERR_INVALID_STATE);
	*data_received = 0;
	*blocked = MOAT_NOT_BLOCKED;
	size_t want = (size_t)max_data_len, got = 0;
	for (;;) {
		struct moat_handshake *hs = conn->hs;
		if (hs != NULL && hs->early_data_waiting) {
			size_t n = conn->app_in_len < want - got ? conn->app_in_len : want - got;
			if (n > 0)
				memcpy(data + got, conn->app_in, n);
			conn->app_in += n;
			conn->app_in_len -= n;
			got += n;
			*data_received = (ssize_t)got;
			if (conn->app_in_len > 0) {
				*blocked = MOAT_BLOCKED_ON_EARLY_DATA;
				BAIL(MOAT_ERR_EARLY_DATA_BLOCKED);
			}
			hs->early_data_waiting = false;
		}
		if (!server_early_data_open(conn))
			return MOAT_SUCCESS;
		int rc = moat_negotiate(conn, blocked);
		if (rc < 0 && moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
			return MOAT_FAILURE;
		if (rc == MOAT_SUCCESS || !server_early_data_open(conn)) {
			moat_error_clear();
			*blocked = MOAT_NOT_BLOCKED;
			return MOAT_SUCCESS;
		}
		if (moat_errno != MOAT_ERR_EARLY_DATA_BLOCKED)
			return MOAT_FAILURE;
		*blocked = MOAT_NOT_BLOCKED;
		moat_error_clear();
	}
}

/* ---- client ------------------------------------------------------------- */

/* The session set allows early data, and this ClientHello will offer its ticket. */
static bool client_may_send(const struct moat_connection *conn)
{
	const struct moat_tickets *t = conn->tix;
	return conn->mode == MOAT_CLIENT && t != NULL && t->have_session && !t->received &&
	       t->session.max_early_data > 0 && moat_tls13_psk_client_offers(conn);
}

bool moat_ext_early_data_ch_should_send(const struct moat_connection *conn)
{
	return conn->early_data_status == MOAT_ED_OFFERED && !conn->hs->hrr_done && client_may_send(conn);
}

int moat_ext_early_data_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	return moat_ext_write_empty(out, MOAT_EXT_EARLY_DATA);
}

/* §4.2.10: the server accepted; only on the first identity, which is the one ticket we offer. */
int moat_ext_early_data_ee_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	TRY(moat_ext_empty_decode(blk->data[MOAT_EXTI_EARLY_DATA]));
	struct moat_handshake *hs = conn->hs;
	ENSURE((hs->flags & MOAT_HS_F_PSK) && conn->tix != NULL && conn->tix->have_session &&
		       conn->suite->iana == conn->tix->session.cipher_suite,
	       MOAT_ERR_ILLEGAL_PARAMETER);
	hs->flags |= MOAT_HS_F_EARLY_DATA;
	return MOAT_SUCCESS;
}

/* After EncryptedExtensions: rejected early data leaves the early keys behind now (Appendix A.1). */
int moat_tls13_early_data_client_after_ee(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	if (!moat_ext_set_has(hs->ext_offered, MOAT_EXTI_EARLY_DATA))
		return MOAT_SUCCESS;
	if (hs->flags & MOAT_HS_F_EARLY_DATA) {
		conn->early_data_status = MOAT_ED_END;
		return MOAT_SUCCESS;
	}
	conn->early_data_status = MOAT_ED_REJECTED;
	return switch_to_next_secret(conn, true);
}

int moat_tls13_early_data_client_hrr(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	if (!hs->early_data_keys)
		return MOAT_SUCCESS;
	struct moat_record_keys none;
	memset(&none, 0, sizeof(none));
	TRY(moat_record_set_keys(&conn->rl, true, &moat_record_null, &none));
	hs->early_data_keys = false;
	conn->early_data_status = MOAT_ED_REJECTED;
	return MOAT_SUCCESS;
}

/* Client, ServerHello: keep the early write keys while the early data's fate is open (and the next secret). */
bool moat_tls13_early_data_client_keeps_write_keys(struct moat_connection *conn)
{
	if (conn->mode != MOAT_CLIENT || conn->hs == NULL || !conn->hs->early_data_keys)
		return false;
	keep_next_secret(conn);
	return true;
}

int moat_tls13_client_send_end_of_early_data(struct moat_connection *conn)
{
	struct moat_buf msg;
	uint8_t mem[MOAT_HS_HEADER_LEN];
	moat_buf_init_fixed(&msg, mem, sizeof(mem));
	TRY(moat_end_of_early_data_encode(&msg));
	return moat_hs_queue_message(conn, msg.data, msg.len);
}

/* Appendix A.1: Send EndOfEarlyData, K_send = handshake. */
int moat_tls13_client_end_of_early_data_sent(struct moat_connection *conn)
{
	return switch_to_next_secret(conn, true);
}

/* K_send = early data, right behind our first ClientHello (now flushed): the ticket's suite and PSK. */
static int client_install_early_keys(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	const struct moat_session_state *s = &conn->tix->session;
	const struct moat_cipher_suite *suite = moat_cipher_suite_find(s->cipher_suite);
	ENSURE(suite != NULL && hs->ch1_len > 0 && hs->transcript_raw.len >= hs->ch1_len, MOAT_ERR_INTERNAL);
	uint8_t hash[MOAT_MAX_HASH_LEN];
	TRY(moat_hash_oneshot(suite->prf_hash, hs->transcript_raw.data, hs->ch1_len, hash));
	TRY(derive_client_early(conn, suite->prf_hash, s->psk, s->psk_len, hash));
	int rc = moat_record_set_traffic_secret(&conn->rl, true, suite->prf_hash, suite->aead,
						conn->secrets->client_early);
	moat_wipe(conn->secrets->client_early, sizeof(conn->secrets->client_early));
	TRY(rc);
	hs->early_data_keys = true;
	return MOAT_SUCCESS;
}

int moat_send_early_data(struct moat_connection *conn, const uint8_t *data, ssize_t data_len, ssize_t *data_sent,
			 moat_blocked_status *blocked)
{
	ENSURE_REF(conn);
	ENSURE_REF(data_sent);
	ENSURE_REF(blocked);
	ENSURE(data_len >= 0 && (data != NULL || data_len == 0), MOAT_ERR_NULL_ARG);
	*data_sent = 0;
	*blocked = MOAT_NOT_BLOCKED;
	ENSURE(conn->config != NULL && !conn->failed && !conn->handshake_complete, MOAT_ERR_INVALID_STATE);
	if (conn->hs == NULL || conn->hs->position == 0) {
		/* Before the first ClientHello: it will offer early data. */
		ENSURE(client_may_send(conn), MOAT_ERR_INVALID_STATE);
		conn->early_data_status = MOAT_ED_OFFERED;
	}
	ENSURE(conn->early_data_status == MOAT_ED_OFFERED, MOAT_ERR_INVALID_STATE);
	uint32_t max = conn->tix->session.max_early_data;
	ENSURE(conn->early_data_sent <= max && (size_t)data_len <= max - conn->early_data_sent,
	       MOAT_ERR_TOO_MUCH_EARLY_DATA);
	if (conn->hs == NULL || !conn->hs->early_data_keys) {
		/* Send the ClientHello and stop before reading the server's answer (handshake.c). */
		conn->early_data_writing = true;
		int rc = moat_negotiate(conn, blocked);
		conn->early_data_writing = false;
		if (rc == MOAT_SUCCESS || moat_errno != MOAT_ERR_EARLY_DATA_BLOCKED)
			return MOAT_FAILURE;
		moat_error_clear();
		*blocked = MOAT_NOT_BLOCKED;
		/* The ClientHello may not have offered it after all (a HelloRetryRequest cannot have come yet). */
		ENSURE(moat_ext_set_has(conn->hs->ext_offered, MOAT_EXTI_EARLY_DATA), MOAT_ERR_INVALID_STATE);
		TRY(client_install_early_keys(conn));
	}
	/* The server's answer may be read already: then it is too late for more. */
	ENSURE(conn->hs->position <= 1, MOAT_ERR_INVALID_STATE);
	if (data_len > 0)
		TRY(moat_conn_write_records(conn, MOAT_CT_APPLICATION_DATA, data, (size_t)data_len));
	conn->early_data_sent += (uint32_t)data_len;
	*data_sent = data_len;
	if (moat_conn_flush(conn, blocked) < 0) {
		/* Queued: negotiate sends it with the rest. */
		if (moat_errno != MOAT_ERR_IO_BLOCKED)
			return MOAT_FAILURE;
		moat_error_clear();
		*blocked = MOAT_NOT_BLOCKED;
	}
	return MOAT_SUCCESS;
}

/* ---- status ------------------------------------------------------------- */

int moat_connection_get_early_data_status(struct moat_connection *conn, moat_early_data_status_t *status)
{
	ENSURE_REF(conn);
	ENSURE_REF(status);
	static const moat_early_data_status_t public[] = {
		[MOAT_ED_NONE] = MOAT_EARLY_DATA_STATUS_NOT_REQUESTED,
		[MOAT_ED_OFFERED] = MOAT_EARLY_DATA_STATUS_OK,
		[MOAT_ED_REJECTED] = MOAT_EARLY_DATA_STATUS_REJECTED,
		[MOAT_ED_END] = MOAT_EARLY_DATA_STATUS_END,
	};
	ENSURE(conn->early_data_status <= MOAT_ED_END, MOAT_ERR_INTERNAL);
	*status = public[conn->early_data_status];
	return MOAT_SUCCESS;
}

int moat_connection_get_remaining_early_data_size(struct moat_connection *conn, uint32_t *size)
{
	ENSURE_REF(conn);
	ENSURE_REF(size);
	*size = 0;
	if (conn->mode == MOAT_CLIENT) {
		if (conn->tix != NULL && conn->tix->have_session && conn->early_data_sent <= conn->tix->session.max_early_data &&
		    (conn->early_data_status == MOAT_ED_OFFERED ||
		     conn->early_data_status == MOAT_ED_NONE) && !conn->handshake_complete)
			*size = conn->tix->session.max_early_data - conn->early_data_sent;
	} else if (conn->hs != NULL && (conn->hs->flags & MOAT_HS_F_EARLY_DATA) &&
		   conn->early_data_status == MOAT_ED_OFFERED) {
		*size = (uint32_t)(conn->hs->early_data_limit - conn->hs->early_data_received);
	}
	return MOAT_SUCCESS;
}
