/*
 * In-process TLS 1.3 handshakes: our client against our server over a
 * non-blocking socketpair. Interop with other stacks lives in tests/interop;
 * these tests pin down our own behaviour (every path of the handshake table,
 * async pkey in each style, the client hello callback, KeyUpdate, shutdown,
 * and the failures a client must report).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/secmem.h"
#include "tests/moat_test.h"
#include "tests/tls/test_certs.h"
#include "tls/conn.h"
#include "tls/crypto/kex.h"
#include "tls/iana.h"
#include "tls/moat.h"
#include "tls/record_tls12.h"

struct pair {
	int fds[2];
	struct moat_config *scfg, *ccfg;
	struct moat_connection *server, *client;
	struct moat_cert_chain_and_key *ck;
	struct moat_cert_chain_and_key *pub; /* chain without key, for offload tests */
	struct test_pki pki;
	int server_err, client_err;
};

static void pair_init(struct pair *p, test_key_kind kind, const char *server_policy)
{
	memset(p, 0, sizeof(*p));
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, p->fds) == 0);
	for (int i = 0; i < 2; i++)
		ATF_REQUIRE(fcntl(p->fds[i], F_SETFL, O_NONBLOCK) == 0);
	test_pki_make(&p->pki, kind);

	p->scfg = moat_config_new();
	ATF_REQUIRE(p->scfg != NULL);
	if (server_policy != NULL)
		EXPECT_OK(moat_config_set_cipher_preferences(p->scfg, server_policy));
	p->ck = moat_cert_chain_and_key_new();
	EXPECT_OK(moat_cert_chain_and_key_load_pem_bytes(p->ck, (const uint8_t *)p->pki.chain_pem,
							 (uint32_t)strlen(p->pki.chain_pem),
							 (const uint8_t *)p->pki.key_pem, (uint32_t)strlen(p->pki.key_pem)));
	EXPECT_OK(moat_config_add_cert_chain_and_key_to_store(p->scfg, p->ck));

	p->ccfg = moat_config_new();
	ATF_REQUIRE(p->ccfg != NULL);
	EXPECT_OK(moat_config_wipe_trust_store(p->ccfg));
	EXPECT_OK(moat_config_add_pem_to_trust_store(p->ccfg, p->pki.ca_pem));

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
	EXPECT_OK(moat_cert_chain_and_key_free(p->ck));
	EXPECT_OK(moat_cert_chain_and_key_free(p->pub));
	test_pki_free(&p->pki);
	close(p->fds[0]);
	close(p->fds[1]);
}

/* Drive both sides until done. Returns 0, or -1 with server_err/client_err set; app-input blocks call hook. */
static int pair_handshake_with(struct pair *p, void (*on_app_input)(struct pair *p, struct moat_connection *c))
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
			else if (blocked == MOAT_BLOCKED_ON_APPLICATION_INPUT && on_app_input)
				on_app_input(p, p->client);
		}
		if (!sdone) {
			if (moat_negotiate(p->server, &blocked) == MOAT_SUCCESS)
				sdone = true;
			else if (moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
				p->server_err = moat_errno;
			else if (blocked == MOAT_BLOCKED_ON_APPLICATION_INPUT && on_app_input)
				on_app_input(p, p->server);
		}
		if (p->server_err != MOAT_ERR_OK || p->client_err != MOAT_ERR_OK) {
			/* Let the other side read the alert. */
			if (!cdone && p->client_err == MOAT_ERR_OK && moat_negotiate(p->client, &blocked) < 0 &&
			    moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
				p->client_err = moat_errno;
			if (!sdone && p->server_err == MOAT_ERR_OK && moat_negotiate(p->server, &blocked) < 0 &&
			    moat_error_get_type(moat_errno) != MOAT_ERR_T_BLOCKED)
				p->server_err = moat_errno;
			return -1;
		}
	}
	return sdone && cdone ? 0 : -1;
}

static int pair_handshake(struct pair *p)
{
	return pair_handshake_with(p, NULL);
}

#define REQUIRE_HANDSHAKE(p) \
	ATF_REQUIRE_MSG(pair_handshake(p) == 0, "handshake failed: server %s, client %s (%s)", \
			moat_strerror_name((p)->server_err), moat_strerror_name((p)->client_err), \
			moat_strerror_debug(moat_errno, NULL))

/* Send n pattern bytes from a to b and check them, interleaving so neither side blocks forever. */
static void transfer(struct moat_connection *a, struct moat_connection *b, size_t n)
{
	uint8_t *out = malloc(n), *in = malloc(n);
	ATF_REQUIRE(out && in);
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(i * 7 + 3);
	size_t sent = 0, got = 0;
	for (int iter = 0; iter < 100000 && got < n; iter++) {
		moat_blocked_status blocked;
		if (sent < n) {
			ssize_t w = moat_send(a, out + sent, (ssize_t)(n - sent), &blocked);
			ATF_REQUIRE_MSG(w >= 0 || moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED, "send: %s",
					moat_strerror_name(moat_errno));
			if (w > 0)
				sent += (size_t)w;
		} else {
			moat_blocked_status fb;
			if (moat_flush(a, &fb) < 0)
				ATF_REQUIRE(moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED);
		}
		ssize_t r = moat_recv(b, in + got, (ssize_t)(n - got), &blocked);
		ATF_REQUIRE_MSG(r > 0 || (r < 0 && moat_error_get_type(moat_errno) == MOAT_ERR_T_BLOCKED),
				"recv returned %zd: %s at %s", r, moat_strerror_name(moat_errno),
				moat_strerror_debug(moat_errno, NULL));
		if (r > 0)
			got += (size_t)r;
	}
	ATF_REQUIRE_EQ(got, n);
	ATF_REQUIRE(memcmp(out, in, n) == 0);
	free(out);
	free(in);
}

/*
 * moat_cert_chain_and_key_set_sct_list takes a SignedCertificateTimestampList
 * (RFC 6962 §3.3) and nothing else: its length must cover the rest exactly,
 * and each SCT is non-empty and fits.
 */
ATF_TC_WITHOUT_HEAD(sct_list_shape);
ATF_TC_BODY(sct_list_shape, tc)
{
	static const uint8_t good[] = { 0x00, 0x07, 0x00, 0x02, 0xaa, 0xbb, 0x00, 0x01, 0xcc };
	static const uint8_t empty_list[] = { 0x00, 0x00 };
	static const uint8_t empty_sct[] = { 0x00, 0x02, 0x00, 0x00 };
	static const uint8_t short_sct[] = { 0x00, 0x03, 0x00, 0x02, 0xaa };
	static const uint8_t trailing[] = { 0x00, 0x03, 0x00, 0x01, 0xaa, 0x00 };
	struct moat_cert_chain_and_key *ck = moat_cert_chain_and_key_new();
	ATF_REQUIRE(ck != NULL);
	EXPECT_OK(moat_cert_chain_and_key_set_sct_list(ck, good, sizeof(good)));
	EXPECT_ERR(moat_cert_chain_and_key_set_sct_list(ck, empty_list, sizeof(empty_list)), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_cert_chain_and_key_set_sct_list(ck, empty_sct, sizeof(empty_sct)), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_cert_chain_and_key_set_sct_list(ck, short_sct, sizeof(short_sct)), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_cert_chain_and_key_set_sct_list(ck, trailing, sizeof(trailing)), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_cert_chain_and_key_set_sct_list(ck, NULL, 3), MOAT_ERR_NULL_ARG);
	EXPECT_OK(moat_cert_chain_and_key_set_sct_list(ck, NULL, 0));
	EXPECT_OK(moat_cert_chain_and_key_set_sct_list(ck, good, sizeof(good)));
	EXPECT_OK(moat_cert_chain_and_key_free(ck));
}

ATF_TC_WITHOUT_HEAD(full_handshake_each_key_type);
ATF_TC_BODY(full_handshake_each_key_type, tc)
{
	static const struct {
		test_key_kind kind;
		uint16_t scheme;
	} cases[] = {
		{ TEST_KEY_RSA2048, MOAT_SIG_RSA_PSS_RSAE_SHA256 },
		{ TEST_KEY_RSA_PSS, MOAT_SIG_RSA_PSS_PSS_SHA256 },
		{ TEST_KEY_P256, MOAT_SIG_ECDSA_SECP256R1_SHA256 },
		{ TEST_KEY_P384, MOAT_SIG_ECDSA_SECP384R1_SHA384 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pair p;
		pair_init(&p, cases[i].kind, NULL);
		REQUIRE_HANDSHAKE(&p);
		ATF_REQUIRE_EQ(moat_connection_get_actual_protocol_version(p.client), MOAT_TLS13);
		ATF_REQUIRE_EQ(moat_connection_get_actual_protocol_version(p.server), MOAT_TLS13);
		ATF_REQUIRE_STREQ(moat_connection_get_cipher(p.client), "TLS_AES_128_GCM_SHA256");
		/* Both default policies put X25519MLKEM768 first: our client shares it and our server takes it. */
		ATF_REQUIRE_STREQ(moat_connection_get_curve(p.server), "X25519MLKEM768");
		ATF_REQUIRE_STREQ(moat_connection_get_curve(p.client), "X25519MLKEM768");
		ATF_REQUIRE(!moat_connection_is_hello_retried(p.client));
		ATF_REQUIRE_EQ_MSG(moat_connection_get_server_sig_scheme(p.client), cases[i].scheme, "case %zu: 0x%04x",
				   i, moat_connection_get_server_sig_scheme(p.client));
		ATF_REQUIRE_STREQ(moat_get_server_name(p.server), "localhost");
		transfer(p.client, p.server, 100000);
		transfer(p.server, p.client, 100000);
		pair_free(&p);
	}
}

ATF_TC_WITHOUT_HEAD(hello_retry_request);
ATF_TC_BODY(hello_retry_request, tc)
{
	struct pair p;
	/* 20190802 has no x25519: our client's x25519 share forces a HelloRetryRequest for P-256. */
	pair_init(&p, TEST_KEY_P256, "20190802");
	REQUIRE_HANDSHAKE(&p);
	ATF_REQUIRE_STREQ(moat_connection_get_curve(p.client), "secp256r1");
	ATF_REQUIRE_STREQ(moat_connection_get_curve(p.server), "secp256r1");
	transfer(p.client, p.server, 20000);
	pair_free(&p);
}

/*
 * Policies with groups of the test's choosing: "default_tls13_ffdhe" with
 * its group list replaced. The config keeps a pointer, so the struct must
 * outlive the pair.
 */
static void policy_with_groups(struct moat_security_policy *pol, const uint16_t *groups, size_t n)
{
	const struct moat_security_policy *base = moat_security_policy_find("default_tls13_ffdhe");
	ATF_REQUIRE(base != NULL);
	*pol = *base;
	pol->groups = groups;
	pol->groups_count = n;
}

static const uint16_t every_group[] = {
	MOAT_GROUP_X25519,	   MOAT_GROUP_SECP256R1,	 MOAT_GROUP_SECP384R1, MOAT_GROUP_X448,
	MOAT_GROUP_SECP521R1,	   MOAT_GROUP_FFDHE2048,	 MOAT_GROUP_FFDHE3072, MOAT_GROUP_FFDHE4096,
	MOAT_GROUP_FFDHE6144,	   MOAT_GROUP_FFDHE8192,	 MOAT_GROUP_X25519MLKEM768,
	MOAT_GROUP_SECP256R1MLKEM768,
};

/*
 * Every group, both ways round. A client whose policy has only that group
 * sends its share first and a "default_tls13_ffdhe" server takes it with no
 * HelloRetryRequest; a "default_tls13_ffdhe" client shares X25519MLKEM768
 * and x25519, and a server whose policy has only another group asks for it
 * with a HelloRetryRequest (to SecP256r1MLKEM768 as to any other), which
 * the client answers with a share for it.
 */
ATF_TC_WITHOUT_HEAD(each_group_each_way);
ATF_TC_BODY(each_group_each_way, tc)
{
	for (size_t i = 0; i < sizeof(every_group) / sizeof(every_group[0]); i++) {
		const char *name = moat_kex_group_name(every_group[i]);
		struct moat_security_policy only;
		policy_with_groups(&only, &every_group[i], 1);
		for (int server_only = 0; server_only < 2; server_only++) {
			struct pair p;
			pair_init(&p, TEST_KEY_P256, "default_tls13_ffdhe");
			EXPECT_OK(moat_config_set_cipher_preferences(p.ccfg, "default_tls13_ffdhe"));
			if (server_only)
				p.scfg->policy = &only;
			else
				p.ccfg->policy = &only;
			REQUIRE_HANDSHAKE(&p);
			ATF_REQUIRE_STREQ_MSG(moat_connection_get_curve(p.client), name, "client, server_only %d", server_only);
			ATF_REQUIRE_STREQ_MSG(moat_connection_get_curve(p.server), name, "server, server_only %d", server_only);
			bool hrr = server_only && every_group[i] != MOAT_GROUP_X25519 &&
				   every_group[i] != MOAT_GROUP_X25519MLKEM768;
			ATF_REQUIRE_EQ_MSG(moat_connection_is_hello_retried(p.client), hrr, "%s, server_only %d", name,
					   server_only);
			ATF_REQUIRE_EQ_MSG(moat_connection_is_hello_retried(p.server), hrr, "%s, server_only %d", name,
					   server_only);
			transfer(p.client, p.server, 5000);
			transfer(p.server, p.client, 5000);
			pair_free(&p);
		}
	}
}

/*
 * RFC 8446 §4.1.4: the client's share (x25519) is for a group the server
 * does not take; the server asks for the best group of its own list that the
 * client supports (ffdhe3072 before secp521r1 in this server's order), and
 * the second ClientHello carries exactly that share. A "default_tls13"
 * client, which does not list FFDHE, is asked for secp521r1 instead.
 */
ATF_TC_WITHOUT_HEAD(hello_retry_request_new_groups);
ATF_TC_BODY(hello_retry_request_new_groups, tc)
{
	static const uint16_t server_groups[] = { MOAT_GROUP_FFDHE3072, MOAT_GROUP_SECP521R1 };
	static const struct {
		const char *client_policy;
		const char *want;
	} cases[] = {
		{ "default_tls13_ffdhe", "ffdhe3072" },
		{ "default_tls13", "secp521r1" },
	};
	struct moat_security_policy server_policy;
	policy_with_groups(&server_policy, server_groups, 2);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pair p;
		pair_init(&p, TEST_KEY_RSA2048, NULL);
		p.scfg->policy = &server_policy;
		EXPECT_OK(moat_config_set_cipher_preferences(p.ccfg, cases[i].client_policy));
		REQUIRE_HANDSHAKE(&p);
		ATF_REQUIRE_EQ(moat_connection_is_hello_retried(p.client), 1);
		ATF_REQUIRE_EQ(moat_connection_is_hello_retried(p.server), 1);
		ATF_REQUIRE_STREQ(moat_connection_get_curve(p.client), cases[i].want);
		ATF_REQUIRE_STREQ(moat_connection_get_curve(p.server), cases[i].want);
		transfer(p.client, p.server, 20000);
		pair_free(&p);
	}
}

ATF_TC_WITHOUT_HEAD(alpn_server_preference);
ATF_TC_BODY(alpn_server_preference, tc)
{
	struct pair p;
	const char *server_protos[] = { "h2", "http/1.1" };
	const char *client_protos[] = { "http/1.1", "h2" };
	pair_init(&p, TEST_KEY_P256, NULL);
	EXPECT_OK(moat_config_set_protocol_preferences(p.scfg, server_protos, 2));
	EXPECT_OK(moat_config_set_protocol_preferences(p.ccfg, client_protos, 2));
	REQUIRE_HANDSHAKE(&p);
	ATF_REQUIRE_STREQ(moat_get_application_protocol(p.server), "h2");
	ATF_REQUIRE_STREQ(moat_get_application_protocol(p.client), "h2");
	pair_free(&p);

	const char *other[] = { "spdy/3" };
	pair_init(&p, TEST_KEY_P256, NULL);
	EXPECT_OK(moat_config_set_protocol_preferences(p.scfg, server_protos, 2));
	EXPECT_OK(moat_config_set_protocol_preferences(p.ccfg, other, 1));
	ATF_REQUIRE(pair_handshake(&p) < 0);
	ATF_REQUIRE_EQ(p.server_err, MOAT_ERR_NO_APPLICATION_PROTOCOL);
	ATF_REQUIRE_EQ(p.client_err, MOAT_ERR_ALERT);
	ATF_REQUIRE_EQ(moat_connection_get_alert(p.client), MOAT_ALERT_NO_APPLICATION_PROTOCOL);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(mutual_auth);
ATF_TC_BODY(mutual_auth, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P256, NULL);
	EXPECT_OK(moat_config_set_client_auth_type(p.scfg, MOAT_CERT_AUTH_REQUIRED));
	EXPECT_OK(moat_config_wipe_trust_store(p.scfg));
	EXPECT_OK(moat_config_add_pem_to_trust_store(p.scfg, p.pki.ca_pem));
	/* The client presents the same certificate (it is valid for clientAuth too). */
	EXPECT_OK(moat_config_add_cert_chain_and_key_to_store(p.ccfg, p.ck));
	REQUIRE_HANDSHAKE(&p);
	ATF_REQUIRE_EQ(moat_connection_get_client_sig_scheme(p.server), MOAT_SIG_ECDSA_SECP256R1_SHA256);
	const uint8_t *der;
	uint32_t len;
	EXPECT_OK(moat_connection_get_peer_cert_der(p.server, &der, &len));
	ATF_REQUIRE(len > 100);
	transfer(p.client, p.server, 5000);
	pair_free(&p);

	/* Required, but the client has none: certificate_required (RFC 8446 §4.4.2.4). */
	pair_init(&p, TEST_KEY_P256, NULL);
	EXPECT_OK(moat_config_set_client_auth_type(p.scfg, MOAT_CERT_AUTH_REQUIRED));
	ATF_REQUIRE(pair_handshake(&p) < 0);
	ATF_REQUIRE_EQ(p.server_err, MOAT_ERR_CERTIFICATE_REQUIRED);
	pair_free(&p);

	/* Optional, and the client has none: fine. */
	pair_init(&p, TEST_KEY_P256, NULL);
	EXPECT_OK(moat_config_set_client_auth_type(p.scfg, MOAT_CERT_AUTH_OPTIONAL));
	REQUIRE_HANDSHAKE(&p);
	ATF_REQUIRE_EQ(moat_connection_get_peer_cert_der(p.server, &der, &len), MOAT_FAILURE);
	pair_free(&p);
}

/* ---- TLS 1.2 and older: our client against our server ---- */

static const uint16_t groups12[] = { MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1, MOAT_GROUP_FFDHE2048 };

/* "20190214" with one suite and one version, and groups for ECDHE and DHE. */
static void policy12(struct moat_security_policy *pol, const struct moat_cipher_suite *const *suite, uint16_t version)
{
	const struct moat_security_policy *base = moat_security_policy_find("20190214");
	ATF_REQUIRE(base != NULL);
	*pol = *base;
	pol->cipher_suites = suite;
	pol->cipher_suites_count = 1;
	pol->min_version = pol->max_version = version;
	pol->groups = groups12;
	pol->groups_count = sizeof(groups12) / sizeof(groups12[0]);
}

/* The server's key operations: signatures with the loaded key, RSA decryption with the test PKI's key. */
static struct pair *kx_pair;
static int cb_server_ops(struct moat_connection *conn, struct moat_async_pkey_op *op)
{
	moat_async_pkey_op_type type;
	EXPECT_OK(moat_async_pkey_op_get_op_type(op, &type));
	if (type == MOAT_ASYNC_DECRYPT) {
		uint8_t in[1024], out[1024];
		uint32_t in_len;
		size_t out_len = sizeof(out);
		EXPECT_OK(moat_async_pkey_op_get_input_size(op, &in_len));
		ATF_REQUIRE(in_len <= sizeof(in));
		EXPECT_OK(moat_async_pkey_op_get_input(op, in, in_len));
		ATF_REQUIRE(test_rsa_pkcs1_decrypt(kx_pair->pki.key_pem, in, in_len, out, &out_len) == 0);
		ATF_REQUIRE_EQ(out_len, 48);
		EXPECT_OK(moat_async_pkey_op_set_output(op, out, 48));
	} else {
		EXPECT_OK(moat_async_pkey_op_perform(op, kx_pair->ck));
	}
	EXPECT_OK(moat_async_pkey_op_apply(op, conn));
	EXPECT_OK(moat_async_pkey_op_free(op));
	return 0;
}

/*
 * Every TLS 1.2 suite our record layer has, at every version it is defined
 * for (TLS 1.0 to 1.2): our client and our server agree on it, with the
 * certificate its authentication needs, and data goes both ways. RSA key
 * transport has the server decrypt through the async callback, as the
 * library requires.
 */
ATF_TC_WITHOUT_HEAD(tls12_each_suite_each_version);
ATF_TC_BODY(tls12_each_suite_each_version, tc)
{
	size_t done = 0;
	for (size_t i = 0; i < moat_cipher_suite_count(); i++) {
		const struct moat_cipher_suite *s = moat_cipher_suite_at(i);
		if (s->kx == MOAT_KX_TLS13)
			continue;
		for (uint16_t v = MOAT_TLS10; v <= MOAT_TLS12; v++) {
			struct moat_tls12_key_layout layout;
			if (!moat_cipher_suite_supports_version(s, v) || moat_tls12_key_layout(s, v, &layout) < 0) {
				moat_error_clear();
				continue;
			}
			struct moat_security_policy pol;
			const struct moat_cipher_suite *one[1] = { s };
			policy12(&pol, one, v);
			struct pair p;
			pair_init(&p, s->auth == MOAT_AUTH_ECDSA ? TEST_KEY_P256 : TEST_KEY_RSA2048, NULL);
			p.scfg->policy = &pol;
			p.ccfg->policy = &pol;
			kx_pair = &p;
			if (s->kx == MOAT_KX_RSA)
				EXPECT_OK(moat_config_set_async_pkey_callback(p.scfg, cb_server_ops));
			ATF_REQUIRE_MSG(pair_handshake(&p) == 0, "%s at %#x: server %s, client %s (%s)", s->name, v,
					moat_strerror_name(p.server_err), moat_strerror_name(p.client_err),
					moat_strerror_debug(moat_errno, NULL));
			ATF_REQUIRE_EQ(moat_connection_get_actual_protocol_version(p.client), v);
			ATF_REQUIRE_STREQ(moat_connection_get_cipher(p.client), moat_connection_get_cipher(p.server));
			transfer(p.client, p.server, 20000);
			transfer(p.server, p.client, 20000);
			pair_free(&p);
			done++;
		}
	}
	ATF_REQUIRE(done >= 20);
}

/*
 * A TLS 1.3-capable client and a server whose policy stops at TLS 1.2: the
 * server sets no sentinel (it could not have done 1.3), the client takes
 * TLS 1.2. A client certificate over TLS 1.2 (RFC 5246 §7.4.8), signed
 * through the client's own async callback.
 */
ATF_TC_WITHOUT_HEAD(tls12_from_tls13_client_with_certificate);
ATF_TC_BODY(tls12_from_tls13_client_with_certificate, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P256, "20190214");
	EXPECT_OK(moat_config_set_cipher_preferences(p.ccfg, "default_tls13"));
	EXPECT_OK(moat_config_set_client_auth_type(p.scfg, MOAT_CERT_AUTH_REQUIRED));
	EXPECT_OK(moat_config_wipe_trust_store(p.scfg));
	EXPECT_OK(moat_config_add_pem_to_trust_store(p.scfg, p.pki.ca_pem));
	EXPECT_OK(moat_config_add_cert_chain_and_key_to_store(p.ccfg, p.ck));
	kx_pair = &p;
	EXPECT_OK(moat_config_set_async_pkey_callback(p.ccfg, cb_server_ops));
	REQUIRE_HANDSHAKE(&p);
	ATF_REQUIRE_EQ(moat_connection_get_actual_protocol_version(p.client), MOAT_TLS12);
	ATF_REQUIRE_EQ(moat_connection_get_client_sig_scheme(p.server), MOAT_SIG_ECDSA_SECP256R1_SHA256);
	transfer(p.client, p.server, 5000);
	transfer(p.server, p.client, 5000);
	pair_free(&p);
}

/* ---- async pkey ---- */

static struct moat_async_pkey_op *pending_op;
static struct moat_cert_chain_and_key *signer;
static bool corrupt_signature;

static int cb_sync(struct moat_connection *conn, struct moat_async_pkey_op *op)
{
	int rc = moat_async_pkey_op_perform(op, signer);
	if (rc == 0)
		rc = moat_async_pkey_op_apply(op, conn);
	if (moat_async_pkey_op_free(op) < 0)
		return -1;
	return rc;
}

static int cb_defer(struct moat_connection *conn, struct moat_async_pkey_op *op)
{
	(void)conn;
	pending_op = op;
	return 0;
}

static void complete_pending(struct pair *p, struct moat_connection *c)
{
	(void)p;
	if (pending_op == NULL)
		return;
	moat_async_pkey_op_type type;
	uint16_t scheme;
	uint32_t n;
	EXPECT_OK(moat_async_pkey_op_get_op_type(pending_op, &type));
	ATF_REQUIRE_EQ(type, MOAT_ASYNC_SIGN);
	EXPECT_OK(moat_async_pkey_op_get_signature_scheme(pending_op, &scheme));
	ATF_REQUIRE_EQ(scheme, MOAT_SIG_ECDSA_SECP256R1_SHA256);
	EXPECT_OK(moat_async_pkey_op_get_input_size(pending_op, &n));
	/* The input is the unhashed CertificateVerify content: 64 spaces, context, 0, hash. */
	uint8_t input[256];
	ATF_REQUIRE(n == 64 + 33 + 1 + 32);
	EXPECT_OK(moat_async_pkey_op_get_input(pending_op, input, sizeof(input)));
	ATF_REQUIRE(input[0] == 0x20 && input[63] == 0x20 && memcmp(input + 64, "TLS 1.3, server", 15) == 0);
	EXPECT_OK(moat_async_pkey_op_perform(pending_op, signer));
	if (corrupt_signature) {
		/* Sign other content: a valid-looking signature over the wrong bytes. */
		struct moat_async_pkey_op *op = pending_op;
		uint8_t sig[64] = { 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01 };
		EXPECT_OK(moat_async_pkey_op_set_output(op, sig, 8));
		EXPECT_ERR(moat_async_pkey_op_apply(op, c), MOAT_ERR_DECRYPT_ERROR);
		EXPECT_OK(moat_async_pkey_op_free(op));
		pending_op = NULL;
		return;
	}
	EXPECT_OK(moat_async_pkey_op_apply(pending_op, c));
	EXPECT_OK(moat_async_pkey_op_free(pending_op));
	pending_op = NULL;
}

/* Server config whose chain has no private key: every signature must come through the callback. */
static void use_public_only_chain(struct pair *p, moat_async_pkey_fn cb)
{
	struct moat_config *cfg = moat_config_new();
	struct moat_cert_chain_and_key *pub = moat_cert_chain_and_key_new();
	EXPECT_OK(moat_cert_chain_and_key_load_public_pem_bytes(pub, (const uint8_t *)p->pki.chain_pem,
								(uint32_t)strlen(p->pki.chain_pem)));
	EXPECT_OK(moat_config_add_cert_chain_and_key_to_store(cfg, pub));
	EXPECT_OK(moat_config_set_async_pkey_callback(cfg, cb));
	EXPECT_OK(moat_config_free(p->scfg));
	p->scfg = cfg;
	/* The connection keeps pointing at the old config: rebuild it. */
	EXPECT_OK(moat_connection_free(p->server));
	p->server = moat_connection_new(MOAT_SERVER);
	EXPECT_OK(moat_connection_set_config(p->server, cfg));
	EXPECT_OK(moat_connection_set_fd(p->server, p->fds[0]));
	signer = p->ck;
	p->pub = pub;
}

ATF_TC_WITHOUT_HEAD(async_pkey_sync_callback);
ATF_TC_BODY(async_pkey_sync_callback, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P256, NULL);
	use_public_only_chain(&p, cb_sync);
	REQUIRE_HANDSHAKE(&p);
	transfer(p.server, p.client, 1000);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(async_pkey_deferred);
ATF_TC_BODY(async_pkey_deferred, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P256, NULL);
	use_public_only_chain(&p, cb_defer);
	EXPECT_OK(moat_config_set_async_pkey_validation_mode(p.scfg, MOAT_ASYNC_PKEY_VALIDATION_STRICT));
	corrupt_signature = false;
	ATF_REQUIRE(pair_handshake_with(&p, complete_pending) == 0);
	ATF_REQUIRE(pending_op == NULL);
	transfer(p.client, p.server, 1000);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(async_pkey_strict_rejects_bad_signature);
ATF_TC_BODY(async_pkey_strict_rejects_bad_signature, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P256, NULL);
	use_public_only_chain(&p, cb_defer);
	EXPECT_OK(moat_config_set_async_pkey_validation_mode(p.scfg, MOAT_ASYNC_PKEY_VALIDATION_STRICT));
	corrupt_signature = true;
	/* The op is refused and freed: the server stays blocked, never sending a bad signature. */
	ATF_REQUIRE(pair_handshake_with(&p, complete_pending) < 0);
	moat_blocked_status blocked;
	ATF_REQUIRE_EQ(moat_negotiate(p.server, &blocked), MOAT_FAILURE);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_ASYNC_BLOCKED);
	corrupt_signature = false;
	pair_free(&p);
}

static void fail_pending(struct pair *p, struct moat_connection *c)
{
	(void)p;
	if (pending_op == NULL)
		return;
	EXPECT_OK(moat_async_pkey_op_fail(pending_op, c));
	/* Failing twice, or applying after failing, is refused. */
	EXPECT_ERR(moat_async_pkey_op_fail(pending_op, c), MOAT_ERR_INVALID_STATE);
	EXPECT_OK(moat_async_pkey_op_free(pending_op));
	pending_op = NULL;
}

ATF_TC_WITHOUT_HEAD(async_pkey_failed_op_sends_alert);
ATF_TC_BODY(async_pkey_failed_op_sends_alert, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P256, NULL);
	use_public_only_chain(&p, cb_defer);
	ATF_REQUIRE(pair_handshake_with(&p, fail_pending) < 0);
	ATF_REQUIRE_EQ(p.server_err, MOAT_ERR_PKEY_OP_FAILED);
	ATF_REQUIRE_EQ(p.client_err, MOAT_ERR_ALERT);
	ATF_REQUIRE_EQ(moat_connection_get_alert(p.client), MOAT_ALERT_INTERNAL_ERROR);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(connection_reuse_and_buffers);
ATF_TC_BODY(connection_reuse_and_buffers, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P384, NULL);
	REQUIRE_HANDSHAKE(&p);
	ATF_REQUIRE(moat_connection_is_handshake_complete(p.server));
	ATF_REQUIRE(!moat_connection_is_hello_retried(p.server));
	ATF_REQUIRE_STREQ(moat_connection_get_handshake_type_name(p.client), "NEGOTIATED|FULL_HANDSHAKE|MIDDLEBOX_COMPAT");
	EXPECT_OK(moat_connection_free_handshake(p.server));
	EXPECT_OK(moat_connection_free_handshake(p.client));
	/* Everything still works without the handshake state, including a KeyUpdate. */
	EXPECT_OK(moat_connection_request_key_update(p.client, true));
	transfer(p.client, p.server, 30000);
	transfer(p.server, p.client, 30000);
	EXPECT_OK(moat_connection_release_buffers(p.client));
	EXPECT_OK(moat_connection_release_buffers(p.server));

	/* sendv_with_offset across iovec boundaries, and peek. */
	struct iovec iov[3] = { { (void *)"abc", 3 }, { (void *)"defgh", 5 }, { (void *)"ij", 2 } };
	moat_blocked_status blocked;
	ATF_REQUIRE_EQ(moat_sendv_with_offset(p.client, iov, 3, 4, &blocked), 6);
	uint8_t buf[16] = { 0 };
	ssize_t n = -1;
	for (int i = 0; i < 100 && n < 0; i++)
		n = moat_recv(p.server, buf, 2, &blocked);
	ATF_REQUIRE_EQ(n, 2);
	ATF_REQUIRE_EQ(moat_peek(p.server), 4);
	ATF_REQUIRE_EQ(moat_recv(p.server, buf + 2, sizeof(buf) - 2, &blocked), 4);
	ATF_REQUIRE(memcmp(buf, "efghij", 6) == 0);

	/* wipe makes a connection reusable for a new handshake with the same config. */
	EXPECT_OK(moat_connection_wipe(p.server));
	EXPECT_OK(moat_connection_wipe(p.client));
	close(p.fds[0]);
	close(p.fds[1]);
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, p.fds) == 0);
	for (int i = 0; i < 2; i++)
		ATF_REQUIRE(fcntl(p.fds[i], F_SETFL, O_NONBLOCK) == 0);
	EXPECT_OK(moat_connection_set_fd(p.server, p.fds[0]));
	EXPECT_OK(moat_connection_set_fd(p.client, p.fds[1]));
	EXPECT_OK(moat_set_server_name(p.client, "localhost"));
	ATF_REQUIRE(!moat_connection_is_handshake_complete(p.server));
	REQUIRE_HANDSHAKE(&p);
	transfer(p.server, p.client, 1000);
	pair_free(&p);
}

/*
 * Locked memory a server connection holds, stage by stage: none while its
 * ClientHello is missing or partial (a flood of idle or slow sockets must not
 * use up RLIMIT_MEMLOCK), the handshake state and secrets while it runs, and
 * the secrets struct alone once the handshake state is freed.
 */
struct trickle {
	int fd;
	size_t allowance; /* bytes the server may still read */
};

static int trickle_recv(void *ctx, uint8_t *buf, uint32_t len)
{
	struct trickle *t = ctx;
	if (t->allowance == 0) {
		errno = EAGAIN;
		return -1;
	}
	size_t n = len < t->allowance ? len : t->allowance;
	ssize_t r = read(t->fd, buf, n);
	if (r > 0)
		t->allowance -= (size_t)r;
	return (int)r;
}

static size_t secmem_in_use(void)
{
	struct moat_secmem_stats st;
	moat_secmem_get_stats(&st);
	return st.in_use_bytes;
}

ATF_TC_WITHOUT_HEAD(server_locks_nothing_before_client_hello);
ATF_TC_BODY(server_locks_nothing_before_client_hello, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P256, NULL);
	struct trickle t = { .fd = p.fds[0], .allowance = 0 };
	EXPECT_OK(moat_connection_set_recv_cb(p.server, trickle_recv));
	EXPECT_OK(moat_connection_set_recv_ctx(p.server, &t));
	moat_blocked_status blocked;

	/*
	 * The client's ClientHello is on its way; the server has read none of
	 * it. (The client's own use changes as its handshake goes on: it
	 * holds its hybrid key in the secure heap until the ServerHello.)
	 */
	size_t before_client = secmem_in_use();
	EXPECT_ERR(moat_negotiate(p.client, &blocked), MOAT_ERR_IO_BLOCKED);
	size_t base = secmem_in_use();
	EXPECT_ERR(moat_negotiate(p.server, &blocked), MOAT_ERR_IO_BLOCKED);
	ATF_REQUIRE_EQ(blocked, MOAT_BLOCKED_ON_READ);
	ATF_REQUIRE_EQ(secmem_in_use(), base);

	/* Most of it: still nothing locked. */
	t.allowance = 100;
	EXPECT_ERR(moat_negotiate(p.server, &blocked), MOAT_ERR_IO_BLOCKED);
	ATF_REQUIRE_EQ(t.allowance, 0);
	ATF_REQUIRE_EQ(secmem_in_use(), base);

	/* All of it: the handshake runs in the secure heap. */
	t.allowance = SIZE_MAX;
	EXPECT_ERR(moat_negotiate(p.server, &blocked), MOAT_ERR_IO_BLOCKED);
	size_t during = secmem_in_use();
	ATF_REQUIRE_MSG(during >= base + 4096, "in use %zu -> %zu", base, during);
	REQUIRE_HANDSHAKE(&p);

	/* Established: the server keeps only its traffic secrets locked. */
	EXPECT_OK(moat_connection_free_handshake(p.server));
	size_t established = secmem_in_use();
	ATF_REQUIRE_MSG(established <= base + 512, "in use %zu before the ClientHello, %zu established", base,
			established);
	transfer(p.client, p.server, 1000);
	transfer(p.server, p.client, 1000);

	/* And nothing once it is gone: what is left is the client's, nothing once that is gone too. */
	EXPECT_OK(moat_connection_free(p.server));
	p.server = NULL;
	ATF_REQUIRE(secmem_in_use() < base);
	EXPECT_OK(moat_connection_free(p.client));
	p.client = NULL;
	ATF_REQUIRE_EQ(secmem_in_use(), before_client);
	pair_free(&p);
}

/* A server connection that never saw a byte frees cleanly and can be reconfigured. */
ATF_TC_WITHOUT_HEAD(server_idle_connection_free_and_wipe);
ATF_TC_BODY(server_idle_connection_free_and_wipe, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P256, NULL);
	size_t base = secmem_in_use();
	EXPECT_OK(moat_connection_set_config(p.server, p.scfg));
	ATF_REQUIRE_STREQ(moat_connection_get_handshake_type_name(p.server), "INITIAL");
	ATF_REQUIRE(moat_connection_get_client_hello(p.server) == NULL);
	moat_error_clear();
	EXPECT_OK(moat_connection_wipe(p.server));
	EXPECT_OK(moat_connection_set_config(p.server, p.scfg));
	EXPECT_OK(moat_connection_set_fd(p.server, p.fds[0]));
	ATF_REQUIRE_EQ(secmem_in_use(), base);
	REQUIRE_HANDSHAKE(&p);
	pair_free(&p);
}

/* ---- client hello callback ---- */

static struct moat_config *switch_to;
static int hello_calls;

static int hello_cb(struct moat_connection *conn, void *ctx)
{
	(void)ctx;
	hello_calls++;
	struct moat_client_hello *ch = moat_connection_get_client_hello(conn);
	ATF_REQUIRE(ch != NULL);
	ATF_REQUIRE_STREQ(moat_client_hello_get_server_name(ch), "localhost");
	ATF_REQUIRE(moat_client_hello_get_cipher_suites_length(ch) >= 2);
	ATF_REQUIRE(moat_client_hello_get_extension_length(ch, MOAT_EXT_KEY_SHARE) > 0);
	uint8_t raw[4096];
	ssize_t n = moat_client_hello_get_raw_message(ch, raw, sizeof(raw));
	ATF_REQUIRE_EQ(n, moat_client_hello_get_raw_message_length(ch));
	ATF_REQUIRE(raw[0] == 0x03 && raw[1] == 0x03);
	uint32_t sid_len;
	EXPECT_OK(moat_client_hello_get_session_id_length(ch, &sid_len));
	ATF_REQUIRE_EQ(sid_len, 32);
	if (switch_to != NULL) {
		EXPECT_OK(moat_connection_set_config(conn, switch_to));
		EXPECT_OK(moat_connection_server_name_extension_used(conn));
	}
	return 0;
}

static void finish_hello(struct pair *p, struct moat_connection *c)
{
	(void)p;
	EXPECT_OK(moat_client_hello_cb_done(c));
}

ATF_TC_WITHOUT_HEAD(client_hello_callback_switches_config);
ATF_TC_BODY(client_hello_callback_switches_config, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P256, NULL);
	/* The first config has no certificate at all: only the switched-to one can serve. */
	struct moat_config *front = moat_config_new();
	EXPECT_OK(moat_config_set_client_hello_cb(front, hello_cb, NULL));
	EXPECT_OK(moat_config_set_client_hello_cb_mode(front, MOAT_CLIENT_HELLO_CB_NONBLOCKING));
	EXPECT_OK(moat_connection_free(p.server));
	p.server = moat_connection_new(MOAT_SERVER);
	EXPECT_OK(moat_connection_set_config(p.server, front));
	EXPECT_OK(moat_connection_set_fd(p.server, p.fds[0]));
	switch_to = p.scfg;
	hello_calls = 0;
	ATF_REQUIRE(pair_handshake_with(&p, finish_hello) == 0);
	ATF_REQUIRE_EQ(hello_calls, 1);
	switch_to = NULL;
	pair_free(&p);
	EXPECT_OK(moat_config_free(front));
}

ATF_TC_WITHOUT_HEAD(key_update_both_directions);
ATF_TC_BODY(key_update_both_directions, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P256, "default_tls13");
	REQUIRE_HANDSHAKE(&p);
	for (int round = 0; round < 3; round++) {
		EXPECT_OK(moat_connection_request_key_update(p.client, true));
		transfer(p.client, p.server, 40000);
		/* The server answered with its own KeyUpdate (update_requested was set). */
		transfer(p.server, p.client, 40000);
		EXPECT_OK(moat_connection_request_key_update(p.server, false));
		transfer(p.server, p.client, 100);
		transfer(p.client, p.server, 100);
	}
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(shutdown_close_notify);
ATF_TC_BODY(shutdown_close_notify, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P256, NULL);
	REQUIRE_HANDSHAKE(&p);
	moat_blocked_status blocked;
	EXPECT_OK(moat_shutdown_send(p.client, &blocked));
	uint8_t buf[16];
	ATF_REQUIRE_EQ(moat_recv(p.server, buf, sizeof(buf), &blocked), 0);
	/* Half close: the server can still send. */
	ATF_REQUIRE_EQ(moat_send(p.server, "tail", 4, &blocked), 4);
	ATF_REQUIRE_EQ(moat_recv(p.client, buf, sizeof(buf), &blocked), 4);
	EXPECT_OK(moat_shutdown(p.server, &blocked));
	ATF_REQUIRE_EQ(moat_recv(p.client, buf, sizeof(buf), &blocked), 0);
	ATF_REQUIRE_EQ(moat_send(p.client, "x", 1, &blocked), -1);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_CLOSED);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(client_rejects_bad_certificates);
ATF_TC_BODY(client_rejects_bad_certificates, tc)
{
	struct pair p;
	pair_init(&p, TEST_KEY_P256, NULL);
	EXPECT_OK(moat_set_server_name(p.client, "www.other.test"));
	ATF_REQUIRE(pair_handshake(&p) < 0);
	ATF_REQUIRE_EQ(p.client_err, MOAT_ERR_BAD_CERTIFICATE);
	ATF_REQUIRE_EQ(p.server_err, MOAT_ERR_ALERT);
	ATF_REQUIRE_EQ(moat_connection_get_alert(p.server), MOAT_ALERT_BAD_CERTIFICATE);
	pair_free(&p);

	pair_init(&p, TEST_KEY_P256, NULL);
	EXPECT_OK(moat_config_wipe_trust_store(p.ccfg));
	ATF_REQUIRE(pair_handshake(&p) < 0);
	ATF_REQUIRE_EQ(p.client_err, MOAT_ERR_UNKNOWN_CA);
	pair_free(&p);

	/* A wildcard name matches one label. */
	pair_init(&p, TEST_KEY_P256, NULL);
	EXPECT_OK(moat_set_server_name(p.client, "www.example.test"));
	REQUIRE_HANDSHAKE(&p);
	pair_free(&p);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, full_handshake_each_key_type);
	ATF_TP_ADD_TC(tp, hello_retry_request);
	ATF_TP_ADD_TC(tp, each_group_each_way);
	ATF_TP_ADD_TC(tp, hello_retry_request_new_groups);
	ATF_TP_ADD_TC(tp, alpn_server_preference);
	ATF_TP_ADD_TC(tp, mutual_auth);
	ATF_TP_ADD_TC(tp, tls12_each_suite_each_version);
	ATF_TP_ADD_TC(tp, tls12_from_tls13_client_with_certificate);
	ATF_TP_ADD_TC(tp, async_pkey_sync_callback);
	ATF_TP_ADD_TC(tp, async_pkey_deferred);
	ATF_TP_ADD_TC(tp, async_pkey_strict_rejects_bad_signature);
	ATF_TP_ADD_TC(tp, async_pkey_failed_op_sends_alert);
	ATF_TP_ADD_TC(tp, connection_reuse_and_buffers);
	ATF_TP_ADD_TC(tp, server_locks_nothing_before_client_hello);
	ATF_TP_ADD_TC(tp, server_idle_connection_free_and_wipe);
	ATF_TP_ADD_TC(tp, client_hello_callback_switches_config);
	ATF_TP_ADD_TC(tp, key_update_both_directions);
	ATF_TP_ADD_TC(tp, shutdown_close_notify);
	ATF_TP_ADD_TC(tp, client_rejects_bad_certificates);
	ATF_TP_ADD_TC(tp, sct_list_shape);
	return atf_no_error();
}
