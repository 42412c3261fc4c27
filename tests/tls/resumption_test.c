/*
 * TLS 1.3 session tickets and PSK resumption (RFC 8446 §2.2, §4.2.11,
 * §4.6.1), our client against our server, in-process over a socketpair.
 *
 * The server's tickets are sealed by the examples' in-process AES-256-GCM
 * sealer (tls/examples/ticket_sealer.h) through the library's ticket
 * callback: the same path moat-frontd takes to moat-keyd. Each case first
 * runs a full handshake that issues a ticket, keeps the client's session,
 * and offers it on a second connection with one thing changed: nothing
 * (resumed), the sealer's key (unknown key: full handshake), the ticket's
 * bytes (bad ticket: full), the PSK (the binder no longer verifies:
 * decrypt_error), the clock (expired: full), the server name (full), the
 * server's groups (HelloRetryRequest with the PSK), the callback's timing
 * (answered later: negotiate blocks on application input). With client
 * certificates: a ticket records the one verified and resumes on it (and
 * its reissued tickets keep it), but not where the certificate is required
 * and the ticket has none, nor under other trust settings.
 *
 * 0-RTT (RFC 8446 §2.3, §4.2.10) rides on the same tickets: accepted once
 * and read by moat_recv_early_data, rejected (and skipped) on the ticket's
 * second use, when the server takes none, or when its early data callback
 * says no; more than the ticket allows is unexpected_message.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/moat_test.h"
#include "tests/tls/test_certs.h"
#include "tls/examples/ticket_sealer.h"
#include "tls/moat.h"

struct pair {
	int fds[2];
	struct moat_config *scfg, *ccfg;
	struct moat_connection *server, *client;
	int server_err, client_err;
};

static struct test_pki pki;
static struct moat_cert_chain_and_key *ck;
static struct ex_ticket_sealer sealer;

/* The ticket operation the deferred callback holds until the test answers it. */
static struct moat_ticket_op *pending;
static bool reissue;
static int tickets_received;
static uint64_t clock_ns;
static bool clock_set;
/* Client certificates: what the next pair's server asks, extra anchors it trusts, whether the client has one. */
static moat_cert_auth_type server_client_auth;
static const char *server_extra_ca;
static bool client_has_cert;
/* 0-RTT: the servers' max_early_data_size, what they read of it, the early data callback's verdict. */
static uint32_t early_max;
static uint8_t early_in[65536];
static size_t early_in_len;
static struct moat_offered_early_data *early_pending;
static bool early_verdict;

/* Asynchronous: the verdict is given from the handshake loop (pair_handshake). */
static int early_cb(struct moat_connection *conn, struct moat_offered_early_data *early_data)
{
	(void)conn;
	ATF_REQUIRE(early_pending == NULL);
	early_pending = early_data;
	return 0;
}

static int test_clock(void *ctx, uint64_t *ns)
{
	(void)ctx;
	*ns = clock_ns;
	return 0;
}

static int cb_deferred(struct moat_connection *conn, void *ctx, struct moat_ticket_op *op)
{
	(void)conn;
	(void)ctx;
	ATF_REQUIRE(pending == NULL);
	pending = op;
	return 0;
}

/* Like ex_ticket_crypto_cb, but an OPEN that succeeds says the key is decrypt-only. */
static int cb_reissue(struct moat_connection *conn, void *ctx, struct moat_ticket_op *op)
{
	int rc = ex_ticket_sealer_answer(ctx, op);
	moat_ticket_op_type type;
	EXPECT_OK(moat_ticket_op_get_type(op, &type));
	if (rc == 0 && type == MOAT_TICKET_OPEN && reissue)
		rc = moat_ticket_op_set_result(op, MOAT_TICKET_OK_REISSUE);
	if (rc == 0)
		rc = moat_ticket_op_apply(op, conn);
	EXPECT_OK(moat_ticket_op_free(op));
	return rc;
}

static int count_ticket(struct moat_connection *conn, void *ctx, struct moat_session_ticket *ticket)
{
	(void)conn;
	(void)ctx;
	uint32_t lifetime;
	size_t len;
	EXPECT_OK(moat_session_ticket_get_lifetime(ticket, &lifetime));
	ATF_REQUIRE_EQ(lifetime, 15u * 3600u);
	EXPECT_OK(moat_session_ticket_get_data_len(ticket, &len));
	ATF_REQUIRE(len > 0);
	tickets_received++;
	return 0;
}

static void setup(void)
{
	test_pki_make(&pki, TEST_KEY_P256);
	ck = moat_cert_chain_and_key_new();
	EXPECT_OK(moat_cert_chain_and_key_load_pem_bytes(ck, (const uint8_t *)pki.chain_pem,
							 (uint32_t)strlen(pki.chain_pem), (const uint8_t *)pki.key_pem,
							 (uint32_t)strlen(pki.key_pem)));
	EXPECT_OK(ex_ticket_sealer_init(&sealer));
	pending = NULL;
	reissue = false;
	tickets_received = 0;
	clock_set = false;
	server_client_auth = MOAT_CERT_AUTH_NONE;
	server_extra_ca = NULL;
	client_has_cert = false;
	early_max = 0;
	early_in_len = 0;
	early_pending = NULL;
	early_verdict = true;
}

static void teardown(void)
{
	EXPECT_OK(moat_cert_chain_and_key_free(ck));
	ex_ticket_sealer_free(&sealer);
	test_pki_free(&pki);
}

static void pair_init(struct pair *p, const char *server_policy, moat_ticket_crypto_fn cb, void *cb_ctx)
{
	memset(p, 0, sizeof(*p));
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, p->fds) == 0);
	for (int i = 0; i < 2; i++)
		ATF_REQUIRE(fcntl(p->fds[i], F_SETFL, O_NONBLOCK) == 0);
	p->scfg = moat_config_new();
	ATF_REQUIRE(p->scfg != NULL);
	if (server_policy != NULL)
		EXPECT_OK(moat_config_set_cipher_preferences(p->scfg, server_policy));
	EXPECT_OK(moat_config_add_cert_chain_and_key_to_store(p->scfg, ck));
	EXPECT_OK(moat_config_set_ticket_crypto_cb(p->scfg, cb, cb_ctx));
	if (clock_set)
		EXPECT_OK(moat_config_set_wall_clock(p->scfg, test_clock, NULL));
	if (server_client_auth != MOAT_CERT_AUTH_NONE) {
		EXPECT_OK(moat_config_set_client_auth_type(p->scfg, server_client_auth));
		EXPECT_OK(moat_config_wipe_trust_store(p->scfg));
		EXPECT_OK(moat_config_add_pem_to_trust_store(p->scfg, pki.ca_pem));
		if (server_extra_ca != NULL)
			EXPECT_OK(moat_config_add_pem_to_trust_store(p->scfg, server_extra_ca));
	}
	EXPECT_OK(moat_config_set_server_max_early_data_size(p->scfg, early_max));
	p->ccfg = moat_config_new();
	ATF_REQUIRE(p->ccfg != NULL);
	/* The client presents the server's certificate: it is valid for clientAuth too. */
	if (client_has_cert)
		EXPECT_OK(moat_config_add_cert_chain_and_key_to_store(p->ccfg, ck));
	EXPECT_OK(moat_config_wipe_trust_store(p->ccfg));
	EXPECT_OK(moat_config_add_pem_to_trust_store(p->ccfg, pki.ca_pem));
	EXPECT_OK(moat_config_set_session_ticket_cb(p->ccfg, count_ticket, NULL));
	p->server = moat_connection_new(MOAT_SERVER);
	p->client = moat_connection_new(MOAT_CLIENT);
	ATF_REQUIRE(p->server != NULL && p->client != NULL);
	EXPECT_OK(moat_connection_set_config(p->server, p->scfg));
	EXPECT_OK(moat_connection_set_config(p->client, p->ccfg));
	EXPECT_OK(moat_connection_set_fd(p->server, p->fds[0]));
	EXPECT_OK(moat_connection_set_fd(p->client, p->fds[1]));
	EXPECT_OK(moat_set_server_name(p->client, "localhost"));
}

static void pair_free(struct pair *p)
{
	EXPECT_OK(moat_connection_free(p->server));
	EXPECT_OK(moat_connection_free(p->client));
	EXPECT_OK(moat_config_free(p->scfg));
	EXPECT_OK(moat_config_free(p->ccfg));
	close(p->fds[0]);
	close(p->fds[1]);
}

static void answer_pending(struct moat_connection *c)
{
	if (pending == NULL)
		return;
	struct moat_ticket_op *op = pending;
	pending = NULL;
	EXPECT_OK(ex_ticket_sealer_answer(&sealer, op));
	EXPECT_OK(moat_ticket_op_apply(op, c));
	EXPECT_OK(moat_ticket_op_free(op));
}

/* Drive both sides until done. Returns 0, or -1 with server_err/client_err set. */
static int pair_handshake(struct pair *p, int *app_input_blocks)
{
	bool sdone = false, cdone = false;
	p->server_err = p->client_err = MOAT_ERR_OK;
	for (int i = 0; i < 1000 && !(sdone && cdone); i++) {
		moat_blocked_status blocked;
		if (!cdone) {
			if (moat_negotiate(p->client, &blocked) == MOAT_SUCCESS)
				cdone = true;
			else if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
				p->client_err = moat_errno;
		}
		if (!sdone) {
			if (moat_negotiate(p->server, &blocked) == MOAT_SUCCESS) {
				sdone = true;
			} else if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED) {
				p->server_err = moat_errno;
			} else if (blocked == MOAT_BLOCKED_ON_EARLY_DATA) {
				ssize_t got = 0;
				int rc = moat_recv_early_data(p->server, early_in + early_in_len,
							      (ssize_t)(sizeof(early_in) - early_in_len), &got, &blocked);
				early_in_len += (size_t)got;
				if (rc < 0 && moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
					p->server_err = moat_errno;
			} else if (blocked == MOAT_BLOCKED_ON_APPLICATION_INPUT && early_pending != NULL) {
				struct moat_offered_early_data *e = early_pending;
				early_pending = NULL;
				EXPECT_OK(early_verdict ? moat_offered_early_data_accept(e) : moat_offered_early_data_reject(e));
			} else if (blocked == MOAT_BLOCKED_ON_APPLICATION_INPUT) {
				ATF_REQUIRE(pending != NULL);
				if (app_input_blocks != NULL)
					(*app_input_blocks)++;
				answer_pending(p->server);
			}
		}
		if (p->server_err != MOAT_ERR_OK || p->client_err != MOAT_ERR_OK) {
			/* Let the other side read the alert. */
			for (int k = 0; k < 4; k++) {
				if (!cdone && p->client_err == MOAT_ERR_OK && moat_negotiate(p->client, &blocked) < 0 &&
				    moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
					p->client_err = moat_errno;
				if (!sdone && p->server_err == MOAT_ERR_OK && moat_negotiate(p->server, &blocked) < 0 &&
				    moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
					p->server_err = moat_errno;
			}
			return -1;
		}
	}
	return sdone && cdone ? 0 : -1;
}

#define REQUIRE_HANDSHAKE(p, blocks) \
	ATF_REQUIRE_MSG(pair_handshake(p, blocks) == 0, "handshake failed: server %s, client %s (%s)", \
			moat_strerror_name((p)->server_err), moat_strerror_name((p)->client_err), \
			moat_strerror_debug(moat_errno, NULL))

static void one_way(struct moat_connection *from, struct moat_connection *to)
{
	static const char msg[] = "ping";
	char buf[16];
	moat_blocked_status blocked;
	{
		ssize_t n = -1;
		for (int i = 0; i < 100 && n < 0; i++) {
			n = moat_send(from, msg, sizeof(msg), &blocked);
			if (n < 0) {
				ATF_REQUIRE_MSG(moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED, "send: %s",
						moat_strerror_name(moat_errno));
				answer_pending(from);
			}
		}
		ATF_REQUIRE_EQ(n, (ssize_t)sizeof(msg));
		ssize_t r = -1;
		for (int i = 0; i < 100 && r < 0; i++) {
			r = moat_recv(to, buf, sizeof(buf), &blocked);
			ATF_REQUIRE(r >= 0 || moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED);
		}
		ATF_REQUIRE_EQ(r, (ssize_t)sizeof(msg));
		ATF_REQUIRE(memcmp(buf, msg, sizeof(msg)) == 0);
	}
}

/* Server to client, so the client reads the tickets that came before the data; then back. */
static void exchange(struct pair *p)
{
	one_way(p->server, p->client);
	one_way(p->client, p->server);
}

/* A full handshake that issues a ticket; the client's session into *out. */
static size_t first_session(uint8_t *out, size_t cap, const char *server_policy)
{
	struct pair p;
	pair_init(&p, server_policy, ex_ticket_crypto_cb, &sealer);
	REQUIRE_HANDSHAKE(&p, NULL);
	ATF_REQUIRE_EQ(moat_connection_is_session_resumed(p.server), 0);
	ATF_REQUIRE(strstr(moat_connection_get_handshake_type_name(p.server), "WITH_SESSION_TICKET") != NULL);
	ATF_REQUIRE_EQ(moat_connection_get_session_length(p.client), 0);
	exchange(&p);
	int len = moat_connection_get_session_length(p.client);
	ATF_REQUIRE(len > 0 && (size_t)len <= cap);
	ATF_REQUIRE_EQ(moat_connection_get_session(p.client, out, cap), len);
	pair_free(&p);
	return (size_t)len;
}

/* The second connection offers session; returns with the handshake done or failed (p->*_err). */
static int second(struct pair *p, const uint8_t *session, size_t len, const char *policy, moat_ticket_crypto_fn cb,
		  void *ctx, int *blocks)
{
	pair_init(p, policy, cb, ctx);
	EXPECT_OK(moat_connection_set_session(p->client, session, len));
	return pair_handshake(p, blocks);
}

static void require_resumed(struct pair *p)
{
	ATF_REQUIRE_EQ(moat_connection_is_session_resumed(p->server), 1);
	ATF_REQUIRE_EQ(moat_connection_is_session_resumed(p->client), 1);
	ATF_REQUIRE(strstr(moat_connection_get_handshake_type_name(p->server), "FULL_HANDSHAKE") == NULL);
	/* No certificate on the wire: the client has none of the server's, and nothing was signed. */
	const uint8_t *der;
	uint32_t der_len;
	ATF_REQUIRE(moat_connection_get_peer_cert_der(p->client, &der, &der_len) < 0);
	ATF_REQUIRE_EQ(moat_connection_get_server_sig_scheme(p->server), 0);
	exchange(p);
}

static void require_full(struct pair *p)
{
	ATF_REQUIRE_EQ(moat_connection_is_session_resumed(p->server), 0);
	ATF_REQUIRE_EQ(moat_connection_is_session_resumed(p->client), 0);
	ATF_REQUIRE(strstr(moat_connection_get_handshake_type_name(p->server), "FULL_HANDSHAKE") != NULL);
	exchange(p);
}

#define SESSION_MAX 4096

ATF_TC_WITHOUT_HEAD(resume);
ATF_TC_BODY(resume, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	ATF_REQUIRE_EQ(sealer.seals, 1);
	struct pair p;
	ATF_REQUIRE(second(&p, s, n, NULL, ex_ticket_crypto_cb, &sealer, NULL) == 0);
	ATF_REQUIRE_EQ(sealer.opens, 1);
	require_resumed(&p);
	/* The resumed connection got a ticket of its own (RFC 8446 §4.6.1 allows several per session). */
	ATF_REQUIRE_EQ(sealer.seals, 2);
	ATF_REQUIRE(moat_connection_get_session_length(p.client) > 0);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(resume_with_deferred_ticket_ops);
ATF_TC_BODY(resume_with_deferred_ticket_ops, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	struct pair p;
	int blocks = 0;
	pair_init(&p, NULL, cb_deferred, NULL);
	REQUIRE_HANDSHAKE(&p, &blocks);
	/* The SEAL of the ticket held the handshake until it was applied. */
	ATF_REQUIRE_EQ(blocks, 1);
	exchange(&p);
	int n = moat_connection_get_session(p.client, s, sizeof(s));
	ATF_REQUIRE(n > 0);
	ATF_REQUIRE_EQ(tickets_received, 1);
	/* Two more tickets after the handshake: moat_send waits for their SEALs too. */
	EXPECT_OK(moat_connection_add_new_tickets_to_send(p.server, 2));
	unsigned seals = sealer.seals;
	exchange(&p);
	ATF_REQUIRE_EQ(sealer.seals, seals + 2);
	ATF_REQUIRE_EQ(tickets_received, 3);
	pair_free(&p);

	blocks = 0;
	ATF_REQUIRE(second(&p, s, (size_t)n, NULL, cb_deferred, NULL, &blocks) == 0);
	/* The OPEN, then the SEAL of the new ticket. */
	ATF_REQUIRE_EQ(blocks, 2);
	require_resumed(&p);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(unknown_key_is_full_handshake);
ATF_TC_BODY(unknown_key_is_full_handshake, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	/* Another sealer: another key name, as after a keyd restart. */
	struct ex_ticket_sealer other;
	EXPECT_OK(ex_ticket_sealer_init(&other));
	struct pair p;
	ATF_REQUIRE(second(&p, s, n, NULL, ex_ticket_crypto_cb, &other, NULL) == 0);
	ATF_REQUIRE_EQ(other.opens, 1);
	require_full(&p);
	pair_free(&p);
	ex_ticket_sealer_free(&other);
	teardown();
}

ATF_TC_WITHOUT_HEAD(tampered_ticket_is_full_handshake);
ATF_TC_BODY(tampered_ticket_is_full_handshake, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	/* The session: format byte, u16 ticket length, the ticket (name, nonce, sealed state, tag), the state. */
	size_t ticket_len = (size_t)s[1] << 8 | s[2];
	s[3 + ticket_len - 1] ^= 0x01;
	struct pair p;
	ATF_REQUIRE(second(&p, s, n, NULL, ex_ticket_crypto_cb, &sealer, NULL) == 0);
	ATF_REQUIRE_EQ(sealer.opens, 1);
	require_full(&p);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(wrong_psk_is_decrypt_error);
ATF_TC_BODY(wrong_psk_is_decrypt_error, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	/* The client's copy of the PSK (session state: 22 bytes in, after its length byte): its binder is wrong. */
	size_t ticket_len = (size_t)s[1] << 8 | s[2];
	size_t psk = 3 + ticket_len + 22;
	ATF_REQUIRE(psk < n);
	s[psk] ^= 0x80;
	struct pair p;
	ATF_REQUIRE(second(&p, s, n, NULL, ex_ticket_crypto_cb, &sealer, NULL) < 0);
	ATF_REQUIRE_EQ_MSG(p.server_err, MOAT_ERR_DECRYPT_ERROR, "%s", moat_strerror_name(p.server_err));
	ATF_REQUIRE_EQ(p.client_err, MOAT_ERR_ALERT);
	ATF_REQUIRE_EQ(moat_connection_get_alert(p.client), 51);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(expired_ticket_is_full_handshake);
ATF_TC_BODY(expired_ticket_is_full_handshake, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	clock_set = true;
	clock_ns = 1800000000ull * 1000000000ull;
	size_t n = first_session(s, sizeof(s), NULL);
	/* 15 hours (the default lifetime) and a second later on the server's clock. */
	clock_ns += (15ull * 3600 + 1) * 1000000000ull;
	struct pair p;
	ATF_REQUIRE(second(&p, s, n, NULL, ex_ticket_crypto_cb, &sealer, NULL) == 0);
	ATF_REQUIRE_EQ(sealer.opens, 1);
	require_full(&p);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(ticket_age_off_is_full_handshake);
ATF_TC_BODY(ticket_age_off_is_full_handshake, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	clock_set = true;
	clock_ns = 1800000000ull * 1000000000ull;
	size_t n = first_session(s, sizeof(s), NULL);
	/* The client says the ticket is fresh; the server's clock says it is a minute old (a replay). */
	clock_ns += 60ull * 1000000000ull;
	struct pair p;
	ATF_REQUIRE(second(&p, s, n, NULL, ex_ticket_crypto_cb, &sealer, NULL) == 0);
	require_full(&p);
	pair_free(&p);
	/* Within the window it resumes. */
	clock_ns -= 55ull * 1000000000ull;
	ATF_REQUIRE(second(&p, s, n, NULL, ex_ticket_crypto_cb, &sealer, NULL) == 0);
	require_resumed(&p);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(other_server_name_is_full_handshake);
ATF_TC_BODY(other_server_name_is_full_handshake, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	struct pair p;
	pair_init(&p, NULL, ex_ticket_crypto_cb, &sealer);
	EXPECT_OK(moat_connection_set_session(p.client, s, n));
	EXPECT_OK(moat_set_server_name(p.client, "other.localhost"));
	EXPECT_OK(moat_config_disable_x509_verification(p.ccfg));
	REQUIRE_HANDSHAKE(&p, NULL);
	ATF_REQUIRE_EQ(sealer.opens, 1);
	require_full(&p);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(resume_after_hello_retry_request);
ATF_TC_BODY(resume_after_hello_retry_request, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	/* 20190802 has no x25519: our client's x25519 share forces a HelloRetryRequest for P-256. */
	struct pair p;
	ATF_REQUIRE(second(&p, s, n, "20190802", ex_ticket_crypto_cb, &sealer, NULL) == 0);
	ATF_REQUIRE_EQ(moat_connection_is_hello_retried(p.server), 1);
	require_resumed(&p);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(reissue_sends_a_fresh_ticket);
ATF_TC_BODY(reissue_sends_a_fresh_ticket, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	/* No tickets configured: only a reissue makes the server send one. */
	struct pair p;
	pair_init(&p, NULL, cb_reissue, &sealer);
	EXPECT_OK(moat_config_set_initial_ticket_count(p.scfg, 0));
	EXPECT_OK(moat_connection_set_session(p.client, s, n));
	REQUIRE_HANDSHAKE(&p, NULL);
	require_resumed(&p);
	ATF_REQUIRE_EQ(moat_connection_get_session_length(p.client), 0);
	pair_free(&p);

	reissue = true;
	unsigned seals = sealer.seals;
	pair_init(&p, NULL, cb_reissue, &sealer);
	EXPECT_OK(moat_config_set_initial_ticket_count(p.scfg, 0));
	EXPECT_OK(moat_connection_set_session(p.client, s, n));
	REQUIRE_HANDSHAKE(&p, NULL);
	require_resumed(&p);
	ATF_REQUIRE_EQ(sealer.seals, seals + 1);
	ATF_REQUIRE(moat_connection_get_session_length(p.client) > 0);
	pair_free(&p);
	teardown();
}

/*
 * After a resumption one ticket replaces the one spent, whatever the count
 * for full handshakes (as OpenSSL does): each is a SEAL, a round trip to
 * the sealer. Tickets asked for after the handshake still all go.
 */
ATF_TC_WITHOUT_HEAD(resumed_handshake_sends_one_ticket);
ATF_TC_BODY(resumed_handshake_sends_one_ticket, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, ex_ticket_crypto_cb, &sealer);
	EXPECT_OK(moat_config_set_initial_ticket_count(p.scfg, 3));
	REQUIRE_HANDSHAKE(&p, NULL);
	ATF_REQUIRE_EQ(moat_connection_is_session_resumed(p.server), 0);
	exchange(&p);
	ATF_REQUIRE_EQ(sealer.seals, 3);
	ATF_REQUIRE_EQ(tickets_received, 3);
	uint8_t s[SESSION_MAX];
	int n = moat_connection_get_session(p.client, s, sizeof(s));
	ATF_REQUIRE(n > 0);
	pair_free(&p);

	pair_init(&p, NULL, ex_ticket_crypto_cb, &sealer);
	EXPECT_OK(moat_config_set_initial_ticket_count(p.scfg, 3));
	EXPECT_OK(moat_connection_set_session(p.client, s, (size_t)n));
	REQUIRE_HANDSHAKE(&p, NULL);
	require_resumed(&p);
	ATF_REQUIRE_EQ(sealer.seals, 4);
	ATF_REQUIRE_EQ(tickets_received, 4);
	/* Asked for by the application after the handshake: all of them. */
	EXPECT_OK(moat_connection_add_new_tickets_to_send(p.server, 2));
	exchange(&p);
	ATF_REQUIRE_EQ(sealer.seals, 6);
	ATF_REQUIRE_EQ(tickets_received, 6);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(tickets_off);
ATF_TC_BODY(tickets_off, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	/* A server with tickets off neither takes a ticket nor sends one. */
	struct pair p;
	pair_init(&p, NULL, ex_ticket_crypto_cb, &sealer);
	EXPECT_OK(moat_config_set_session_tickets_onoff(p.scfg, 0));
	EXPECT_OK(moat_connection_set_session(p.client, s, n));
	REQUIRE_HANDSHAKE(&p, NULL);
	ATF_REQUIRE_EQ(sealer.opens, 0);
	require_full(&p);
	ATF_REQUIRE_EQ(moat_connection_get_session_length(p.client), 0);
	ATF_REQUIRE_EQ(sealer.seals, 1);
	pair_free(&p);
	teardown();
}

/* The server's view of the client certificate: its subject, and the leaf's hash into hash. */
static void client_identity(struct moat_connection *server, uint8_t hash[32], char subject[256])
{
	char cn[128];
	EXPECT_OK(moat_connection_get_client_cert_identity(server, hash, subject, 256, cn, sizeof(cn)));
	ATF_REQUIRE(strstr(subject, "CN=") != NULL);
}

ATF_TC_WITHOUT_HEAD(resume_with_client_certificate);
ATF_TC_BODY(resume_with_client_certificate, tc)
{
	setup();
	server_client_auth = MOAT_CERT_AUTH_REQUIRED;
	client_has_cert = true;
	uint8_t s[SESSION_MAX], hash1[32], hash2[32];
	char subject1[256], subject2[256];
	struct pair p;
	pair_init(&p, NULL, ex_ticket_crypto_cb, &sealer);
	REQUIRE_HANDSHAKE(&p, NULL);
	ATF_REQUIRE(strstr(moat_connection_get_handshake_type_name(p.server), "CLIENT_AUTH") != NULL);
	client_identity(p.server, hash1, subject1);
	exchange(&p);
	int n = moat_connection_get_session(p.client, s, sizeof(s));
	ATF_REQUIRE(n > 0);
	pair_free(&p);

	/* Resumed: no Certificate either way, and the identity comes from the ticket. */
	ATF_REQUIRE(second(&p, s, (size_t)n, NULL, ex_ticket_crypto_cb, &sealer, NULL) == 0);
	ATF_REQUIRE(strstr(moat_connection_get_handshake_type_name(p.server), "CLIENT_AUTH") == NULL);
	const uint8_t *der;
	uint32_t der_len;
	ATF_REQUIRE(moat_connection_get_peer_cert_der(p.server, &der, &der_len) < 0);
	client_identity(p.server, hash2, subject2);
	ATF_REQUIRE_STREQ(subject1, subject2);
	ATF_REQUIRE(memcmp(hash1, hash2, 32) == 0);
	require_resumed(&p);
	/* The ticket this resumed connection issued keeps the record: a third connection resumes on it too. */
	n = moat_connection_get_session(p.client, s, sizeof(s));
	ATF_REQUIRE(n > 0);
	pair_free(&p);
	ATF_REQUIRE(second(&p, s, (size_t)n, NULL, ex_ticket_crypto_cb, &sealer, NULL) == 0);
	client_identity(p.server, hash2, subject2);
	ATF_REQUIRE_STREQ(subject1, subject2);
	require_resumed(&p);
	pair_free(&p);
	teardown();
}

/* A ticket from before the site asked for certificates: required now, so a full handshake asks for one. */
ATF_TC_WITHOUT_HEAD(ticket_without_client_certificate);
ATF_TC_BODY(ticket_without_client_certificate, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	server_client_auth = MOAT_CERT_AUTH_REQUIRED;
	struct pair p;
	/* The client has no certificate: the full handshake ends as one without a certificate must. */
	ATF_REQUIRE(second(&p, s, n, NULL, ex_ticket_crypto_cb, &sealer, NULL) < 0);
	ATF_REQUIRE_EQ_MSG(p.server_err, MOAT_ERR_CERTIFICATE_REQUIRED, "%s", moat_strerror_name(p.server_err));
	pair_free(&p);
	/* With one it presents it. */
	client_has_cert = true;
	ATF_REQUIRE(second(&p, s, n, NULL, ex_ticket_crypto_cb, &sealer, NULL) == 0);
	ATF_REQUIRE(strstr(moat_connection_get_handshake_type_name(p.server), "CLIENT_AUTH") != NULL);
	uint8_t hash[32];
	char subject[256];
	client_identity(p.server, hash, subject);
	require_full(&p);
	pair_free(&p);
	/* Where the certificate is optional, the same ticket resumes. */
	server_client_auth = MOAT_CERT_AUTH_OPTIONAL;
	ATF_REQUIRE(second(&p, s, n, NULL, ex_ticket_crypto_cb, &sealer, NULL) == 0);
	EXPECT_ERR(moat_connection_get_client_cert_identity(p.server, hash, subject, sizeof(subject), NULL, 0),
		   MOAT_ERR_INVALID_STATE);
	require_resumed(&p);
	pair_free(&p);
	teardown();
}

/* The trust settings changed since the certificate was verified: it is verified again. */
ATF_TC_WITHOUT_HEAD(other_trust_settings_are_a_full_handshake);
ATF_TC_BODY(other_trust_settings_are_a_full_handshake, tc)
{
	setup();
	server_client_auth = MOAT_CERT_AUTH_REQUIRED;
	client_has_cert = true;
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	struct test_pki other;
	test_pki_make(&other, TEST_KEY_P256);
	server_extra_ca = other.ca_pem;
	struct pair p;
	ATF_REQUIRE(second(&p, s, n, NULL, ex_ticket_crypto_cb, &sealer, NULL) == 0);
	ATF_REQUIRE(strstr(moat_connection_get_handshake_type_name(p.server), "CLIENT_AUTH") != NULL);
	require_full(&p);
	pair_free(&p);
	/* The same settings made again (a reload) give the same digest: resumed. */
	server_extra_ca = NULL;
	ATF_REQUIRE(second(&p, s, n, NULL, ex_ticket_crypto_cb, &sealer, NULL) == 0);
	require_resumed(&p);
	pair_free(&p);
	test_pki_free(&other);
	teardown();
}

/* ---- 0-RTT ---- */

static const uint8_t early_msg[] = "GET /idempotent HTTP/1.1\r\n\r\n";

/* The second connection on session s, with early data sent before the handshake. */
static int early_second(struct pair *p, const uint8_t *s, size_t n, const void *data, size_t len)
{
	pair_init(p, NULL, ex_ticket_crypto_cb, &sealer);
	EXPECT_OK(moat_connection_set_session(p->client, s, n));
	uint32_t room;
	EXPECT_OK(moat_connection_get_remaining_early_data_size(p->client, &room));
	ATF_REQUIRE(room >= len);
	moat_blocked_status blocked;
	ssize_t sent = 0;
	EXPECT_OK(moat_send_early_data(p->client, data, (ssize_t)len, &sent, &blocked));
	ATF_REQUIRE_EQ(sent, (ssize_t)len);
	return pair_handshake(p, NULL);
}

static void require_early_status(struct moat_connection *c, moat_early_data_status_t want)
{
	moat_early_data_status_t st;
	EXPECT_OK(moat_connection_get_early_data_status(c, &st));
	ATF_REQUIRE_EQ((int)st, (int)want);
}

ATF_TC_WITHOUT_HEAD(early_data_accepted_once);
ATF_TC_BODY(early_data_accepted_once, tc)
{
	setup();
	early_max = 4096;
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	struct pair p;
	ATF_REQUIRE(early_second(&p, s, n, early_msg, sizeof(early_msg)) == 0);
	require_early_status(p.server, MOAT_EARLY_DATA_STATUS_END);
	require_early_status(p.client, MOAT_EARLY_DATA_STATUS_END);
	ATF_REQUIRE_EQ(early_in_len, sizeof(early_msg));
	ATF_REQUIRE(memcmp(early_in, early_msg, sizeof(early_msg)) == 0);
	ATF_REQUIRE_EQ(sealer.early_ok, 1);
	ATF_REQUIRE(strstr(moat_connection_get_handshake_type_name(p.server), "EARLY") != NULL);
	require_resumed(&p);
	pair_free(&p);

	/* The same ticket again (a replay of the ClientHello and its data): resumed, the early data skipped. */
	early_in_len = 0;
	ATF_REQUIRE(early_second(&p, s, n, early_msg, sizeof(early_msg)) == 0);
	ATF_REQUIRE_EQ(sealer.early_refused, 1);
	require_early_status(p.server, MOAT_EARLY_DATA_STATUS_REJECTED);
	require_early_status(p.client, MOAT_EARLY_DATA_STATUS_REJECTED);
	ATF_REQUIRE_EQ(early_in_len, 0);
	require_resumed(&p);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(early_data_callback_decides);
ATF_TC_BODY(early_data_callback_decides, tc)
{
	setup();
	early_max = 4096;
	uint8_t s1[SESSION_MAX], s2[SESSION_MAX];
	size_t n1 = first_session(s1, sizeof(s1), NULL);
	size_t n2 = first_session(s2, sizeof(s2), NULL);
	struct pair p;
	/* Rejected by the (asynchronous) callback: resumed, nothing read. */
	early_verdict = false;
	pair_init(&p, NULL, ex_ticket_crypto_cb, &sealer);
	EXPECT_OK(moat_config_set_early_data_cb(p.scfg, early_cb));
	EXPECT_OK(moat_connection_set_session(p.client, s1, n1));
	moat_blocked_status blocked;
	ssize_t sent;
	EXPECT_OK(moat_send_early_data(p.client, early_msg, sizeof(early_msg), &sent, &blocked));
	REQUIRE_HANDSHAKE(&p, NULL);
	require_early_status(p.server, MOAT_EARLY_DATA_STATUS_REJECTED);
	require_early_status(p.client, MOAT_EARLY_DATA_STATUS_REJECTED);
	ATF_REQUIRE_EQ(early_in_len, 0);
	require_resumed(&p);
	pair_free(&p);
	/* Accepted by it. */
	early_verdict = true;
	pair_init(&p, NULL, ex_ticket_crypto_cb, &sealer);
	EXPECT_OK(moat_config_set_early_data_cb(p.scfg, early_cb));
	EXPECT_OK(moat_connection_set_session(p.client, s2, n2));
	EXPECT_OK(moat_send_early_data(p.client, early_msg, sizeof(early_msg), &sent, &blocked));
	REQUIRE_HANDSHAKE(&p, NULL);
	require_early_status(p.server, MOAT_EARLY_DATA_STATUS_END);
	ATF_REQUIRE_EQ(early_in_len, sizeof(early_msg));
	require_resumed(&p);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(early_data_off_is_skipped);
ATF_TC_BODY(early_data_off_is_skipped, tc)
{
	setup();
	early_max = 4096;
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	/* The ticket allows 0-RTT, the server no longer takes it: skipped, and nothing asked of the sealer. */
	early_max = 0;
	struct pair p;
	ATF_REQUIRE(early_second(&p, s, n, early_msg, sizeof(early_msg)) == 0);
	ATF_REQUIRE_EQ(sealer.early_ok + sealer.early_refused, 0);
	require_early_status(p.server, MOAT_EARLY_DATA_STATUS_REJECTED);
	require_early_status(p.client, MOAT_EARLY_DATA_STATUS_REJECTED);
	ATF_REQUIRE_EQ(early_in_len, 0);
	require_resumed(&p);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(early_data_not_allowed_by_ticket);
ATF_TC_BODY(early_data_not_allowed_by_ticket, tc)
{
	setup();
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	/* Issued by a server taking no 0-RTT: the client has nothing to send it with. */
	struct pair p;
	pair_init(&p, NULL, ex_ticket_crypto_cb, &sealer);
	EXPECT_OK(moat_connection_set_session(p.client, s, n));
	uint32_t room;
	EXPECT_OK(moat_connection_get_remaining_early_data_size(p.client, &room));
	ATF_REQUIRE_EQ(room, 0);
	moat_blocked_status blocked;
	ssize_t sent;
	EXPECT_ERR(moat_send_early_data(p.client, early_msg, sizeof(early_msg), &sent, &blocked),
		   MOAT_ERR_INVALID_STATE);
	pair_free(&p);
	teardown();
}

/*
 * The session's max_early_data (its state's last u32, before the empty
 * client identity and its two-byte length) raised to v.
 */
static void session_set_max_early(uint8_t *s, size_t n, uint32_t v)
{
	ATF_REQUIRE(n > 6 && s[n - 1] == 0 && s[n - 2] == 0);
	s[n - 6] = (uint8_t)(v >> 24);
	s[n - 5] = (uint8_t)(v >> 16);
	s[n - 4] = (uint8_t)(v >> 8);
	s[n - 3] = (uint8_t)v;
}

ATF_TC_WITHOUT_HEAD(too_much_early_data_is_unexpected_message);
ATF_TC_BODY(too_much_early_data_is_unexpected_message, tc)
{
	setup();
	early_max = 1000;
	uint8_t s[SESSION_MAX];
	size_t n = first_session(s, sizeof(s), NULL);
	/* Our client keeps to the ticket's limit: a client that believes it larger sends past it (§4.2.10). */
	session_set_max_early(s, n, 3000);
	static uint8_t data[2000];
	struct pair p;
	ATF_REQUIRE(early_second(&p, s, n, data, sizeof(data)) < 0);
	ATF_REQUIRE_EQ(p.server_err, MOAT_ERR_TOO_MUCH_EARLY_DATA);
	/* The client may have finished its side first: it finds the alert when it reads. */
	uint8_t buf[16];
	moat_blocked_status rb;
	for (int i = 0; i < 10 && moat_connection_get_alert(p.client) < 0; i++)
		(void)moat_recv(p.client, buf, sizeof(buf), &rb);
	ATF_REQUIRE_EQ(moat_connection_get_alert(p.client), MOAT_ALERT_UNEXPECTED_MESSAGE);
	pair_free(&p);

	/* Our client refuses to send more than the ticket allows, before anything goes out. */
	n = first_session(s, sizeof(s), NULL);
	pair_init(&p, NULL, ex_ticket_crypto_cb, &sealer);
	EXPECT_OK(moat_connection_set_session(p.client, s, n));
	moat_blocked_status blocked;
	ssize_t sent;
	EXPECT_ERR(moat_send_early_data(p.client, data, 1001, &sent, &blocked), MOAT_ERR_TOO_MUCH_EARLY_DATA);
	ATF_REQUIRE_EQ(sent, 0);
	pair_free(&p);
	teardown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, resume_with_client_certificate);
	ATF_TP_ADD_TC(tp, ticket_without_client_certificate);
	ATF_TP_ADD_TC(tp, other_trust_settings_are_a_full_handshake);
	ATF_TP_ADD_TC(tp, early_data_accepted_once);
	ATF_TP_ADD_TC(tp, early_data_callback_decides);
	ATF_TP_ADD_TC(tp, early_data_off_is_skipped);
	ATF_TP_ADD_TC(tp, early_data_not_allowed_by_ticket);
	ATF_TP_ADD_TC(tp, too_much_early_data_is_unexpected_message);
	ATF_TP_ADD_TC(tp, resume);
	ATF_TP_ADD_TC(tp, resume_with_deferred_ticket_ops);
	ATF_TP_ADD_TC(tp, unknown_key_is_full_handshake);
	ATF_TP_ADD_TC(tp, tampered_ticket_is_full_handshake);
	ATF_TP_ADD_TC(tp, wrong_psk_is_decrypt_error);
	ATF_TP_ADD_TC(tp, expired_ticket_is_full_handshake);
	ATF_TP_ADD_TC(tp, ticket_age_off_is_full_handshake);
	ATF_TP_ADD_TC(tp, other_server_name_is_full_handshake);
	ATF_TP_ADD_TC(tp, resume_after_hello_retry_request);
	ATF_TP_ADD_TC(tp, reissue_sends_a_fresh_ticket);
	ATF_TP_ADD_TC(tp, resumed_handshake_sends_one_ticket);
	ATF_TP_ADD_TC(tp, tickets_off);
	return atf_no_error();
}
