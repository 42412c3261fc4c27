/*
 * The handshake transcript (tls/handshake.c): raw messages until the hash is
 * known, then a running hash; the raw copy kept beside the hash only when a
 * version asks for it (hs->transcript_keep_raw, for TLS 1.2's
 * CertificateVerify), and never for TLS 1.3.
 */
#include <string.h>

#include "tests/moat_test.h"
#include "tls/conn.h"

static const uint8_t m1[] = { 1, 0, 0, 2, 0xaa, 0xbb };
static const uint8_t m2[] = { 2, 0, 0, 1, 0xcc };
static const uint8_t m3[] = { 11, 0, 0, 3, 0xdd, 0xee, 0xff };

static struct moat_connection *new_conn(void)
{
	struct moat_connection *conn = moat_connection_new(MOAT_SERVER);
	ATF_REQUIRE(conn != NULL);
	if (conn->hs == NULL)
		EXPECT_OK(moat_conn_alloc_handshake(conn));
	return conn;
}

/* Hash of m1 || m2 || m3 in one go, to compare the running hash with. */
static void expected_hash(uint8_t *out)
{
	uint8_t all[sizeof(m1) + sizeof(m2) + sizeof(m3)];
	memcpy(all, m1, sizeof(m1));
	memcpy(all + sizeof(m1), m2, sizeof(m2));
	memcpy(all + sizeof(m1) + sizeof(m2), m3, sizeof(m3));
	EXPECT_OK(moat_hash_oneshot(MOAT_HASH_SHA256, all, sizeof(all), out));
}

ATF_TC_WITHOUT_HEAD(raw_dropped_when_hash_starts);
ATF_TC_BODY(raw_dropped_when_hash_starts, tc)
{
	struct moat_connection *conn = new_conn();
	uint8_t want[MOAT_MAX_HASH_LEN], got[MOAT_MAX_HASH_LEN];
	EXPECT_OK(moat_hs_transcript_add(conn, m1, sizeof(m1)));
	EXPECT_OK(moat_hs_transcript_add(conn, m2, sizeof(m2)));
	ATF_REQUIRE_EQ(conn->hs->transcript_raw.len, sizeof(m1) + sizeof(m2));
	EXPECT_OK(moat_hs_transcript_start(conn, MOAT_HASH_SHA256));
	/* TLS 1.3: nothing is kept once the hash runs. */
	ATF_REQUIRE(conn->hs->transcript_raw.data == NULL);
	EXPECT_OK(moat_hs_transcript_add(conn, m3, sizeof(m3)));
	ATF_REQUIRE(conn->hs->transcript_raw.data == NULL);
	expected_hash(want);
	EXPECT_OK(moat_hs_transcript_hash(conn, got));
	ATF_REQUIRE(memcmp(want, got, 32) == 0);
	EXPECT_OK(moat_connection_free(conn));
}

ATF_TC_WITHOUT_HEAD(raw_kept_on_request);
ATF_TC_BODY(raw_kept_on_request, tc)
{
	struct moat_connection *conn = new_conn();
	uint8_t want[MOAT_MAX_HASH_LEN], got[MOAT_MAX_HASH_LEN];
	conn->hs->transcript_keep_raw = true;
	EXPECT_OK(moat_hs_transcript_add(conn, m1, sizeof(m1)));
	EXPECT_OK(moat_hs_transcript_add(conn, m2, sizeof(m2)));
	EXPECT_OK(moat_hs_transcript_start(conn, MOAT_HASH_SHA256));
	EXPECT_OK(moat_hs_transcript_add(conn, m3, sizeof(m3)));
	/* The running hash is the same, and the raw copy holds every message in order. */
	expected_hash(want);
	EXPECT_OK(moat_hs_transcript_hash(conn, got));
	ATF_REQUIRE(memcmp(want, got, 32) == 0);
	const struct moat_buf *raw = &conn->hs->transcript_raw;
	ATF_REQUIRE_EQ(raw->len, sizeof(m1) + sizeof(m2) + sizeof(m3));
	ATF_REQUIRE(memcmp(raw->data, m1, sizeof(m1)) == 0);
	ATF_REQUIRE(memcmp(raw->data + sizeof(m1) + sizeof(m2), m3, sizeof(m3)) == 0);

	moat_hs_transcript_drop_raw(conn);
	ATF_REQUIRE(conn->hs->transcript_raw.data == NULL);
	ATF_REQUIRE(!conn->hs->transcript_keep_raw);
	EXPECT_OK(moat_hs_transcript_add(conn, m1, sizeof(m1)));
	ATF_REQUIRE(conn->hs->transcript_raw.data == NULL);
	EXPECT_OK(moat_connection_free(conn));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, raw_dropped_when_hash_starts);
	ATF_TP_ADD_TC(tp, raw_kept_on_request);
	return atf_no_error();
}
