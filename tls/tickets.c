/*
 * TLS 1.3 session tickets (RFC 8446 §4.6.1): the ticket operations handed to
 * the application, a server's NewSessionTickets, and a client's store of the
 * tickets it receives.
 *
 * Why the sealing is a callback: in moat the ticket keys live in moat-keyd,
 * never in the internet-facing process, so that one memory disclosure there
 * cannot decrypt every session resumed under a key. The library therefore
 * only ever sees a session state in the clear (tls/session_state.h) and the
 * opaque ticket the callback made of it. The operation follows the async
 * pkey op (tls/async_pkey.c): the connection creates it, the callback
 * answers at once or later, apply hands the answer back, and the handshake
 * (or moat_send, for tickets asked for after it) stops blocked on
 * application input until then. The operation and the connection may be
 * freed in either order, so the link between them is guarded by one lock.
 *
 * Everything here that holds a PSK (the operation, struct moat_tickets) is
 * in locked memory and wiped when freed.
 */
#include <pthread.h>
#include <string.h>

#include "common/secmem.h"
#include "tls/conn.h"
#include "tls/crypto/util.h"
#include "tls/early_data.h"
#include "tls/handshake_tables.h"
#include "tls/psk_external.h"
#include "tls/tickets.h"

static pthread_mutex_t link_lock = PTHREAD_MUTEX_INITIALIZER;

/* RFC 8446 §4.6.1 lets a server choose; 15 hours is the guide's session state lifetime. */
#define DEFAULT_TICKET_LIFETIME (15u * 3600u)
#define DEFAULT_TICKET_COUNT 1
/* The client's session serialization: a format byte, as the guide's (1: ticket). */
#define SESSION_FORMAT_TICKET 1

/* ---- config ----------------------------------------------------------- */

void moat_tickets_config_defaults(struct moat_config *config)
{
	config->initial_ticket_count = DEFAULT_TICKET_COUNT;
	config->ticket_lifetime = DEFAULT_TICKET_LIFETIME;
}

int moat_config_set_ticket_crypto_cb(struct moat_config *config, moat_ticket_crypto_fn fn, void *ctx)
{
	ENSURE_REF(config);
	config->ticket_crypto_cb = fn;
	config->ticket_crypto_ctx = ctx;
	return MOAT_SUCCESS;
}

int moat_config_set_session_tickets_onoff(struct moat_config *config, uint8_t enabled)
{
	ENSURE_REF(config);
	config->tickets_off = enabled == 0;
	return MOAT_SUCCESS;
}

int moat_config_set_initial_ticket_count(struct moat_config *config, uint8_t num)
{
	ENSURE_REF(config);
	config->initial_ticket_count = num;
	return MOAT_SUCCESS;
}

int moat_config_set_session_state_lifetime(struct moat_config *config, uint32_t lifetime_in_secs)
{
	ENSURE_REF(config);
	/* RFC 8446 §4.6.1: at most seven days; 0 would tell the client to discard the ticket at once. */
	ENSURE(lifetime_in_secs > 0 && lifetime_in_secs <= MOAT_TICKET_LIFETIME_MAX, MOAT_ERR_INVALID_ARG);
	config->ticket_lifetime = lifetime_in_secs;
	return MOAT_SUCCESS;
}

int moat_config_set_session_ticket_cb(struct moat_config *config, moat_session_ticket_fn fn, void *ctx)
{
	ENSURE_REF(config);
	config->session_ticket_cb = fn;
	config->session_ticket_ctx = ctx;
	return MOAT_SUCCESS;
}

/* ---- the connection's ticket state ----------------------------------- */

int moat_tickets_get(struct moat_connection *conn, struct moat_tickets **t)
{
	if (conn->tix == NULL)
		TRY(moat_secmem_alloc(sizeof(*conn->tix), (void **)&conn->tix));
	*t = conn->tix;
	return MOAT_SUCCESS;
}

static void detach(struct moat_connection *conn)
{
	pthread_mutex_lock(&link_lock);
	if (conn->tix != NULL && conn->tix->op != NULL) {
		conn->tix->op->conn = NULL;
		conn->tix->op = NULL;
	}
	pthread_mutex_unlock(&link_lock);
}

void moat_tickets_release(struct moat_connection *conn)
{
	if (conn->tix == NULL)
		return;
	detach(conn);
	moat_hash_free(&conn->tix->hrr_transcript);
	moat_secmem_free(conn->tix);
	conn->tix = NULL;
}

bool moat_tickets_server_enabled(const struct moat_connection *conn)
{
	const struct moat_config *c = conn->config;
	return conn->mode == MOAT_SERVER && c->ticket_crypto_cb != NULL && !c->tickets_off;
}

/* ---- operations -------------------------------------------------------- */

int moat_tickets_start_op(struct moat_connection *conn, moat_ticket_op_type type, const uint8_t *input, size_t len)
{
	struct moat_tickets *t = conn->tix;
	ENSURE(t != NULL && t->op == NULL && !t->answer_ready, MOAT_ERR_INTERNAL);
	ENSURE(len > 0 && len <= MOAT_TICKET_MAX_LEN, MOAT_ERR_INTERNAL);
	ENSURE(conn->config->ticket_crypto_cb != NULL, MOAT_ERR_INTERNAL);
	struct moat_ticket_op *op;
	TRY(moat_secmem_alloc(sizeof(*op), (void **)&op));
	op->type = type;
	memcpy(op->input, input, len);
	op->input_len = len;
	op->for_early_data = type == MOAT_TICKET_OPEN && t->open_for_early_data;
	op->conn = conn;
	t->op = op;
	if (conn->config->ticket_crypto_cb(conn, conn->config->ticket_crypto_ctx, op) < 0) {
		detach(conn);
		BAIL(MOAT_ERR_CALLBACK_FAILED);
	}
	return MOAT_SUCCESS;
}

int moat_tickets_take_answer(struct moat_connection *conn)
{
	struct moat_tickets *t = conn->tix;
	ENSURE(t != NULL, MOAT_ERR_INTERNAL);
	if (t->answer_ready)
		return MOAT_SUCCESS;
	/* Called again while the application still works on it: ask again after apply. */
	BAIL(MOAT_ERR_ASYNC_BLOCKED);
}

int moat_ticket_op_get_type(struct moat_ticket_op *op, moat_ticket_op_type *type)
{
	ENSURE_REF(op);
	ENSURE_REF(type);
	*type = op->type;
	return MOAT_SUCCESS;
}

int moat_ticket_op_get_input_size(struct moat_ticket_op *op, uint32_t *data_len)
{
	ENSURE_REF(op);
	ENSURE_REF(data_len);
	*data_len = (uint32_t)op->input_len;
	return MOAT_SUCCESS;
}

int moat_ticket_op_get_input(struct moat_ticket_op *op, uint8_t *data, uint32_t data_len)
{
	ENSURE_REF(op);
	ENSURE_REF(data);
	ENSURE(data_len >= op->input_len, MOAT_ERR_INVALID_ARG);
	memcpy(data, op->input, op->input_len);
	return MOAT_SUCCESS;
}

int moat_ticket_op_set_output(struct moat_ticket_op *op, const uint8_t *data, uint32_t data_len)
{
	ENSURE_REF(op);
	ENSURE_REF(data);
	ENSURE(!op->applied, MOAT_ERR_INVALID_STATE);
	ENSURE(data_len > 0 && data_len <= MOAT_TICKET_MAX_LEN, MOAT_ERR_INVALID_ARG);
	memcpy(op->output, data, data_len);
	op->output_len = data_len;
	return MOAT_SUCCESS;
}

int moat_ticket_op_set_result(struct moat_ticket_op *op, moat_ticket_result result)
{
	ENSURE_REF(op);
	ENSURE(!op->applied, MOAT_ERR_INVALID_STATE);
	ENSURE(result == MOAT_TICKET_OK || result == MOAT_TICKET_UNKNOWN_KEY || result == MOAT_TICKET_BAD_TICKET ||
		       result == MOAT_TICKET_OK_REISSUE,
	       MOAT_ERR_INVALID_ARG);
	/* Reissuing is an OPEN's answer: a SEAL is done under the current key or not at all. */
	ENSURE(op->type == MOAT_TICKET_OPEN || result != MOAT_TICKET_OK_REISSUE, MOAT_ERR_INVALID_ARG);
	op->result = result;
	op->has_result = true;
	return MOAT_SUCCESS;
}

int moat_ticket_op_get_for_early_data(struct moat_ticket_op *op, uint8_t *for_early_data)
{
	ENSURE_REF(op);
	ENSURE_REF(for_early_data);
	*for_early_data = op->for_early_data ? 1 : 0;
	return MOAT_SUCCESS;
}

int moat_ticket_op_set_early_data_ok(struct moat_ticket_op *op, uint8_t first_use)
{
	ENSURE_REF(op);
	ENSURE(!op->applied, MOAT_ERR_INVALID_STATE);
	/* Only an OPEN that asked: a yes to a question not put would be a replay let through. */
	ENSURE(op->for_early_data || first_use == 0, MOAT_ERR_INVALID_ARG);
	op->early_data_ok = first_use != 0;
	return MOAT_SUCCESS;
}

int moat_ticket_op_apply(struct moat_ticket_op *op, struct moat_connection *conn)
{
	ENSURE_REF(op);
	ENSURE_REF(conn);
	ENSURE(op->has_result && !op->applied, MOAT_ERR_INVALID_STATE);
	bool opened = op->result == MOAT_TICKET_OK || op->result == MOAT_TICKET_OK_REISSUE;
	/* Success carries output; a refusal carries none. */
	ENSURE(opened == (op->output_len > 0), MOAT_ERR_INVALID_STATE);
	pthread_mutex_lock(&link_lock);
	bool linked = op->conn == conn && conn->tix != NULL && conn->tix->op == op;
	pthread_mutex_unlock(&link_lock);
	ENSURE(linked, MOAT_ERR_INVALID_STATE);
	struct moat_tickets *t = conn->tix;
	t->result = op->result;
	t->answer_early_data_ok = opened && op->for_early_data && op->early_data_ok;
	t->answer_len = op->output_len;
	memcpy(t->answer, op->output, op->output_len);
	t->answer_ready = true;
	moat_wipe(op->output, sizeof(op->output));
	op->applied = true;
	detach(conn);
	return MOAT_SUCCESS;
}

int moat_ticket_op_free(struct moat_ticket_op *op)
{
	if (op == NULL)
		return MOAT_SUCCESS;
	pthread_mutex_lock(&link_lock);
	if (op->conn != NULL && op->conn->tix != NULL && op->conn->tix->op == op)
		op->conn->tix->op = NULL;
	op->conn = NULL;
	pthread_mutex_unlock(&link_lock);
	moat_secmem_free(op);
	return MOAT_SUCCESS;
}

/* ---- server: NewSessionTicket ----------------------------------------- */

/*
 * RFC 8446 §4.6.1: the resumption master secret covers the transcript
 * through the client's Finished; each ticket's PSK is derived from it with
 * the ticket's nonce. Derived once, kept (in conn->secrets) for tickets
 * asked for after the handshake.
 */
int moat_tickets_derive_resumption(struct moat_connection *conn)
{
	uint8_t hash[MOAT_MAX_HASH_LEN];
	TRY(moat_hs_transcript_hash(conn, hash));
	TRY(moat_tls13_derive_resumption(conn->secrets, hash));
	conn->resumption_ready = true;
	return MOAT_SUCCESS;
}

static void nonce_bytes(uint16_t n, uint8_t out[2])
{
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
}

/* A new ticket's session state (it holds the ticket's PSK: the caller wipes it). */
static int fill_state(struct moat_connection *conn, const uint8_t nonce[2], struct moat_session_state *s)
{
	memset(s, 0, sizeof(*s));
	s->version = MOAT_TLS13;
	s->cipher_suite = conn->suite->iana;
	TRY(moat_conn_now_ns(conn, &s->issue_time_ns));
	s->lifetime = conn->config->ticket_lifetime;
	/* §4.6.1: "a securely generated, random 32-bit value" for each ticket. */
	TRY(moat_random_bytes((uint8_t *)&s->age_add, sizeof(s->age_add)));
	s->psk_len = moat_hash_len(conn->suite->prf_hash);
	TRY(moat_tls13_resumption_psk(conn->suite->prf_hash, conn->secrets->resumption, nonce, 2, s->psk));
	memcpy(s->server_name, conn->server_name, sizeof(conn->server_name));
	memcpy(s->alpn, conn->alpn, sizeof(s->alpn));
	/* The 0-RTT this server takes (tls/early_data.c). */
	s->max_early_data = moat_early_data_server_max(conn);
	return moat_tickets_client_id_fill(conn, s);
}

/*
 * The state of the next ticket, its SEAL started, and what its
 * NewSessionTicket says besides the ticket into t->issuing. The state is
 * built on the stack and wiped: the sealer keeps it from here on.
 */
static int start_seal(struct moat_connection *conn)
{
	struct moat_tickets *t = conn->tix;
	ENSURE(conn->resumption_ready, MOAT_ERR_INVALID_STATE);
	/* The nonce must be unique among this connection's tickets (§4.6.1). */
	ENSURE(t->nonce_counter < UINT16_MAX, MOAT_ERR_INVALID_STATE);
	uint8_t nonce[2];
	nonce_bytes(t->nonce_counter, nonce);
	struct moat_session_state s;
	uint8_t mem[MOAT_SESSION_STATE_MAX_LEN];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	int rc = fill_state(conn, nonce, &s);
	if (rc == MOAT_SUCCESS)
		rc = moat_session_state_encode(&s, &b);
	if (rc == MOAT_SUCCESS) {
		/* Before the operation starts: its callback may answer before start_op returns. */
		t->issuing.lifetime = s.lifetime;
		t->issuing.age_add = s.age_add;
		t->issuing.max_early_data = s.max_early_data;
		rc = moat_tickets_start_op(conn, MOAT_TICKET_SEAL, b.data, b.len);
	}
	moat_wipe(&s, sizeof(s));
	moat_wipe(mem, sizeof(mem));
	TRY(rc);
	t->nonce_counter++;
	return MOAT_SUCCESS;
}

int moat_tickets_issue(struct moat_connection *conn, bool in_handshake)
{
	struct moat_tickets *t = conn->tix;
	while (t != NULL && t->to_send > 0) {
		if (!t->answer_ready) {
			if (t->op == NULL)
				TRY(start_seal(conn));
			TRY(moat_tickets_take_answer(conn));
		}
		t->answer_ready = false;
		if (t->result != MOAT_TICKET_OK) {
			/* The sealer has no key to seal with: no more tickets, and no error (a full handshake next time). */
			t->to_send = 0;
			break;
		}
		uint8_t nonce[2];
		nonce_bytes((uint16_t)(t->nonce_counter - 1), nonce);
		struct moat_buf msg, ext;
		uint8_t mem[MOAT_HS_HEADER_LEN + 4 + 4 + 1 + 2 + 2 + MOAT_TICKET_MAX_LEN + 2 + 8];
		uint8_t ext_mem[8];
		moat_buf_init_fixed(&msg, mem, sizeof(mem));
		moat_buf_init_fixed(&ext, ext_mem, sizeof(ext_mem));
		/* §4.6.1: early_data with the ticket's max_early_data_size, if it allows any. */
		if (t->issuing.max_early_data > 0)
			TRY(moat_ext_write_early_data_nst(&ext, t->issuing.max_early_data));
		TRY(moat_new_session_ticket_encode(&msg, t->issuing.lifetime, t->issuing.age_add, nonce, sizeof(nonce),
						   t->answer, t->answer_len, ext.data, ext.len));
		moat_wipe(&t->issuing, sizeof(t->issuing));
		if (in_handshake)
			TRY(moat_hs_queue_message(conn, msg.data, msg.len));
		else
			TRY(moat_conn_write_records(conn, MOAT_CT_HANDSHAKE, msg.data, msg.len));
		t->to_send--;
	}
	return MOAT_SUCCESS;
}

int moat_tls13_server_send_tickets(struct moat_connection *conn)
{
	return moat_tickets_issue(conn, true);
}

int moat_connection_add_new_tickets_to_send(struct moat_connection *conn, uint8_t num)
{
	ENSURE_REF(conn);
	ENSURE(conn->mode == MOAT_SERVER, MOAT_ERR_INVALID_STATE);
	ENSURE(conn->config != NULL && moat_tickets_server_enabled(conn), MOAT_ERR_INVALID_STATE);
	/* After the handshake the tickets need the resumption secret it derived (a TLS 1.3 handshake). */
	ENSURE(!conn->handshake_complete || (conn->version == MOAT_TLS13 && conn->resumption_ready),
	       MOAT_ERR_INVALID_STATE);
	struct moat_tickets *t;
	TRY(moat_tickets_get(conn, &t));
	ENSURE(t->to_send + num <= UINT16_MAX, MOAT_ERR_INVALID_ARG);
	t->to_send += num;
	return MOAT_SUCCESS;
}

int moat_connection_is_session_resumed(struct moat_connection *conn)
{
	if (conn == NULL)
		return 0;
	uint32_t flags = conn->hs != NULL ? conn->hs->flags : conn->hs_flags;
	/* TLS 1.3: a ticket's PSK (not an external one); TLS 1.2: the abbreviated handshake. */
	if (flags & MOAT_HS_F_RESUMED)
		return 1;
	return (flags & MOAT_HS_F_PSK) && moat_psk_ext_chosen(conn) == NULL ? 1 : 0;
}

/* ---- client: tickets received, sessions kept ---------------------------- */

struct moat_session_ticket {
	struct moat_connection *conn;
	uint32_t lifetime;
};

static int session_encode(const struct moat_tickets *t, struct moat_buf *out)
{
	TRY(moat_buf_put_u8(out, SESSION_FORMAT_TICKET));
	TRY(moat_buf_put_prefixed(out, 2, t->ticket, t->ticket_len));
	return moat_session_state_encode(&t->session, out);
}

int moat_tickets_client_recv_nst(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_new_session_ticket nst;
	TRY(moat_new_session_ticket_decode(body, &nst));
	/*
	 * §4.6.1: a lifetime of zero says to discard the ticket, and none may
	 * be longer than seven days. Tickets too long to keep, or arriving when
	 * we keep none, are dropped, as §4.6.1 allows a client to.
	 */
	ENSURE(nst.lifetime <= MOAT_TICKET_LIFETIME_MAX, MOAT_ERR_ILLEGAL_PARAMETER);
	size_t ticket_len = moat_cursor_remaining(&nst.ticket);
	if (conn->config->tickets_off || nst.lifetime == 0 || ticket_len > MOAT_TICKET_MAX_LEN ||
	    !conn->resumption_ready)
		return MOAT_SUCCESS;
	struct moat_tickets *t;
	TRY(moat_tickets_get(conn, &t));
	struct moat_session_state *s = &t->session;
	memset(s, 0, sizeof(*s));
	s->version = MOAT_TLS13;
	s->cipher_suite = conn->suite->iana;
	TRY(moat_conn_now_ns(conn, &s->issue_time_ns));
	s->lifetime = nst.lifetime;
	s->age_add = nst.age_add;
	s->psk_len = moat_hash_len(conn->suite->prf_hash);
	TRY(moat_tls13_resumption_psk(conn->suite->prf_hash, conn->secrets->resumption, moat_cursor_data(&nst.nonce),
				      moat_cursor_remaining(&nst.nonce), s->psk));
	memcpy(s->server_name, conn->server_name, sizeof(conn->server_name));
	memcpy(s->alpn, conn->alpn, sizeof(s->alpn));
	/* §4.2.10: the early data this ticket allows; 0 without the extension. */
	if (moat_ext_present(&nst.ext, MOAT_EXTI_EARLY_DATA))
		TRY(moat_ext_early_data_decode_nst(nst.ext.data[MOAT_EXTI_EARLY_DATA], &s->max_early_data));
	memcpy(t->ticket, moat_cursor_data(&nst.ticket), ticket_len);
	t->ticket_len = ticket_len;
	t->have_session = true;
	t->received = true;
	if (conn->config->session_ticket_cb != NULL) {
		struct moat_session_ticket ticket = { conn, nst.lifetime };
		ENSURE(conn->config->session_ticket_cb(conn, conn->config->session_ticket_ctx, &ticket) == 0,
		       MOAT_ERR_CALLBACK_FAILED);
	}
	return MOAT_SUCCESS;
}

static int session_length(struct moat_connection *conn, size_t *len)
{
	ENSURE(conn->tix != NULL && conn->tix->received, MOAT_ERR_INVALID_STATE);
	uint8_t mem[3 + MOAT_TICKET_MAX_LEN + MOAT_SESSION_STATE_MAX_LEN];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	int rc = session_encode(conn->tix, &b);
	*len = b.len;
	moat_wipe(mem, sizeof(mem));
	return rc;
}

int moat_connection_get_session_length(struct moat_connection *conn)
{
	size_t len;
	if (conn == NULL || conn->tix == NULL || !conn->tix->received || session_length(conn, &len) < 0)
		return 0;
	return (int)len;
}

int moat_connection_get_session(struct moat_connection *conn, uint8_t *session, size_t max_length)
{
	ENSURE_REF(conn);
	ENSURE_REF(session);
	ENSURE(conn->tix != NULL && conn->tix->received, MOAT_ERR_INVALID_STATE);
	struct moat_buf b;
	moat_buf_init_fixed(&b, session, max_length);
	TRY(session_encode(conn->tix, &b));
	return (int)b.len;
}

int moat_connection_set_session(struct moat_connection *conn, const uint8_t *session, size_t length)
{
	ENSURE_REF(conn);
	ENSURE_REF(session);
	ENSURE(conn->mode == MOAT_CLIENT && conn->hs == NULL && !conn->handshake_complete, MOAT_ERR_INVALID_STATE);
	struct moat_cursor c, ticket;
	uint8_t format;
	moat_cursor_init(&c, session, length);
	TRY(moat_cursor_get_u8(&c, &format));
	ENSURE(format == SESSION_FORMAT_TICKET, MOAT_ERR_INVALID_ARG);
	TRY(moat_cursor_get_vector(&c, 2, 1, MOAT_TICKET_MAX_LEN, &ticket));
	struct moat_session_state s;
	TRY(moat_session_state_decode(c, &s));
	struct moat_tickets *t;
	int rc = moat_tickets_get(conn, &t);
	if (rc == MOAT_SUCCESS) {
		t->session = s;
		t->ticket_len = moat_cursor_remaining(&ticket);
		memcpy(t->ticket, moat_cursor_data(&ticket), t->ticket_len);
		t->have_session = true;
		t->received = false;
	}
	moat_wipe(&s, sizeof(s));
	return rc;
}

int moat_session_ticket_get_data_len(struct moat_session_ticket *ticket, size_t *data_len)
{
	ENSURE_REF(ticket);
	ENSURE_REF(data_len);
	return session_length(ticket->conn, data_len);
}

int moat_session_ticket_get_data(struct moat_session_ticket *ticket, size_t max_data_len, uint8_t *data)
{
	ENSURE_REF(ticket);
	ENSURE_REF(data);
	struct moat_buf b;
	moat_buf_init_fixed(&b, data, max_data_len);
	return session_encode(ticket->conn->tix, &b);
}

int moat_session_ticket_get_lifetime(struct moat_session_ticket *ticket, uint32_t *session_lifetime)
{
	ENSURE_REF(ticket);
	ENSURE_REF(session_lifetime);
	*session_lifetime = ticket->lifetime;
	return MOAT_SUCCESS;
}
