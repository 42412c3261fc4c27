/*
 * The ticket-key messages (ipc/ipc_ticket.c): a round trip of each request
 * and reply, known bytes for TICKET_ADD (the one message with a secret),
 * every truncation and a trailing byte for each, and each field limit at
 * max and max + 1.
 */
#include "tests/ipc/ipc_test_util.h"

static const uint8_t name1[MOAT_IPC_TICKET_NAME_LEN] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
							 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };
static uint8_t secret1[MOAT_IPC_TICKET_SECRET_LEN];
static uint8_t big[MOAT_IPC_TICKET_MAX + 1];
static struct moat_ipc_ticket_key_info sample[2];

static void init(void)
{
	memset(secret1, 0x5a, sizeof(secret1));
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	memset(sample, 0, sizeof(sample));
	memcpy(sample[0].name, name1, sizeof(name1));
	sample[0].state = MOAT_IPC_TICKET_ENCRYPT;
	sample[0].origin = MOAT_IPC_TICKET_GENERATED;
	sample[0].intro = 1000;
	sample[0].encrypt_until = 8200;
	sample[0].expires = 55000;
	sample[0].seals = 7;
	sample[0].opens = UINT64_MAX;
	memset(sample[1].name, 0xff, sizeof(sample[1].name));
	sample[1].state = MOAT_IPC_TICKET_PENDING;
	sample[1].origin = MOAT_IPC_TICKET_IMPORTED;
	sample[1].intro = sample[1].encrypt_until = sample[1].expires = 99;
}

typedef int (*encode_fn)(struct moat_buf *b);
typedef int (*decode_fn)(struct moat_cursor body, moat_ipc_status *st);

static int enc_seal(struct moat_buf *b) { return moat_ipc_ticket_seal_encode(b, 1, big, 100); }
static int dec_seal(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_cursor c;
	return moat_ipc_ticket_seal_decode(body, &c, st);
}
static int enc_seal_reply(struct moat_buf *b) { return moat_ipc_ticket_seal_reply_encode(b, 1, big, 144); }
static int dec_seal_reply(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_cursor c;
	return moat_ipc_ticket_seal_reply_decode(body, &c, st);
}
static int enc_open(struct moat_buf *b) { return moat_ipc_ticket_open_encode(b, 2, big, 144); }
static int dec_open(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_cursor c;
	return moat_ipc_ticket_open_decode(body, &c, st);
}
static int enc_open_reply(struct moat_buf *b)
{
	return moat_ipc_ticket_open_reply_encode(b, 2, MOAT_IPC_TICKET_REISSUE, big, 100);
}
static int dec_open_reply(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_cursor c;
	uint8_t f;
	return moat_ipc_ticket_open_reply_decode(body, &f, &c, st);
}
static int enc_list_reply(struct moat_buf *b)
{
	return moat_ipc_ticket_list_reply_encode(b, 3, MOAT_IPC_TICKETS_IMPORTED, sample, 2);
}
static int dec_list_reply(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_ipc_ticket_key_info k[MOAT_IPC_MAX_TICKET_KEYS];
	size_t n;
	uint8_t mode;
	return moat_ipc_ticket_list_reply_decode(body, &mode, k, MOAT_IPC_MAX_TICKET_KEYS, &n, st);
}
static int enc_rotate_reply(struct moat_buf *b) { return moat_ipc_ticket_rotate_reply_encode(b, 4, name1); }
static int dec_rotate_reply(struct moat_cursor body, moat_ipc_status *st)
{
	uint8_t n[MOAT_IPC_TICKET_NAME_LEN];
	return moat_ipc_ticket_rotate_reply_decode(body, n, st);
}
static int enc_add(struct moat_buf *b) { return moat_ipc_ticket_add_encode(b, 5, name1, secret1, 1700000000, 7200, 0); }
static int dec_add(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_ipc_ticket_add r;
	return moat_ipc_ticket_add_decode(body, &r, st);
}
static int enc_remove(struct moat_buf *b) { return moat_ipc_ticket_remove_encode(b, 6, name1); }
static int dec_remove(struct moat_cursor body, moat_ipc_status *st)
{
	uint8_t n[MOAT_IPC_TICKET_NAME_LEN];
	return moat_ipc_ticket_remove_decode(body, n, st);
}

static const struct {
	const char *name;
	encode_fn enc;
	decode_fn dec;
} messages[] = {
	{ "seal", enc_seal, dec_seal },
	{ "seal_reply", enc_seal_reply, dec_seal_reply },
	{ "open", enc_open, dec_open },
	{ "open_reply", enc_open_reply, dec_open_reply },
	{ "list_reply", enc_list_reply, dec_list_reply },
	{ "rotate_reply", enc_rotate_reply, dec_rotate_reply },
	{ "add", enc_add, dec_add },
	{ "remove", enc_remove, dec_remove },
};

ATF_TC_WITHOUT_HEAD(every_truncation_fails);
ATF_TC_BODY(every_truncation_fails, tc)
{
	init();
	for (size_t m = 0; m < sizeof(messages) / sizeof(messages[0]); m++) {
		struct ipc_pkt p;
		struct moat_ipc_header h;
		struct moat_cursor body, cut;
		moat_ipc_status st;
		uint8_t copy[MOAT_IPC_MAX_MESSAGE + 1];

		pkt_init(&p);
		EXPECT_OK(messages[m].enc(&p.b));
		pkt_open(&p, &h, &body);
		EXPECT_IPC_OK(messages[m].dec(body, &st), st);
		for (size_t n = 0; n < moat_cursor_remaining(&body); n++) {
			moat_cursor_init(&cut, moat_cursor_data(&body), n);
			st = MOAT_IPC_OK;
			moat_error_clear();
			ATF_REQUIRE_MSG(messages[m].dec(cut, &st) == MOAT_FAILURE, "%s cut to %zu decoded",
					messages[m].name, n);
			ATF_REQUIRE_MSG(st == MOAT_IPC_MALFORMED, "%s cut to %zu: %s", messages[m].name, n,
					moat_ipc_status_name((uint16_t)st));
		}
		memcpy(copy, p.b.data, p.b.len);
		copy[p.b.len] = 0;
		moat_cursor_init(&cut, copy + MOAT_IPC_HEADER_LEN, p.b.len - MOAT_IPC_HEADER_LEN + 1);
		EXPECT_IPC_ERR(messages[m].dec(cut, &st), st, MOAT_IPC_MALFORMED);
	}
}

ATF_TC_WITHOUT_HEAD(seal_open_round_trip);
ATF_TC_BODY(seal_open_round_trip, tc)
{
	init();
	struct ipc_pkt p;
	struct moat_cursor body, v;
	moat_ipc_status st;
	uint8_t flags = 0xff;

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_seal_encode(&p.b, 9, big, MOAT_IPC_TICKET_STATE_MAX));
	body = pkt_request_body(&p, MOAT_IPC_TICKET_SEAL, 9);
	EXPECT_IPC_OK(moat_ipc_ticket_seal_decode(body, &v, &st), st);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&v), MOAT_IPC_TICKET_STATE_MAX);
	ATF_REQUIRE(memcmp(moat_cursor_data(&v), big, MOAT_IPC_TICKET_STATE_MAX) == 0);

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_seal_reply_encode(&p.b, 9, big, MOAT_IPC_TICKET_MAX));
	body = pkt_reply_body(&p, MOAT_IPC_TICKET_SEAL, 9);
	EXPECT_IPC_OK(moat_ipc_ticket_seal_reply_decode(body, &v, &st), st);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&v), MOAT_IPC_TICKET_MAX);

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_open_encode(&p.b, 10, big, 1));
	body = pkt_request_body(&p, MOAT_IPC_TICKET_OPEN, 10);
	EXPECT_IPC_OK(moat_ipc_ticket_open_decode(body, &v, &st), st);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&v), 1);

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_open_reply_encode(&p.b, 10, 0, big, 5));
	body = pkt_reply_body(&p, MOAT_IPC_TICKET_OPEN, 10);
	EXPECT_IPC_OK(moat_ipc_ticket_open_reply_decode(body, &flags, &v, &st), st);
	ATF_REQUIRE_EQ(flags, 0);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&v), 5);
	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_open_reply_encode(&p.b, 10, MOAT_IPC_TICKET_REISSUE, big, 5));
	body = pkt_reply_body(&p, MOAT_IPC_TICKET_OPEN, 10);
	EXPECT_IPC_OK(moat_ipc_ticket_open_reply_decode(body, &flags, &v, &st), st);
	ATF_REQUIRE_EQ(flags, MOAT_IPC_TICKET_REISSUE);
	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_open_reply_encode(&p.b, 10, MOAT_IPC_TICKET_REISSUE | MOAT_IPC_TICKET_EARLY_DATA_OK,
						    big, 5));
	body = pkt_reply_body(&p, MOAT_IPC_TICKET_OPEN, 10);
	EXPECT_IPC_OK(moat_ipc_ticket_open_reply_decode(body, &flags, &v, &st), st);
	ATF_REQUIRE_EQ(flags, MOAT_IPC_TICKET_REISSUE | MOAT_IPC_TICKET_EARLY_DATA_OK);

	/* 0-RTT: the request's flags byte, sent only when set; the plain encoder's request has none. */
	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_open_flags_encode(&p.b, 11, MOAT_IPC_TICKET_FOR_EARLY_DATA, big, 7));
	body = pkt_request_body(&p, MOAT_IPC_TICKET_OPEN, 11);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&body), 2 + 7 + 1);
	EXPECT_IPC_OK(moat_ipc_ticket_open_flags_decode(body, &v, &flags, &st), st);
	ATF_REQUIRE_EQ(flags, MOAT_IPC_TICKET_FOR_EARLY_DATA);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&v), 7);
	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_open_flags_encode(&p.b, 12, 0, big, 7));
	body = pkt_request_body(&p, MOAT_IPC_TICKET_OPEN, 12);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&body), 2 + 7);
	EXPECT_IPC_OK(moat_ipc_ticket_open_flags_decode(body, &v, &flags, &st), st);
	ATF_REQUIRE_EQ(flags, 0);
}

ATF_TC_WITHOUT_HEAD(seal_open_limits);
ATF_TC_BODY(seal_open_limits, tc)
{
	init();
	struct ipc_pkt p;
	struct moat_buf raw;
	struct moat_cursor v;
	moat_ipc_status st;
	uint8_t flags;

	pkt_init(&p);
	EXPECT_ERR(moat_ipc_ticket_seal_encode(&p.b, 1, big, 0), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_ticket_seal_encode(&p.b, 1, big, MOAT_IPC_TICKET_STATE_MAX + 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_ticket_open_encode(&p.b, 1, big, MOAT_IPC_TICKET_MAX + 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_ticket_seal_reply_encode(&p.b, 1, big, 44), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_ticket_open_reply_encode(&p.b, 1, 0x04, big, 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_ticket_open_flags_encode(&p.b, 1, 0x02, big, 1), MOAT_ERR_INVALID_ARG);

	/* Hand-made bodies: an empty vector is MALFORMED, one over the limit TOO_LARGE. */
	raw_init(&raw);
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, big, 0));
	EXPECT_IPC_ERR(moat_ipc_ticket_seal_decode(raw_cursor(&raw), &v, &st), st, MOAT_IPC_MALFORMED);
	EXPECT_IPC_ERR(moat_ipc_ticket_open_decode(raw_cursor(&raw), &v, &st), st, MOAT_IPC_MALFORMED);
	moat_buf_reset(&raw);
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, big, MOAT_IPC_TICKET_STATE_MAX + 1));
	EXPECT_IPC_ERR(moat_ipc_ticket_seal_decode(raw_cursor(&raw), &v, &st), st, MOAT_IPC_TOO_LARGE);
	moat_buf_reset(&raw);
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, big, MOAT_IPC_TICKET_MAX + 1));
	EXPECT_IPC_ERR(moat_ipc_ticket_open_decode(raw_cursor(&raw), &v, &st), st, MOAT_IPC_TOO_LARGE);
	/* A seal reply shorter than the smallest ticket. */
	moat_buf_reset(&raw);
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, big, 44));
	EXPECT_IPC_ERR(moat_ipc_ticket_seal_reply_decode(raw_cursor(&raw), &v, &st), st, MOAT_IPC_MALFORMED);
	/* Unknown open-request flags, and a flags byte of 0 (the encoder never writes one). */
	for (unsigned f = 0x01; f <= 0x100; f <<= 1) {
		uint8_t byte = (uint8_t)(f == 0x100 ? 0 : f);
		if (byte == MOAT_IPC_TICKET_FOR_EARLY_DATA)
			continue;
		moat_buf_reset(&raw);
		EXPECT_OK(moat_buf_put_prefixed(&raw, 2, big, 3));
		EXPECT_OK(moat_buf_put_u8(&raw, byte));
		EXPECT_IPC_ERR(moat_ipc_ticket_open_flags_decode(raw_cursor(&raw), &v, &flags, &st), st,
			       MOAT_IPC_MALFORMED);
	}
	/* Unknown open-reply flags. */
	for (unsigned f = 0x04; f <= 0x80; f <<= 1) {
		moat_buf_reset(&raw);
		EXPECT_OK(moat_buf_put_u8(&raw, (uint8_t)f));
		EXPECT_OK(moat_buf_put_prefixed(&raw, 2, big, 3));
		EXPECT_IPC_ERR(moat_ipc_ticket_open_reply_decode(raw_cursor(&raw), &flags, &v, &st), st,
			       MOAT_IPC_MALFORMED);
	}
	moat_buf_free(&raw);
}

ATF_TC_WITHOUT_HEAD(list_round_trip_and_limits);
ATF_TC_BODY(list_round_trip_and_limits, tc)
{
	init();
	struct ipc_pkt p;
	struct moat_cursor body;
	moat_ipc_status st;
	struct moat_ipc_ticket_key_info k[MOAT_IPC_MAX_TICKET_KEYS + 1];
	size_t n = 0;
	uint8_t mode = 9;

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_list_encode(&p.b, 3));
	body = pkt_request_body(&p, MOAT_IPC_TICKET_LIST, 3);
	EXPECT_IPC_OK(moat_ipc_ticket_list_decode(body, &st), st);

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_list_reply_encode(&p.b, 3, MOAT_IPC_TICKETS_IMPORTED, sample, 2));
	body = pkt_reply_body(&p, MOAT_IPC_TICKET_LIST, 3);
	EXPECT_IPC_OK(moat_ipc_ticket_list_reply_decode(body, &mode, k, MOAT_IPC_MAX_TICKET_KEYS, &n, &st), st);
	ATF_REQUIRE_EQ(mode, MOAT_IPC_TICKETS_IMPORTED);
	ATF_REQUIRE_EQ(n, 2);
	ATF_REQUIRE(memcmp(&k[0], &sample[0], sizeof(k[0])) == 0);
	ATF_REQUIRE(memcmp(&k[1], &sample[1], sizeof(k[1])) == 0);
	/* Below the caller's room: TOO_LARGE. */
	EXPECT_IPC_ERR(moat_ipc_ticket_list_reply_decode(body, &mode, k, 1, &n, &st), st, MOAT_IPC_TOO_LARGE);

	/* Every key keyd may hold fits one packet. */
	for (size_t i = 0; i < MOAT_IPC_MAX_TICKET_KEYS + 1; i++)
		k[i] = sample[0];
	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_list_reply_encode(&p.b, 3, MOAT_IPC_TICKETS_GENERATING, k, MOAT_IPC_MAX_TICKET_KEYS));
	pkt_init(&p);
	EXPECT_ERR(moat_ipc_ticket_list_reply_encode(&p.b, 3, 0, k, MOAT_IPC_MAX_TICKET_KEYS + 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_ticket_list_reply_encode(&p.b, 3, 3, k, 1), MOAT_ERR_INVALID_ARG);
	/* Entries that break a rule: unknown state or origin, times out of order. */
	struct moat_ipc_ticket_key_info bad = sample[0];
	bad.state = 4;
	EXPECT_ERR(moat_ipc_ticket_list_reply_encode(&p.b, 3, 1, &bad, 1), MOAT_ERR_INVALID_ARG);
	bad = sample[0];
	bad.origin = 0;
	EXPECT_ERR(moat_ipc_ticket_list_reply_encode(&p.b, 3, 1, &bad, 1), MOAT_ERR_INVALID_ARG);
	bad = sample[0];
	bad.expires = bad.encrypt_until - 1;
	EXPECT_ERR(moat_ipc_ticket_list_reply_encode(&p.b, 3, 1, &bad, 1), MOAT_ERR_INVALID_ARG);

	/* The same, hand-made, on the decoding side. */
	struct moat_buf raw;
	raw_init(&raw);
	EXPECT_OK(moat_buf_put_u8(&raw, 3));
	EXPECT_OK(moat_buf_put_u16(&raw, 0));
	EXPECT_IPC_ERR(moat_ipc_ticket_list_reply_decode(raw_cursor(&raw), &mode, k, 4, &n, &st), st,
		       MOAT_IPC_MALFORMED);
	moat_buf_reset(&raw);
	EXPECT_OK(moat_buf_put_u8(&raw, 1));
	EXPECT_OK(moat_buf_put_u16(&raw, MOAT_IPC_MAX_TICKET_KEYS + 1));
	EXPECT_IPC_ERR(moat_ipc_ticket_list_reply_decode(raw_cursor(&raw), &mode, k, MOAT_IPC_MAX_TICKET_KEYS + 1, &n,
							 &st),
		       st, MOAT_IPC_TOO_LARGE);
	moat_buf_reset(&raw);
	EXPECT_OK(moat_buf_put_u8(&raw, 1));
	EXPECT_OK(moat_buf_put_u16(&raw, 1));
	EXPECT_OK(moat_buf_put_bytes(&raw, name1, sizeof(name1)));
	EXPECT_OK(moat_buf_put_u8(&raw, MOAT_IPC_TICKET_ENCRYPT));
	EXPECT_OK(moat_buf_put_u8(&raw, MOAT_IPC_TICKET_GENERATED));
	EXPECT_OK(moat_buf_put_u64(&raw, 10)); /* intro after encrypt_until */
	EXPECT_OK(moat_buf_put_u64(&raw, 9));
	EXPECT_OK(moat_buf_put_u64(&raw, 20));
	EXPECT_OK(moat_buf_put_u64(&raw, 0));
	EXPECT_OK(moat_buf_put_u64(&raw, 0));
	EXPECT_IPC_ERR(moat_ipc_ticket_list_reply_decode(raw_cursor(&raw), &mode, k, 4, &n, &st), st,
		       MOAT_IPC_MALFORMED);
	moat_buf_free(&raw);
	ATF_REQUIRE_STREQ(moat_ipc_ticket_state_name(MOAT_IPC_TICKET_DECRYPT_ONLY), "decrypt-only");
	ATF_REQUIRE_STREQ(moat_ipc_ticket_state_name(0), "unknown_ticket_state");
}

ATF_TC_WITHOUT_HEAD(add_known_bytes_and_limits);
ATF_TC_BODY(add_known_bytes_and_limits, tc)
{
	init();
	struct ipc_pkt p;
	struct moat_cursor body;
	moat_ipc_status st;
	struct moat_ipc_ticket_add r;

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_add_encode(&p.b, 0x01020304, name1, secret1, 0x0000000065a0bc00ull, 7200, 46800));
	/* header, name, secret, intro (u64), encrypt lifetime (u32), decrypt lifetime (u32) */
	static const uint8_t want_head[12] = { 0x01, 0x2a, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x40 };
	static const uint8_t want_tail[16] = { 0x00, 0x00, 0x00, 0x00, 0x65, 0xa0, 0xbc, 0x00,
					       0x00, 0x00, 0x1c, 0x20, 0x00, 0x00, 0xb6, 0xd0 };
	ATF_REQUIRE_EQ(p.b.len, 12 + 16 + 32 + 16);
	ATF_REQUIRE(memcmp(p.b.data, want_head, sizeof(want_head)) == 0);
	ATF_REQUIRE(memcmp(p.b.data + 12, name1, 16) == 0);
	ATF_REQUIRE(memcmp(p.b.data + 28, secret1, 32) == 0);
	ATF_REQUIRE(memcmp(p.b.data + 60, want_tail, sizeof(want_tail)) == 0);
	body = pkt_request_body(&p, MOAT_IPC_TICKET_ADD, 0x01020304);
	EXPECT_IPC_OK(moat_ipc_ticket_add_decode(body, &r, &st), st);
	ATF_REQUIRE(memcmp(r.name, name1, 16) == 0);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&r.secret), 32);
	/* A view into the packet, not a copy: wiping the packet wipes the secret. */
	ATF_REQUIRE(moat_cursor_data(&r.secret) == p.b.data + 28);
	ATF_REQUIRE_EQ(r.intro, 0x65a0bc00ull);
	ATF_REQUIRE_EQ(r.encrypt_lifetime, 7200);
	ATF_REQUIRE_EQ(r.decrypt_lifetime, 46800);

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_add_encode(&p.b, 1, name1, secret1, 0, MOAT_IPC_TICKET_LIFETIME_MAX,
					     MOAT_IPC_TICKET_LIFETIME_MAX));
	pkt_init(&p);
	EXPECT_ERR(moat_ipc_ticket_add_encode(&p.b, 1, name1, secret1, 0, MOAT_IPC_TICKET_LIFETIME_MAX + 1, 0),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_ticket_add_encode(&p.b, 1, name1, secret1, 0, 0, MOAT_IPC_TICKET_LIFETIME_MAX + 1),
		   MOAT_ERR_INVALID_ARG);
	for (int which = 0; which < 2; which++) {
		struct moat_buf raw;
		raw_init(&raw);
		EXPECT_OK(moat_buf_put_bytes(&raw, name1, 16));
		EXPECT_OK(moat_buf_put_bytes(&raw, secret1, 32));
		EXPECT_OK(moat_buf_put_u64(&raw, 0));
		EXPECT_OK(moat_buf_put_u32(&raw, which == 0 ? MOAT_IPC_TICKET_LIFETIME_MAX + 1 : 0));
		EXPECT_OK(moat_buf_put_u32(&raw, which == 1 ? MOAT_IPC_TICKET_LIFETIME_MAX + 1 : 0));
		EXPECT_IPC_ERR(moat_ipc_ticket_add_decode(raw_cursor(&raw), &r, &st), st, MOAT_IPC_TOO_LARGE);
		moat_buf_free(&raw);
	}
}

ATF_TC_WITHOUT_HEAD(rotate_remove_done);
ATF_TC_BODY(rotate_remove_done, tc)
{
	init();
	struct ipc_pkt p;
	struct moat_cursor body;
	moat_ipc_status st;
	uint8_t n[MOAT_IPC_TICKET_NAME_LEN];

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_rotate_encode(&p.b, 4));
	body = pkt_request_body(&p, MOAT_IPC_TICKET_ROTATE, 4);
	EXPECT_IPC_OK(moat_ipc_ticket_rotate_decode(body, &st), st);
	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_rotate_reply_encode(&p.b, 4, name1));
	body = pkt_reply_body(&p, MOAT_IPC_TICKET_ROTATE, 4);
	EXPECT_IPC_OK(moat_ipc_ticket_rotate_reply_decode(body, n, &st), st);
	ATF_REQUIRE(memcmp(n, name1, sizeof(n)) == 0);

	pkt_init(&p);
	EXPECT_OK(moat_ipc_ticket_remove_encode(&p.b, 6, name1));
	body = pkt_request_body(&p, MOAT_IPC_TICKET_REMOVE, 6);
	memset(n, 0, sizeof(n));
	EXPECT_IPC_OK(moat_ipc_ticket_remove_decode(body, n, &st), st);
	ATF_REQUIRE(memcmp(n, name1, sizeof(n)) == 0);

	for (int i = 0; i < 2; i++) {
		uint8_t op = i == 0 ? MOAT_IPC_TICKET_ADD : MOAT_IPC_TICKET_REMOVE;
		pkt_init(&p);
		EXPECT_OK(moat_ipc_ticket_done_encode(&p.b, op, 7));
		ATF_REQUIRE_EQ(p.b.len, MOAT_IPC_HEADER_LEN);
		body = pkt_reply_body(&p, op, 7);
		EXPECT_IPC_OK(moat_ipc_ticket_done_decode(body, &st), st);
	}
	pkt_init(&p);
	EXPECT_ERR(moat_ipc_ticket_done_encode(&p.b, MOAT_IPC_TICKET_SEAL, 7), MOAT_ERR_INVALID_ARG);
	/* Empty requests stay empty. */
	uint8_t one = 0;
	struct moat_cursor c;
	moat_cursor_init(&c, &one, 1);
	EXPECT_IPC_ERR(moat_ipc_ticket_rotate_decode(c, &st), st, MOAT_IPC_MALFORMED);
	EXPECT_IPC_ERR(moat_ipc_ticket_list_decode(c, &st), st, MOAT_IPC_MALFORMED);
	EXPECT_IPC_ERR(moat_ipc_ticket_done_decode(c, &st), st, MOAT_IPC_MALFORMED);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, every_truncation_fails);
	ATF_TP_ADD_TC(tp, seal_open_round_trip);
	ATF_TP_ADD_TC(tp, seal_open_limits);
	ATF_TP_ADD_TC(tp, list_round_trip_and_limits);
	ATF_TP_ADD_TC(tp, add_known_bytes_and_limits);
	ATF_TP_ADD_TC(tp, rotate_remove_done);
	return atf_no_error();
}
