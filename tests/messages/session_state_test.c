/*
 * The session state a ticket carries (tls/session_state.h): a round trip
 * with every field set, the encoding byte for byte against the documented
 * layout, every prefix and a trailing byte refused, and the value rules
 * (format byte, protocol version, PSK length, lifetime cap, NUL in a name),
 * and the same for the TLS 1.2 variant (master secret, flags byte).
 */
#include <string.h>

#include "tests/messages/codec_check.h"
#include "tls/crypto/ticket_aead.h"
#include "tls/iana.h"
#include "tls/session_state.h"

static struct moat_session_state out_state;

static int dec_state(struct moat_cursor d) { return moat_session_state_decode(d, &out_state); }

static void sample(struct moat_session_state *s)
{
	memset(s, 0, sizeof(*s));
	s->version = MOAT_TLS13;
	s->cipher_suite = MOAT_TLS_AES_256_GCM_SHA384;
	s->issue_time_ns = 0x0102030405060708ull;
	s->lifetime = 54000;
	s->age_add = 0xdeadbeef;
	s->psk_len = 48;
	for (size_t i = 0; i < s->psk_len; i++)
		s->psk[i] = (uint8_t)(0xa0 + i);
	strcpy(s->server_name, "www.example.com");
	strcpy(s->alpn, "h2");
	s->client_identity_len = MOAT_SESSION_CLIENT_ID_MAX;
	memset(s->client_identity, 0x5c, MOAT_SESSION_CLIENT_ID_MAX);
}

static size_t encode(const struct moat_session_state *s, uint8_t *mem, size_t cap)
{
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, cap);
	ATF_REQUIRE(moat_session_state_encode(s, &b) == MOAT_SUCCESS);
	return b.len;
}

ATF_TC_WITHOUT_HEAD(round_trip);
ATF_TC_BODY(round_trip, tc)
{
	struct moat_session_state s;
	uint8_t mem[MOAT_SESSION_STATE_MAX_LEN];
	sample(&s);
	size_t n = encode(&s, mem, sizeof(mem));
	ATF_REQUIRE(codec_run(dec_state, mem, n) == MOAT_SUCCESS);
	ATF_REQUIRE_EQ(out_state.version, MOAT_TLS13);
	ATF_REQUIRE_EQ(out_state.cipher_suite, MOAT_TLS_AES_256_GCM_SHA384);
	ATF_REQUIRE(out_state.issue_time_ns == s.issue_time_ns);
	ATF_REQUIRE_EQ(out_state.lifetime, 54000);
	ATF_REQUIRE_EQ(out_state.age_add, 0xdeadbeef);
	ATF_REQUIRE_EQ(out_state.psk_len, 48);
	ATF_REQUIRE(memcmp(out_state.psk, s.psk, 48) == 0);
	ATF_REQUIRE_STREQ(out_state.server_name, "www.example.com");
	ATF_REQUIRE_STREQ(out_state.alpn, "h2");
	ATF_REQUIRE_EQ(out_state.max_early_data, 0);
	ATF_REQUIRE_EQ(out_state.client_identity_len, MOAT_SESSION_CLIENT_ID_MAX);
	ATF_REQUIRE(memcmp(out_state.client_identity, s.client_identity, MOAT_SESSION_CLIENT_ID_MAX) == 0);
	/* The longest state fits what keyd seals. */
	ATF_REQUIRE(n <= MOAT_TICKET_PLAINTEXT_MAX);
}

/* The layout the header documents, field by field, for a state without SNI, ALPN or client identity. */
ATF_TC_WITHOUT_HEAD(layout);
ATF_TC_BODY(layout, tc)
{
	struct moat_session_state s;
	uint8_t mem[MOAT_SESSION_STATE_MAX_LEN];
	sample(&s);
	s.cipher_suite = MOAT_TLS_AES_128_GCM_SHA256;
	s.psk_len = 32;
	memset(s.psk, 0x11, 32);
	s.server_name[0] = s.alpn[0] = '\0';
	s.client_identity_len = 0;
	s.max_early_data = 7;
	size_t n = encode(&s, mem, sizeof(mem));
	static const uint8_t head[] = { 0x02, 0x03, 0x04, 0x13, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
					0x08, 0x00, 0x00, 0xd2, 0xf0, 0xde, 0xad, 0xbe, 0xef, 0x20 };
	ATF_REQUIRE_EQ(n, sizeof(head) + 32 + 1 + 1 + 4 + 2);
	ATF_REQUIRE(memcmp(mem, head, sizeof(head)) == 0);
	static const uint8_t tail[] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00 };
	ATF_REQUIRE(memcmp(mem + sizeof(head) + 32, tail, sizeof(tail)) == 0);
}

ATF_TC_WITHOUT_HEAD(framing);
ATF_TC_BODY(framing, tc)
{
	struct moat_session_state s;
	uint8_t mem[MOAT_SESSION_STATE_MAX_LEN];
	sample(&s);
	size_t n = encode(&s, mem, sizeof(mem));
	codec_check_prefixes(dec_state, mem, n, NULL, 0);
	codec_check_trailing(dec_state, mem, n, MOAT_ERR_TRAILING_DATA);
}

static void expect_refused(const uint8_t *p, size_t n, int err)
{
	ATF_REQUIRE(codec_run(dec_state, p, n) == MOAT_FAILURE);
	ATF_REQUIRE_MSG(moat_errno == err, "got %s, expected %s", moat_strerror_name(moat_errno),
			moat_strerror_name(err));
}

ATF_TC_WITHOUT_HEAD(values);
ATF_TC_BODY(values, tc)
{
	struct moat_session_state s;
	uint8_t mem[MOAT_SESSION_STATE_MAX_LEN];
	sample(&s);
	size_t n = encode(&s, mem, sizeof(mem));

	/* Another format is not ours to read. */
	mem[0] = 1;
	expect_refused(mem, n, MOAT_ERR_ILLEGAL_PARAMETER);
	mem[0] = 3;
	expect_refused(mem, n, MOAT_ERR_ILLEGAL_PARAMETER);
	mem[0] = 2;
	/* TLS 1.0 to 1.3 only: not SSL 3.0, not a later version. */
	mem[2] = 0x05;
	expect_refused(mem, n, MOAT_ERR_ILLEGAL_PARAMETER);
	mem[2] = 0x00;
	expect_refused(mem, n, MOAT_ERR_ILLEGAL_PARAMETER);
	mem[2] = 0x04;
	/* A TLS 1.3 state has no flags byte: one at the end is trailing data. */
	mem[n] = 0x01;
	expect_refused(mem, n + 1, MOAT_ERR_TRAILING_DATA);
	/* Lifetime past seven days (RFC 8446 §4.6.1). */
	uint8_t keep[4];
	memcpy(keep, mem + 13, 4);
	memcpy(mem + 13, (const uint8_t[]){ 0x00, 0x09, 0x3a, 0x81 }, 4);
	expect_refused(mem, n, MOAT_ERR_ILLEGAL_PARAMETER);
	memcpy(mem + 13, (const uint8_t[]){ 0x00, 0x09, 0x3a, 0x80 }, 4);
	ATF_REQUIRE(codec_run(dec_state, mem, n) == MOAT_SUCCESS);
	memcpy(mem + 13, keep, 4);
	/* A NUL inside the server name. */
	size_t sni = 1 + 2 + 2 + 8 + 4 + 4 + 1 + 48 + 1;
	ATF_REQUIRE_EQ(mem[sni], 'w');
	mem[sni + 3] = 0;
	expect_refused(mem, n, MOAT_ERR_ILLEGAL_PARAMETER);

	/* A PSK of 40 bytes is no suite's hash length. */
	s.psk_len = 40;
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	ATF_REQUIRE(moat_session_state_encode(&s, &b) == MOAT_FAILURE);
	sample(&s);
	n = encode(&s, mem, sizeof(mem));
	mem[21] = 40;
	memmove(mem + 22 + 40, mem + 22 + 48, n - (22 + 48));
	expect_refused(mem, n - 8, MOAT_ERR_ILLEGAL_PARAMETER);
}

/* TLS 1.2's variant: the master secret in the psk field, no age_add, the flags byte last. */
static void sample12(struct moat_session_state *s)
{
	sample(s);
	s->version = MOAT_TLS12;
	s->cipher_suite = 0xc02c; /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
	s->age_add = 0;
	s->psk_len = MOAT_SESSION_MASTER_SECRET_LEN;
	s->client_identity_len = 0;
	s->ems = true;
}

ATF_TC_WITHOUT_HEAD(tls12_round_trip);
ATF_TC_BODY(tls12_round_trip, tc)
{
	struct moat_session_state s;
	uint8_t mem[MOAT_SESSION_STATE_MAX_LEN];
	static const uint16_t versions[] = { MOAT_TLS12, MOAT_TLS11, MOAT_TLS10 };
	for (size_t v = 0; v < 3; v++) {
		for (int ems = 0; ems < 2; ems++) {
			sample12(&s);
			s.version = versions[v];
			s.ems = ems != 0;
			size_t n = encode(&s, mem, sizeof(mem));
			ATF_REQUIRE_EQ(mem[n - 1], ems ? 0x01 : 0x00);
			ATF_REQUIRE(codec_run(dec_state, mem, n) == MOAT_SUCCESS);
			ATF_REQUIRE_EQ(out_state.version, versions[v]);
			ATF_REQUIRE_EQ(out_state.cipher_suite, 0xc02c);
			ATF_REQUIRE_EQ(out_state.psk_len, 48);
			ATF_REQUIRE(memcmp(out_state.psk, s.psk, 48) == 0);
			ATF_REQUIRE_EQ(out_state.ems, ems != 0);
			ATF_REQUIRE_STREQ(out_state.server_name, "www.example.com");
			ATF_REQUIRE_STREQ(out_state.alpn, "h2");
			codec_check_prefixes(dec_state, mem, n, NULL, 0);
			codec_check_trailing(dec_state, mem, n, MOAT_ERR_TRAILING_DATA);
		}
	}
}

ATF_TC_WITHOUT_HEAD(tls12_values);
ATF_TC_BODY(tls12_values, tc)
{
	struct moat_session_state s;
	uint8_t mem[MOAT_SESSION_STATE_MAX_LEN];
	struct moat_buf b;
	sample12(&s);
	size_t n = encode(&s, mem, sizeof(mem));
	/* Unknown flag bits. */
	mem[n - 1] = 0x03;
	expect_refused(mem, n, MOAT_ERR_ILLEGAL_PARAMETER);
	mem[n - 1] = 0x01;
	/* age_add is TLS 1.3's: zero in every earlier state. */
	mem[20] = 0x01;
	expect_refused(mem, n, MOAT_ERR_ILLEGAL_PARAMETER);
	mem[20] = 0x00;
	/* Without its flags byte a TLS 1.2 state is cut short. */
	expect_refused(mem, n - 1, MOAT_ERR_DECODE);
	/* The encoder refuses what the decoder would: a 32-byte master secret, an age_add, a 1.3 state with EMS. */
	s.psk_len = 32;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	ATF_REQUIRE(moat_session_state_encode(&s, &b) == MOAT_FAILURE);
	sample12(&s);
	s.age_add = 1;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	ATF_REQUIRE(moat_session_state_encode(&s, &b) == MOAT_FAILURE);
	sample(&s);
	s.ems = true;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	ATF_REQUIRE(moat_session_state_encode(&s, &b) == MOAT_FAILURE);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, round_trip);
	ATF_TP_ADD_TC(tp, layout);
	ATF_TP_ADD_TC(tp, framing);
	ATF_TP_ADD_TC(tp, values);
	ATF_TP_ADD_TC(tp, tls12_round_trip);
	ATF_TP_ADD_TC(tp, tls12_values);
	return atf_no_error();
}
