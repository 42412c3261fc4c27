/*
 * The record layer against itself and against hostile input.
 *
 * Round trips run write → open for every AEAD with a fixed secret. Hostile
 * records are built by hand: protected ones are sealed here with a key and
 * IV derived from the same secret, so that each check in moat_record_open is
 * reached by a record that authenticates and fails only that check.
 */
#include <string.h>

#include "common/buf.h"
#include "tests/moat_test.h"
#include "tests/record/record_test_util.h"
#include "tls/iana.h"
#include "tls/record.h"
#include "tls/tls13_key_schedule.h"

struct pair {
	struct moat_record_layer w, r;
};

static void pair_init(struct pair *p, const struct suite *s)
{
	moat_record_layer_init(&p->w);
	moat_record_layer_init(&p->r);
	EXPECT_OK(moat_record_set_traffic_secret(&p->w, true, s->hash, s->aead, fixed_secret));
	EXPECT_OK(moat_record_set_traffic_secret(&p->r, false, s->hash, s->aead, fixed_secret));
}

static void pair_free(struct pair *p)
{
	moat_record_layer_free(&p->w);
	moat_record_layer_free(&p->r);
}

/*
 * Seal inner[0..inner_len) as a protected record with the given outer header
 * fields, as a peer would, bypassing moat_record_write's own checks.
 */
static void seal_raw(const struct suite *s, uint64_t seq, uint8_t outer_type, const uint8_t *inner,
		     size_t inner_len, struct moat_buf *out)
{
	uint8_t key[MOAT_AEAD_MAX_KEY_LEN], iv[MOAT_AEAD_NONCE_LEN], nonce[MOAT_AEAD_NONCE_LEN];
	struct moat_aead a;
	uint8_t *p;
	size_t ct_len = inner_len + MOAT_AEAD_TAG_LEN;

	EXPECT_OK(moat_tls13_traffic_key_iv(s->hash, s->aead, fixed_secret, key, iv));
	EXPECT_OK(moat_aead_init(&a, s->aead, key, true));
	memcpy(nonce, iv, sizeof(nonce));
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
	moat_buf_reset(out);
	EXPECT_OK(moat_buf_reserve(out, MOAT_RECORD_HEADER_LEN + ct_len, &p));
	p[0] = outer_type;
	p[1] = 0x03;
	p[2] = 0x03;
	p[3] = (uint8_t)(ct_len >> 8);
	p[4] = (uint8_t)ct_len;
	if (inner_len > 0)
		memcpy(p + MOAT_RECORD_HEADER_LEN, inner, inner_len);
	EXPECT_OK(moat_aead_seal(&a, nonce, p, MOAT_RECORD_HEADER_LEN, p + MOAT_RECORD_HEADER_LEN, inner_len,
				 p + MOAT_RECORD_HEADER_LEN));
	moat_aead_free(&a);
}

static void fill_pattern(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

ATF_TC_WITHOUT_HEAD(round_trip_all_aeads);
ATF_TC_BODY(round_trip_all_aeads, tc)
{
	static const struct { uint8_t type; size_t len, padding; } cases[] = {
		{ MOAT_CT_HANDSHAKE, 100, 0 },
		{ MOAT_CT_APPLICATION_DATA, 1, 7 },
		{ MOAT_CT_ALERT, 2, 0 },
		{ MOAT_CT_APPLICATION_DATA, 0, 0 },       /* §5.4: empty application data is allowed */
		{ MOAT_CT_APPLICATION_DATA, 0, 300 },
		{ MOAT_CT_HANDSHAKE, 16384, 0 },
		{ MOAT_CT_APPLICATION_DATA, 1000, 15384 }, /* padding up to the limit */
		{ MOAT_CT_APPLICATION_DATA, 5000, 1 },
	};
	static uint8_t data[16384];
	fill_pattern(data, sizeof(data), 0x5a);
	/* Content that ends in zero bytes must not be mistaken for padding. */
	data[99] = 0;

	for (size_t si = 0; si < N_SUITES; si++) {
		struct pair p;
		struct moat_buf out;
		pair_init(&p, &suites[si]);
		moat_buf_init(&out, 1 << 20);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			uint8_t type, *plain;
			size_t plain_len;
			moat_buf_reset(&out);
			EXPECT_OK(moat_record_write(&p.w, cases[i].type, data, cases[i].len, cases[i].padding, &out));
			ATF_REQUIRE_EQ(out.len, moat_record_wire_len(&p.w, cases[i].len, cases[i].padding));
			ATF_REQUIRE_EQ(out.len, 5 + cases[i].len + 1 + cases[i].padding + 16);
			/* §5.2: the outer header always says application_data, TLS 1.2. */
			ATF_REQUIRE(out.data[0] == 23 && out.data[1] == 3 && out.data[2] == 3);
			ATF_REQUIRE_EQ(p.w.write.seq, i + 1);
			/* The plaintext does not appear in the clear. */
			if (cases[i].len >= 16)
				ATF_REQUIRE(memcmp(out.data + 5, data, 16) != 0);

			size_t total;
			EXPECT_OK(moat_record_total_len(out.data, &total));
			ATF_REQUIRE_EQ(total, out.len);
			EXPECT_OK(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len));
			ATF_REQUIRE_EQ_MSG(type, cases[i].type, "%s case %zu", suites[si].name, i);
			ATF_REQUIRE_EQ_MSG(plain_len, cases[i].len, "%s case %zu", suites[si].name, i);
			ATF_REQUIRE(plain_len == 0 || memcmp(plain, data, plain_len) == 0);
			ATF_REQUIRE(plain == out.data + 5);
			ATF_REQUIRE_EQ(p.r.read.seq, i + 1);
		}
		moat_buf_free(&out);
		pair_free(&p);
	}
}

ATF_TC_WITHOUT_HEAD(many_records_in_one_buffer);
ATF_TC_BODY(many_records_in_one_buffer, tc)
{
	/* Records written back to back open in order; each uses the next nonce. */
	struct pair p;
	struct moat_buf out;
	uint8_t msg[3] = { 'a', 'b', 'c' };
	pair_init(&p, &suites[0]);
	moat_buf_init(&out, 1 << 16);
	for (uint8_t i = 0; i < 10; i++) {
		msg[0] = (uint8_t)('a' + i);
		EXPECT_OK(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, msg, sizeof(msg), i, &out));
	}
	/* Identical plaintexts under different sequence numbers give different ciphertexts. */
	size_t off = 0;
	for (uint8_t i = 0; i < 10; i++) {
		uint8_t type, *plain;
		size_t plain_len, total;
		EXPECT_OK(moat_record_total_len(out.data + off, &total));
		EXPECT_OK(moat_record_open(&p.r, out.data + off, total, &type, &plain, &plain_len));
		ATF_REQUIRE_EQ(plain_len, 3);
		ATF_REQUIRE_EQ(plain[0], 'a' + i);
		off += total;
	}
	ATF_REQUIRE_EQ(off, out.len);
	ATF_REQUIRE_EQ(p.r.read.seq, 10);

	/* Opening a record out of order fails: the nonce is bound to the sequence number. */
	moat_buf_reset(&out);
	EXPECT_OK(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, msg, sizeof(msg), 0, &out));
	EXPECT_OK(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, msg, sizeof(msg), 0, &out));
	uint8_t type, *plain;
	size_t plain_len, total;
	EXPECT_OK(moat_record_total_len(out.data, &total));
	EXPECT_ERR(moat_record_open(&p.r, out.data + total, out.len - total, &type, &plain, &plain_len),
		   MOAT_ERR_BAD_RECORD_MAC);
	ATF_REQUIRE_EQ(p.r.read.seq, 10);
	moat_buf_free(&out);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(rekey_resets_sequence);
ATF_TC_BODY(rekey_resets_sequence, tc)
{
	const struct suite *s = &suites[0];
	struct pair p;
	struct moat_buf out;
	uint8_t other[32];
	uint8_t type, *plain;
	size_t plain_len;
	pair_init(&p, s);
	moat_buf_init(&out, 1 << 16);
	EXPECT_OK(moat_record_write(&p.w, MOAT_CT_HANDSHAKE, (const uint8_t *)"x", 1, 0, &out));
	ATF_REQUIRE_EQ(p.w.write.seq, 1);

	/* New write keys: seq back to 0 (§5.3) and the reader's old keys no longer open it. */
	memset(other, 0x77, sizeof(other));
	EXPECT_OK(moat_record_set_traffic_secret(&p.w, true, s->hash, s->aead, other));
	ATF_REQUIRE_EQ(p.w.write.seq, 0);
	moat_buf_reset(&out);
	EXPECT_OK(moat_record_write(&p.w, MOAT_CT_HANDSHAKE, (const uint8_t *)"y", 1, 0, &out));
	EXPECT_ERR(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len), MOAT_ERR_BAD_RECORD_MAC);

	/* A failed key install leaves the old keys in place. */
	EXPECT_ERR(moat_record_set_traffic_secret(&p.w, true, s->hash, MOAT_AEAD_NONE, other), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE(moat_record_is_protected(&p.w, true));
	ATF_REQUIRE(!moat_record_is_protected(&p.w, false));
	ATF_REQUIRE(moat_record_is_protected(&p.r, false));
	moat_buf_free(&out);
	pair_free(&p);
	ATF_REQUIRE(!moat_record_is_protected(&p.w, true));
}

ATF_TC_WITHOUT_HEAD(unprotected_round_trip);
ATF_TC_BODY(unprotected_round_trip, tc)
{
	struct moat_record_layer rl;
	struct moat_buf out;
	uint8_t type, *plain;
	size_t plain_len;
	static const uint8_t hello[] = { 1, 0, 0, 2, 3, 3 };
	moat_record_layer_init(&rl);
	moat_buf_init(&out, 1 << 16);

	ATF_REQUIRE_EQ(rl.write_version, 0x0301);
	EXPECT_OK(moat_record_write(&rl, MOAT_CT_HANDSHAKE, hello, sizeof(hello), 0, &out));
	ATF_REQUIRE_EQ(out.len, moat_record_wire_len(&rl, sizeof(hello), 0));
	static const uint8_t want_hdr[] = { 0x16, 0x03, 0x01, 0x00, 0x06 };
	ATF_REQUIRE(memcmp(out.data, want_hdr, 5) == 0);
	ATF_REQUIRE(memcmp(out.data + 5, hello, sizeof(hello)) == 0);
	EXPECT_OK(moat_record_open(&rl, out.data, out.len, &type, &plain, &plain_len));
	ATF_REQUIRE(type == MOAT_CT_HANDSHAKE && plain_len == sizeof(hello));
	ATF_REQUIRE(memcmp(plain, hello, sizeof(hello)) == 0);
	ATF_REQUIRE_EQ(rl.read.seq, 0);
	ATF_REQUIRE_EQ(rl.write.seq, 0);

	rl.write_version = 0x0303;
	moat_buf_reset(&out);
	EXPECT_OK(moat_record_write(&rl, MOAT_CT_ALERT, (const uint8_t *)"\x02\x28", 2, 0, &out));
	static const uint8_t want_alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };
	ATF_REQUIRE_EQ(out.len, sizeof(want_alert));
	ATF_REQUIRE(memcmp(out.data, want_alert, sizeof(want_alert)) == 0);

	/* The version on input is ignored (§5.1). */
	out.data[1] = 0x07;
	out.data[2] = 0x99;
	EXPECT_OK(moat_record_open(&rl, out.data, out.len, &type, &plain, &plain_len));
	ATF_REQUIRE(type == MOAT_CT_ALERT && plain_len == 2);

	/* Padding needs protection. */
	EXPECT_ERR(moat_record_write(&rl, MOAT_CT_HANDSHAKE, hello, sizeof(hello), 1, &out), MOAT_ERR_INVALID_ARG);
	moat_buf_free(&out);
	moat_record_layer_free(&rl);
}

ATF_TC_WITHOUT_HEAD(ccs_passthrough);
ATF_TC_BODY(ccs_passthrough, tc)
{
	struct pair p;
	struct moat_buf out;
	uint8_t type, *plain;
	size_t plain_len;
	static const uint8_t ccs[] = { 0x01 };
	pair_init(&p, &suites[2]);
	p.w.write_version = 0x0303;
	moat_buf_init(&out, 1 << 16);

	/* §5 / D.4: the compatibility CCS goes out in the clear even with write keys installed. */
	EXPECT_OK(moat_record_write(&p.w, MOAT_CT_CHANGE_CIPHER_SPEC, ccs, 1, 0, &out));
	static const uint8_t want[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
	ATF_REQUIRE_EQ(out.len, sizeof(want));
	ATF_REQUIRE(memcmp(out.data, want, sizeof(want)) == 0);
	ATF_REQUIRE_EQ(p.w.write.seq, 0);

	/* ... and a protected reader hands it back as-is, without touching its sequence number. */
	EXPECT_OK(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len));
	ATF_REQUIRE_EQ(type, MOAT_CT_CHANGE_CIPHER_SPEC);
	ATF_REQUIRE(plain_len == 1 && plain[0] == 0x01);
	ATF_REQUIRE_EQ(p.r.read.seq, 0);

	/* Any other CCS body is also returned: judging it is the caller's job (RFC 8446 §5). */
	static const uint8_t odd_ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x02, 0x01, 0x01 };
	uint8_t rec[sizeof(odd_ccs)];
	memcpy(rec, odd_ccs, sizeof(rec));
	EXPECT_OK(moat_record_open(&p.r, rec, sizeof(rec), &type, &plain, &plain_len));
	ATF_REQUIRE(type == MOAT_CT_CHANGE_CIPHER_SPEC && plain_len == 2);

	/* The protected stream continues at seq 0. */
	moat_buf_reset(&out);
	EXPECT_OK(moat_record_write(&p.w, MOAT_CT_HANDSHAKE, (const uint8_t *)"fin", 3, 0, &out));
	EXPECT_OK(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len));
	ATF_REQUIRE(type == MOAT_CT_HANDSHAKE && plain_len == 3);
	moat_buf_free(&out);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(sequence_number_never_wraps);
ATF_TC_BODY(sequence_number_never_wraps, tc)
{
	struct pair p;
	struct moat_buf out;
	uint8_t type, *plain;
	size_t plain_len;
	pair_init(&p, &suites[0]);
	moat_buf_init(&out, 1 << 16);

	p.w.write.seq = UINT64_MAX - 1;
	p.r.read.seq = UINT64_MAX - 1;
	EXPECT_OK(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, (const uint8_t *)"z", 1, 0, &out));
	ATF_REQUIRE(p.w.write.seq == UINT64_MAX);
	EXPECT_OK(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len));
	ATF_REQUIRE(p.r.read.seq == UINT64_MAX);

	size_t before = out.len;
	EXPECT_ERR(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, (const uint8_t *)"z", 1, 0, &out),
		   MOAT_ERR_INVALID_STATE);
	ATF_REQUIRE_EQ(out.len, before);
	ATF_REQUIRE(p.w.write.seq == UINT64_MAX);

	/* The reader refuses to use seq 2^64-1 as well. */
	seal_raw(&suites[0], UINT64_MAX, MOAT_CT_APPLICATION_DATA, (const uint8_t *)"z\x17", 2, &out);
	EXPECT_ERR(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len), MOAT_ERR_INVALID_STATE);
	moat_buf_free(&out);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(write_argument_checks);
ATF_TC_BODY(write_argument_checks, tc)
{
	struct pair p;
	struct moat_buf out;
	static uint8_t data[16385];
	pair_init(&p, &suites[0]);
	moat_buf_init(&out, 1 << 20);

	/* §5.1, §5.4: no empty handshake or alert fragments, padded or not. */
	EXPECT_ERR(moat_record_write(&p.w, MOAT_CT_HANDSHAKE, NULL, 0, 0, &out), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_record_write(&p.w, MOAT_CT_ALERT, NULL, 0, 10, &out), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_record_write(&p.w, 0, data, 1, 0, &out), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_record_write(&p.w, 24, data, 1, 0, &out), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_record_write(&p.w, MOAT_CT_HANDSHAKE, NULL, 5, 0, &out), MOAT_ERR_NULL_ARG);

	/* data may not alias the output buffer, which may move while the record is built. */
	EXPECT_OK(moat_buf_put_bytes(&out, data, 10));
	EXPECT_ERR(moat_record_write(&p.w, MOAT_CT_HANDSHAKE, out.data + 2, 5, 0, &out), MOAT_ERR_INVALID_ARG);
	moat_buf_reset(&out);
	ATF_REQUIRE_EQ(p.w.write.seq, 0);

	/* Content and padding together are bounded (§5.4). */
	EXPECT_ERR(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, data, 16385, 0, &out), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, data, 16000, 385, &out), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, data, 1, SIZE_MAX, &out), MOAT_ERR_INVALID_ARG);
	EXPECT_OK(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, data, 16000, 384, &out));

	/* A lowered limit (record_size_limit 1001 → 1000 bytes of content + padding). */
	p.w.max_plaintext_out = 1000;
	EXPECT_ERR(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, data, 1001, 0, &out), MOAT_ERR_INVALID_ARG);
	EXPECT_ERR(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, data, 900, 101, &out), MOAT_ERR_INVALID_ARG);
	EXPECT_OK(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, data, 900, 100, &out));
	/* A limit above 2^14 is clamped to it. */
	p.w.max_plaintext_out = 1 << 20;
	EXPECT_ERR(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, data, 16385, 0, &out), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE_EQ(p.w.write.seq, 2);

	/* An output buffer that is too small changes nothing, not even the sequence number. */
	uint8_t small[40];
	struct moat_buf fixed;
	moat_buf_init_fixed(&fixed, small, sizeof(small));
	EXPECT_OK(moat_buf_put_u8(&fixed, 0xee));
	EXPECT_ERR(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, data, 30, 0, &fixed), MOAT_ERR_BUF_FULL);
	ATF_REQUIRE_EQ(fixed.len, 1);
	ATF_REQUIRE_EQ(p.w.write.seq, 2);
	EXPECT_OK(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, data, 17, 0, &fixed));
	ATF_REQUIRE_EQ(fixed.len, 40);
	moat_buf_free(&out);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(reject_overlong_length);
ATF_TC_BODY(reject_overlong_length, tc)
{
	struct moat_record_layer rl;
	size_t total;
	uint8_t type, *plain;
	size_t plain_len;
	moat_record_layer_init(&rl);

	/* §5.2: 2^14 + 256 is the largest TLSCiphertext.length. */
	static const uint8_t max_ok[] = { 0x17, 0x03, 0x03, 0x41, 0x00 };
	EXPECT_OK(moat_record_total_len(max_ok, &total));
	ATF_REQUIRE_EQ(total, 5 + 16640);
	static const uint8_t over[] = { 0x17, 0x03, 0x03, 0x41, 0x01 };
	EXPECT_ERR(moat_record_total_len(over, &total), MOAT_ERR_RECORD_OVERFLOW);
	static const uint8_t huge[] = { 0x16, 0x03, 0x01, 0xff, 0xff };
	EXPECT_ERR(moat_record_total_len(huge, &total), MOAT_ERR_RECORD_OVERFLOW);

	/* open applies the same bound before looking at the fragment. */
	uint8_t *rec = calloc(1, 5 + 16641);
	ATF_REQUIRE(rec != NULL);
	memcpy(rec, over, 5);
	EXPECT_ERR(moat_record_open(&rl, rec, 5 + 16641, &type, &plain, &plain_len), MOAT_ERR_RECORD_OVERFLOW);

	/* §5.1: an unprotected fragment over 2^14 overflows though the header bound allows it. */
	rec[0] = MOAT_CT_HANDSHAKE;
	rec[3] = 0x40;
	rec[4] = 0x01;
	rec[5] = 1;
	EXPECT_ERR(moat_record_open(&rl, rec, 5 + 16385, &type, &plain, &plain_len), MOAT_ERR_RECORD_OVERFLOW);
	rec[4] = 0x00;
	EXPECT_OK(moat_record_open(&rl, rec, 5 + 16384, &type, &plain, &plain_len));
	ATF_REQUIRE_EQ(plain_len, 16384);
	/* ... or over a lowered limit. */
	rl.max_plaintext_in = 1000;
	rec[3] = 0x03;
	rec[4] = 0xe9;
	EXPECT_ERR(moat_record_open(&rl, rec, 5 + 1001, &type, &plain, &plain_len), MOAT_ERR_RECORD_OVERFLOW);
	rec[4] = 0xe8;
	EXPECT_OK(moat_record_open(&rl, rec, 5 + 1000, &type, &plain, &plain_len));
	free(rec);
	moat_record_layer_free(&rl);
}

ATF_TC_WITHOUT_HEAD(reject_bad_tag);
ATF_TC_BODY(reject_bad_tag, tc)
{
	for (size_t si = 0; si < N_SUITES; si++) {
		struct pair p;
		struct moat_buf out;
		uint8_t type, *plain;
		size_t plain_len;
		static const uint8_t msg[] = "attack at dawn";
		pair_init(&p, &suites[si]);
		moat_buf_init(&out, 1 << 16);

		/* Flip one bit in the version (authenticated as AAD, §5.2), the ciphertext and the tag. */
		const size_t flips[] = { 1, 2, 5, 12, 5 + sizeof(msg), 5 + sizeof(msg) + 1 + 15 };
		for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
			moat_buf_reset(&out);
			p.w.write.seq = 0;
			EXPECT_OK(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, msg, sizeof(msg), 0, &out));
			ATF_REQUIRE(flips[i] < out.len);
			out.data[flips[i]] ^= 0x01;
			EXPECT_ERR(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len),
				   MOAT_ERR_BAD_RECORD_MAC);
			ATF_REQUIRE_EQ(p.r.read.seq, 0);
		}
		/* The unmodified record still opens: the failures above did not advance the sequence. */
		moat_buf_reset(&out);
		p.w.write.seq = 0;
		EXPECT_OK(moat_record_write(&p.w, MOAT_CT_APPLICATION_DATA, msg, sizeof(msg), 0, &out));
		EXPECT_OK(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len));
		p.r.read.seq = 0;

		/* Fragments too short to hold a tag, and a bare forged tag. */
		uint8_t rec[5 + 16];
		memset(rec, 0, sizeof(rec));
		rec[0] = MOAT_CT_APPLICATION_DATA;
		rec[1] = 0x03;
		rec[2] = 0x03;
		static const size_t frag_lens[] = { 0, 1, 15, 16 };
		for (size_t i = 0; i < sizeof(frag_lens) / sizeof(frag_lens[0]); i++) {
			rec[4] = (uint8_t)frag_lens[i];
			EXPECT_ERR(moat_record_open(&p.r, rec, 5 + frag_lens[i], &type, &plain, &plain_len),
				   MOAT_ERR_BAD_RECORD_MAC);
		}
		ATF_REQUIRE_EQ(p.r.read.seq, 0);
		moat_buf_free(&out);
		pair_free(&p);
	}
}

ATF_TC_WITHOUT_HEAD(reject_all_zero_inner_plaintext);
ATF_TC_BODY(reject_all_zero_inner_plaintext, tc)
{
	for (size_t si = 0; si < N_SUITES; si++) {
		struct pair p;
		struct moat_buf out;
		uint8_t type, *plain;
		size_t plain_len;
		static uint8_t zeros[300];
		pair_init(&p, &suites[si]);
		moat_buf_init(&out, 1 << 16);
		/* §5.4: no non-zero octet → no content type → unexpected_message. */
		static const size_t lens[] = { 0, 1, 300 };
		for (size_t i = 0; i < 3; i++) {
			seal_raw(&suites[si], 0, MOAT_CT_APPLICATION_DATA, zeros, lens[i], &out);
			EXPECT_ERR(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len),
				   MOAT_ERR_UNEXPECTED_MESSAGE);
			ATF_REQUIRE_EQ(p.r.read.seq, 0);
		}
		/* The same record with a type byte in front of the zeros opens (the hand sealer is right). */
		zeros[0] = MOAT_CT_APPLICATION_DATA;
		seal_raw(&suites[si], 0, MOAT_CT_APPLICATION_DATA, zeros, 300, &out);
		EXPECT_OK(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len));
		ATF_REQUIRE(type == MOAT_CT_APPLICATION_DATA && plain_len == 0);
		zeros[0] = 0;
		moat_buf_free(&out);
		pair_free(&p);
	}
}

ATF_TC_WITHOUT_HEAD(reject_empty_handshake_and_alert);
ATF_TC_BODY(reject_empty_handshake_and_alert, tc)
{
	const struct suite *s = &suites[0];
	struct pair p;
	struct moat_buf out;
	uint8_t type, *plain;
	size_t plain_len;
	pair_init(&p, s);
	moat_buf_init(&out, 1 << 16);

	/* §5.4: protected, with and without padding. */
	static const uint8_t hs[] = { MOAT_CT_HANDSHAKE };
	static const uint8_t hs_padded[] = { MOAT_CT_HANDSHAKE, 0, 0, 0 };
	static const uint8_t alert_padded[] = { MOAT_CT_ALERT, 0 };
	seal_raw(s, 0, MOAT_CT_APPLICATION_DATA, hs, sizeof(hs), &out);
	EXPECT_ERR(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len), MOAT_ERR_UNEXPECTED_MESSAGE);
	seal_raw(s, 0, MOAT_CT_APPLICATION_DATA, hs_padded, sizeof(hs_padded), &out);
	EXPECT_ERR(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len), MOAT_ERR_UNEXPECTED_MESSAGE);
	seal_raw(s, 0, MOAT_CT_APPLICATION_DATA, alert_padded, sizeof(alert_padded), &out);
	EXPECT_ERR(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len), MOAT_ERR_UNEXPECTED_MESSAGE);
	ATF_REQUIRE_EQ(p.r.read.seq, 0);

	/* §5.1: unprotected. */
	struct moat_record_layer plain_rl;
	moat_record_layer_init(&plain_rl);
	uint8_t rec[5] = { MOAT_CT_HANDSHAKE, 0x03, 0x03, 0x00, 0x00 };
	EXPECT_ERR(moat_record_open(&plain_rl, rec, 5, &type, &plain, &plain_len), MOAT_ERR_UNEXPECTED_MESSAGE);
	rec[0] = MOAT_CT_ALERT;
	EXPECT_ERR(moat_record_open(&plain_rl, rec, 5, &type, &plain, &plain_len), MOAT_ERR_UNEXPECTED_MESSAGE);
	/* An empty unprotected application_data or CCS record is the caller's to judge. */
	rec[0] = MOAT_CT_APPLICATION_DATA;
	EXPECT_OK(moat_record_open(&plain_rl, rec, 5, &type, &plain, &plain_len));
	ATF_REQUIRE(type == MOAT_CT_APPLICATION_DATA && plain_len == 0);
	rec[0] = MOAT_CT_CHANGE_CIPHER_SPEC;
	EXPECT_OK(moat_record_open(&p.r, rec, 5, &type, &plain, &plain_len));
	ATF_REQUIRE(type == MOAT_CT_CHANGE_CIPHER_SPEC && plain_len == 0);
	moat_record_layer_free(&plain_rl);
	moat_buf_free(&out);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(reject_bad_inner_type);
ATF_TC_BODY(reject_bad_inner_type, tc)
{
	const struct suite *s = &suites[1];
	struct pair p;
	struct moat_buf out;
	uint8_t type, *plain;
	size_t plain_len;
	pair_init(&p, s);
	moat_buf_init(&out, 1 << 16);

	/* §5: a protected change_cipher_spec is unexpected_message. */
	static const uint8_t ccs[] = { 0x01, MOAT_CT_CHANGE_CIPHER_SPEC };
	seal_raw(s, 0, MOAT_CT_APPLICATION_DATA, ccs, sizeof(ccs), &out);
	EXPECT_ERR(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len), MOAT_ERR_UNEXPECTED_MESSAGE);
	/* An unknown inner type, with padding after it. */
	static const uint8_t unknown[] = { 0x01, 0x02, 0x30, 0, 0 };
	seal_raw(s, 0, MOAT_CT_APPLICATION_DATA, unknown, sizeof(unknown), &out);
	EXPECT_ERR(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len), MOAT_ERR_UNEXPECTED_MESSAGE);
	/* The content type is the LAST non-zero byte: zeros inside the content are content. */
	static const uint8_t inner[] = { 0x00, 0x16, 0x00, MOAT_CT_ALERT, 0, 0, 0 };
	seal_raw(s, 0, MOAT_CT_APPLICATION_DATA, inner, sizeof(inner), &out);
	EXPECT_OK(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len));
	ATF_REQUIRE(type == MOAT_CT_ALERT && plain_len == 3);
	ATF_REQUIRE(plain[0] == 0 && plain[1] == 0x16 && plain[2] == 0);
	moat_buf_free(&out);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(reject_inner_overflow);
ATF_TC_BODY(reject_inner_overflow, tc)
{
	const struct suite *s = &suites[0];
	struct pair p;
	struct moat_buf out;
	uint8_t type, *plain;
	size_t plain_len;
	static uint8_t inner[16386];
	pair_init(&p, s);
	moat_buf_init(&out, 1 << 16);

	/* §5.4: TLSInnerPlaintext of 2^14 + 1 octets is the most allowed ... */
	memset(inner, 0x41, sizeof(inner));
	inner[16384] = MOAT_CT_APPLICATION_DATA;
	seal_raw(s, 0, MOAT_CT_APPLICATION_DATA, inner, 16385, &out);
	EXPECT_OK(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len));
	ATF_REQUIRE_EQ(plain_len, 16384);

	/* ... one more octet of content is record_overflow ... */
	inner[16384] = 0x41;
	inner[16385] = MOAT_CT_APPLICATION_DATA;
	seal_raw(s, 1, MOAT_CT_APPLICATION_DATA, inner, 16386, &out);
	EXPECT_ERR(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len), MOAT_ERR_RECORD_OVERFLOW);
	/* ... and so is one more octet of padding. */
	inner[16000] = MOAT_CT_HANDSHAKE;
	memset(inner + 16001, 0, 385);
	seal_raw(s, 1, MOAT_CT_APPLICATION_DATA, inner, 16386, &out);
	EXPECT_ERR(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len), MOAT_ERR_RECORD_OVERFLOW);
	ATF_REQUIRE_EQ(p.r.read.seq, 1);

	/* A lowered limit applies to content + padding (RFC 8449 §4 via §5.4). */
	p.r.max_plaintext_in = 100;
	memset(inner, 0x41, 101);
	inner[100] = MOAT_CT_HANDSHAKE;
	seal_raw(s, 1, MOAT_CT_APPLICATION_DATA, inner, 101, &out);
	EXPECT_OK(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len));
	inner[50] = MOAT_CT_HANDSHAKE;
	memset(inner + 51, 0, 51);
	seal_raw(s, 2, MOAT_CT_APPLICATION_DATA, inner, 102, &out);
	EXPECT_ERR(moat_record_open(&p.r, out.data, out.len, &type, &plain, &plain_len), MOAT_ERR_RECORD_OVERFLOW);
	moat_buf_free(&out);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(reject_unknown_outer_type);
ATF_TC_BODY(reject_unknown_outer_type, tc)
{
	struct pair p;
	struct moat_record_layer plain_rl;
	uint8_t type, *plain;
	size_t plain_len, total;
	pair_init(&p, &suites[0]);
	moat_record_layer_init(&plain_rl);

	static const uint8_t types[] = { 0, 19, 24, 0x80, 0xff, 'G' };
	for (size_t i = 0; i < sizeof(types); i++) {
		uint8_t rec[] = { types[i], 0x03, 0x03, 0x00, 0x02, 0x01, 0x00 };
		EXPECT_ERR(moat_record_total_len(rec, &total), MOAT_ERR_UNEXPECTED_MESSAGE);
		EXPECT_ERR(moat_record_open(&plain_rl, rec, sizeof(rec), &type, &plain, &plain_len),
			   MOAT_ERR_UNEXPECTED_MESSAGE);
		EXPECT_ERR(moat_record_open(&p.r, rec, sizeof(rec), &type, &plain, &plain_len),
			   MOAT_ERR_UNEXPECTED_MESSAGE);
	}
	/* "GET / HTTP/1.1" is refused after its first five bytes. */
	EXPECT_ERR(moat_record_total_len((const uint8_t *)"GET / HTTP/1.1", &total), MOAT_ERR_UNEXPECTED_MESSAGE);
	moat_record_layer_free(&plain_rl);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(reject_plain_when_protected);
ATF_TC_BODY(reject_plain_when_protected, tc)
{
	struct pair p;
	uint8_t type, *plain;
	size_t plain_len;
	pair_init(&p, &suites[0]);

	/* §5.2: once keys are in, everything but the compatibility CCS is application_data outside. */
	uint8_t hs[] = { MOAT_CT_HANDSHAKE, 0x03, 0x03, 0x00, 0x04, 0x14, 0x00, 0x00, 0x00 };
	EXPECT_ERR(moat_record_open(&p.r, hs, sizeof(hs), &type, &plain, &plain_len), MOAT_ERR_UNEXPECTED_MESSAGE);
	uint8_t alert[] = { MOAT_CT_ALERT, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };
	EXPECT_ERR(moat_record_open(&p.r, alert, sizeof(alert), &type, &plain, &plain_len),
		   MOAT_ERR_UNEXPECTED_MESSAGE);
	ATF_REQUIRE_EQ(p.r.read.seq, 0);
	pair_free(&p);
}

ATF_TC_WITHOUT_HEAD(reject_length_mismatch);
ATF_TC_BODY(reject_length_mismatch, tc)
{
	struct moat_record_layer rl;
	uint8_t type, *plain;
	size_t plain_len;
	moat_record_layer_init(&rl);
	uint8_t rec[] = { MOAT_CT_HANDSHAKE, 0x03, 0x03, 0x00, 0x03, 1, 2, 3, 4 };
	/* The caller must pass exactly one record: short, long and header-only buffers are decode errors. */
	EXPECT_ERR(moat_record_open(&rl, rec, 7, &type, &plain, &plain_len), MOAT_ERR_DECODE);
	EXPECT_ERR(moat_record_open(&rl, rec, 9, &type, &plain, &plain_len), MOAT_ERR_TRAILING_DATA);
	EXPECT_ERR(moat_record_open(&rl, rec, 4, &type, &plain, &plain_len), MOAT_ERR_DECODE);
	EXPECT_ERR(moat_record_open(&rl, rec, 0, &type, &plain, &plain_len), MOAT_ERR_DECODE);
	EXPECT_OK(moat_record_open(&rl, rec, 8, &type, &plain, &plain_len));
	ATF_REQUIRE(plain_len == 3 && plain[2] == 3);
	moat_record_layer_free(&rl);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, round_trip_all_aeads);
	ATF_TP_ADD_TC(tp, many_records_in_one_buffer);
	ATF_TP_ADD_TC(tp, rekey_resets_sequence);
	ATF_TP_ADD_TC(tp, unprotected_round_trip);
	ATF_TP_ADD_TC(tp, ccs_passthrough);
	ATF_TP_ADD_TC(tp, sequence_number_never_wraps);
	ATF_TP_ADD_TC(tp, write_argument_checks);
	ATF_TP_ADD_TC(tp, reject_overlong_length);
	ATF_TP_ADD_TC(tp, reject_bad_tag);
	ATF_TP_ADD_TC(tp, reject_all_zero_inner_plaintext);
	ATF_TP_ADD_TC(tp, reject_empty_handshake_and_alert);
	ATF_TP_ADD_TC(tp, reject_bad_inner_type);
	ATF_TP_ADD_TC(tp, reject_inner_overflow);
	ATF_TP_ADD_TC(tp, reject_unknown_outer_type);
	ATF_TP_ADD_TC(tp, reject_plain_when_protected);
	ATF_TP_ADD_TC(tp, reject_length_mismatch);
	return atf_no_error();
}
