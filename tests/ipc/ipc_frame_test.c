/*
 * IPC framing: the 12-byte header (known bytes), every short packet,
 * body_len off by one both ways, the packet size limit, the receiver's
 * order of checks (framing, version, status, opcode) and when it can still
 * answer, the requester's reply checks, begin/end rules and the name tables.
 */
#include "tests/ipc/ipc_test_util.h"

ATF_TC_WITHOUT_HEAD(header_known_bytes);
ATF_TC_BODY(header_known_bytes, tc)
{
	static const uint8_t want[] = {
		0x01, 0x04, 0x00, 0x00,             /* version 1, PING, status 0 */
		0xde, 0xad, 0xbe, 0xef,             /* request id */
		0x00, 0x00, 0x00, 0x05,             /* body_len */
		0x00, 0x03, 'a', 'b', 'c',          /* payload<0..256> */
	};
	struct ipc_pkt p;
	struct moat_ipc_header h;
	struct moat_cursor body;

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ping_encode(&p.b, 0xdeadbeef, (const uint8_t *)"abc", 3));
	ATF_REQUIRE_EQ(p.b.len, sizeof(want));
	ATF_REQUIRE(memcmp(p.b.data, want, sizeof(want)) == 0);

	EXPECT_OK(moat_ipc_header_decode(want, sizeof(want), &h, &body));
	ATF_REQUIRE_EQ(h.version, 1);
	ATF_REQUIRE_EQ(h.opcode, MOAT_IPC_PING);
	ATF_REQUIRE_EQ(h.status, 0);
	ATF_REQUIRE_EQ(h.request_id, 0xdeadbeef);
	ATF_REQUIRE_EQ(h.body_len, 5);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&body), 5);
	ATF_REQUIRE(moat_cursor_data(&body) == want + MOAT_IPC_HEADER_LEN);
}

ATF_TC_WITHOUT_HEAD(short_packets);
ATF_TC_BODY(short_packets, tc)
{
	static const uint8_t hdr[MOAT_IPC_HEADER_LEN] = { 0x01, 0x02, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0 };
	struct moat_ipc_header h;
	struct moat_cursor body;
	moat_ipc_status st;
	bool answerable;

	/* Every packet shorter than the header is MALFORMED; from 8 bytes on, its request id is readable. */
	for (size_t n = 0; n < MOAT_IPC_HEADER_LEN; n++) {
		EXPECT_ERR(moat_ipc_header_decode(hdr, n, &h, &body), MOAT_ERR_IPC_BAD_MESSAGE);
		EXPECT_IPC_ERR(moat_ipc_request_open(hdr, n, &h, &body, &st, &answerable), st, MOAT_IPC_MALFORMED);
		ATF_REQUIRE_EQ(answerable, n >= 8);
		if (n >= 8) {
			ATF_REQUIRE_EQ(h.opcode, MOAT_IPC_SIGN);
			ATF_REQUIRE_EQ(h.request_id, 0x01020304);
		} else {
			ATF_REQUIRE_EQ(h.request_id, 0);
		}
	}
	/* The bare header with body_len 0 is well framed. */
	EXPECT_OK(moat_ipc_header_decode(hdr, sizeof(hdr), &h, &body));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&body), 0);
	EXPECT_ERR(moat_ipc_header_decode(NULL, 12, &h, &body), MOAT_ERR_NULL_ARG);
}

ATF_TC_WITHOUT_HEAD(body_len_mismatch);
ATF_TC_BODY(body_len_mismatch, tc)
{
	struct ipc_pkt p;
	struct moat_ipc_header h;
	struct moat_cursor body;
	moat_ipc_status st;
	bool answerable;

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ping_encode(&p.b, 77, (const uint8_t *)"xyz", 3));
	/* The packet is one byte shorter than body_len says, then one byte longer. */
	EXPECT_ERR(moat_ipc_header_decode(p.b.data, p.b.len - 1, &h, &body), MOAT_ERR_IPC_BAD_MESSAGE);
	EXPECT_IPC_ERR(moat_ipc_request_open(p.b.data, p.b.len - 1, &h, &body, &st, &answerable), st,
		       MOAT_IPC_MALFORMED);
	ATF_REQUIRE(answerable);
	ATF_REQUIRE_EQ(h.request_id, 77);
	EXPECT_ERR(moat_ipc_header_decode(p.b.data, p.b.len + 1, &h, &body), MOAT_ERR_IPC_BAD_MESSAGE);
	/* Same with body_len edited instead of the packet length. */
	p.mem[11]++;
	EXPECT_ERR(moat_ipc_header_decode(p.b.data, p.b.len, &h, &body), MOAT_ERR_IPC_BAD_MESSAGE);
	p.mem[11] -= 2;
	EXPECT_ERR(moat_ipc_header_decode(p.b.data, p.b.len, &h, &body), MOAT_ERR_IPC_BAD_MESSAGE);
	p.mem[11]++;
	EXPECT_OK(moat_ipc_header_decode(p.b.data, p.b.len, &h, &body));
	/* A body_len whose high bytes are set cannot match any packet. */
	p.mem[8] = 0x80;
	EXPECT_ERR(moat_ipc_header_decode(p.b.data, p.b.len, &h, &body), MOAT_ERR_IPC_BAD_MESSAGE);
	ATF_REQUIRE_EQ(h.body_len, 0x80000005u);
}

ATF_TC_WITHOUT_HEAD(packet_size_limit);
ATF_TC_BODY(packet_size_limit, tc)
{
	static uint8_t big[MOAT_IPC_MAX_MESSAGE + 1];
	struct moat_ipc_header h;
	struct moat_cursor body;
	moat_ipc_status st;
	bool answerable;
	uint32_t blen;

	big[0] = 1;
	big[1] = MOAT_IPC_PING;
	big[7] = 9;
	/* Exactly the maximum frames; one byte more (with a matching body_len) is MALFORMED. */
	blen = MOAT_IPC_MAX_BODY;
	big[8] = (uint8_t)(blen >> 24);
	big[9] = (uint8_t)(blen >> 16);
	big[10] = (uint8_t)(blen >> 8);
	big[11] = (uint8_t)blen;
	EXPECT_OK(moat_ipc_header_decode(big, MOAT_IPC_MAX_MESSAGE, &h, &body));
	ATF_REQUIRE_EQ(moat_cursor_remaining(&body), MOAT_IPC_MAX_BODY);
	blen++;
	big[10] = (uint8_t)(blen >> 8);
	big[11] = (uint8_t)blen;
	EXPECT_ERR(moat_ipc_header_decode(big, MOAT_IPC_MAX_MESSAGE + 1, &h, &body), MOAT_ERR_IPC_BAD_MESSAGE);
	EXPECT_IPC_ERR(moat_ipc_request_open(big, MOAT_IPC_MAX_MESSAGE + 1, &h, &body, &st, &answerable), st,
		       MOAT_IPC_MALFORMED);
	ATF_REQUIRE(answerable);
	ATF_REQUIRE_EQ(h.request_id, 9);
}

/* A hand-made header with an empty body. */
static void put_header(uint8_t out[MOAT_IPC_HEADER_LEN], uint8_t version, uint8_t opcode, uint16_t status, uint32_t id)
{
	memset(out, 0, MOAT_IPC_HEADER_LEN);
	out[0] = version;
	out[1] = opcode;
	out[2] = (uint8_t)(status >> 8);
	out[3] = (uint8_t)status;
	out[4] = (uint8_t)(id >> 24);
	out[5] = (uint8_t)(id >> 16);
	out[6] = (uint8_t)(id >> 8);
	out[7] = (uint8_t)id;
}

ATF_TC_WITHOUT_HEAD(request_open_rules);
ATF_TC_BODY(request_open_rules, tc)
{
	uint8_t hdr[MOAT_IPC_HEADER_LEN];
	struct moat_ipc_header h;
	struct moat_cursor body;
	moat_ipc_status st;
	bool answerable;

	put_header(hdr, 1, MOAT_IPC_LIST_KEYS, 0, 5);
	EXPECT_IPC_OK(moat_ipc_request_open(hdr, sizeof(hdr), &h, &body, &st, &answerable), st);
	ATF_REQUIRE(answerable);

	/* Any version but 1 → BAD_VERSION, answerable, whatever the opcode. */
	for (unsigned v = 0; v < 256; v++) {
		if (v == 1)
			continue;
		put_header(hdr, (uint8_t)v, 0x77, 0, 6);
		EXPECT_IPC_ERR(moat_ipc_request_open(hdr, sizeof(hdr), &h, &body, &st, &answerable), st,
			       MOAT_IPC_BAD_VERSION);
		ATF_REQUIRE(answerable);
		ATF_REQUIRE_EQ(h.version, v);
		ATF_REQUIRE_EQ(h.request_id, 6);
	}
	/* Framing is judged before the version. */
	put_header(hdr, 2, MOAT_IPC_PING, 0, 6);
	EXPECT_IPC_ERR(moat_ipc_request_open(hdr, 11, &h, &body, &st, &answerable), st, MOAT_IPC_MALFORMED);

	/* Only the eight request opcodes pass: replies, the ticket range and the rest are BAD_OPCODE. */
	for (unsigned op = 0; op < 256; op++) {
		put_header(hdr, 1, (uint8_t)op, 0, 7);
		bool known = op == 0x01 || op == 0x02 || op == 0x03 || op == 0x04 || op == 0x10 || op == 0x11 ||
			     op == 0x12 || op == 0x13 || op == 0x20 || op == 0x21 || (op >= 0x28 && op <= 0x2b);
		ATF_REQUIRE_EQ(moat_ipc_opcode_is_request((uint8_t)op), known);
		if (known) {
			EXPECT_IPC_OK(moat_ipc_request_open(hdr, sizeof(hdr), &h, &body, &st, &answerable), st);
		} else {
			EXPECT_IPC_ERR(moat_ipc_request_open(hdr, sizeof(hdr), &h, &body, &st, &answerable), st,
				       MOAT_IPC_BAD_OPCODE);
			ATF_REQUIRE(answerable);
		}
	}
	/* The ticket range holds the six ticket operations and nothing else yet. */
	for (unsigned op = MOAT_IPC_TICKET_OPCODE_FIRST; op <= MOAT_IPC_TICKET_OPCODE_LAST; op++)
		ATF_REQUIRE_EQ(moat_ipc_opcode_is_request((uint8_t)op),
			       op == 0x20 || op == 0x21 || (op >= 0x28 && op <= 0x2b));

	/* A request must carry status 0 (version checked first). */
	put_header(hdr, 1, MOAT_IPC_SIGN, 3, 8);
	EXPECT_IPC_ERR(moat_ipc_request_open(hdr, sizeof(hdr), &h, &body, &st, &answerable), st, MOAT_IPC_MALFORMED);
	put_header(hdr, 2, MOAT_IPC_SIGN, 3, 8);
	EXPECT_IPC_ERR(moat_ipc_request_open(hdr, sizeof(hdr), &h, &body, &st, &answerable), st, MOAT_IPC_BAD_VERSION);
	/* Status before opcode. */
	put_header(hdr, 1, 0x99, 1, 8);
	EXPECT_IPC_ERR(moat_ipc_request_open(hdr, sizeof(hdr), &h, &body, &st, &answerable), st, MOAT_IPC_MALFORMED);
}

ATF_TC_WITHOUT_HEAD(status_replies);
ATF_TC_BODY(status_replies, tc)
{
	static const uint8_t want[] = { 0x01, 0x82, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00 };
	struct ipc_pkt p;
	struct moat_ipc_header h;
	struct moat_cursor body;

	/* A BAD_VERSION answer to a version 2 SIGN carries version 1. */
	pkt_init(&p);
	EXPECT_OK(moat_ipc_encode_status(&p.b, MOAT_IPC_SIGN, 256, MOAT_IPC_BAD_VERSION));
	ATF_REQUIRE_EQ(p.b.len, sizeof(want));
	ATF_REQUIRE(memcmp(p.b.data, want, sizeof(want)) == 0);
	pkt_open(&p, &h, &body);
	EXPECT_OK(moat_ipc_reply_check(&h, &body, MOAT_IPC_SIGN));
	ATF_REQUIRE_EQ(h.status, MOAT_IPC_BAD_VERSION);

	/* Every non-OK status encodes with an empty body; OK has no empty v1 reply. */
	for (unsigned s = 1; s <= MOAT_IPC_STATUS_MAX; s++) {
		pkt_init(&p);
		EXPECT_OK(moat_ipc_encode_status(&p.b, 0x55, 1, (moat_ipc_status)s));
		pkt_open(&p, &h, &body);
		ATF_REQUIRE_EQ(h.opcode, 0xd5);
		ATF_REQUIRE_EQ(h.status, s);
		ATF_REQUIRE_EQ(h.body_len, 0);
	}
	pkt_init(&p);
	EXPECT_ERR(moat_ipc_encode_status(&p.b, MOAT_IPC_SIGN, 1, MOAT_IPC_OK), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_encode_status(&p.b, MOAT_IPC_SIGN, 1, (moat_ipc_status)(MOAT_IPC_STATUS_MAX + 1)),
		   MOAT_ERR_INVALID_ARG);
}

ATF_TC_WITHOUT_HEAD(begin_end_rules);
ATF_TC_BODY(begin_end_rules, tc)
{
	struct ipc_pkt p;
	struct moat_buf grow;

	pkt_init(&p);
	/* A request may not carry a status; a status must be known. */
	EXPECT_ERR(moat_ipc_begin(&p.b, MOAT_IPC_SIGN, MOAT_IPC_BUSY, 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_begin(&p.b, MOAT_IPC_SIGN | MOAT_IPC_REPLY, MOAT_IPC_STATUS_MAX + 1, 1), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(p.b.len, 0);
	/* One message per buffer. */
	EXPECT_OK(moat_ipc_begin(&p.b, MOAT_IPC_PING, MOAT_IPC_OK, 1));
	EXPECT_ERR(moat_ipc_begin(&p.b, MOAT_IPC_PING, MOAT_IPC_OK, 1), MOAT_ERR_INVALID_STATE);
	/* A prefix left open inside the body. */
	EXPECT_OK(moat_buf_open_prefixed(&p.b, 2));
	EXPECT_ERR(moat_ipc_end(&p.b), MOAT_ERR_PREFIX_NESTING);

	/* A non-OK reply with a body. */
	pkt_init(&p);
	EXPECT_OK(moat_ipc_begin(&p.b, MOAT_IPC_SIGN | MOAT_IPC_REPLY, MOAT_IPC_INTERNAL, 1));
	EXPECT_OK(moat_buf_put_u8(&p.b, 0));
	EXPECT_ERR(moat_ipc_end(&p.b), MOAT_ERR_INVALID_ARG);

	/* The fixed buffer fills to exactly MOAT_IPC_MAX_MESSAGE, not one byte more. */
	pkt_init(&p);
	uint8_t *room;
	EXPECT_OK(moat_ipc_begin(&p.b, MOAT_IPC_PING | MOAT_IPC_REPLY, MOAT_IPC_OK, 1));
	EXPECT_OK(moat_buf_reserve(&p.b, MOAT_IPC_MAX_BODY, &room));
	EXPECT_ERR(moat_buf_put_u8(&p.b, 0), MOAT_ERR_BUF_FULL);
	EXPECT_OK(moat_ipc_end(&p.b));
	ATF_REQUIRE_EQ(p.b.len, MOAT_IPC_MAX_MESSAGE);

	/* A growable buffer may hold more, but moat_ipc_end refuses a message over the limit. */
	moat_buf_init(&grow, 2 * MOAT_IPC_MAX_MESSAGE);
	EXPECT_OK(moat_ipc_begin(&grow, MOAT_IPC_PING | MOAT_IPC_REPLY, MOAT_IPC_OK, 1));
	EXPECT_OK(moat_buf_reserve(&grow, MOAT_IPC_MAX_BODY + 1, &room));
	memset(room, 0, MOAT_IPC_MAX_BODY + 1);
	EXPECT_ERR(moat_ipc_end(&grow), MOAT_ERR_BUF_FULL);
	moat_buf_free(&grow);
	EXPECT_ERR(moat_ipc_end(&grow), MOAT_ERR_PREFIX_NESTING);
}

/* A request given a new id: only the id changes, and a buffer too short to be a message is refused. */
ATF_TC_WITHOUT_HEAD(set_request_id);
ATF_TC_BODY(set_request_id, tc)
{
	struct ipc_pkt p, want;
	struct moat_ipc_header h;
	struct moat_cursor body;

	pkt_init(&p);
	pkt_init(&want);
	EXPECT_OK(moat_ipc_ping_encode(&p.b, 7, (const uint8_t *)"abc", 3));
	EXPECT_OK(moat_ipc_ping_encode(&want.b, 0x01020304, (const uint8_t *)"abc", 3));
	EXPECT_OK(moat_ipc_set_request_id(p.b.data, p.b.len, 0x01020304));
	ATF_REQUIRE_EQ(p.b.len, want.b.len);
	ATF_REQUIRE(memcmp(p.b.data, want.b.data, p.b.len) == 0);
	pkt_open(&p, &h, &body);
	ATF_REQUIRE_EQ(h.request_id, 0x01020304);
	ATF_REQUIRE_EQ(h.opcode, MOAT_IPC_PING);

	EXPECT_ERR(moat_ipc_set_request_id(p.b.data, MOAT_IPC_HEADER_LEN - 1, 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_set_request_id(p.b.data, MOAT_IPC_MAX_MESSAGE + 1, 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_set_request_id(NULL, MOAT_IPC_HEADER_LEN, 1), MOAT_ERR_NULL_ARG);
}

ATF_TC_WITHOUT_HEAD(reply_check_rules);
ATF_TC_BODY(reply_check_rules, tc)
{
	struct ipc_pkt p;
	struct moat_ipc_header h, bad;
	struct moat_cursor body, nonempty;
	static const uint8_t one = 0;

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ping_reply_encode(&p.b, 3, NULL, 0));
	pkt_open(&p, &h, &body);
	EXPECT_OK(moat_ipc_reply_check(&h, &body, MOAT_IPC_PING));
	/* The reply to another opcode, or a request sent back. */
	EXPECT_ERR(moat_ipc_reply_check(&h, &body, MOAT_IPC_SIGN), MOAT_ERR_IPC_BAD_MESSAGE);
	bad = h;
	bad.opcode = MOAT_IPC_PING;
	EXPECT_ERR(moat_ipc_reply_check(&bad, &body, MOAT_IPC_PING), MOAT_ERR_IPC_BAD_MESSAGE);
	/* Another version. */
	bad = h;
	bad.version = 2;
	EXPECT_ERR(moat_ipc_reply_check(&bad, &body, MOAT_IPC_PING), MOAT_ERR_IPC_BAD_MESSAGE);
	/* A status we do not know. */
	bad = h;
	bad.status = MOAT_IPC_STATUS_MAX + 1;
	moat_cursor_init(&nonempty, NULL, 0);
	EXPECT_ERR(moat_ipc_reply_check(&bad, &nonempty, MOAT_IPC_PING), MOAT_ERR_IPC_BAD_MESSAGE);
	/* An error status with a body. */
	bad.status = MOAT_IPC_BUSY;
	EXPECT_OK(moat_ipc_reply_check(&bad, &nonempty, MOAT_IPC_PING));
	moat_cursor_init(&nonempty, &one, 1);
	EXPECT_ERR(moat_ipc_reply_check(&bad, &nonempty, MOAT_IPC_PING), MOAT_ERR_IPC_BAD_MESSAGE);
}

ATF_TC_WITHOUT_HEAD(opcode_sockets);
ATF_TC_BODY(opcode_sockets, tc)
{
	ATF_REQUIRE(moat_ipc_opcode_allowed(MOAT_IPC_HELLO, MOAT_IPC_DATA_SOCKET));
	ATF_REQUIRE(moat_ipc_opcode_allowed(MOAT_IPC_HELLO, MOAT_IPC_CONTROL_SOCKET));
	ATF_REQUIRE(moat_ipc_opcode_allowed(MOAT_IPC_PING, MOAT_IPC_DATA_SOCKET));
	ATF_REQUIRE(moat_ipc_opcode_allowed(MOAT_IPC_PING, MOAT_IPC_CONTROL_SOCKET));
	ATF_REQUIRE(moat_ipc_opcode_allowed(MOAT_IPC_SIGN, MOAT_IPC_DATA_SOCKET));
	ATF_REQUIRE(!moat_ipc_opcode_allowed(MOAT_IPC_SIGN, MOAT_IPC_CONTROL_SOCKET));
	ATF_REQUIRE(moat_ipc_opcode_allowed(MOAT_IPC_RSA_DECRYPT, MOAT_IPC_DATA_SOCKET));
	ATF_REQUIRE(!moat_ipc_opcode_allowed(MOAT_IPC_RSA_DECRYPT, MOAT_IPC_CONTROL_SOCKET));
	/* frontd asks which keys keyd holds and what each may do (public facts). */
	ATF_REQUIRE(moat_ipc_opcode_allowed(MOAT_IPC_LIST_KEYS, MOAT_IPC_DATA_SOCKET));
	ATF_REQUIRE(moat_ipc_opcode_allowed(MOAT_IPC_LIST_KEYS, MOAT_IPC_CONTROL_SOCKET));
	ATF_REQUIRE(!moat_ipc_opcode_allowed(MOAT_IPC_STATS, MOAT_IPC_DATA_SOCKET));
	ATF_REQUIRE(moat_ipc_opcode_allowed(MOAT_IPC_STATS, MOAT_IPC_CONTROL_SOCKET));
	ATF_REQUIRE(!moat_ipc_opcode_allowed(0x22, MOAT_IPC_DATA_SOCKET));
	ATF_REQUIRE(!moat_ipc_opcode_allowed(0x2c, MOAT_IPC_CONTROL_SOCKET));
	/* Sealing and opening are frontd's; the key changes are the operator's. */
	static const uint8_t data_ops[] = { MOAT_IPC_TICKET_SEAL, MOAT_IPC_TICKET_OPEN };
	static const uint8_t control_ops[] = { MOAT_IPC_TICKET_LIST, MOAT_IPC_TICKET_ROTATE, MOAT_IPC_TICKET_ADD,
					       MOAT_IPC_TICKET_REMOVE };
	for (size_t i = 0; i < sizeof(data_ops); i++) {
		ATF_REQUIRE(moat_ipc_opcode_allowed(data_ops[i], MOAT_IPC_DATA_SOCKET));
		ATF_REQUIRE(!moat_ipc_opcode_allowed(data_ops[i], MOAT_IPC_CONTROL_SOCKET));
	}
	for (size_t i = 0; i < sizeof(control_ops); i++) {
		ATF_REQUIRE(!moat_ipc_opcode_allowed(control_ops[i], MOAT_IPC_DATA_SOCKET));
		ATF_REQUIRE(moat_ipc_opcode_allowed(control_ops[i], MOAT_IPC_CONTROL_SOCKET));
	}
	ATF_REQUIRE(!moat_ipc_opcode_allowed(MOAT_IPC_SIGN | MOAT_IPC_REPLY, MOAT_IPC_DATA_SOCKET));
}

ATF_TC_WITHOUT_HEAD(names);
ATF_TC_BODY(names, tc)
{
	static const char *const want[] = { "ok", "bad_version", "bad_opcode", "malformed", "unknown_key",
					    "bad_scheme", "bad_input", "busy", "internal", "not_permitted",
					    "need_hello", "too_large", "key_policy", "bad_ticket", "key_held", "bad_key" };
	ATF_REQUIRE_EQ(sizeof(want) / sizeof(want[0]), MOAT_IPC_STATUS_MAX + 1);
	for (uint16_t s = 0; s <= MOAT_IPC_STATUS_MAX; s++)
		ATF_REQUIRE_STREQ(moat_ipc_status_name(s), want[s]);
	ATF_REQUIRE_STREQ(moat_ipc_status_name(MOAT_IPC_STATUS_MAX + 1), "unknown_status");
	ATF_REQUIRE_STREQ(moat_ipc_status_name(0xffff), "unknown_status");

	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(MOAT_IPC_HELLO), "hello");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(MOAT_IPC_SIGN), "sign");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(MOAT_IPC_RSA_DECRYPT), "rsa_decrypt");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(MOAT_IPC_PING), "ping");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(MOAT_IPC_LIST_KEYS), "list_keys");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(MOAT_IPC_STATS), "stats");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(MOAT_IPC_SIGN | MOAT_IPC_REPLY), "sign_reply");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(MOAT_IPC_STATS | MOAT_IPC_REPLY), "stats_reply");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(MOAT_IPC_TICKET_SEAL), "ticket_seal");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(MOAT_IPC_TICKET_REMOVE | MOAT_IPC_REPLY), "ticket_remove_reply");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(0x22), "unknown_opcode");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(0x00), "unknown_opcode");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(0x80), "unknown_opcode");

	ATF_REQUIRE_STREQ(moat_ipc_key_type_name(MOAT_IPC_KEY_RSA), "rsa");
	ATF_REQUIRE_STREQ(moat_ipc_key_type_name(MOAT_IPC_KEY_RSA_PSS), "rsa_pss");
	ATF_REQUIRE_STREQ(moat_ipc_key_type_name(MOAT_IPC_KEY_EC_P256), "ec_p256");
	ATF_REQUIRE_STREQ(moat_ipc_key_type_name(MOAT_IPC_KEY_EC_P384), "ec_p384");
	ATF_REQUIRE_STREQ(moat_ipc_key_type_name(MOAT_IPC_KEY_EC_P521), "ec_p521");
	ATF_REQUIRE_STREQ(moat_ipc_key_type_name(0), "unknown_key_type");
	ATF_REQUIRE_STREQ(moat_ipc_key_type_name(6), "unknown_key_type");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, header_known_bytes);
	ATF_TP_ADD_TC(tp, short_packets);
	ATF_TP_ADD_TC(tp, body_len_mismatch);
	ATF_TP_ADD_TC(tp, packet_size_limit);
	ATF_TP_ADD_TC(tp, request_open_rules);
	ATF_TP_ADD_TC(tp, status_replies);
	ATF_TP_ADD_TC(tp, begin_end_rules);
	ATF_TP_ADD_TC(tp, set_request_id);
	ATF_TP_ADD_TC(tp, reply_check_rules);
	ATF_TP_ADD_TC(tp, opcode_sockets);
	ATF_TP_ADD_TC(tp, names);
	return atf_no_error();
}
