/*
 * TLS 1.2 (and 1.1, 1.0) session resumption on the server: RFC 5077
 * session tickets, sealed and opened through the same ticket operation as
 * TLS 1.3's (tls/tickets.c), session IDs through the application's cache
 * callbacks (the guide's), and the abbreviated handshake of RFC 5246 §7.3
 * both lead to.
 *
 * The rules, and why:
 *  - A ticket is only looked at when tickets are on and the server asks
 *    for no client certificate. A ticket does not carry the client's
 *    certificate chain, and a resumed session without it would lose what
 *    the application asked the handshake to establish (the TLS 1.3 side
 *    refuses the same, tls13_psk.c).
 *  - A non-empty ticket is opened (the handshake blocks on the
 *    application until the answer is applied). It resumes only if the state
 *    it holds is for the very version this ClientHello negotiated (RFC 5246
 *    §7.4.1.3: a resumed session keeps its version; a TLS 1.3 state never
 *    fits), its suite is one the client offers and our policy allows (RFC
 *    5246 §7.4.1.2: the client "MUST include at least the cipher_suite from
 *    that session"), its lifetime has not passed, its server_name is this
 *    handshake's (RFC 6066 §3: a server "MUST NOT accept the request to
 *    resume the session" when the name differs) and its master secret is
 *    the extended one. Anything else is a full handshake, as RFC 5077 §3.4
 *    lets a server that does not accept a ticket do.
 *  - Extended master secret, RFC 7627 §5.3: we only ever make extended
 *    master secrets, and a ClientHello without the extension is refused
 *    whatever it offers (tls12_ext_server.c), which is the abort §5.3 asks
 *    for when "the original session used the extension but the new
 *    ClientHello does not contain it". A state whose secret is not the
 *    extended one (never ours, but the state's flag says so) gets the full
 *    handshake §5.3 asks for when the new ClientHello contains it.
 *  - Tickets are issued on full handshakes to a client that sent the
 *    extension (empty, or with a ticket we did not take), and on a resumed
 *    one when the ticket was opened under a key now decrypt-only
 *    (MOAT_TICKET_OK_REISSUE), so the client moves to the current key.
 *    RFC 5077 §3.3: having promised the ticket in the ServerHello, a server
 *    whose sealer fails sends an empty one.
 *  - RFC 5077 §3.4: a resumed ServerHello echoes the client's session ID,
 *    which is how the client learns the ticket was taken.
 *  - Session IDs: with a cache configured, a ClientHello whose ticket did
 *    not resume (or that had none) and that carries a session ID is looked
 *    up; the entry is the same session state a ticket seals, and resumes
 *    under the same rules. A full handshake whose client takes no ticket
 *    gets a fresh random 32-byte ID, and its session is stored once the
 *    client's Finished is verified (so no session of a handshake that
 *    failed is ever kept, RFC 5246 §7.2.2). A client given a ticket is not
 *    also cached: the ticket is its way back, and the cache's memory holds
 *    master secrets.
 */
#include <string.h>
#include <strings.h>

#include "common/secmem.h"
#include "tls/crypto/util.h"
#include "tls/ext_handlers.h"
#include "tls/extensions12.h"
#include "tls/handshake_tables.h"
#include "tls/messages12.h"
#include "tls/record_tls12.h"
#include "tls/tickets.h"

/* Another host of a fleet may have issued a ticket with its clock a little ahead (tls13_psk.c does the same). */
#define ISSUE_SKEW_NS (10ull * 1000000000ull)
#define NS_PER_S 1000000000ull

/* The session's suite, if this handshake may go on with it. */
static const struct moat_cipher_suite *state_suite(const struct moat_connection *conn,
						   const struct moat_session_state *s)
{
	const struct moat_cipher_suite *suite = moat_cipher_suite_find(s->cipher_suite);
	struct moat_tls12_key_layout layout;
	if (suite == NULL || !moat_cipher_suite_supports_version(suite, conn->version) ||
	    !moat_security_policy_has_suite(moat_conn_policy(conn), suite->iana) ||
	    !moat_u16_list_contains(conn->hs->client_hello.cipher_suites, suite->iana))
		return NULL;
	if (moat_tls12_key_layout(suite, conn->version, &layout) < 0) {
		moat_error_clear();
		return NULL;
	}
	return suite;
}

static bool expired(const struct moat_session_state *s, uint64_t now)
{
	return now > s->issue_time_ns && (now - s->issue_time_ns) / NS_PER_S >= s->lifetime;
}

static bool state_fits(const struct moat_connection *conn, const struct moat_session_state *s, uint64_t now)
{
	if (s->version != conn->version || !s->ems || s->psk_len != MOAT_TLS12_MASTER_SECRET_LEN ||
	    s->client_identity_len != 0 || state_suite(conn, s) == NULL)
		return false;
	if (s->issue_time_ns > now + ISSUE_SKEW_NS || expired(s, now))
		return false;
	return strcasecmp(s->server_name, conn->server_name) == 0;
}

/* The OPEN's answer: the state to resume in t->session, or nothing (a full handshake). */
static int consider(struct moat_connection *conn)
{
	struct moat_tickets *t = conn->tix;
	struct moat_cursor state;
	bool opened = t->result == MOAT_TICKET_OK || t->result == MOAT_TICKET_OK_REISSUE;
	moat_cursor_init(&state, t->answer, t->answer_len);
	int rc = opened ? moat_session_state_decode(state, &t->session) : MOAT_FAILURE;
	moat_wipe(t->answer, sizeof(t->answer));
	if (rc < 0) {
		moat_error_clear();
		return MOAT_SUCCESS;
	}
	uint64_t now;
	TRY(moat_conn_now_ns(conn, &now));
	if (!state_fits(conn, &t->session, now)) {
		moat_wipe(&t->session, sizeof(t->session));
		return MOAT_SUCCESS;
	}
	t->have_session = true;
	t->reissue = t->result == MOAT_TICKET_OK_REISSUE;
	return MOAT_SUCCESS;
}

/* The ticket of this ClientHello, opened; blocks while the application works on it. */
static int open_ticket(struct moat_connection *conn, struct moat_cursor ticket)
{
	struct moat_tickets *t = conn->tix;
	if (!t->answer_ready) {
		if (t->op == NULL)
			TRY(moat_tickets_start_op(conn, MOAT_TICKET_OPEN, moat_cursor_data(&ticket),
						  moat_cursor_remaining(&ticket)));
		TRY(moat_tickets_take_answer(conn));
	}
	t->answer_ready = false;
	return consider(conn);
}

/* ---- session ID cache ---------------------------------------------------- */

int moat_config_set_cache_store_callback(struct moat_config *config, moat_cache_store_fn fn, void *ctx)
{
	ENSURE_REF(config);
	config->cache_store = fn;
	config->cache_store_ctx = ctx;
	return MOAT_SUCCESS;
}

int moat_config_set_cache_retrieve_callback(struct moat_config *config, moat_cache_retrieve_fn fn, void *ctx)
{
	ENSURE_REF(config);
	config->cache_retrieve = fn;
	config->cache_retrieve_ctx = ctx;
	return MOAT_SUCCESS;
}

int moat_config_set_cache_delete_callback(struct moat_config *config, moat_cache_delete_fn fn, void *ctx)
{
	ENSURE_REF(config);
	config->cache_delete = fn;
	config->cache_delete_ctx = ctx;
	return MOAT_SUCCESS;
}

int moat_config_set_session_cache_onoff(struct moat_config *config, uint8_t enabled)
{
	ENSURE_REF(config);
	config->cache_off = enabled == 0;
	return MOAT_SUCCESS;
}

static bool cache_enabled(const struct moat_connection *conn)
{
	const struct moat_config *c = conn->config;
	return !c->cache_off && c->cache_store != NULL && c->cache_retrieve != NULL;
}

static void cache_delete(struct moat_connection *conn, const uint8_t *id, size_t len)
{
	const struct moat_config *c = conn->config;
	if (c->cache_delete != NULL)
		(void)c->cache_delete(conn, c->cache_delete_ctx, id, len);
}

/*
 * RFC 5246 §7.4.1.2: a ClientHello's session ID names a session to resume.
 * The cache's answer is read like an opened ticket (it is application
 * memory, so checked as if it came off the wire); one that does not decode
 * or no longer fits is deleted.
 */
static int cache_lookup(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_tickets *t = conn->tix;
	const struct moat_config *c = conn->config;
	uint8_t value[MOAT_SESSION_STATE_MAX_LEN];
	uint64_t value_size = sizeof(value);
	if (c->cache_retrieve(conn, c->cache_retrieve_ctx, hs->session_id, hs->session_id_len, value, &value_size) != 0 ||
	    value_size > sizeof(value)) {
		moat_wipe(value, sizeof(value));
		return MOAT_SUCCESS;
	}
	struct moat_cursor state;
	moat_cursor_init(&state, value, (size_t)value_size);
	int rc = moat_session_state_decode(state, &t->session);
	moat_wipe(value, sizeof(value));
	uint64_t now;
	TRY(moat_conn_now_ns(conn, &now));
	if (rc < 0 || !state_fits(conn, &t->session, now)) {
		/*
		 * An entry that does not decode or has expired is deleted; one that
		 * only does not fit this ClientHello stays (the ID travels in the
		 * clear: anyone could otherwise evict a session).
		 */
		if (rc < 0 || expired(&t->session, now))
			cache_delete(conn, hs->session_id, hs->session_id_len);
		moat_error_clear();
		moat_wipe(&t->session, sizeof(t->session));
		return MOAT_SUCCESS;
	}
	t->have_session = true;
	t->tls12_cache_hit = true;
	return MOAT_SUCCESS;
}

/* ---- the ClientHello ------------------------------------------------------ */

int moat_tls12_resume_server_hello(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	const struct moat_ext_block *ext = &hs->client_hello.ext;
	if (moat_conn_client_auth(conn) != MOAT_CERT_AUTH_NONE)
		return MOAT_SUCCESS;
	bool tickets = moat_tickets_server_enabled(conn) && moat_ext_present(ext, MOAT_EXTI_SESSION_TICKET);
	bool cache = cache_enabled(conn);
	if (!tickets && !cache)
		return MOAT_SUCCESS;
	struct moat_tickets *t;
	TRY(moat_tickets_get(conn, &t));
	/* Settled once: this handler runs again after any later block in the ClientHello's handling. */
	if (t->tls12_settled)
		return MOAT_SUCCESS;
	if (tickets) {
		struct moat_cursor ticket;
		TRY(moat_ext_session_ticket_decode(ext->data[MOAT_EXTI_SESSION_TICKET], &ticket));
		size_t len = moat_cursor_remaining(&ticket);
		/* Longer than any ticket we seal: not ours. */
		if (len > 0 && len <= MOAT_TICKET_MAX_LEN)
			TRY(open_ticket(conn, ticket));
	}
	/* RFC 5077 §3.4: a ticket that does not resume leaves the session ID to name a cached session. */
	if (!t->have_session && cache && hs->session_id_len > 0)
		TRY(cache_lookup(conn));
	t->tls12_settled = true;
	if (t->have_session) {
		hs->flags |= MOAT_HS_F_RESUMED;
		/* RFC 5246 §7.3: no certificate, no key exchange on the abbreviated handshake. */
		hs->flags &= ~MOAT_HS_F_ECDHE;
		conn->suite = moat_cipher_suite_find(t->session.cipher_suite);
		/* A fresh ticket for one opened under an old key, or for a client that resumed by ID and asks for one. */
		t->to_send = tickets && (t->reissue || t->tls12_cache_hit) ? 1 : 0;
	} else if (tickets) {
		t->to_send = 1;
	} else {
		/* A full handshake whose session is cached under a fresh random ID (RFC 5246 §7.4.1.3). */
		t->session_id_len = sizeof(t->session_id);
		TRY(moat_random_bytes(t->session_id, t->session_id_len));
	}
	if (t->to_send > 0)
		hs->flags |= MOAT_HS_F_TICKET;
	return MOAT_SUCCESS;
}

/* The resumed session's master secret, once the transcript and secrets are set up for its suite. */
int moat_tls12_resume_server_install(struct moat_connection *conn)
{
	if (!(conn->hs->flags & MOAT_HS_F_RESUMED))
		return MOAT_SUCCESS;
	const struct moat_tickets *t = conn->tix;
	ENSURE(t != NULL && t->have_session && t->session.psk_len == MOAT_TLS12_MASTER_SECRET_LEN, MOAT_ERR_INTERNAL);
	memcpy(conn->secrets->tls12.master_secret, t->session.psk, MOAT_TLS12_MASTER_SECRET_LEN);
	return MOAT_SUCCESS;
}

const uint8_t *moat_tls12_resume_session_id(const struct moat_connection *conn, size_t *len)
{
	const struct moat_handshake *hs = conn->hs;
	/*
	 * RFC 5077 §3.4: a server accepting a ticket "MUST respond with the
	 * same Session ID present in the ClientHello"; RFC 5246 §7.4.1.3: so
	 * does one resuming the session the ID names.
	 */
	if (hs->flags & MOAT_HS_F_RESUMED) {
		*len = hs->session_id_len;
		return hs->session_id;
	}
	if (conn->tix != NULL && conn->tix->session_id_len > 0) {
		*len = conn->tix->session_id_len;
		return conn->tix->session_id;
	}
	*len = 0;
	return NULL;
}

/* The session of this connection, with its master secret, for a ticket. */
static int session_now(struct moat_connection *conn, struct moat_session_state *s)
{
	memset(s, 0, sizeof(*s));
	s->version = conn->version;
	s->cipher_suite = conn->suite->iana;
	TRY(moat_conn_now_ns(conn, &s->issue_time_ns));
	s->lifetime = conn->config->ticket_lifetime;
	s->psk_len = MOAT_TLS12_MASTER_SECRET_LEN;
	memcpy(s->psk, conn->secrets->tls12.master_secret, MOAT_TLS12_MASTER_SECRET_LEN);
	memcpy(s->server_name, conn->server_name, sizeof(s->server_name) - 1);
	memcpy(s->alpn, conn->alpn, sizeof(s->alpn) - 1);
	/* Every master secret we make is the extended one (tls12_ext_server.c requires the extension). */
	s->ems = true;
	return MOAT_SUCCESS;
}

/*
 * Full handshake, the client's Finished verified: the session goes into
 * the cache under the ID our ServerHello gave it. A store that fails costs
 * the client a full handshake next time, not this connection.
 */
int moat_tls12_resume_server_finished(struct moat_connection *conn)
{
	struct moat_tickets *t = conn->tix;
	if ((conn->hs->flags & MOAT_HS_F_RESUMED) || t == NULL || t->session_id_len == 0 || !cache_enabled(conn))
		return MOAT_SUCCESS;
	const struct moat_config *c = conn->config;
	struct moat_session_state s;
	uint8_t mem[MOAT_SESSION_STATE_MAX_LEN];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	int rc = session_now(conn, &s);
	if (rc == MOAT_SUCCESS)
		rc = moat_session_state_encode(&s, &b);
	if (rc == MOAT_SUCCESS)
		(void)c->cache_store(conn, c->cache_store_ctx, s.lifetime, t->session_id, t->session_id_len, b.data, b.len);
	moat_wipe(&s, sizeof(s));
	moat_wipe(mem, sizeof(mem));
	return rc;
}

/* RFC 5077 §3.3 NewSessionTicket: sealed through the ticket operation (blocks until it is applied). */
int moat_tls12_server_send_ticket(struct moat_connection *conn)
{
	struct moat_tickets *t = conn->tix;
	ENSURE(t != NULL && t->to_send == 1, MOAT_ERR_INTERNAL);
	if (!t->answer_ready) {
		if (t->op == NULL) {
			uint8_t mem[MOAT_SESSION_STATE_MAX_LEN];
			struct moat_session_state st;
			struct moat_buf b;
			moat_buf_init_fixed(&b, mem, sizeof(mem));
			int rc = session_now(conn, &st);
			if (rc == MOAT_SUCCESS)
				rc = moat_session_state_encode(&st, &b);
			if (rc == MOAT_SUCCESS)
				rc = moat_tickets_start_op(conn, MOAT_TICKET_SEAL, b.data, b.len);
			if (rc == MOAT_SUCCESS)
				t->issuing.lifetime = st.lifetime;
			moat_wipe(&st, sizeof(st));
			moat_wipe(mem, sizeof(mem));
			TRY(rc);
		}
		TRY(moat_tickets_take_answer(conn));
	}
	t->answer_ready = false;
	t->to_send = 0;
	uint32_t hint = t->issuing.lifetime;
	moat_wipe(&t->issuing, sizeof(t->issuing));
	bool sealed = t->result == MOAT_TICKET_OK;
	struct moat_buf msg;
	uint8_t mem[MOAT_HS_HEADER_LEN + 4 + 2 + MOAT_TICKET_MAX_LEN];
	moat_buf_init_fixed(&msg, mem, sizeof(mem));
	/* §3.3: "If the server determines that it does not want to include a ticket ... it SHOULD send a zero-length ticket". */
	TRY(moat_new_session_ticket12_encode(&msg, sealed ? hint : 0, t->answer, sealed ? t->answer_len : 0));
	moat_wipe(t->answer, sizeof(t->answer));
	return moat_hs_queue_message(conn, msg.data, msg.len);
}

/* RFC 5077 §3.2: an empty session_ticket in the ServerHello promises a NewSessionTicket. */
bool moat_ext_session_ticket_sh12_should_send(const struct moat_connection *conn)
{
	return (conn->hs->flags & MOAT_HS_F_TICKET) != 0;
}

int moat_ext_session_ticket_sh12_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	return moat_ext_write_session_ticket(out, NULL, 0);
}
