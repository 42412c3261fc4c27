/*
 * IPC message bodies: a round trip of every request and reply, known bytes
 * for a few, every truncation of every message (packet and body), a trailing
 * byte after every body, and each field limit at max and max + 1.
 */
#include "tests/ipc/ipc_test_util.h"

/* ---- One table of every message, for the truncation tests ---- */

typedef int (*encode_fn)(struct moat_buf *b);
typedef int (*decode_fn)(struct moat_cursor body, moat_ipc_status *st);

static uint8_t sign13_input[MOAT_IPC_SIGN_INPUT_MAX];
static size_t sign13_len;
static uint8_t sign12_input[MOAT_IPC_SIGN_INPUT_MAX];
static size_t sign12_len;
static const uint8_t sig_bytes[3] = { 0x30, 0x01, 0x00 };
static const uint8_t premaster[MOAT_IPC_PREMASTER_LEN] = { 0x03, 0x03, 0x42 };
static const uint8_t ciphertext[256] = { 0x99 };

static void init_inputs(void)
{
	sign13_len = build_tls13_cv(sign13_input, true, 48);
	sign12_len = build_tls12_ske(sign12_input, 3, MOAT_GROUP_SECP256R1, 65);
}

static struct moat_ipc_key_info sample_keys[3];
static struct moat_ipc_stat sample_stats[3];

static void init_samples(void)
{
	memset(sample_keys, 0, sizeof(sample_keys));
	memcpy(sample_keys[0].key_id, test_key_id, MOAT_IPC_KEY_ID_LEN);
	sample_keys[0].key_type = MOAT_IPC_KEY_RSA;
	sample_keys[0].bits = 2048;
	sample_keys[0].flags = MOAT_IPC_KEY_FLAG_SERVER | MOAT_IPC_KEY_FLAG_TLS12 | MOAT_IPC_KEY_FLAG_RSA_KX;
	sample_keys[0].schemes[0] = MOAT_SIG_RSA_PSS_RSAE_SHA256;
	sample_keys[0].schemes[1] = MOAT_SIG_RSA_PKCS1_SHA256;
	sample_keys[0].scheme_count = 2;
	strcpy(sample_keys[0].name, "www.example.com.key");
	memset(sample_keys[1].key_id, 0xee, MOAT_IPC_KEY_ID_LEN);
	sample_keys[1].key_type = MOAT_IPC_KEY_EC_P384;
	sample_keys[1].bits = 384;
	sample_keys[1].flags = MOAT_IPC_KEY_FLAG_SERVER;
	sample_keys[1].schemes[0] = MOAT_SIG_ECDSA_SECP384R1_SHA384;
	sample_keys[1].scheme_count = 1;
	/* name left empty: <0..255> */
	sample_keys[2].key_type = MOAT_IPC_KEY_RSA_PSS;
	sample_keys[2].bits = 4096;
	sample_keys[2].flags = MOAT_IPC_KEY_FLAG_CLIENT | MOAT_IPC_KEY_FLAG_TLS10;
	sample_keys[2].schemes[0] = MOAT_SIG_RSA_PSS_PSS_SHA512;
	sample_keys[2].scheme_count = 1;
	strcpy(sample_keys[2].name, "pss key \xc3\xa9");

	memset(sample_stats, 0, sizeof(sample_stats));
	strcpy(sample_stats[0].name, "uptime_seconds");
	sample_stats[0].value = 86400;
	strcpy(sample_stats[1].name, "signs");
	sample_stats[1].value = UINT64_MAX;
	strcpy(sample_stats[2].name, "x");
	sample_stats[2].value = 0;
}

static int enc_hello(struct moat_buf *b)
{
	struct moat_ipc_hello h = { 1, 3 };
	return moat_ipc_hello_encode(b, 1, &h);
}
static int dec_hello(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_ipc_hello h;
	return moat_ipc_hello_decode(body, &h, st);
}
static int enc_hello_reply(struct moat_buf *b)
{
	struct moat_ipc_hello_reply r = { 1, 64, MOAT_IPC_MAX_MESSAGE };
	return moat_ipc_hello_reply_encode(b, 1, &r);
}
static int dec_hello_reply(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_ipc_hello_reply r;
	return moat_ipc_hello_reply_decode(body, &r, st);
}
static int enc_sign13(struct moat_buf *b)
{
	return moat_ipc_sign_encode(b, 2, test_key_id, MOAT_SIG_RSA_PSS_RSAE_SHA256, MOAT_IPC_SIGN_TLS13_CV,
				    sign13_input, sign13_len);
}
static int enc_sign12(struct moat_buf *b)
{
	return moat_ipc_sign_encode(b, 2, test_key_id, MOAT_SIG_RSA_PKCS1_SHA256, MOAT_IPC_SIGN_TLS12_SKE,
				    sign12_input, sign12_len);
}
static int dec_sign(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_ipc_sign r;
	return moat_ipc_sign_decode(body, &r, st);
}
static int enc_sign_reply(struct moat_buf *b)
{
	return moat_ipc_sign_reply_encode(b, 2, sig_bytes, sizeof(sig_bytes));
}
static int dec_sign_reply(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_cursor s;
	return moat_ipc_sign_reply_decode(body, &s, st);
}
static int enc_rsa(struct moat_buf *b)
{
	return moat_ipc_rsa_decrypt_encode(b, 3, test_key_id, MOAT_TLS12, ciphertext, sizeof(ciphertext));
}
static int dec_rsa(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_ipc_rsa_decrypt r;
	return moat_ipc_rsa_decrypt_decode(body, &r, st);
}
static int enc_rsa_reply(struct moat_buf *b)
{
	return moat_ipc_rsa_decrypt_reply_encode(b, 3, premaster);
}
static int dec_rsa_reply(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_cursor pm;
	return moat_ipc_rsa_decrypt_reply_decode(body, &pm, st);
}
static int enc_ping(struct moat_buf *b)
{
	return moat_ipc_ping_encode(b, 4, (const uint8_t *)"ping!", 5);
}
static int enc_ping_empty(struct moat_buf *b)
{
	return moat_ipc_ping_encode(b, 4, NULL, 0);
}
static int dec_ping(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_cursor p;
	return moat_ipc_ping_decode(body, &p, st);
}
static int enc_ping_reply(struct moat_buf *b)
{
	return moat_ipc_ping_reply_encode(b, 4, (const uint8_t *)"ping!", 5);
}
static int dec_ping_reply(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_cursor p;
	return moat_ipc_ping_reply_decode(body, &p, st);
}
static int enc_list_keys(struct moat_buf *b)
{
	return moat_ipc_list_keys_encode(b, 5);
}
static int dec_list_keys(struct moat_cursor body, moat_ipc_status *st)
{
	return moat_ipc_list_keys_decode(body, st);
}
static int enc_list_keys_reply(struct moat_buf *b)
{
	return moat_ipc_list_keys_reply_encode(b, 5, sample_keys, 3);
}
static int enc_list_keys_reply_empty(struct moat_buf *b)
{
	return moat_ipc_list_keys_reply_encode(b, 5, NULL, 0);
}
static int dec_list_keys_reply(struct moat_cursor body, moat_ipc_status *st)
{
	static struct moat_ipc_key_info keys[MOAT_IPC_MAX_KEYS];
	size_t n;
	return moat_ipc_list_keys_reply_decode(body, keys, MOAT_IPC_MAX_KEYS, &n, st);
}
static int enc_stats(struct moat_buf *b)
{
	return moat_ipc_stats_encode(b, 6);
}
static int dec_stats(struct moat_cursor body, moat_ipc_status *st)
{
	return moat_ipc_stats_decode(body, st);
}
static int enc_stats_reply(struct moat_buf *b)
{
	return moat_ipc_stats_reply_encode(b, 6, sample_stats, 3);
}
static int dec_stats_reply(struct moat_cursor body, moat_ipc_status *st)
{
	struct moat_ipc_stat s[MOAT_IPC_MAX_STATS];
	size_t n;
	return moat_ipc_stats_reply_decode(body, s, MOAT_IPC_MAX_STATS, &n, st);
}

static const struct {
	const char *name;
	encode_fn enc;
	decode_fn dec;
} messages[] = {
	{ "hello", enc_hello, dec_hello },
	{ "hello_reply", enc_hello_reply, dec_hello_reply },
	{ "sign13", enc_sign13, dec_sign },
	{ "sign12", enc_sign12, dec_sign },
	{ "sign_reply", enc_sign_reply, dec_sign_reply },
	{ "rsa_decrypt", enc_rsa, dec_rsa },
	{ "rsa_decrypt_reply", enc_rsa_reply, dec_rsa_reply },
	{ "ping", enc_ping, dec_ping },
	{ "ping_empty", enc_ping_empty, dec_ping },
	{ "ping_reply", enc_ping_reply, dec_ping_reply },
	{ "list_keys", enc_list_keys, dec_list_keys },
	{ "list_keys_reply", enc_list_keys_reply, dec_list_keys_reply },
	{ "list_keys_reply_empty", enc_list_keys_reply_empty, dec_list_keys_reply },
	{ "stats", enc_stats, dec_stats },
	{ "stats_reply", enc_stats_reply, dec_stats_reply },
};
#define N_MESSAGES (sizeof(messages) / sizeof(messages[0]))

ATF_TC_WITHOUT_HEAD(every_truncation_fails);
ATF_TC_BODY(every_truncation_fails, tc)
{
	init_inputs();
	init_samples();
	for (size_t m = 0; m < N_MESSAGES; m++) {
		struct ipc_pkt p;
		struct moat_ipc_header h;
		struct moat_cursor body, cut;
		moat_ipc_status st;
		uint8_t copy[MOAT_IPC_MAX_MESSAGE + 1];

		pkt_init(&p);
		EXPECT_OK(messages[m].enc(&p.b));
		pkt_open(&p, &h, &body);
		EXPECT_IPC_OK(messages[m].dec(body, &st), st);

		/* Every shorter packet breaks the framing. */
		for (size_t n = 0; n < p.b.len; n++)
			EXPECT_ERR(moat_ipc_header_decode(p.b.data, n, &h, &cut), MOAT_ERR_IPC_BAD_MESSAGE);
		/* Every shorter body (with a matching header) is MALFORMED. */
		for (size_t n = 0; n < moat_cursor_remaining(&body); n++) {
			moat_cursor_init(&cut, moat_cursor_data(&body), n);
			st = MOAT_IPC_OK;
			moat_error_clear();
			ATF_REQUIRE_MSG(messages[m].dec(cut, &st) == MOAT_FAILURE, "%s cut to %zu decoded",
					messages[m].name, n);
			ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_IPC_BAD_MESSAGE);
			ATF_REQUIRE_MSG(st == MOAT_IPC_MALFORMED, "%s cut to %zu: %s", messages[m].name, n,
					moat_ipc_status_name((uint16_t)st));
		}
		/* One byte more is MALFORMED as a body and breaks the framing as a packet. */
		memcpy(copy, p.b.data, p.b.len);
		copy[p.b.len] = 0;
		moat_cursor_init(&cut, copy + MOAT_IPC_HEADER_LEN, p.b.len - MOAT_IPC_HEADER_LEN + 1);
		EXPECT_IPC_ERR(messages[m].dec(cut, &st), st, MOAT_IPC_MALFORMED);
		EXPECT_ERR(moat_ipc_header_decode(copy, p.b.len + 1, &h, &cut), MOAT_ERR_IPC_BAD_MESSAGE);
	}
}

/* ---- Round trips ---- */

ATF_TC_WITHOUT_HEAD(hello_round_trip);
ATF_TC_BODY(hello_round_trip, tc)
{
	static const uint8_t want[] = { 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x04,
					0x01, 0x02, 0x00, 0x00 };
	struct ipc_pkt p;
	struct moat_cursor body;
	struct moat_ipc_hello hello = { 1, 2 }, got;
	struct moat_ipc_hello_reply reply = { 1, 128, 4096 }, got_reply;
	moat_ipc_status st;
	uint8_t version = 0;

	pkt_init(&p);
	EXPECT_OK(moat_ipc_hello_encode(&p.b, 7, &hello));
	ATF_REQUIRE_EQ(p.b.len, sizeof(want));
	ATF_REQUIRE(memcmp(p.b.data, want, sizeof(want)) == 0);
	body = pkt_request_body(&p, MOAT_IPC_HELLO, 7);
	EXPECT_IPC_OK(moat_ipc_hello_decode(body, &got, &st), st);
	ATF_REQUIRE_EQ(got.min_version, 1);
	ATF_REQUIRE_EQ(got.max_version, 2);
	EXPECT_IPC_OK(moat_ipc_hello_choose(&got, &version, &st), st);
	ATF_REQUIRE_EQ(version, 1);

	pkt_init(&p);
	EXPECT_OK(moat_ipc_hello_reply_encode(&p.b, 7, &reply));
	ATF_REQUIRE_EQ(p.b.len, MOAT_IPC_HEADER_LEN + 5);
	body = pkt_reply_body(&p, MOAT_IPC_HELLO, 7);
	EXPECT_IPC_OK(moat_ipc_hello_reply_decode(body, &got_reply, &st), st);
	ATF_REQUIRE_EQ(got_reply.version, 1);
	ATF_REQUIRE_EQ(got_reply.max_inflight, 128);
	ATF_REQUIRE_EQ(got_reply.max_message, 4096);
}

ATF_TC_WITHOUT_HEAD(sign_round_trip);
ATF_TC_BODY(sign_round_trip, tc)
{
	struct ipc_pkt p;
	struct moat_cursor body, sig;
	struct moat_ipc_sign req;
	moat_ipc_status st;
	uint8_t big_sig[MOAT_IPC_SIGNATURE_MAX];

	init_inputs();
	pkt_init(&p);
	EXPECT_OK(enc_sign13(&p.b));
	/* key_id, scheme, kind, u16 length, input */
	ATF_REQUIRE_EQ(p.b.len, MOAT_IPC_HEADER_LEN + 32 + 2 + 1 + 2 + sign13_len);
	body = pkt_request_body(&p, MOAT_IPC_SIGN, 2);
	EXPECT_IPC_OK(moat_ipc_sign_decode(body, &req, &st), st);
	ATF_REQUIRE(memcmp(req.key_id, test_key_id, sizeof(test_key_id)) == 0);
	ATF_REQUIRE_EQ(req.scheme, MOAT_SIG_RSA_PSS_RSAE_SHA256);
	ATF_REQUIRE_EQ(req.kind, MOAT_IPC_SIGN_TLS13_CV);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&req.input), sign13_len);
	ATF_REQUIRE(memcmp(moat_cursor_data(&req.input), sign13_input, sign13_len) == 0);
	ATF_REQUIRE_EQ(p.mem[MOAT_IPC_HEADER_LEN + 32], 0x08);
	ATF_REQUIRE_EQ(p.mem[MOAT_IPC_HEADER_LEN + 33], 0x04);
	ATF_REQUIRE_EQ(p.mem[MOAT_IPC_HEADER_LEN + 34], 0x01);

	pkt_init(&p);
	EXPECT_OK(enc_sign12(&p.b));
	body = pkt_request_body(&p, MOAT_IPC_SIGN, 2);
	EXPECT_IPC_OK(moat_ipc_sign_decode(body, &req, &st), st);
	ATF_REQUIRE_EQ(req.scheme, MOAT_SIG_RSA_PKCS1_SHA256);
	ATF_REQUIRE_EQ(req.kind, MOAT_IPC_SIGN_TLS12_SKE);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&req.input), sign12_len);
	ATF_REQUIRE(memcmp(moat_cursor_data(&req.input), sign12_input, sign12_len) == 0);

	/* Reply: signature<1..1024> at both ends. */
	for (size_t i = 0; i < sizeof(big_sig); i++)
		big_sig[i] = (uint8_t)i;
	for (size_t n = 1; n <= MOAT_IPC_SIGNATURE_MAX; n += MOAT_IPC_SIGNATURE_MAX - 1) {
		pkt_init(&p);
		EXPECT_OK(moat_ipc_sign_reply_encode(&p.b, 0xffffffff, big_sig, n));
		body = pkt_reply_body(&p, MOAT_IPC_SIGN, 0xffffffff);
		EXPECT_IPC_OK(moat_ipc_sign_reply_decode(body, &sig, &st), st);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&sig), n);
		ATF_REQUIRE(memcmp(moat_cursor_data(&sig), big_sig, n) == 0);
	}
}

ATF_TC_WITHOUT_HEAD(rsa_decrypt_round_trip);
ATF_TC_BODY(rsa_decrypt_round_trip, tc)
{
	struct ipc_pkt p;
	struct moat_cursor body, pm;
	struct moat_ipc_rsa_decrypt req;
	moat_ipc_status st;
	static const uint16_t versions[] = { 0x0300, MOAT_TLS10, MOAT_TLS11, MOAT_TLS12, MOAT_TLS13, 0x03ff };

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		pkt_init(&p);
		EXPECT_OK(moat_ipc_rsa_decrypt_encode(&p.b, 3, test_key_id, versions[i], ciphertext, sizeof(ciphertext)));
		ATF_REQUIRE_EQ(p.b.len, MOAT_IPC_HEADER_LEN + 32 + 2 + 2 + sizeof(ciphertext));
		body = pkt_request_body(&p, MOAT_IPC_RSA_DECRYPT, 3);
		EXPECT_IPC_OK(moat_ipc_rsa_decrypt_decode(body, &req, &st), st);
		ATF_REQUIRE(memcmp(req.key_id, test_key_id, sizeof(test_key_id)) == 0);
		ATF_REQUIRE_EQ(req.client_version, versions[i]);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&req.ciphertext), sizeof(ciphertext));
		ATF_REQUIRE(memcmp(moat_cursor_data(&req.ciphertext), ciphertext, sizeof(ciphertext)) == 0);
	}

	pkt_init(&p);
	EXPECT_OK(moat_ipc_rsa_decrypt_reply_encode(&p.b, 3, premaster));
	/* Exactly 48 bytes, no prefix. */
	ATF_REQUIRE_EQ(p.b.len, MOAT_IPC_HEADER_LEN + 48);
	body = pkt_reply_body(&p, MOAT_IPC_RSA_DECRYPT, 3);
	EXPECT_IPC_OK(moat_ipc_rsa_decrypt_reply_decode(body, &pm, &st), st);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&pm), 48);
	ATF_REQUIRE(memcmp(moat_cursor_data(&pm), premaster, 48) == 0);
}

ATF_TC_WITHOUT_HEAD(ping_round_trip);
ATF_TC_BODY(ping_round_trip, tc)
{
	struct ipc_pkt p, reply;
	struct moat_cursor body, payload;
	moat_ipc_status st;
	uint8_t data[MOAT_IPC_PING_MAX];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	for (size_t n = 0; n <= MOAT_IPC_PING_MAX; n += 128) {
		pkt_init(&p);
		EXPECT_OK(moat_ipc_ping_encode(&p.b, 9, data, n));
		body = pkt_request_body(&p, MOAT_IPC_PING, 9);
		EXPECT_IPC_OK(moat_ipc_ping_decode(body, &payload, &st), st);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&payload), n);

		/* keyd echoes the request's payload view into a second packet. */
		pkt_init(&reply);
		EXPECT_OK(moat_ipc_ping_reply_encode(&reply.b, 9, moat_cursor_data(&payload), n));
		body = pkt_reply_body(&reply, MOAT_IPC_PING, 9);
		EXPECT_IPC_OK(moat_ipc_ping_reply_decode(body, &payload, &st), st);
		ATF_REQUIRE_EQ(moat_cursor_remaining(&payload), n);
		ATF_REQUIRE(n == 0 || memcmp(moat_cursor_data(&payload), data, n) == 0);
	}
}

ATF_TC_WITHOUT_HEAD(list_keys_round_trip);
ATF_TC_BODY(list_keys_round_trip, tc)
{
	static struct moat_ipc_key_info got[MOAT_IPC_MAX_KEYS];
	struct ipc_pkt p;
	struct moat_cursor body;
	moat_ipc_status st;
	size_t n = 99;

	init_samples();
	pkt_init(&p);
	EXPECT_OK(moat_ipc_list_keys_encode(&p.b, 5));
	ATF_REQUIRE_EQ(p.b.len, MOAT_IPC_HEADER_LEN);
	body = pkt_request_body(&p, MOAT_IPC_LIST_KEYS, 5);
	EXPECT_IPC_OK(moat_ipc_list_keys_decode(body, &st), st);

	pkt_init(&p);
	EXPECT_OK(moat_ipc_list_keys_reply_encode(&p.b, 5, sample_keys, 3));
	body = pkt_reply_body(&p, MOAT_IPC_LIST_KEYS, 5);
	/* count, then the first entry: key_id, type, bits, flags, schemes<2..128>, name<0..255>. */
	ATF_REQUIRE_EQ(p.mem[12], 0);
	ATF_REQUIRE_EQ(p.mem[13], 3);
	ATF_REQUIRE_EQ(p.mem[14 + 32], MOAT_IPC_KEY_RSA);
	ATF_REQUIRE_EQ(p.mem[14 + 33], 0x08);
	ATF_REQUIRE_EQ(p.mem[14 + 34], 0x00);
	ATF_REQUIRE_EQ(p.mem[14 + 35], 0x15);
	ATF_REQUIRE_EQ(p.mem[14 + 36], 0);
	ATF_REQUIRE_EQ(p.mem[14 + 37], 4);
	ATF_REQUIRE_EQ(p.mem[14 + 42], strlen("www.example.com.key"));
	EXPECT_IPC_OK(moat_ipc_list_keys_reply_decode(body, got, MOAT_IPC_MAX_KEYS, &n, &st), st);
	ATF_REQUIRE_EQ(n, 3);
	for (size_t i = 0; i < 3; i++) {
		ATF_REQUIRE(memcmp(got[i].key_id, sample_keys[i].key_id, MOAT_IPC_KEY_ID_LEN) == 0);
		ATF_REQUIRE_EQ(got[i].key_type, sample_keys[i].key_type);
		ATF_REQUIRE_EQ(got[i].bits, sample_keys[i].bits);
		ATF_REQUIRE_EQ(got[i].flags, sample_keys[i].flags);
		ATF_REQUIRE_EQ(got[i].scheme_count, sample_keys[i].scheme_count);
		for (size_t j = 0; j < got[i].scheme_count; j++)
			ATF_REQUIRE_EQ(got[i].schemes[j], sample_keys[i].schemes[j]);
		ATF_REQUIRE_STREQ(got[i].name, sample_keys[i].name);
	}

	/* An empty key list. */
	pkt_init(&p);
	EXPECT_OK(moat_ipc_list_keys_reply_encode(&p.b, 5, NULL, 0));
	body = pkt_reply_body(&p, MOAT_IPC_LIST_KEYS, 5);
	EXPECT_IPC_OK(moat_ipc_list_keys_reply_decode(body, NULL, 0, &n, &st), st);
	ATF_REQUIRE_EQ(n, 0);
}

ATF_TC_WITHOUT_HEAD(stats_round_trip);
ATF_TC_BODY(stats_round_trip, tc)
{
	static const uint8_t want_body[] = {
		0x00, 0x03,
		14, 'u', 'p', 't', 'i', 'm', 'e', '_', 's', 'e', 'c', 'o', 'n', 'd', 's',
		0, 0, 0, 0, 0, 0x01, 0x51, 0x80,
		5, 's', 'i', 'g', 'n', 's', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		1, 'x', 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct ipc_pkt p;
	struct moat_cursor body;
	struct moat_ipc_stat got[MOAT_IPC_MAX_STATS];
	moat_ipc_status st;
	size_t n = 0;

	init_samples();
	pkt_init(&p);
	EXPECT_OK(moat_ipc_stats_encode(&p.b, 6));
	ATF_REQUIRE_EQ(p.b.len, MOAT_IPC_HEADER_LEN);
	body = pkt_request_body(&p, MOAT_IPC_STATS, 6);
	EXPECT_IPC_OK(moat_ipc_stats_decode(body, &st), st);

	pkt_init(&p);
	EXPECT_OK(moat_ipc_stats_reply_encode(&p.b, 6, sample_stats, 3));
	body = pkt_reply_body(&p, MOAT_IPC_STATS, 6);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&body), sizeof(want_body));
	ATF_REQUIRE(memcmp(moat_cursor_data(&body), want_body, sizeof(want_body)) == 0);
	EXPECT_IPC_OK(moat_ipc_stats_reply_decode(body, got, MOAT_IPC_MAX_STATS, &n, &st), st);
	ATF_REQUIRE_EQ(n, 3);
	for (size_t i = 0; i < n; i++) {
		ATF_REQUIRE_STREQ(got[i].name, sample_stats[i].name);
		ATF_REQUIRE_EQ(got[i].value, sample_stats[i].value);
	}
}

/* ---- Limits ---- */

ATF_TC_WITHOUT_HEAD(hello_limits);
ATF_TC_BODY(hello_limits, tc)
{
	struct ipc_pkt p;
	struct moat_buf raw;
	struct moat_ipc_hello h;
	struct moat_ipc_hello_reply r;
	moat_ipc_status st;
	uint8_t version;
	static const uint8_t reserved_set[] = { 1, 1, 0, 1 };
	static const uint8_t reversed[] = { 2, 1, 0, 0 };
	static const uint8_t zero_min[] = { 0, 1, 0, 0 };
	static const uint8_t future[] = { 2, 9, 0, 0 };
	struct moat_cursor c;

	moat_cursor_init(&c, reserved_set, sizeof(reserved_set));
	EXPECT_IPC_ERR(moat_ipc_hello_decode(c, &h, &st), st, MOAT_IPC_MALFORMED);
	moat_cursor_init(&c, reversed, sizeof(reversed));
	EXPECT_IPC_ERR(moat_ipc_hello_decode(c, &h, &st), st, MOAT_IPC_MALFORMED);
	moat_cursor_init(&c, zero_min, sizeof(zero_min));
	EXPECT_IPC_ERR(moat_ipc_hello_decode(c, &h, &st), st, MOAT_IPC_MALFORMED);
	/* A range without version 1 decodes, and choosing fails with BAD_VERSION. */
	moat_cursor_init(&c, future, sizeof(future));
	EXPECT_IPC_OK(moat_ipc_hello_decode(c, &h, &st), st);
	EXPECT_IPC_ERR(moat_ipc_hello_choose(&h, &version, &st), st, MOAT_IPC_BAD_VERSION);
	h.min_version = 1;
	h.max_version = 255;
	EXPECT_IPC_OK(moat_ipc_hello_choose(&h, &version, &st), st);
	ATF_REQUIRE_EQ(version, 1);

	pkt_init(&p);
	h.min_version = 2;
	h.max_version = 1;
	EXPECT_ERR(moat_ipc_hello_encode(&p.b, 1, &h), MOAT_ERR_INVALID_ARG);
	h.min_version = 0;
	EXPECT_ERR(moat_ipc_hello_encode(&p.b, 1, &h), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(p.b.len, 0);

	/* Reply: max_message MOAT_IPC_MIN_MAX_MESSAGE..8192, max_inflight >= 1, version >= 1. */
	static const struct {
		uint8_t version;
		uint16_t inflight, max_message;
		bool ok;
	} replies[] = {
		{ 1, 1, MOAT_IPC_MIN_MAX_MESSAGE, true },
		{ 1, 0xffff, MOAT_IPC_MAX_MESSAGE, true },
		{ 1, 1, MOAT_IPC_MIN_MAX_MESSAGE - 1, false },
		{ 1, 1, MOAT_IPC_MAX_MESSAGE + 1, false },
		{ 1, 0, MOAT_IPC_MAX_MESSAGE, false },
		{ 0, 1, MOAT_IPC_MAX_MESSAGE, false },
	};
	/* The largest request: a TICKET_OPEN with a 1068-byte ticket (a SIGN with 1024 input bytes is 1073). */
	ATF_REQUIRE_EQ(MOAT_IPC_MIN_MAX_MESSAGE, 1082);
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		raw_init(&raw);
		EXPECT_OK(moat_buf_put_u8(&raw, replies[i].version));
		EXPECT_OK(moat_buf_put_u16(&raw, replies[i].inflight));
		EXPECT_OK(moat_buf_put_u16(&raw, replies[i].max_message));
		r.version = replies[i].version;
		r.max_inflight = replies[i].inflight;
		r.max_message = replies[i].max_message;
		pkt_init(&p);
		if (replies[i].ok) {
			EXPECT_IPC_OK(moat_ipc_hello_reply_decode(raw_cursor(&raw), &r, &st), st);
			EXPECT_OK(moat_ipc_hello_reply_encode(&p.b, 1, &r));
		} else {
			EXPECT_IPC_ERR(moat_ipc_hello_reply_decode(raw_cursor(&raw), &r, &st), st, MOAT_IPC_MALFORMED);
			EXPECT_ERR(moat_ipc_hello_reply_encode(&p.b, 1, &r), MOAT_ERR_INVALID_ARG);
		}
		moat_buf_free(&raw);
	}
}

/* A SIGN body with an input of n bytes, all 0x20 (shape check fails unless framing does first). */
static void sign_body_with_input(struct moat_buf *raw, size_t n)
{
	uint8_t *room;
	raw_init(raw);
	EXPECT_OK(moat_buf_put_bytes(raw, test_key_id, sizeof(test_key_id)));
	EXPECT_OK(moat_buf_put_u16(raw, MOAT_SIG_ECDSA_SECP256R1_SHA256));
	EXPECT_OK(moat_buf_put_u8(raw, MOAT_IPC_SIGN_TLS13_CV));
	EXPECT_OK(moat_buf_put_u16(raw, (uint16_t)n));
	EXPECT_OK(moat_buf_reserve(raw, n, &room));
	memset(room, 0x20, n);
}

ATF_TC_WITHOUT_HEAD(sign_limits);
ATF_TC_BODY(sign_limits, tc)
{
	struct moat_buf raw;
	struct moat_ipc_sign req;
	struct moat_cursor sig;
	struct ipc_pkt p;
	moat_ipc_status st;
	uint8_t buf[MOAT_IPC_SIGN_INPUT_MAX + 1];

	/* input<1..1024>: 1024 passes the framing (and fails the shape), 1025 is TOO_LARGE, 0 MALFORMED. */
	sign_body_with_input(&raw, MOAT_IPC_SIGN_INPUT_MAX);
	EXPECT_IPC_ERR(moat_ipc_sign_decode(raw_cursor(&raw), &req, &st), st, MOAT_IPC_BAD_INPUT);
	moat_buf_free(&raw);
	sign_body_with_input(&raw, MOAT_IPC_SIGN_INPUT_MAX + 1);
	EXPECT_IPC_ERR(moat_ipc_sign_decode(raw_cursor(&raw), &req, &st), st, MOAT_IPC_TOO_LARGE);
	moat_buf_free(&raw);
	sign_body_with_input(&raw, 0);
	EXPECT_IPC_ERR(moat_ipc_sign_decode(raw_cursor(&raw), &req, &st), st, MOAT_IPC_MALFORMED);
	moat_buf_free(&raw);

	memset(buf, 0x20, sizeof(buf));
	pkt_init(&p);
	EXPECT_ERR(moat_ipc_sign_encode(&p.b, 1, test_key_id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 1, buf, 0),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_sign_encode(&p.b, 1, test_key_id, MOAT_SIG_ECDSA_SECP256R1_SHA256, 1, buf,
					MOAT_IPC_SIGN_INPUT_MAX + 1),
		   MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(p.b.len, 0);

	/* signature<1..1024>. */
	raw_init(&raw);
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, buf, MOAT_IPC_SIGNATURE_MAX + 1));
	EXPECT_IPC_ERR(moat_ipc_sign_reply_decode(raw_cursor(&raw), &sig, &st), st, MOAT_IPC_TOO_LARGE);
	moat_buf_free(&raw);
	raw_init(&raw);
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, buf, MOAT_IPC_SIGNATURE_MAX));
	EXPECT_IPC_OK(moat_ipc_sign_reply_decode(raw_cursor(&raw), &sig, &st), st);
	moat_buf_free(&raw);
	raw_init(&raw);
	EXPECT_OK(moat_buf_put_u16(&raw, 0));
	EXPECT_IPC_ERR(moat_ipc_sign_reply_decode(raw_cursor(&raw), &sig, &st), st, MOAT_IPC_MALFORMED);
	moat_buf_free(&raw);
	EXPECT_ERR(moat_ipc_sign_reply_encode(&p.b, 1, buf, MOAT_IPC_SIGNATURE_MAX + 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_sign_reply_encode(&p.b, 1, buf, 0), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(p.b.len, 0);
}

static void rsa_body(struct moat_buf *raw, uint16_t client_version, size_t n)
{
	uint8_t *room;
	raw_init(raw);
	EXPECT_OK(moat_buf_put_bytes(raw, test_key_id, sizeof(test_key_id)));
	EXPECT_OK(moat_buf_put_u16(raw, client_version));
	EXPECT_OK(moat_buf_put_u16(raw, (uint16_t)n));
	EXPECT_OK(moat_buf_reserve(raw, n, &room));
	memset(room, 0x77, n);
}

ATF_TC_WITHOUT_HEAD(rsa_decrypt_limits);
ATF_TC_BODY(rsa_decrypt_limits, tc)
{
	struct moat_buf raw;
	struct moat_ipc_rsa_decrypt req;
	struct moat_cursor pm;
	struct ipc_pkt p;
	moat_ipc_status st;
	uint8_t buf[MOAT_IPC_CIPHERTEXT_MAX + 1] = { 0 };

	rsa_body(&raw, MOAT_TLS12, MOAT_IPC_CIPHERTEXT_MAX);
	EXPECT_IPC_OK(moat_ipc_rsa_decrypt_decode(raw_cursor(&raw), &req, &st), st);
	ATF_REQUIRE_EQ(moat_cursor_remaining(&req.ciphertext), MOAT_IPC_CIPHERTEXT_MAX);
	moat_buf_free(&raw);
	rsa_body(&raw, MOAT_TLS12, MOAT_IPC_CIPHERTEXT_MAX + 1);
	EXPECT_IPC_ERR(moat_ipc_rsa_decrypt_decode(raw_cursor(&raw), &req, &st), st, MOAT_IPC_TOO_LARGE);
	moat_buf_free(&raw);
	rsa_body(&raw, MOAT_TLS12, 0);
	EXPECT_IPC_ERR(moat_ipc_rsa_decrypt_decode(raw_cursor(&raw), &req, &st), st, MOAT_IPC_MALFORMED);
	moat_buf_free(&raw);
	/*
	 * client_version is not judged (keyd's answer must not depend on it,
	 * ipc.h): any value decodes, and the encoder sends any value.
	 */
	static const uint16_t odd_versions[] = { 0x0203, 0x0400, 0x0000, 0xffff };
	for (size_t i = 0; i < sizeof(odd_versions) / sizeof(odd_versions[0]); i++) {
		rsa_body(&raw, odd_versions[i], 1);
		EXPECT_IPC_OK(moat_ipc_rsa_decrypt_decode(raw_cursor(&raw), &req, &st), st);
		ATF_REQUIRE_EQ(req.client_version, odd_versions[i]);
		moat_buf_free(&raw);
	}

	pkt_init(&p);
	EXPECT_ERR(moat_ipc_rsa_decrypt_encode(&p.b, 1, test_key_id, MOAT_TLS12, buf, MOAT_IPC_CIPHERTEXT_MAX + 1),
		   MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_rsa_decrypt_encode(&p.b, 1, test_key_id, MOAT_TLS12, buf, 0), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(p.b.len, 0);

	/* The reply is 48 bytes exactly. */
	for (size_t n = 47; n <= 49; n++) {
		struct moat_cursor c;
		moat_cursor_init(&c, buf, n);
		if (n == 48) {
			EXPECT_IPC_OK(moat_ipc_rsa_decrypt_reply_decode(c, &pm, &st), st);
			ATF_REQUIRE(moat_cursor_data(&pm) == buf);
		} else {
			EXPECT_IPC_ERR(moat_ipc_rsa_decrypt_reply_decode(c, &pm, &st), st, MOAT_IPC_MALFORMED);
		}
	}
}

ATF_TC_WITHOUT_HEAD(ping_limits);
ATF_TC_BODY(ping_limits, tc)
{
	struct moat_buf raw;
	struct moat_cursor payload;
	struct ipc_pkt p;
	moat_ipc_status st;
	uint8_t buf[MOAT_IPC_PING_MAX + 1] = { 0 };

	raw_init(&raw);
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, buf, MOAT_IPC_PING_MAX));
	EXPECT_IPC_OK(moat_ipc_ping_decode(raw_cursor(&raw), &payload, &st), st);
	EXPECT_IPC_OK(moat_ipc_ping_reply_decode(raw_cursor(&raw), &payload, &st), st);
	moat_buf_free(&raw);
	raw_init(&raw);
	EXPECT_OK(moat_buf_put_prefixed(&raw, 2, buf, MOAT_IPC_PING_MAX + 1));
	EXPECT_IPC_ERR(moat_ipc_ping_decode(raw_cursor(&raw), &payload, &st), st, MOAT_IPC_TOO_LARGE);
	EXPECT_IPC_ERR(moat_ipc_ping_reply_decode(raw_cursor(&raw), &payload, &st), st, MOAT_IPC_TOO_LARGE);
	moat_buf_free(&raw);

	pkt_init(&p);
	EXPECT_ERR(moat_ipc_ping_encode(&p.b, 1, buf, MOAT_IPC_PING_MAX + 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_ping_reply_encode(&p.b, 1, buf, MOAT_IPC_PING_MAX + 1), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_ipc_ping_encode(&p.b, 1, NULL, 1), MOAT_ERR_NULL_ARG);
	ATF_REQUIRE_EQ(p.b.len, 0);
}

ATF_TC_WITHOUT_HEAD(empty_requests_stay_empty);
ATF_TC_BODY(empty_requests_stay_empty, tc)
{
	static const uint8_t one = 0;
	struct moat_cursor c;
	moat_ipc_status st;
	moat_cursor_init(&c, &one, 1);
	EXPECT_IPC_ERR(moat_ipc_list_keys_decode(c, &st), st, MOAT_IPC_MALFORMED);
	EXPECT_IPC_ERR(moat_ipc_stats_decode(c, &st), st, MOAT_IPC_MALFORMED);
	/* st may be NULL. */
	EXPECT_ERR(moat_ipc_stats_decode(c, NULL), MOAT_ERR_IPC_BAD_MESSAGE);
	moat_cursor_init(&c, NULL, 0);
	EXPECT_OK(moat_ipc_stats_decode(c, NULL));
}

/* One LIST_KEYS entry by hand, its flags put_key_flags. */
static uint8_t put_key_flags = MOAT_IPC_KEY_FLAG_SERVER;

static void put_key(struct moat_buf *raw, uint8_t type, uint16_t bits, const uint16_t *schemes, size_t n_schemes,
		    size_t scheme_bytes, const uint8_t *name, size_t name_len)
{
	EXPECT_OK(moat_buf_put_bytes(raw, test_key_id, sizeof(test_key_id)));
	EXPECT_OK(moat_buf_put_u8(raw, type));
	EXPECT_OK(moat_buf_put_u16(raw, bits));
	EXPECT_OK(moat_buf_put_u8(raw, put_key_flags));
	EXPECT_OK(moat_buf_put_u16(raw, (uint16_t)scheme_bytes));
	for (size_t i = 0; i < n_schemes; i++)
		EXPECT_OK(moat_buf_put_u16(raw, schemes[i]));
	for (size_t i = 2 * n_schemes; i < scheme_bytes; i++)
		EXPECT_OK(moat_buf_put_u8(raw, 0x04));
	EXPECT_OK(moat_buf_put_prefixed(raw, 1, name, name_len));
}

/* Decode a one-entry key list; returns the status (OK on success). */
static moat_ipc_status decode_one_key(uint8_t type, uint16_t bits, const uint16_t *schemes, size_t n_schemes,
				      size_t scheme_bytes, const uint8_t *name, size_t name_len)
{
	static struct moat_ipc_key_info keys[1];
	struct moat_buf raw;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	size_t n;
	raw_init(&raw);
	EXPECT_OK(moat_buf_put_u16(&raw, 1));
	put_key(&raw, type, bits, schemes, n_schemes, scheme_bytes, name, name_len);
	int rc = moat_ipc_list_keys_reply_decode(raw_cursor(&raw), keys, 1, &n, &st);
	moat_buf_free(&raw);
	ATF_REQUIRE_EQ(rc == MOAT_SUCCESS, st == MOAT_IPC_OK);
	if (rc != MOAT_SUCCESS)
		ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_IPC_BAD_MESSAGE);
	return st;
}

ATF_TC_WITHOUT_HEAD(list_keys_limits);
ATF_TC_BODY(list_keys_limits, tc)
{
	static struct moat_ipc_key_info keys[MOAT_IPC_MAX_KEYS + 1];
	static const uint16_t pss[1] = { MOAT_SIG_RSA_PSS_RSAE_SHA256 };
	static const uint16_t ec[1] = { MOAT_SIG_ECDSA_SECP256R1_SHA256 };
	uint16_t many[MOAT_IPC_MAX_KEY_SCHEMES + 1];
	uint8_t name[256];
	struct moat_buf raw;
	struct ipc_pkt p;
	moat_ipc_status st;
	size_t n;

	for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		many[i] = MOAT_SIG_RSA_PSS_RSAE_SHA256;
	memset(name, 'k', sizeof(name));

	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, pss, 1, 2, name, 0), MOAT_IPC_OK);
	/* schemes<2..128>: 64 entries, 65 entries, none, an odd byte count. */
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, many, 64, 128, name, 1), MOAT_IPC_OK);
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, many, 65, 130, name, 1), MOAT_IPC_TOO_LARGE);
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, many, 0, 0, name, 1), MOAT_IPC_MALFORMED);
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, many, 1, 3, name, 1), MOAT_IPC_MALFORMED);
	/* name<0..255>: 255 bytes; no control characters, no NUL; UTF-8 passes. */
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, pss, 1, 2, name, 255), MOAT_IPC_OK);
	name[3] = '\n';
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, pss, 1, 2, name, 10), MOAT_IPC_MALFORMED);
	name[3] = 0x7f;
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, pss, 1, 2, name, 10), MOAT_IPC_MALFORMED);
	name[3] = 0;
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, pss, 1, 2, name, 10), MOAT_IPC_MALFORMED);
	name[3] = 0xc3;
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, pss, 1, 2, name, 10), MOAT_IPC_OK);
	/* key_type 1..5, bits that fit the type. */
	ATF_REQUIRE_EQ(decode_one_key(0, 2048, pss, 1, 2, name, 1), MOAT_IPC_MALFORMED);
	ATF_REQUIRE_EQ(decode_one_key(6, 2048, pss, 1, 2, name, 1), MOAT_IPC_MALFORMED);
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, MOAT_IPC_RSA_MIN_BITS, pss, 1, 2, name, 1), MOAT_IPC_OK);
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, MOAT_IPC_RSA_MIN_BITS - 1, pss, 1, 2, name, 1),
		       MOAT_IPC_MALFORMED);
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, MOAT_IPC_RSA_MAX_BITS, pss, 1, 2, name, 1), MOAT_IPC_OK);
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, MOAT_IPC_RSA_MAX_BITS + 1, pss, 1, 2, name, 1),
		       MOAT_IPC_MALFORMED);
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_EC_P256, 256, ec, 1, 2, name, 1), MOAT_IPC_OK);
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_EC_P256, 384, ec, 1, 2, name, 1), MOAT_IPC_MALFORMED);
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_EC_P521, 521, ec, 1, 2, name, 1), MOAT_IPC_OK);
	/* A scheme of another key family, and one that is no allowed scheme at all. */
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_EC_P256, 256, pss, 1, 2, name, 1), MOAT_IPC_MALFORMED);
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA_PSS, 2048, pss, 1, 2, name, 1), MOAT_IPC_MALFORMED);
	static const uint16_t ed[1] = { MOAT_SIG_ED25519 };
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_EC_P256, 256, ed, 1, 2, name, 1), MOAT_IPC_MALFORMED);
	/* flags: the five defined bits; rsa-key-exchange only on an rsaEncryption key. */
	put_key_flags = MOAT_IPC_KEY_FLAGS_ALL;
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, pss, 1, 2, name, 1), MOAT_IPC_OK);
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_EC_P256, 256, ec, 1, 2, name, 1), MOAT_IPC_MALFORMED);
	put_key_flags = MOAT_IPC_KEY_FLAGS_ALL & ~MOAT_IPC_KEY_FLAG_RSA_KX;
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_EC_P256, 256, ec, 1, 2, name, 1), MOAT_IPC_OK);
	put_key_flags = 0x20;
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, pss, 1, 2, name, 1), MOAT_IPC_MALFORMED);
	put_key_flags = 0;
	ATF_REQUIRE_EQ(decode_one_key(MOAT_IPC_KEY_RSA, 2048, pss, 1, 2, name, 1), MOAT_IPC_OK);
	put_key_flags = MOAT_IPC_KEY_FLAG_SERVER;

	/* count: 256 entries decode (as a body; they would not fit one packet), 257 is TOO_LARGE. */
	memset(name, 'k', sizeof(name));
	for (unsigned count = MOAT_IPC_MAX_KEYS; count <= MOAT_IPC_MAX_KEYS + 1; count++) {
		raw_init(&raw);
		EXPECT_OK(moat_buf_put_u16(&raw, (uint16_t)count));
		for (unsigned i = 0; i < count; i++)
			put_key(&raw, MOAT_IPC_KEY_RSA, 2048, pss, 1, 2, name, 0);
		ATF_REQUIRE(raw.len > MOAT_IPC_MAX_BODY);
		if (count == MOAT_IPC_MAX_KEYS) {
			EXPECT_IPC_OK(moat_ipc_list_keys_reply_decode(raw_cursor(&raw), keys, MOAT_IPC_MAX_KEYS + 1,
								      &n, &st), st);
			ATF_REQUIRE_EQ(n, MOAT_IPC_MAX_KEYS);
			/* A caller array smaller than the list. */
			EXPECT_IPC_ERR(moat_ipc_list_keys_reply_decode(raw_cursor(&raw), keys, MOAT_IPC_MAX_KEYS - 1,
								       &n, &st), st, MOAT_IPC_TOO_LARGE);
		} else {
			EXPECT_IPC_ERR(moat_ipc_list_keys_reply_decode(raw_cursor(&raw), keys, MOAT_IPC_MAX_KEYS + 1,
								       &n, &st), st, MOAT_IPC_TOO_LARGE);
		}
		moat_buf_free(&raw);
	}

	/* Encoder: 256 valid entries do not fit a packet (BUF_FULL → keyd answers TOO_LARGE); 257 are refused. */
	for (size_t i = 0; i <= MOAT_IPC_MAX_KEYS; i++) {
		memset(&keys[i], 0, sizeof(keys[i]));
		keys[i].key_type = MOAT_IPC_KEY_EC_P384;
		keys[i].bits = 384;
		keys[i].schemes[0] = MOAT_SIG_ECDSA_SECP384R1_SHA384;
		keys[i].scheme_count = 1;
	}
	pkt_init(&p);
	EXPECT_ERR(moat_ipc_list_keys_reply_encode(&p.b, 1, keys, MOAT_IPC_MAX_KEYS), MOAT_ERR_BUF_FULL);
	pkt_init(&p);
	EXPECT_ERR(moat_ipc_list_keys_reply_encode(&p.b, 1, keys, MOAT_IPC_MAX_KEYS + 1), MOAT_ERR_INVALID_ARG);
	/* As many as fit: 8178 - 2 bytes over 41-byte entries, and one more does not. */
	pkt_init(&p);
	EXPECT_OK(moat_ipc_list_keys_reply_encode(&p.b, 1, keys, (MOAT_IPC_MAX_BODY - 2) / 41));
	pkt_init(&p);
	EXPECT_ERR(moat_ipc_list_keys_reply_encode(&p.b, 1, keys, (MOAT_IPC_MAX_BODY - 2) / 41 + 1), MOAT_ERR_BUF_FULL);
	/* Entry rules on the encoder side. */
	keys[0].scheme_count = 0;
	pkt_init(&p);
	EXPECT_ERR(moat_ipc_list_keys_reply_encode(&p.b, 1, keys, 1), MOAT_ERR_INVALID_ARG);
	keys[0].scheme_count = MOAT_IPC_MAX_KEY_SCHEMES + 1;
	EXPECT_ERR(moat_ipc_list_keys_reply_encode(&p.b, 1, keys, 1), MOAT_ERR_INVALID_ARG);
	keys[0].scheme_count = 1;
	memset(keys[0].name, 'n', sizeof(keys[0].name)); /* no NUL: 256 bytes */
	EXPECT_ERR(moat_ipc_list_keys_reply_encode(&p.b, 1, keys, 1), MOAT_ERR_INVALID_ARG);
	keys[0].name[255] = 0;
	EXPECT_OK(moat_ipc_list_keys_reply_encode(&p.b, 1, keys, 1));
	pkt_init(&p);
	keys[0].name[0] = '\t';
	EXPECT_ERR(moat_ipc_list_keys_reply_encode(&p.b, 1, keys, 1), MOAT_ERR_INVALID_ARG);
	keys[0].name[0] = 'n';
	keys[0].flags = MOAT_IPC_KEY_FLAG_RSA_KX; /* an EC key does not decrypt */
	EXPECT_ERR(moat_ipc_list_keys_reply_encode(&p.b, 1, keys, 1), MOAT_ERR_INVALID_ARG);
	keys[0].flags = 0x40;
	EXPECT_ERR(moat_ipc_list_keys_reply_encode(&p.b, 1, keys, 1), MOAT_ERR_INVALID_ARG);
	keys[0].flags = 0;
	keys[0].bits = 256;
	EXPECT_ERR(moat_ipc_list_keys_reply_encode(&p.b, 1, keys, 1), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(p.b.len, 0);
}

static moat_ipc_status decode_one_stat(const uint8_t *name, size_t len)
{
	struct moat_ipc_stat s[1];
	struct moat_buf raw;
	moat_ipc_status st = MOAT_IPC_INTERNAL;
	size_t n;
	raw_init(&raw);
	EXPECT_OK(moat_buf_put_u16(&raw, 1));
	EXPECT_OK(moat_buf_put_prefixed(&raw, 1, name, len));
	EXPECT_OK(moat_buf_put_u64(&raw, 42));
	int rc = moat_ipc_stats_reply_decode(raw_cursor(&raw), s, 1, &n, &st);
	moat_buf_free(&raw);
	ATF_REQUIRE_EQ(rc == MOAT_SUCCESS, st == MOAT_IPC_OK);
	if (rc == MOAT_SUCCESS) {
		ATF_REQUIRE_EQ(s[0].value, 42);
		ATF_REQUIRE_EQ(strlen(s[0].name), len);
	}
	return st;
}

ATF_TC_WITHOUT_HEAD(stats_limits);
ATF_TC_BODY(stats_limits, tc)
{
	static struct moat_ipc_stat stats[MOAT_IPC_MAX_STATS + 1];
	uint8_t name[MOAT_IPC_STAT_NAME_MAX + 1];
	struct moat_buf raw;
	struct ipc_pkt p;
	moat_ipc_status st;
	size_t n;

	memset(name, 'a', sizeof(name));
	ATF_REQUIRE_EQ(decode_one_stat(name, MOAT_IPC_STAT_NAME_MAX), MOAT_IPC_OK);
	ATF_REQUIRE_EQ(decode_one_stat(name, MOAT_IPC_STAT_NAME_MAX + 1), MOAT_IPC_TOO_LARGE);
	ATF_REQUIRE_EQ(decode_one_stat(name, 0), MOAT_IPC_MALFORMED);
	memcpy(name, "busy_09", 7);
	ATF_REQUIRE_EQ(decode_one_stat(name, 7), MOAT_IPC_OK);
	static const uint8_t bad_chars[] = { 'A', 'Z', '-', ' ', '.', 0, 0x80, '\n' };
	for (size_t i = 0; i < sizeof(bad_chars); i++) {
		name[2] = bad_chars[i];
		ATF_REQUIRE_EQ(decode_one_stat(name, 7), MOAT_IPC_MALFORMED);
	}

	/* count 256 decodes; 257 is TOO_LARGE; more than the caller's array is TOO_LARGE. */
	for (unsigned count = MOAT_IPC_MAX_STATS; count <= MOAT_IPC_MAX_STATS + 1; count++) {
		raw_init(&raw);
		EXPECT_OK(moat_buf_put_u16(&raw, (uint16_t)count));
		for (unsigned i = 0; i < count; i++) {
			EXPECT_OK(moat_buf_put_prefixed(&raw, 1, "n", 1));
			EXPECT_OK(moat_buf_put_u64(&raw, i));
		}
		if (count == MOAT_IPC_MAX_STATS) {
			EXPECT_IPC_OK(moat_ipc_stats_reply_decode(raw_cursor(&raw), stats, count, &n, &st), st);
			ATF_REQUIRE_EQ(n, count);
			ATF_REQUIRE_EQ(stats[count - 1].value, count - 1);
			EXPECT_IPC_ERR(moat_ipc_stats_reply_decode(raw_cursor(&raw), stats, count - 1, &n, &st), st,
				       MOAT_IPC_TOO_LARGE);
		} else {
			EXPECT_IPC_ERR(moat_ipc_stats_reply_decode(raw_cursor(&raw), stats, count, &n, &st), st,
				       MOAT_IPC_TOO_LARGE);
		}
		moat_buf_free(&raw);
	}

	/* Encoder rules. */
	for (size_t i = 0; i <= MOAT_IPC_MAX_STATS; i++) {
		strcpy(stats[i].name, "requests");
		stats[i].value = i;
	}
	pkt_init(&p);
	EXPECT_OK(moat_ipc_stats_reply_encode(&p.b, 1, stats, MOAT_IPC_MAX_STATS / 2));
	pkt_init(&p);
	EXPECT_ERR(moat_ipc_stats_reply_encode(&p.b, 1, stats, MOAT_IPC_MAX_STATS + 1), MOAT_ERR_INVALID_ARG);
	strcpy(stats[0].name, "Requests");
	EXPECT_ERR(moat_ipc_stats_reply_encode(&p.b, 1, stats, 1), MOAT_ERR_INVALID_ARG);
	stats[0].name[0] = 0;
	EXPECT_ERR(moat_ipc_stats_reply_encode(&p.b, 1, stats, 1), MOAT_ERR_INVALID_ARG);
	memset(stats[0].name, 'a', sizeof(stats[0].name)); /* 64 bytes, no NUL */
	EXPECT_ERR(moat_ipc_stats_reply_encode(&p.b, 1, stats, 1), MOAT_ERR_INVALID_ARG);
	stats[0].name[MOAT_IPC_STAT_NAME_MAX] = 0;
	EXPECT_OK(moat_ipc_stats_reply_encode(&p.b, 1, stats, 1));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, every_truncation_fails);
	ATF_TP_ADD_TC(tp, hello_round_trip);
	ATF_TP_ADD_TC(tp, sign_round_trip);
	ATF_TP_ADD_TC(tp, rsa_decrypt_round_trip);
	ATF_TP_ADD_TC(tp, ping_round_trip);
	ATF_TP_ADD_TC(tp, list_keys_round_trip);
	ATF_TP_ADD_TC(tp, stats_round_trip);
	ATF_TP_ADD_TC(tp, hello_limits);
	ATF_TP_ADD_TC(tp, sign_limits);
	ATF_TP_ADD_TC(tp, rsa_decrypt_limits);
	ATF_TP_ADD_TC(tp, ping_limits);
	ATF_TP_ADD_TC(tp, empty_requests_stay_empty);
	ATF_TP_ADD_TC(tp, list_keys_limits);
	ATF_TP_ADD_TC(tp, stats_limits);
	return atf_no_error();
}
