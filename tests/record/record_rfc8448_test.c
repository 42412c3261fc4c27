/*
 * Known answers from RFC 8448 §3 (Simple 1-RTT Handshake): install the
 * traffic secrets the trace prints and open the protected records it prints,
 * byte for byte; write the client's records and get the trace's bytes back.
 * The trace uses TLS_AES_128_GCM_SHA256; its values are in
 * tests/rfc8448_vectors.h.
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "tests/moat_test.h"
#include "tests/rfc8448_vectors.h"
#include "tests/test_hex.h"
#include "tls/iana.h"
#include "tls/record.h"

/*
 * The trace's bytes in a heap block of exactly their length, so that reading
 * past the end of a record is an ASan report rather than a silent pass.
 */
static uint8_t *unhex_exact(const char *hex, size_t *len)
{
	uint8_t tmp[1024];
	uint8_t *out;

	*len = test_unhex(hex, tmp, sizeof(tmp));
	out = malloc(*len);
	ATF_REQUIRE(out != NULL);
	memcpy(out, tmp, *len);
	return out;
}

/* Install a secret given in hex for one direction of a fresh layer. */
static void install(struct moat_record_layer *rl, bool write, const char *secret_hex)
{
	uint8_t secret[32];
	ATF_REQUIRE_EQ(test_unhex(secret_hex, secret, sizeof(secret)), 32);
	EXPECT_OK(moat_record_set_traffic_secret(rl, write, MOAT_HASH_SHA256, MOAT_AEAD_AES_128_GCM, secret));
}

/* Open a record given in hex and check its type and its plaintext. */
static void open_expect(struct moat_record_layer *rl, const char *record_hex, uint8_t want_type,
			const uint8_t *want, size_t want_len)
{
	size_t rec_len, total, plain_len;
	uint8_t *rec = unhex_exact(record_hex, &rec_len);
	uint8_t type, *plain;
	EXPECT_OK(moat_record_total_len(rec, &total));
	ATF_REQUIRE_EQ(total, rec_len);
	EXPECT_OK(moat_record_open(rl, rec, rec_len, &type, &plain, &plain_len));
	ATF_REQUIRE_EQ(type, want_type);
	ATF_REQUIRE_EQ(plain_len, want_len);
	ATF_REQUIRE(memcmp(plain, want, want_len) == 0);
	free(rec);
}

/* Write data as one record and compare with the trace's complete record. */
static void write_expect(struct moat_record_layer *rl, uint8_t type, const uint8_t *data, size_t len,
			 const char *record_hex)
{
	size_t want_len;
	uint8_t *want = unhex_exact(record_hex, &want_len);
	struct moat_buf out;
	moat_buf_init(&out, 1 << 16);
	EXPECT_OK(moat_record_write(rl, type, data, len, 0, &out));
	ATF_REQUIRE_EQ(out.len, want_len);
	ATF_REQUIRE_EQ(moat_record_wire_len(rl, len, 0), want_len);
	ATF_REQUIRE(memcmp(out.data, want, want_len) == 0);
	moat_buf_free(&out);
	free(want);
}

ATF_TC_WITHOUT_HEAD(server_handshake_record);
ATF_TC_BODY(server_handshake_record, tc)
{
	/* {server} send handshake record: EE, Certificate, CertificateVerify, Finished under s hs traffic, seq 0. */
	struct moat_record_layer rl;
	size_t payload_len;
	uint8_t *payload = unhex_exact(RFC8448_S3_SERVER_FLIGHT, &payload_len);
	moat_record_layer_init(&rl);
	install(&rl, false, RFC8448_S3_SERVER_HS_TRAFFIC);
	open_expect(&rl, RFC8448_S3_SERVER_FLIGHT_RECORD, MOAT_CT_HANDSHAKE, payload, payload_len);
	ATF_REQUIRE_EQ(rl.read.seq, 1);

	/* The server side writes the same bytes. */
	install(&rl, true, RFC8448_S3_SERVER_HS_TRAFFIC);
	write_expect(&rl, MOAT_CT_HANDSHAKE, payload, payload_len, RFC8448_S3_SERVER_FLIGHT_RECORD);

	/* One flipped bit anywhere in the trace record fails authentication. */
	size_t rec_len, plain_len;
	uint8_t *rec = unhex_exact(RFC8448_S3_SERVER_FLIGHT_RECORD, &rec_len);
	uint8_t type, *plain;
	install(&rl, false, RFC8448_S3_SERVER_HS_TRAFFIC);
	rec[300] ^= 0x80;
	EXPECT_ERR(moat_record_open(&rl, rec, rec_len, &type, &plain, &plain_len), MOAT_ERR_BAD_RECORD_MAC);
	free(rec);
	free(payload);
	moat_record_layer_free(&rl);
}

ATF_TC_WITHOUT_HEAD(client_finished_record);
ATF_TC_BODY(client_finished_record, tc)
{
	size_t finished_len;
	uint8_t *finished = unhex_exact(RFC8448_S3_CLIENT_FINISHED, &finished_len);
	struct moat_record_layer client, server;
	moat_record_layer_init(&client);
	moat_record_layer_init(&server);
	install(&client, true, RFC8448_S3_CLIENT_HS_TRAFFIC);
	install(&server, false, RFC8448_S3_CLIENT_HS_TRAFFIC);
	write_expect(&client, MOAT_CT_HANDSHAKE, finished, finished_len, RFC8448_S3_CLIENT_FINISHED_RECORD);
	open_expect(&server, RFC8448_S3_CLIENT_FINISHED_RECORD, MOAT_CT_HANDSHAKE, finished, finished_len);
	free(finished);
	moat_record_layer_free(&client);
	moat_record_layer_free(&server);
}

ATF_TC_WITHOUT_HEAD(application_data_and_alerts);
ATF_TC_BODY(application_data_and_alerts, tc)
{
	size_t c_data_len, s_data_len, alert_len, nst_len;
	uint8_t *c_data = unhex_exact(RFC8448_S3_CLIENT_APP_DATA, &c_data_len);
	uint8_t *s_data = unhex_exact(RFC8448_S3_SERVER_APP_DATA, &s_data_len);
	uint8_t *close_notify = unhex_exact(RFC8448_S3_CLOSE_NOTIFY, &alert_len);
	uint8_t *nst = unhex_exact(RFC8448_S3_NEW_SESSION_TICKET, &nst_len);

	/* Client: application data at seq 0, close_notify at seq 1 under c ap traffic. */
	struct moat_record_layer client, server;
	moat_record_layer_init(&client);
	moat_record_layer_init(&server);
	install(&client, true, RFC8448_S3_CLIENT_AP_TRAFFIC);
	write_expect(&client, MOAT_CT_APPLICATION_DATA, c_data, c_data_len, RFC8448_S3_CLIENT_APP_RECORD);
	write_expect(&client, MOAT_CT_ALERT, close_notify, alert_len, RFC8448_S3_CLIENT_ALERT_RECORD);
	ATF_REQUIRE_EQ(client.write.seq, 2);
	install(&server, false, RFC8448_S3_CLIENT_AP_TRAFFIC);
	open_expect(&server, RFC8448_S3_CLIENT_APP_RECORD, MOAT_CT_APPLICATION_DATA, c_data, c_data_len);
	open_expect(&server, RFC8448_S3_CLIENT_ALERT_RECORD, MOAT_CT_ALERT, close_notify, alert_len);

	/* Server: NewSessionTicket at seq 0, application data at seq 1, close_notify at seq 2 under s ap traffic. */
	install(&client, false, RFC8448_S3_SERVER_AP_TRAFFIC);
	open_expect(&client, RFC8448_S3_NST_RECORD, MOAT_CT_HANDSHAKE, nst, nst_len);
	open_expect(&client, RFC8448_S3_SERVER_APP_RECORD, MOAT_CT_APPLICATION_DATA, s_data, s_data_len);
	open_expect(&client, RFC8448_S3_SERVER_ALERT_RECORD, MOAT_CT_ALERT, close_notify, alert_len);
	ATF_REQUIRE_EQ(client.read.seq, 3);

	/* Out of order (seq 0 used for the seq 1 record) fails. */
	size_t rec_len, plain_len;
	uint8_t *rec = unhex_exact(RFC8448_S3_SERVER_APP_RECORD, &rec_len);
	uint8_t type, *plain;
	install(&client, false, RFC8448_S3_SERVER_AP_TRAFFIC);
	EXPECT_ERR(moat_record_open(&client, rec, rec_len, &type, &plain, &plain_len), MOAT_ERR_BAD_RECORD_MAC);
	free(rec);
	free(c_data);
	free(s_data);
	free(close_notify);
	free(nst);
	moat_record_layer_free(&client);
	moat_record_layer_free(&server);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, server_handshake_record);
	ATF_TP_ADD_TC(tp, client_finished_record);
	ATF_TP_ADD_TC(tp, application_data_and_alerts);
	return atf_no_error();
}
