/*
 * The handshake driver: walks the path from handshake_tables.c, reading and
 * writing one message per step, and keeps the transcript.
 *
 * Why it is shaped like this:
 * - Any step may stop. I/O stops (blocked on read/write) leave the position
 *   unchanged; a handler that waits for the application (async pkey, client
 *   hello callback) returns ASYNC_BLOCKED and is called again with the same
 *   message, so received messages stay in hs->in and in the transcript until
 *   their handler finishes (hs_msg_pending).
 * - Our outgoing handshake messages are queued in hs->out and turned into
 *   records only when the flight ends or the write keys change, so a server
 *   flight (EncryptedExtensions..Finished) costs one record and one AEAD call.
 * - The transcript starts as a plain buffer: the hash function is known only
 *   once the cipher suite is (RFC 8446 §4.4.1).
 */
#include "tls/handshake_tables.h"

#include <string.h>

#include "common/secmem.h"

int moat_hs_transcript_add(struct moat_connection *conn, const uint8_t *msg, size_t len)
{
	struct moat_handshake *hs = conn->hs;
	if (hs->transcript_ready)
		return moat_hash_update(&hs->transcript, msg, len);
	return moat_buf_put_bytes(&hs->transcript_raw, msg, len);
}

int moat_hs_transcript_start(struct moat_connection *conn, moat_hash_alg alg)
{
	struct moat_handshake *hs = conn->hs;
	if (hs->transcript_ready)
		return MOAT_SUCCESS;
	TRY(moat_hash_init(&hs->transcript, alg));
	TRY(moat_hash_update(&hs->transcript, hs->transcript_raw.data, hs->transcript_raw.len));
	hs->transcript_ready = true;
	moat_buf_free(&hs->transcript_raw);
	return MOAT_SUCCESS;
}

int moat_hs_transcript_hash(struct moat_connection *conn, uint8_t *out)
{
	ENSURE(conn->hs->transcript_ready, MOAT_ERR_INTERNAL);
	return moat_hash_current(&conn->hs->transcript, out);
}

/*
 * RFC 8446 §4.4.1: after a HelloRetryRequest the first ClientHello is replaced
 * in the transcript by message_hash (254), 00 00 Hash.length, Hash(ClientHello1).
 * On entry the running hash covers exactly ClientHello1.
 */
int moat_hs_transcript_hrr_rewrite(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	uint8_t ch1_hash[MOAT_MAX_HASH_LEN];
	moat_hash_alg alg = hs->transcript.alg;
	TRY(moat_hash_current(&hs->transcript, ch1_hash));
	moat_hash_free(&hs->transcript);
	return moat_hs_transcript_start_message_hash(conn, alg, ch1_hash);
}

int moat_hs_transcript_start_message_hash(struct moat_connection *conn, moat_hash_alg alg, const uint8_t *ch1_hash)
{
	struct moat_handshake *hs = conn->hs;
	size_t hash_len = moat_hash_len(alg);
	TRY(moat_hash_init(&hs->transcript, alg));
	uint8_t header[4] = { MOAT_HS_MESSAGE_HASH, 0, 0, (uint8_t)hash_len };
	TRY(moat_hash_update(&hs->transcript, header, sizeof(header)));
	TRY(moat_hash_update(&hs->transcript, ch1_hash, hash_len));
	hs->transcript_ready = true;
	return MOAT_SUCCESS;
}

int moat_hs_queue_message(struct moat_connection *conn, const uint8_t *msg, size_t len)
{
	TRY(moat_hs_transcript_add(conn, msg, len));
	return moat_buf_put_bytes(&conn->hs->out, msg, len);
}

int moat_hs_flush_messages(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	if (hs->out.len == 0)
		return MOAT_SUCCESS;
	TRY(moat_conn_write_records(conn, MOAT_CT_HANDSHAKE, hs->out.data, hs->out.len));
	moat_buf_reset(&hs->out);
	return MOAT_SUCCESS;
}

/* RFC 8446 Appendix D.4: the compatibility CCS is always the same unprotected record. */
int moat_hs_write_ccs(struct moat_connection *conn)
{
	static const uint8_t ccs[] = { MOAT_CT_CHANGE_CIPHER_SPEC, 0x03, 0x03, 0x00, 0x01, 0x01 };
	TRY(moat_hs_flush_messages(conn));
	return moat_buf_put_bytes(&conn->io.out, ccs, sizeof(ccs));
}

int moat_tls13_send_ccs(struct moat_connection *conn)
{
	if (conn->hs->sent_ccs)
		return MOAT_SUCCESS;
	conn->hs->sent_ccs = true;
	return moat_hs_write_ccs(conn);
}

int moat_hs_set_keys(struct moat_connection *conn, bool write, const uint8_t *secret)
{
	if (write) {
		/* Everything queued so far belongs to the old keys. */
		TRY(moat_hs_flush_messages(conn));
	} else {
		/*
		 * RFC 8446 §5.1: a handshake message must not span a key change, so
		 * nothing may be buffered beyond the message being handled.
		 */
		struct moat_handshake *hs = conn->hs;
		ENSURE(hs == NULL || hs->in.len == hs->cur_msg_len, MOAT_ERR_UNEXPECTED_MESSAGE);
	}
	return moat_record_set_traffic_secret(&conn->rl, write, conn->suite->prf_hash, conn->suite->aead, secret);
}

/* Take the next complete handshake message out of hs->in, reading records as needed. */
static int read_message(struct moat_connection *conn, uint8_t *type, struct moat_cursor *body, const uint8_t **raw,
			size_t *raw_len)
{
	struct moat_handshake *hs = conn->hs;
	size_t msg_len;
	while (!moat_hs_message_complete(hs->in.data, hs->in.len, &msg_len)) {
		/* Refuse to buffer an absurd message before its bytes arrive. */
		if (hs->in.len >= MOAT_HS_HEADER_LEN) {
			struct moat_cursor c;
			uint8_t t;
			uint32_t body_len;
			moat_cursor_init(&c, hs->in.data, hs->in.len);
			TRY(moat_cursor_get_u8(&c, &t));
			TRY(moat_cursor_get_u24(&c, &body_len));
			ENSURE(body_len <= MOAT_MAX_HANDSHAKE_MESSAGE, MOAT_ERR_DECODE);
		}
		uint8_t ct;
		TRY(moat_conn_read_record(conn, &ct));
		/* Only handshake records reach here: moat_conn_read_record drops CCS, handles alerts,
		 * and refuses application data while the handshake runs. */
	}
	struct moat_cursor c;
	moat_cursor_init(&c, hs->in.data, msg_len);
	TRY(moat_hs_header_decode(&c, type, body));
	*raw = hs->in.data;
	*raw_len = msg_len;
	return MOAT_SUCCESS;
}

static void consume_message(struct moat_handshake *hs, size_t len)
{
	size_t rest = hs->in.len - len;
	if (rest > 0)
		memmove(hs->in.data, hs->in.data + len, rest);
	hs->in.len = rest;
}

static int step_read(struct moat_connection *conn, moat_hs_msg msg)
{
	struct moat_handshake *hs = conn->hs;
	uint8_t type;
	struct moat_cursor body;
	const uint8_t *raw;
	size_t raw_len;

	TRY(read_message(conn, &type, &body, &raw, &raw_len));
	/* A server's first whole message: nothing secret was held before it (connection.c). */
	TRY(moat_conn_secure_handshake(conn));
	hs = conn->hs;
	hs->cur_msg_len = raw_len;
	if (!hs->msg_pending) {
		const struct moat_hs_action *act = &moat_hs_actions[msg];
		if (type != act->hs_type) {
			/* An optional message may switch the path at this position. */
			bool switched = false;
			for (size_t i = 0; i < moat_hs_path_switch_count; i++) {
				const struct moat_hs_path_switch *sw = &moat_hs_path_switches[i];
				if (sw->expected == msg && sw->seen_type == type) {
					hs->flags |= sw->set_flag;
					switched = true;
				}
			}
			ENSURE(switched, MOAT_ERR_UNEXPECTED_MESSAGE);
			msg = moat_hs_path_at(hs->flags, hs->position);
			ENSURE(moat_hs_actions[msg].hs_type == type, MOAT_ERR_UNEXPECTED_MESSAGE);
		}
		/* CertificateVerify and Finished cover the transcript up to, not including, themselves. */
		if (hs->transcript_ready)
			TRY(moat_hs_transcript_hash(conn, hs->finished_hash));
		TRY(moat_hs_transcript_add(conn, raw, raw_len));
		hs->msg_pending = true;
	}
	TRY(moat_hs_actions[msg].recv(conn, body));
	hs->msg_pending = false;
	consume_message(hs, raw_len);
	hs->cur_msg_len = 0;
	return MOAT_SUCCESS;
}

static void finish_handshake(struct moat_connection *conn)
{
	conn->handshake_complete = true;
	conn->hs_flags = conn->hs->flags;
	/* From now on every record from the peer must be protected. */
	conn->rl.accept_plaintext_alerts = false;
}

int moat_negotiate(struct moat_connection *conn, moat_blocked_status *blocked)
{
	ENSURE_REF(conn);
	ENSURE_REF(blocked);
	*blocked = MOAT_NOT_BLOCKED;
	ENSURE(conn->config != NULL, MOAT_ERR_INVALID_STATE);
	if (conn->failed)
		BAIL(conn->error);
	if (conn->handshake_complete)
		return MOAT_SUCCESS;
	TRY(moat_conn_alloc_handshake(conn));

	for (;;) {
		struct moat_handshake *hs = conn->hs;
		moat_hs_msg msg = moat_hs_path_at(hs->flags, hs->position);
		const struct moat_hs_action *act = &moat_hs_actions[msg];
		int rc;

		if (msg == MOAT_MSG_APPLICATION_DATA) {
			rc = moat_hs_flush_messages(conn);
			if (rc == MOAT_SUCCESS)
				rc = moat_conn_flush(conn, blocked);
			if (rc < 0)
				goto stopped;
			finish_handshake(conn);
			return MOAT_SUCCESS;
		}

		if (act->writer == conn->mode) {
			rc = act->send(conn);
		} else if (act->record_type == MOAT_CT_CHANGE_CIPHER_SPEC) {
			/* The peer's CCS is dropped by the record reader whenever it comes. */
			rc = MOAT_SUCCESS;
		} else {
			/* Our flight is complete: send it before waiting for the peer. */
			rc = moat_hs_flush_messages(conn);
			if (rc == MOAT_SUCCESS)
				rc = moat_conn_flush(conn, blocked);
			if (rc == MOAT_SUCCESS)
				rc = step_read(conn, msg);
		}
		if (rc < 0)
			goto stopped;
		/* Not hs: step_read may have moved the state to the secure heap. */
		conn->hs->position++;
	}

stopped:
	switch (moat_error_get_type(moat_errno)) {
	case MOAT_ERR_T_BLOCKED:
		if (*blocked == MOAT_NOT_BLOCKED) {
			if (moat_errno == MOAT_ERR_ASYNC_BLOCKED)
				*blocked = MOAT_BLOCKED_ON_APPLICATION_INPUT;
			else
				*blocked = MOAT_BLOCKED_ON_READ;
		}
		return MOAT_FAILURE;
	default:
		return moat_conn_fail(conn, moat_errno);
	}
}
