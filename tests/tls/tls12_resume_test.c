/*
 * TLS 1.2 resumption on our server (tls/tls12_resume.c), driven by a
 * scripted TLS 1.2 client (scripted_peer.h) that offers a session ticket
 * holding a session state the test chose. The test's ticket "sealer" keeps
 * the state in the clear behind a marker byte, so each case changes one
 * field of an otherwise resumable state: the positive control resumes (a
 * ServerHello echoing the session ID, then the server's ChangeCipherSpec: no
 * Certificate), and every other case must get a full handshake (a
 * Certificate after the ServerHello) with a fresh ticket promised: a TLS 1.3
 * state, a state whose master secret is not the extended one (RFC 7627
 * §5.3), another server name, an expired state, a suite the client does not
 * offer, another TLS version, a ticket that does not open. A ClientHello
 * without extended_master_secret is refused with handshake_failure even
 * with a good ticket (RFC 7627 §5.3), a ticket opened under an old key
 * resumes with a fresh ticket before the server's ChangeCipherSpec, and a
 * ticket callback that answers later blocks the handshake on application
 * input until it is applied.
 */
#include <string.h>

#include "common/clock.h"
#include "tests/moat_test.h"
#include "tests/tls/scripted_peer.h"
#include "tls/messages12.h"
#include "tls/session_state.h"

#define SUITE 0xc02b /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
#define MARK 'T'

static const uint8_t ext_ems[] = { 0x00, 0x17, 0x00, 0x00 };
static const uint8_t ext_reneg[] = { 0xff, 0x01, 0x00, 0x01, 0x00 };
static const uint8_t ext_point_formats[] = { 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00 };

static struct moat_ticket_op *held;
static bool hold;
/* How the ClientHello's ticket is spoiled: its first byte, bytes cut off the state's end. */
static uint8_t ticket_mark = MARK;
static size_t state_cut;
/* What an OPEN that succeeds answers: OK, or OK_REISSUE (opened under a key that no longer seals). */
static moat_ticket_result open_result = MOAT_TICKET_OK;

static void answer(struct moat_connection *conn, struct moat_ticket_op *op)
{
	moat_ticket_op_type type;
	uint32_t len;
	uint8_t in[MOAT_TICKET_MAX_LEN], out[MOAT_TICKET_MAX_LEN];
	EXPECT_OK(moat_ticket_op_get_type(op, &type));
	EXPECT_OK(moat_ticket_op_get_input_size(op, &len));
	ATF_REQUIRE(len > 0 && len < sizeof(in));
	EXPECT_OK(moat_ticket_op_get_input(op, in, len));
	if (type == MOAT_TICKET_SEAL) {
		out[0] = MARK;
		memcpy(out + 1, in, len);
		EXPECT_OK(moat_ticket_op_set_output(op, out, len + 1));
		EXPECT_OK(moat_ticket_op_set_result(op, MOAT_TICKET_OK));
	} else if (len > 1 && in[0] == MARK) {
		EXPECT_OK(moat_ticket_op_set_output(op, in + 1, len - 1));
		EXPECT_OK(moat_ticket_op_set_result(op, open_result));
	} else {
		EXPECT_OK(moat_ticket_op_set_result(op, MOAT_TICKET_BAD_TICKET));
	}
	EXPECT_OK(moat_ticket_op_apply(op, conn));
	EXPECT_OK(moat_ticket_op_free(op));
}

static int ticket_cb(struct moat_connection *conn, void *ctx, struct moat_ticket_op *op)
{
	(void)ctx;
	if (hold) {
		ATF_REQUIRE(held == NULL);
		held = op;
		return 0;
	}
	answer(conn, op);
	return 0;
}

/* A state our server resumes: TLS 1.2, the client's suite, extended master secret, issued now, no server name. */
static void good_state(struct moat_session_state *s)
{
	memset(s, 0, sizeof(*s));
	s->version = MOAT_TLS12;
	s->cipher_suite = SUITE;
	s->issue_time_ns = moat_clock_wall_ns();
	s->lifetime = 3600;
	s->psk_len = MOAT_SESSION_MASTER_SECRET_LEN;
	memset(s->psk, 0x33, s->psk_len);
	s->ems = true;
}

/* session_ticket (RFC 5077 §3.2) with MARK and the state; an empty ticket for NULL. */
static size_t ticket_ext(const struct moat_session_state *s, uint8_t *ext, size_t cap)
{
	uint8_t mem[MOAT_SESSION_STATE_MAX_LEN];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	size_t n = 0;
	if (s != NULL) {
		EXPECT_OK(moat_session_state_encode(s, &b));
		ATF_REQUIRE(b.len > state_cut);
		b.len -= state_cut;
		n = 1 + b.len;
	}
	ATF_REQUIRE(4 + n <= cap);
	ext[0] = 0x00;
	ext[1] = 0x23;
	ext[2] = (uint8_t)(n >> 8);
	ext[3] = (uint8_t)n;
	if (s != NULL) {
		ext[4] = ticket_mark;
		memcpy(ext + 5, b.data, b.len);
	}
	return 4 + n;
}

/* Our server with the ticket callback, and a TLS 1.2 ClientHello offering the state (with or without EMS). */
static struct sp_fixture *hello(const struct moat_session_state *s, bool ems, uint16_t suite)
{
	static const uint16_t groups[] = { MOAT_GROUP_SECP256R1 };
	static const uint16_t sig_algs[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256 };
	static uint16_t suites[2];
	static uint8_t ext[1024];
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	EXPECT_OK(moat_config_set_ticket_crypto_cb(f->cfg, ticket_cb, NULL));
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	suites[0] = suite;
	o.suites = suites;
	o.n_suites = 1;
	o.no_supported_versions = true;
	o.no_key_share = true;
	o.groups = groups;
	o.n_groups = 1;
	o.sig_algs = sig_algs;
	o.n_sig_algs = 1;
	size_t n = 0;
	if (ems) {
		memcpy(ext, ext_ems, sizeof(ext_ems));
		n += sizeof(ext_ems);
	}
	memcpy(ext + n, ext_reneg, sizeof(ext_reneg));
	n += sizeof(ext_reneg);
	memcpy(ext + n, ext_point_formats, sizeof(ext_point_formats));
	n += sizeof(ext_point_formats);
	n += ticket_ext(s, ext + n, sizeof(ext) - n);
	o.extra_ext = ext;
	o.extra_ext_len = n;
	sp_client_send_hello(f, &o);
	return f;
}

/* The ServerHello our server sent: its session ID and whether it promises a ticket. */
static void read_server_hello(struct sp_fixture *f, struct moat_cursor *sid, bool *ticket_promised)
{
	uint8_t type;
	const uint8_t *msg;
	size_t len;
	sp_next_handshake_message(f, &type, &msg, &len);
	ATF_REQUIRE_EQ(type, MOAT_HS_SERVER_HELLO);
	struct moat_cursor body;
	moat_cursor_init(&body, msg + MOAT_HS_HEADER_LEN, len - MOAT_HS_HEADER_LEN);
	struct moat_server_hello sh;
	EXPECT_OK(moat_server_hello_decode(body, &sh));
	ATF_REQUIRE_EQ(sh.cipher_suite, SUITE);
	*sid = sh.session_id_echo;
	*ticket_promised = moat_ext_present(&sh.ext, MOAT_EXTI_SESSION_TICKET);
}

static void expect_resumed(const struct moat_session_state *s)
{
	struct sp_fixture *f = hello(s, true, SUITE);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	struct moat_cursor sid;
	bool promised;
	read_server_hello(f, &sid, &promised);
	/* RFC 5077 §3.4: the client's session ID echoed; no fresh ticket for one opened under the current key. */
	ATF_REQUIRE(moat_cursor_remaining(&sid) == f->peer.session_id_len && f->peer.session_id_len > 0 &&
		    memcmp(moat_cursor_data(&sid), f->peer.session_id, f->peer.session_id_len) == 0);
	ATF_REQUIRE(!promised);
	/* RFC 5246 §7.3 figure 2: the server's ChangeCipherSpec right after its ServerHello. */
	uint8_t type;
	const uint8_t *plain;
	size_t len;
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE_EQ_MSG(type, MOAT_CT_CHANGE_CIPHER_SPEC, "record type %u after the ServerHello", type);
	sp_free(f);
}

static void expect_full(const struct moat_session_state *s, uint16_t suite)
{
	struct sp_fixture *f = hello(s, true, suite);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	struct moat_cursor sid;
	bool promised;
	read_server_hello(f, &sid, &promised);
	/* A full handshake: no session ID taken from the client, a fresh ticket promised (RFC 5077 §3.4). */
	ATF_REQUIRE(moat_cursor_remaining(&sid) == 0 || memcmp(moat_cursor_data(&sid), f->peer.session_id,
								moat_cursor_remaining(&sid)) != 0);
	ATF_REQUIRE(promised);
	uint8_t type;
	const uint8_t *msg;
	size_t len;
	sp_next_handshake_message(f, &type, &msg, &len);
	ATF_REQUIRE_EQ_MSG(type, MOAT_HS_CERTIFICATE, "message %u after the ServerHello", type);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(ticket_resumes);
ATF_TC_BODY(ticket_resumes, tc)
{
	struct moat_session_state s;
	good_state(&s);
	expect_resumed(&s);
	/* An empty ticket asks for one: a full handshake that promises it. */
	expect_full(NULL, SUITE);
}

/* RFC 5077 §3.1 figure 3: a ticket opened under an old key resumes, with a fresh ticket before the CCS. */
ATF_TC_WITHOUT_HEAD(reissued_ticket_comes_before_ccs);
ATF_TC_BODY(reissued_ticket_comes_before_ccs, tc)
{
	struct moat_session_state s;
	good_state(&s);
	open_result = MOAT_TICKET_OK_REISSUE;
	struct sp_fixture *f = hello(&s, true, SUITE);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	struct moat_cursor sid;
	bool promised;
	read_server_hello(f, &sid, &promised);
	ATF_REQUIRE(promised);
	ATF_REQUIRE(moat_cursor_remaining(&sid) == f->peer.session_id_len);
	uint8_t type;
	const uint8_t *msg;
	size_t len;
	sp_next_handshake_message(f, &type, &msg, &len);
	ATF_REQUIRE_EQ(type, MOAT_HS_NEW_SESSION_TICKET);
	struct moat_cursor body;
	moat_cursor_init(&body, msg + MOAT_HS_HEADER_LEN, len - MOAT_HS_HEADER_LEN);
	struct moat_new_session_ticket12 nst;
	EXPECT_OK(moat_new_session_ticket12_decode(body, &nst));
	/* The fresh ticket is our sealer's: the marker, then this session's state. */
	ATF_REQUIRE(moat_cursor_remaining(&nst.ticket) > 1 && moat_cursor_data(&nst.ticket)[0] == MARK);
	ATF_REQUIRE(nst.lifetime_hint > 0);
	struct moat_session_state back;
	struct moat_cursor st;
	moat_cursor_init(&st, moat_cursor_data(&nst.ticket) + 1, moat_cursor_remaining(&nst.ticket) - 1);
	EXPECT_OK(moat_session_state_decode(st, &back));
	ATF_REQUIRE(back.version == MOAT_TLS12 && back.cipher_suite == SUITE && back.ems);
	ATF_REQUIRE(memcmp(back.psk, s.psk, MOAT_SESSION_MASTER_SECRET_LEN) == 0);
	/* sp_next_handshake_message skipped nothing: the next record is the CCS. */
	const uint8_t *plain;
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE_EQ(type, MOAT_CT_CHANGE_CIPHER_SPEC);
	sp_free(f);
	open_result = MOAT_TICKET_OK;
}

ATF_TC_WITHOUT_HEAD(state_that_does_not_fit_is_full_handshake);
ATF_TC_BODY(state_that_does_not_fit_is_full_handshake, tc)
{
	struct moat_session_state s;
	/* A TLS 1.3 state (a 1.3 ticket offered in TLS 1.2). */
	good_state(&s);
	s.version = MOAT_TLS13;
	s.cipher_suite = 0x1301;
	s.psk_len = 32;
	s.ems = false;
	expect_full(&s, SUITE);
	/* RFC 7627 §5.3: an original session without the extended master secret is not resumed. */
	good_state(&s);
	s.ems = false;
	expect_full(&s, SUITE);
	/* RFC 6066 §3: another server name. */
	good_state(&s);
	strcpy(s.server_name, "other.example");
	expect_full(&s, SUITE);
	/* Past its lifetime. */
	good_state(&s);
	s.issue_time_ns -= 3601ull * 1000000000ull;
	expect_full(&s, SUITE);
	/* Issued well in the future (another host's clock far ahead). */
	good_state(&s);
	s.issue_time_ns += 3600ull * 1000000000ull;
	expect_full(&s, SUITE);
	/* Another TLS version than the one negotiated. */
	good_state(&s);
	s.version = MOAT_TLS11;
	expect_full(&s, SUITE);
	/* A suite this ClientHello does not offer (RFC 5246 §7.4.1.2). */
	good_state(&s);
	s.cipher_suite = 0xc02c;
	expect_full(&s, SUITE);
}

ATF_TC_WITHOUT_HEAD(ticket_that_does_not_open_is_full_handshake);
ATF_TC_BODY(ticket_that_does_not_open_is_full_handshake, tc)
{
	struct moat_session_state s;
	good_state(&s);
	/* Not our marker: the callback answers BAD_TICKET. */
	ticket_mark = 'X';
	expect_full(&s, SUITE);
	ticket_mark = MARK;
	/* It opens, but what it holds is one byte short of a state. */
	state_cut = 1;
	expect_full(&s, SUITE);
	state_cut = 0;
	/* The control: the same state, whole and marked, resumes. */
	expect_resumed(&s);
}

ATF_TC_WITHOUT_HEAD(no_ems_with_ticket_is_handshake_failure);
ATF_TC_BODY(no_ems_with_ticket_is_handshake_failure, tc)
{
	struct moat_session_state s;
	good_state(&s);
	struct sp_fixture *f = hello(&s, false, SUITE);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(deferred_open_blocks_until_applied);
ATF_TC_BODY(deferred_open_blocks_until_applied, tc)
{
	struct moat_session_state s;
	good_state(&s);
	hold = true;
	struct sp_fixture *f = hello(&s, true, SUITE);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_ASYNC_BLOCKED);
	ATF_REQUIRE(held != NULL);
	/* Asked again before the answer: still blocked, no second operation. */
	struct moat_ticket_op *op = held;
	held = NULL;
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_ASYNC_BLOCKED);
	ATF_REQUIRE(held == NULL);
	hold = false;
	answer(f->conn, op);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	struct moat_cursor sid;
	bool promised;
	read_server_hello(f, &sid, &promised);
	ATF_REQUIRE(moat_cursor_remaining(&sid) == f->peer.session_id_len);
	uint8_t type;
	const uint8_t *plain;
	size_t len;
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE_EQ(type, MOAT_CT_CHANGE_CIPHER_SPEC);
	sp_free(f);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ticket_resumes);
	ATF_TP_ADD_TC(tp, reissued_ticket_comes_before_ccs);
	ATF_TP_ADD_TC(tp, state_that_does_not_fit_is_full_handshake);
	ATF_TP_ADD_TC(tp, ticket_that_does_not_open_is_full_handshake);
	ATF_TP_ADD_TC(tp, no_ems_with_ticket_is_handshake_failure);
	ATF_TP_ADD_TC(tp, deferred_open_blocks_until_applied);
	return atf_no_error();
}
