/*
 * KEY_ADD and KEY_REMOVE (ipc/ipc_key_admin.c): round trips, known bytes,
 * every truncation, a trailing byte, the limits at max and max + 1, the
 * role and option bits, names, and the size budget: the largest KEY_ADD
 * (an RSA-8192 PKCS#8 key needs about 4.8 KB) fits one packet.
 */
#include <stdio.h>

#include "tests/ipc/ipc_test_util.h"

static uint8_t der[MOAT_IPC_KEY_DER_MAX + 1];

static struct moat_ipc_key_add sample_add(size_t der_len, const char *name)
{
	struct moat_ipc_key_add r;
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < sizeof(der); i++)
		der[i] = (uint8_t)(i * 7 + 1);
	moat_cursor_init(&r.key, der, der_len);
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.role = MOAT_IPC_ROLE_SERVER;
	r.options = MOAT_IPC_KEY_OPT_TLS12 | MOAT_IPC_KEY_OPT_RSA_KEY_EXCHANGE;
	return r;
}

ATF_TC_WITHOUT_HEAD(key_add_round_trip);
ATF_TC_BODY(key_add_round_trip, tc)
{
	struct ipc_pkt p;
	pkt_init(&p);
	struct moat_ipc_key_add req = sample_add(3, "www");
	EXPECT_OK(moat_ipc_key_add_encode(&p.b, 9, &req));
	/* key<3> name<3> role options: written out by hand. */
	const uint8_t want[] = { 0x00, 0x03, 0x01, 0x08, 0x0f, 0x03, 'w', 'w', 'w', 0x01, 0x05 };
	ATF_REQUIRE_EQ(p.b.len, MOAT_IPC_HEADER_LEN + sizeof(want));
	ATF_REQUIRE(memcmp(p.b.data + MOAT_IPC_HEADER_LEN, want, sizeof(want)) == 0);
	ATF_REQUIRE_EQ(p.b.data[1], MOAT_IPC_KEY_ADD);

	struct moat_cursor body = pkt_request_body(&p, MOAT_IPC_KEY_ADD, 9);
	struct moat_ipc_key_add got;
	moat_ipc_status st;
	EXPECT_IPC_OK(moat_ipc_key_add_decode(body, &got, &st), st);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&got.key), 3);
	ATF_REQUIRE(memcmp(moat_cursor_data(&got.key), der, 3) == 0);
	/* A view into the packet, not a copy: the packet is the one copy to wipe. */
	ATF_REQUIRE(moat_cursor_data(&got.key) == p.b.data + MOAT_IPC_HEADER_LEN + 2);
	ATF_REQUIRE_STREQ(got.name, "www");
	ATF_REQUIRE_EQ(got.role, MOAT_IPC_ROLE_SERVER);
	ATF_REQUIRE_EQ(got.options, MOAT_IPC_KEY_OPT_TLS12 | MOAT_IPC_KEY_OPT_RSA_KEY_EXCHANGE);

	/* Every truncation of the body fails, and so does a trailing byte. */
	size_t len = moat_cursor_remaining(&body);
	for (size_t n = 0; n < len; n++) {
		struct moat_cursor c;
		moat_cursor_init(&c, moat_cursor_data(&body), n);
		EXPECT_IPC_ERR(moat_ipc_key_add_decode(c, &got, &st), st, MOAT_IPC_MALFORMED);
	}
	uint8_t longer[64];
	memcpy(longer, moat_cursor_data(&body), len);
	longer[len] = 0;
	struct moat_cursor c;
	moat_cursor_init(&c, longer, len + 1);
	EXPECT_IPC_ERR(moat_ipc_key_add_decode(c, &got, &st), st, MOAT_IPC_MALFORMED);
}

/* Hand-made KEY_ADD bodies: key<klen> name role options. */
static struct moat_cursor add_body(struct moat_buf *b, size_t klen, const char *name, size_t nlen, uint8_t role,
				   uint8_t options)
{
	moat_buf_reset(b);
	EXPECT_OK(moat_buf_put_u16(b, (uint16_t)klen));
	for (size_t i = 0; i < klen; i++)
		EXPECT_OK(moat_buf_put_u8(b, 0x30));
	EXPECT_OK(moat_buf_put_u8(b, (uint8_t)nlen));
	EXPECT_OK(moat_buf_put_bytes(b, name, nlen));
	EXPECT_OK(moat_buf_put_u8(b, role));
	EXPECT_OK(moat_buf_put_u8(b, options));
	return raw_cursor(b);
}

ATF_TC_WITHOUT_HEAD(key_add_limits);
ATF_TC_BODY(key_add_limits, tc)
{
	struct moat_buf b;
	raw_init(&b);
	struct moat_ipc_key_add got;
	moat_ipc_status st;
	char name[MOAT_IPC_KEY_NAME_MAX + 2];
	memset(name, 'n', sizeof(name));

	EXPECT_IPC_OK(moat_ipc_key_add_decode(add_body(&b, MOAT_IPC_KEY_DER_MAX, name, MOAT_IPC_KEY_NAME_MAX, 1, 7), &got, &st), st);
	ATF_REQUIRE_EQ(strlen(got.name), MOAT_IPC_KEY_NAME_MAX);
	EXPECT_IPC_ERR(moat_ipc_key_add_decode(add_body(&b, MOAT_IPC_KEY_DER_MAX + 1, "k", 1, 1, 0), &got, &st), st,
		       MOAT_IPC_TOO_LARGE);
	EXPECT_IPC_ERR(moat_ipc_key_add_decode(add_body(&b, 0, "k", 1, 1, 0), &got, &st), st, MOAT_IPC_MALFORMED);
	/* Names: empty, an embedded NUL, a control character, DEL. */
	EXPECT_IPC_ERR(moat_ipc_key_add_decode(add_body(&b, 1, "", 0, 1, 0), &got, &st), st, MOAT_IPC_MALFORMED);
	EXPECT_IPC_ERR(moat_ipc_key_add_decode(add_body(&b, 1, "a\0b", 3, 1, 0), &got, &st), st, MOAT_IPC_MALFORMED);
	EXPECT_IPC_ERR(moat_ipc_key_add_decode(add_body(&b, 1, "a\nb", 3, 1, 0), &got, &st), st, MOAT_IPC_MALFORMED);
	EXPECT_IPC_ERR(moat_ipc_key_add_decode(add_body(&b, 1, "a\x7f", 2, 1, 0), &got, &st), st, MOAT_IPC_MALFORMED);
	/* Roles 1..3; options 0..7; anything else is refused, not ignored. */
	for (unsigned role = 0; role < 256; role++) {
		struct moat_cursor c = add_body(&b, 1, "k", 1, (uint8_t)role, 0);
		if (role >= 1 && role <= 3)
			EXPECT_IPC_OK(moat_ipc_key_add_decode(c, &got, &st), st);
		else
			EXPECT_IPC_ERR(moat_ipc_key_add_decode(c, &got, &st), st, MOAT_IPC_MALFORMED);
	}
	for (unsigned opt = 0; opt < 256; opt++) {
		struct moat_cursor c = add_body(&b, 1, "k", 1, 3, (uint8_t)opt);
		if (opt <= MOAT_IPC_KEY_OPT_ALL)
			EXPECT_IPC_OK(moat_ipc_key_add_decode(c, &got, &st), st);
		else
			EXPECT_IPC_ERR(moat_ipc_key_add_decode(c, &got, &st), st, MOAT_IPC_MALFORMED);
	}
	moat_buf_free(&b);

	/* The encoder refuses what the decoder would. */
	struct ipc_pkt p;
	pkt_init(&p);
	struct moat_ipc_key_add req = sample_add(MOAT_IPC_KEY_DER_MAX + 1, "k");
	EXPECT_ERR(moat_ipc_key_add_encode(&p.b, 1, &req), MOAT_ERR_INVALID_ARG);
	req = sample_add(1, "");
	EXPECT_ERR(moat_ipc_key_add_encode(&p.b, 1, &req), MOAT_ERR_INVALID_ARG);
	req = sample_add(1, "a\tb");
	EXPECT_ERR(moat_ipc_key_add_encode(&p.b, 1, &req), MOAT_ERR_INVALID_ARG);
	req = sample_add(1, "k");
	req.role = 0;
	EXPECT_ERR(moat_ipc_key_add_encode(&p.b, 1, &req), MOAT_ERR_INVALID_ARG);
	req.role = 4;
	EXPECT_ERR(moat_ipc_key_add_encode(&p.b, 1, &req), MOAT_ERR_INVALID_ARG);
	req.role = 1;
	req.options = 8;
	EXPECT_ERR(moat_ipc_key_add_encode(&p.b, 1, &req), MOAT_ERR_INVALID_ARG);
}

/* The largest KEY_ADD fits the packet limit keyd announces, with room to spare. */
ATF_TC_WITHOUT_HEAD(key_add_fits_one_packet);
ATF_TC_BODY(key_add_fits_one_packet, tc)
{
	char name[MOAT_IPC_KEY_NAME_MAX + 1];
	memset(name, 'n', MOAT_IPC_KEY_NAME_MAX);
	name[MOAT_IPC_KEY_NAME_MAX] = '\0';
	struct ipc_pkt p;
	pkt_init(&p);
	struct moat_ipc_key_add req = sample_add(MOAT_IPC_KEY_DER_MAX, name);
	EXPECT_OK(moat_ipc_key_add_encode(&p.b, 1, &req));
	ATF_REQUIRE(p.b.len <= MOAT_IPC_MAX_MESSAGE);
	/* RSA-8192: n, d (1024 bytes), p, q, dp, dq, qinv (512) and e come to 4611 bytes before DER framing. */
	ATF_REQUIRE(MOAT_IPC_KEY_DER_MAX >= 4611 + 256);
}

ATF_TC_WITHOUT_HEAD(key_remove_round_trip);
ATF_TC_BODY(key_remove_round_trip, tc)
{
	struct ipc_pkt p;
	struct moat_ipc_key_remove req, got;
	moat_ipc_status st;

	pkt_init(&p);
	memset(&req, 0, sizeof(req));
	req.by = MOAT_IPC_KEY_BY_ID;
	memcpy(req.key_id, test_key_id, MOAT_IPC_KEY_ID_LEN);
	EXPECT_OK(moat_ipc_key_remove_encode(&p.b, 5, &req));
	ATF_REQUIRE_EQ(p.b.len, MOAT_IPC_HEADER_LEN + 1 + MOAT_IPC_KEY_ID_LEN);
	struct moat_cursor body = pkt_request_body(&p, MOAT_IPC_KEY_REMOVE, 5);
	EXPECT_IPC_OK(moat_ipc_key_remove_decode(body, &got, &st), st);
	ATF_REQUIRE_EQ(got.by, MOAT_IPC_KEY_BY_ID);
	ATF_REQUIRE(memcmp(got.key_id, test_key_id, MOAT_IPC_KEY_ID_LEN) == 0);
	for (size_t n = 0; n < moat_cursor_remaining(&body); n++) {
		struct moat_cursor c;
		moat_cursor_init(&c, moat_cursor_data(&body), n);
		EXPECT_IPC_ERR(moat_ipc_key_remove_decode(c, &got, &st), st, MOAT_IPC_MALFORMED);
	}

	pkt_init(&p);
	memset(&req, 0, sizeof(req));
	req.by = MOAT_IPC_KEY_BY_NAME;
	strcpy(req.name, "old");
	EXPECT_OK(moat_ipc_key_remove_encode(&p.b, 6, &req));
	const uint8_t want[] = { 0x02, 0x03, 'o', 'l', 'd' };
	ATF_REQUIRE_EQ(p.b.len, MOAT_IPC_HEADER_LEN + sizeof(want));
	ATF_REQUIRE(memcmp(p.b.data + MOAT_IPC_HEADER_LEN, want, sizeof(want)) == 0);
	body = pkt_request_body(&p, MOAT_IPC_KEY_REMOVE, 6);
	EXPECT_IPC_OK(moat_ipc_key_remove_decode(body, &got, &st), st);
	ATF_REQUIRE_STREQ(got.name, "old");

	/* Unknown selector, empty name, trailing byte. */
	const uint8_t bad_by[] = { 0x03, 0x01, 'x' }, empty[] = { 0x02, 0x00 }, trailing[] = { 0x02, 0x01, 'x', 0x00 };
	struct moat_cursor c;
	moat_cursor_init(&c, bad_by, sizeof(bad_by));
	EXPECT_IPC_ERR(moat_ipc_key_remove_decode(c, &got, &st), st, MOAT_IPC_MALFORMED);
	moat_cursor_init(&c, empty, sizeof(empty));
	EXPECT_IPC_ERR(moat_ipc_key_remove_decode(c, &got, &st), st, MOAT_IPC_MALFORMED);
	moat_cursor_init(&c, trailing, sizeof(trailing));
	EXPECT_IPC_ERR(moat_ipc_key_remove_decode(c, &got, &st), st, MOAT_IPC_MALFORMED);
	/* The encoder refuses a selector or name the decoder would. */
	req.by = 3;
	EXPECT_ERR(moat_ipc_key_remove_encode(&p.b, 1, &req), MOAT_ERR_INVALID_ARG);
	req.by = MOAT_IPC_KEY_BY_NAME;
	req.name[0] = '\0';
	EXPECT_ERR(moat_ipc_key_remove_encode(&p.b, 1, &req), MOAT_ERR_INVALID_ARG);
}

ATF_TC_WITHOUT_HEAD(key_change_reply);
ATF_TC_BODY(key_change_reply, tc)
{
	struct ipc_pkt p;
	uint8_t id[MOAT_IPC_KEY_ID_LEN];
	moat_ipc_status st;
	const uint8_t opcodes[] = { MOAT_IPC_KEY_ADD, MOAT_IPC_KEY_REMOVE };
	for (size_t i = 0; i < 2; i++) {
		pkt_init(&p);
		EXPECT_OK(moat_ipc_key_change_reply_encode(&p.b, opcodes[i], 77, test_key_id));
		struct moat_cursor body = pkt_reply_body(&p, opcodes[i], 77);
		EXPECT_IPC_OK(moat_ipc_key_change_reply_decode(body, id, &st), st);
		ATF_REQUIRE(memcmp(id, test_key_id, sizeof(id)) == 0);
		struct moat_cursor c;
		moat_cursor_init(&c, moat_cursor_data(&body), MOAT_IPC_KEY_ID_LEN - 1);
		EXPECT_IPC_ERR(moat_ipc_key_change_reply_decode(c, id, &st), st, MOAT_IPC_MALFORMED);
	}
	pkt_init(&p);
	EXPECT_ERR(moat_ipc_key_change_reply_encode(&p.b, MOAT_IPC_LIST_KEYS, 1, test_key_id), MOAT_ERR_INVALID_ARG);
}

/* The new opcodes are control-socket requests, and the new statuses have names. */
ATF_TC_WITHOUT_HEAD(key_admin_opcodes);
ATF_TC_BODY(key_admin_opcodes, tc)
{
	ATF_REQUIRE(moat_ipc_opcode_is_request(MOAT_IPC_KEY_ADD) && moat_ipc_opcode_is_request(MOAT_IPC_KEY_REMOVE));
	ATF_REQUIRE(moat_ipc_opcode_allowed(MOAT_IPC_KEY_ADD, MOAT_IPC_CONTROL_SOCKET));
	ATF_REQUIRE(moat_ipc_opcode_allowed(MOAT_IPC_KEY_REMOVE, MOAT_IPC_CONTROL_SOCKET));
	ATF_REQUIRE(!moat_ipc_opcode_allowed(MOAT_IPC_KEY_ADD, MOAT_IPC_DATA_SOCKET));
	ATF_REQUIRE(!moat_ipc_opcode_allowed(MOAT_IPC_KEY_REMOVE, MOAT_IPC_DATA_SOCKET));
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(MOAT_IPC_KEY_ADD), "key_add");
	ATF_REQUIRE_STREQ(moat_ipc_opcode_name(MOAT_IPC_KEY_REMOVE | MOAT_IPC_REPLY), "key_remove_reply");
	ATF_REQUIRE_STREQ(moat_ipc_status_name(MOAT_IPC_KEY_HELD), "key_held");
	ATF_REQUIRE_STREQ(moat_ipc_status_name(MOAT_IPC_BAD_KEY), "bad_key");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, key_add_round_trip);
	ATF_TP_ADD_TC(tp, key_add_limits);
	ATF_TP_ADD_TC(tp, key_add_fits_one_packet);
	ATF_TP_ADD_TC(tp, key_remove_round_trip);
	ATF_TP_ADD_TC(tp, key_change_reply);
	ATF_TP_ADD_TC(tp, key_admin_opcodes);
	return atf_no_error();
}
