/*
 * Resumption PSKs in the handshake, RFC 8446 §2.2, §4.2.9 - §4.2.11: the
 * server's choice among the tickets a ClientHello offers, and the client's
 * offer of the one ticket it keeps.
 *
 * What the server checks, and why each failure is what it is:
 *  - pre_shared_key without psk_key_exchange_modes is missing_extension
 *    (§4.2.9); identities and binders that do not pair up, or a
 *    pre_shared_key that is not last, are illegal_parameter (the codec and
 *    the block parser, extensions.c).
 *  - Each identity is opened by the application's ticket callback (tickets.c),
 *    at most PSK_TRIES_MAX of them, in the client's order: each is a round
 *    trip to the sealer (moat-keyd), and a client has no reason to offer
 *    more than a few. An identity that does not open (unknown key, bad
 *    ticket, a state we cannot read) is passed over: a full handshake,
 *    never an error, as §4.2.11 lets a server decline any PSK.
 *  - An opened state is passed over too when it cannot be resumed here: a
 *    suite we do not know or a hash that does not fit, expired (its
 *    lifetime past, on the server's clock), an obfuscated_ticket_age that
 *    disagrees with the issue time by more than AGE_WINDOW_MS (§4.2.11.1,
 *    §8.3: a ticket replayed long after it was seen), or a server_name
 *    other than the one it was issued for: in moat one process serves many
 *    sites, and a ticket must not carry a session from one site to another
 *    (the §4.6.1 certificate check a client does, made by the server); or,
 *    where client certificates are asked for, one whose record of the
 *    client's certificate does not pass (tickets_client_auth.c).
 *  - The first identity that opens and fits is the one: its binder must
 *    verify (§4.2.11.2: a MAC under the PSK's binder key over the
 *    ClientHello up to the binders), compared in constant time, or the
 *    handshake ends with decrypt_error. A binder is proof that the client
 *    holds the PSK; nothing about the session is used before it verifies.
 *  - Only psk_dhe_ke is used (§4.2.9): the default policies want forward
 *    secrecy for every session, resumed or not. A client offering psk_ke
 *    alone gets a full handshake and no tickets.
 *  - A server that asks for client certificates resumes a ticket only on
 *    the record of the client certificate it carries (tickets_client_auth.c).
 *  - After a HelloRetryRequest the second ClientHello must offer the chosen
 *    ticket again, with a binder over message_hash(ClientHello1),
 *    HelloRetryRequest and the truncated second ClientHello (§4.2.11.2).
 */
#include <string.h>
#include <strings.h>

#include "common/secmem.h"
#include "tls/crypto/util.h"
#include "tls/early_data.h"
#include "tls/ext_handlers.h"
#include "tls/handshake_tables.h"
#include "tls/psk_external.h"
#include "tls/tickets.h"

#define PSK_TRIES_MAX 4
#define AGE_WINDOW_MS 10000u
#define NS_PER_MS 1000000u

bool moat_tls13_psk_mode_offered(const struct moat_ext_block *ext, uint8_t mode)
{
	struct moat_cursor modes;
	if (!moat_ext_present(ext, MOAT_EXTI_PSK_KEY_EXCHANGE_MODES) ||
	    moat_ext_psk_modes_decode(ext->data[MOAT_EXTI_PSK_KEY_EXCHANGE_MODES], &modes) < 0)
		return false;
	uint8_t m;
	while (moat_cursor_get_u8(&modes, &m) == MOAT_SUCCESS)
		if (m == mode)
			return true;
	return false;
}

/* The i-th identity and its binder. */
static int identity_at(const struct moat_psk_offer *o, size_t i, struct moat_cursor *id, uint32_t *age,
		       struct moat_cursor *binder)
{
	struct moat_cursor ids = o->identities, binders = o->binders;
	for (size_t k = 0; k <= i; k++) {
		TRY(moat_psk_identity_next(&ids, id, age));
		TRY(moat_psk_binder_next(&binders, binder));
	}
	return MOAT_SUCCESS;
}

static const struct moat_cipher_suite *state_suite(const struct moat_session_state *s)
{
	const struct moat_cipher_suite *suite = moat_cipher_suite_find(s->cipher_suite);
	if (suite == NULL || !moat_cipher_suite_supports_version(suite, MOAT_TLS13) ||
	    moat_hash_len(suite->prf_hash) != s->psk_len)
		return NULL;
	return suite;
}

static bool state_fits(const struct moat_connection *conn, const struct moat_session_state *s, uint32_t obfuscated_age,
		       uint64_t now)
{
	if (state_suite(s) == NULL)
		return false;
	/* Another host of the fleet may have issued it with its clock a little ahead. */
	if (s->issue_time_ns > now + (uint64_t)AGE_WINDOW_MS * NS_PER_MS)
		return false;
	uint64_t server_age_ms = now > s->issue_time_ns ? (now - s->issue_time_ns) / NS_PER_MS : 0;
	if (server_age_ms > (uint64_t)s->lifetime * 1000u)
		return false;
	/* §4.2.11.1: the client's view of the age, modulo 2^32. */
	uint32_t client_age_ms = obfuscated_age - s->age_add;
	uint64_t diff = client_age_ms > server_age_ms ? client_age_ms - server_age_ms : server_age_ms - client_age_ms;
	if (diff > AGE_WINDOW_MS)
		return false;
	return strcasecmp(s->server_name, conn->server_name) == 0 && moat_tickets_client_id_acceptable(conn, s, now);
}

/*
 * §4.2.11.2 binder = HMAC(finished_key(binder_key), Transcript-Hash(Truncate(ClientHello))).
 * The Early Secret it starts from is left in conn->secrets (keep_early) or wiped.
 */
static int binder_with(struct moat_connection *conn, moat_hash_alg alg, const uint8_t *psk, size_t psk_len,
		       bool external, const uint8_t *transcript_hash, uint8_t *out, bool keep_early)
{
	struct moat_secrets *s = conn->secrets;
	uint8_t binder_key[MOAT_MAX_HASH_LEN];
	ENSURE(s != NULL, MOAT_ERR_INTERNAL);
	int rc = moat_tls13_init(s, alg, psk, psk_len);
	if (rc == MOAT_SUCCESS)
		rc = moat_tls13_binder_key(s, external, binder_key);
	if (rc == MOAT_SUCCESS)
		rc = moat_tls13_finished_mac(alg, binder_key, transcript_hash, out);
	moat_wipe(binder_key, sizeof(binder_key));
	if (rc != MOAT_SUCCESS || !keep_early)
		moat_wipe(s->early, sizeof(s->early));
	return rc;
}

int moat_tls13_psk_binder(struct moat_connection *conn, moat_hash_alg alg, const uint8_t *psk, size_t psk_len,
			  bool external, const uint8_t *transcript_hash, uint8_t *out)
{
	/* conn->secrets is re-used here: whatever Early Secret binder_verify kept is gone. */
	if (conn->tix != NULL)
		conn->tix->early_ready = false;
	return binder_with(conn, alg, psk, psk_len, external, transcript_hash, out, false);
}

static int binder_verify(struct moat_connection *conn, const struct moat_session_state *st,
			 const uint8_t *transcript_hash, struct moat_cursor binder)
{
	const struct moat_cipher_suite *suite = state_suite(st);
	ENSURE(suite != NULL, MOAT_ERR_INTERNAL);
	uint8_t expect[MOAT_MAX_HASH_LEN];
	size_t n = moat_hash_len(suite->prf_hash);
	/*
	 * The Early Secret of this PSK is the key schedule's first stage too
	 * (§7.1): kept for moat_tls13_psk_server_init_schedule, not extracted
	 * again from the PSK once the ServerHello is out.
	 */
	conn->tix->early_ready = false;
	TRY(binder_with(conn, suite->prf_hash, st->psk, st->psk_len, false, transcript_hash, expect, true));
	bool ok = moat_cursor_remaining(&binder) == n && moat_ct_equal(moat_cursor_data(&binder), expect, n);
	moat_wipe(expect, sizeof(expect));
	if (!ok)
		moat_wipe(conn->secrets->early, sizeof(conn->secrets->early));
	ENSURE(ok, MOAT_ERR_DECRYPT_ERROR);
	conn->tix->early_ready = true;
	return MOAT_SUCCESS;
}

int moat_tls13_psk_server_init_schedule(struct moat_connection *conn)
{
	size_t psk_len;
	const uint8_t *psk = moat_tls13_psk(conn, &psk_len);
	struct moat_tickets *t = conn->tix;
	if (t != NULL && t->early_ready) {
		t->early_ready = false;
		/* The ticket's PSK, its hash the suite's: the Early Secret binder_verify left is this one. */
		if (psk != NULL && psk == t->session.psk && conn->secrets->hash == conn->suite->prf_hash)
			return MOAT_SUCCESS;
	}
	return moat_tls13_init(conn->secrets, conn->suite->prf_hash, psk, psk_len);
}

/* The ClientHello's hash up to its binders: message header with the full length, then the body short of them. */
int moat_tls13_psk_truncated_hash(const struct moat_hash *base, moat_hash_alg alg, struct moat_cursor body,
				  size_t binders_len, uint8_t *out)
{
	size_t len = moat_cursor_remaining(&body);
	ENSURE(binders_len <= len, MOAT_ERR_INTERNAL);
	uint8_t header[MOAT_HS_HEADER_LEN] = { MOAT_HS_CLIENT_HELLO, (uint8_t)(len >> 16), (uint8_t)(len >> 8),
					       (uint8_t)len };
	struct moat_hash h = { 0 };
	int rc = base != NULL ? moat_hash_copy(&h, base) : moat_hash_init(&h, alg);
	if (rc == MOAT_SUCCESS)
		rc = moat_hash_update(&h, header, sizeof(header));
	if (rc == MOAT_SUCCESS)
		rc = moat_hash_update(&h, moat_cursor_data(&body), len - binders_len);
	if (rc == MOAT_SUCCESS)
		rc = moat_hash_current(&h, out);
	moat_hash_free(&h);
	return rc;
}

/* The first ClientHello's body, as hello.c kept it. */
static struct moat_cursor first_hello_body(const struct moat_handshake *hs)
{
	struct moat_cursor c;
	moat_cursor_init(&c, hs->client_hello_raw.data, hs->client_hello_raw.len);
	return c;
}

/* The answer to the OPEN of identity i: taken (and its binder verified) or passed over. */
static int consider(struct moat_connection *conn, const struct moat_psk_offer *offer, size_t i)
{
	struct moat_tickets *t = conn->tix;
	struct moat_cursor id, binder, state;
	uint32_t age;
	TRY(identity_at(offer, i, &id, &age, &binder));
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
	if (!state_fits(conn, &t->session, age, now)) {
		moat_wipe(&t->session, sizeof(t->session));
		return MOAT_SUCCESS;
	}
	uint8_t hash[MOAT_MAX_HASH_LEN];
	TRY(moat_tls13_psk_truncated_hash(NULL, state_suite(&t->session)->prf_hash, first_hello_body(conn->hs), offer->binders_len,
			   hash));
	TRY(binder_verify(conn, &t->session, hash, binder));
	TRY(moat_hash_oneshot(MOAT_HASH_SHA256, moat_cursor_data(&id), moat_cursor_remaining(&id),
			      t->psk_identity_hash));
	t->psk_selected = true;
	t->psk_index = (uint16_t)i;
	t->reissue = t->result == MOAT_TICKET_OK_REISSUE;
	/* §4.2.10: 0-RTT rides on the first identity only, and only if its opener saw it for the first time. */
	t->early_data_ok = i == 0 && t->answer_early_data_ok;
	t->have_session = true;
	t->psk_done = true;
	return MOAT_SUCCESS;
}

int moat_tls13_psk_server_select(struct moat_connection *conn)
{
	struct moat_handshake *hs = conn->hs;
	const struct moat_ext_block *ext = &hs->client_hello.ext;
	if (!moat_ext_present(ext, MOAT_EXTI_PRE_SHARED_KEY))
		return MOAT_SUCCESS;
	ENSURE(moat_ext_present(ext, MOAT_EXTI_PSK_KEY_EXCHANGE_MODES), MOAT_ERR_MISSING_EXTENSION);
	struct moat_psk_offer offer;
	TRY(moat_ext_pre_shared_key_decode_ch(ext->data[MOAT_EXTI_PRE_SHARED_KEY], &offer));
	if (!moat_tickets_server_enabled(conn) || !moat_tls13_psk_mode_offered(ext, MOAT_PSK_DHE_KE))
		return MOAT_SUCCESS;
	struct moat_tickets *t;
	TRY(moat_tickets_get(conn, &t));
	while (!t->psk_done) {
		size_t i = t->psk_next;
		if (i >= offer.count || i >= PSK_TRIES_MAX) {
			t->psk_done = true;
			break;
		}
		if (!t->answer_ready) {
			struct moat_cursor id, binder;
			uint32_t age;
			TRY(identity_at(&offer, i, &id, &age, &binder));
			/* Longer than any ticket we seal: not ours. */
			if (moat_cursor_remaining(&id) > MOAT_TICKET_MAX_LEN) {
				t->psk_next++;
				continue;
			}
			if (t->op == NULL) {
				t->open_for_early_data = i == 0 && moat_early_data_server_wanted(conn);
				TRY(moat_tickets_start_op(conn, MOAT_TICKET_OPEN, moat_cursor_data(&id),
							  moat_cursor_remaining(&id)));
			}
			TRY(moat_tickets_take_answer(conn));
		}
		t->answer_ready = false;
		t->psk_next++;
		TRY(consider(conn, &offer, i));
	}
	return MOAT_SUCCESS;
}

int moat_tls13_psk_server_hrr_sent(struct moat_connection *conn)
{
	struct moat_tickets *t = conn->tix;
	if (t == NULL || !t->psk_selected)
		return MOAT_SUCCESS;
	TRY(moat_hash_copy(&t->hrr_transcript, &conn->hs->transcript));
	t->hrr_transcript_ready = true;
	return MOAT_SUCCESS;
}

int moat_tls13_psk_server_second_hello(struct moat_connection *conn, struct moat_cursor body)
{
	struct moat_handshake *hs = conn->hs;
	struct moat_tickets *t = conn->tix;
	if (t == NULL || !t->psk_selected)
		return MOAT_SUCCESS;
	ENSURE(t->hrr_transcript_ready, MOAT_ERR_INTERNAL);
	struct moat_client_hello ch2;
	TRY(moat_client_hello_decode(body, &ch2));
	struct moat_psk_offer offer;
	bool found = false;
	size_t j = 0;
	if (moat_ext_present(&ch2.ext, MOAT_EXTI_PRE_SHARED_KEY)) {
		TRY(moat_ext_pre_shared_key_decode_ch(ch2.ext.data[MOAT_EXTI_PRE_SHARED_KEY], &offer));
		for (; j < offer.count && !found; j++) {
			struct moat_cursor id, binder;
			uint8_t h[32];
			TRY(identity_at(&offer, j, &id, NULL, &binder));
			TRY(moat_hash_oneshot(MOAT_HASH_SHA256, moat_cursor_data(&id), moat_cursor_remaining(&id), h));
			found = moat_ct_equal(h, t->psk_identity_hash, sizeof(h));
		}
	}
	if (!found) {
		/* The client left our choice out: the handshake goes on as a full one. */
		t->psk_selected = false;
		t->early_ready = false;
		moat_wipe(&t->session, sizeof(t->session));
		t->have_session = false;
		hs->flags &= ~MOAT_HS_F_PSK;
		return MOAT_SUCCESS;
	}
	j--;
	struct moat_cursor id, binder;
	TRY(identity_at(&offer, j, &id, NULL, &binder));
	uint8_t hash[MOAT_MAX_HASH_LEN];
	TRY(moat_tls13_psk_truncated_hash(&t->hrr_transcript, conn->suite->prf_hash, body, offer.binders_len, hash));
	TRY(binder_verify(conn, &t->session, hash, binder));
	t->psk_index = (uint16_t)j;
	return MOAT_SUCCESS;
}

const uint8_t *moat_tls13_psk(const struct moat_connection *conn, size_t *len)
{
	const struct moat_psk *ext = moat_psk_ext_chosen(conn);
	if (ext != NULL) {
		*len = ext->secret_len;
		return ext->secret;
	}
	uint32_t flags = conn->hs != NULL ? conn->hs->flags : conn->hs_flags;
	if (!(flags & MOAT_HS_F_PSK) || conn->tix == NULL || !conn->tix->have_session) {
		*len = 0;
		return NULL;
	}
	*len = conn->tix->session.psk_len;
	return conn->tix->session.psk;
}

/* ---- client ------------------------------------------------------------ */

bool moat_tls13_psk_client_offers(const struct moat_connection *conn)
{
	const struct moat_tickets *t = conn->tix;
	if (conn->mode != MOAT_CLIENT || conn->config->tickets_off || t == NULL || !t->have_session || t->received)
		return false;
	const struct moat_cipher_suite *suite = state_suite(&t->session);
	if (suite == NULL || !moat_security_policy_has_suite(moat_conn_policy(conn), suite->iana))
		return false;
	/* §4.1.2: after a HelloRetryRequest, only a PSK whose hash fits the suite chosen. */
	if (conn->hs != NULL && conn->hs->hrr_done && conn->suite->prf_hash != suite->prf_hash)
		return false;
	uint64_t now;
	if (moat_conn_now_ns(conn, &now) < 0) {
		moat_error_clear();
		return false;
	}
	/* §4.6.1: a client MUST NOT cache (nor so offer) a ticket past its lifetime. */
	return now >= t->session.issue_time_ns &&
	       (now - t->session.issue_time_ns) / NS_PER_MS < (uint64_t)t->session.lifetime * 1000u;
}

bool moat_ext_psk_modes_ch_should_send(const struct moat_connection *conn)
{
	return !conn->config->tickets_off || moat_tls13_psk_ext_client_offers(conn);
}

int moat_ext_psk_modes_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	(void)conn;
	static const uint8_t modes[] = { MOAT_PSK_DHE_KE };
	return moat_ext_write_psk_modes(out, modes, sizeof(modes));
}

bool moat_ext_pre_shared_key_ch_should_send(const struct moat_connection *conn)
{
	if (moat_conn_psk_mode(conn) == MOAT_PSK_MODE_EXTERNAL)
		return moat_tls13_psk_ext_client_offers(conn);
	return moat_tls13_psk_client_offers(conn);
}

/* One identity, the ticket, with a binder of zeros that moat_tls13_psk_client_bind fills in. */
int moat_ext_pre_shared_key_ch_write(struct moat_connection *conn, struct moat_buf *out)
{
	if (moat_conn_psk_mode(conn) == MOAT_PSK_MODE_EXTERNAL)
		return moat_tls13_psk_ext_ch_write(conn, out);
	const struct moat_tickets *t = conn->tix;
	uint64_t now;
	TRY(moat_conn_now_ns(conn, &now));
	/* §4.2.11.1: the age in milliseconds plus ticket_age_add, modulo 2^32. */
	uint32_t age = (uint32_t)((now - t->session.issue_time_ns) / NS_PER_MS) + t->session.age_add;
	static const uint8_t zeros[MOAT_MAX_HASH_LEN];
	TRY(moat_ext_begin(out, MOAT_EXT_PRE_SHARED_KEY));
	TRY(moat_buf_open_prefixed(out, 2));
	TRY(moat_buf_put_prefixed(out, 2, t->ticket, t->ticket_len));
	TRY(moat_buf_put_u32(out, age));
	TRY(moat_buf_close_prefixed(out));
	TRY(moat_buf_open_prefixed(out, 2));
	TRY(moat_buf_put_prefixed(out, 1, zeros, t->session.psk_len));
	TRY(moat_buf_close_prefixed(out));
	return moat_ext_end(out);
}

int moat_tls13_psk_client_bind(struct moat_connection *conn, struct moat_buf *msg)
{
	struct moat_handshake *hs = conn->hs;
	if (!moat_ext_set_has(hs->ext_offered, MOAT_EXTI_PRE_SHARED_KEY))
		return MOAT_SUCCESS;
	if (moat_conn_psk_mode(conn) == MOAT_PSK_MODE_EXTERNAL)
		return moat_tls13_psk_ext_client_bind(conn, msg);
	const struct moat_session_state *s = &conn->tix->session;
	const struct moat_cipher_suite *suite = state_suite(s);
	ENSURE(suite != NULL, MOAT_ERR_INTERNAL);
	/* Our binders vector is the end of the message: its 2-byte length, one binder's length byte, the binder. */
	size_t binders_len = 2 + 1 + s->psk_len;
	ENSURE(msg->len >= MOAT_HS_HEADER_LEN + binders_len, MOAT_ERR_INTERNAL);
	struct moat_cursor body;
	moat_cursor_init(&body, msg->data + MOAT_HS_HEADER_LEN, msg->len - MOAT_HS_HEADER_LEN);
	uint8_t hash[MOAT_MAX_HASH_LEN];
	/* After a HelloRetryRequest the transcript so far (message_hash, HRR) comes first (§4.2.11.2). */
	TRY(moat_tls13_psk_truncated_hash(hs->hrr_done ? &hs->transcript : NULL, suite->prf_hash, body, binders_len, hash));
	return moat_tls13_psk_binder(conn, suite->prf_hash, s->psk, s->psk_len, false, hash,
				     msg->data + msg->len - s->psk_len);
}

/* ServerHello pre_shared_key (client): the server took our one identity (§4.2.11). */
int moat_ext_pre_shared_key_sh_recv(struct moat_connection *conn, const struct moat_ext_block *blk)
{
	uint16_t selected;
	TRY(moat_ext_pre_shared_key_decode_sh(blk->data[MOAT_EXTI_PRE_SHARED_KEY], &selected));
	if (moat_conn_psk_mode(conn) == MOAT_PSK_MODE_EXTERNAL)
		return moat_tls13_psk_ext_sh_recv(conn, selected);
	/* "Clients MUST verify that the server's selected_identity is within the range supplied by the client". */
	ENSURE(selected == 0, MOAT_ERR_ILLEGAL_PARAMETER);
	/* "... that the server selected a cipher suite indicating a Hash associated with the PSK". */
	const struct moat_cipher_suite *suite = state_suite(&conn->tix->session);
	ENSURE(suite != NULL && suite->prf_hash == conn->suite->prf_hash, MOAT_ERR_ILLEGAL_PARAMETER);
	conn->hs->flags |= MOAT_HS_F_PSK;
	return MOAT_SUCCESS;
}

/* ServerHello pre_shared_key (server): the identity we took. */
bool moat_ext_pre_shared_key_sh_should_send(const struct moat_connection *conn)
{
	return (conn->hs->flags & MOAT_HS_F_PSK) != 0;
}

int moat_ext_pre_shared_key_sh_write(struct moat_connection *conn, struct moat_buf *out)
{
	if (moat_psk_ext_chosen(conn) != NULL)
		return moat_ext_write_pre_shared_key_sh(out, conn->psks->wire_index);
	return moat_ext_write_pre_shared_key_sh(out, conn->tix->psk_index);
}
