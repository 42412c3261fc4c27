/*
 * Every malformed or unexpected message ends the connection with the alert
 * RFC 8446 names for it.
 *
 * Each case starts from a conversation that would succeed (the control cases
 * prove the scripted peer completes handshakes with our client and our
 * server) and makes one field, message or record hostile. The case then
 * checks three things: the error our API reports (moat_errno), the one fatal
 * alert our side sends under the keys the peer expects at that point, and
 * that nothing follows it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "tests/moat_test.h"
#include "tests/tls/scripted_peer.h"
#include "tls/alert.h"
#include "tls/config_policy.h"
#include "tls/crypto/prf.h"
#include "tls/crypto/signed_content.h"
#include "tls/crypto/util.h"
#include "tls/key_caps.h"
#include "tls/messages12.h"
#include "tls/record_tls12.h"
#include "tls/session_state.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Raw extensions for the extra_ext options. */
static const uint8_t ext_supported_versions_13[] = { 0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04 };
static const uint8_t ext_unknown_twice[] = { 0x7a, 0x7a, 0x00, 0x00, 0x7a, 0x7a, 0x00, 0x00 };
static const uint8_t ext_unknown[] = { 0x7a, 0x7a, 0x00, 0x00 };
static const uint8_t ext_server_name_ack[] = { 0x00, 0x00, 0x00, 0x00 };
static const uint8_t ext_renegotiation_info[] = { 0xff, 0x01, 0x00, 0x01, 0x00 };
static const uint8_t ext_alpn_h2[] = { 0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h', '2' };
static const uint8_t ext_key_share_x25519_empty[] = { 0x00, 0x33, 0x00, 0x02, 0x00, 0x1d };

static const uint8_t key_update_not_requested[] = { MOAT_HS_KEY_UPDATE, 0, 0, 1, 0 };

/* ======================================================================
 * Our server against a scripted client
 * ====================================================================== */

/* A first ClientHello with the given options must end the handshake with err and alert. */
static void server_rejects_hello(const char *policy, const struct sp_ch_opts *o, int err, uint8_t alert)
{
	struct sp_fixture *f = sp_new(MOAT_SERVER, policy);
	sp_client_send_hello(f, o);
	sp_expect_fatal(f, sp_negotiate(f), err, alert);
	sp_free(f);
}

/* Our server, its flight read and checked by the scripted client, waiting for the client's Finished. */
static struct sp_fixture *server_waiting_for_finished(void)
{
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_flight(f);
	return f;
}

ATF_TC_WITHOUT_HEAD(server_control_handshake);
ATF_TC_BODY(server_control_handshake, tc)
{
	/* The scripted client completes a handshake and exchanges data: the other cases change one thing. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	sp_client_handshake(f);
	ATF_REQUIRE_STREQ(moat_connection_get_cipher(f->conn), "TLS_AES_128_GCM_SHA256");
	ATF_REQUIRE_STREQ(moat_connection_get_curve(f->conn), "x25519");

	uint8_t buf[64];
	size_t got;
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, "ping", 4);
	SP_REQUIRE_RESULT(sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_OK);
	ATF_REQUIRE(got == 4 && memcmp(buf, "ping", 4) == 0);

	moat_blocked_status blocked;
	ATF_REQUIRE_EQ(moat_send(f->conn, "pong", 4, &blocked), 4);
	uint8_t type;
	const uint8_t *plain;
	size_t len;
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE(type == MOAT_CT_APPLICATION_DATA && len == 4 && memcmp(plain, "pong", 4) == 0);

	/* A KeyUpdate at the end of its record, then data under the next keys. */
	sp_send_record(f, MOAT_CT_HANDSHAKE, key_update_not_requested, sizeof(key_update_not_requested));
	sp_next_traffic_keys(f, true);
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, "again", 5);
	SP_REQUIRE_RESULT(sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_OK);
	ATF_REQUIRE(got == 5 && memcmp(buf, "again", 5) == 0);
	sp_free(f);
}

/*
 * A first ClientHello under "default_tls13" with its floor raised to TLS 1.2
 * (no named policy has one: every row of the guide's chart allows TLS 1.0)
 * must end the handshake with protocol_version.
 */
static void server_rejects_hello_floor12(const struct sp_ch_opts *o)
{
	static struct moat_security_policy floor12;
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	floor12 = *f->cfg->policy;
	floor12.min_version = MOAT_TLS12;
	f->cfg->policy = &floor12;
	sp_client_send_hello(f, o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_PROTOCOL_VERSION, MOAT_ALERT_PROTOCOL_VERSION);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_no_supported_versions);
ATF_TC_BODY(server_no_supported_versions, tc)
{
	/* RFC 5246 E.1: without supported_versions legacy_version is the client's highest: TLS 1.1 or 1.0. */
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.no_supported_versions = true;
	o.legacy_version = MOAT_TLS11;
	server_rejects_hello_floor12(&o);
	o.legacy_version = MOAT_TLS10;
	server_rejects_hello_floor12(&o);
}

ATF_TC_WITHOUT_HEAD(server_supported_versions_below_tls12);
ATF_TC_BODY(server_supported_versions_below_tls12, tc)
{
	static const uint16_t old[] = { MOAT_TLS11, MOAT_TLS10 };
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.versions = old;
	o.n_versions = COUNT(old);
	server_rejects_hello_floor12(&o);
}

ATF_TC_WITHOUT_HEAD(server_no_key_share);
ATF_TC_BODY(server_no_key_share, tc)
{
	/* RFC 8446 §9.2: supported_groups without key_share is missing_extension. */
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.no_key_share = true;
	server_rejects_hello(NULL, &o, MOAT_ERR_MISSING_EXTENSION, MOAT_ALERT_MISSING_EXTENSION);
}

ATF_TC_WITHOUT_HEAD(server_no_signature_algorithms);
ATF_TC_BODY(server_no_signature_algorithms, tc)
{
	/* RFC 8446 §4.2.3: a certificate-authenticated server needs the client's signature_algorithms. */
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.no_signature_algorithms = true;
	server_rejects_hello(NULL, &o, MOAT_ERR_MISSING_EXTENSION, MOAT_ALERT_MISSING_EXTENSION);
}

ATF_TC_WITHOUT_HEAD(server_sha1_only);
ATF_TC_BODY(server_sha1_only, tc)
{
	/* RFC 8446 §4.2.3: SHA-1 never signs a TLS 1.3 CertificateVerify, though the policy lists it. */
	static const uint16_t sha1[] = { MOAT_SIG_ECDSA_SHA1, MOAT_SIG_RSA_PKCS1_SHA1 };
	ATF_REQUIRE(moat_security_policy_has_sig_scheme(moat_security_policy_find("default_tls13"), MOAT_SIG_ECDSA_SHA1));
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.sig_algs = sha1;
	o.n_sig_algs = COUNT(sha1);
	server_rejects_hello("default_tls13", &o, MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
}

ATF_TC_WITHOUT_HEAD(server_key_share_not_in_supported_groups);
ATF_TC_BODY(server_key_share_not_in_supported_groups, tc)
{
	/* RFC 8446 §4.2.8: a share for a group the client did not list; we check, as the RFC allows. */
	static const uint16_t p256_only[] = { MOAT_GROUP_SECP256R1 };
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.groups = p256_only;
	o.n_groups = COUNT(p256_only);
	server_rejects_hello(NULL, &o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(server_key_share_group_check_uses_the_list);
ATF_TC_BODY(server_key_share_group_check_uses_the_list, tc)
{
	/*
	 * Twelve groups make the list 24 bytes long: its length prefix reads as
	 * 0x0018, secp384r1. The share is for secp384r1, which is not listed.
	 */
	static const uint16_t twelve[] = { MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP521R1,
					   MOAT_GROUP_X448,   0x0100,		    0x0101,
					   0x0102,	      0x0103,		    0x0104,
					   0x0013,	      0x0015,		    0x0016 };
	static const uint16_t p384_share[] = { MOAT_GROUP_SECP384R1 };
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.groups = twelve;
	o.n_groups = COUNT(twelve);
	o.share_groups = p384_share;
	o.n_shares = COUNT(p384_share);
	server_rejects_hello(NULL, &o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(server_ffdhe_share_out_of_range);
ATF_TC_BODY(server_ffdhe_share_out_of_range, tc)
{
	/*
	 * RFC 8446 §4.2.8.1, RFC 7919 §5.1: 1 < Y < p-1, padded to the size of p.
	 * ffdhe2048's p ends in 64 one bits, so p-1 ends in ...fe. A share of 2
	 * (the smallest legal value) is the positive control.
	 */
	static const uint16_t ffdhe[] = { MOAT_GROUP_FFDHE2048 };
	uint8_t y[257];
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.groups = ffdhe;
	o.n_groups = COUNT(ffdhe);
	o.share_groups = ffdhe;
	o.n_shares = COUNT(ffdhe);
	o.first_share = y;

	static const uint8_t last_byte[] = { 0x00, 0x01 };
	for (size_t i = 0; i < COUNT(last_byte); i++) {
		memset(y, 0, sizeof(y));
		y[255] = last_byte[i];
		o.first_share_len = 256;
		server_rejects_hello("default_tls13_ffdhe", &o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	}
	/* All ones is above p; 255 bytes of a legal value is not padded; 257 is padded too far. */
	memset(y, 0xff, sizeof(y));
	o.first_share_len = 256;
	server_rejects_hello("default_tls13_ffdhe", &o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	memset(y, 0, sizeof(y));
	y[254] = 2;
	o.first_share_len = 255;
	server_rejects_hello("default_tls13_ffdhe", &o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	memset(y, 0, sizeof(y));
	y[256] = 2;
	o.first_share_len = 257;
	server_rejects_hello("default_tls13_ffdhe", &o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);

	/* Y = 2 is accepted: our server answers with its ServerHello. */
	memset(y, 0, sizeof(y));
	y[255] = 2;
	o.first_share_len = 256;
	struct sp_fixture *f = sp_new(MOAT_SERVER, "default_tls13_ffdhe");
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	uint8_t type;
	const uint8_t *msg;
	size_t len;
	sp_next_handshake_message(f, &type, &msg, &len);
	ATF_REQUIRE_EQ(type, MOAT_HS_SERVER_HELLO);
	/* Its key_share: group ffdhe2048 (0x0100), a 256-byte share. */
	static const uint8_t ks[] = { 0x00, 0x33, 0x01, 0x04, 0x01, 0x00, 0x01, 0x00 };
	bool found = false;
	for (size_t i = 0; i + sizeof(ks) <= len && !found; i++)
		found = memcmp(msg + i, ks, sizeof(ks)) == 0;
	ATF_REQUIRE_MSG(found, "no ffdhe2048 key_share in the ServerHello");
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_duplicate_extension);
ATF_TC_BODY(server_duplicate_extension, tc)
{
	/* RFC 8446 §4.2: no two extensions of one type, known or not; the error maps to illegal_parameter. */
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.extra_ext = ext_supported_versions_13;
	o.extra_ext_len = sizeof(ext_supported_versions_13);
	server_rejects_hello(NULL, &o, MOAT_ERR_DUPLICATE_EXTENSION, MOAT_ALERT_ILLEGAL_PARAMETER);

	sp_ch_defaults(&o);
	o.extra_ext = ext_unknown_twice;
	o.extra_ext_len = sizeof(ext_unknown_twice);
	server_rejects_hello(NULL, &o, MOAT_ERR_DUPLICATE_EXTENSION, MOAT_ALERT_ILLEGAL_PARAMETER);
}

/*
 * Resumption PSKs (RFC 8446 §4.2.9, §4.2.11), refused for their framing
 * whether or not the server takes tickets: one identity ("A", age 0) with
 * one binder of 32 zero bytes, and psk_key_exchange_modes (psk_dhe_ke).
 */
#define EXT_PSK_MODES 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01
#define PSK_BINDERS_ONE 0x00, 0x21, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
			0, 0, 0, 0, 0, 0
#define EXT_PSK_ONE 0x00, 0x29, 0x00, 0x2c, 0x00, 0x07, 0x00, 0x01, 'A', 0, 0, 0, 0, PSK_BINDERS_ONE
static const uint8_t ext_psk_last[] = { EXT_PSK_MODES, EXT_PSK_ONE };
static const uint8_t ext_psk_no_modes[] = { EXT_PSK_ONE };
/* Two identities, one binder. */
static const uint8_t ext_psk_two_ids_one_binder[] = { EXT_PSK_MODES, 0x00, 0x29, 0x00, 0x33, 0x00, 0x0e, 0x00, 0x01,
						      'A', 0, 0, 0, 0, 0x00, 0x01, 'B', 0, 0, 0, 0,
						      PSK_BINDERS_ONE };

ATF_TC_WITHOUT_HEAD(server_psk_not_last);
ATF_TC_BODY(server_psk_not_last, tc)
{
	/* §4.2.11: "The "pre_shared_key" extension MUST be the last extension in the ClientHello". */
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.prefix_ext = ext_psk_last;
	o.prefix_ext_len = sizeof(ext_psk_last);
	server_rejects_hello(NULL, &o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(server_psk_binder_count);
ATF_TC_BODY(server_psk_binder_count, tc)
{
	/* §4.2.11: one binder per identity, in the same order. */
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.extra_ext = ext_psk_two_ids_one_binder;
	o.extra_ext_len = sizeof(ext_psk_two_ids_one_binder);
	server_rejects_hello(NULL, &o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(server_psk_without_modes);
ATF_TC_BODY(server_psk_without_modes, tc)
{
	/* §4.2.9: "If clients offer "pre_shared_key" without a "psk_key_exchange_modes" extension, servers MUST abort". */
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.extra_ext = ext_psk_no_modes;
	o.extra_ext_len = sizeof(ext_psk_no_modes);
	server_rejects_hello(NULL, &o, MOAT_ERR_MISSING_EXTENSION, MOAT_ALERT_MISSING_EXTENSION);
}

static unsigned bad_ticket_opens;

static int ticket_cb_bad(struct moat_connection *conn, void *ctx, struct moat_ticket_op *op)
{
	(void)ctx;
	moat_ticket_op_type type;
	EXPECT_OK(moat_ticket_op_get_type(op, &type));
	ATF_REQUIRE_EQ(type, MOAT_TICKET_OPEN);
	bad_ticket_opens++;
	EXPECT_OK(moat_ticket_op_set_result(op, MOAT_TICKET_BAD_TICKET));
	EXPECT_OK(moat_ticket_op_apply(op, conn));
	EXPECT_OK(moat_ticket_op_free(op));
	return 0;
}

ATF_TC_WITHOUT_HEAD(server_psk_not_ours_is_full_handshake);
ATF_TC_BODY(server_psk_not_ours_is_full_handshake, tc)
{
	/*
	 * The positive control of the cases above: a well-formed offer of a
	 * ticket that does not open (§4.2.11: the server may decline any PSK)
	 * is a full handshake, with and without a ticket callback.
	 */
	for (int with_cb = 0; with_cb < 2; with_cb++) {
		struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
		bad_ticket_opens = 0;
		if (with_cb) {
			EXPECT_OK(moat_config_set_ticket_crypto_cb(f->cfg, ticket_cb_bad, NULL));
			EXPECT_OK(moat_config_set_initial_ticket_count(f->cfg, 0));
		}
		struct sp_ch_opts o;
		sp_ch_defaults(&o);
		o.extra_ext = ext_psk_last;
		o.extra_ext_len = sizeof(ext_psk_last);
		sp_client_send_hello(f, &o);
		SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
		sp_client_read_flight(f);
		sp_client_complete(f);
		ATF_REQUIRE_EQ(bad_ticket_opens, (unsigned)with_cb);
		ATF_REQUIRE_EQ(moat_connection_is_session_resumed(f->conn), 0);
		sp_free(f);
	}
}

ATF_TC_WITHOUT_HEAD(server_compression_not_null_only);
ATF_TC_BODY(server_compression_not_null_only, tc)
{
	/* RFC 8446 §4.1.2: exactly one byte, zero; anything else is illegal_parameter. */
	static const uint8_t null_and_deflate[] = { 0, 1 };
	static const uint8_t deflate[] = { 1 };
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.compression = null_and_deflate;
	o.n_compression = COUNT(null_and_deflate);
	server_rejects_hello(NULL, &o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	o.compression = deflate;
	o.n_compression = COUNT(deflate);
	server_rejects_hello(NULL, &o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(server_no_common_cipher_suite);
ATF_TC_BODY(server_no_common_cipher_suite, tc)
{
	/* RFC 8446 §4.1.1: no overlap is handshake_failure. A TLS 1.2 suite and TLS_AES_128_CCM_SHA256. */
	static const uint16_t suites[] = { 0xc02f, 0x1304 };
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.suites = suites;
	o.n_suites = COUNT(suites);
	server_rejects_hello(NULL, &o, MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
}

ATF_TC_WITHOUT_HEAD(server_no_common_group);
ATF_TC_BODY(server_no_common_group, tc)
{
	/*
	 * RFC 8446 §4.1.1: no overlap between supported_groups and ours is handshake_failure.
	 * secp224r1 is no group of ours; ffdhe2048 is, but not in the default policy.
	 */
	static const uint16_t groups[] = { 0x0015, MOAT_GROUP_FFDHE2048 };
	static const uint16_t shares[] = { 0x0015 };
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.groups = groups;
	o.n_groups = COUNT(groups);
	o.share_groups = shares;
	o.n_shares = COUNT(shares);
	server_rejects_hello(NULL, &o, MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
}

/* Send a ClientHello message after edit() changed it; the record carries the edited bytes. */
static void server_rejects_edited_hello(void (*edit)(struct moat_buf *msg), int err, uint8_t alert)
{
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	struct moat_buf msg;
	sp_ch_defaults(&o);
	moat_buf_init(&msg, 1 << 16);
	sp_client_build_hello(f, &o, &msg);
	edit(&msg);
	sp_send_record(f, MOAT_CT_HANDSHAKE, msg.data, msg.len);
	moat_buf_free(&msg);
	sp_expect_fatal(f, sp_negotiate(f), err, alert);
	sp_free(f);
}

static void set_body_len(struct moat_buf *msg, size_t body_len)
{
	msg->data[1] = (uint8_t)(body_len >> 16);
	msg->data[2] = (uint8_t)(body_len >> 8);
	msg->data[3] = (uint8_t)body_len;
}

/* Cut inside the last extension, header length adjusted: the message is complete but its vectors overrun it. */
static void cut_short(struct moat_buf *msg)
{
	EXPECT_OK(moat_buf_truncate(msg, msg->len - 5));
	set_body_len(msg, msg->len - MOAT_HS_HEADER_LEN);
}

static void add_trailing_byte(struct moat_buf *msg)
{
	EXPECT_OK(moat_buf_put_u8(msg, 0));
	set_body_len(msg, msg->len - MOAT_HS_HEADER_LEN);
}

ATF_TC_WITHOUT_HEAD(server_truncated_client_hello);
ATF_TC_BODY(server_truncated_client_hello, tc)
{
	/* RFC 8446 §6: a length past the end of the message is decode_error; so is data after the extensions (§4.1.2). */
	server_rejects_edited_hello(cut_short, MOAT_ERR_DECODE, MOAT_ALERT_DECODE_ERROR);
	server_rejects_edited_hello(add_trailing_byte, MOAT_ERR_TRAILING_DATA, MOAT_ALERT_DECODE_ERROR);
}

ATF_TC_WITHOUT_HEAD(server_finished_as_first_message);
ATF_TC_BODY(server_finished_as_first_message, tc)
{
	/* RFC 8446 §4: a handshake message out of order is unexpected_message. */
	uint8_t fin[MOAT_HS_HEADER_LEN + 32] = { MOAT_HS_FINISHED, 0, 0, 32 };
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	sp_send_record(f, MOAT_CT_HANDSHAKE, fin, sizeof(fin));
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_application_data_before_handshake);
ATF_TC_BODY(server_application_data_before_handshake, tc)
{
	/* RFC 8446 §5: application data is always protected; none is expected before the handshake. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, "GET / HTTP/1.1\r\n", 16);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_unknown_record_type);
ATF_TC_BODY(server_unknown_record_type, tc)
{
	/* RFC 8446 §5: an unexpected record type is unexpected_message (invalid(0), heartbeat(24), tls12_cid(25), 255). */
	static const uint8_t types[] = { 0, 24, 25, 255 };
	for (size_t i = 0; i < COUNT(types); i++) {
		const uint8_t rec[] = { types[i], 0x03, 0x03, 0x00, 0x01, 0x00 };
		struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
		sp_send_raw(f, rec, sizeof(rec));
		sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
		sp_free(f);
	}
}

ATF_TC_WITHOUT_HEAD(server_record_overflow);
ATF_TC_BODY(server_record_overflow, tc)
{
	/* RFC 8446 §5.2: a record longer than 2^14 + 256 is record_overflow, known from its header alone. */
	static const uint8_t header[] = { MOAT_CT_HANDSHAKE, 0x03, 0x03, 0x41, 0x01 };
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	sp_send_raw(f, header, sizeof(header));
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_RECORD_OVERFLOW, MOAT_ALERT_RECORD_OVERFLOW);
	sp_free(f);

	/* RFC 8446 §5.1: an unprotected record longer than 2^14 is record_overflow too. */
	size_t len = MOAT_MAX_PLAINTEXT + 1;
	uint8_t *rec = calloc(1, MOAT_RECORD_HEADER_LEN + len);
	ATF_REQUIRE(rec != NULL);
	rec[0] = MOAT_CT_HANDSHAKE;
	rec[1] = 0x03;
	rec[2] = 0x01;
	rec[3] = (uint8_t)(len >> 8);
	rec[4] = (uint8_t)(len & 0xff);
	rec[5] = MOAT_HS_CLIENT_HELLO;
	rec[7] = 0x40; /* a ClientHello body of 16384 + 16 bytes: the record is what is too long */
	rec[8] = 0x10;
	f = sp_new(MOAT_SERVER, NULL);
	sp_send_raw(f, rec, MOAT_RECORD_HEADER_LEN + len);
	free(rec);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_RECORD_OVERFLOW, MOAT_ALERT_RECORD_OVERFLOW);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_ccs_before_client_hello);
ATF_TC_BODY(server_ccs_before_client_hello, tc)
{
	/* RFC 8446 §5: change_cipher_spec before the first ClientHello is an unexpected record type. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	sp_send_ccs(f);
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_ccs_not_one);
ATF_TC_BODY(server_ccs_not_one, tc)
{
	/* RFC 8446 §5: any change_cipher_spec other than the single byte 0x01 is unexpected_message. */
	static const uint8_t two[] = { 0x02 };
	static const uint8_t one_one[] = { 0x01, 0x01 };
	static const struct {
		const uint8_t *data;
		size_t len;
	} bodies[] = { { two, sizeof(two) }, { one_one, sizeof(one_one) }, { NULL, 0 } };
	for (size_t i = 0; i < COUNT(bodies); i++) {
		struct sp_fixture *f = server_waiting_for_finished();
		sp_send_record(f, MOAT_CT_CHANGE_CIPHER_SPEC, bodies[i].data, bodies[i].len);
		sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
		sp_free(f);
	}
}

ATF_TC_WITHOUT_HEAD(server_protected_ccs);
ATF_TC_BODY(server_protected_ccs, tc)
{
	/* RFC 8446 §5: a protected change_cipher_spec is unexpected_message. */
	static const uint8_t inner[] = { 0x01, MOAT_CT_CHANGE_CIPHER_SPEC };
	struct sp_fixture *f = server_waiting_for_finished();
	sp_send_sealed_inner(f, inner, sizeof(inner));
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_inner_plaintext_without_type);
ATF_TC_BODY(server_inner_plaintext_without_type, tc)
{
	/* RFC 8446 §5.4: no non-zero octet in the decrypted record is unexpected_message. */
	static const uint8_t inner[] = { 0, 0, 0, 0 };
	struct sp_fixture *f = server_waiting_for_finished();
	sp_send_sealed_inner(f, inner, sizeof(inner));
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_inner_plaintext_too_long);
ATF_TC_BODY(server_inner_plaintext_too_long, tc)
{
	/* RFC 8446 §5.4: TLSInnerPlaintext longer than 2^14 + 1 is record_overflow, even inside a legal ciphertext. */
	size_t len = MOAT_MAX_PLAINTEXT + 2;
	uint8_t *inner = malloc(len);
	ATF_REQUIRE(inner != NULL);
	memset(inner, 'a', len - 1);
	inner[len - 1] = MOAT_CT_HANDSHAKE;
	struct sp_fixture *f = server_waiting_for_finished();
	sp_send_sealed_inner(f, inner, len);
	free(inner);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_RECORD_OVERFLOW, MOAT_ALERT_RECORD_OVERFLOW);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_bad_client_finished);
ATF_TC_BODY(server_bad_client_finished, tc)
{
	/* RFC 8446 §4.4.4: a Finished that does not verify is decrypt_error; the alert is under the server's application keys. */
	uint8_t fin[MOAT_HS_HEADER_LEN + MOAT_MAX_HASH_LEN];
	struct sp_fixture *f = server_waiting_for_finished();
	size_t n = sp_client_finished(f, fin);
	fin[MOAT_HS_HEADER_LEN] ^= 0x80;
	sp_send_ccs(f);
	sp_send_record(f, MOAT_CT_HANDSHAKE, fin, n);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_DECRYPT_ERROR, MOAT_ALERT_DECRYPT_ERROR);
	sp_free(f);
}

/* The client's good Finished as a protected record, changed by edit() on the wire. */
static void server_rejects_finished_record(void (*edit)(uint8_t *rec, size_t *len), int err, uint8_t alert)
{
	uint8_t fin[MOAT_HS_HEADER_LEN + MOAT_MAX_HASH_LEN];
	struct moat_buf rec;
	struct sp_fixture *f = server_waiting_for_finished();
	size_t n = sp_client_finished(f, fin);
	moat_buf_init(&rec, MOAT_RECORD_MAX_WIRE_LEN);
	EXPECT_OK(moat_record_write(&f->peer.rl, MOAT_CT_HANDSHAKE, fin, n, 0, &rec));
	size_t len = rec.len;
	edit(rec.data, &len);
	sp_send_raw(f, rec.data, len);
	moat_buf_free(&rec);
	sp_expect_fatal(f, sp_negotiate(f), err, alert);
	sp_free(f);
}

static void flip_ciphertext(uint8_t *rec, size_t *len)
{
	rec[MOAT_RECORD_HEADER_LEN + 3] ^= 0x04;
	(void)len;
}

static void flip_tag(uint8_t *rec, size_t *len)
{
	rec[*len - 1] ^= 0x01;
}

/* The header is the AAD (RFC 8446 §5.2): a changed legacy_record_version fails authentication. */
static void change_header_version(uint8_t *rec, size_t *len)
{
	rec[2] = 0x01;
	(void)len;
}

/* Fewer bytes than an AEAD tag. */
static void shorter_than_tag(uint8_t *rec, size_t *len)
{
	rec[3] = 0;
	rec[4] = 10;
	*len = MOAT_RECORD_HEADER_LEN + 10;
}

ATF_TC_WITHOUT_HEAD(server_tampered_record);
ATF_TC_BODY(server_tampered_record, tc)
{
	/* RFC 8446 §5.2: a record that fails to decrypt is bad_record_mac. */
	server_rejects_finished_record(flip_ciphertext, MOAT_ERR_BAD_RECORD_MAC, MOAT_ALERT_BAD_RECORD_MAC);
	server_rejects_finished_record(flip_tag, MOAT_ERR_BAD_RECORD_MAC, MOAT_ALERT_BAD_RECORD_MAC);
	server_rejects_finished_record(change_header_version, MOAT_ERR_BAD_RECORD_MAC, MOAT_ALERT_BAD_RECORD_MAC);
	server_rejects_finished_record(shorter_than_tag, MOAT_ERR_BAD_RECORD_MAC, MOAT_ALERT_BAD_RECORD_MAC);
}

ATF_TC_WITHOUT_HEAD(server_application_data_before_finished);
ATF_TC_BODY(server_application_data_before_finished, tc)
{
	/* No early data was accepted here: application data under handshake keys is unexpected_message. */
	struct sp_fixture *f = server_waiting_for_finished();
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, "early", 5);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_end_of_early_data_not_accepted);
ATF_TC_BODY(server_end_of_early_data_not_accepted, tc)
{
	/* RFC 8446 §4.5: EndOfEarlyData only after the server accepted early data; else unexpected_message. */
	static const uint8_t eoed[] = { MOAT_HS_END_OF_EARLY_DATA, 0, 0, 0 };
	struct sp_fixture *f = server_waiting_for_finished();
	sp_send_handshake(f, eoed, sizeof(eoed));
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_early_data_without_extension);
ATF_TC_BODY(server_early_data_without_extension, tc)
{
	/*
	 * §4.2.10: only a client that offered early_data may send 0-RTT
	 * records. Without the offer, a protected record behind the
	 * ClientHello is not skipped: it fails to open with the handshake keys,
	 * bad_record_mac (§5.2).
	 */
	static const uint8_t fake[] = { MOAT_CT_APPLICATION_DATA, 0x03, 0x03, 0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
					11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	sp_client_send_hello(f, &o);
	sp_send_raw(f, fake, sizeof(fake));
	int rc = sp_negotiate(f);
	/* Our flight went out before the record was read: the alert follows it. */
	sp_client_read_flight(f);
	sp_expect_fatal(f, rc, MOAT_ERR_BAD_RECORD_MAC, MOAT_ALERT_BAD_RECORD_MAC);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_finished_not_at_record_end);
ATF_TC_BODY(server_finished_not_at_record_end, tc)
{
	/* RFC 8446 §5.1: a message before a key change must end its record, else unexpected_message. */
	uint8_t rec[MOAT_HS_HEADER_LEN + MOAT_MAX_HASH_LEN + sizeof(key_update_not_requested)];
	struct sp_fixture *f = server_waiting_for_finished();
	size_t n = sp_client_finished(f, rec);
	memcpy(rec + n, key_update_not_requested, sizeof(key_update_not_requested));
	sp_send_ccs(f);
	sp_send_record(f, MOAT_CT_HANDSHAKE, rec, n + sizeof(key_update_not_requested));
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_client_hello_not_at_record_end);
ATF_TC_BODY(server_client_hello_not_at_record_end, tc)
{
	/*
	 * RFC 8446 §5.1: the ClientHello precedes a key change, so bytes after it
	 * in its record are unexpected_message. Our server finds out once its
	 * ServerHello is written and its handshake keys are on, so its alert is
	 * under server_handshake_traffic_secret.
	 */
	static const uint8_t partial[] = { MOAT_HS_FINISHED, 0, 0, 32 };
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	moat_buf_reset(&f->peer.ch);
	sp_client_build_hello(f, &o, &f->peer.ch);
	struct moat_buf rec;
	moat_buf_init(&rec, 1 << 16);
	EXPECT_OK(moat_buf_put_bytes(&rec, f->peer.ch.data, f->peer.ch.len));
	EXPECT_OK(moat_buf_put_bytes(&rec, partial, sizeof(partial)));
	sp_send_record(f, MOAT_CT_HANDSHAKE, rec.data, rec.len);
	moat_buf_free(&rec);
	int got = sp_negotiate(f);
	SP_REQUIRE_RESULT(got, MOAT_ERR_UNEXPECTED_MESSAGE);
	sp_client_read_server_hello(f);
	sp_expect_fatal(f, got, MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

/* ---- HelloRetryRequest ---- */

/* As server_after_hrr, the first hello changed by first() (NULL: none). */
static struct sp_fixture *server_after_hrr_with(void (*first)(struct sp_ch_opts *o))
{
	struct sp_fixture *f = sp_new(MOAT_SERVER, "20190802");
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	if (first != NULL)
		first(&o);
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_hrr(f);
	ATF_REQUIRE_EQ(f->peer.hrr_group, MOAT_GROUP_SECP256R1);
	ATF_REQUIRE(f->peer.cookie_len > 0);
	/* Appendix D.4: a compatibility-mode client's change_cipher_spec before its second flight. */
	sp_send_ccs(f);
	return f;
}

/* Our server (no x25519 in "20190802") has asked the scripted client's x25519-only hello to retry with P-256. */
static struct sp_fixture *server_after_hrr(void)
{
	return server_after_hrr_with(NULL);
}

static const uint16_t share_p256[] = { MOAT_GROUP_SECP256R1 };
static const uint16_t share_p384[] = { MOAT_GROUP_SECP384R1 };
static const uint16_t share_p256_p384[] = { MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1 };

/* The second ClientHello the HelloRetryRequest asked for. */
static void second_hello(struct sp_fixture *f, struct sp_ch_opts *o)
{
	sp_ch_defaults(o);
	o->second = true;
	o->share_groups = share_p256;
	o->n_shares = COUNT(share_p256);
	o->cookie = f->peer.cookie;
	o->cookie_len = f->peer.cookie_len;
}

ATF_TC_WITHOUT_HEAD(server_control_hello_retry);
ATF_TC_BODY(server_control_hello_retry, tc)
{
	/* The conforming second ClientHello gets a ServerHello for P-256. */
	struct sp_fixture *f = server_after_hrr();
	struct sp_ch_opts o;
	second_hello(f, &o);
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_expect_server_hello_for(f, MOAT_GROUP_SECP256R1);
	sp_free(f);
}

/*
 * RFC 8446 §4.1.4 with the groups beyond the chart's: the client's only
 * share is for secp224r1, which we do not have; it also lists one group we
 * have under "default_tls13_ffdhe", so our server asks for that one and
 * completes the handshake on the second ClientHello's share.
 */
ATF_TC_WITHOUT_HEAD(server_hello_retry_for_new_groups);
ATF_TC_BODY(server_hello_retry_for_new_groups, tc)
{
	static const uint16_t secp224r1[] = { 0x0015 };
	static const uint16_t wanted[] = { MOAT_GROUP_X448, MOAT_GROUP_SECP521R1, MOAT_GROUP_FFDHE4096 };
	for (size_t i = 0; i < COUNT(wanted); i++) {
		const uint16_t listed[] = { 0x0015, wanted[i] };
		struct sp_fixture *f = sp_new(MOAT_SERVER, "default_tls13_ffdhe");
		struct sp_ch_opts o;
		sp_ch_defaults(&o);
		o.groups = listed;
		o.n_groups = COUNT(listed);
		o.share_groups = secp224r1;
		o.n_shares = COUNT(secp224r1);
		sp_client_send_hello(f, &o);
		SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
		sp_client_read_hrr(f);
		ATF_REQUIRE_EQ(f->peer.hrr_group, wanted[i]);
		sp_send_ccs(f);

		sp_ch_defaults(&o);
		o.second = true;
		o.groups = listed;
		o.n_groups = COUNT(listed);
		o.share_groups = &wanted[i];
		o.n_shares = 1;
		o.cookie = f->peer.cookie;
		o.cookie_len = f->peer.cookie_len;
		sp_client_send_hello(f, &o);
		SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
		sp_client_read_flight(f);
		ATF_REQUIRE_EQ(f->peer.group, wanted[i]);
		sp_client_complete(f);
		ATF_REQUIRE_STREQ(moat_connection_get_curve(f->conn), moat_kex_group_name(wanted[i]));
		ATF_REQUIRE_EQ(moat_connection_is_hello_retried(f->conn), 1);
		sp_free(f);
	}
}

/* A second ClientHello changed by change() must end the handshake. */
static void server_rejects_second_hello(void (*change)(struct sp_fixture *f, struct sp_ch_opts *o), int err,
					uint8_t alert)
{
	struct sp_fixture *f = server_after_hrr();
	struct sp_ch_opts o;
	second_hello(f, &o);
	change(f, &o);
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), err, alert);
	sp_free(f);
}

static void other_group(struct sp_fixture *f, struct sp_ch_opts *o)
{
	(void)f;
	o->share_groups = share_p384;
	o->n_shares = COUNT(share_p384);
}

static void two_shares(struct sp_fixture *f, struct sp_ch_opts *o)
{
	(void)f;
	o->share_groups = share_p256_p384;
	o->n_shares = COUNT(share_p256_p384);
}

static void no_cookie(struct sp_fixture *f, struct sp_ch_opts *o)
{
	(void)f;
	o->cookie = NULL;
	o->cookie_len = 0;
}

static void changed_cookie(struct sp_fixture *f, struct sp_ch_opts *o)
{
	(void)o;
	f->peer.cookie[0] ^= 0x01;
}

static void other_suite(struct sp_fixture *f, struct sp_ch_opts *o)
{
	static const uint16_t aes256[] = { MOAT_TLS_AES_256_GCM_SHA384 };
	(void)f;
	o->suites = aes256;
	o->n_suites = COUNT(aes256);
}

ATF_TC_WITHOUT_HEAD(server_second_hello_other_group);
ATF_TC_BODY(server_second_hello_other_group, tc)
{
	/* RFC 8446 §4.1.2: the retried hello holds one share, for the group asked for; else illegal_parameter (§6.2). */
	server_rejects_second_hello(other_group, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	server_rejects_second_hello(two_shares, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(server_second_hello_cookie);
ATF_TC_BODY(server_second_hello_cookie, tc)
{
	/*
	 * RFC 8446 §4.1.2: the retried hello echoes our cookie. A changed cookie
	 * is a wrong field (illegal_parameter); an absent one is a missing
	 * mandatory extension (missing_extension, §6.2): the RFC names no alert
	 * of its own for either.
	 */
	server_rejects_second_hello(changed_cookie, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	server_rejects_second_hello(no_cookie, MOAT_ERR_MISSING_EXTENSION, MOAT_ALERT_MISSING_EXTENSION);
}

ATF_TC_WITHOUT_HEAD(server_second_hello_other_suite);
ATF_TC_BODY(server_second_hello_other_suite, tc)
{
	/* RFC 8446 §4.1.4: the server must negotiate the same suite; a retried hello without it is illegal_parameter. */
	server_rejects_second_hello(other_suite, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

/*
 * RFC 8446 §4.1.2: the second ClientHello is the first "without
 * modification" but for the listed exceptions. Each case below builds the
 * first hello with first() and the second with second() on top of the
 * conforming answer.
 */
static void retry_hello(void (*first)(struct sp_ch_opts *o), void (*second)(struct sp_ch_opts *o), int err,
			uint8_t alert)
{
	struct sp_fixture *f = server_after_hrr_with(first);
	struct sp_ch_opts o;
	second_hello(f, &o);
	if (first != NULL)
		first(&o);
	if (second != NULL)
		second(&o);
	sp_client_send_hello(f, &o);
	if (err != MOAT_ERR_OK) {
		sp_expect_fatal(f, sp_negotiate(f), err, alert);
		sp_free(f);
		return;
	}
	/* Accepted: the ServerHello for the group asked for. */
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_expect_server_hello_for(f, MOAT_GROUP_SECP256R1);
	sp_free(f);
}

/* Raw extensions for the cases: an unknown one, padding of two sizes, early_data, PSK offers. */
static const uint8_t ext_padding_3[] = { 0x00, 0x15, 0x00, 0x03, 0, 0, 0 };
static const uint8_t ext_padding_40[44] = { 0x00, 0x15, 0x00, 40 };
static const uint8_t ext_early_data[] = { 0x00, 0x2a, 0x00, 0x00 };
static const uint8_t ext_unknown_then_padding[] = { 0x7a, 0x7a, 0x00, 0x00, 0x00, 0x15, 0x00, 0x03, 0, 0, 0 };
/* psk_key_exchange_modes {psk_dhe_ke}, then pre_shared_key with identities "a" and "b" and their binders. */
#define PSK_MODES 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01
#define BINDER(x) 32, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const uint8_t ext_psk_a_b[] = { PSK_MODES, 0x00, 0x29, 0x00, 0x54, 0x00, 0x0e, 0x00, 0x01, 'a', 0, 0, 0, 1,
				       0x00, 0x01, 'b', 0, 0, 0, 2, 0x00, 0x42, BINDER(0x11), BINDER(0x12) };
static const uint8_t ext_psk_b[] = { PSK_MODES, 0x00, 0x29, 0x00, 0x2c, 0x00, 0x07, 0x00, 0x01, 'b', 0, 0, 0, 9,
				     0x00, 0x21, BINDER(0x22) };
static const uint8_t ext_psk_c[] = { PSK_MODES, 0x00, 0x29, 0x00, 0x2c, 0x00, 0x07, 0x00, 0x01, 'c', 0, 0, 0, 9,
				     0x00, 0x21, BINDER(0x22) };
static const uint8_t ext_psk_b_a[] = { PSK_MODES, 0x00, 0x29, 0x00, 0x54, 0x00, 0x0e, 0x00, 0x01, 'b', 0, 0, 0, 1,
				       0x00, 0x01, 'a', 0, 0, 0, 2, 0x00, 0x42, BINDER(0x11), BINDER(0x12) };
static const uint8_t ext_psk_modes_only[] = { PSK_MODES };

#define EXTRA(o, a) ((o)->extra_ext = (a), (o)->extra_ext_len = sizeof(a))
static void with_unknown_first(struct sp_ch_opts *o)
{
	o->prefix_ext = ext_unknown;
	o->prefix_ext_len = sizeof(ext_unknown);
}
static void with_unknown_last(struct sp_ch_opts *o)
{
	o->prefix_ext = NULL;
	o->prefix_ext_len = 0;
	EXTRA(o, ext_unknown);
}
static void with_unknown(struct sp_ch_opts *o)
{
	EXTRA(o, ext_unknown);
}
static void without_extra(struct sp_ch_opts *o)
{
	o->extra_ext = NULL;
	o->extra_ext_len = 0;
}
static void with_padding_3(struct sp_ch_opts *o)
{
	EXTRA(o, ext_padding_3);
}
static void with_padding_40_first(struct sp_ch_opts *o)
{
	without_extra(o);
	o->prefix_ext = ext_padding_40;
	o->prefix_ext_len = sizeof(ext_padding_40);
}
static void with_early_data(struct sp_ch_opts *o)
{
	EXTRA(o, ext_early_data);
}
static void with_unknown_then_padding(struct sp_ch_opts *o)
{
	EXTRA(o, ext_unknown_then_padding);
}
static void with_psk_a_b(struct sp_ch_opts *o)
{
	EXTRA(o, ext_psk_a_b);
}
static void with_psk_b(struct sp_ch_opts *o)
{
	EXTRA(o, ext_psk_b);
}
static void with_psk_c(struct sp_ch_opts *o)
{
	EXTRA(o, ext_psk_c);
}
static void with_psk_b_a(struct sp_ch_opts *o)
{
	EXTRA(o, ext_psk_b_a);
}
static void with_psk_modes_only(struct sp_ch_opts *o)
{
	EXTRA(o, ext_psk_modes_only);
}
static void other_schemes(struct sp_ch_opts *o)
{
	static const uint16_t schemes[] = { MOAT_SIG_RSA_PSS_RSAE_SHA256, MOAT_SIG_ECDSA_SECP256R1_SHA256 };
	o->sig_algs = schemes;
	o->n_sig_algs = COUNT(schemes);
}
static void other_groups(struct sp_ch_opts *o)
{
	static const uint16_t groups[] = { MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1 };
	o->groups = groups;
	o->n_groups = COUNT(groups);
}
static void legacy_version_tls10(struct sp_ch_opts *o)
{
	o->legacy_version = MOAT_TLS10;
}

ATF_TC_WITHOUT_HEAD(server_second_hello_allowed_changes);
ATF_TC_BODY(server_second_hello_allowed_changes, tc)
{
	/* RFC 8446 §4.1.2: padding added, removed, resized or moved; early_data removed; the same hello. */
	retry_hello(NULL, NULL, MOAT_ERR_OK, 0);
	retry_hello(NULL, with_padding_3, MOAT_ERR_OK, 0);
	retry_hello(with_padding_3, without_extra, MOAT_ERR_OK, 0);
	retry_hello(with_padding_3, with_padding_40_first, MOAT_ERR_OK, 0);
	retry_hello(with_early_data, without_extra, MOAT_ERR_OK, 0);
	retry_hello(with_unknown_then_padding, with_unknown, MOAT_ERR_OK, 0);
	/* pre_shared_key: ages and binders recomputed, identities dropped, or the whole offer dropped. */
	retry_hello(with_psk_a_b, with_psk_b, MOAT_ERR_OK, 0);
	retry_hello(with_psk_a_b, with_psk_modes_only, MOAT_ERR_OK, 0);
}

ATF_TC_WITHOUT_HEAD(server_second_hello_other_changes);
ATF_TC_BODY(server_second_hello_other_changes, tc)
{
	/* RFC 8446 §4.1.2: any other change is illegal_parameter; a new order of the same extensions too. */
	retry_hello(with_unknown_first, with_unknown_last, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	retry_hello(NULL, with_unknown, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	retry_hello(with_unknown, without_extra, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	retry_hello(NULL, other_schemes, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	retry_hello(NULL, other_groups, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	retry_hello(NULL, legacy_version_tls10, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	/* §4.2.10: early_data may only go; sending it again (or first now) is illegal. */
	retry_hello(with_early_data, NULL, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	retry_hello(NULL, with_early_data, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	/* pre_shared_key: an identity the first hello did not offer, a new order, or an offer that was not there. */
	retry_hello(with_psk_a_b, with_psk_c, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	retry_hello(with_psk_a_b, with_psk_b_a, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	retry_hello(with_psk_modes_only, with_psk_b, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

/* ---- early data (RFC 8446 §4.2.10): never accepted, skipped up to max_early_data_size ---- */

/*
 * What a client resuming a session with a ticket from elsewhere offers: the
 * PSK key exchange modes, early_data, and a pre_shared_key (last, §4.2.11)
 * whose identity and binder mean nothing to us.
 */
static const uint8_t ext_early_data_offer[] = {
	0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,		/* psk_key_exchange_modes: psk_dhe_ke */
	0x00, 0x2a, 0x00, 0x00,				/* early_data */
	0x00, 0x29, 0x00, 0x3b,				/* pre_shared_key */
	0x00, 0x16, 0x00, 0x10, 't', 'i', 'c', 'k', 'e', 't', ' ', 'f', 'r', 'o', 'm', ' ', 'e', 'l', 's', 'e',
	0x00, 0x00, 0x12, 0x34,				/* obfuscated_ticket_age */
	0x00, 0x21, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
	27, 28, 29, 30, 31, 32,
};

/* The same offer in the second ClientHello: early_data gone, the rest as it was (RFC 8446 §4.1.2). */
static const uint8_t ext_early_data_offer_retry[] = {
	0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,		/* psk_key_exchange_modes: psk_dhe_ke */
	0x00, 0x29, 0x00, 0x3b,				/* pre_shared_key */
	0x00, 0x16, 0x00, 0x10, 't', 'i', 'c', 'k', 'e', 't', ' ', 'f', 'r', 'o', 'm', ' ', 'e', 'l', 's', 'e',
	0x00, 0x00, 0x12, 0x34,				/* obfuscated_ticket_age */
	0x00, 0x21, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
	27, 28, 29, 30, 31, 32,
};

/*
 * A 0-RTT record as the client would protect it with keys from its PSK,
 * which we do not have: content_len bytes of data, the type byte and the tag
 * (random bytes to us), outer type application_data.
 */
static void send_early_data_record(struct sp_fixture *f, size_t content_len)
{
	size_t frag = content_len + 1 + MOAT_AEAD_TAG_LEN;
	uint8_t *rec = malloc(MOAT_RECORD_HEADER_LEN + frag);
	ATF_REQUIRE(rec != NULL);
	rec[0] = MOAT_CT_APPLICATION_DATA;
	rec[1] = 0x03;
	rec[2] = 0x03;
	rec[3] = (uint8_t)(frag >> 8);
	rec[4] = (uint8_t)(frag & 0xff);
	EXPECT_OK(moat_random_bytes(rec + MOAT_RECORD_HEADER_LEN, frag));
	sp_send_raw(f, rec, MOAT_RECORD_HEADER_LEN + frag);
	free(rec);
}

/* Early data of exactly max_early_data_size (16384 bytes) in two records; one byte more in a third when over. */
static void send_early_data(struct sp_fixture *f, bool over)
{
	send_early_data_record(f, MOAT_MAX_PLAINTEXT - 100);
	send_early_data_record(f, 100);
	if (over)
		send_early_data_record(f, 1);
}

/* A first ClientHello offering early data, the change_cipher_spec right behind it (Appendix D.4), then the data. */
static struct sp_fixture *server_offered_early_data(const char *policy, bool over)
{
	struct sp_fixture *f = sp_new(MOAT_SERVER, policy);
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.extra_ext = ext_early_data_offer;
	o.extra_ext_len = sizeof(ext_early_data_offer);
	sp_client_send_hello(f, &o);
	sp_send_ccs(f);
	send_early_data(f, over);
	return f;
}

/* The handshake is done: data both ways under the application keys. */
static void server_exchanges_data(struct sp_fixture *f)
{
	uint8_t buf[64];
	size_t got;
	moat_blocked_status blocked;
	uint8_t type;
	const uint8_t *plain;
	size_t len;
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, "ping", 4);
	SP_REQUIRE_RESULT(sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_OK);
	ATF_REQUIRE(got == 4 && memcmp(buf, "ping", 4) == 0);
	ATF_REQUIRE_EQ(moat_send(f->conn, "pong", 4, &blocked), 4);
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE(type == MOAT_CT_APPLICATION_DATA && len == 4 && memcmp(plain, "pong", 4) == 0);
}

ATF_TC_WITHOUT_HEAD(server_early_data_skipped);
ATF_TC_BODY(server_early_data_skipped, tc)
{
	/*
	 * §4.2.10: records that fail to open with the handshake keys are skipped,
	 * up to max_early_data_size (here all of it); the client's Finished then
	 * completes an ordinary 1-RTT handshake, and EncryptedExtensions says
	 * nothing of early data.
	 */
	struct sp_fixture *f = server_offered_early_data(NULL, false);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_flight(f);
	sp_client_complete(f);
	server_exchanges_data(f);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_early_data_over_limit);
ATF_TC_BODY(server_early_data_over_limit, tc)
{
	/* §4.6.1: more than max_early_data_size bytes of 0-RTT data is unexpected_message. */
	struct sp_fixture *f = server_offered_early_data(NULL, true);
	int got = sp_negotiate(f);
	SP_REQUIRE_RESULT(got, MOAT_ERR_TOO_MUCH_EARLY_DATA);
	sp_client_read_flight(f);
	sp_expect_fatal(f, got, MOAT_ERR_TOO_MUCH_EARLY_DATA, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_early_data_after_hello_retry);
ATF_TC_BODY(server_early_data_after_hello_retry, tc)
{
	/*
	 * §4.2.10: after a HelloRetryRequest the server skips records of outer
	 * type application_data up to max_early_data_size, and the second
	 * ClientHello (no early_data) goes on to a completed handshake.
	 */
	struct sp_fixture *f = server_offered_early_data("20190802", false);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_hrr(f);
	struct sp_ch_opts o;
	second_hello(f, &o);
	o.extra_ext = ext_early_data_offer_retry;
	o.extra_ext_len = sizeof(ext_early_data_offer_retry);
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_flight(f);
	sp_client_complete(f);
	ATF_REQUIRE_STREQ(moat_connection_get_curve(f->conn), "secp256r1");
	server_exchanges_data(f);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_early_data_after_hello_retry_over_limit);
ATF_TC_BODY(server_early_data_after_hello_retry_over_limit, tc)
{
	/* §4.6.1 after a HelloRetryRequest too; we have no keys yet, so the alert is in the clear. */
	struct sp_fixture *f = server_offered_early_data("20190802", true);
	int got = sp_negotiate(f);
	SP_REQUIRE_RESULT(got, MOAT_ERR_TOO_MUCH_EARLY_DATA);
	sp_client_read_hrr(f);
	sp_expect_fatal(f, got, MOAT_ERR_TOO_MUCH_EARLY_DATA, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_early_data_not_offered);
ATF_TC_BODY(server_early_data_not_offered, tc)
{
	/* Without early_data in the ClientHello nothing is skipped: a record that does not open is bad_record_mac (§5.2). */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	sp_client_send_hello(f, &o);
	send_early_data_record(f, 100);
	int got = sp_negotiate(f);
	SP_REQUIRE_RESULT(got, MOAT_ERR_BAD_RECORD_MAC);
	sp_client_read_flight(f);
	sp_expect_fatal(f, got, MOAT_ERR_BAD_RECORD_MAC, MOAT_ALERT_BAD_RECORD_MAC);
	sp_free(f);

	/* ... and application data after a HelloRetryRequest is unexpected_message. */
	f = sp_new(MOAT_SERVER, "20190802");
	sp_ch_defaults(&o);
	sp_client_send_hello(f, &o);
	send_early_data_record(f, 100);
	got = sp_negotiate(f);
	SP_REQUIRE_RESULT(got, MOAT_ERR_UNEXPECTED_MESSAGE);
	sp_client_read_hrr(f);
	sp_expect_fatal(f, got, MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_early_data_skipping_ends);
ATF_TC_BODY(server_early_data_skipping_ends, tc)
{
	/*
	 * §4.2.10: "Once a record is deprotected successfully, it is treated as
	 * the start of the client's second flight": a record that fails after it
	 * is bad_record_mac, even with budget left.
	 */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.extra_ext = ext_early_data_offer;
	o.extra_ext_len = sizeof(ext_early_data_offer);
	sp_client_send_hello(f, &o);
	send_early_data_record(f, 100);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_flight(f);
	uint8_t fin[MOAT_HS_HEADER_LEN + MOAT_MAX_HASH_LEN];
	(void)sp_client_finished(f, fin);
	sp_send_record(f, MOAT_CT_HANDSHAKE, fin, 2);
	send_early_data_record(f, 100);
	int got = sp_negotiate(f);
	SP_REQUIRE_RESULT(got, MOAT_ERR_BAD_RECORD_MAC);
	sp_expect_fatal(f, got, MOAT_ERR_BAD_RECORD_MAC, MOAT_ALERT_BAD_RECORD_MAC);
	sp_free(f);
}

/* ---- after the handshake ---- */

ATF_TC_WITHOUT_HEAD(server_renegotiation);
ATF_TC_BODY(server_renegotiation, tc)
{
	/* RFC 8446 §4.1.2: a ClientHello after TLS 1.3 is negotiated is unexpected_message. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	struct moat_buf msg;
	uint8_t buf[16];
	size_t got;
	sp_client_handshake(f);
	sp_ch_defaults(&o);
	moat_buf_init(&msg, 1 << 16);
	sp_client_build_hello(f, &o, &msg);
	sp_send_record(f, MOAT_CT_HANDSHAKE, msg.data, msg.len);
	moat_buf_free(&msg);
	sp_expect_fatal(f, sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_UNEXPECTED_MESSAGE,
			MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_key_update_bad_value);
ATF_TC_BODY(server_key_update_bad_value, tc)
{
	/* RFC 8446 §4.6.3: a request_update other than 0 or 1 is illegal_parameter. */
	static const uint8_t ku[] = { MOAT_HS_KEY_UPDATE, 0, 0, 1, 2 };
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	uint8_t buf[16];
	size_t got;
	sp_client_handshake(f);
	sp_send_record(f, MOAT_CT_HANDSHAKE, ku, sizeof(ku));
	sp_expect_fatal(f, sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	sp_free(f);
}

static const uint8_t key_update_requested[] = { MOAT_HS_KEY_UPDATE, 0, 0, 1, 1 };

/* Our side's next record must be its KeyUpdate (update_not_requested); the peer then reads under the next keys. */
static void expect_key_update_answer(struct sp_fixture *f)
{
	uint8_t type;
	const uint8_t *plain;
	size_t len;
	ATF_REQUIRE_MSG(sp_next_record(f, &type, &plain, &len), "our side did not answer the KeyUpdate");
	ATF_REQUIRE(type == MOAT_CT_HANDSHAKE && len == sizeof(key_update_not_requested) &&
		    memcmp(plain, key_update_not_requested, len) == 0);
	sp_next_traffic_keys(f, false);
	ATF_REQUIRE(!sp_next_record(f, &type, &plain, &len));
}

ATF_TC_WITHOUT_HEAD(server_key_update_answered_at_once);
ATF_TC_BODY(server_key_update_answered_at_once, tc)
{
	/*
	 * RFC 8446 §4.6.3: a KeyUpdate with update_requested in a read of its
	 * own is answered by that moat_recv, though nothing was read and our
	 * side has nothing to send: a server that only receives still answers.
	 */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	uint8_t buf[16];
	moat_blocked_status blocked;
	sp_client_handshake(f);
	sp_send_record(f, MOAT_CT_HANDSHAKE, key_update_requested, sizeof(key_update_requested));
	sp_next_traffic_keys(f, true);
	moat_error_clear();
	ATF_REQUIRE_EQ(moat_recv(f->conn, buf, sizeof(buf), &blocked), -1);
	SP_REQUIRE_RESULT(moat_errno, MOAT_ERR_IO_BLOCKED);
	ATF_REQUIRE_EQ(blocked, MOAT_BLOCKED_ON_READ);
	expect_key_update_answer(f);

	/* Both sides on their next keys: data each way. */
	server_exchanges_data(f);
	sp_free(f);
}

/* A send callback the test can block (EAGAIN) and unblock. */
struct gate {
	int fd;
	bool closed;
};

static int gate_send(void *ctx, const uint8_t *data, uint32_t len)
{
	struct gate *g = ctx;
	if (g->closed) {
		errno = EAGAIN;
		return -1;
	}
	return moat_fd_send(&g->fd, data, len);
}

ATF_TC_WITHOUT_HEAD(server_key_update_answer_blocked);
ATF_TC_BODY(server_key_update_answer_blocked, tc)
{
	/*
	 * The answer cannot be written: moat_recv says MOAT_BLOCKED_ON_WRITE,
	 * with or without bytes, and moat_flush sends it once the transport
	 * takes bytes again.
	 */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	uint8_t buf[16];
	moat_blocked_status blocked;
	sp_client_handshake(f);
	struct gate g = { f->fds[0], true };
	EXPECT_OK(moat_connection_set_send_cb(f->conn, gate_send));
	EXPECT_OK(moat_connection_set_send_ctx(f->conn, &g));

	sp_send_record(f, MOAT_CT_HANDSHAKE, key_update_requested, sizeof(key_update_requested));
	sp_next_traffic_keys(f, true);
	moat_error_clear();
	ATF_REQUIRE_EQ(moat_recv(f->conn, buf, sizeof(buf), &blocked), -1);
	SP_REQUIRE_RESULT(moat_errno, MOAT_ERR_IO_BLOCKED);
	ATF_REQUIRE_EQ(blocked, MOAT_BLOCKED_ON_WRITE);
	/* Still blocked: data is returned, and the caller is told to wait for writability. */
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, "x", 1);
	ATF_REQUIRE_EQ(moat_recv(f->conn, buf, sizeof(buf), &blocked), 1);
	ATF_REQUIRE_EQ(blocked, MOAT_BLOCKED_ON_WRITE);
	uint8_t type;
	const uint8_t *plain;
	size_t len;
	ATF_REQUIRE(!sp_next_record(f, &type, &plain, &len));

	g.closed = false;
	EXPECT_OK(moat_flush(f->conn, &blocked));
	ATF_REQUIRE_EQ(blocked, MOAT_NOT_BLOCKED);
	expect_key_update_answer(f);
	server_exchanges_data(f);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_record_version);
ATF_TC_BODY(server_record_version, tc)
{
	/* RFC 8446 §5.1: every record but the first ClientHello's carries legacy_record_version 0x0303. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_server_hello(f);
	ATF_REQUIRE_EQ_MSG(f->peer.last_record_version, MOAT_TLS12, "ServerHello record version 0x%04x",
			   f->peer.last_record_version);
	sp_free(f);

	f = sp_new(MOAT_SERVER, NULL);
	sp_ch_defaults(&o);
	o.no_key_share = true;
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_MISSING_EXTENSION, MOAT_ALERT_MISSING_EXTENSION);
	ATF_REQUIRE_EQ_MSG(f->peer.last_record_version, MOAT_TLS12, "alert record version 0x%04x",
			   f->peer.last_record_version);
	sp_free(f);
}

/* ======================================================================
 * Our client against a scripted server
 * ====================================================================== */

/* Our client has sent its ClientHello and the scripted server has read it. */
static struct sp_fixture *client_waiting_for_server_hello(void)
{
	struct sp_fixture *f = sp_new(MOAT_CLIENT, NULL);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	ATF_REQUIRE_EQ(f->peer.group, MOAT_GROUP_X25519);
	return f;
}

static void client_rejects_server_hello(const struct sp_sh_opts *o, int err, uint8_t alert)
{
	struct sp_fixture *f = client_waiting_for_server_hello();
	sp_server_send_hello(f, o);
	sp_expect_fatal(f, sp_negotiate(f), err, alert);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_control_handshake);
ATF_TC_BODY(client_control_handshake, tc)
{
	/* The scripted server completes a handshake, a KeyUpdate and data both ways. */
	struct sp_fixture *f = sp_new(MOAT_CLIENT, NULL);
	uint8_t buf[64];
	size_t got;
	moat_blocked_status blocked;
	uint8_t type;
	const uint8_t *plain;
	size_t len;
	sp_server_handshake(f);
	ATF_REQUIRE_EQ(moat_connection_get_server_sig_scheme(f->conn), MOAT_SIG_ECDSA_SECP256R1_SHA256);

	/* KeyUpdate with update_requested: our client reads on under the next keys and answers with its own. */
	static const uint8_t ku_requested[] = { MOAT_HS_KEY_UPDATE, 0, 0, 1, 1 };
	sp_send_record(f, MOAT_CT_HANDSHAKE, ku_requested, sizeof(ku_requested));
	sp_next_traffic_keys(f, true);
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, "hello", 5);
	SP_REQUIRE_RESULT(sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_OK);
	ATF_REQUIRE(got == 5 && memcmp(buf, "hello", 5) == 0);
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE(type == MOAT_CT_HANDSHAKE && len == sizeof(key_update_not_requested) &&
		    memcmp(plain, key_update_not_requested, len) == 0);
	sp_next_traffic_keys(f, false);
	ATF_REQUIRE_EQ(moat_send(f->conn, "world", 5, &blocked), 5);
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE(type == MOAT_CT_APPLICATION_DATA && len == 5 && memcmp(plain, "world", 5) == 0);
	sp_free(f);
}

/* A NewSessionTicket body: lifetime, age_add, nonce, ticket and extensions of the given sizes. */
static uint8_t *new_session_ticket(size_t nonce, size_t ticket, size_t ext, size_t *len)
{
	size_t body = 4 + 4 + 1 + nonce + 2 + ticket + 2 + ext;
	uint8_t *m = calloc(1, MOAT_HS_HEADER_LEN + body);
	ATF_REQUIRE(m != NULL);
	size_t o = 0;
	m[o++] = MOAT_HS_NEW_SESSION_TICKET;
	m[o++] = (uint8_t)(body >> 16);
	m[o++] = (uint8_t)(body >> 8);
	m[o++] = (uint8_t)body;
	o += 8;
	m[o++] = (uint8_t)nonce;
	o += nonce;
	m[o++] = (uint8_t)(ticket >> 8);
	m[o++] = (uint8_t)ticket;
	o += ticket;
	m[o++] = (uint8_t)(ext >> 8);
	m[o++] = (uint8_t)ext;
	/* The extensions: unknown type 0xfafa holding the rest (any number of them is legal). */
	if (ext >= 4) {
		m[o] = 0xfa;
		m[o + 1] = 0xfa;
		m[o + 2] = (uint8_t)((ext - 4) >> 8);
		m[o + 3] = (uint8_t)(ext - 4);
	}
	*len = MOAT_HS_HEADER_LEN + body;
	return m;
}

ATF_TC_WITHOUT_HEAD(client_new_session_ticket_largest);
ATF_TC_BODY(client_new_session_ticket_largest, tc)
{
	/*
	 * RFC 8446 §4.6.1: a ticket with every field at its wire maximum (131,337
	 * bytes of body) is legal; our client drops it and reads on. One byte
	 * more than any NewSessionTicket can be is decode_error.
	 */
	struct sp_fixture *f = sp_new(MOAT_CLIENT, NULL);
	uint8_t buf[64];
	size_t got, len;
	sp_server_handshake(f);
	uint8_t *nst = new_session_ticket(255, 65535, 65534, &len);
	sp_send_handshake(f, nst, len);
	free(nst);
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, "hello", 5);
	SP_REQUIRE_RESULT(sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_OK);
	ATF_REQUIRE(got == 5 && memcmp(buf, "hello", 5) == 0);
	sp_free(f);

	f = sp_new(MOAT_CLIENT, NULL);
	sp_server_handshake(f);
	nst = new_session_ticket(255, 65535, 65535, &len);
	sp_send_handshake(f, nst, len);
	free(nst);
	int rc = sp_recv(f, buf, sizeof(buf), &got);
	sp_expect_fatal(f, rc, MOAT_ERR_DECODE, MOAT_ALERT_DECODE_ERROR);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_suite_not_offered);
ATF_TC_BODY(client_suite_not_offered, tc)
{
	/* RFC 8446 §4.1.3: a suite we did not offer is illegal_parameter (TLS_AES_128_CCM_SHA256, a TLS 1.2 suite). */
	static const uint16_t suites[] = { 0x1304, 0xc02f };
	for (size_t i = 0; i < COUNT(suites); i++) {
		struct sp_sh_opts o;
		sp_sh_defaults(&o);
		o.suite = suites[i];
		client_rejects_server_hello(&o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	}
}

ATF_TC_WITHOUT_HEAD(client_wrong_session_id_echo);
ATF_TC_BODY(client_wrong_session_id_echo, tc)
{
	/* RFC 8446 §4.1.3: legacy_session_id_echo must be what we sent, else illegal_parameter. */
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.bad_session_id = true;
	client_rejects_server_hello(&o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(client_downgrade_sentinel);
ATF_TC_BODY(client_downgrade_sentinel, tc)
{
	/* RFC 8446 §4.1.3: a TLS 1.2 (or older) ServerHello whose random ends in the sentinel is illegal_parameter. */
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.no_supported_versions = true;
	o.key_share_group = 0;
	o.suite = 0xc02f;
	o.downgrade = 12;
	client_rejects_server_hello(&o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	o.downgrade = 11;
	o.legacy_version = MOAT_TLS11;
	client_rejects_server_hello(&o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(client_tls12_server_hello);
ATF_TC_BODY(client_tls12_server_hello, tc)
{
	/*
	 * Our client offers TLS 1.2 beside 1.3. A TLS 1.2 ServerHello that
	 * echoes the random session id of TLS 1.3's compatibility mode claims
	 * to resume a session we never offered (RFC 5246 §7.4.1.3):
	 * illegal_parameter, with or without renegotiation_info.
	 */
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.no_supported_versions = true;
	o.key_share_group = 0;
	o.suite = 0xc02f;
	client_rejects_server_hello(&o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	o.extra_ext = ext_renegotiation_info;
	o.extra_ext_len = sizeof(ext_renegotiation_info);
	client_rejects_server_hello(&o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(client_supported_versions_below_tls13);
ATF_TC_BODY(client_supported_versions_below_tls13, tc)
{
	/* RFC 8446 §4.2.1: supported_versions naming a version before TLS 1.3 is illegal_parameter. */
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.version = MOAT_TLS12;
	client_rejects_server_hello(&o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(client_server_hello_extensions);
ATF_TC_BODY(client_server_hello_extensions, tc)
{
	/* RFC 8446 §4.2: an extension we did not offer is unsupported_extension; one not allowed in ServerHello illegal_parameter. */
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.extra_ext = ext_unknown;
	o.extra_ext_len = sizeof(ext_unknown);
	client_rejects_server_hello(&o, MOAT_ERR_UNSUPPORTED_EXTENSION, MOAT_ALERT_UNSUPPORTED_EXTENSION);
	o.extra_ext = ext_server_name_ack;
	o.extra_ext_len = sizeof(ext_server_name_ack);
	client_rejects_server_hello(&o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

/*
 * Our client offering a session (one ticket, a SHA-256 suite): the
 * scripted server's answer to it. The session is made up: the scripted
 * server knows no PSK, so only what our client checks before the key
 * schedule can be tried.
 */
static struct sp_fixture *client_offering_psk(uint16_t suite)
{
	struct sp_fixture *f = sp_new(MOAT_CLIENT, NULL);
	struct moat_session_state st;
	memset(&st, 0, sizeof(st));
	st.version = MOAT_TLS13;
	st.cipher_suite = suite;
	st.issue_time_ns = moat_clock_wall_ns();
	st.lifetime = 3600;
	st.psk_len = moat_hash_len(moat_cipher_suite_find(suite)->prf_hash);
	strcpy(st.server_name, "localhost");
	uint8_t mem[512];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	static const uint8_t ticket[] = { 't', 'i', 'c', 'k', 'e', 't' };
	EXPECT_OK(moat_buf_put_u8(&b, 1));
	EXPECT_OK(moat_buf_put_prefixed(&b, 2, ticket, sizeof(ticket)));
	EXPECT_OK(moat_session_state_encode(&st, &b));
	EXPECT_OK(moat_connection_set_session(f->conn, b.data, b.len));
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	return f;
}

ATF_TC_WITHOUT_HEAD(client_psk_selected_identity_out_of_range);
ATF_TC_BODY(client_psk_selected_identity_out_of_range, tc)
{
	/* §4.2.11: "Clients MUST verify that the server's selected_identity is within the range supplied". */
	static const uint8_t ext_psk_selected_1[] = { 0x00, 0x29, 0x00, 0x02, 0x00, 0x01 };
	struct sp_fixture *f = client_offering_psk(MOAT_TLS_AES_128_GCM_SHA256);
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.extra_ext = ext_psk_selected_1;
	o.extra_ext_len = sizeof(ext_psk_selected_1);
	sp_server_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_psk_other_hash);
ATF_TC_BODY(client_psk_other_hash, tc)
{
	/* §4.2.11: "... and that the server selected a cipher suite indicating a Hash associated with the PSK". */
	static const uint8_t ext_psk_selected_0[] = { 0x00, 0x29, 0x00, 0x02, 0x00, 0x00 };
	struct sp_fixture *f = client_offering_psk(MOAT_TLS_AES_256_GCM_SHA384);
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.extra_ext = ext_psk_selected_0;
	o.extra_ext_len = sizeof(ext_psk_selected_0);
	sp_server_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_server_share_other_group);
ATF_TC_BODY(client_server_share_other_group, tc)
{
	/* RFC 8446 §4.2.8: the server's share is in the group of a share we sent. */
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.key_share_group = MOAT_GROUP_SECP256R1;
	client_rejects_server_hello(&o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(client_server_hello_legacy_version_ignored);
ATF_TC_BODY(client_server_hello_legacy_version_ignored, tc)
{
	/* RFC 8446 §4.2.1: with supported_versions present, the client MUST ignore legacy_version. */
	struct sp_fixture *f = client_waiting_for_server_hello();
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.legacy_version = MOAT_TLS10;
	sp_server_send_hello(f, &o);
	ATF_REQUIRE(moat_record_is_protected(&f->peer.rl, true));
	sp_send_ccs(f);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_queue_ee(f, NULL, 0);
	sp_server_queue_certificate(f, false);
	sp_server_queue_certificate_verify(f, SP_CV_GOOD);
	sp_server_queue_finished(f, false);
	sp_server_flush(f);
	sp_server_complete(f);
	sp_free(f);
}

/* ---- HelloRetryRequest ---- */

static void hrr_defaults(struct sp_sh_opts *o, uint16_t group)
{
	static const uint8_t cookie[] = { 'c', 'o', 'o', 'k', 'i', 'e' };
	sp_sh_defaults(o);
	o->hrr = true;
	o->key_share_group = group;
	o->cookie = cookie;
	o->cookie_len = sizeof(cookie);
}

ATF_TC_WITHOUT_HEAD(client_hrr_for_group_already_sent);
ATF_TC_BODY(client_hrr_for_group_already_sent, tc)
{
	/* RFC 8446 §4.2.8: the group must be one we listed and not one we sent a share for. */
	struct sp_sh_opts o;
	hrr_defaults(&o, MOAT_GROUP_X25519);
	client_rejects_server_hello(&o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	/* A group we can compute with, but one the default policy does not list. */
	hrr_defaults(&o, MOAT_GROUP_FFDHE2048);
	client_rejects_server_hello(&o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(client_hrr_changing_nothing);
ATF_TC_BODY(client_hrr_changing_nothing, tc)
{
	/* RFC 8446 §4.1.4: a HelloRetryRequest that would not change the ClientHello is illegal_parameter. */
	struct sp_sh_opts o;
	hrr_defaults(&o, 0);
	o.cookie = NULL;
	o.cookie_len = 0;
	client_rejects_server_hello(&o, MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
}

/* Our client has answered a HelloRetryRequest for P-256 with its second ClientHello. */
static struct sp_fixture *client_after_hrr(void)
{
	struct sp_fixture *f = client_waiting_for_server_hello();
	struct sp_sh_opts o;
	hrr_defaults(&o, MOAT_GROUP_SECP256R1);
	sp_server_send_hello(f, &o);
	sp_send_ccs(f);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	ATF_REQUIRE_EQ(f->peer.group, MOAT_GROUP_SECP256R1);
	return f;
}

/*
 * RFC 8446 §4.2.8.1, RFC 7919 §5.1 from our client's side: a server asks
 * for ffdhe2048 with a HelloRetryRequest, our client sends that share, and
 * the ServerHello's Y must be 1 < Y < p-1 and exactly 256 bytes (p-1 and
 * p themselves are refused in tests/crypto/kex_test.c, which knows p).
 */
static struct sp_fixture *client_after_hrr_for_ffdhe2048(void)
{
	struct sp_fixture *f = sp_new(MOAT_CLIENT, "default_tls13_ffdhe");
	struct sp_sh_opts o;
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	ATF_REQUIRE_EQ(f->peer.group, MOAT_GROUP_X25519);
	hrr_defaults(&o, MOAT_GROUP_FFDHE2048);
	sp_server_send_hello(f, &o);
	sp_send_ccs(f);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	ATF_REQUIRE_EQ(f->peer.group, MOAT_GROUP_FFDHE2048);
	ATF_REQUIRE_EQ(f->peer.their_share_len, 256);
	return f;
}

ATF_TC_WITHOUT_HEAD(client_ffdhe_share_out_of_range);
ATF_TC_BODY(client_ffdhe_share_out_of_range, tc)
{
	uint8_t y[257];
	struct sp_sh_opts o;
	static const struct {
		uint8_t fill, last;
		size_t len;
	} bad[] = {
		{ 0x00, 0x00, 256 }, /* 0 */
		{ 0x00, 0x01, 256 }, /* 1 */
		{ 0xff, 0xff, 256 }, /* above p */
		{ 0x00, 0x02, 255 }, /* 2, not padded */
		{ 0x00, 0x02, 257 }, /* 2, padded too far */
	};
	for (size_t i = 0; i < COUNT(bad); i++) {
		struct sp_fixture *f = client_after_hrr_for_ffdhe2048();
		memset(y, bad[i].fill, sizeof(y));
		y[bad[i].len - 1] = bad[i].last;
		sp_sh_defaults(&o);
		o.key_share_group = MOAT_GROUP_FFDHE2048;
		o.share = y;
		o.share_len = bad[i].len;
		sp_server_send_hello(f, &o);
		sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
		sp_free(f);
	}

	/* The positive control: Y = 2 is taken, and our client waits for the encrypted flight. */
	struct sp_fixture *f = client_after_hrr_for_ffdhe2048();
	memset(y, 0, sizeof(y));
	y[255] = 2;
	sp_sh_defaults(&o);
	o.key_share_group = MOAT_GROUP_FFDHE2048;
	o.share = y;
	o.share_len = 256;
	sp_server_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_two_hrrs);
ATF_TC_BODY(client_two_hrrs, tc)
{
	/* RFC 8446 §4.1.4: a second HelloRetryRequest is unexpected_message. */
	struct sp_fixture *f = client_after_hrr();
	struct sp_sh_opts o;
	hrr_defaults(&o, MOAT_GROUP_SECP384R1);
	sp_server_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_server_hello_after_hrr);
ATF_TC_BODY(client_server_hello_after_hrr, tc)
{
	/* RFC 8446 §4.1.4, §4.2.8: the ServerHello keeps the HelloRetryRequest's suite and group. */
	struct sp_fixture *f = client_after_hrr();
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.key_share_group = MOAT_GROUP_SECP256R1;
	o.suite = MOAT_TLS_AES_256_GCM_SHA384;
	sp_server_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	sp_free(f);

	f = client_after_hrr();
	sp_sh_defaults(&o);
	o.key_share_group = MOAT_GROUP_SECP384R1;
	sp_server_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	sp_free(f);
}

/* ---- the encrypted flight ---- */

/* Our client has the ServerHello and the handshake keys: the rest of the flight comes next. */
static struct sp_fixture *client_after_server_hello(void)
{
	struct sp_fixture *f = client_waiting_for_server_hello();
	sp_server_hello_ok(f);
	return f;
}

static void client_rejects_ee(const uint8_t *ext, size_t ext_len, int err, uint8_t alert)
{
	struct sp_fixture *f = client_after_server_hello();
	sp_server_queue_ee(f, ext, ext_len);
	sp_server_flush(f);
	sp_expect_fatal(f, sp_negotiate(f), err, alert);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_unsolicited_encrypted_extension);
ATF_TC_BODY(client_unsolicited_encrypted_extension, tc)
{
	/* RFC 8446 §4.2: a response to an extension we did not send is unsupported_extension. We offer no ALPN here. */
	client_rejects_ee(ext_alpn_h2, sizeof(ext_alpn_h2), MOAT_ERR_UNSUPPORTED_EXTENSION,
			  MOAT_ALERT_UNSUPPORTED_EXTENSION);
	client_rejects_ee(ext_unknown, sizeof(ext_unknown), MOAT_ERR_UNSUPPORTED_EXTENSION,
			  MOAT_ALERT_UNSUPPORTED_EXTENSION);
	/* RFC 8446 §4.2: a known extension in a message it is not allowed in is illegal_parameter. */
	client_rejects_ee(ext_key_share_x25519_empty, sizeof(ext_key_share_x25519_empty), MOAT_ERR_ILLEGAL_PARAMETER,
			  MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(client_ccs_not_one);
ATF_TC_BODY(client_ccs_not_one, tc)
{
	/* RFC 8446 §5: a change_cipher_spec other than 0x01 is unexpected_message, under our client's handshake keys. */
	static const uint8_t two = 0x02;
	struct sp_fixture *f = client_waiting_for_server_hello();
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	sp_server_send_hello(f, &o);
	sp_send_record(f, MOAT_CT_CHANGE_CIPHER_SPEC, &two, 1);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_empty_server_certificate);
ATF_TC_BODY(client_empty_server_certificate, tc)
{
	/* RFC 8446 §4.4.2.4: an empty server Certificate is decode_error. */
	struct sp_fixture *f = client_after_server_hello();
	sp_server_queue_ee(f, NULL, 0);
	sp_server_queue_certificate(f, true);
	sp_server_flush(f);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_DECODE, MOAT_ALERT_DECODE_ERROR);
	sp_free(f);
}

static void client_rejects_certificate_verify(sp_cv_kind kind)
{
	struct sp_fixture *f = client_after_server_hello();
	sp_server_queue_ee(f, NULL, 0);
	sp_server_queue_certificate(f, false);
	sp_server_queue_certificate_verify(f, kind);
	sp_server_flush(f);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_DECRYPT_ERROR, MOAT_ALERT_DECRYPT_ERROR);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_bad_certificate_verify);
ATF_TC_BODY(client_bad_certificate_verify, tc)
{
	/* RFC 8446 §4.4.3: a signature that does not verify is decrypt_error: a changed one, or one over the client's context string. */
	client_rejects_certificate_verify(SP_CV_FLIPPED);
	client_rejects_certificate_verify(SP_CV_CLIENT_CONTEXT);
}

ATF_TC_WITHOUT_HEAD(client_bad_server_finished);
ATF_TC_BODY(client_bad_server_finished, tc)
{
	/* RFC 8446 §4.4.4: a Finished that does not verify is decrypt_error. */
	struct sp_fixture *f = client_after_server_hello();
	sp_server_queue_ee(f, NULL, 0);
	sp_server_queue_certificate(f, false);
	sp_server_queue_certificate_verify(f, SP_CV_GOOD);
	sp_server_queue_finished(f, true);
	sp_server_flush(f);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_DECRYPT_ERROR, MOAT_ALERT_DECRYPT_ERROR);
	sp_free(f);

	/* verify_data of the wrong length cannot be parsed: decode_error. */
	static const uint8_t short_fin[MOAT_HS_HEADER_LEN + 31] = { MOAT_HS_FINISHED, 0, 0, 31 };
	f = client_after_server_hello();
	sp_server_queue_ee(f, NULL, 0);
	sp_server_queue_certificate(f, false);
	sp_server_queue_certificate_verify(f, SP_CV_GOOD);
	sp_server_queue(f, short_fin, sizeof(short_fin));
	sp_server_flush(f);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_DECODE, MOAT_ALERT_DECODE_ERROR);
	sp_free(f);
}

/* ---- after the handshake ---- */

/* After a completed handshake, one hostile record from the server ends the connection at moat_recv. */
static void client_rejects_after_handshake(uint8_t type, const uint8_t *data, size_t len, int err, uint8_t alert)
{
	struct sp_fixture *f = sp_new(MOAT_CLIENT, NULL);
	uint8_t buf[16];
	size_t got;
	sp_server_handshake(f);
	sp_send_record(f, type, data, len);
	sp_expect_fatal(f, sp_recv(f, buf, sizeof(buf), &got), err, alert);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_post_handshake_certificate_request);
ATF_TC_BODY(client_post_handshake_certificate_request, tc)
{
	/* RFC 8446 §4.6.2: we never offer post_handshake_auth, so a CertificateRequest is unexpected_message. */
	static const uint16_t schemes[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256 };
	static const uint8_t context[] = { 0x2a };
	uint8_t ext_mem[64], msg_mem[128];
	struct moat_buf ext, msg;
	moat_buf_init_fixed(&ext, ext_mem, sizeof(ext_mem));
	moat_buf_init_fixed(&msg, msg_mem, sizeof(msg_mem));
	EXPECT_OK(moat_ext_write_u16_list(&ext, MOAT_EXT_SIGNATURE_ALGORITHMS, schemes, COUNT(schemes)));
	EXPECT_OK(moat_certificate_request_encode(&msg, context, sizeof(context), ext.data, ext.len));
	client_rejects_after_handshake(MOAT_CT_HANDSHAKE, msg.data, msg.len, MOAT_ERR_UNEXPECTED_MESSAGE,
				       MOAT_ALERT_UNEXPECTED_MESSAGE);
}

ATF_TC_WITHOUT_HEAD(client_key_update_bad_value);
ATF_TC_BODY(client_key_update_bad_value, tc)
{
	/* RFC 8446 §4.6.3: request_update other than 0 or 1 is illegal_parameter. */
	static const uint8_t ku[] = { MOAT_HS_KEY_UPDATE, 0, 0, 1, 2 };
	client_rejects_after_handshake(MOAT_CT_HANDSHAKE, ku, sizeof(ku), MOAT_ERR_ILLEGAL_PARAMETER,
				       MOAT_ALERT_ILLEGAL_PARAMETER);
}

ATF_TC_WITHOUT_HEAD(client_key_update_not_at_record_end);
ATF_TC_BODY(client_key_update_not_at_record_end, tc)
{
	/* RFC 8446 §5.1: KeyUpdate precedes a key change, so it must end its record; else unexpected_message. */
	static const uint8_t two_updates[] = { MOAT_HS_KEY_UPDATE, 0, 0, 1, 0, MOAT_HS_KEY_UPDATE, 0, 0, 1, 0 };
	client_rejects_after_handshake(MOAT_CT_HANDSHAKE, two_updates, sizeof(two_updates),
				       MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
}

ATF_TC_WITHOUT_HEAD(client_ccs_after_handshake);
ATF_TC_BODY(client_ccs_after_handshake, tc)
{
	/* RFC 8446 §5: change_cipher_spec after the peer's Finished is an unexpected record type. */
	static const uint8_t one = 0x01;
	client_rejects_after_handshake(MOAT_CT_CHANGE_CIPHER_SPEC, &one, 1, MOAT_ERR_UNEXPECTED_MESSAGE,
				       MOAT_ALERT_UNEXPECTED_MESSAGE);
}

ATF_TC_WITHOUT_HEAD(client_record_version);
ATF_TC_BODY(client_record_version, tc)
{
	/* RFC 8446 §5.1: only the first ClientHello's record may say 0x0301; our client's alert must say 0x0303. */
	struct sp_fixture *f = client_waiting_for_server_hello();
	ATF_REQUIRE(f->peer.last_record_version == MOAT_TLS10 || f->peer.last_record_version == MOAT_TLS12);
	struct sp_sh_opts o;
	sp_sh_defaults(&o);
	o.bad_session_id = true;
	sp_server_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	ATF_REQUIRE_EQ_MSG(f->peer.last_record_version, MOAT_TLS12, "alert record version 0x%04x",
			   f->peer.last_record_version);
	sp_free(f);
}

/* ---- TLS 1.2 server (RFC 5246 §7.3, RFC 8422, RFC 7627, RFC 5746, RFC 7507) ---- */

/*
 * A TLS 1.2 client written out here over the library's own primitives: a
 * ClientHello without supported_versions, offering one ECDHE_ECDSA suite
 * and the extensions a TLS 1.2 server requires (extended_master_secret,
 * renegotiation_info), then the ClientKeyExchange, ChangeCipherSpec and
 * Finished, each of which a case may change.
 */
static const uint8_t ext12_ems[] = { 0x00, 0x17, 0x00, 0x00 };
static const uint8_t ext12_reneg[] = { 0xff, 0x01, 0x00, 0x01, 0x00 };
static const uint8_t ext12_point_formats[] = { 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00 };

struct c12 {
	struct moat_hash transcript;
	struct moat_buf raw;             /* the messages themselves, for a CertificateVerify */
	bool got_cr;
	uint8_t server_random[MOAT_RANDOM_LEN];
	uint16_t group;
	/* ECDHE: the server's point; DHE: its dh_Ys, padded to the size of p. */
	uint8_t server_point[MOAT_KEX_MAX_SHARE_LEN];
	size_t server_point_len;
	uint8_t master[MOAT_PRF_MASTER_SECRET_LEN];
	const struct moat_cipher_suite *suite;
	enum moat_kx12 kx;
	uint16_t version;                /* the version the client offers, and gets */
	uint16_t rsa_version;            /* RSA: the premaster's first two bytes (0: ClientHello.client_version) */
	uint16_t ske_scheme;             /* the scheme the ServerKeyExchange was verified with */
};

/*
 * What a case changes about the client: the suite it offers (one), the
 * policy of our server, and the groups it lists. A DHE or RSA suite gives
 * our server an RSA certificate beside its P-256 one (c12_rsa_cert), and
 * RSA key transport a decrypting async callback (c12_decrypt_cb).
 */
struct c12_params {
	uint16_t suite;
	const char *policy;
	const uint16_t *groups;
	size_t n_groups;
	uint16_t version; /* legacy_version, the highest the client offers; 0: TLS 1.2 */
};
static const uint16_t c12_p256[] = { MOAT_GROUP_SECP256R1 };
static const struct c12_params c12_ecdhe = { 0xc02b, NULL, c12_p256, 1, 0 };

static void c12_add(struct c12 *c, const uint8_t *msg, size_t len)
{
	EXPECT_OK(moat_hash_update(&c->transcript, msg, len));
	EXPECT_OK(moat_buf_put_bytes(&c->raw, msg, len));
}

static void c12_free(struct c12 *c)
{
	moat_hash_free(&c->transcript);
	moat_buf_free(&c->raw);
}

static void c12_hello_opts_for(struct sp_ch_opts *o, const struct c12_params *cp, uint16_t *suite, uint8_t *ext,
			       size_t *ext_len, bool ems, bool reneg)
{
	/* Both families' SHA-256 schemes: an RSA certificate signs with rsa_pkcs1_sha256 in TLS 1.2. */
	static const uint16_t sig_algs[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_RSA_PKCS1_SHA256 };
	sp_ch_defaults(o);
	*suite = cp->suite;
	o->no_supported_versions = true;
	o->no_key_share = true;
	o->suites = suite;
	o->n_suites = 1;
	o->groups = cp->groups;
	o->n_groups = cp->n_groups;
	o->no_supported_groups = cp->n_groups == 0;
	o->sig_algs = sig_algs;
	o->n_sig_algs = COUNT(sig_algs);
	if (cp->version != 0)
		o->legacy_version = cp->version;
	*ext_len = 0;
	if (ems) {
		memcpy(ext + *ext_len, ext12_ems, sizeof(ext12_ems));
		*ext_len += sizeof(ext12_ems);
	}
	if (reneg) {
		memcpy(ext + *ext_len, ext12_reneg, sizeof(ext12_reneg));
		*ext_len += sizeof(ext12_reneg);
	}
	memcpy(ext + *ext_len, ext12_point_formats, sizeof(ext12_point_formats));
	*ext_len += sizeof(ext12_point_formats);
	o->extra_ext = ext;
	o->extra_ext_len = *ext_len;
}

/* ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 on P-256: the cases that change something else. */
static void c12_hello_opts(struct sp_ch_opts *o, uint8_t *ext, size_t *ext_len, bool ems, bool reneg)
{
	static uint16_t suite;
	c12_hello_opts_for(o, &c12_ecdhe, &suite, ext, ext_len, ems, reneg);
}

/* An RSA certificate for our server, freed after the fixture (c12_done): the config holds it until then. */
static struct moat_cert_chain_and_key *c12_rsa_cert;
static struct test_pki c12_rsa_pki;
/* What the RSA certificate's key may do (key_caps.h); the key-caps cases restrict it. */
static uint32_t c12_rsa_caps = MOAT_KEY_CAPS_ALL;
/* The server takes max_fragment_length (moat_config_accept_max_fragment_length); the MFL case sets it. */
static bool c12_accept_mfl;
/* The client sends no signature_algorithms (RFC 5246 §7.4.1.4.1); the SHA-1 defaults cases set it. */
static bool c12_no_sig_algs;
/* A policy object for the server instead of the named one; the SHA-1 defaults cases set it. */
static const struct moat_security_policy *c12_policy;

static void c12_add_rsa_cert(struct sp_fixture *f)
{
	test_pki_make(&c12_rsa_pki, TEST_KEY_RSA2048);
	c12_rsa_cert = moat_cert_chain_and_key_new();
	ATF_REQUIRE(c12_rsa_cert != NULL);
	EXPECT_OK(moat_cert_chain_and_key_load_pem_bytes(
		c12_rsa_cert, (const uint8_t *)c12_rsa_pki.chain_pem, (uint32_t)strlen(c12_rsa_pki.chain_pem),
		(const uint8_t *)c12_rsa_pki.key_pem, (uint32_t)strlen(c12_rsa_pki.key_pem)));
	EXPECT_OK(moat_cert_chain_and_key_set_key_caps(c12_rsa_cert, c12_rsa_caps));
	EXPECT_OK(moat_config_add_cert_chain_and_key_to_store(f->cfg, c12_rsa_cert));
}

/*
 * What moat-keyd does for RSA_DECRYPT, in the test: the PKCS#1 v1.5
 * plaintext when it is 48 bytes, else 48 bytes that depend only on the
 * ciphertext (a hash of it here; keyd keys its derivation). Counted, so a
 * case can tell the decryption ran.
 */
static int c12_decryptions;

static int c12_decrypt_cb(struct moat_connection *conn, struct moat_async_pkey_op *op)
{
	/* libcrypto wants room for a whole modulus of plaintext. */
	uint8_t in[1024], out[512], digest[MOAT_HASH_MAX_DIGEST_LEN];
	uint32_t len = 0;
	size_t out_len = sizeof(out);
	c12_decryptions++;
	EXPECT_OK(moat_async_pkey_op_get_input_size(op, &len));
	ATF_REQUIRE(len <= sizeof(in));
	EXPECT_OK(moat_async_pkey_op_get_input(op, in, len));
	if (test_rsa_pkcs1_decrypt(c12_rsa_pki.key_pem, in, len, out, &out_len) != 0 ||
	    out_len != MOAT_TLS12_PREMASTER_LEN) {
		EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA512, in, len, digest));
		memcpy(out, digest, MOAT_TLS12_PREMASTER_LEN);
	}
	EXPECT_OK(moat_async_pkey_op_set_output(op, out, MOAT_TLS12_PREMASTER_LEN));
	EXPECT_OK(moat_async_pkey_op_apply(op, conn));
	EXPECT_OK(moat_async_pkey_op_free(op));
	moat_wipe(out, sizeof(out));
	return 0;
}

static void c12_done(struct c12 *c, struct sp_fixture *f)
{
	c12_free(c);
	sp_free(f);
	EXPECT_OK(moat_cert_chain_and_key_free(c12_rsa_cert));
	c12_rsa_cert = NULL;
	test_pki_free(&c12_rsa_pki);
	memset(&c12_rsa_pki, 0, sizeof(c12_rsa_pki));
}

/*
 * Send the ClientHello (with more extensions, raw, if more_ext) and read the
 * server's flight up to ServerHelloDone; auth: the server's client_auth.
 */
/* The server's ServerKeyExchange, its signature checked over the content keyd would sign. */
static void c12_read_ske(struct sp_fixture *f, struct c12 *c, struct moat_cursor body)
{
	struct moat_server_key_exchange ske;
	const struct moat_pkey *key = &(c->suite->auth == MOAT_AUTH_RSA ? c12_rsa_cert : f->ck)->chain.leaf_key;
	uint8_t content[MOAT_SKE_DH_CONTENT_MAX];
	struct moat_buf cb;
	moat_buf_init_fixed(&cb, content, sizeof(content));
	EXPECT_OK(moat_server_key_exchange_decode(body, c->version, c->kx, &ske));
	if (c->kx == MOAT_KX12_DHE) {
		/* RFC 7919 §4: one of the RFC's groups, named by its prime; dh_Ys minimal (RFC 5246 §8.1.2). */
		size_t p_len = moat_cursor_remaining(&ske.dh_p), ys_len = moat_cursor_remaining(&ske.dh_ys);
		c->group = p_len == 256 ? MOAT_GROUP_FFDHE2048 : MOAT_GROUP_FFDHE3072;
		uint8_t p[MOAT_KEX_MAX_SHARE_LEN];
		ATF_REQUIRE(p_len == moat_kex_share_len(c->group) && ys_len <= p_len);
		EXPECT_OK(moat_kex_ffdhe_prime(c->group, p, p_len));
		ATF_REQUIRE(memcmp(p, moat_cursor_data(&ske.dh_p), p_len) == 0);
		ATF_REQUIRE(moat_cursor_remaining(&ske.dh_g) == 1 && moat_cursor_data(&ske.dh_g)[0] == 2);
		ATF_REQUIRE(moat_cursor_data(&ske.dh_ys)[0] != 0);
		memset(c->server_point, 0, p_len - ys_len);
		memcpy(c->server_point + p_len - ys_len, moat_cursor_data(&ske.dh_ys), ys_len);
		c->server_point_len = p_len;
		EXPECT_OK(moat_ske_dh_content_build(f->peer.random, c->server_random, c->group, c->server_point, p_len,
						    &cb));
	} else {
		c->group = ske.group;
		c->server_point_len = moat_cursor_remaining(&ske.point);
		ATF_REQUIRE(c->server_point_len <= MOAT_KEX_MAX_EC_SHARE_LEN);
		memcpy(c->server_point, moat_cursor_data(&ske.point), c->server_point_len);
		EXPECT_OK(moat_ske_ecdh_content_build(f->peer.random, c->server_random, c->group, c->server_point,
						      c->server_point_len, &cb));
	}
	/* TLS 1.0/1.1 name no scheme: the key's says how it signed (RFC 4346 §7.4.3). */
	uint16_t scheme = ske.sig.scheme;
	if (c->version < MOAT_TLS12)
		scheme = key->type == MOAT_KEY_RSA ? MOAT_SIG_LEGACY_RSA_MD5_SHA1 : MOAT_SIG_LEGACY_ECDSA_SHA1;
	EXPECT_OK(moat_sig_verify(key, scheme, cb.data, cb.len, moat_cursor_data(&ske.sig.signature),
				  moat_cursor_remaining(&ske.sig.signature)));
	c->ske_scheme = scheme;
}

/*
 * Send the ClientHello (with more extensions, raw, if more_ext) and read the
 * server's flight up to ServerHelloDone; auth: the server's client_auth.
 */
static struct sp_fixture *c12_begin(struct c12 *c, const struct c12_params *cp, moat_cert_auth_type auth,
				    const uint8_t *more_ext, size_t more_len)
{
	struct sp_fixture *f = sp_new(MOAT_SERVER, cp->policy);
	if (auth != MOAT_CERT_AUTH_NONE) {
		EXPECT_OK(moat_config_set_client_auth_type(f->cfg, auth));
		EXPECT_OK(moat_config_wipe_trust_store(f->cfg));
		EXPECT_OK(moat_config_add_pem_to_trust_store(f->cfg, f->pki.ca_pem));
	}
	if (c12_accept_mfl)
		EXPECT_OK(moat_config_accept_max_fragment_length(f->cfg));
	if (c12_policy != NULL)
		EXPECT_OK(moat_config_set_security_policy(f->cfg, c12_policy));
	memset(c, 0, sizeof(*c));
	c->version = cp->version != 0 ? cp->version : MOAT_TLS12;
	c->suite = moat_cipher_suite_find(cp->suite);
	ATF_REQUIRE(c->suite != NULL);
	c->kx = c->suite->kx == MOAT_KX_DHE ? MOAT_KX12_DHE : c->suite->kx == MOAT_KX_RSA ? MOAT_KX12_RSA
											  : MOAT_KX12_ECDHE;
	if (c->suite->auth == MOAT_AUTH_RSA)
		c12_add_rsa_cert(f);
	if (c->kx == MOAT_KX12_RSA)
		EXPECT_OK(moat_config_set_async_pkey_callback(f->cfg, c12_decrypt_cb));
	moat_buf_init(&c->raw, 4096);
	struct sp_ch_opts o;
	uint8_t ext[64];
	size_t ext_len;
	uint16_t suite;
	c12_hello_opts_for(&o, cp, &suite, ext, &ext_len, true, true);
	if (c12_no_sig_algs) {
		o.sig_algs = NULL;
		o.n_sig_algs = 0;
		o.no_signature_algorithms = true;
	}
	ATF_REQUIRE(ext_len + more_len <= sizeof(ext));
	if (more_len > 0)
		memcpy(ext + ext_len, more_ext, more_len);
	o.extra_ext_len = ext_len + more_len;
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	EXPECT_OK(moat_hash_init(&c->transcript, c->version == MOAT_TLS12 ? c->suite->prf_hash : MOAT_HASH_MD5_SHA1));
	c12_add(c, f->peer.ch.data, f->peer.ch.len);
	/* RFC 5246 §7.3: no ServerKeyExchange for RSA key transport; CertificateRequest only when asked for. */
	uint8_t want[5];
	size_t n_want = 0;
	want[n_want++] = MOAT_HS_SERVER_HELLO;
	want[n_want++] = MOAT_HS_CERTIFICATE;
	if (c->kx != MOAT_KX12_RSA)
		want[n_want++] = MOAT_HS_SERVER_KEY_EXCHANGE;
	if (auth != MOAT_CERT_AUTH_NONE)
		want[n_want++] = MOAT_HS_CERTIFICATE_REQUEST;
	want[n_want++] = MOAT_HS_SERVER_HELLO_DONE;
	for (size_t i = 0; i < n_want; i++) {
		uint8_t type;
		const uint8_t *msg;
		size_t len;
		sp_next_handshake_message(f, &type, &msg, &len);
		ATF_REQUIRE_EQ_MSG(type, want[i], "message %zu of the flight", i);
		c12_add(c, msg, len);
		struct moat_cursor body;
		moat_cursor_init(&body, msg + MOAT_HS_HEADER_LEN, len - MOAT_HS_HEADER_LEN);
		if (type == MOAT_HS_SERVER_HELLO) {
			struct moat_server_hello sh;
			EXPECT_OK(moat_server_hello_decode(body, &sh));
			ATF_REQUIRE_EQ(sh.cipher_suite, cp->suite);
			memcpy(c->server_random, sh.random, MOAT_RANDOM_LEN);
			/* RFC 8446 §4.1.3: our server speaks TLS 1.3 too, so it marks the downgrade. */
			EXPECT_OK(moat_downgrade_sentinel_check(sh.random, c->version, c->version));
			if (cp->policy == NULL)
				ATF_REQUIRE(memcmp(sh.random + 24, moat_downgrade_tls12, 8) == 0);
			ATF_REQUIRE(moat_ext_present(&sh.ext, MOAT_EXTI_EXTENDED_MASTER_SECRET));
			ATF_REQUIRE(moat_ext_present(&sh.ext, MOAT_EXTI_RENEGOTIATION_INFO));
		} else if (type == MOAT_HS_SERVER_KEY_EXCHANGE) {
			c12_read_ske(f, c, body);
		}
	}
	return f;
}

static struct sp_fixture *c12_start_with(struct c12 *c, moat_cert_auth_type auth, const uint8_t *more_ext,
					 size_t more_len)
{
	struct sp_fixture *f = c12_begin(c, &c12_ecdhe, auth, more_ext, more_len);
	ATF_REQUIRE_EQ(c->group, MOAT_GROUP_SECP256R1);
	return f;
}

static struct sp_fixture *c12_start_auth(struct c12 *c, moat_cert_auth_type auth)
{
	return c12_start_with(c, auth, NULL, 0);
}

static struct sp_fixture *c12_start(struct c12 *c)
{
	return c12_start_with(c, MOAT_CERT_AUTH_NONE, NULL, 0);
}

/* The client's Certificate: the fixture's own P-256 chain (its CA is trusted), or none. */
static void c12_send_certificate(struct sp_fixture *f, struct c12 *c, bool empty)
{
	const struct moat_cert_chain *chain = &f->ck->chain;
	struct moat_buf msg;
	moat_buf_init(&msg, 8192);
	EXPECT_OK(moat_certificate12_encode(&msg, (const uint8_t *const *)chain->der, chain->der_len,
					    empty ? 0 : chain->count));
	c12_add(c, msg.data, msg.len);
	sp_send_handshake(f, msg.data, msg.len);
	moat_buf_free(&msg);
}

/* RFC 5246 §7.4.8: ecdsa_secp256r1_sha256 over the messages so far. */
static void c12_send_certificate_verify(struct sp_fixture *f, struct c12 *c, bool corrupt)
{
	uint8_t sig[MOAT_MAX_SIG_LEN];
	size_t sig_len = sizeof(sig);
	EXPECT_OK(moat_sig_sign(&f->ck->private_key, MOAT_SIG_ECDSA_SECP256R1_SHA256, c->raw.data, c->raw.len, sig,
				&sig_len));
	if (corrupt)
		sig[sig_len / 2] ^= 0x01;
	struct moat_buf msg;
	moat_buf_init(&msg, sig_len + 16);
	EXPECT_OK(moat_certificate_verify12_encode(&msg, MOAT_TLS12, MOAT_SIG_ECDSA_SECP256R1_SHA256, sig, sig_len));
	c12_add(c, msg.data, msg.len);
	sp_send_handshake(f, msg.data, msg.len);
	moat_buf_free(&msg);
}

/* Leading zero bytes off, at least one byte left: TLS integers are minimal (RFC 5246 §8.1.2). */
static size_t c12_zeros(const uint8_t *v, size_t len)
{
	size_t i = 0;
	while (i + 1 < len && v[i] == 0)
		i++;
	return i;
}

/*
 * The client's exchange value and the premaster it gives: a fresh ECDHE or
 * DHE share, or (RSA) a premaster of c->rsa_version (0: TLS 1.2) and 46
 * random bytes, encrypted to the server's certificate.
 */
static void c12_exchange(struct c12 *c, uint8_t *out, size_t *out_len, uint8_t *pms, size_t *pms_len)
{
	if (c->kx == MOAT_KX12_RSA) {
		uint16_t v = c->rsa_version != 0 ? c->rsa_version : c->version;
		pms[0] = (uint8_t)(v >> 8);
		pms[1] = (uint8_t)v;
		EXPECT_OK(moat_random_bytes(pms + 2, MOAT_TLS12_PREMASTER_LEN - 2));
		*pms_len = MOAT_TLS12_PREMASTER_LEN;
		ATF_REQUIRE(test_rsa_pkcs1_encrypt(c12_rsa_pki.chain_pem, pms, *pms_len, out, out_len) == 0);
		return;
	}
	struct moat_kex kex = { 0 };
	EXPECT_OK(moat_kex_generate(&kex, c->group, out, out_len));
	EXPECT_OK(moat_kex_derive(&kex, c->server_point, c->server_point_len, pms, pms_len));
	moat_kex_free(&kex);
	if (c->kx == MOAT_KX12_DHE) {
		size_t z = c12_zeros(pms, *pms_len), y = c12_zeros(out, *out_len);
		memmove(pms, pms + z, *pms_len - z);
		*pms_len -= z;
		memmove(out, out + y, *out_len - y);
		*out_len -= y;
	}
}

/*
 * The ClientKeyExchange with value (NULL: c12_exchange's), plus extra
 * trailing bytes; derives the master secret from the premaster the client
 * believes in.
 */
static void c12_send_cke(struct sp_fixture *f, struct c12 *c, const uint8_t *point, size_t point_len, size_t extra)
{
	uint8_t share[MOAT_KEX_MAX_SHARE_LEN], pms[MOAT_KEX_MAX_SECRET_LEN];
	size_t share_len = sizeof(share), pms_len = 0;
	c12_exchange(c, share, &share_len, pms, &pms_len);
	if (point == NULL) {
		point = share;
		point_len = share_len;
	}
	struct moat_buf msg;
	moat_buf_init(&msg, MOAT_KEX_MAX_SHARE_LEN + 16);
	EXPECT_OK(moat_client_key_exchange_encode(&msg, c->kx, point, point_len));
	for (size_t i = 0; i < extra; i++)
		EXPECT_OK(moat_buf_put_u8(&msg, 0));
	/* The body length covers the extra bytes: they are inside the message, after the value. */
	size_t body = msg.len - MOAT_HS_HEADER_LEN;
	msg.data[1] = (uint8_t)(body >> 16);
	msg.data[2] = (uint8_t)(body >> 8);
	msg.data[3] = (uint8_t)body;
	c12_add(c, msg.data, msg.len);
	sp_send_handshake(f, msg.data, msg.len);
	moat_buf_free(&msg);
	uint8_t session_hash[MOAT_MAX_HASH_LEN];
	EXPECT_OK(moat_hash_current(&c->transcript, session_hash));
	EXPECT_OK(moat_prf_extended_master_secret(c->version, c->suite->prf_hash, pms, pms_len, session_hash,
						  moat_hash_len(c->transcript.alg), c->master));
	moat_wipe(pms, sizeof(pms));
}

static void c12_set_keys(struct sp_fixture *f, struct c12 *c, bool write)
{
	struct moat_tls12_key_layout l;
	uint8_t block[MOAT_TLS12_MAX_KEY_BLOCK_LEN];
	EXPECT_OK(moat_tls12_key_layout(c->suite, c->version, &l));
	size_t n = moat_tls12_key_block_len(&l);
	EXPECT_OK(moat_prf_key_block(c->version, c->suite->prf_hash, c->master, f->peer.random, c->server_random, block,
				     n));
	EXPECT_OK(moat_record_set_tls12_keys(&f->peer.rl, write, true, c->suite, c->version, block, n));
}

static void c12_send_ccs(struct sp_fixture *f, struct c12 *c)
{
	static const uint8_t one = 1;
	sp_send_record(f, MOAT_CT_CHANGE_CIPHER_SPEC, &one, 1);
	c12_set_keys(f, c, true);
}

static void c12_send_finished(struct sp_fixture *f, struct c12 *c, bool corrupt)
{
	uint8_t hash[MOAT_MAX_HASH_LEN], msg[MOAT_HS_HEADER_LEN + MOAT_TLS12_VERIFY_DATA_LEN] = { 20, 0, 0, 12 };
	EXPECT_OK(moat_hash_current(&c->transcript, hash));
	EXPECT_OK(moat_prf_finished(c->version, c->suite->prf_hash, c->master, true, hash,
				    moat_hash_len(c->transcript.alg), msg + MOAT_HS_HEADER_LEN));
	if (corrupt)
		msg[MOAT_HS_HEADER_LEN + 5] ^= 0x01;
	c12_add(c, msg, sizeof(msg));
	sp_send_record(f, MOAT_CT_HANDSHAKE, msg, sizeof(msg));
}

/* The server's CCS, then its Finished under the new keys, checked. */
static void c12_read_server_finish(struct sp_fixture *f, struct c12 *c)
{
	uint8_t type, hash[MOAT_MAX_HASH_LEN], want[MOAT_TLS12_VERIFY_DATA_LEN];
	const uint8_t *plain;
	size_t len;
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE(type == MOAT_CT_CHANGE_CIPHER_SPEC && len == 1 && plain[0] == 1);
	c12_set_keys(f, c, false);
	EXPECT_OK(moat_hash_current(&c->transcript, hash));
	EXPECT_OK(moat_prf_finished(c->version, c->suite->prf_hash, c->master, false, hash,
				    moat_hash_len(c->transcript.alg), want));
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE(type == MOAT_CT_HANDSHAKE && len == MOAT_HS_HEADER_LEN + sizeof(want) && plain[0] == 20);
	ATF_REQUIRE(memcmp(plain + MOAT_HS_HEADER_LEN, want, sizeof(want)) == 0);
}

static struct sp_fixture *c12_handshake(struct c12 *c)
{
	struct sp_fixture *f = c12_start(c);
	c12_send_cke(f, c, NULL, 0, 0);
	c12_send_ccs(f, c);
	c12_send_finished(f, c, false);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_OK);
	c12_read_server_finish(f, c);
	return f;
}

ATF_TC_WITHOUT_HEAD(tls12_server_control_handshake);
ATF_TC_BODY(tls12_server_control_handshake, tc)
{
	struct c12 c;
	struct sp_fixture *f = c12_handshake(&c);
	ATF_REQUIRE_EQ(moat_connection_get_actual_protocol_version(f->conn), MOAT_TLS12);
	ATF_REQUIRE_STREQ(moat_connection_get_cipher(f->conn), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
	uint8_t buf[16];
	size_t got;
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, "ping", 4);
	SP_REQUIRE_RESULT(sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_OK);
	ATF_REQUIRE(got == 4 && memcmp(buf, "ping", 4) == 0);
	moat_blocked_status blocked;
	ATF_REQUIRE_EQ(moat_send(f->conn, "pong", 4, &blocked), 4);
	uint8_t type;
	const uint8_t *plain;
	size_t len;
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE(type == MOAT_CT_APPLICATION_DATA && len == 4 && memcmp(plain, "pong", 4) == 0);
	/* RFC 5246 §7.2: a warning other than close_notify lets the connection go on. */
	static const uint8_t warning[] = { MOAT_ALERT_LEVEL_WARNING, MOAT_ALERT_USER_CANCELED };
	sp_send_record(f, MOAT_CT_ALERT, warning, sizeof(warning));
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, "more", 4);
	SP_REQUIRE_RESULT(sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_OK);
	ATF_REQUIRE(got == 4 && memcmp(buf, "more", 4) == 0);
	c12_free(&c);
	sp_free(f);
}

/*
 * RFC 6066 §4: max_fragment_length 2^9 (code 1) accepted in TLS 1.2 bounds
 * both directions: our records carry at most 512 bytes, and a client's
 * longer one is record_overflow.
 */
ATF_TC_WITHOUT_HEAD(tls12_server_max_fragment_length);
ATF_TC_BODY(tls12_server_max_fragment_length, tc)
{
	static const uint8_t mfl_512[] = { 0x00, 0x01, 0x00, 0x01, 0x01 };
	struct c12 c;
	c12_accept_mfl = true;
	struct sp_fixture *f = c12_start_with(&c, MOAT_CERT_AUTH_NONE, mfl_512, sizeof(mfl_512));
	c12_accept_mfl = false;
	c12_send_cke(f, &c, NULL, 0, 0);
	c12_send_ccs(f, &c);
	c12_send_finished(f, &c, false);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_OK);
	c12_read_server_finish(f, &c);
	uint8_t big[1000], buf[1024];
	memset(big, 'x', sizeof(big));
	moat_blocked_status blocked;
	ATF_REQUIRE_EQ(moat_send(f->conn, big, sizeof(big), &blocked), (ssize_t)sizeof(big));
	uint8_t type;
	const uint8_t *plain;
	size_t len, got;
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE_EQ_MSG(len, 512, "first record %zu bytes", len);
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE_EQ_MSG(len, 488, "second record %zu bytes", len);
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, big, 512);
	SP_REQUIRE_RESULT(sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_OK);
	ATF_REQUIRE_EQ(got, 512);
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, big, 513);
	sp_expect_fatal(f, sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_RECORD_OVERFLOW, MOAT_ALERT_RECORD_OVERFLOW);
	c12_free(&c);
	sp_free(f);
}

static void c12_rejects_hello(bool ems, bool reneg_bad, bool fallback, int err, uint8_t alert)
{
	static const uint16_t with_scsv[] = { 0xc02b, MOAT_TLS_FALLBACK_SCSV };
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	uint8_t ext[64];
	size_t ext_len;
	c12_hello_opts(&o, ext, &ext_len, ems, !reneg_bad);
	if (reneg_bad) {
		static const uint8_t bad[] = { 0xff, 0x01, 0x00, 0x02, 0x01, 0x00 };
		memcpy(ext + ext_len, bad, sizeof(bad));
		o.extra_ext_len = ext_len + sizeof(bad);
	}
	if (fallback) {
		o.suites = with_scsv;
		o.n_suites = COUNT(with_scsv);
	}
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), err, alert);
	sp_free(f);
}

/*
 * RFC 5246 §7.4.1.4.1: a TLS 1.2 ClientHello without signature_algorithms
 * leaves the server {sha1, rsa} for ECDHE_RSA and {sha1, ecdsa} for
 * ECDHE_ECDSA. RFC 9155 deprecates them; moat signs with them only where the
 * policy lists them ("default" and "default_tls13" do, with the s2n-tls
 * charts' "SHA-1 Legacy") and the key's holder signs SHA-1 (key_caps.h).
 * The whole handshake completes, the ServerKeyExchange verified with SHA-1.
 */
static void c12_sha1_defaults(const struct c12_params *cp, uint16_t want_scheme)
{
	struct c12 c;
	c12_no_sig_algs = true;
	struct sp_fixture *f = c12_begin(&c, cp, MOAT_CERT_AUTH_NONE, NULL, 0);
	c12_no_sig_algs = false;
	ATF_REQUIRE_EQ(c.ske_scheme, want_scheme);
	ATF_REQUIRE_EQ(moat_connection_get_server_sig_scheme(f->conn), want_scheme);
	c12_send_cke(f, &c, NULL, 0, 0);
	c12_send_ccs(f, &c);
	c12_send_finished(f, &c, false);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_OK);
	c12_read_server_finish(f, &c);
	ATF_REQUIRE_EQ(moat_connection_get_actual_protocol_version(f->conn), MOAT_TLS12);
	c12_done(&c, f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_no_signature_algorithms);
ATF_TC_BODY(tls12_server_no_signature_algorithms, tc)
{
	static const struct c12_params rsa = { 0xc02f, "default", c12_p256, 1, 0 };
	c12_sha1_defaults(&rsa, MOAT_SIG_RSA_PKCS1_SHA1);
}

ATF_TC_WITHOUT_HEAD(tls12_server_no_signature_algorithms_ecdsa);
ATF_TC_BODY(tls12_server_no_signature_algorithms_ecdsa, tc)
{
	/* default_tls13 lists ecdsa_sha1 too; the P-256 certificate signs over SHA-1 (RFC 4492 §5.4 shape). */
	c12_sha1_defaults(&c12_ecdhe, MOAT_SIG_ECDSA_SHA1);
}

/* "default" without its two SHA-1 schemes: the policy an operator writes to keep RFC 9155. */
static const uint16_t c12_sigs_no_sha1[] = {
	MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_ECDSA_SECP384R1_SHA384, MOAT_SIG_ECDSA_SECP521R1_SHA512,
	MOAT_SIG_RSA_PKCS1_SHA256,	 MOAT_SIG_RSA_PKCS1_SHA384,	  MOAT_SIG_RSA_PKCS1_SHA512,
};

/* The SHA-1 defaults refused: no suite can sign, so handshake_failure (ECDHE and DHE need a signature). */
static void c12_sha1_defaults_refused(const char *policy, bool no_sha1_policy, uint32_t rsa_caps)
{
	const struct c12_params rsa = { 0xc02f, policy, c12_p256, 1, 0 };
	struct moat_security_policy custom;
	if (no_sha1_policy) {
		custom = *moat_security_policy_find(policy);
		custom.name = "no-sha1";
		custom.sig_schemes = c12_sigs_no_sha1;
		custom.sig_schemes_count = COUNT(c12_sigs_no_sha1);
	}
	struct sp_fixture *f = sp_new(MOAT_SERVER, rsa.policy);
	if (no_sha1_policy)
		EXPECT_OK(moat_config_set_security_policy(f->cfg, &custom));
	c12_rsa_caps = rsa_caps;
	c12_add_rsa_cert(f);
	c12_rsa_caps = MOAT_KEY_CAPS_ALL;
	struct sp_ch_opts o;
	uint8_t ext[64];
	size_t ext_len;
	uint16_t suite;
	c12_hello_opts_for(&o, &rsa, &suite, ext, &ext_len, true, true);
	o.sig_algs = NULL;
	o.n_sig_algs = 0;
	o.no_signature_algorithms = true;
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
	struct c12 c;
	memset(&c, 0, sizeof(c));
	c12_done(&c, f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_no_signature_algorithms_policy_without_sha1);
ATF_TC_BODY(tls12_server_no_signature_algorithms_policy_without_sha1, tc)
{
	c12_sha1_defaults_refused("default", true, MOAT_KEY_CAPS_ALL);
}

ATF_TC_WITHOUT_HEAD(tls12_server_no_signature_algorithms_key_without_sha1);
ATF_TC_BODY(tls12_server_no_signature_algorithms_key_without_sha1, tc)
{
	/* A key whose holder signs TLS 1.2 but not SHA-1 (moat-keyd without "tls10 yes") is not chosen for it. */
	c12_sha1_defaults_refused("default", false, MOAT_KEY_CAP_TLS13 | MOAT_KEY_CAP_TLS12 | MOAT_KEY_CAP_RSA_KX);
}

/*
 * Without the SHA-1 defaults, RSA key transport where the policy lists it
 * and the application decrypts: "20190214" with TLS_RSA_WITH_AES_128_GCM_SHA256.
 */
ATF_TC_WITHOUT_HEAD(tls12_server_no_signature_algorithms_rsa_kx);
ATF_TC_BODY(tls12_server_no_signature_algorithms_rsa_kx, tc)
{
	struct moat_security_policy custom = *moat_security_policy_find("20190214");
	custom.name = "no-sha1";
	custom.sig_schemes = c12_sigs_no_sha1;
	custom.sig_schemes_count = COUNT(c12_sigs_no_sha1);
	static const struct c12_params rsa_kx = { 0x009c, "20190214", c12_p256, 1, 0 };
	struct c12 c;
	c12_policy = &custom;
	c12_no_sig_algs = true;
	struct sp_fixture *f = c12_begin(&c, &rsa_kx, MOAT_CERT_AUTH_NONE, NULL, 0);
	c12_policy = NULL;
	c12_no_sig_algs = false;
	ATF_REQUIRE_EQ(moat_connection_get_server_sig_scheme(f->conn), 0);
	c12_done(&c, f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_no_extended_master_secret);
ATF_TC_BODY(tls12_server_no_extended_master_secret, tc)
{
	/* RFC 7627 §5.2: the server may abort; moat requires the extended master secret. */
	c12_rejects_hello(false, false, false, MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
}

ATF_TC_WITHOUT_HEAD(tls12_server_renegotiation_info_not_empty);
ATF_TC_BODY(tls12_server_renegotiation_info_not_empty, tc)
{
	/* RFC 5746 §3.6: on an initial handshake renegotiated_connection must be empty. */
	c12_rejects_hello(true, true, false, MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
}

ATF_TC_WITHOUT_HEAD(tls12_server_fallback_scsv);
ATF_TC_BODY(tls12_server_fallback_scsv, tc)
{
	/* RFC 7507 §3: a TLS 1.2 client signalling fallback to a server that speaks TLS 1.3. */
	c12_rejects_hello(true, false, true, MOAT_ERR_INAPPROPRIATE_FALLBACK, MOAT_ALERT_INAPPROPRIATE_FALLBACK);
}

/* RFC 5246 §7.4.4-§7.4.8: a client certificate and its CertificateVerify (bad: corrupted), or an empty one. */
static void c12_client_auth(moat_cert_auth_type auth, bool empty, bool bad_cv, int err, uint8_t alert)
{
	struct c12 c;
	struct sp_fixture *f = c12_start_auth(&c, auth);
	c12_send_certificate(f, &c, empty);
	c12_send_cke(f, &c, NULL, 0, 0);
	if (!empty)
		c12_send_certificate_verify(f, &c, bad_cv);
	c12_send_ccs(f, &c);
	c12_send_finished(f, &c, false);
	if (err != MOAT_ERR_OK) {
		sp_expect_fatal(f, sp_negotiate(f), err, alert);
	} else {
		SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_OK);
		c12_read_server_finish(f, &c);
		const uint8_t *der = NULL;
		uint32_t len = 0;
		int rc = moat_connection_get_peer_cert_der(f->conn, &der, &len);
		ATF_REQUIRE_EQ_MSG(rc == MOAT_SUCCESS && len > 0, !empty, "peer certificate: rc %d, %u bytes", rc, len);
	}
	c12_free(&c);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_client_auth);
ATF_TC_BODY(tls12_server_client_auth, tc)
{
	c12_client_auth(MOAT_CERT_AUTH_REQUIRED, false, false, MOAT_ERR_OK, 0);
	c12_client_auth(MOAT_CERT_AUTH_OPTIONAL, true, false, MOAT_ERR_OK, 0);
}

ATF_TC_WITHOUT_HEAD(tls12_server_client_auth_bad_certificate_verify);
ATF_TC_BODY(tls12_server_client_auth_bad_certificate_verify, tc)
{
	c12_client_auth(MOAT_CERT_AUTH_REQUIRED, false, true, MOAT_ERR_DECRYPT_ERROR, MOAT_ALERT_DECRYPT_ERROR);
}

ATF_TC_WITHOUT_HEAD(tls12_server_client_auth_no_certificate);
ATF_TC_BODY(tls12_server_client_auth_no_certificate, tc)
{
	/* §7.4.6: a server that requires one "MAY respond with a fatal handshake_failure alert". */
	c12_client_auth(MOAT_CERT_AUTH_REQUIRED, true, false, MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
}

ATF_TC_WITHOUT_HEAD(tls12_server_ccs_before_client_key_exchange);
ATF_TC_BODY(tls12_server_ccs_before_client_key_exchange, tc)
{
	/* RFC 5246 §7.1: the CCS comes after the ClientKeyExchange; anywhere else it is unexpected. */
	struct c12 c;
	struct sp_fixture *f = c12_start(&c);
	static const uint8_t one = 1;
	sp_send_record(f, MOAT_CT_CHANGE_CIPHER_SPEC, &one, 1);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	c12_free(&c);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_finished_before_ccs);
ATF_TC_BODY(tls12_server_finished_before_ccs, tc)
{
	struct c12 c;
	struct sp_fixture *f = c12_start(&c);
	c12_send_cke(f, &c, NULL, 0, 0);
	c12_send_finished(f, &c, false);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
	c12_free(&c);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_bad_finished);
ATF_TC_BODY(tls12_server_bad_finished, tc)
{
	/* RFC 5246 §7.4.9: verify_data must match; a mismatch is decrypt_error. */
	struct c12 c;
	struct sp_fixture *f = c12_start(&c);
	c12_send_cke(f, &c, NULL, 0, 0);
	c12_send_ccs(f, &c);
	c12_send_finished(f, &c, true);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_DECRYPT_ERROR, MOAT_ALERT_DECRYPT_ERROR);
	c12_free(&c);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_early_data_extension_skips_nothing);
ATF_TC_BODY(tls12_server_early_data_extension_skips_nothing, tc)
{
	/*
	 * A TLS 1.2 ClientHello carrying early_data: 0-RTT is TLS 1.3's
	 * (RFC 8446 §4.2.10), so a record that fails authentication after the
	 * CCS is bad_record_mac, not rejected early data to skip.
	 */
	static const uint8_t early_data[] = { 0x00, 0x2a, 0x00, 0x00 };
	struct c12 c;
	struct sp_fixture *f = c12_start_with(&c, MOAT_CERT_AUTH_NONE, early_data, sizeof(early_data));
	ATF_REQUIRE(f->conn->hs->early_data_offered);
	c12_send_cke(f, &c, NULL, 0, 0);
	c12_send_ccs(f, &c);
	/* A record under keys the server does not have: what 0-RTT data would look like to it. */
	static const uint8_t garbage[5 + 40] = { MOAT_CT_APPLICATION_DATA, 0x03, 0x03, 0x00, 40, 1, 2, 3 };
	sp_send_raw(f, garbage, sizeof(garbage));
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_BAD_RECORD_MAC, MOAT_ALERT_BAD_RECORD_MAC);
	c12_free(&c);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_point_not_on_curve);
ATF_TC_BODY(tls12_server_point_not_on_curve, tc)
{
	/* RFC 8422 §5.7 (and §5.11's validation): an uncompressed P-256 point with x = y = 1 is not on the curve. */
	uint8_t point[65] = { 0x04 };
	point[32] = 1;
	point[64] = 1;
	struct c12 c;
	struct sp_fixture *f = c12_start(&c);
	c12_send_cke(f, &c, point, sizeof(point), 0);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	c12_free(&c);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_client_key_exchange_trailing_bytes);
ATF_TC_BODY(tls12_server_client_key_exchange_trailing_bytes, tc)
{
	struct c12 c;
	struct sp_fixture *f = c12_start(&c);
	c12_send_cke(f, &c, NULL, 0, 1);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_TRAILING_DATA, MOAT_ALERT_DECODE_ERROR);
	c12_free(&c);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_renegotiation_refused);
ATF_TC_BODY(tls12_server_renegotiation_refused, tc)
{
	/* RFC 5246 §7.2.2, RFC 5746: a ClientHello after the handshake gets a no_renegotiation warning. */
	struct c12 c;
	struct sp_fixture *f = c12_handshake(&c);
	uint8_t buf[16], type;
	size_t got, len;
	const uint8_t *plain;
	sp_send_record(f, MOAT_CT_HANDSHAKE, f->peer.ch.data, f->peer.ch.len);
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, "data", 4);
	SP_REQUIRE_RESULT(sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_OK);
	ATF_REQUIRE(got == 4 && memcmp(buf, "data", 4) == 0);
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE(type == MOAT_CT_ALERT && len == 2);
	ATF_REQUIRE(plain[0] == MOAT_ALERT_LEVEL_WARNING && plain[1] == MOAT_ALERT_NO_RENEGOTIATION);
	/* The peer insists: the connection ends. */
	sp_send_record(f, MOAT_CT_HANDSHAKE, f->peer.ch.data, f->peer.ch.len);
	sp_expect_fatal(f, sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_UNEXPECTED_MESSAGE,
			MOAT_ALERT_UNEXPECTED_MESSAGE);
	c12_free(&c);
	sp_free(f);
}

/* ---- TLS 1.2 DHE (RFC 5246 §7.4.3, RFC 7919) and RSA key transport (RFC 5246 §7.4.7.1) ---- */

static const uint16_t c12_ffdhe2048_p256[] = { MOAT_GROUP_FFDHE2048, MOAT_GROUP_SECP256R1 };
static const uint16_t c12_ffdhe3072[] = { MOAT_GROUP_FFDHE3072 };
static const uint16_t c12_ffdhe4096[] = { MOAT_GROUP_FFDHE4096, MOAT_GROUP_SECP256R1 };
/* "20190214" lists ECDHE, DHE and RSA key transport. */
static const struct c12_params c12_dhe = { 0x009e, "20190214", c12_ffdhe2048_p256, 2, 0 };
static const struct c12_params c12_rsa = { 0x009c, "20190214", c12_p256, 1, 0 };

/* CCS and Finished from the client, our server's CCS and Finished read and checked, data both ways. */
static void c12_finish_and_echo(struct sp_fixture *f, struct c12 *c, const char *suite_name)
{
	c12_send_ccs(f, c);
	c12_send_finished(f, c, false);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_OK);
	c12_read_server_finish(f, c);
	ATF_REQUIRE_STREQ(moat_connection_get_cipher(f->conn), suite_name);
	uint8_t buf[16];
	size_t got;
	sp_send_record(f, MOAT_CT_APPLICATION_DATA, "ping", 4);
	SP_REQUIRE_RESULT(sp_recv(f, buf, sizeof(buf), &got), MOAT_ERR_OK);
	ATF_REQUIRE(got == 4 && memcmp(buf, "ping", 4) == 0);
}

static void c12_dhe_handshake(const struct c12_params *cp, uint16_t want_group)
{
	struct c12 c;
	struct sp_fixture *f = c12_begin(&c, cp, MOAT_CERT_AUTH_NONE, NULL, 0);
	ATF_REQUIRE_EQ_MSG(c.group, want_group, "group 0x%04x", c.group);
	c12_send_cke(f, &c, NULL, 0, 0);
	c12_finish_and_echo(f, &c, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
	c12_done(&c, f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_dhe_handshake);
ATF_TC_BODY(tls12_server_dhe_handshake, tc)
{
	c12_dhe_handshake(&c12_dhe, MOAT_GROUP_FFDHE2048);
	/* RFC 7919 §4: a group the client lists. */
	struct c12_params only3072 = { 0x009e, "20190214", c12_ffdhe3072, 1, 0 };
	c12_dhe_handshake(&only3072, MOAT_GROUP_FFDHE3072);
	/* §4: a client that lists no FFDHE group, or no groups at all, predates RFC 7919: ffdhe2048. */
	struct c12_params no_ffdhe = { 0x009e, "20190214", c12_p256, 1, 0 };
	c12_dhe_handshake(&no_ffdhe, MOAT_GROUP_FFDHE2048);
	struct c12_params no_groups = { 0x009e, "20190214", NULL, 0, 0 };
	c12_dhe_handshake(&no_groups, MOAT_GROUP_FFDHE2048);
}

ATF_TC_WITHOUT_HEAD(tls12_server_dhe_no_common_group);
ATF_TC_BODY(tls12_server_dhe_no_common_group, tc)
{
	/*
	 * RFC 7919 §4: FFDHE groups listed, none of ours (ffdhe4096 does not
	 * fit keyd's SIGN input), and no other suite offered:
	 * insufficient_security.
	 */
	struct sp_fixture *f = sp_new(MOAT_SERVER, "20190214");
	c12_add_rsa_cert(f);
	struct c12_params cp = { 0x009e, "20190214", c12_ffdhe4096, 2, 0 };
	struct sp_ch_opts o;
	uint8_t ext[64];
	size_t ext_len;
	uint16_t suite;
	c12_hello_opts_for(&o, &cp, &suite, ext, &ext_len, true, true);
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_INSUFFICIENT_SECURITY, MOAT_ALERT_INSUFFICIENT_SECURITY);
	struct c12 c;
	memset(&c, 0, sizeof(c));
	c12_done(&c, f);
}

/* RFC 7919 §5.1: dh_Yc must be 1 < Yc < p-1; anything else is illegal_parameter. */
static void c12_dhe_bad_public(const uint8_t *yc, size_t len)
{
	struct c12 c;
	struct sp_fixture *f = c12_begin(&c, &c12_dhe, MOAT_CERT_AUTH_NONE, NULL, 0);
	c12_send_cke(f, &c, yc, len, 0);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	c12_done(&c, f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_dhe_public_out_of_range);
ATF_TC_BODY(tls12_server_dhe_public_out_of_range, tc)
{
	uint8_t p[256], v[257];
	EXPECT_OK(moat_kex_ffdhe_prime(MOAT_GROUP_FFDHE2048, p, sizeof(p)));
	const uint8_t zero = 0, one = 1;
	c12_dhe_bad_public(&zero, 1);
	c12_dhe_bad_public(&one, 1);
	/* 1 with leading zeros, at p's length: still 1. */
	memset(v, 0, 256);
	v[255] = 1;
	c12_dhe_bad_public(v, 256);
	/* p - 1 (p ends in a one bit), p, p + 1. */
	memcpy(v, p, 256);
	v[255]--;
	c12_dhe_bad_public(v, 256);
	c12_dhe_bad_public(p, 256);
	memcpy(v, p, 256);
	for (size_t i = 256; i-- > 0 && ++v[i] == 0;)
		; /* p ends in 64 one bits: the carry runs */
	c12_dhe_bad_public(v, 256);
	/* Longer than p. */
	memset(v, 0xff, sizeof(v));
	c12_dhe_bad_public(v, 256);
	c12_dhe_bad_public(v, 257);
}

ATF_TC_WITHOUT_HEAD(tls12_server_rsa_key_exchange);
ATF_TC_BODY(tls12_server_rsa_key_exchange, tc)
{
	struct c12 c;
	c12_decryptions = 0;
	struct sp_fixture *f = c12_begin(&c, &c12_rsa, MOAT_CERT_AUTH_NONE, NULL, 0);
	c12_send_cke(f, &c, NULL, 0, 0);
	c12_finish_and_echo(f, &c, "TLS_RSA_WITH_AES_128_GCM_SHA256");
	ATF_REQUIRE_EQ(c12_decryptions, 1);
	c12_done(&c, f);
}

/*
 * RFC 5246 §7.4.7.1: a ciphertext that is not a PKCS#1 block, one that
 * holds 47 bytes, and a good block whose premaster names another version
 * all end the same way: the handshake goes on to the client's Finished,
 * whose record, sealed under keys from the client's premaster, does not
 * open under ours (bad_record_mac), and nothing else is sent first.
 */
static void c12_rsa_bad_premaster(int variant)
{
	struct c12 c;
	c12_decryptions = 0;
	struct sp_fixture *f = c12_begin(&c, &c12_rsa, MOAT_CERT_AUTH_NONE, NULL, 0);
	uint8_t ct[256], plain[47];
	size_t ct_len = sizeof(ct);
	if (variant == 0) {
		EXPECT_OK(moat_random_bytes(ct, sizeof(ct)));
		ct[0] &= 0x7f; /* below the modulus, whose top bit is set: a bad block, not a bad number */
	} else if (variant == 1) {
		memset(plain, 0x03, sizeof(plain));
		ATF_REQUIRE(test_rsa_pkcs1_encrypt(c12_rsa_pki.chain_pem, plain, sizeof(plain), ct, &ct_len) == 0);
	} else {
		c.rsa_version = MOAT_TLS11;
	}
	c12_send_cke(f, &c, variant == 2 ? NULL : ct, ct_len, 0);
	c12_send_ccs(f, &c);
	c12_send_finished(f, &c, false);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_BAD_RECORD_MAC, MOAT_ALERT_BAD_RECORD_MAC);
	ATF_REQUIRE_EQ(c12_decryptions, 1);
	c12_done(&c, f);
}

ATF_TC_WITHOUT_HEAD(tls12_server_rsa_bad_premaster_one_outcome);
ATF_TC_BODY(tls12_server_rsa_bad_premaster_one_outcome, tc)
{
	for (int variant = 0; variant < 3; variant++)
		c12_rsa_bad_premaster(variant);
}

ATF_TC_WITHOUT_HEAD(tls12_server_rsa_ciphertext_wrong_length);
ATF_TC_BODY(tls12_server_rsa_ciphertext_wrong_length, tc)
{
	/* The length is public: not the modulus' (256 bytes) is decode_error, before any decryption. */
	static const size_t lens[] = { 0, 1, 255, 257 };
	uint8_t ct[257];
	memset(ct, 0x5a, sizeof(ct));
	for (size_t i = 0; i < COUNT(lens); i++) {
		struct c12 c;
		c12_decryptions = 0;
		struct sp_fixture *f = c12_begin(&c, &c12_rsa, MOAT_CERT_AUTH_NONE, NULL, 0);
		c12_send_cke(f, &c, ct, lens[i], 0);
		sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_DECODE, MOAT_ALERT_DECODE_ERROR);
		ATF_REQUIRE_EQ(c12_decryptions, 0);
		c12_done(&c, f);
	}
}

ATF_TC_WITHOUT_HEAD(tls12_server_rsa_without_decrypter);
ATF_TC_BODY(tls12_server_rsa_without_decrypter, tc)
{
	/* No async callback, no in-process decryption (async_pkey.c): an RSA-only client gets no suite. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, "20190214");
	c12_add_rsa_cert(f);
	struct sp_ch_opts o;
	uint8_t ext[64];
	size_t ext_len;
	uint16_t suite;
	c12_hello_opts_for(&o, &c12_rsa, &suite, ext, &ext_len, true, true);
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
	struct c12 c;
	memset(&c, 0, sizeof(c));
	c12_done(&c, f);
}

/* ---- TLS 1.1 (RFC 4346) and TLS 1.0 (RFC 2246) ---- */

/*
 * A TLS 1.1 or 1.0 client (legacy_version, no supported_versions) of the
 * suite: the handshake with MD5 || SHA-1 in the transcript and the PRF, the
 * legacy signature over the ServerKeyExchange, CBC records with an explicit
 * IV (1.1) or the chained one (1.0), and data both ways; our TLS 1.0 writer
 * splits application data 1/n-1 (BEAST).
 */
static void c12_old_version(uint16_t version, uint16_t suite, const char *name)
{
	static const uint16_t groups[] = { MOAT_GROUP_SECP256R1, MOAT_GROUP_FFDHE2048 };
	struct c12_params cp = { suite, "20190214", groups, 2, version };
	struct c12 c;
	c12_decryptions = 0;
	struct sp_fixture *f = c12_begin(&c, &cp, MOAT_CERT_AUTH_NONE, NULL, 0);
	ATF_REQUIRE_EQ(moat_connection_get_actual_protocol_version(f->conn), version);
	/* RFC 8446 §4.1.3: a server that speaks TLS 1.2 marks a TLS 1.1-or-older handshake. */
	ATF_REQUIRE(memcmp(c.server_random + 24, moat_downgrade_tls11, 8) == 0);
	c12_send_cke(f, &c, NULL, 0, 0);
	c12_finish_and_echo(f, &c, name);
	moat_blocked_status blocked;
	ATF_REQUIRE_EQ(moat_send(f->conn, "pong", 4, &blocked), 4);
	uint8_t type;
	const uint8_t *plain;
	size_t len;
	ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
	ATF_REQUIRE(type == MOAT_CT_APPLICATION_DATA);
	if (version == MOAT_TLS10) {
		ATF_REQUIRE(len == 1 && plain[0] == 'p');
		ATF_REQUIRE(sp_next_record(f, &type, &plain, &len));
		ATF_REQUIRE(type == MOAT_CT_APPLICATION_DATA && len == 3 && memcmp(plain, "ong", 3) == 0);
	} else {
		ATF_REQUIRE(len == 4 && memcmp(plain, "pong", 4) == 0);
	}
	ATF_REQUIRE_EQ(c12_decryptions, c.kx == MOAT_KX12_RSA ? 1 : 0);
	c12_done(&c, f);
}

ATF_TC_WITHOUT_HEAD(tls11_server_handshakes);
ATF_TC_BODY(tls11_server_handshakes, tc)
{
	c12_old_version(MOAT_TLS11, 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA");
	c12_old_version(MOAT_TLS11, 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA");
	c12_old_version(MOAT_TLS11, 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA");
	c12_old_version(MOAT_TLS11, 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA");
}

ATF_TC_WITHOUT_HEAD(tls10_server_handshakes);
ATF_TC_BODY(tls10_server_handshakes, tc)
{
	c12_old_version(MOAT_TLS10, 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA");
	c12_old_version(MOAT_TLS10, 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA");
	c12_old_version(MOAT_TLS10, 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA");
	c12_old_version(MOAT_TLS10, 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA");
	c12_old_version(MOAT_TLS10, 0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
}

ATF_TC_WITHOUT_HEAD(tls10_server_no_aead_suite);
ATF_TC_BODY(tls10_server_no_aead_suite, tc)
{
	/* RFC 5288 §4, RFC 7905 §2: GCM and ChaCha20-Poly1305 suites are TLS 1.2 only. */
	static const uint16_t aead[] = { 0xc02b, 0xc02f, 0x009e, 0x009c, 0xcca8 };
	for (size_t v = MOAT_TLS10; v <= MOAT_TLS11; v++) {
		struct sp_fixture *f = sp_new(MOAT_SERVER, "20190214");
		c12_add_rsa_cert(f);
		struct c12_params cp = { 0xc02b, "20190214", c12_p256, 1, (uint16_t)v };
		struct sp_ch_opts o;
		uint8_t ext[64];
		size_t ext_len;
		uint16_t suite;
		c12_hello_opts_for(&o, &cp, &suite, ext, &ext_len, true, true);
		o.suites = aead;
		o.n_suites = COUNT(aead);
		sp_client_send_hello(f, &o);
		sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
		struct c12 c;
		memset(&c, 0, sizeof(c));
		c12_done(&c, f);
	}
}

ATF_TC_WITHOUT_HEAD(tls10_server_client_auth_refused);
ATF_TC_BODY(tls10_server_client_auth_refused, tc)
{
	/* Client certificates are verified in TLS 1.2 only: an older client is refused where they are asked for. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, "20190214");
	EXPECT_OK(moat_config_set_client_auth_type(f->cfg, MOAT_CERT_AUTH_OPTIONAL));
	struct c12_params cp = { 0xc009, "20190214", c12_p256, 1, MOAT_TLS10 };
	struct sp_ch_opts o;
	uint8_t ext[64];
	size_t ext_len;
	uint16_t suite;
	c12_hello_opts_for(&o, &cp, &suite, ext, &ext_len, true, true);
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_PROTOCOL_VERSION, MOAT_ALERT_PROTOCOL_VERSION);
	sp_free(f);
}

/* ---- Keys whose holder refuses some uses (key_caps.h, moat-keyd's per-key switches) ---- */

/* A ClientHello of version (legacy_version, no supported_versions) offering suites; our server has its RSA certificate too. */
static struct sp_fixture *kc_hello(uint16_t version, const uint16_t *suites, size_t n_suites, const char *policy)
{
	static const uint16_t groups[] = { MOAT_GROUP_SECP256R1, MOAT_GROUP_FFDHE2048 };
	struct sp_fixture *f = sp_new(MOAT_SERVER, policy);
	c12_add_rsa_cert(f);
	EXPECT_OK(moat_config_set_async_pkey_callback(f->cfg, c12_decrypt_cb));
	struct c12_params cp = { suites[0], policy, groups, 2, version };
	struct sp_ch_opts o;
	uint8_t ext[64];
	size_t ext_len;
	uint16_t suite;
	c12_hello_opts_for(&o, &cp, &suite, ext, &ext_len, true, true);
	o.suites = suites;
	o.n_suites = n_suites;
	sp_client_send_hello(f, &o);
	return f;
}

ATF_TC_WITHOUT_HEAD(key_caps_tls10_refused_protocol_version);
ATF_TC_BODY(key_caps_tls10_refused_protocol_version, tc)
{
	/*
	 * Neither certificate's key may sign for TLS 1.0/1.1: a client that
	 * offers only TLS 1.0 gets protocol_version (RFC 5246 Appendix E.1:
	 * no version in common), never a handshake that fails at the signature.
	 */
	static const uint16_t suites[] = { 0xc009, 0xc014, 0x0033, 0x002f };
	c12_rsa_caps = MOAT_KEY_CAPS_ALL & ~(uint32_t)MOAT_KEY_CAP_TLS10_11 & ~(uint32_t)MOAT_KEY_CAP_RSA_KX;
	c12_decryptions = 0;
	struct sp_fixture *f = kc_hello(MOAT_TLS10, suites, COUNT(suites), "20190214");
	EXPECT_OK(moat_cert_chain_and_key_set_key_caps(f->ck, MOAT_KEY_CAP_TLS13 | MOAT_KEY_CAP_TLS12));
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_PROTOCOL_VERSION, MOAT_ALERT_PROTOCOL_VERSION);
	ATF_REQUIRE_EQ(c12_decryptions, 0);
	struct c12 c;
	memset(&c, 0, sizeof(c));
	c12_done(&c, f);
	c12_rsa_caps = MOAT_KEY_CAPS_ALL;
}

ATF_TC_WITHOUT_HEAD(key_caps_no_rsa_kx_handshake_failure);
ATF_TC_BODY(key_caps_no_rsa_kx_handshake_failure, tc)
{
	/* The RSA key may not decrypt: a client offering only static-RSA suites has no suite (RFC 5246 §7.4.1.3). */
	static const uint16_t suites[] = { 0x009c, 0x002f };
	c12_rsa_caps = MOAT_KEY_CAPS_ALL & ~(uint32_t)MOAT_KEY_CAP_RSA_KX;
	c12_decryptions = 0;
	struct sp_fixture *f = kc_hello(MOAT_TLS12, suites, COUNT(suites), "20190214");
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
	ATF_REQUIRE_EQ(c12_decryptions, 0);
	struct c12 c;
	memset(&c, 0, sizeof(c));
	c12_done(&c, f);
	c12_rsa_caps = MOAT_KEY_CAPS_ALL;
}

ATF_TC_WITHOUT_HEAD(key_caps_no_rsa_kx_other_suite);
ATF_TC_BODY(key_caps_no_rsa_kx_other_suite, tc)
{
	/* A static-RSA suite and ECDHE_RSA offered, the key without rsa-key-exchange: ECDHE_RSA is chosen. */
	static const uint16_t suites[] = { 0x009c, 0xc02f };
	c12_rsa_caps = MOAT_KEY_CAPS_ALL & ~(uint32_t)MOAT_KEY_CAP_RSA_KX;
	struct sp_fixture *f = kc_hello(MOAT_TLS12, suites, COUNT(suites), "20190214");
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	uint8_t type;
	const uint8_t *msg;
	size_t len;
	sp_next_handshake_message(f, &type, &msg, &len);
	ATF_REQUIRE_EQ(type, MOAT_HS_SERVER_HELLO);
	struct moat_server_hello sh;
	struct moat_cursor body;
	moat_cursor_init(&body, msg + MOAT_HS_HEADER_LEN, len - MOAT_HS_HEADER_LEN);
	EXPECT_OK(moat_server_hello_decode(body, &sh));
	ATF_REQUIRE_EQ_MSG(sh.cipher_suite, 0xc02f, "suite 0x%04x", sh.cipher_suite);
	struct c12 c;
	memset(&c, 0, sizeof(c));
	c12_done(&c, f);
	c12_rsa_caps = MOAT_KEY_CAPS_ALL;
}

/* ---- Our TLS 1.2 client (tls12_client.c) against a scripted TLS 1.2 server ---- */

static const uint8_t ext_ems[] = { 0x00, 0x17, 0x00, 0x00 };
static const uint8_t ext_reneg_ems[] = { 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x17, 0x00, 0x00 };
static const uint8_t ext_reneg_not_empty_ems[] = { 0xff, 0x01, 0x00, 0x02, 0x01, 0x07, 0x00, 0x17, 0x00, 0x00 };

/* Our client with policy (20190214: TLS 1.2 at most, ECDHE-ECDSA suites), its ClientHello read. */
static struct sp_fixture *client12_waiting(const char *policy)
{
	struct sp_fixture *f = sp_new(MOAT_CLIENT, policy);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	return f;
}

/* A TLS 1.2 ServerHello for TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (the fixture's key is P-256). */
static void sh12_opts(struct sp_sh_opts *o, const uint8_t *ext, size_t ext_len)
{
	sp_sh_defaults(o);
	o->no_supported_versions = true;
	o->key_share_group = 0;
	o->suite = 0xc02b;
	o->extra_ext = ext;
	o->extra_ext_len = ext_len;
}

static void send_certificate12(struct sp_fixture *f)
{
	const struct moat_cert_chain *chain = &f->ck->chain;
	struct moat_buf msg;
	moat_buf_init(&msg, 8192);
	EXPECT_OK(moat_certificate12_encode(&msg, (const uint8_t *const *)chain->der, chain->der_len, chain->count));
	sp_send_handshake(f, msg.data, msg.len);
	moat_buf_free(&msg);
}

/*
 * A secp256r1 ServerKeyExchange signed with ecdsa_secp256r1_sha256 over the
 * randoms and params (RFC 8422 §5.4), naming scheme; flipped: one bit off.
 */
static void send_ske12(struct sp_fixture *f, uint16_t scheme, bool flipped)
{
	struct sp_peer *p = &f->peer;
	uint8_t content_mem[MOAT_SKE_ECDH_CONTENT_MAX], sig[MOAT_MAX_SIG_LEN];
	size_t sig_len = sizeof(sig);
	struct moat_buf content, msg;
	moat_kex_free(&p->kex);
	EXPECT_OK(moat_kex_generate(&p->kex, MOAT_GROUP_SECP256R1, p->share, &p->share_len));
	moat_buf_init_fixed(&content, content_mem, sizeof(content_mem));
	EXPECT_OK(moat_ske_ecdh_content_build(p->random, p->server_random, MOAT_GROUP_SECP256R1, p->share, p->share_len,
					      &content));
	EXPECT_OK(moat_sig_sign(&f->ck->private_key, MOAT_SIG_ECDSA_SECP256R1_SHA256, content.data, content.len, sig, &sig_len));
	if (flipped)
		sig[sig_len / 2] ^= 0x01;
	moat_buf_init(&msg, 2048);
	EXPECT_OK(moat_server_key_exchange_ecdhe_encode(&msg, MOAT_TLS12, MOAT_GROUP_SECP256R1, p->share, p->share_len,
							scheme, sig, sig_len));
	sp_send_handshake(f, msg.data, msg.len);
	moat_buf_free(&msg);
}

static void send_hello_done12(struct sp_fixture *f)
{
	uint8_t mem[MOAT_HS_HEADER_LEN];
	struct moat_buf msg;
	moat_buf_init_fixed(&msg, mem, sizeof(mem));
	EXPECT_OK(moat_server_hello_done_encode(&msg));
	sp_send_handshake(f, msg.data, msg.len);
}

ATF_TC_WITHOUT_HEAD(client12_control_flight);
ATF_TC_BODY(client12_control_flight, tc)
{
	/*
	 * The control for the tests below: a good TLS 1.2 flight (RFC 5246
	 * §7.3) is answered with ClientKeyExchange, ChangeCipherSpec and
	 * Finished, and the client then waits for the server's CCS.
	 */
	struct sp_fixture *f = client12_waiting("20190214");
	ATF_REQUIRE_EQ(f->peer.group, 0);
	ATF_REQUIRE_EQ(f->peer.session_id_len, 0);
	struct sp_sh_opts o;
	sh12_opts(&o, ext_reneg_ems, sizeof(ext_reneg_ems));
	sp_server_send_hello(f, &o);
	send_certificate12(f);
	send_ske12(f, MOAT_SIG_ECDSA_SECP256R1_SHA256, false);
	send_hello_done12(f);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	uint8_t type;
	const uint8_t *msg;
	size_t len;
	sp_next_handshake_message(f, &type, &msg, &len);
	ATF_REQUIRE_EQ(type, MOAT_HS_CLIENT_KEY_EXCHANGE);
	/* secp256r1: the point's length byte and 65 bytes, uncompressed (RFC 8422 §5.7). */
	ATF_REQUIRE_EQ(len, MOAT_HS_HEADER_LEN + 1 + 65);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client12_ske_bad_signature);
ATF_TC_BODY(client12_ske_bad_signature, tc)
{
	/* RFC 5246 §7.4.3: the signature over the params must verify; a bad one is decrypt_error. */
	struct sp_fixture *f = client12_waiting("20190214");
	struct sp_sh_opts o;
	sh12_opts(&o, ext_reneg_ems, sizeof(ext_reneg_ems));
	sp_server_send_hello(f, &o);
	send_certificate12(f);
	send_ske12(f, MOAT_SIG_ECDSA_SECP256R1_SHA256, true);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_DECRYPT_ERROR, MOAT_ALERT_DECRYPT_ERROR);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client12_ske_scheme_not_offered);
ATF_TC_BODY(client12_ske_scheme_not_offered, tc)
{
	/* RFC 5246 §7.4.3, RFC 9155: ecdsa_sha1, named, is not in our signature_algorithms: illegal_parameter. */
	struct sp_fixture *f = client12_waiting("20190214");
	struct sp_sh_opts o;
	sh12_opts(&o, ext_reneg_ems, sizeof(ext_reneg_ems));
	sp_server_send_hello(f, &o);
	send_certificate12(f);
	send_ske12(f, MOAT_SIG_ECDSA_SHA1, false);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client12_wrong_order);
ATF_TC_BODY(client12_wrong_order, tc)
{
	/* RFC 5246 §7.3: the messages come in the figure's order; the machine refuses any other. */
	for (int c = 0; c < 3; c++) {
		struct sp_fixture *f = client12_waiting("20190214");
		struct sp_sh_opts o;
		sh12_opts(&o, ext_reneg_ems, sizeof(ext_reneg_ems));
		sp_server_send_hello(f, &o);
		if (c >= 1)
			send_certificate12(f);
		if (c == 2) {
			/* A second Certificate where the ServerKeyExchange belongs. */
			send_certificate12(f);
		} else {
			/* No Certificate (c 0), or an ECDHE suite without its ServerKeyExchange (c 1). */
			send_hello_done12(f);
		}
		sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_UNEXPECTED_MESSAGE, MOAT_ALERT_UNEXPECTED_MESSAGE);
		sp_free(f);
	}
}

ATF_TC_WITHOUT_HEAD(client12_version_outside_policy);
ATF_TC_BODY(client12_version_outside_policy, tc)
{
	/*
	 * RFC 5246 Appendix E.1: a server version we did not offer is
	 * protocol_version: above (0x0304 in legacy_version from a TLS 1.2-only
	 * client, which sent no supported_versions) and below (SSL 3.0).
	 */
	static const uint16_t versions[] = { 0x0304, 0x0300 };
	for (size_t i = 0; i < 2; i++) {
		struct sp_fixture *f = client12_waiting("20190214");
		struct sp_sh_opts o;
		sh12_opts(&o, ext_reneg_ems, sizeof(ext_reneg_ems));
		o.legacy_version = versions[i];
		sp_server_send_hello(f, &o);
		sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_PROTOCOL_VERSION, MOAT_ALERT_PROTOCOL_VERSION);
		sp_free(f);
	}
}

ATF_TC_WITHOUT_HEAD(client12_renegotiation_info_required);
ATF_TC_BODY(client12_renegotiation_info_required, tc)
{
	/*
	 * RFC 5746 §3.4: a non-empty renegotiated_connection is fatal; an
	 * absent one means no secure renegotiation, which §4.1 lets a client
	 * refuse and ours does (tls12_ext_client.c): handshake_failure both.
	 */
	const struct {
		const uint8_t *ext;
		size_t len;
	} cases[] = { { ext_ems, sizeof(ext_ems) }, { ext_reneg_not_empty_ems, sizeof(ext_reneg_not_empty_ems) } };
	for (size_t i = 0; i < 2; i++) {
		struct sp_fixture *f = client12_waiting("20190214");
		struct sp_sh_opts o;
		sh12_opts(&o, cases[i].ext, cases[i].len);
		sp_server_send_hello(f, &o);
		sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
		sp_free(f);
	}
}

ATF_TC_WITHOUT_HEAD(client12_extended_master_secret_required);
ATF_TC_BODY(client12_extended_master_secret_required, tc)
{
	/* RFC 7627 §5.3: a server that does not negotiate the extended master secret: handshake_failure. */
	struct sp_fixture *f = client12_waiting("20190214");
	struct sp_sh_opts o;
	sh12_opts(&o, ext_renegotiation_info, sizeof(ext_renegotiation_info));
	sp_server_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client12_downgrade_sentinel);
ATF_TC_BODY(client12_downgrade_sentinel, tc)
{
	/*
	 * RFC 8446 §4.1.3: the TLS 1.2 sentinel matters only to a client that
	 * offered TLS 1.3. Ours on a TLS 1.3 policy refuses it (illegal_parameter);
	 * on a TLS 1.2 policy it goes on to read the server's Certificate.
	 */
	struct sp_fixture *f = client12_waiting("default_tls13");
	struct sp_sh_opts o;
	sh12_opts(&o, ext_reneg_ems, sizeof(ext_reneg_ems));
	o.bad_session_id = true;
	o.downgrade = 12;
	sp_server_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	sp_free(f);

	f = client12_waiting("20190214");
	sp_server_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_free(f);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, server_control_handshake);
	ATF_TP_ADD_TC(tp, tls12_server_dhe_handshake);
	ATF_TP_ADD_TC(tp, tls12_server_dhe_no_common_group);
	ATF_TP_ADD_TC(tp, tls12_server_dhe_public_out_of_range);
	ATF_TP_ADD_TC(tp, tls12_server_rsa_key_exchange);
	ATF_TP_ADD_TC(tp, tls12_server_rsa_bad_premaster_one_outcome);
	ATF_TP_ADD_TC(tp, tls12_server_rsa_ciphertext_wrong_length);
	ATF_TP_ADD_TC(tp, tls12_server_rsa_without_decrypter);
	ATF_TP_ADD_TC(tp, tls11_server_handshakes);
	ATF_TP_ADD_TC(tp, tls10_server_handshakes);
	ATF_TP_ADD_TC(tp, tls10_server_no_aead_suite);
	ATF_TP_ADD_TC(tp, tls10_server_client_auth_refused);
	ATF_TP_ADD_TC(tp, key_caps_tls10_refused_protocol_version);
	ATF_TP_ADD_TC(tp, key_caps_no_rsa_kx_handshake_failure);
	ATF_TP_ADD_TC(tp, key_caps_no_rsa_kx_other_suite);
	ATF_TP_ADD_TC(tp, server_no_supported_versions);
	ATF_TP_ADD_TC(tp, server_supported_versions_below_tls12);
	ATF_TP_ADD_TC(tp, tls12_server_control_handshake);
	ATF_TP_ADD_TC(tp, tls12_server_max_fragment_length);
	ATF_TP_ADD_TC(tp, tls12_server_no_signature_algorithms);
	ATF_TP_ADD_TC(tp, tls12_server_no_signature_algorithms_ecdsa);
	ATF_TP_ADD_TC(tp, tls12_server_no_signature_algorithms_policy_without_sha1);
	ATF_TP_ADD_TC(tp, tls12_server_no_signature_algorithms_key_without_sha1);
	ATF_TP_ADD_TC(tp, tls12_server_no_signature_algorithms_rsa_kx);
	ATF_TP_ADD_TC(tp, tls12_server_no_extended_master_secret);
	ATF_TP_ADD_TC(tp, tls12_server_renegotiation_info_not_empty);
	ATF_TP_ADD_TC(tp, tls12_server_fallback_scsv);
	ATF_TP_ADD_TC(tp, tls12_server_client_auth);
	ATF_TP_ADD_TC(tp, tls12_server_client_auth_bad_certificate_verify);
	ATF_TP_ADD_TC(tp, tls12_server_client_auth_no_certificate);
	ATF_TP_ADD_TC(tp, tls12_server_ccs_before_client_key_exchange);
	ATF_TP_ADD_TC(tp, tls12_server_finished_before_ccs);
	ATF_TP_ADD_TC(tp, tls12_server_bad_finished);
	ATF_TP_ADD_TC(tp, tls12_server_point_not_on_curve);
	ATF_TP_ADD_TC(tp, tls12_server_early_data_extension_skips_nothing);
	ATF_TP_ADD_TC(tp, tls12_server_client_key_exchange_trailing_bytes);
	ATF_TP_ADD_TC(tp, tls12_server_renegotiation_refused);
	ATF_TP_ADD_TC(tp, server_no_key_share);
	ATF_TP_ADD_TC(tp, server_no_signature_algorithms);
	ATF_TP_ADD_TC(tp, server_sha1_only);
	ATF_TP_ADD_TC(tp, server_key_share_not_in_supported_groups);
	ATF_TP_ADD_TC(tp, server_key_share_group_check_uses_the_list);
	ATF_TP_ADD_TC(tp, server_duplicate_extension);
	ATF_TP_ADD_TC(tp, server_psk_not_last);
	ATF_TP_ADD_TC(tp, server_psk_binder_count);
	ATF_TP_ADD_TC(tp, server_psk_without_modes);
	ATF_TP_ADD_TC(tp, server_psk_not_ours_is_full_handshake);
	ATF_TP_ADD_TC(tp, server_compression_not_null_only);
	ATF_TP_ADD_TC(tp, server_no_common_cipher_suite);
	ATF_TP_ADD_TC(tp, server_no_common_group);
	ATF_TP_ADD_TC(tp, server_ffdhe_share_out_of_range);
	ATF_TP_ADD_TC(tp, server_truncated_client_hello);
	ATF_TP_ADD_TC(tp, server_finished_as_first_message);
	ATF_TP_ADD_TC(tp, server_application_data_before_handshake);
	ATF_TP_ADD_TC(tp, server_unknown_record_type);
	ATF_TP_ADD_TC(tp, server_record_overflow);
	ATF_TP_ADD_TC(tp, server_ccs_before_client_hello);
	ATF_TP_ADD_TC(tp, server_ccs_not_one);
	ATF_TP_ADD_TC(tp, server_protected_ccs);
	ATF_TP_ADD_TC(tp, server_inner_plaintext_without_type);
	ATF_TP_ADD_TC(tp, server_inner_plaintext_too_long);
	ATF_TP_ADD_TC(tp, server_bad_client_finished);
	ATF_TP_ADD_TC(tp, server_tampered_record);
	ATF_TP_ADD_TC(tp, server_application_data_before_finished);
	ATF_TP_ADD_TC(tp, server_finished_not_at_record_end);
	ATF_TP_ADD_TC(tp, server_end_of_early_data_not_accepted);
	ATF_TP_ADD_TC(tp, server_early_data_without_extension);
	ATF_TP_ADD_TC(tp, server_client_hello_not_at_record_end);
	ATF_TP_ADD_TC(tp, server_control_hello_retry);
	ATF_TP_ADD_TC(tp, server_hello_retry_for_new_groups);
	ATF_TP_ADD_TC(tp, server_second_hello_other_group);
	ATF_TP_ADD_TC(tp, server_second_hello_cookie);
	ATF_TP_ADD_TC(tp, server_second_hello_other_suite);
	ATF_TP_ADD_TC(tp, server_second_hello_allowed_changes);
	ATF_TP_ADD_TC(tp, server_second_hello_other_changes);
	ATF_TP_ADD_TC(tp, server_early_data_skipped);
	ATF_TP_ADD_TC(tp, server_early_data_over_limit);
	ATF_TP_ADD_TC(tp, server_early_data_after_hello_retry);
	ATF_TP_ADD_TC(tp, server_early_data_after_hello_retry_over_limit);
	ATF_TP_ADD_TC(tp, server_early_data_not_offered);
	ATF_TP_ADD_TC(tp, server_early_data_skipping_ends);
	ATF_TP_ADD_TC(tp, server_renegotiation);
	ATF_TP_ADD_TC(tp, server_key_update_bad_value);
	ATF_TP_ADD_TC(tp, server_key_update_answered_at_once);
	ATF_TP_ADD_TC(tp, server_key_update_answer_blocked);
	ATF_TP_ADD_TC(tp, server_record_version);
	ATF_TP_ADD_TC(tp, client_control_handshake);
	ATF_TP_ADD_TC(tp, client12_control_flight);
	ATF_TP_ADD_TC(tp, client12_ske_bad_signature);
	ATF_TP_ADD_TC(tp, client12_ske_scheme_not_offered);
	ATF_TP_ADD_TC(tp, client12_wrong_order);
	ATF_TP_ADD_TC(tp, client12_version_outside_policy);
	ATF_TP_ADD_TC(tp, client12_renegotiation_info_required);
	ATF_TP_ADD_TC(tp, client12_extended_master_secret_required);
	ATF_TP_ADD_TC(tp, client12_downgrade_sentinel);
	ATF_TP_ADD_TC(tp, client_new_session_ticket_largest);
	ATF_TP_ADD_TC(tp, client_suite_not_offered);
	ATF_TP_ADD_TC(tp, client_wrong_session_id_echo);
	ATF_TP_ADD_TC(tp, client_downgrade_sentinel);
	ATF_TP_ADD_TC(tp, client_tls12_server_hello);
	ATF_TP_ADD_TC(tp, client_supported_versions_below_tls13);
	ATF_TP_ADD_TC(tp, client_server_hello_extensions);
	ATF_TP_ADD_TC(tp, client_psk_selected_identity_out_of_range);
	ATF_TP_ADD_TC(tp, client_psk_other_hash);
	ATF_TP_ADD_TC(tp, client_server_share_other_group);
	ATF_TP_ADD_TC(tp, client_server_hello_legacy_version_ignored);
	ATF_TP_ADD_TC(tp, client_hrr_for_group_already_sent);
	ATF_TP_ADD_TC(tp, client_hrr_changing_nothing);
	ATF_TP_ADD_TC(tp, client_two_hrrs);
	ATF_TP_ADD_TC(tp, client_ffdhe_share_out_of_range);
	ATF_TP_ADD_TC(tp, client_server_hello_after_hrr);
	ATF_TP_ADD_TC(tp, client_unsolicited_encrypted_extension);
	ATF_TP_ADD_TC(tp, client_ccs_not_one);
	ATF_TP_ADD_TC(tp, client_empty_server_certificate);
	ATF_TP_ADD_TC(tp, client_bad_certificate_verify);
	ATF_TP_ADD_TC(tp, client_bad_server_finished);
	ATF_TP_ADD_TC(tp, client_post_handshake_certificate_request);
	ATF_TP_ADD_TC(tp, client_key_update_bad_value);
	ATF_TP_ADD_TC(tp, client_key_update_not_at_record_end);
	ATF_TP_ADD_TC(tp, client_ccs_after_handshake);
	ATF_TP_ADD_TC(tp, client_record_version);
	return atf_no_error();
}
