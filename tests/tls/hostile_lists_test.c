/*
 * Every list a peer sends, at the longest the wire format allows, with the
 * item our side wants last: the handshake completes, or ends with the exact
 * alert where the list is not acceptable.
 *
 * A fixed-size copy of a peer's list (the first 64 signature schemes, the
 * first 8 key shares, a 64 KiB copy of the ClientHello) makes the answer
 * depend on where the wanted item sits; these cases put it where such a copy
 * cannot reach. Each list is as long as its own length prefix allows, or, where
 * that does not fit the message around it (an extensions block is at most
 * 65535 bytes, a handshake message at most MOAT_MAX_HANDSHAKE_MESSAGE), as
 * long as fits: the length is computed from what the rest of the message
 * takes, so the case stays at the limit when the scripted peer's defaults
 * change.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/moat_test.h"
#include "tests/tls/scripted_peer.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define EXT_BLOCK_MAX 0xffffu
/* Code points no registry assigns in these ranges: never a suite, group, scheme or extension we know. */
#define UNKNOWN_BASE 0x8000u

static const char *const h2[] = { "h2" };

/* n values UNKNOWN_BASE, UNKNOWN_BASE + 1, ... with last in the final place. */
static uint16_t *filler_then(size_t n, uint16_t last)
{
	uint16_t *v = calloc(n + 1, sizeof(*v));
	ATF_REQUIRE(v != NULL && n >= 1 && n - 1 <= 0x7fff);
	for (size_t i = 0; i + 1 < n; i++)
		v[i] = (uint16_t)(UNKNOWN_BASE + i);
	v[n - 1] = last;
	return v;
}

/* The body and extensions-block sizes of the ClientHello o builds. */
static void hello_sizes(struct sp_fixture *f, const struct sp_ch_opts *o, size_t *body_len, size_t *ext_len)
{
	struct moat_buf msg;
	struct moat_cursor c, body;
	struct moat_client_hello ch;
	uint8_t type;
	moat_buf_init(&msg, MOAT_MAX_HANDSHAKE_MESSAGE + 1024);
	sp_client_build_hello(f, o, &msg);
	moat_cursor_init(&c, msg.data, msg.len);
	EXPECT_OK(moat_hs_header_decode(&c, &type, &body));
	EXPECT_OK(moat_client_hello_decode(body, &ch));
	if (body_len != NULL)
		*body_len = moat_cursor_remaining(&body);
	if (ext_len != NULL)
		*ext_len = moat_cursor_remaining(&ch.extensions_raw);
	moat_buf_free(&msg);
}

/* How many entries of entry_len bytes fit in the extensions block besides what o already holds. */
static size_t room_for(struct sp_fixture *f, const struct sp_ch_opts *o, size_t entry_len)
{
	size_t ext_len;
	hello_sizes(f, o, NULL, &ext_len);
	ATF_REQUIRE(ext_len <= EXT_BLOCK_MAX);
	return (EXT_BLOCK_MAX - ext_len) / entry_len;
}

/* One extension, type and data, into a growing buffer of raw extensions. */
static void put_ext(struct moat_buf *b, uint16_t type, const uint8_t *data, size_t len)
{
	EXPECT_OK(moat_ext_write_raw(b, type, data, len));
}

/* Our server takes the hello o (already sent) to a completed handshake with the scripted client. */
static void server_completes(struct sp_fixture *f)
{
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_flight(f);
	sp_client_complete(f);
}

/* ======================================================================
 * Our server against a scripted client
 * ====================================================================== */

/* cipher_suites<2..2^16-2>: 32767 suites, the only one we take last. */
static void longest_suites(struct sp_ch_opts *o, uint16_t **suites)
{
	*suites = filler_then(0xfffe / 2, MOAT_TLS_AES_128_GCM_SHA256);
	o->suites = *suites;
	o->n_suites = 0xfffe / 2;
}

ATF_TC_WITHOUT_HEAD(server_cipher_suites_longest);
ATF_TC_BODY(server_cipher_suites_longest, tc)
{
	/* RFC 8446 §4.1.2: the longest cipher_suites; the hello is over 64 KiB, under the message limit. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	uint16_t *suites;
	sp_ch_defaults(&o);
	longest_suites(&o, &suites);
	sp_client_send_hello(f, &o);
	server_completes(f);
	ATF_REQUIRE_STREQ(moat_connection_get_cipher(f->conn), "TLS_AES_128_GCM_SHA256");
	free(suites);
	sp_free(f);
}

static ssize_t seen_raw_len;

static int record_raw_len(struct moat_connection *conn, void *ctx)
{
	(void)ctx;
	seen_raw_len = moat_client_hello_get_raw_message_length(moat_connection_get_client_hello(conn));
	return 0;
}

/*
 * The longest cipher_suites and a padding extension that brings the body to
 * body_len bytes: the largest ClientHello our server takes, or one more.
 */
static void send_hello_of(struct sp_fixture *f, size_t body_len, uint16_t **suites, uint8_t **pad)
{
	struct sp_ch_opts o;
	size_t base;
	sp_ch_defaults(&o);
	longest_suites(&o, suites);
	hello_sizes(f, &o, &base, NULL);
	/* The padding extension's 4-byte header and its data make up the difference. */
	ATF_REQUIRE(body_len >= base + 4);
	size_t pad_len = body_len - base - 4;
	*pad = calloc(pad_len + 4, 1);
	ATF_REQUIRE(*pad != NULL);
	(*pad)[0] = 0;
	(*pad)[1] = MOAT_EXT_PADDING;
	(*pad)[2] = (uint8_t)(pad_len >> 8);
	(*pad)[3] = (uint8_t)pad_len;
	o.extra_ext = *pad;
	o.extra_ext_len = pad_len + 4;
	sp_client_send_hello(f, &o);
}

ATF_TC_WITHOUT_HEAD(server_client_hello_largest);
ATF_TC_BODY(server_client_hello_largest, tc)
{
	/*
	 * A ClientHello body of exactly MOAT_MAX_HANDSHAKE_MESSAGE bytes (the
	 * longest cipher_suites and 65 KiB of extensions) completes, and the
	 * client hello callback sees all of it.
	 */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	uint16_t *suites;
	uint8_t *pad;
	EXPECT_OK(moat_config_set_client_hello_cb(f->cfg, record_raw_len, NULL));
	seen_raw_len = -1;
	send_hello_of(f, MOAT_MAX_HANDSHAKE_MESSAGE, &suites, &pad);
	server_completes(f);
	ATF_REQUIRE_EQ(seen_raw_len, (ssize_t)MOAT_MAX_HANDSHAKE_MESSAGE);
	free(suites);
	free(pad);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_client_hello_over_limit);
ATF_TC_BODY(server_client_hello_over_limit, tc)
{
	/* RFC 8446 §6: a message longer than we accept is a length we cannot take: decode_error, from its header. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	uint16_t *suites;
	uint8_t *pad;
	send_hello_of(f, MOAT_MAX_HANDSHAKE_MESSAGE + 1, &suites, &pad);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_DECODE, MOAT_ALERT_DECODE_ERROR);
	free(suites);
	free(pad);
	sp_free(f);
}

/* The longest supported_groups that fits beside the other extensions of o, group last. */
static uint16_t *longest_groups(struct sp_fixture *f, struct sp_ch_opts *o, uint16_t group)
{
	static uint16_t one[1];
	one[0] = group;
	o->groups = one;
	o->n_groups = 1;
	size_t n = 1 + room_for(f, o, 2);
	uint16_t *groups = filler_then(n, group);
	o->groups = groups;
	o->n_groups = n;
	return groups;
}

ATF_TC_WITHOUT_HEAD(server_supported_groups_longest_share_last);
ATF_TC_BODY(server_supported_groups_longest_share_last, tc)
{
	/* RFC 8446 §4.2.7: the longest list, x25519 last, its share sent: a ServerHello for x25519. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	uint16_t *groups = longest_groups(f, &o, MOAT_GROUP_X25519);
	sp_client_send_hello(f, &o);
	server_completes(f);
	ATF_REQUIRE_STREQ(moat_connection_get_curve(f->conn), "x25519");
	free(groups);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_supported_groups_longest_retry);
ATF_TC_BODY(server_supported_groups_longest_retry, tc)
{
	/*
	 * RFC 8446 §4.1.4: the longest list, secp256r1 last, no share at all: a
	 * HelloRetryRequest for secp256r1; the second hello, the same list and a
	 * share for it, gets the ServerHello.
	 */
	static const uint16_t p256[] = { MOAT_GROUP_SECP256R1 };
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	/* As long as the second hello, with its share and our cookie, still fits. */
	static const uint8_t cookie[32];
	o.share_groups = p256;
	o.n_shares = 1;
	o.cookie = cookie;
	o.cookie_len = sizeof(cookie);
	uint16_t *groups = longest_groups(f, &o, MOAT_GROUP_SECP256R1);
	o.n_shares = 0;
	o.cookie = NULL;
	o.cookie_len = 0;
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_client_read_hrr(f);
	ATF_REQUIRE_EQ(f->peer.hrr_group, MOAT_GROUP_SECP256R1);
	ATF_REQUIRE_EQ(f->peer.cookie_len, sizeof(cookie));
	sp_send_ccs(f);
	o.second = true;
	o.n_shares = 1;
	o.cookie = f->peer.cookie;
	o.cookie_len = f->peer.cookie_len;
	sp_client_send_hello(f, &o);
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_expect_server_hello_for(f, MOAT_GROUP_SECP256R1);
	free(groups);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_supported_groups_longest_none_known);
ATF_TC_BODY(server_supported_groups_longest_none_known, tc)
{
	/* RFC 8446 §4.1.1: the longest list without a group we support is handshake_failure. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	o.n_shares = 0;
	uint16_t *groups = longest_groups(f, &o, UNKNOWN_BASE + 0x7fff);
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
	free(groups);
	sp_free(f);
}

/*
 * n - 1 shares for unknown groups, then one for `last`; supported_groups
 * lists them all, or all but the last one's group when !last_listed.
 */
struct share_lists {
	uint16_t *shares;
	uint16_t *groups;
};

static void shares_then(struct sp_ch_opts *o, struct share_lists *l, size_t n, uint16_t last, bool last_listed)
{
	l->shares = filler_then(n, last);
	l->groups = filler_then(n, last);
	o->share_groups = l->shares;
	o->n_shares = n;
	o->groups = l->groups;
	o->n_groups = last_listed ? n : n - 1;
}

static void free_share_lists(struct share_lists *l)
{
	free(l->shares);
	free(l->groups);
}

/* The most shares that fit: each unknown one takes 5 bytes in key_share and 2 in supported_groups. */
static size_t most_shares(struct sp_fixture *f, struct sp_ch_opts *o, uint16_t last)
{
	struct share_lists l;
	shares_then(o, &l, 1, last, true);
	size_t n = 1 + room_for(f, o, 5 + 2);
	free_share_lists(&l);
	return n;
}

ATF_TC_WITHOUT_HEAD(server_key_share_ninth);
ATF_TC_BODY(server_key_share_ninth, tc)
{
	/* RFC 8446 §4.2.8: eight shares for unknown groups, then one for secp256r1: that one is used, no retry. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	struct share_lists l;
	sp_ch_defaults(&o);
	shares_then(&o, &l, 9, MOAT_GROUP_SECP256R1, true);
	sp_client_send_hello(f, &o);
	server_completes(f);
	ATF_REQUIRE_STREQ(moat_connection_get_curve(f->conn), "secp256r1");
	free_share_lists(&l);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_key_shares_longest);
ATF_TC_BODY(server_key_shares_longest, tc)
{
	/* RFC 8446 §4.2.8: as many shares as the hello holds, secp256r1's last. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	struct share_lists l;
	sp_ch_defaults(&o);
	size_t n = most_shares(f, &o, MOAT_GROUP_SECP256R1);
	ATF_REQUIRE(n > 9000);
	shares_then(&o, &l, n, MOAT_GROUP_SECP256R1, true);
	sp_client_send_hello(f, &o);
	server_completes(f);
	ATF_REQUIRE_STREQ(moat_connection_get_curve(f->conn), "secp256r1");
	free_share_lists(&l);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_key_shares_longest_last_not_listed);
ATF_TC_BODY(server_key_shares_longest_last_not_listed, tc)
{
	/* RFC 8446 §4.2.8: the last share of the longest list is for a group supported_groups does not list. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	struct share_lists l;
	sp_ch_defaults(&o);
	size_t n = most_shares(f, &o, UNKNOWN_BASE + 0x7fff);
	shares_then(&o, &l, n, UNKNOWN_BASE + 0x7fff, false);
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	free_share_lists(&l);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_key_shares_longest_last_duplicate);
ATF_TC_BODY(server_key_shares_longest_last_duplicate, tc)
{
	/* RFC 8446 §4.2.8: "MUST NOT offer multiple KeyShareEntry values for the same group": the last repeats the first. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	struct share_lists l;
	struct moat_buf b;
	uint8_t key = 0x42;
	sp_ch_defaults(&o);
	size_t n = most_shares(f, &o, UNKNOWN_BASE);
	shares_then(&o, &l, n, UNKNOWN_BASE, true);
	o.n_groups = n - 1;
	/* Our encoder refuses a repeated group, so the extension is written here. */
	moat_buf_init(&b, EXT_BLOCK_MAX);
	EXPECT_OK(moat_ext_begin(&b, MOAT_EXT_KEY_SHARE));
	EXPECT_OK(moat_buf_open_prefixed(&b, 2));
	for (size_t i = 0; i < n; i++) {
		EXPECT_OK(moat_buf_put_u16(&b, l.shares[i]));
		EXPECT_OK(moat_buf_put_prefixed(&b, 2, &key, 1));
	}
	EXPECT_OK(moat_buf_close_prefixed(&b));
	EXPECT_OK(moat_ext_end(&b));
	o.no_key_share = true;
	o.extra_ext = b.data;
	o.extra_ext_len = b.len;
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_ILLEGAL_PARAMETER, MOAT_ALERT_ILLEGAL_PARAMETER);
	moat_buf_free(&b);
	free_share_lists(&l);
	sp_free(f);
}

/* Our server's certificate is P-256: ecdsa_secp256r1_sha256 is the one scheme it can use. */
static void server_with_schemes(size_t n, uint16_t last, int err, uint8_t alert)
{
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	sp_ch_defaults(&o);
	if (n == 0) {
		/* The longest list that fits: signature_algorithms<2..2^16-2> is capped by the extensions block. */
		o.sig_algs = &last;
		o.n_sig_algs = 1;
		n = 1 + room_for(f, &o, 2);
	}
	uint16_t *schemes = filler_then(n, last);
	o.sig_algs = schemes;
	o.n_sig_algs = n;
	sp_client_send_hello(f, &o);
	if (err == MOAT_ERR_OK) {
		server_completes(f);
		ATF_REQUIRE_EQ(moat_connection_get_server_sig_scheme(f->conn), last);
	} else {
		sp_expect_fatal(f, sp_negotiate(f), err, alert);
	}
	free(schemes);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_signature_algorithms_late);
ATF_TC_BODY(server_signature_algorithms_late, tc)
{
	/* RFC 8446 §4.2.3: the usable scheme 213th in the client's list. */
	server_with_schemes(213, MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_ERR_OK, 0);
}

ATF_TC_WITHOUT_HEAD(server_signature_algorithms_longest);
ATF_TC_BODY(server_signature_algorithms_longest, tc)
{
	/* The longest list, the usable scheme last; then the longest list with none usable: handshake_failure. */
	server_with_schemes(0, MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_ERR_OK, 0);
	server_with_schemes(0, UNKNOWN_BASE + 0x7fff, MOAT_ERR_HANDSHAKE_FAILURE, MOAT_ALERT_HANDSHAKE_FAILURE);
}

/*
 * The longest ProtocolNameList that fits: names of 255 bytes (the most one
 * holds), one shorter to fill the block, then `last`.
 */
static uint8_t *longest_alpn(struct sp_fixture *f, struct sp_ch_opts *o, const char *last, size_t *ext_len)
{
	size_t last_len = strlen(last);
	/* The extension alone: type, length, list length, the last name. */
	uint8_t small[4 + 2 + 1 + 255];
	small[0] = 0;
	small[1] = MOAT_EXT_ALPN;
	small[2] = 0;
	small[3] = (uint8_t)(2 + 1 + last_len);
	small[4] = 0;
	small[5] = (uint8_t)(1 + last_len);
	small[6] = (uint8_t)last_len;
	memcpy(small + 7, last, last_len);
	o->extra_ext = small;
	o->extra_ext_len = 7 + last_len;
	size_t room = room_for(f, o, 1);
	size_t list_len = 1 + last_len + room;
	ATF_REQUIRE(list_len <= 0xffff);

	struct moat_buf b;
	moat_buf_init(&b, EXT_BLOCK_MAX);
	EXPECT_OK(moat_ext_begin(&b, MOAT_EXT_ALPN));
	EXPECT_OK(moat_buf_open_prefixed(&b, 2));
	for (size_t i = 0; room > 0; i++) {
		/* A name takes its length byte too; never leave a single byte (a name has at least one). */
		size_t take = room > 256 ? 256 : room;
		if (room > 256 && room - 256 < 2)
			take = 200;
		uint8_t name[255];
		memset(name, 'a' + (int)(i % 26), sizeof(name));
		name[0] = (uint8_t)i;
		EXPECT_OK(moat_buf_put_prefixed(&b, 1, name, take - 1));
		room -= take;
	}
	EXPECT_OK(moat_buf_put_prefixed(&b, 1, last, last_len));
	EXPECT_OK(moat_buf_close_prefixed(&b));
	EXPECT_OK(moat_ext_end(&b));
	uint8_t *ext = malloc(b.len);
	ATF_REQUIRE(ext != NULL);
	memcpy(ext, b.data, b.len);
	*ext_len = b.len;
	moat_buf_free(&b);
	o->extra_ext = ext;
	o->extra_ext_len = *ext_len;
	return ext;
}

ATF_TC_WITHOUT_HEAD(server_alpn_longest);
ATF_TC_BODY(server_alpn_longest, tc)
{
	/* RFC 7301 §3.1: the longest ProtocolNameList, our protocol last: chosen. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	size_t len;
	EXPECT_OK(moat_config_set_protocol_preferences(f->cfg, h2, 1));
	sp_ch_defaults(&o);
	uint8_t *ext = longest_alpn(f, &o, "h2", &len);
	sp_client_send_hello(f, &o);
	server_completes(f);
	ATF_REQUIRE_STREQ(moat_get_application_protocol(f->conn), "h2");
	free(ext);
	sp_free(f);

	/* RFC 7301 §3.2: the longest list without our protocol is no_application_protocol. */
	f = sp_new(MOAT_SERVER, NULL);
	EXPECT_OK(moat_config_set_protocol_preferences(f->cfg, h2, 1));
	sp_ch_defaults(&o);
	ext = longest_alpn(f, &o, "h3", &len);
	sp_client_send_hello(f, &o);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_NO_APPLICATION_PROTOCOL, MOAT_ALERT_NO_APPLICATION_PROTOCOL);
	free(ext);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_psk_identities_longest);
ATF_TC_BODY(server_psk_identities_longest, tc)
{
	/*
	 * RFC 8446 §4.2.9, §4.2.11: psk_key_exchange_modes with all 255 modes
	 * (psk_dhe_ke last) and pre_shared_key with as many identities and
	 * binders as fit. Our server offers no resumption: it declines the PSKs
	 * (§4.2.11: it "MAY" select none) and completes a full handshake.
	 */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	struct moat_buf b;
	uint8_t modes[255], binder[32];
	for (size_t i = 0; i < sizeof(modes); i++)
		modes[i] = (uint8_t)(i + 2);
	modes[254] = MOAT_PSK_DHE_KE;
	memset(binder, 0xbb, sizeof(binder));
	sp_ch_defaults(&o);
	moat_buf_init(&b, EXT_BLOCK_MAX);
	EXPECT_OK(moat_ext_write_psk_modes(&b, modes, sizeof(modes)));
	size_t modes_len = b.len;
	/* One identity of 1 byte: 2 + 1 + 4; its binder: 1 + 32; plus the extension's own 8 bytes of headers. */
	o.extra_ext = b.data;
	o.extra_ext_len = modes_len;
	size_t n = (room_for(f, &o, 1) - 8) / (7 + 33);
	ATF_REQUIRE(n > 1000);
	EXPECT_OK(moat_ext_begin(&b, MOAT_EXT_PRE_SHARED_KEY));
	EXPECT_OK(moat_buf_open_prefixed(&b, 2));
	for (size_t i = 0; i < n; i++) {
		uint8_t id = (uint8_t)i;
		EXPECT_OK(moat_buf_put_prefixed(&b, 2, &id, 1));
		EXPECT_OK(moat_buf_put_u32(&b, (uint32_t)i));
	}
	EXPECT_OK(moat_buf_close_prefixed(&b));
	EXPECT_OK(moat_buf_open_prefixed(&b, 2));
	for (size_t i = 0; i < n; i++)
		EXPECT_OK(moat_buf_put_prefixed(&b, 1, binder, sizeof(binder)));
	EXPECT_OK(moat_buf_close_prefixed(&b));
	EXPECT_OK(moat_ext_end(&b));
	o.extra_ext = b.data;
	o.extra_ext_len = b.len;
	sp_client_send_hello(f, &o);
	server_completes(f);
	moat_buf_free(&b);
	sp_free(f);
}

/*
 * certificate_authorities<3..2^16-1> of DistinguishedName<1..2^16-1>, its
 * entries list_len bytes in all, `last` at the end.
 */
static void put_longest_cas(struct moat_buf *b, size_t list_len, const uint8_t *last, size_t last_len)
{
	uint8_t dn[1000];
	size_t room = list_len - 2 - last_len;
	EXPECT_OK(moat_ext_begin(b, MOAT_EXT_CERTIFICATE_AUTHORITIES));
	EXPECT_OK(moat_buf_open_prefixed(b, 2));
	for (size_t i = 0; room > 0; i++) {
		size_t take = room > sizeof(dn) + 2 ? sizeof(dn) + 2 : room;
		if (room > sizeof(dn) + 2 && room - take < 3)
			take = sizeof(dn) / 2;
		memset(dn, (int)(i & 0xff), sizeof(dn));
		EXPECT_OK(moat_buf_put_prefixed(b, 2, dn, take - 2));
		room -= take;
	}
	EXPECT_OK(moat_buf_put_prefixed(b, 2, last, last_len));
	EXPECT_OK(moat_buf_close_prefixed(b));
	EXPECT_OK(moat_ext_end(b));
}

/* A DER Name for the last place; the tests only need it to be the last entry, not to match. */
static const uint8_t ca_name[] = { 0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55,
				   0x04, 0x03, 0x0c, 0x04, 't',	 'e',  's',  't' };

ATF_TC_WITHOUT_HEAD(server_certificate_authorities_longest);
ATF_TC_BODY(server_certificate_authorities_longest, tc)
{
	/* RFC 8446 §4.2.4: the longest certificate_authorities list that fits; it names no CA of ours. */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	struct moat_buf b;
	sp_ch_defaults(&o);
	/* The extension's header (4) and its list's length (2) come out of the room left. */
	size_t list_len = room_for(f, &o, 1) - 6;
	moat_buf_init(&b, EXT_BLOCK_MAX);
	put_longest_cas(&b, list_len, ca_name, sizeof(ca_name));
	o.extra_ext = b.data;
	o.extra_ext_len = b.len;
	sp_client_send_hello(f, &o);
	server_completes(f);
	moat_buf_free(&b);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(server_extensions_most);
ATF_TC_BODY(server_extensions_most, tc)
{
	/*
	 * RFC 8446 §4.1.2: as many extensions as the block holds: empty ones of
	 * unknown types (ignored), then every extension the handshake needs.
	 */
	struct sp_fixture *f = sp_new(MOAT_SERVER, NULL);
	struct sp_ch_opts o;
	struct moat_buf b;
	sp_ch_defaults(&o);
	size_t n = room_for(f, &o, 4);
	ATF_REQUIRE(n > 16000);
	moat_buf_init(&b, EXT_BLOCK_MAX);
	for (size_t i = 0; i < n; i++)
		put_ext(&b, (uint16_t)(UNKNOWN_BASE + i), NULL, 0);
	o.prefix_ext = b.data;
	o.prefix_ext_len = b.len;
	sp_client_send_hello(f, &o);
	server_completes(f);
	moat_buf_free(&b);
	sp_free(f);
}

/* ======================================================================
 * Our client against a scripted server
 * ====================================================================== */

/* Our client (with the fixture's P-256 certificate to offer) has the ServerHello and handshake keys. */
static struct sp_fixture *client_with_cert_after_server_hello(void)
{
	struct sp_fixture *f = sp_new(MOAT_CLIENT, NULL);
	EXPECT_OK(moat_config_add_cert_chain_and_key_to_store(f->cfg, f->ck));
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	sp_server_hello_ok(f);
	return f;
}

/* The rest of the server's flight after a CertificateRequest with the extensions ext. */
static void queue_flight_with_request(struct sp_fixture *f, const uint8_t *ext, size_t ext_len)
{
	sp_server_queue_ee(f, NULL, 0);
	sp_server_queue_certificate_request(f, ext, ext_len);
	sp_server_queue_certificate(f, false);
	sp_server_queue_certificate_verify(f, SP_CV_GOOD);
	sp_server_queue_finished(f, false);
	sp_server_flush(f);
}

/* A CertificateRequest whose signature_algorithms is the longest list, `last` at the end. */
static void client_answers_schemes(uint16_t last, uint16_t expect_scheme)
{
	struct sp_fixture *f = client_with_cert_after_server_hello();
	struct moat_buf b;
	/* extensions<2..2^16-1>: the one extension's header (4) and list length (2) leave 65529 bytes. */
	size_t n = (EXT_BLOCK_MAX - 6) / 2;
	uint16_t *schemes = filler_then(n, last);
	moat_buf_init(&b, EXT_BLOCK_MAX);
	EXPECT_OK(moat_ext_write_u16_list(&b, MOAT_EXT_SIGNATURE_ALGORITHMS, schemes, n));
	free(schemes);
	queue_flight_with_request(f, b.data, b.len);
	moat_buf_free(&b);
	sp_server_complete_client_auth(f, expect_scheme);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_certificate_request_schemes_longest);
ATF_TC_BODY(client_certificate_request_schemes_longest, tc)
{
	/* RFC 8446 §4.3.2: the longest signature_algorithms, the one our P-256 key can use last: we sign with it. */
	client_answers_schemes(MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_ECDSA_SECP256R1_SHA256);
	/* RFC 8446 §4.4.2: none usable: an empty Certificate, and the handshake goes on. */
	client_answers_schemes(UNKNOWN_BASE + 0x7fff, 0);
}

ATF_TC_WITHOUT_HEAD(client_certificate_request_authorities_longest);
ATF_TC_BODY(client_certificate_request_authorities_longest, tc)
{
	/* RFC 8446 §4.2.4: the longest certificate_authorities beside signature_algorithms; the handshake completes. */
	static const uint16_t ecdsa[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256 };
	struct sp_fixture *f = client_with_cert_after_server_hello();
	struct moat_buf b;
	moat_buf_init(&b, EXT_BLOCK_MAX);
	EXPECT_OK(moat_ext_write_u16_list(&b, MOAT_EXT_SIGNATURE_ALGORITHMS, ecdsa, COUNT(ecdsa)));
	put_longest_cas(&b, EXT_BLOCK_MAX - b.len - 6, ca_name, sizeof(ca_name));
	ATF_REQUIRE_EQ(b.len, EXT_BLOCK_MAX);
	queue_flight_with_request(f, b.data, b.len);
	moat_buf_free(&b);
	sp_server_complete_client_auth(f, MOAT_SIG_ECDSA_SECP256R1_SHA256);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_certificate_request_authorities_malformed);
ATF_TC_BODY(client_certificate_request_authorities_malformed, tc)
{
	/* RFC 8446 §6: a DistinguishedName running past its list is decode_error. */
	static const uint16_t ecdsa[] = { MOAT_SIG_ECDSA_SECP256R1_SHA256 };
	static const uint8_t bad_cas[] = { 0x00, 0x04, 0x00, 0x05, 0x01, 0x02 };
	struct sp_fixture *f = client_with_cert_after_server_hello();
	struct moat_buf b;
	moat_buf_init(&b, 256);
	EXPECT_OK(moat_ext_write_u16_list(&b, MOAT_EXT_SIGNATURE_ALGORITHMS, ecdsa, COUNT(ecdsa)));
	put_ext(&b, MOAT_EXT_CERTIFICATE_AUTHORITIES, bad_cas, sizeof(bad_cas));
	queue_flight_with_request(f, b.data, b.len);
	moat_buf_free(&b);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_DECODE, MOAT_ALERT_DECODE_ERROR);
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_encrypted_extensions_longest);
ATF_TC_BODY(client_encrypted_extensions_longest, tc)
{
	/*
	 * RFC 8446 §4.2.7: the server's supported_groups in EncryptedExtensions,
	 * as long as fits beside its ALPN answer: our client takes the answer and
	 * completes (the groups are for later connections).
	 */
	struct sp_fixture *f = sp_new(MOAT_CLIENT, NULL);
	struct moat_buf b;
	EXPECT_OK(moat_config_set_protocol_preferences(f->cfg, h2, 1));
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	sp_server_hello_ok(f);
	moat_buf_init(&b, EXT_BLOCK_MAX);
	EXPECT_OK(moat_ext_write_alpn_selected(&b, (const uint8_t *)"h2", 2));
	size_t n = (EXT_BLOCK_MAX - b.len - 6) / 2;
	uint16_t *groups = filler_then(n, MOAT_GROUP_X25519);
	EXPECT_OK(moat_ext_write_u16_list(&b, MOAT_EXT_SUPPORTED_GROUPS, groups, n));
	free(groups);
	sp_server_queue_ee(f, b.data, b.len);
	moat_buf_free(&b);
	sp_server_queue_certificate(f, false);
	sp_server_queue_certificate_verify(f, SP_CV_GOOD);
	sp_server_queue_finished(f, false);
	sp_server_flush(f);
	sp_server_complete(f);
	ATF_REQUIRE_STREQ(moat_get_application_protocol(f->conn), "h2");
	sp_free(f);
}

ATF_TC_WITHOUT_HEAD(client_encrypted_extensions_groups_malformed);
ATF_TC_BODY(client_encrypted_extensions_groups_malformed, tc)
{
	/* RFC 8446 §4.2.7, §6: a supported_groups list of odd length is decode_error. */
	static const uint8_t odd[] = { 0x00, 0x03, 0x00, 0x1d, 0x00 };
	struct sp_fixture *f = sp_new(MOAT_CLIENT, NULL);
	struct moat_buf b;
	SP_REQUIRE_RESULT(sp_negotiate(f), MOAT_ERR_IO_BLOCKED);
	sp_server_read_hello(f);
	sp_server_hello_ok(f);
	moat_buf_init(&b, 64);
	put_ext(&b, MOAT_EXT_SUPPORTED_GROUPS, odd, sizeof(odd));
	sp_server_queue_ee(f, b.data, b.len);
	moat_buf_free(&b);
	sp_server_flush(f);
	sp_expect_fatal(f, sp_negotiate(f), MOAT_ERR_DECODE, MOAT_ALERT_DECODE_ERROR);
	sp_free(f);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, server_cipher_suites_longest);
	ATF_TP_ADD_TC(tp, server_client_hello_largest);
	ATF_TP_ADD_TC(tp, server_client_hello_over_limit);
	ATF_TP_ADD_TC(tp, server_supported_groups_longest_share_last);
	ATF_TP_ADD_TC(tp, server_supported_groups_longest_retry);
	ATF_TP_ADD_TC(tp, server_supported_groups_longest_none_known);
	ATF_TP_ADD_TC(tp, server_key_share_ninth);
	ATF_TP_ADD_TC(tp, server_key_shares_longest);
	ATF_TP_ADD_TC(tp, server_key_shares_longest_last_not_listed);
	ATF_TP_ADD_TC(tp, server_key_shares_longest_last_duplicate);
	ATF_TP_ADD_TC(tp, server_signature_algorithms_late);
	ATF_TP_ADD_TC(tp, server_signature_algorithms_longest);
	ATF_TP_ADD_TC(tp, server_alpn_longest);
	ATF_TP_ADD_TC(tp, server_psk_identities_longest);
	ATF_TP_ADD_TC(tp, server_certificate_authorities_longest);
	ATF_TP_ADD_TC(tp, server_extensions_most);
	ATF_TP_ADD_TC(tp, client_certificate_request_schemes_longest);
	ATF_TP_ADD_TC(tp, client_certificate_request_authorities_longest);
	ATF_TP_ADD_TC(tp, client_certificate_request_authorities_malformed);
	ATF_TP_ADD_TC(tp, client_encrypted_extensions_longest);
	ATF_TP_ADD_TC(tp, client_encrypted_extensions_groups_malformed);
	return atf_no_error();
}
