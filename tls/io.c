/*
 * Application-facing I/O: send, recv, peek, shutdown, flush; the record
 * router shared with the handshake; alerts; post-handshake messages
 * (KeyUpdate, NewSessionTicket).
 *
 * Semantics the guide leaves to us:
 * - moat_send returns how many bytes it took. Bytes taken are already
 *   encrypted into records; if the transport then blocks, *blocked says
 *   MOAT_BLOCKED_ON_WRITE and the next send/flush call pushes them out first.
 *   It returns -1 (BLOCKED) only when it could take nothing.
 * - moat_recv returns 0 once the peer sent close_notify or closed the
 *   transport. A TLS 1.3 alert other than close_notify and user_canceled ends
 *   the connection (RFC 8446 §6.2) with an error of type ALERT.
 * - moat_recv also writes: the KeyUpdate a peer asked for, and output an
 *   earlier call left queued. If that blocks, *blocked says
 *   MOAT_BLOCKED_ON_WRITE, whether it returns bytes or -1 (then nothing
 *   was read either); the caller waits for writability and calls
 *   moat_flush (or moat_send, moat_recv).
 * - Output is bounded: at most SEND_BATCH bytes are encrypted before a flush,
 *   so a large send never buffers more than that.
 */
#include <string.h>

#include "common/secmem.h"
#include "tls/alert.h"
#include "tls/conn.h"
#include "tls/early_data.h"
#include "tls/messages12.h"
#include "tls/tickets.h"

#define SEND_BATCH (4u * (MOAT_MAX_PLAINTEXT + 256u))
/* AES-GCM's confidentiality bound (RFC 8446 §5.5) is 2^24.5 full records; update well before. */
#define KEY_UPDATE_AFTER_RECORDS (UINT64_C(1) << 23)

int moat_conn_flush(struct moat_connection *conn, moat_blocked_status *blocked)
{
	if (conn->io.out.len == 0)
		return MOAT_SUCCESS;
	if (moat_record_io_flush(&conn->io) < 0) {
		if (moat_errno == MOAT_ERR_IO_BLOCKED && blocked != NULL)
			*blocked = MOAT_BLOCKED_ON_WRITE;
		return MOAT_FAILURE;
	}
	return MOAT_SUCCESS;
}

int moat_conn_write_records(struct moat_connection *conn, uint8_t content_type, const uint8_t *data, size_t len)
{
	size_t limit = moat_conn_record_limit(conn);
	do {
		size_t n = len < limit ? len : limit;
		TRY(moat_record_write(&conn->rl, content_type, data, n, 0, &conn->io.out));
		data += n;
		len -= n;
	} while (len > 0);
	return MOAT_SUCCESS;
}

static int write_alert(struct moat_connection *conn, uint8_t level, uint8_t desc)
{
	return moat_record_write_alert(&conn->rl, level, desc, &conn->io.out);
}

int moat_conn_fail(struct moat_connection *conn, int err)
{
	const char *where = moat_debug_str;
	if (!conn->failed) {
		conn->failed = true;
		conn->error = err;
		moat_error_type type = moat_error_get_type(err);
		moat_alert alert = moat_error_get_alert(err);
		if (alert == MOAT_ALERT_NONE && (type == MOAT_ERR_T_USAGE || type == MOAT_ERR_T_INTERNAL))
			alert = MOAT_ALERT_INTERNAL_ERROR;
		/* No alert after the peer's own alert, after I/O failure, or once our side is closed. */
		if (alert != MOAT_ALERT_NONE && type != MOAT_ERR_T_ALERT && type != MOAT_ERR_T_IO &&
		    type != MOAT_ERR_T_CLOSED && !conn->write_closed) {
			if (conn->hs != NULL)
				moat_buf_reset(&conn->hs->out);
			/* Best effort: the connection is already lost if this cannot be sent. */
			if (write_alert(conn, MOAT_ALERT_LEVEL_FATAL, (uint8_t)alert) == MOAT_SUCCESS && moat_record_io_flush(&conn->io) < 0)
				moat_error_clear();
			conn->write_closed = true;
		}
	}
	moat_error_raise(err, where);
	return MOAT_FAILURE;
}

static int handle_alert(struct moat_connection *conn, const uint8_t *data, size_t len)
{
	struct moat_cursor c;
	uint8_t level, desc;
	moat_cursor_init(&c, data, len);
	TRY(moat_cursor_get_u8(&c, &level));
	TRY(moat_cursor_get_u8(&c, &desc));
	/* RFC 8446 §5.1: an alert record holds exactly one alert. */
	TRY(moat_cursor_expect_end(&c));
	/* tls/alert.h: TLS 1.2's levels count once it (or 1.1, 1.0) is negotiated; until then 1.3's stricter rule. */
	bool tls12 = conn->version >= MOAT_TLS10 && conn->version <= MOAT_TLS12;
	enum moat_alert_effect effect = tls12 ? moat_alert_effect_tls12(level, desc) : moat_alert_effect_tls13(level, desc);
	switch (effect) {
	case MOAT_ALERT_EFFECT_CLOSE:
		conn->read_closed = true;
		BAIL(MOAT_ERR_CLOSED);
	case MOAT_ALERT_EFFECT_CONTINUE:
		return MOAT_SUCCESS;
	case MOAT_ALERT_EFFECT_FATAL:
		break;
	}
	conn->alert_received = desc;
	conn->read_closed = true;
	conn->write_closed = true; /* §6.2: no alert is sent in reply to a fatal alert */
	BAIL(MOAT_ERR_ALERT);
}

int moat_conn_read_record(struct moat_connection *conn, uint8_t *content_type)
{
	uint8_t *plain;
	size_t len;
	bool skip;
	ENSURE(!conn->read_closed, MOAT_ERR_CLOSED);
	do {
		int rc = moat_record_io_read(&conn->io, &conn->rl, content_type, &plain, &len);
		TRY(moat_early_data_skip(conn, rc, conn->io.last_type, conn->io.last_len, &skip));
	} while (skip);
	switch (*content_type) {
	case MOAT_CT_CHANGE_CIPHER_SPEC:
		/* RFC 8446 §5: a message of the handshake, which its state machine judges (a row with a recv handler). */
		return moat_hs_recv_ccs(conn, plain, len);
	case MOAT_CT_ALERT:
		return handle_alert(conn, plain, len);
	case MOAT_CT_HANDSHAKE:
		if (conn->handshake_complete) {
			ENSURE(conn->post_hs.len + len <= MOAT_MAX_POST_HANDSHAKE_MESSAGE + MOAT_HS_HEADER_LEN,
			       MOAT_ERR_DECODE);
			TRY(moat_buf_put_bytes(&conn->post_hs, plain, len));
			return moat_conn_handle_post_handshake(conn);
		}
		/* A server's handshake state exists once negotiate ran (connection.c). */
		ENSURE(conn->hs != NULL, MOAT_ERR_UNEXPECTED_MESSAGE);
		return moat_buf_put_bytes(&conn->hs->in, plain, len);
	case MOAT_CT_APPLICATION_DATA:
		/* Before the handshake ends: accepted early data or unexpected (rejected early data was skipped above). */
		if (!conn->handshake_complete)
			return moat_early_data_server_record(conn, plain, len);
		/* §5.1: handshake messages must not be interleaved with other record types. */
		ENSURE(conn->post_hs.len == 0, MOAT_ERR_UNEXPECTED_MESSAGE);
		conn->app_in = plain;
		conn->app_in_len = len;
		return MOAT_SUCCESS;
	default:
		BAIL(MOAT_ERR_UNEXPECTED_MESSAGE);
	}
}

static uint8_t *own_app_secret(struct moat_connection *conn, bool write)
{
	bool client_side = (conn->mode == MOAT_CLIENT) == write;
	return client_side ? conn->secrets->client_app : conn->secrets->server_app;
}

static int update_keys(struct moat_connection *conn, bool write)
{
	uint8_t *secret = own_app_secret(conn, write);
	TRY(moat_tls13_next_traffic_secret(conn->suite->prf_hash, secret));
	return moat_record_set_traffic_secret(&conn->rl, write, conn->suite->prf_hash, conn->suite->aead, secret);
}

/* Queue our KeyUpdate and switch write keys right after it (§4.6.3). */
static int send_key_update(struct moat_connection *conn)
{
	struct moat_buf msg;
	uint8_t mem[8];
	moat_buf_init_fixed(&msg, mem, sizeof(mem));
	TRY(moat_key_update_encode(&msg, conn->key_update_request_peer));
	TRY(moat_conn_write_records(conn, MOAT_CT_HANDSHAKE, msg.data, msg.len));
	TRY(update_keys(conn, true));
	conn->key_update_pending = false;
	conn->key_update_request_peer = false;
	conn->records_since_update = 0;
	return MOAT_SUCCESS;
}

/*
 * TLS 1.2 (and 1.1/1.0) after the handshake: renegotiation is never done
 * (RFC 5746 is honoured only to say so). A server answers the client's
 * ClientHello with a no_renegotiation warning (RFC 5246 §7.2.2) and drops
 * it; a client that sends another has not taken the answer and the
 * connection ends with unexpected_message (no_renegotiation itself is
 * "always a warning"). A client answers the server's HelloRequest the same
 * way (§7.4.1.1: the client "may respond with a no_renegotiation alert"),
 * each time: a HelloRequest asks, it does not insist, and the server may
 * ask again later. Any other handshake message, KeyUpdate included (TLS
 * 1.3 only), is unexpected_message.
 */
static int refuse_renegotiation(struct moat_connection *conn, uint8_t type, struct moat_cursor body)
{
	if (conn->mode == MOAT_CLIENT) {
		ENSURE(type == MOAT_HS_HELLO_REQUEST, MOAT_ERR_UNEXPECTED_MESSAGE);
		TRY(moat_hello_request_decode(body));
	} else {
		ENSURE(type == MOAT_HS_CLIENT_HELLO && !conn->renegotiation_refused, MOAT_ERR_UNEXPECTED_MESSAGE);
	}
	conn->renegotiation_refused = true;
	if (conn->write_closed)
		return MOAT_SUCCESS;
	return write_alert(conn, MOAT_ALERT_LEVEL_WARNING, MOAT_ALERT_NO_RENEGOTIATION);
}

int moat_conn_handle_post_handshake(struct moat_connection *conn)
{
	size_t msg_len;
	while (moat_hs_message_complete(conn->post_hs.data, conn->post_hs.len, &msg_len)) {
		struct moat_cursor c, body;
		uint8_t type;
		moat_cursor_init(&c, conn->post_hs.data, msg_len);
		TRY(moat_hs_header_decode(&c, &type, &body));
		if (conn->version <= MOAT_TLS12) {
			TRY(refuse_renegotiation(conn, type, body));
		} else {
			switch (type) {
			case MOAT_HS_KEY_UPDATE: {
				bool requested;
				TRY(moat_key_update_decode(body, &requested));
				/* §5.1: KeyUpdate must end its record: nothing may follow under the old keys. */
				ENSURE(conn->post_hs.len == msg_len, MOAT_ERR_UNEXPECTED_MESSAGE);
				TRY(update_keys(conn, false));
				if (requested && !conn->write_closed && !conn->key_update_pending) {
					conn->key_update_pending = true;
					conn->key_update_request_peer = false;
				}
				break;
			}
			case MOAT_HS_NEW_SESSION_TICKET:
				ENSURE(conn->mode == MOAT_CLIENT, MOAT_ERR_UNEXPECTED_MESSAGE);
				TRY(moat_tickets_client_recv_nst(conn, body));
				break;
			default:
				/* No post_handshake_auth is offered, so a CertificateRequest is unexpected too. */
				BAIL(MOAT_ERR_UNEXPECTED_MESSAGE);
			}
		}
		size_t rest = conn->post_hs.len - msg_len;
		if (rest > 0)
			memmove(conn->post_hs.data, conn->post_hs.data + msg_len, rest);
		conn->post_hs.len = rest;
	}
	if (conn->post_hs.len >= MOAT_HS_HEADER_LEN) {
		struct moat_cursor c;
		uint8_t type;
		uint32_t body_len;
		moat_cursor_init(&c, conn->post_hs.data, conn->post_hs.len);
		TRY(moat_cursor_get_u8(&c, &type));
		TRY(moat_cursor_get_u24(&c, &body_len));
		ENSURE(body_len <= MOAT_MAX_POST_HANDSHAKE_MESSAGE, MOAT_ERR_DECODE);
	}
	if (conn->post_hs.len == 0)
		moat_buf_free(&conn->post_hs);
	return MOAT_SUCCESS;
}

static int check_open_for_app_data(struct moat_connection *conn)
{
	ENSURE_REF(conn);
	if (conn->failed)
		BAIL(conn->error);
	ENSURE(conn->handshake_complete, MOAT_ERR_INVALID_STATE);
	return MOAT_SUCCESS;
}

static int prepare_send(struct moat_connection *conn, moat_blocked_status *blocked)
{
	TRY(check_open_for_app_data(conn));
	ENSURE(!conn->write_closed, MOAT_ERR_CLOSED);
	TRY(moat_conn_flush(conn, blocked));
	/*
	 * TLS 1.2 has no KeyUpdate, and renegotiation (its only rekeying) is
	 * refused: a 1.2 connection keeps its keys for its life, as 1.2 peers
	 * without renegotiation do; the record layer still refuses to let the
	 * sequence number wrap.
	 */
	if (conn->version == MOAT_TLS13 && conn->records_since_update >= KEY_UPDATE_AFTER_RECORDS &&
	    !conn->key_update_pending)
		conn->key_update_pending = true;
	if (conn->key_update_pending)
		TRY(send_key_update(conn));
	/* Tickets asked for after the handshake (moat_connection_add_new_tickets_to_send); sealing may wait. */
	if (conn->mode == MOAT_SERVER && conn->tix != NULL && conn->tix->to_send > 0) {
		if (moat_tickets_issue(conn, false) < 0) {
			if (moat_errno == MOAT_ERR_ASYNC_BLOCKED)
				*blocked = MOAT_BLOCKED_ON_APPLICATION_INPUT;
			return MOAT_FAILURE;
		}
	}
	return MOAT_SUCCESS;
}

static ssize_t fail_io(struct moat_connection *conn)
{
	if (moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED)
		return -1;
	/* CLOSED and USAGE do not end the connection; anything else does. */
	moat_error_type type = moat_error_get_type(moat_errno);
	if (type == MOAT_ERR_T_CLOSED || type == MOAT_ERR_T_USAGE)
		return -1;
	(void)moat_conn_fail(conn, moat_errno);
	return -1;
}

ssize_t moat_sendv_with_offset(struct moat_connection *conn, const struct iovec *bufs, ssize_t count, ssize_t offs,
			       moat_blocked_status *blocked)
{
	if (blocked == NULL || (bufs == NULL && count > 0) || count < 0 || offs < 0) {
		moat_error_raise(MOAT_ERR_NULL_ARG, MOAT_HERE);
		return -1;
	}
	*blocked = MOAT_NOT_BLOCKED;
	if (prepare_send(conn, blocked) < 0)
		return fail_io(conn);

	size_t limit = moat_conn_record_limit(conn);
	size_t taken = 0;
	size_t skip = (size_t)offs;
	ssize_t i = 0;
	size_t in_iov = 0;
	/* Find the starting iovec. */
	while (i < count && skip >= bufs[i].iov_len) {
		skip -= bufs[i].iov_len;
		i++;
	}
	in_iov = skip;
	uint8_t record[MOAT_MAX_PLAINTEXT];
	while (i < count) {
		/* A whole record inside one iovec is protected from there; only records that span iovecs are gathered. */
		const uint8_t *src = record;
		size_t n = 0;
		if (bufs[i].iov_len - in_iov >= limit) {
			src = (const uint8_t *)bufs[i].iov_base + in_iov;
			n = limit;
			in_iov += limit;
			if (in_iov == bufs[i].iov_len) {
				i++;
				in_iov = 0;
			}
		}
		while (i < count && n < limit && src == record) {
			size_t avail = bufs[i].iov_len - in_iov;
			size_t take = avail < limit - n ? avail : limit - n;
			if (take > 0)
				memcpy(record + n, (const uint8_t *)bufs[i].iov_base + in_iov, take);
			n += take;
			in_iov += take;
			if (in_iov == bufs[i].iov_len) {
				i++;
				in_iov = 0;
			}
		}
		if (n == 0)
			break;
		if (moat_record_write(&conn->rl, MOAT_CT_APPLICATION_DATA, src, n, 0, &conn->io.out) < 0) {
			moat_wipe(record, n);
			return fail_io(conn);
		}
		conn->records_since_update++;
		taken += n;
		if (conn->io.out.len >= SEND_BATCH && moat_conn_flush(conn, blocked) < 0) {
			if (moat_errno != MOAT_ERR_IO_BLOCKED) {
				moat_wipe(record, sizeof(record));
				return fail_io(conn);
			}
			break; /* taken bytes are committed; *blocked tells the caller to come back */
		}
	}
	moat_wipe(record, sizeof(record));
	if (*blocked == MOAT_NOT_BLOCKED && moat_conn_flush(conn, blocked) < 0 && moat_errno != MOAT_ERR_IO_BLOCKED)
		return fail_io(conn);
	if (taken == 0 && *blocked != MOAT_NOT_BLOCKED) {
		moat_error_raise(MOAT_ERR_IO_BLOCKED, MOAT_HERE);
		return -1;
	}
	return (ssize_t)taken;
}

ssize_t moat_sendv(struct moat_connection *conn, const struct iovec *bufs, ssize_t count, moat_blocked_status *blocked)
{
	return moat_sendv_with_offset(conn, bufs, count, 0, blocked);
}

ssize_t moat_send(struct moat_connection *conn, const void *buf, ssize_t size, moat_blocked_status *blocked)
{
	struct iovec iov = { (void *)(uintptr_t)buf, size > 0 ? (size_t)size : 0 };
	if (size < 0) {
		moat_error_raise(MOAT_ERR_INVALID_ARG, MOAT_HERE);
		return -1;
	}
	return moat_sendv_with_offset(conn, &iov, 1, 0, blocked);
}

/*
 * After reading: write what we owe the peer at once. A KeyUpdate with
 * update_requested is answered now, not with our next data (RFC 8446 §4.6.3:
 * the receiver "MUST send its own KeyUpdate ... prior to sending its next
 * Application Data record", and a server that only receives would never
 * send any). Output an earlier send left queued goes first. When the
 * transport would block, what is queued stays queued, *blocked says
 * MOAT_BLOCKED_ON_WRITE, and the next moat_recv, moat_send or moat_flush
 * goes on with it.
 */
static int answer_peer(struct moat_connection *conn, moat_blocked_status *blocked)
{
	if (conn->write_closed)
		return MOAT_SUCCESS;
	TRY(moat_conn_flush(conn, blocked));
	if (conn->key_update_pending) {
		TRY(send_key_update(conn));
		TRY(moat_conn_flush(conn, blocked));
	}
	return MOAT_SUCCESS;
}

ssize_t moat_recv(struct moat_connection *conn, void *buf, ssize_t size, moat_blocked_status *blocked)
{
	if (blocked == NULL || (buf == NULL && size > 0) || size < 0) {
		moat_error_raise(MOAT_ERR_NULL_ARG, MOAT_HERE);
		return -1;
	}
	*blocked = MOAT_NOT_BLOCKED;
	if (check_open_for_app_data(conn) < 0)
		return -1;
	size_t want = (size_t)size;
	size_t got = 0;
	bool read_blocked = false;
	while (got < want) {
		if (conn->app_in_len > 0) {
			size_t n = conn->app_in_len < want - got ? conn->app_in_len : want - got;
			memcpy((uint8_t *)buf + got, conn->app_in, n);
			conn->app_in += n;
			conn->app_in_len -= n;
			got += n;
			continue;
		}
		/* Return what we have rather than block for more. */
		if (got > 0 && !moat_record_io_has_buffered(&conn->io))
			break;
		if (conn->read_closed)
			break;
		uint8_t ct;
		if (moat_conn_read_record(conn, &ct) < 0) {
			if (moat_errno == MOAT_ERR_CLOSED) {
				conn->read_closed = true;
				break;
			}
			if (moat_errno == MOAT_ERR_IO_BLOCKED) {
				read_blocked = got == 0;
				break;
			}
			return fail_io(conn);
		}
	}
	if (answer_peer(conn, blocked) < 0 && moat_errno != MOAT_ERR_IO_BLOCKED)
		return fail_io(conn);
	if (read_blocked) {
		/* Blocked both ways: the write side is the one to wait for (*blocked says which). */
		if (*blocked == MOAT_NOT_BLOCKED)
			*blocked = MOAT_BLOCKED_ON_READ;
		moat_error_raise(MOAT_ERR_IO_BLOCKED, MOAT_HERE);
		return -1;
	}
	return (ssize_t)got;
}

uint32_t moat_peek(struct moat_connection *conn)
{
	if (conn == NULL || conn->app_in_len > UINT32_MAX)
		return 0;
	return (uint32_t)conn->app_in_len;
}

int moat_flush(struct moat_connection *conn, moat_blocked_status *blocked)
{
	ENSURE_REF(conn);
	ENSURE_REF(blocked);
	*blocked = MOAT_NOT_BLOCKED;
	if (conn->handshake_complete && conn->key_update_pending && !conn->write_closed)
		TRY(send_key_update(conn));
	return moat_conn_flush(conn, blocked);
}

int moat_connection_request_key_update(struct moat_connection *conn, bool peer_update_requested)
{
	TRY(check_open_for_app_data(conn));
	ENSURE(!conn->write_closed, MOAT_ERR_CLOSED);
	/* RFC 8446 §4.6.3: KeyUpdate is TLS 1.3's. */
	ENSURE(conn->version == MOAT_TLS13, MOAT_ERR_INVALID_STATE);
	conn->key_update_pending = true;
	conn->key_update_request_peer = peer_update_requested;
	return MOAT_SUCCESS;
}

int moat_shutdown_send(struct moat_connection *conn, moat_blocked_status *blocked)
{
	ENSURE_REF(conn);
	ENSURE_REF(blocked);
	*blocked = MOAT_NOT_BLOCKED;
	if (!conn->write_closed && !conn->failed) {
		if (!conn->close_notify_queued) {
			TRY(moat_conn_flush(conn, blocked));
			TRY(write_alert(conn, MOAT_ALERT_LEVEL_WARNING, MOAT_ALERT_CLOSE_NOTIFY));
			conn->close_notify_queued = true;
		}
		TRY(moat_conn_flush(conn, blocked));
		conn->write_closed = true;
	}
	return MOAT_SUCCESS;
}

int moat_shutdown(struct moat_connection *conn, moat_blocked_status *blocked)
{
	TRY(moat_shutdown_send(conn, blocked));
	if (conn->failed)
		BAIL(conn->error);
	/* Wait for the peer's close_notify, discarding any data still in flight. */
	while (!conn->read_closed) {
		uint8_t ct;
		if (moat_conn_read_record(conn, &ct) < 0) {
			if (moat_errno == MOAT_ERR_CLOSED)
				break;
			if (moat_errno == MOAT_ERR_IO_BLOCKED)
				*blocked = MOAT_BLOCKED_ON_READ;
			return MOAT_FAILURE;
		}
		conn->app_in_len = 0;
	}
	conn->read_closed = true;
	return MOAT_SUCCESS;
}
