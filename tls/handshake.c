/*
 * The handshake driver: walks the path of the connection's state machine
 * (handshake_tables.h), reading and writing one message per step, and keeps
 * the transcript.
 *
 * Why it is shaped like this:
 * - Any step may stop. I/O stops (blocked on read/write) leave the position
 *   unchanged; a handler that waits for the application (async pkey, client
 *   hello callback) returns ASYNC_BLOCKED and is called again with the same
 *   message, so received messages stay in hs->in and in the transcript until
 *   their handler finishes (hs->pending names the row to call again).
 * - Our outgoing handshake messages are queued in hs->out and turned into
 *   records only when the flight ends or the write keys change, so a server
 *   flight (EncryptedExtensions..Finished) costs one record and one AEAD call.
 *   A row's `sent` hook runs once its message is queued; a write key change
 *   there first turns what is queued into records under the old keys.
 * - The transcript starts as a plain buffer: the hash function is known only
 *   once the cipher suite is (RFC 8446 §4.4.1). It is dropped when the hash
 *   starts unless the version asked to keep it (hs->transcript_keep_raw).
 * - The version is not known when the handshake starts. Every connection
 *   begins in the hello machine, whose ClientHello (server) or ServerHello
 *   (client) handler in hello.c chooses the version and sets hs->machine;
 *   the driver then reads the chosen machine's path at the same position
 *   (moat_hs_machine_recv hands it the message that chose it).
 * - change_cipher_spec is a row like the others. Ours is written by its row
 *   through the record layer; the peer's reaches the machine's CCS row from
 *   the record reader (moat_hs_recv_ccs), wherever in the path it comes, as
 *   RFC 8446 §5 allows for TLS 1.3.
 *
 * TLS 1.2 (RFC 5246 §7.3; 1.0 and 1.1 share it):
 * - moat_tls12_machine (tls12_tables.c), listed in moat_hs_machines, with
 *   rows for ServerKeyExchange, ServerHelloDone, ClientKeyExchange and the
 *   two CCS, paths for ECDHE/DHE and RSA key transport with and without
 *   client authentication; its server handlers are in tls12_server.c, its
 *   client handlers in tls12_client.c. CertificateStatus, NewSessionTicket
 *   and the resumed handshake come as rows and paths under the
 *   MOAT_HS_F_OCSP, _TICKET and _RESUMED flags.
 * - hello.c: the server's choose_version finds it for a client that offers
 *   1.2 (legacy_version or supported_versions) when the policy allows it;
 *   a client offers every version its policy allows, and its ServerHello
 *   handler enters it for a ServerHello without supported_versions, after
 *   the downgrade check (moat_hs_server_hello_version).
 * - Its CCS rows are not optional: in 1.2 a CCS comes at exactly one place
 *   and switches the read keys there. The driver reads it at that place in
 *   the path (step_read_ccs: read one record, which must be a CCS, and the
 *   row's recv handler takes it), and moat_hs_recv_ccs refuses a CCS that
 *   arrives anywhere else.
 * - Its `sent` hooks: our CCS row's hook installs the write keys; Finished
 *   hooks need none.
 */
#include "tls/handshake_tables.h"

#include <string.h>

#include "common/secmem.h"

int moat_hs_transcript_add(struct moat_connection *conn, const uint8_t *msg, size_t len)
{
	struct moat_handshake *hs = conn->hs;
	if (hs->transcript_ready) {
		TRY(moat_hash_update(&hs->transcript, msg, len));
		if (!hs->transcript_keep_raw)
			return MOAT_SUCCESS;
	}
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
	if (!hs->transcript_keep_raw)
		moat_buf_free(&hs->transcript_raw);
	return MOAT_SUCCESS;
}

void moat_hs_transcript_drop_raw(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	hs->transcript_keep_raw = false;
	moat_buf_free(&hs->transcript_raw);
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
		/* Accepted 0-RTT data waits for moat_recv_early_data: its record must not be overwritten. */
		ENSURE(!hs->early_data_waiting, MOAT_ERR_EARLY_DATA_BLOCKED);
		uint8_t ct;
		TRY(moat_conn_read_record(conn, &ct));
		/*
		 * Handshake records reach here, and a server's accepted early data
		 * (tls/early_data.c), handed to the application before going on:
		 * moat_conn_read_record gives a CCS to its row (moat_hs_recv_ccs),
		 * handles alerts, and refuses other application data while the
		 * handshake runs.
		 */
		if (ct == MOAT_CT_APPLICATION_DATA) {
			hs->early_data_waiting = true;
			BAIL(MOAT_ERR_EARLY_DATA_BLOCKED);
		}
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

static const struct moat_hs_machine *machine_of(const struct moat_handshake *hs)
{
	return hs->machine != NULL ? hs->machine : &moat_hs_hello_machine;
}

/*
 * The row at the current position of the machine in force. The path is
 * looked up again only when the machine or the flags changed since the last
 * step, which is a handful of times per handshake.
 */
static int current_row(struct moat_handshake *hs, moat_hs_msg *msg)
{
	const struct moat_hs_machine *m = machine_of(hs);
	if (hs->path == NULL || hs->path_machine != m || hs->path_flags != hs->flags) {
		const struct moat_hs_path *path = moat_hs_path_find(m, hs->flags);
		ENSURE(path != NULL, MOAT_ERR_INTERNAL);
		hs->path = path;
		hs->path_machine = m;
		hs->path_flags = hs->flags;
		hs->path_len = moat_hs_path_len(path);
	}
	ENSURE(hs->position < hs->path_len, MOAT_ERR_INTERNAL);
	*msg = (moat_hs_msg)hs->path->msgs[hs->position];
	/* The hello machine hands over before its path ends: it never finishes a handshake. */
	ENSURE(!m->neutral || *msg != MOAT_MSG_APPLICATION_DATA, MOAT_ERR_INTERNAL);
	return MOAT_SUCCESS;
}

int moat_hs_machine_recv(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	moat_hs_msg msg;
	ENSURE(hs->machine != NULL, MOAT_ERR_INTERNAL);
	TRY(current_row(hs, &msg));
	const struct moat_hs_action *act = &hs->machine->actions[msg];
	ENSURE(act->recv != NULL && act->writer != conn->mode, MOAT_ERR_INTERNAL);
	return act->recv(conn, body);
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
	if (hs->pending == NULL) {
		const struct moat_hs_machine *m = machine_of(hs);
		const struct moat_hs_action *act = &m->actions[msg];
		if (type != act->hs_type) {
			/* An optional message may switch the path at this position. */
			bool switched = false;
			for (size_t i = 0; i < m->switch_count; i++) {
				const struct moat_hs_path_switch *sw = &m->switches[i];
				if (sw->expected == msg && sw->seen_type == type) {
					hs->flags |= sw->set_flag;
					switched = true;
				}
			}
			ENSURE(switched, MOAT_ERR_UNEXPECTED_MESSAGE);
			TRY(current_row(hs, &msg));
			act = &m->actions[msg];
			ENSURE(act->hs_type == type, MOAT_ERR_UNEXPECTED_MESSAGE);
		}
		ENSURE(act->recv != NULL, MOAT_ERR_INTERNAL);
		/* CertificateVerify and Finished cover the transcript up to, not including, themselves. */
		if (hs->transcript_ready)
			TRY(moat_hs_transcript_hash(conn, hs->finished_hash));
		TRY(moat_hs_transcript_add(conn, raw, raw_len));
		hs->pending = act;
	}
	/* The row that took the message, even if its handler has since chosen another machine. */
	TRY(hs->pending->recv(conn, body));
	hs->pending = NULL;
	consume_message(hs, raw_len);
	hs->cur_msg_len = 0;
	return MOAT_SUCCESS;
}

/*
 * A change_cipher_spec record, from the record reader (io.c). RFC 8446 §5:
 * one may come "at any time after the first ClientHello message has been
 * sent or received and before the peer's Finished message has been
 * received"; anything else is unexpected_message. After the peer's Finished
 * the handshake is complete. Before the first ClientHello a server is still
 * in the hello machine, which has no row for the client's CCS. The row's
 * recv handler checks the record itself.
 */
int moat_hs_recv_ccs(struct moat_connection *conn, const uint8_t *data, size_t len)
{
	struct moat_handshake *hs = conn->hs;
	ENSURE(!conn->handshake_complete && hs != NULL, MOAT_ERR_UNEXPECTED_MESSAGE);
	const struct moat_hs_action *row = moat_hs_peer_ccs_row(machine_of(hs), conn->mode);
	/* A row that is not optional is read at its place in the path (step_read_ccs), never out of band. */
	ENSURE(row != NULL && (row->optional || hs->ccs_due) && row->recv != NULL, MOAT_ERR_UNEXPECTED_MESSAGE);
	struct moat_cursor body;
	moat_cursor_init(&body, data, len);
	return row->recv(conn, body);
}

/*
 * The peer's change_cipher_spec at its one place (TLS 1.2, RFC 5246 §7.1):
 * the next record must be it. A handshake record instead (a Finished
 * before the CCS) is unexpected_message; so is a handshake message begun
 * before the CCS and not finished, which would straddle the key change.
 * Warning alerts on the way are taken by the record reader and skipped.
 */
static int step_read_ccs(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	uint8_t ct;
	ENSURE(hs->in.len == 0, MOAT_ERR_UNEXPECTED_MESSAGE);
	do {
		hs->ccs_due = true;
		int rc = moat_conn_read_record(conn, &ct);
		hs->ccs_due = false;
		TRY(rc);
	} while (ct == MOAT_CT_ALERT);
	ENSURE(ct == MOAT_CT_CHANGE_CIPHER_SPEC, MOAT_ERR_UNEXPECTED_MESSAGE);
	return MOAT_SUCCESS;
}

/* Our message: the writer queues it, then its `sent` hook runs (key changes, RFC 8446 Appendix A). */
static int send_row(struct moat_connection *conn, const struct moat_hs_action *act)
{
	ENSURE(act->send != NULL, MOAT_ERR_INTERNAL);
	TRY(act->send(conn));
	return act->sent != NULL ? act->sent(conn) : MOAT_SUCCESS;
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
		moat_hs_msg msg;
		int rc = current_row(hs, &msg);
		if (rc < 0)
			goto stopped;
		const struct moat_hs_action *act = &machine_of(hs)->actions[msg];

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
			rc = send_row(conn, act);
		} else if (act->optional) {
			/* The peer's compatibility CCS: its row takes it whenever it comes (moat_hs_recv_ccs). */
			rc = MOAT_SUCCESS;
		} else if (act->record_type == MOAT_CT_CHANGE_CIPHER_SPEC) {
			rc = moat_hs_flush_messages(conn);
			if (rc == MOAT_SUCCESS)
				rc = moat_conn_flush(conn, blocked);
			if (rc == MOAT_SUCCESS)
				rc = step_read_ccs(conn);
		} else {
			/* Our flight is complete: send it before waiting for the peer. */
			rc = moat_hs_flush_messages(conn);
			if (rc == MOAT_SUCCESS)
				rc = moat_conn_flush(conn, blocked);
			/* A client's ClientHello is out: moat_send_early_data writes behind it. */
			if (rc == MOAT_SUCCESS && conn->early_data_writing) {
				moat_error_raise(MOAT_ERR_EARLY_DATA_BLOCKED, MOAT_HERE);
				rc = MOAT_FAILURE;
			}
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
			else if (moat_errno == MOAT_ERR_EARLY_DATA_BLOCKED)
				*blocked = MOAT_BLOCKED_ON_EARLY_DATA;
			else
				*blocked = MOAT_BLOCKED_ON_READ;
		}
		return MOAT_FAILURE;
	default:
		return moat_conn_fail(conn, moat_errno);
	}
}
