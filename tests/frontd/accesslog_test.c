/*
 * Access log lines (frontd/accesslog.h): both formats field by field for a
 * completed connection and for one that ended before its ClientHello; the
 * client's bytes escaped so that a line stays one line of ASCII; the worst
 * case (two 255-byte fields of bytes that all need escaping, in JSON) fits
 * the line buffer; a small buffer cuts the line but still ends it.
 */
#include <string.h>

#include "frontd/accesslog.h"
#include "tests/moat_test.h"

static struct frontd_accesslog_entry done_entry(void)
{
	static const uint8_t sni[] = "www.example.com";
	static const uint8_t alpn[] = "http/1.1";
	struct frontd_accesslog_entry e = {
		.time_ms = 1796528400123ull, /* 2026-12-06T03:40:00.123Z */
		.client = "192.0.2.7:51416",
		.listener = "0.0.0.0:443",
		.sni = sni,
		.sni_len = sizeof(sni) - 1,
		.site = "example.com",
		.version = "TLSv1.3",
		.suite = "TLS_AES_128_GCM_SHA256",
		.group = "x25519",
		.alpn = alpn,
		.alpn_len = sizeof(alpn) - 1,
		.handshake_us = 7219,
		.keyd_us = 5065,
		.bytes_in = 79,
		.bytes_out = 345,
		.duration_ms = 12,
		.end = "ok",
	};
	return e;
}

static struct frontd_accesslog_entry early_entry(void)
{
	struct frontd_accesslog_entry e = {
		.time_ms = 0,
		.client = "[2001:db8::1]:4433",
		.listener = "[::]:443",
		.handshake_us = -1,
		.end = "handshake alert",
		.end_detail = "protocol_version",
	};
	return e;
}

static void expect_line(enum frontd_accesslog_format f, const struct frontd_accesslog_entry *e, const char *want)
{
	char out[FRONTD_ACCESSLOG_LINE_MAX];
	size_t n = frontd_accesslog_format(f, e, out, sizeof(out));
	ATF_CHECK_EQ(n, strlen(out));
	ATF_CHECK_STREQ(out, want);
}

ATF_TC_WITHOUT_HEAD(plain);
ATF_TC_BODY(plain, tc)
{
	struct frontd_accesslog_entry e = done_entry();
	expect_line(FRONTD_ACCESSLOG_PLAIN, &e,
		    "2026-12-06T03:40:00.123Z 192.0.2.7:51416 0.0.0.0:443 \"www.example.com\" example.com TLSv1.3 "
		    "TLS_AES_128_GCM_SHA256 x25519 \"http/1.1\" false - - 7.219 5.065 79 345 12 \"ok\"");
	e = early_entry();
	expect_line(FRONTD_ACCESSLOG_PLAIN, &e,
		    "1970-01-01T00:00:00.000Z [2001:db8::1]:4433 [::]:443 - - - - - - false - - - 0.000 0 0 0 "
		    "\"handshake alert protocol_version\"");
}

ATF_TC_WITHOUT_HEAD(json);
ATF_TC_BODY(json, tc)
{
	struct frontd_accesslog_entry e = done_entry();
	expect_line(FRONTD_ACCESSLOG_JSON, &e,
		    "{\"time\":\"2026-12-06T03:40:00.123Z\",\"client\":\"192.0.2.7:51416\",\"listener\":\"0.0.0.0:443\","
		    "\"sni\":\"www.example.com\",\"site\":\"example.com\",\"version\":\"TLSv1.3\","
		    "\"suite\":\"TLS_AES_128_GCM_SHA256\",\"group\":\"x25519\",\"alpn\":\"http/1.1\",\"resumed\":false,"
		    "\"early_data\":null,\"client_cert\":null,\"handshake_ms\":7.219,\"keyd_ms\":5.065,\"bytes_in\":79,\"bytes_out\":345,"
		    "\"duration_ms\":12,\"end\":\"ok\"}");
	e = early_entry();
	expect_line(FRONTD_ACCESSLOG_JSON, &e,
		    "{\"time\":\"1970-01-01T00:00:00.000Z\",\"client\":\"[2001:db8::1]:4433\",\"listener\":\"[::]:443\","
		    "\"sni\":null,\"site\":null,\"version\":null,\"suite\":null,\"group\":null,\"alpn\":null,"
		    "\"resumed\":false,\"early_data\":null,\"client_cert\":null,\"handshake_ms\":null,\"keyd_ms\":0.000,\"bytes_in\":0,"
		    "\"bytes_out\":0,\"duration_ms\":0,\"end\":\"handshake alert protocol_version\"}");
}

ATF_TC_WITHOUT_HEAD(hostile_bytes);
ATF_TC_BODY(hostile_bytes, tc)
{
	static const uint8_t sni[] = { 'a', '"', 'b', '\\', ' ', '\n', 0x1b, 0x7f, 0xe9, 0x00, 'z' };
	struct frontd_accesslog_entry e = done_entry();
	e.sni = sni;
	e.sni_len = sizeof(sni);
	char out[FRONTD_ACCESSLOG_LINE_MAX];
	frontd_accesslog_format(FRONTD_ACCESSLOG_PLAIN, &e, out, sizeof(out));
	ATF_CHECK(strstr(out, " \"a\\\"b\\\\ \\x0a\\x1b\\x7f\\xe9\\x00z\" ") != NULL);
	frontd_accesslog_format(FRONTD_ACCESSLOG_JSON, &e, out, sizeof(out));
	ATF_CHECK(strstr(out, "\"sni\":\"a\\\"b\\\\ \\u000a\\u001b\\u007f\\u00e9\\u0000z\",") != NULL);
}

/* Every byte of a line is printable ASCII. */
static bool printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

ATF_TC_WITHOUT_HEAD(worst_case_fits);
ATF_TC_BODY(worst_case_fits, tc)
{
	uint8_t sni[255], alpn[255];
	memset(sni, 0xff, sizeof(sni));
	memset(alpn, 0x01, sizeof(alpn));
	struct frontd_accesslog_entry e = done_entry();
	e.sni = sni;
	e.sni_len = sizeof(sni);
	e.alpn = alpn;
	e.alpn_len = sizeof(alpn);
	e.client_cert = "CN=a subject with spaces";
	e.handshake_us = INT64_MAX;
	e.keyd_us = UINT64_MAX / 2;
	e.bytes_in = e.bytes_out = e.duration_ms = UINT64_MAX;
	e.end = "handshake client alert";
	e.end_detail = "certificate_unobtainable";
	char out[FRONTD_ACCESSLOG_LINE_MAX];
	for (int f = FRONTD_ACCESSLOG_PLAIN; f <= FRONTD_ACCESSLOG_JSON; f++) {
		size_t n = frontd_accesslog_format((enum frontd_accesslog_format)f, &e, out, sizeof(out));
		ATF_CHECK(n < sizeof(out) - 1);
		ATF_CHECK(printable(out));
		/* Whole: it ends with the last field. */
		const char *tail = f == FRONTD_ACCESSLOG_JSON ? "\"end\":\"handshake client alert certificate_unobtainable\"}"
							      : " \"handshake client alert certificate_unobtainable\"";
		ATF_REQUIRE(n >= strlen(tail));
		ATF_CHECK_STREQ(out + n - strlen(tail), tail);
	}
}

ATF_TC_WITHOUT_HEAD(small_buffer);
ATF_TC_BODY(small_buffer, tc)
{
	struct frontd_accesslog_entry e = done_entry();
	char out[11];
	memset(out, 'X', sizeof(out));
	size_t n = frontd_accesslog_format(FRONTD_ACCESSLOG_PLAIN, &e, out, sizeof(out));
	ATF_CHECK_EQ(n, sizeof(out) - 1);
	ATF_CHECK_STREQ(out, "2026-12-06");
	ATF_CHECK_EQ(frontd_accesslog_format(FRONTD_ACCESSLOG_PLAIN, &e, out, 0), 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, plain);
	ATF_TP_ADD_TC(tp, json);
	ATF_TP_ADD_TC(tp, hostile_bytes);
	ATF_TP_ADD_TC(tp, worst_case_fits);
	ATF_TP_ADD_TC(tp, small_buffer);
	return atf_no_error();
}
