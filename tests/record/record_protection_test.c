/*
 * The record layer's protection interface: installing a protection through
 * moat_record_set_keys, the per-version ciphertext bounds, and the
 * change_cipher_spec and alert writers; and what a received alert does
 * (tls/alert.h), which the connection applies to records this layer opened.
 */
#include <string.h>

#include "common/buf.h"
#include "tests/moat_test.h"
#include "tests/record/record_test_util.h"
#include "tls/alert.h"
#include "tls/iana.h"
#include "tls/record.h"
#include "tls/tls13_key_schedule.h"

/* The 1.3 AEAD protection keyed by hand from a traffic secret, as a key schedule other than HKDF would. */
static int set_keys_from_secret(struct moat_record_layer *rl, bool write, const struct suite *s, size_t iv_len)
{
	uint8_t key[MOAT_AEAD_MAX_KEY_LEN], iv[MOAT_AEAD_NONCE_LEN];
	EXPECT_OK(moat_tls13_traffic_key_iv(s->hash, s->aead, fixed_secret, key, iv));
	struct moat_record_keys keys = {
		.aead = s->aead,
		.key = key,
		.key_len = moat_aead_key_len(s->aead),
		.iv = iv,
		.iv_len = iv_len,
	};
	return moat_record_set_keys(rl, write, &moat_record_aead13, &keys);
}

static void round_trip(struct moat_record_layer *w, struct moat_record_layer *r, const char *msg)
{
	struct moat_buf out;
	uint8_t type, *plain;
	size_t plain_len;
	moat_buf_init(&out, MOAT_RECORD_MAX_WIRE_LEN);
	EXPECT_OK(moat_record_write(w, MOAT_CT_APPLICATION_DATA, (const uint8_t *)msg, strlen(msg), 0, &out));
	EXPECT_OK(moat_record_open(r, out.data, out.len, &type, &plain, &plain_len));
	ATF_REQUIRE_EQ(type, MOAT_CT_APPLICATION_DATA);
	ATF_REQUIRE_EQ(plain_len, strlen(msg));
	ATF_REQUIRE(memcmp(plain, msg, plain_len) == 0);
	moat_buf_free(&out);
}

ATF_TC_WITHOUT_HEAD(set_keys_matches_traffic_secret);
ATF_TC_BODY(set_keys_matches_traffic_secret, tc)
{
	for (size_t i = 0; i < N_SUITES; i++) {
		const struct suite *s = &suites[i];
		struct moat_record_layer w, r;
		moat_record_layer_init(&w);
		moat_record_layer_init(&r);
		ATF_REQUIRE(!moat_record_is_protected(&w, true));
		EXPECT_OK(set_keys_from_secret(&w, true, s, MOAT_AEAD_NONCE_LEN));
		EXPECT_OK(moat_record_set_traffic_secret(&r, false, s->hash, s->aead, fixed_secret));
		ATF_REQUIRE(moat_record_is_protected(&w, true));
		ATF_REQUIRE(w.write.prot == &moat_record_aead13);
		round_trip(&w, &r, "one");
		round_trip(&w, &r, "two");
		moat_record_layer_free(&w);
		moat_record_layer_free(&r);
		ATF_REQUIRE(!moat_record_is_protected(&w, true));
	}
}

ATF_TC_WITHOUT_HEAD(set_keys_failure_keeps_old_keys);
ATF_TC_BODY(set_keys_failure_keeps_old_keys, tc)
{
	const struct suite *s = &suites[0];
	struct moat_record_layer w, r;
	moat_record_layer_init(&w);
	moat_record_layer_init(&r);
	EXPECT_OK(moat_record_set_traffic_secret(&w, true, s->hash, s->aead, fixed_secret));
	EXPECT_OK(moat_record_set_traffic_secret(&r, false, s->hash, s->aead, fixed_secret));
	round_trip(&w, &r, "before");
	/* A 1.3 IV is 12 bytes (RFC 8446 §5.3); a 1.2 GCM salt of 4 is not one. */
	EXPECT_ERR(set_keys_from_secret(&w, true, s, 4), MOAT_ERR_INVALID_ARG);
	ATF_REQUIRE(w.write.prot == &moat_record_aead13);
	ATF_REQUIRE_EQ(w.write.seq, 1);
	round_trip(&w, &r, "after");
	moat_record_layer_free(&w);
	moat_record_layer_free(&r);
}

ATF_TC_WITHOUT_HEAD(version_bounds);
ATF_TC_BODY(version_bounds, tc)
{
	struct moat_record_layer rl;
	size_t total;
	moat_record_layer_init(&rl);
	/* RFC 8446 §5.2: 2^14 + 256 by default. */
	static const uint8_t max13[] = { 0x17, 0x03, 0x03, 0x41, 0x00 };
	static const uint8_t over13[] = { 0x17, 0x03, 0x03, 0x41, 0x01 };
	/* RFC 5246 §6.2.3: 2^14 + 2048. */
	static const uint8_t max12[] = { 0x17, 0x03, 0x03, 0x48, 0x00 };
	static const uint8_t over12[] = { 0x17, 0x03, 0x03, 0x48, 0x01 };
	EXPECT_OK(moat_record_layer_total_len(&rl, max13, &total));
	ATF_REQUIRE_EQ(total, 5 + 16640);
	EXPECT_ERR(moat_record_layer_total_len(&rl, over13, &total), MOAT_ERR_RECORD_OVERFLOW);
	ATF_REQUIRE_EQ(moat_record_max_wire_len(&rl), MOAT_RECORD_MAX_WIRE_LEN);

	EXPECT_OK(moat_record_set_version(&rl, MOAT_TLS12));
	EXPECT_OK(moat_record_layer_total_len(&rl, over13, &total));
	EXPECT_OK(moat_record_layer_total_len(&rl, max12, &total));
	ATF_REQUIRE_EQ(total, 5 + 18432);
	EXPECT_ERR(moat_record_layer_total_len(&rl, over12, &total), MOAT_ERR_RECORD_OVERFLOW);
	ATF_REQUIRE_EQ(moat_record_max_wire_len(&rl), 5 + 18432);
	/* The stateless check stays TLS 1.3's. */
	EXPECT_ERR(moat_record_total_len(over13, &total), MOAT_ERR_RECORD_OVERFLOW);

	/* open applies the layer's bound: an unreadable 1.2-sized record passes the header check. */
	uint8_t *rec = calloc(1, 5 + 18433);
	uint8_t type, *plain;
	size_t plain_len;
	ATF_REQUIRE(rec != NULL);
	memcpy(rec, max12, 5);
	EXPECT_OK(moat_record_open(&rl, rec, 5 + 18432, &type, &plain, &plain_len));
	ATF_REQUIRE_EQ(plain_len, 18432);
	memcpy(rec, over12, 5);
	EXPECT_ERR(moat_record_open(&rl, rec, 5 + 18433, &type, &plain, &plain_len), MOAT_ERR_RECORD_OVERFLOW);

	EXPECT_OK(moat_record_set_version(&rl, MOAT_TLS13));
	EXPECT_ERR(moat_record_layer_total_len(&rl, over13, &total), MOAT_ERR_RECORD_OVERFLOW);
	/* SSL 3.0 is not implemented (RFC 7568). */
	EXPECT_ERR(moat_record_set_version(&rl, 0x0300), MOAT_ERR_INVALID_ARG);
	free(rec);
	moat_record_layer_free(&rl);
}

ATF_TC_WITHOUT_HEAD(ccs_and_alert_writers);
ATF_TC_BODY(ccs_and_alert_writers, tc)
{
	const struct suite *s = &suites[0];
	struct moat_record_layer w, r;
	struct moat_buf out;
	uint8_t type, *plain;
	size_t plain_len;
	moat_record_layer_init(&w);
	moat_record_layer_init(&r);
	moat_buf_init(&out, MOAT_RECORD_MAX_WIRE_LEN);

	/* Unprotected: a plain alert with the layer's record version. */
	EXPECT_OK(moat_record_write_alert(&w, MOAT_ALERT_LEVEL_FATAL, MOAT_ALERT_HANDSHAKE_FAILURE, &out));
	static const uint8_t plain_alert[] = { 0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28 };
	ATF_REQUIRE_EQ(out.len, sizeof(plain_alert));
	ATF_REQUIRE(memcmp(out.data, plain_alert, sizeof(plain_alert)) == 0);

	/* RFC 8446 §5 / D.4: the CCS stays unprotected once 1.3 write keys are installed. */
	w.write_version = MOAT_TLS12;
	EXPECT_OK(moat_record_set_traffic_secret(&w, true, s->hash, s->aead, fixed_secret));
	moat_buf_reset(&out);
	EXPECT_OK(moat_record_write_ccs(&w, &out));
	static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
	ATF_REQUIRE_EQ(out.len, sizeof(ccs));
	ATF_REQUIRE(memcmp(out.data, ccs, sizeof(ccs)) == 0);
	ATF_REQUIRE_EQ(w.write.seq, 0);

	/* A protected alert keeps its level inside. */
	EXPECT_OK(moat_record_set_traffic_secret(&r, false, s->hash, s->aead, fixed_secret));
	moat_buf_reset(&out);
	EXPECT_OK(moat_record_write_alert(&w, MOAT_ALERT_LEVEL_WARNING, MOAT_ALERT_CLOSE_NOTIFY, &out));
	ATF_REQUIRE_EQ(out.data[0], MOAT_CT_APPLICATION_DATA);
	EXPECT_OK(moat_record_open(&r, out.data, out.len, &type, &plain, &plain_len));
	ATF_REQUIRE_EQ(type, MOAT_CT_ALERT);
	ATF_REQUIRE_EQ(plain_len, 2);
	ATF_REQUIRE_EQ(plain[0], MOAT_ALERT_LEVEL_WARNING);
	ATF_REQUIRE_EQ(plain[1], MOAT_ALERT_CLOSE_NOTIFY);

	moat_buf_free(&out);
	moat_record_layer_free(&w);
	moat_record_layer_free(&r);
}

ATF_TC_WITHOUT_HEAD(alert_effect_tls13_ignores_level);
ATF_TC_BODY(alert_effect_tls13_ignores_level, tc)
{
	/* RFC 8446 §6: "the 'level' field can safely be ignored"; any value, even one no version defines. */
	static const uint8_t levels[] = { 0, MOAT_ALERT_LEVEL_WARNING, MOAT_ALERT_LEVEL_FATAL, 255 };
	for (size_t i = 0; i < sizeof(levels); i++) {
		uint8_t l = levels[i];
		ATF_REQUIRE_EQ(moat_alert_effect_tls13(l, MOAT_ALERT_CLOSE_NOTIFY), MOAT_ALERT_EFFECT_CLOSE);
		ATF_REQUIRE_EQ(moat_alert_effect_tls13(l, MOAT_ALERT_USER_CANCELED), MOAT_ALERT_EFFECT_CONTINUE);
		/* A warning-level error alert still ends a 1.3 connection (§6.2). */
		ATF_REQUIRE_EQ(moat_alert_effect_tls13(l, MOAT_ALERT_HANDSHAKE_FAILURE), MOAT_ALERT_EFFECT_FATAL);
		ATF_REQUIRE_EQ(moat_alert_effect_tls13(l, 100 /* no_renegotiation, not a 1.3 alert */),
			       MOAT_ALERT_EFFECT_FATAL);
		ATF_REQUIRE_EQ(moat_alert_effect_tls13(l, 255), MOAT_ALERT_EFFECT_FATAL);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, set_keys_matches_traffic_secret);
	ATF_TP_ADD_TC(tp, set_keys_failure_keeps_old_keys);
	ATF_TP_ADD_TC(tp, version_bounds);
	ATF_TP_ADD_TC(tp, ccs_and_alert_writers);
	ATF_TP_ADD_TC(tp, alert_effect_tls13_ignores_level);
	return atf_no_error();
}
