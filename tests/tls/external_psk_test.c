/*
 * External PSKs (RFC 8446 §2.2, §4.2.11), our client against our server,
 * in-process over a socketpair: the API objects, the default choice and the
 * selection callback, the PSK's hash deciding the suite, a PSK through a
 * HelloRetryRequest, and what each side sees when the PSK is wrong, unknown
 * or absent, with and without a certificate to fall back on.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/moat_test.h"
#include "tests/tls/test_certs.h"
#include "tls/moat.h"

static const uint8_t KEY_A[32] = "0123456789abcdef0123456789abcdef";
static const uint8_t KEY_B[32] = "fedcba9876543210fedcba9876543210";

struct pair {
	int fds[2];
	struct moat_config *scfg, *ccfg;
	struct moat_connection *server, *client;
	int server_err, client_err;
};

static struct test_pki pki;
static struct moat_cert_chain_and_key *ck;

static void setup(void)
{
	test_pki_make(&pki, TEST_KEY_P256);
	ck = moat_cert_chain_and_key_new();
	EXPECT_OK(moat_cert_chain_and_key_load_pem_bytes(ck, (const uint8_t *)pki.chain_pem,
							 (uint32_t)strlen(pki.chain_pem), (const uint8_t *)pki.key_pem,
							 (uint32_t)strlen(pki.key_pem)));
}

static void teardown(void)
{
	EXPECT_OK(moat_cert_chain_and_key_free(ck));
	test_pki_free(&pki);
}

/* Both in external mode; the server with a certificate only if with_cert. */
static void pair_init(struct pair *p, const char *server_policy, bool with_cert)
{
	memset(p, 0, sizeof(*p));
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, p->fds) == 0);
	for (int i = 0; i < 2; i++)
		ATF_REQUIRE(fcntl(p->fds[i], F_SETFL, O_NONBLOCK) == 0);
	p->scfg = moat_config_new();
	p->ccfg = moat_config_new();
	ATF_REQUIRE(p->scfg != NULL && p->ccfg != NULL);
	if (server_policy != NULL)
		EXPECT_OK(moat_config_set_cipher_preferences(p->scfg, server_policy));
	if (with_cert)
		EXPECT_OK(moat_config_add_cert_chain_and_key_to_store(p->scfg, ck));
	EXPECT_OK(moat_config_set_psk_mode(p->scfg, MOAT_PSK_MODE_EXTERNAL));
	EXPECT_OK(moat_config_wipe_trust_store(p->ccfg));
	EXPECT_OK(moat_config_add_pem_to_trust_store(p->ccfg, pki.ca_pem));
	EXPECT_OK(moat_config_set_psk_mode(p->ccfg, MOAT_PSK_MODE_EXTERNAL));
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

static struct moat_psk *make_psk(const char *identity, const uint8_t *secret, size_t len, moat_psk_hmac hmac)
{
	struct moat_psk *psk = moat_external_psk_new();
	ATF_REQUIRE(psk != NULL);
	EXPECT_OK(moat_psk_set_identity(psk, (const uint8_t *)identity, (uint16_t)strlen(identity)));
	EXPECT_OK(moat_psk_set_secret(psk, secret, (uint16_t)len));
	EXPECT_OK(moat_psk_set_hmac(psk, hmac));
	return psk;
}

static void append(struct moat_connection *conn, const char *identity, const uint8_t *secret, moat_psk_hmac hmac)
{
	struct moat_psk *psk = make_psk(identity, secret, 32, hmac);
	EXPECT_OK(moat_connection_append_psk(conn, psk));
	EXPECT_OK(moat_psk_free(&psk));
	ATF_REQUIRE(psk == NULL);
}

/* Drive both sides until done. Returns 0, or -1 with server_err/client_err set. */
static int pair_handshake(struct pair *p)
{
	bool sdone = false, cdone = false;
	moat_blocked_status blocked;
	p->server_err = p->client_err = MOAT_ERR_OK;
	for (int i = 0; i < 1000 && !(sdone && cdone); i++) {
		if (!cdone) {
			if (moat_negotiate(p->client, &blocked) == MOAT_SUCCESS)
				cdone = true;
			else if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
				p->client_err = moat_errno;
		}
		if (!sdone) {
			if (moat_negotiate(p->server, &blocked) == MOAT_SUCCESS)
				sdone = true;
			else if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
				p->server_err = moat_errno;
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

#define REQUIRE_HANDSHAKE(p) \
	ATF_REQUIRE_MSG(pair_handshake(p) == 0, "handshake failed: server %s, client %s (%s)", \
			moat_strerror_name((p)->server_err), moat_strerror_name((p)->client_err), \
			moat_strerror_debug(moat_errno, NULL))

static void one_way(struct moat_connection *from, struct moat_connection *to)
{
	static const char msg[] = "ping";
	char buf[16];
	moat_blocked_status blocked;
	ATF_REQUIRE_EQ(moat_send(from, msg, sizeof(msg), &blocked), (ssize_t)sizeof(msg));
	ssize_t r = -1;
	for (int i = 0; i < 100 && r < 0; i++) {
		r = moat_recv(to, buf, sizeof(buf), &blocked);
		ATF_REQUIRE(r >= 0 || moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED);
	}
	ATF_REQUIRE_EQ(r, (ssize_t)sizeof(msg));
	ATF_REQUIRE(memcmp(buf, msg, sizeof(msg)) == 0);
}

static void require_identity(struct moat_connection *conn, const char *want)
{
	uint16_t len = 0xffff;
	uint8_t id[64];
	EXPECT_OK(moat_connection_get_negotiated_psk_identity_length(conn, &len));
	ATF_REQUIRE_EQ(len, strlen(want));
	EXPECT_OK(moat_connection_get_negotiated_psk_identity(conn, id, sizeof(id)));
	ATF_REQUIRE(memcmp(id, want, len) == 0);
}

/* The PSK handshake: no certificate sent, nothing signed, not a resumption, data flows both ways. */
static void require_psk(struct pair *p, const char *identity)
{
	require_identity(p->server, identity);
	require_identity(p->client, identity);
	const uint8_t *der;
	uint32_t der_len;
	ATF_REQUIRE(moat_connection_get_peer_cert_der(p->client, &der, &der_len) < 0);
	ATF_REQUIRE_EQ(moat_connection_get_server_sig_scheme(p->server), 0);
	ATF_REQUIRE_EQ(moat_connection_is_session_resumed(p->server), 0);
	ATF_REQUIRE_EQ(moat_connection_is_session_resumed(p->client), 0);
	ATF_REQUIRE(strstr(moat_connection_get_handshake_type_name(p->server), "FULL_HANDSHAKE") == NULL);
	one_way(p->server, p->client);
	one_way(p->client, p->server);
}

static void require_full(struct pair *p)
{
	uint16_t len = 1;
	EXPECT_OK(moat_connection_get_negotiated_psk_identity_length(p->server, &len));
	ATF_REQUIRE_EQ(len, 0);
	EXPECT_OK(moat_connection_get_negotiated_psk_identity_length(p->client, &len));
	ATF_REQUIRE_EQ(len, 0);
	const uint8_t *der;
	uint32_t der_len;
	EXPECT_OK(moat_connection_get_peer_cert_der(p->client, &der, &der_len));
	ATF_REQUIRE(strstr(moat_connection_get_handshake_type_name(p->server), "FULL_HANDSHAKE") != NULL);
	one_way(p->server, p->client);
}

ATF_TC_WITHOUT_HEAD(psk_without_certificate);
ATF_TC_BODY(psk_without_certificate, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, false);
	append(p.server, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	append(p.client, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	REQUIRE_HANDSHAKE(&p);
	require_psk(&p, "alice");
	ATF_REQUIRE_STREQ(moat_connection_get_cipher(p.server), "TLS_AES_128_GCM_SHA256");
	pair_free(&p);
	teardown();
}

/* With a certificate the server could sign, the PSK still wins: nothing is sent or signed. */
ATF_TC_WITHOUT_HEAD(psk_with_certificate);
ATF_TC_BODY(psk_with_certificate, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, true);
	append(p.server, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	append(p.client, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	REQUIRE_HANDSHAKE(&p);
	require_psk(&p, "alice");
	ATF_REQUIRE(moat_connection_get_selected_cert(p.server) == NULL);
	pair_free(&p);
	teardown();
}

/* A SHA-384 PSK takes the one suite of its hash, though the server prefers AES-128 (§4.2.11). */
ATF_TC_WITHOUT_HEAD(sha384_psk_picks_its_suite);
ATF_TC_BODY(sha384_psk_picks_its_suite, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, false);
	append(p.server, "alice", KEY_A, MOAT_PSK_HMAC_SHA384);
	append(p.client, "alice", KEY_A, MOAT_PSK_HMAC_SHA384);
	REQUIRE_HANDSHAKE(&p);
	require_psk(&p, "alice");
	ATF_REQUIRE_STREQ(moat_connection_get_cipher(p.server), "TLS_AES_256_GCM_SHA384");
	ATF_REQUIRE_STREQ(moat_connection_get_cipher(p.client), "TLS_AES_256_GCM_SHA384");
	pair_free(&p);
	teardown();
}

/*
 * The same identity with another hash on each side: the server takes its
 * SHA-384 PSK (a SHA-384 suite fits), and the client's binder, a SHA-256
 * one under another key schedule, cannot verify.
 */
ATF_TC_WITHOUT_HEAD(same_identity_other_hash_is_decrypt_error);
ATF_TC_BODY(same_identity_other_hash_is_decrypt_error, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, true);
	append(p.server, "alice", KEY_A, MOAT_PSK_HMAC_SHA384);
	append(p.client, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	ATF_REQUIRE(pair_handshake(&p) < 0);
	ATF_REQUIRE_EQ_MSG(p.server_err, MOAT_ERR_DECRYPT_ERROR, "%s", moat_strerror_name(p.server_err));
	ATF_REQUIRE_EQ(moat_connection_get_alert(p.client), MOAT_ALERT_DECRYPT_ERROR);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(wrong_key_is_decrypt_error);
ATF_TC_BODY(wrong_key_is_decrypt_error, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, true);
	append(p.server, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	append(p.client, "alice", KEY_B, MOAT_PSK_HMAC_SHA256);
	ATF_REQUIRE(pair_handshake(&p) < 0);
	/* §4.2.11: a binder that does not verify aborts; a certificate does not save it. */
	ATF_REQUIRE_EQ_MSG(p.server_err, MOAT_ERR_DECRYPT_ERROR, "%s", moat_strerror_name(p.server_err));
	ATF_REQUIRE_EQ(p.client_err, MOAT_ERR_ALERT);
	ATF_REQUIRE_EQ(moat_connection_get_alert(p.client), MOAT_ALERT_DECRYPT_ERROR);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(unknown_identity_without_certificate);
ATF_TC_BODY(unknown_identity_without_certificate, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, false);
	append(p.server, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	append(p.client, "mallory", KEY_A, MOAT_PSK_HMAC_SHA256);
	ATF_REQUIRE(pair_handshake(&p) < 0);
	ATF_REQUIRE_EQ_MSG(p.server_err, MOAT_ERR_UNKNOWN_PSK_IDENTITY, "%s", moat_strerror_name(p.server_err));
	ATF_REQUIRE_EQ(p.client_err, MOAT_ERR_ALERT);
	ATF_REQUIRE_EQ(moat_connection_get_alert(p.client), MOAT_ALERT_UNKNOWN_PSK_IDENTITY);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(unknown_identity_with_certificate_is_full);
ATF_TC_BODY(unknown_identity_with_certificate_is_full, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, true);
	append(p.server, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	append(p.client, "mallory", KEY_A, MOAT_PSK_HMAC_SHA256);
	REQUIRE_HANDSHAKE(&p);
	require_full(&p);
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(no_psk_offered_without_certificate);
ATF_TC_BODY(no_psk_offered_without_certificate, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, false);
	append(p.server, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	EXPECT_OK(moat_connection_set_psk_mode(p.client, MOAT_PSK_MODE_RESUMPTION));
	ATF_REQUIRE(pair_handshake(&p) < 0);
	ATF_REQUIRE_EQ_MSG(p.server_err, MOAT_ERR_HANDSHAKE_FAILURE, "%s", moat_strerror_name(p.server_err));
	ATF_REQUIRE_EQ(moat_connection_get_alert(p.client), MOAT_ALERT_HANDSHAKE_FAILURE);
	pair_free(&p);
	teardown();
}

/* The server's order decides among identities both have (the guide's default). */
ATF_TC_WITHOUT_HEAD(default_choice_is_server_order);
ATF_TC_BODY(default_choice_is_server_order, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, false);
	append(p.server, "bob", KEY_B, MOAT_PSK_HMAC_SHA256);
	append(p.server, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	append(p.client, "carol", KEY_A, MOAT_PSK_HMAC_SHA256);
	append(p.client, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	append(p.client, "bob", KEY_B, MOAT_PSK_HMAC_SHA256);
	REQUIRE_HANDSHAKE(&p);
	require_psk(&p, "bob");
	pair_free(&p);
	teardown();
}

/* The selection callback: looks the offered identities up in "its database" and appends the one it finds. */
static int db_lookups;
static int select_from_db(struct moat_connection *conn, void *ctx, struct moat_offered_psk_list *list)
{
	const char *want = ctx;
	struct moat_offered_psk *offered = moat_offered_psk_new();
	ATF_REQUIRE(offered != NULL);
	/* Walk twice: reread starts over. */
	int seen = 0;
	while (moat_offered_psk_list_has_next(list)) {
		EXPECT_OK(moat_offered_psk_list_next(list, offered));
		seen++;
	}
	EXPECT_ERR(moat_offered_psk_list_next(list, offered), MOAT_ERR_INVALID_STATE);
	EXPECT_OK(moat_offered_psk_list_reread(list));
	while (moat_offered_psk_list_has_next(list)) {
		uint8_t *id;
		uint16_t len;
		EXPECT_OK(moat_offered_psk_list_next(list, offered));
		EXPECT_OK(moat_offered_psk_get_identity(offered, &id, &len));
		db_lookups++;
		if (want != NULL && len == strlen(want) && memcmp(id, want, len) == 0) {
			/* Not appended yet: choosing it must fail. */
			EXPECT_ERR(moat_offered_psk_list_choose_psk(list, offered), MOAT_ERR_INVALID_ARG);
			append(conn, want, KEY_B, MOAT_PSK_HMAC_SHA256);
			EXPECT_OK(moat_offered_psk_list_choose_psk(list, offered));
			break;
		}
	}
	ATF_REQUIRE_EQ(seen, 3);
	EXPECT_OK(moat_offered_psk_free(&offered));
	return 0;
}

ATF_TC_WITHOUT_HEAD(selection_callback_chooses);
ATF_TC_BODY(selection_callback_chooses, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, false);
	EXPECT_OK(moat_config_set_psk_selection_callback(p.scfg, select_from_db, (void *)"bob"));
	db_lookups = 0;
	append(p.client, "carol", KEY_A, MOAT_PSK_HMAC_SHA256);
	append(p.client, "bob", KEY_B, MOAT_PSK_HMAC_SHA256);
	append(p.client, "dave", KEY_A, MOAT_PSK_HMAC_SHA256);
	REQUIRE_HANDSHAKE(&p);
	ATF_REQUIRE_EQ(db_lookups, 2);
	require_psk(&p, "bob");
	/* Settled: nothing more may be appended on either side. */
	struct moat_psk *psk = make_psk("eve", KEY_A, 32, MOAT_PSK_HMAC_SHA256);
	EXPECT_ERR(moat_connection_append_psk(p.server, psk), MOAT_ERR_INVALID_STATE);
	EXPECT_ERR(moat_connection_append_psk(p.client, psk), MOAT_ERR_INVALID_STATE);
	EXPECT_OK(moat_psk_free(&psk));
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(selection_callback_declines);
ATF_TC_BODY(selection_callback_declines, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, true);
	EXPECT_OK(moat_config_set_psk_selection_callback(p.scfg, select_from_db, NULL));
	append(p.server, "bob", KEY_B, MOAT_PSK_HMAC_SHA256);
	append(p.client, "carol", KEY_A, MOAT_PSK_HMAC_SHA256);
	append(p.client, "bob", KEY_B, MOAT_PSK_HMAC_SHA256);
	append(p.client, "dave", KEY_A, MOAT_PSK_HMAC_SHA256);
	REQUIRE_HANDSHAKE(&p);
	require_full(&p);
	pair_free(&p);
	teardown();
}

static int select_fails(struct moat_connection *conn, void *ctx, struct moat_offered_psk_list *list)
{
	(void)conn;
	(void)ctx;
	(void)list;
	return -1;
}

ATF_TC_WITHOUT_HEAD(selection_callback_failure);
ATF_TC_BODY(selection_callback_failure, tc)
{
	setup();
	struct pair p;
	pair_init(&p, NULL, true);
	EXPECT_OK(moat_config_set_psk_selection_callback(p.scfg, select_fails, NULL));
	append(p.client, "bob", KEY_B, MOAT_PSK_HMAC_SHA256);
	ATF_REQUIRE(pair_handshake(&p) < 0);
	ATF_REQUIRE_EQ_MSG(p.server_err, MOAT_ERR_CALLBACK_FAILED, "%s", moat_strerror_name(p.server_err));
	ATF_REQUIRE_EQ(moat_connection_get_alert(p.client), MOAT_ALERT_INTERNAL_ERROR);
	pair_free(&p);
	teardown();
}

/* 20190802 has no x25519: our client's share forces a HelloRetryRequest; the second binder covers it. */
ATF_TC_WITHOUT_HEAD(psk_after_hello_retry_request);
ATF_TC_BODY(psk_after_hello_retry_request, tc)
{
	setup();
	struct pair p;
	pair_init(&p, "20190802", false);
	append(p.server, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	append(p.client, "alice", KEY_A, MOAT_PSK_HMAC_SHA256);
	REQUIRE_HANDSHAKE(&p);
	ATF_REQUIRE_EQ(moat_connection_is_hello_retried(p.server), 1);
	require_psk(&p, "alice");
	pair_free(&p);
	teardown();
}

ATF_TC_WITHOUT_HEAD(api_limits);
ATF_TC_BODY(api_limits, tc)
{
	struct moat_psk *psk = moat_external_psk_new();
	ATF_REQUIRE(psk != NULL);
	struct moat_connection *conn = moat_connection_new(MOAT_CLIENT);
	ATF_REQUIRE(conn != NULL);
	/* Neither identity nor secret yet. */
	EXPECT_ERR(moat_connection_append_psk(conn, psk), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_psk_set_identity(psk, (const uint8_t *)"x", 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_psk_set_identity(psk, (const uint8_t *)"x", 0xffff), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_psk_set_secret(psk, KEY_A, 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_psk_set_hmac(psk, (moat_psk_hmac)7), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_connection_set_psk_mode(conn, (moat_psk_mode)7), MOAT_ERR_INVALID_ARG);
	EXPECT_OK(moat_psk_set_secret(psk, KEY_A, sizeof(KEY_A)));
	char id[8];
	for (int i = 0; i < 16; i++) {
		snprintf(id, sizeof(id), "id%d", i);
		EXPECT_OK(moat_psk_set_identity(psk, (const uint8_t *)id, (uint16_t)strlen(id)));
		EXPECT_OK(moat_connection_append_psk(conn, psk));
		/* The same identity twice is refused. */
		EXPECT_ERR(moat_connection_append_psk(conn, psk), MOAT_ERR_INVALID_ARG);
	}
	EXPECT_OK(moat_psk_set_identity(psk, (const uint8_t *)"one more", 8));
	EXPECT_ERR(moat_connection_append_psk(conn, psk), MOAT_ERR_INVALID_ARG);
	/* Nothing negotiated: no identity. */
	uint16_t len = 1;
	EXPECT_OK(moat_connection_get_negotiated_psk_identity_length(conn, &len));
	ATF_REQUIRE_EQ(len, 0);
	/* wipe lets the set go (ASan sees a leak otherwise) and the connection starts empty. */
	EXPECT_OK(moat_connection_wipe(conn));
	EXPECT_OK(moat_connection_append_psk(conn, psk));
	EXPECT_OK(moat_connection_free(conn));
	EXPECT_OK(moat_psk_free(&psk));
	EXPECT_OK(moat_psk_free(&psk));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, psk_without_certificate);
	ATF_TP_ADD_TC(tp, psk_with_certificate);
	ATF_TP_ADD_TC(tp, sha384_psk_picks_its_suite);
	ATF_TP_ADD_TC(tp, same_identity_other_hash_is_decrypt_error);
	ATF_TP_ADD_TC(tp, wrong_key_is_decrypt_error);
	ATF_TP_ADD_TC(tp, unknown_identity_without_certificate);
	ATF_TP_ADD_TC(tp, unknown_identity_with_certificate_is_full);
	ATF_TP_ADD_TC(tp, no_psk_offered_without_certificate);
	ATF_TP_ADD_TC(tp, default_choice_is_server_order);
	ATF_TP_ADD_TC(tp, selection_callback_chooses);
	ATF_TP_ADD_TC(tp, selection_callback_declines);
	ATF_TP_ADD_TC(tp, selection_callback_failure);
	ATF_TP_ADD_TC(tp, psk_after_hello_retry_request);
	ATF_TP_ADD_TC(tp, api_limits);
	return atf_no_error();
}
