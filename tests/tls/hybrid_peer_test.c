/*
 * The ML-KEM hybrid groups in TLS 1.3 handshakes against a scripted peer
 * (draft-ietf-tls-ecdhe-mlkem): which group our server chooses from what a
 * ClientHello shares and lists, with and without a HelloRetryRequest; what
 * our client shares and how it takes either answer; and every malformed
 * hybrid share, from either side, refused with illegal_parameter. TLS 1.2
 * never offers or picks a hybrid.
 */
#include <string.h>

#include "tests/moat_test.h"
#include "tests/tls/scripted_peer.h"
#include "tls/crypto/mlkem.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const uint16_t browser_groups[] = { MOAT_GROUP_X25519MLKEM768, MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1 };
/* Chromium and Firefox: the hybrid's share, then x25519's. */
static const uint16_t browser_shares[] = { MOAT_GROUP_X25519MLKEM768, MOAT_GROUP_X25519 };

static void browser_hello(struct sp_ch_opts *o)
{
	sp_ch_defaults(o);
	o->groups = browser_groups;
	o->n_groups = COUNT(browser_groups);
	o->share_groups = browser_shares;
	o->n_shares = COUNT(browser_shares);
}

/* ======================================================================
 * Our server against a scripted client
 * ====================================================================== */

ATF_TC_WITHOUT_HEAD(server_answers_browser_hello_with_hybrid);
ATF_TC_BODY(server_answers_browser_hello_with_hybrid, tc)
{
	struct sp_ch_opts o;
	browser_hello(&o);
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	/* The scripted client decapsulates our ciphertext: both sides reach the application keys. */
	sp_client_read_flight(f);
	sp_client_complete(f);
	ATF_REQUIRE_STREQ(moat_connection_get_curve(f->conn), "X25519MLKEM768");
	ATF_REQUIRE(!moat_connection_is_hello_retried(f->conn));
	sp_free(f);

	/* Where the shares sit does not matter: the policy's order does. */
	static const uint16_t x25519_first[] = { MOAT_GROUP_X25519, MOAT_GROUP_X25519MLKEM768 };
	o.share_groups = x25519_first;
	o.n_shares = COUNT(x25519_first);
	f = sp_new(MOAT_SERVER, NULL);
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_expect_server_hello_for(f, MOAT_GROUP_X25519MLKEM768);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_secp256r1mlkem768);
ATF_TC_BODY(server_secp256r1mlkem768, tc)
{
	static const uint16_t g[] = { MOAT_GROUP_SECP256R1MLKEM768, MOAT_GROUP_SECP256R1 };
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.groups = g;
	o.n_groups = COUNT(g);
	o.share_groups = g;
	o.n_shares = COUNT(g);
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_flight(f);
	sp_client_complete(f);
	ATF_REQUIRE_STREQ(moat_connection_get_curve(f->conn), "SecP256r1MLKEM768");
	sp_free(f);
}

/* A client that shares only x25519 is served x25519 at once, though it lists the hybrid the policy prefers. */
ATF_TC_WITHOUT_HEAD(server_x25519_share_unaffected);
ATF_TC_BODY(server_x25519_share_unaffected, tc)
{
	static const uint16_t x25519[] = { MOAT_GROUP_X25519 };
	struct sp_ch_opts o;
	browser_hello(&o);
	o.share_groups = x25519;
	o.n_shares = COUNT(x25519);
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_flight(f);
	sp_client_complete(f);
	ATF_REQUIRE_STREQ(moat_connection_get_curve(f->conn), "x25519");
	ATF_REQUIRE(!moat_connection_is_hello_retried(f->conn));
	sp_free(f);
}

/* Listed, and no acceptable share: the HelloRetryRequest asks for the hybrid. */
ATF_TC_WITHOUT_HEAD(server_hrr_to_hybrid);
ATF_TC_BODY(server_hrr_to_hybrid, tc)
{
	/* 0x0015 (secp224r1) is listed and shared, but not ours. */
	static const uint16_t groups[] = { 0x0015, MOAT_GROUP_X25519MLKEM768 };
	static const uint16_t shares[] = { 0x0015 };
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.groups = groups;
	o.n_groups = COUNT(groups);
	o.share_groups = shares;
	o.n_shares = COUNT(shares);
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_hrr(f);
	ATF_REQUIRE_EQ(f->peer.hrr_group, MOAT_GROUP_X25519MLKEM768);
	sp_free(f);
}

/* Only the hybrid shared, and a policy without it: the HelloRetryRequest asks for its best classical group. */
ATF_TC_WITHOUT_HEAD(server_hrr_away_from_hybrid);
ATF_TC_BODY(server_hrr_away_from_hybrid, tc)
{
	static const uint16_t hybrid[] = { MOAT_GROUP_X25519MLKEM768 };
	struct sp_ch_opts o;
	browser_hello(&o);
	o.share_groups = hybrid;
	o.n_shares = COUNT(hybrid);
	struct sp_fixture *f = sp_new(MOAT_SERVER, "20190801");
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_hrr(f);
	ATF_REQUIRE_EQ(f->peer.hrr_group, MOAT_GROUP_X25519);
	sp_free(f);
}

static void server_refuses_share(uint16_t group, const uint8_t *share, size_t len)
{
	const uint16_t g[] = { group };
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.groups = g;
	o.n_groups = 1;
	o.share_groups = g;
	o.n_shares = 1;
	o.first_share = share;
	o.first_share_len = len;
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	sp_free(f);
}

static size_t good_share(uint16_t group, uint8_t *out)
{
	struct moat_kex k = { 0 };
	size_t len = 0;
	EXPECT_OK(moat_kex_generate(&k, group, out, &len));
	moat_kex_free(&k);
	return len;
}

/* §4: the client's share of the wrong size, an ek failing the modulus check, a low-order or off-curve point. */
ATF_TC_WITHOUT_HEAD(server_refuses_bad_hybrid_shares);
ATF_TC_BODY(server_refuses_bad_hybrid_shares, tc)
{
	uint8_t s[MOAT_KEX_MAX_SHARE_LEN + 1];
	size_t len = good_share(MOAT_GROUP_X25519MLKEM768, s);
	ATF_REQUIRE_EQ(len, 1216);
	s[len] = 0;
	server_refuses_share(MOAT_GROUP_X25519MLKEM768, s, 1215);
	server_refuses_share(MOAT_GROUP_X25519MLKEM768, s, 1217);
	/* ek first (§3): its first 12-bit coefficient 0xfff is not below q = 3329 (FIPS 203 §7.2). */
	s[0] = 0xff;
	s[1] |= 0x0f;
	server_refuses_share(MOAT_GROUP_X25519MLKEM768, s, len);
	/* The x25519 part last: u = 0 is of low order (RFC 7748 §6.1). */
	len = good_share(MOAT_GROUP_X25519MLKEM768, s);
	memset(s + MOAT_MLKEM768_EK_LEN, 0, 32);
	server_refuses_share(MOAT_GROUP_X25519MLKEM768, s, len);

	/* SecP256r1MLKEM768: the point first (§3), here off the curve; and 1248 bytes. */
	len = good_share(MOAT_GROUP_SECP256R1MLKEM768, s);
	ATF_REQUIRE_EQ(len, 1249);
	server_refuses_share(MOAT_GROUP_SECP256R1MLKEM768, s, len - 1);
	s[64] ^= 1;
	server_refuses_share(MOAT_GROUP_SECP256R1MLKEM768, s, len);
}

/* §4 (TLS 1.3 only): a TLS 1.2 ClientHello listing only the hybrid has no group for ECDHE. */
ATF_TC_WITHOUT_HEAD(server_tls12_never_picks_hybrid);
ATF_TC_BODY(server_tls12_never_picks_hybrid, tc)
{
	static const uint16_t tls12[] = { MOAT_TLS12 };
	static const uint16_t ecdhe[] = { 0xc02b, 0xc02f };
	static const uint16_t hybrid[] = { MOAT_GROUP_X25519MLKEM768 };
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.versions = tls12;
	o.n_versions = 1;
	o.suites = ecdhe;
	o.n_suites = COUNT(ecdhe);
	o.groups = hybrid;
	o.n_groups = 1;
	o.no_key_share = true;
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
	sp_free(f);
}

/* ======================================================================
 * Our client against a scripted server
 * ====================================================================== */

/* Our client's ClientHello as the scripted server read it: its supported_groups and key shares. */
static void client_hello_lists(struct sp_fixture *f, struct moat_cursor *groups, struct moat_key_share_list *shares,
			       bool *has_shares)
{
	struct moat_client_hello ch;
	struct moat_cursor c, body;
	uint8_t type;
	moat_cursor_init(&c, f->peer.ch.data, f->peer.ch.len);
	EXPECT_OK(moat_hs_header_decode(&c, &type, &body));
	EXPECT_OK(moat_client_hello_decode(body, &ch));
	ATF_REQUIRE(moat_ext_present(&ch.ext, MOAT_EXTI_SUPPORTED_GROUPS));
	EXPECT_OK(moat_ext_u16_list_decode(ch.ext.data[MOAT_EXTI_SUPPORTED_GROUPS], groups));
	*has_shares = moat_ext_present(&ch.ext, MOAT_EXTI_KEY_SHARE);
	if (*has_shares)
		EXPECT_OK(moat_ext_key_share_decode_ch(ch.ext.data[MOAT_EXTI_KEY_SHARE], shares));
}

static struct sp_fixture *client_hello_read(const char *policy, bool answer_hybrid)
{
	struct sp_fixture *f = sp_new(MOAT_CLIENT, policy);
	f->peer.answer_hybrid = answer_hybrid;
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	return f;
}

static void server_flight(struct sp_fixture *f, uint16_t group)
{
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.key_share_group = group;
	sp_server_send_hello(f, &o);
	ATF_REQUIRE(moat_record_is_protected(&f->peer.rl, true));
	sp_send_ccs(f);
	sp_server_queue_ee(f, NULL, 0);
	sp_server_queue_certificate(f, false);
	sp_server_queue_certificate_verify(f, SP_CV_GOOD);
	sp_server_queue_finished(f, false);
	sp_server_flush(f);
	sp_server_complete(f);
}

/* The default policy: the hybrid's share (1216 bytes) first, then x25519's; the hybrid listed first. */
ATF_TC_WITHOUT_HEAD(client_shares_hybrid_and_x25519);
ATF_TC_BODY(client_shares_hybrid_and_x25519, tc)
{
	struct sp_fixture *f = client_hello_read(NULL, true);
	struct moat_cursor groups;
	struct moat_key_share_list shares;
	struct moat_key_share e;
	bool has;
	uint16_t g;
	client_hello_lists(f, &groups, &shares, &has);
	ATF_REQUIRE(has && shares.count == 2);
	EXPECT_OK(moat_key_share_next(&shares.entries, &e));
	ATF_REQUIRE_EQ(e.group, MOAT_GROUP_X25519MLKEM768);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&e.key_exchange), 1216);
	EXPECT_OK(moat_key_share_next(&shares.entries, &e));
	ATF_REQUIRE_EQ(e.group, MOAT_GROUP_X25519);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&e.key_exchange), 32);
	EXPECT_OK(moat_cursor_get_u16(&groups, &g));
	ATF_REQUIRE_EQ(g, MOAT_GROUP_X25519MLKEM768);

	/* The scripted server encapsulates to our key; our client decapsulates. */
	ATF_REQUIRE_EQ(f->peer.group, MOAT_GROUP_X25519MLKEM768);
	server_flight(f, MOAT_GROUP_X25519MLKEM768);
	ATF_REQUIRE_STREQ(moat_connection_get_curve(f->conn), "X25519MLKEM768");
	sp_free(f);
}

/* A server without the hybrid answers the x25519 share: no HelloRetryRequest. */
ATF_TC_WITHOUT_HEAD(client_takes_x25519_answer);
ATF_TC_BODY(client_takes_x25519_answer, tc)
{
	struct sp_fixture *f = client_hello_read(NULL, false);
	ATF_REQUIRE_EQ(f->peer.group, MOAT_GROUP_X25519);
	server_flight(f, MOAT_GROUP_X25519);
	ATF_REQUIRE_STREQ(moat_connection_get_curve(f->conn), "x25519");
	ATF_REQUIRE(!moat_connection_is_hello_retried(f->conn));
	sp_free(f);
}

static void client_rejects_hybrid_answer(const uint8_t *share, size_t len)
{
	struct sp_fixture *f = client_hello_read(NULL, true);
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.key_share_group = MOAT_GROUP_X25519MLKEM768;
	o.share = share;
	o.share_len = len;
	sp_server_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	sp_free(f);
}

/* §4: the server's share of the wrong size, or with a low-order x25519 part. */
ATF_TC_WITHOUT_HEAD(client_refuses_bad_hybrid_answers);
ATF_TC_BODY(client_refuses_bad_hybrid_answers, tc)
{
	uint8_t s[1121];
	/* ct || x25519 (§3); a ciphertext of random bytes decapsulates (implicit rejection), so only these fail. */
	for (size_t i = 0; i < sizeof(s); i++)
		s[i] = (uint8_t)(i * 7 + 1);
	client_rejects_hybrid_answer(s, 1119);
	client_rejects_hybrid_answer(s, 1121);
	client_rejects_hybrid_answer(s, 32);
	memset(s + MOAT_MLKEM768_CT_LEN, 0, 32);
	client_rejects_hybrid_answer(s, 1120);
}

/* RFC 8446 §4.1.4: a HelloRetryRequest for either group we shared is illegal_parameter. */
ATF_TC_WITHOUT_HEAD(client_refuses_hrr_for_a_shared_group);
ATF_TC_BODY(client_refuses_hrr_for_a_shared_group, tc)
{
	static const uint16_t shared[] = { MOAT_GROUP_X25519MLKEM768, MOAT_GROUP_X25519 };
	for (size_t i = 0; i < COUNT(shared); i++) {
		struct sp_fixture *f = client_hello_read(NULL, false);
		struct sp_sh_opts o;
		sp_sh_defaults(&o);
		o.hrr = true;
		o.key_share_group = shared[i];
		sp_server_send_hello(f, &o);
		sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
		sp_free(f);
	}
}

/* After a HelloRetryRequest: one share, for the group asked for, to the hybrid or away from it. */
static void client_retries_with(const char *policy, uint16_t asked, size_t share_len)
{
	struct sp_fixture *f = client_hello_read(policy, false);
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.hrr = true;
	o.key_share_group = asked;
	sp_server_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	f->peer.answer_hybrid = true;
	sp_server_read_hello(f);
	struct moat_cursor groups;
	struct moat_key_share_list shares;
	struct moat_key_share e;
	bool has;
	client_hello_lists(f, &groups, &shares, &has);
	ATF_REQUIRE(has && shares.count == 1);
	EXPECT_OK(moat_key_share_next(&shares.entries, &e));
	ATF_REQUIRE_EQ(e.group, asked);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&e.key_exchange), share_len);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_hrr_both_ways);
ATF_TC_BODY(client_hrr_both_ways, tc)
{
	/* Away: the default policy shared the hybrid and x25519; the server wants secp256r1. */
	client_retries_with(NULL, MOAT_GROUP_SECP256R1, 65);
	/* To it: "20190801" has no hybrid; one listing it after x25519 (a custom policy) is asked for it. */
	static struct moat_security_policy later;
	static const uint16_t g[] = { MOAT_GROUP_X25519, MOAT_GROUP_X25519MLKEM768 };
	struct sp_fixture *f = sp_new(MOAT_CLIENT, NULL);
	later = *f->cfg->policy;
	later.groups = g;
	later.groups_count = COUNT(g);
	f->cfg->policy = &later;
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	ATF_REQUIRE_EQ(f->peer.group, MOAT_GROUP_X25519);
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.hrr = true;
	o.key_share_group = MOAT_GROUP_X25519MLKEM768;
	sp_server_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	f->peer.answer_hybrid = true;
	sp_server_read_hello(f);
	ATF_REQUIRE_EQ(f->peer.group, MOAT_GROUP_X25519MLKEM768);
	ATF_REQUIRE_EQ(f->peer.their_share_len, 1216);
	sp_free(f);
}

/* A ClientHello offering TLS 1.2 alone lists no hybrid (and shares nothing). */
ATF_TC_WITHOUT_HEAD(client_tls12_hello_lists_no_hybrid);
ATF_TC_BODY(client_tls12_hello_lists_no_hybrid, tc)
{
	static struct moat_security_policy tls12;
	struct sp_fixture *f = sp_new(MOAT_CLIENT, NULL);
	tls12 = *f->cfg->policy;
	tls12.max_version = MOAT_TLS12;
	f->cfg->policy = &tls12;
	ATF_REQUIRE(moat_security_policy_has_group(&tls12, MOAT_GROUP_X25519MLKEM768));
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	struct moat_cursor groups;
	struct moat_key_share_list shares;
	bool has;
	uint16_t g;
	size_t n = 0;
	client_hello_lists(f, &groups, &shares, &has);
	ATF_REQUIRE(!has);
	while (moat_cursor_get_u16(&groups, &g) == MOAT_SUCCESS) {
		ATF_REQUIRE_MSG(!moat_kex_group_is_hybrid(g), "group 0x%04x listed for TLS 1.2", g);
		n++;
	}
	ATF_REQUIRE(n > 0);
	sp_free(f);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, server_answers_browser_hello_with_hybrid);
	ATF_TP_ADD_TC(tp, server_secp256r1mlkem768);
	ATF_TP_ADD_TC(tp, server_x25519_share_unaffected);
	ATF_TP_ADD_TC(tp, server_hrr_to_hybrid);
	ATF_TP_ADD_TC(tp, server_hrr_away_from_hybrid);
	ATF_TP_ADD_TC(tp, server_refuses_bad_hybrid_shares);
	ATF_TP_ADD_TC(tp, server_tls12_never_picks_hybrid);
	ATF_TP_ADD_TC(tp, client_shares_hybrid_and_x25519);
	ATF_TP_ADD_TC(tp, client_takes_x25519_answer);
	ATF_TP_ADD_TC(tp, client_refuses_bad_hybrid_answers);
	ATF_TP_ADD_TC(tp, client_refuses_hrr_for_a_shared_group);
	ATF_TP_ADD_TC(tp, client_hrr_both_ways);
	ATF_TP_ADD_TC(tp, client_tls12_hello_lists_no_hybrid);
	return atf_no_error();
}
