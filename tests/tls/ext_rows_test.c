/*
 * The extension rows and lists (tls/ext_rows.h) checked against the RFC.
 *
 * The RFC 8446 §4.2 table (TLS 1.3 column), RFC 8449 §4 for
 * record_size_limit and the TLS 1.2 ServerHello answers are transcribed
 * below independently of the codec's table. Every column with behaviour
 * must be one of the messages the extension may appear in; every list may
 * name only extensions its message allows, and each entry has the writer or
 * handler its list calls; every column with a writer or handler is reached
 * from some list; the send lists are the wire order the handshake has
 * always used; a response list reads every extension we may offer that
 * the response can carry. Then the walks themselves, on a connection: the
 * missing pass before the recv pass, unoffered answers refused, the cookie
 * of a HelloRetryRequest taken unasked, the ClientHello written in order.
 */
#include <atf-c.h>
#include <string.h>

#include "tests/moat_test.h"
#include "tls/ext_rows.h"
#include "tls/iana.h"

#define CH MOAT_MSG_CH
#define SH MOAT_MSG_SH
#define HRR MOAT_MSG_HRR
#define EE MOAT_MSG_EE
#define CT MOAT_MSG_CT
#define CR MOAT_MSG_CR
#define NST MOAT_MSG_NST
#define SH12 MOAT_MSG_SH12

/* A row added past the set's width must stop the build here too. */
_Static_assert(MOAT_EXTI_COUNT <= MOAT_EXT_SET_CAPACITY, "moat_ext_set cannot hold every row");

static const unsigned all_msgs[] = { CH, SH, HRR, EE, CT, CR, NST, SH12 };
#define N_MSGS (sizeof(all_msgs) / sizeof(all_msgs[0]))

/* RFC 8446 §4.2, RFC 8449 §4; SH12: RFC 6066, 7301, 6962, 8449, 8422 §5.2, 7627 §5.1, 5077 §3.2, 5746 §3.6. */
static unsigned rfc_allowed(uint16_t type)
{
	switch (type) {
	case MOAT_EXT_SERVER_NAME:
	case MOAT_EXT_MAX_FRAGMENT_LENGTH:
	case MOAT_EXT_ALPN:
	case MOAT_EXT_RECORD_SIZE_LIMIT:
		return CH | EE | SH12;
	case MOAT_EXT_STATUS_REQUEST:
	case MOAT_EXT_SCT:
		return CH | CR | CT | SH12;
	case MOAT_EXT_SUPPORTED_GROUPS:
		return CH | EE;
	case MOAT_EXT_SIGNATURE_ALGORITHMS:
	case MOAT_EXT_CERTIFICATE_AUTHORITIES:
	case MOAT_EXT_SIGNATURE_ALGORITHMS_CERT:
		return CH | CR;
	case MOAT_EXT_PADDING:
	case MOAT_EXT_PSK_KEY_EXCHANGE_MODES:
	case MOAT_EXT_POST_HANDSHAKE_AUTH:
		return CH;
	case MOAT_EXT_PRE_SHARED_KEY:
		return CH | SH;
	case MOAT_EXT_EARLY_DATA:
		return CH | EE | NST;
	case MOAT_EXT_SUPPORTED_VERSIONS:
	case MOAT_EXT_KEY_SHARE:
		return CH | SH | HRR;
	case MOAT_EXT_COOKIE:
		return CH | HRR;
	case MOAT_EXT_OID_FILTERS:
		return CR;
	case MOAT_EXT_EC_POINT_FORMATS:
	case MOAT_EXT_EXTENDED_MASTER_SECRET:
	case MOAT_EXT_SESSION_TICKET:
	case MOAT_EXT_RENEGOTIATION_INFO:
		return CH | SH12;
	default:
		return 0;
	}
}

static bool is_send_list(const struct moat_ext_list *l)
{
	return l == &moat_ext_ch_send || l == &moat_ext_sh_send || l == &moat_ext_hrr_send || l == &moat_ext_ee_send ||
	       l == &moat_ext_cr_send || l == &moat_ext_sh12_send;
}

static bool column_empty(const struct moat_ext_column *c)
{
	return c->should_send == NULL && c->write == NULL && c->recv == NULL && c->if_missing == NULL &&
	       !c->unsolicited;
}

static bool list_has(const struct moat_ext_list *l, moat_ext_index i)
{
	for (size_t k = 0; k < l->count; k++)
		if (l->exts[k] == i)
			return true;
	return false;
}

ATF_TC_WITHOUT_HEAD(set_holds_every_row);
ATF_TC_BODY(set_holds_every_row, tc)
{
	moat_ext_set all = 0;
	for (unsigned i = 0; i < MOAT_EXTI_COUNT; i++) {
		ATF_REQUIRE(MOAT_EXT_BIT(i) != 0);
		ATF_REQUIRE((all & MOAT_EXT_BIT(i)) == 0);
		all |= MOAT_EXT_BIT(i);
		ATF_REQUIRE(moat_ext_set_has(all, (moat_ext_index)i));
	}
	/* Out of range is never a member, whatever the set holds. */
	ATF_REQUIRE(!moat_ext_set_has(~(moat_ext_set)0, MOAT_EXTI_COUNT));
}

/* A column with behaviour only where the RFC lets the extension appear. */
ATF_TC_WITHOUT_HEAD(columns_within_rfc_table);
ATF_TC_BODY(columns_within_rfc_table, tc)
{
	for (unsigned i = 0; i < MOAT_EXTI_COUNT; i++) {
		uint16_t type = moat_ext_type_of((moat_ext_index)i);
		ATF_REQUIRE_MSG(rfc_allowed(type) != 0, "row %u (type %u) is not in the RFC table", i, type);
		ATF_REQUIRE_EQ(moat_ext_allowed_in((moat_ext_index)i), rfc_allowed(type));
		for (size_t m = 0; m < N_MSGS; m++) {
			const struct moat_ext_column *c = moat_ext_column_of((moat_ext_index)i, all_msgs[m]);
			ATF_REQUIRE(c != NULL);
			if (!column_empty(c))
				ATF_REQUIRE_MSG(rfc_allowed(type) & all_msgs[m], "%s has behaviour in message %#x",
						moat_ext_name((moat_ext_index)i), all_msgs[m]);
			/* §4.2: only the cookie of a HelloRetryRequest comes unasked. */
			ATF_REQUIRE_EQ(c->unsolicited, i == MOAT_EXTI_COOKIE && all_msgs[m] == HRR);
		}
	}
	ATF_REQUIRE(moat_ext_column_of(MOAT_EXTI_COUNT, CH) == NULL);
	ATF_REQUIRE(moat_ext_column_of(MOAT_EXTI_KEY_SHARE, CH | SH) == NULL);
}

/* Every list: its message allows each entry, no entry twice, and each has what the walk calls. */
ATF_TC_WITHOUT_HEAD(lists_within_rfc_table);
ATF_TC_BODY(lists_within_rfc_table, tc)
{
	size_t n = 0;
	for (const struct moat_ext_list *const *lp = moat_ext_lists; *lp != NULL; lp++, n++) {
		const struct moat_ext_list *l = *lp;
		moat_ext_set seen = 0;
		ATF_REQUIRE(l->count > 0);
		/* Responses are what a client reads: SH, HRR, EE, and TLS 1.2's ServerHello. */
		ATF_REQUIRE_EQ(l->response, !is_send_list(l) && (l->msg == SH || l->msg == HRR || l->msg == EE ||
								   l->msg == SH12));
		for (size_t k = 0; k < l->count; k++) {
			moat_ext_index i = (moat_ext_index)l->exts[k];
			ATF_REQUIRE(i < MOAT_EXTI_COUNT);
			ATF_REQUIRE_MSG(rfc_allowed(moat_ext_type_of(i)) & l->msg, "%s: %s not allowed there", l->name,
					moat_ext_name(i));
			ATF_REQUIRE_MSG(!moat_ext_set_has(seen, i), "%s: %s twice", l->name, moat_ext_name(i));
			seen |= MOAT_EXT_BIT(i);
			const struct moat_ext_column *c = moat_ext_column_of(i, l->msg);
			if (is_send_list(l))
				ATF_REQUIRE_MSG(c->write != NULL, "%s: %s has no writer", l->name, moat_ext_name(i));
			else
				ATF_REQUIRE_MSG(c->recv != NULL, "%s: %s has no handler", l->name, moat_ext_name(i));
		}
	}
	ATF_REQUIRE_EQ(n, 15);
}

/* No dead behaviour: a writer is in the send list of its message, a handler in some receive list. */
ATF_TC_WITHOUT_HEAD(every_column_reached);
ATF_TC_BODY(every_column_reached, tc)
{
	for (unsigned i = 0; i < MOAT_EXTI_COUNT; i++) {
		for (size_t m = 0; m < N_MSGS; m++) {
			const struct moat_ext_column *c = moat_ext_column_of((moat_ext_index)i, all_msgs[m]);
			bool sent = false, read = false;
			for (const struct moat_ext_list *const *lp = moat_ext_lists; *lp != NULL; lp++) {
				if ((*lp)->msg != all_msgs[m] || !list_has(*lp, (moat_ext_index)i))
					continue;
				if (is_send_list(*lp))
					sent = true;
				else
					read = true;
			}
			const char *name = moat_ext_name((moat_ext_index)i);
			ATF_REQUIRE_MSG((c->write != NULL) == sent, "%s in %#x: writer %d, in a send list %d", name,
					all_msgs[m], c->write != NULL, sent);
			ATF_REQUIRE_MSG(c->should_send == NULL || c->write != NULL, "%s: should_send, no writer", name);
			ATF_REQUIRE_MSG((c->recv != NULL) == read, "%s in %#x: handler %d, in a receive list %d", name,
					all_msgs[m], c->recv != NULL, read);
			ATF_REQUIRE_MSG(c->if_missing == NULL || c->recv != NULL, "%s: if_missing, no handler", name);
		}
	}
}

/* The order on the wire of every message we write (interop and the HRR retry depend on it). */
ATF_TC_WITHOUT_HEAD(send_lists_wire_order);
ATF_TC_BODY(send_lists_wire_order, tc)
{
	static const struct {
		const struct moat_ext_list *list;
		unsigned msg;
		uint16_t types[13];
		size_t n;
	} want[] = {
		{ &moat_ext_ch_send, CH,
		  { MOAT_EXT_SERVER_NAME, MOAT_EXT_SUPPORTED_VERSIONS, MOAT_EXT_SUPPORTED_GROUPS,
		    MOAT_EXT_SIGNATURE_ALGORITHMS, MOAT_EXT_KEY_SHARE, MOAT_EXT_ALPN, MOAT_EXT_COOKIE,
		    MOAT_EXT_EC_POINT_FORMATS, MOAT_EXT_EXTENDED_MASTER_SECRET, MOAT_EXT_RENEGOTIATION_INFO,
		    MOAT_EXT_PSK_KEY_EXCHANGE_MODES, MOAT_EXT_EARLY_DATA, MOAT_EXT_PRE_SHARED_KEY },
		  13 },
		{ &moat_ext_sh_send, SH, { MOAT_EXT_SUPPORTED_VERSIONS, MOAT_EXT_KEY_SHARE, MOAT_EXT_PRE_SHARED_KEY }, 3 },
		{ &moat_ext_hrr_send, HRR, { MOAT_EXT_SUPPORTED_VERSIONS, MOAT_EXT_KEY_SHARE, MOAT_EXT_COOKIE }, 3 },
		{ &moat_ext_ee_send, EE,
		  { MOAT_EXT_SERVER_NAME, MOAT_EXT_ALPN, MOAT_EXT_RECORD_SIZE_LIMIT, MOAT_EXT_MAX_FRAGMENT_LENGTH,
		    MOAT_EXT_EARLY_DATA },
		  5 },
		{ &moat_ext_cr_send, CR, { MOAT_EXT_SIGNATURE_ALGORITHMS }, 1 },
		{ &moat_ext_sh12_send, SH12,
		  { MOAT_EXT_RENEGOTIATION_INFO, MOAT_EXT_EXTENDED_MASTER_SECRET, MOAT_EXT_EC_POINT_FORMATS,
		    MOAT_EXT_SERVER_NAME, MOAT_EXT_ALPN, MOAT_EXT_STATUS_REQUEST, MOAT_EXT_SCT,
		    MOAT_EXT_RECORD_SIZE_LIMIT, MOAT_EXT_MAX_FRAGMENT_LENGTH, MOAT_EXT_SESSION_TICKET },
		  10 },
	};
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		const struct moat_ext_list *l = want[w].list;
		ATF_REQUIRE_EQ(l->msg, want[w].msg);
		ATF_REQUIRE_EQ_MSG(l->count, want[w].n, "%s", l->name);
		for (size_t k = 0; k < l->count; k++)
			ATF_REQUIRE_EQ_MSG(moat_ext_type_of((moat_ext_index)l->exts[k]), want[w].types[k],
					   "%s, entry %zu", l->name, k);
	}
	/* §4.1.4: a HelloRetryRequest carries supported_versions; §4.1.3: so does a TLS 1.3 ServerHello. */
	ATF_REQUIRE(list_has(&moat_ext_hrr_send, MOAT_EXTI_SUPPORTED_VERSIONS));
	ATF_REQUIRE(list_has(&moat_ext_sh_send, MOAT_EXTI_SUPPORTED_VERSIONS));
}

/*
 * A response list reads whatever we may offer that the response can carry,
 * or a legitimate answer would be refused. supported_versions in SH / HRR
 * is read by the version choice before any list (hello.c).
 */
ATF_TC_WITHOUT_HEAD(responses_read_what_we_offer);
ATF_TC_BODY(responses_read_what_we_offer, tc)
{
	const struct moat_ext_list *responses[] = { &moat_ext_sh13_recv, &moat_ext_hrr13_recv, &moat_ext_ee13_recv };
	for (size_t r = 0; r < 3; r++) {
		for (size_t k = 0; k < moat_ext_ch_send.count; k++) {
			moat_ext_index i = (moat_ext_index)moat_ext_ch_send.exts[k];
			bool can_answer = (rfc_allowed(moat_ext_type_of(i)) & responses[r]->msg) != 0;
			if (!can_answer || i == MOAT_EXTI_SUPPORTED_VERSIONS)
				continue;
			ATF_REQUIRE_MSG(list_has(responses[r], i), "%s does not read %s", responses[r]->name,
					moat_ext_name(i));
		}
	}
	/* §4.1.4 / §9.2: what a server must find in a TLS 1.3 ClientHello is required by the rows. */
	const moat_ext_index required[] = { MOAT_EXTI_SUPPORTED_GROUPS, MOAT_EXTI_KEY_SHARE,
					    MOAT_EXTI_SIGNATURE_ALGORITHMS };
	for (size_t k = 0; k < 3; k++) {
		ATF_REQUIRE(list_has(&moat_ext_ch13_recv, required[k]));
		ATF_REQUIRE(moat_ext_column_of(required[k], CH)->if_missing != NULL);
	}
	ATF_REQUIRE(moat_ext_column_of(MOAT_EXTI_KEY_SHARE, SH)->if_missing != NULL);
}

/* ---- The walks on a connection. ---- */

static struct moat_connection *client_conn(struct moat_config **cfg)
{
	static const char *const protos[] = { "h2", "http/1.1" };
	*cfg = moat_config_new();
	ATF_REQUIRE(*cfg != NULL);
	EXPECT_OK(moat_config_set_protocol_preferences(*cfg, protos, 2));
	struct moat_connection *conn = moat_connection_new(MOAT_CLIENT);
	ATF_REQUIRE(conn != NULL);
	EXPECT_OK(moat_connection_set_config(conn, *cfg));
	EXPECT_OK(moat_set_server_name(conn, "example.com"));
	EXPECT_OK(moat_conn_alloc_handshake(conn));
	return conn;
}

static void done(struct moat_connection *conn, struct moat_config *cfg)
{
	EXPECT_OK(moat_connection_free(conn));
	EXPECT_OK(moat_config_free(cfg));
}

/* Parse body (extensions without the block prefix) as msg. */
static void parse(const struct moat_buf *body, unsigned msg, struct moat_ext_block *blk)
{
	struct moat_cursor c;
	moat_cursor_init(&c, body->data, body->len);
	EXPECT_OK(moat_ext_block_parse_raw(c, msg, blk));
}

ATF_TC_WITHOUT_HEAD(client_hello_written_in_list_order);
ATF_TC_BODY(client_hello_written_in_list_order, tc)
{
	struct moat_config *cfg;
	struct moat_connection *conn = client_conn(&cfg);
	struct moat_buf out;
	moat_ext_set written;
	moat_buf_init(&out, 65535);
	EXPECT_OK(moat_ext_write_list(conn, &moat_ext_ch_send, &out, &written));
	/* No cookie before a HelloRetryRequest, no PSK or early data without a session: the rest, in the list's order. */
	struct moat_cursor c;
	moat_cursor_init(&c, out.data, out.len);
	moat_ext_set expect = 0;
	for (size_t k = 0; k < moat_ext_ch_send.count; k++) {
		moat_ext_index i = (moat_ext_index)moat_ext_ch_send.exts[k];
		if (i == MOAT_EXTI_COOKIE || i == MOAT_EXTI_PRE_SHARED_KEY || i == MOAT_EXTI_EARLY_DATA)
			continue;
		uint16_t type;
		struct moat_cursor data;
		EXPECT_OK(moat_cursor_get_u16(&c, &type));
		EXPECT_OK(moat_cursor_get_prefixed(&c, 2, &data));
		ATF_REQUIRE_EQ(type, moat_ext_type_of(i));
		expect |= MOAT_EXT_BIT(i);
	}
	ATF_REQUIRE_EQ(moat_cursor_remaining(&c), 0);
	ATF_REQUIRE_EQ(written, expect);
	struct moat_ext_block blk;
	parse(&out, CH, &blk);
	ATF_REQUIRE_EQ(blk.present, expect);
	moat_buf_free(&out);
	done(conn, cfg);
}

/* An EncryptedExtensions answer to what we did not offer is unsupported_extension (§4.2). */
ATF_TC_WITHOUT_HEAD(response_refuses_unoffered);
ATF_TC_BODY(response_refuses_unoffered, tc)
{
	static const uint8_t h2[] = { 2, 'h', '2' }, spdy[] = { 4, 's', 'p', 'd', 'y' };
	struct moat_config *cfg;
	struct moat_connection *conn = client_conn(&cfg);
	struct moat_buf body;
	struct moat_ext_block blk;

	moat_buf_init(&body, 256);
	EXPECT_OK(moat_ext_write_alpn_selected(&body, h2 + 1, h2[0]));
	parse(&body, EE, &blk);
	EXPECT_ERR(moat_ext_recv_list(conn, &moat_ext_ee13_recv, &blk, 0), MOAT_ERR_UNSUPPORTED_EXTENSION);
	EXPECT_ERR(moat_ext_recv_list(conn, &moat_ext_ee13_recv, &blk, MOAT_EXT_BIT(MOAT_EXTI_SERVER_NAME)),
		   MOAT_ERR_UNSUPPORTED_EXTENSION);
	/* Offered: the server's choice is one of ours, and becomes the connection's. */
	EXPECT_OK(moat_ext_recv_list(conn, &moat_ext_ee13_recv, &blk, MOAT_EXT_BIT(MOAT_EXTI_ALPN)));
	ATF_REQUIRE_STREQ(moat_get_application_protocol(conn), "h2");

	/* RFC 7301 §3.2: a name we did not offer is illegal_parameter. */
	moat_buf_reset(&body);
	EXPECT_OK(moat_ext_write_alpn_selected(&body, spdy + 1, spdy[0]));
	parse(&body, EE, &blk);
	EXPECT_ERR(moat_ext_recv_list(conn, &moat_ext_ee13_recv, &blk, MOAT_EXT_BIT(MOAT_EXTI_ALPN)),
		   MOAT_ERR_ILLEGAL_PARAMETER);

	/* early_data not offered (no session allowing it): refused even with every other bit set. */
	moat_buf_reset(&body);
	EXPECT_OK(moat_ext_write_empty(&body, MOAT_EXT_EARLY_DATA));
	parse(&body, EE, &blk);
	EXPECT_ERR(moat_ext_recv_list(conn, &moat_ext_ee13_recv, &blk, ~MOAT_EXT_BIT(MOAT_EXTI_EARLY_DATA)),
		   MOAT_ERR_UNSUPPORTED_EXTENSION);
	moat_buf_free(&body);
	done(conn, cfg);
}

/* §4.2: the cookie of a HelloRetryRequest is the one answer that needs no offer; absent key_share keeps the group. */
ATF_TC_WITHOUT_HEAD(hrr_cookie_unasked);
ATF_TC_BODY(hrr_cookie_unasked, tc)
{
	static const uint8_t cookie[] = { 1, 2, 3, 4, 5 };
	struct moat_config *cfg;
	struct moat_connection *conn = client_conn(&cfg);
	struct moat_buf body;
	struct moat_ext_block blk;
	moat_buf_init(&body, 256);
	EXPECT_OK(moat_ext_write_supported_versions_sh(&body, MOAT_TLS13));
	EXPECT_OK(moat_ext_write_cookie(&body, cookie, sizeof(cookie)));
	parse(&body, HRR, &blk);
	conn->group = MOAT_GROUP_SECP256R1;
	moat_ext_set offered = MOAT_EXT_BIT(MOAT_EXTI_SUPPORTED_VERSIONS) | MOAT_EXT_BIT(MOAT_EXTI_KEY_SHARE);
	EXPECT_OK(moat_ext_recv_list(conn, &moat_ext_hrr13_recv, &blk, offered));
	ATF_REQUIRE_EQ(conn->hs->cookie_len, sizeof(cookie));
	ATF_REQUIRE(memcmp(conn->hs->cookie, cookie, sizeof(cookie)) == 0);
	ATF_REQUIRE_EQ(conn->hs->hrr_group, MOAT_GROUP_SECP256R1);
	moat_buf_free(&body);
	done(conn, cfg);
}

/*
 * The missing pass runs first: a ClientHello without key_share is
 * missing_extension even when an extension read earlier in the list is
 * malformed (RFC 8446 §9.2), and with every required one present the same
 * malformed extension is decode_error.
 */
ATF_TC_WITHOUT_HEAD(missing_before_malformed);
ATF_TC_BODY(missing_before_malformed, tc)
{
	static const uint8_t bad_groups[] = { 0x00, 0x03, 0x00, 0x1d, 0x00 }; /* odd length */
	struct moat_config *cfg;
	struct moat_connection *conn = client_conn(&cfg);
	struct moat_buf body;
	struct moat_ext_block blk;
	moat_buf_init(&body, 256);
	EXPECT_OK(moat_ext_write_raw(&body, MOAT_EXT_SUPPORTED_GROUPS, bad_groups, sizeof(bad_groups)));
	EXPECT_OK(moat_ext_write_empty(&body, MOAT_EXT_SIGNATURE_ALGORITHMS));
	parse(&body, CH, &blk);
	EXPECT_ERR(moat_ext_recv_list(conn, &moat_ext_ch13_recv, &blk, 0), MOAT_ERR_MISSING_EXTENSION);
	EXPECT_ERR(moat_ext_recv_missing(conn, &moat_ext_ch13_recv, &blk, 0), MOAT_ERR_MISSING_EXTENSION);
	struct moat_key_share share = { .group = MOAT_GROUP_X25519 };
	static const uint8_t point[32] = { 9 };
	moat_cursor_init(&share.key_exchange, point, sizeof(point));
	EXPECT_OK(moat_ext_write_key_share_ch(&body, &share, 1));
	parse(&body, CH, &blk);
	EXPECT_OK(moat_ext_recv_missing(conn, &moat_ext_ch13_recv, &blk, 0));
	EXPECT_ERR(moat_ext_recv_present(conn, &moat_ext_ch13_recv, &blk), MOAT_ERR_DECODE);
	moat_buf_free(&body);
	done(conn, cfg);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, set_holds_every_row);
	ATF_TP_ADD_TC(tp, columns_within_rfc_table);
	ATF_TP_ADD_TC(tp, lists_within_rfc_table);
	ATF_TP_ADD_TC(tp, every_column_reached);
	ATF_TP_ADD_TC(tp, send_lists_wire_order);
	ATF_TP_ADD_TC(tp, responses_read_what_we_offer);
	ATF_TP_ADD_TC(tp, client_hello_written_in_list_order);
	ATF_TP_ADD_TC(tp, response_refuses_unoffered);
	ATF_TP_ADD_TC(tp, hrr_cookie_unasked);
	ATF_TP_ADD_TC(tp, missing_before_malformed);
	return atf_no_error();
}
