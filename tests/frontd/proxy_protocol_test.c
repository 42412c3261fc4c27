/*
 * PROXY protocol headers (frontd/proxy_protocol.h): what frontd sends a
 * backend, byte for byte against the examples and layouts of the
 * specification, and what it accepts from a load balancer: every valid
 * form, each truncation asking for more, and each kind of malformed
 * header refused. Also the listener's trusted-source check.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "frontd/config.h"
#include "frontd/proxy_protocol.h"
#include "tests/moat_test.h"
#include "tests/test_hex.h"

#define SIG "0d0a0d0a000d0a515549540a"

static void addr4(struct sockaddr_storage *ss, socklen_t *len, const char *ip, uint16_t port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	ATF_REQUIRE(inet_pton(AF_INET, ip, &in->sin_addr) == 1);
	*len = (socklen_t)sizeof(*in);
}

static void addr6(struct sockaddr_storage *ss, socklen_t *len, const char *ip, uint16_t port)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof(*ss));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	ATF_REQUIRE(inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1);
	*len = (socklen_t)sizeof(*in6);
}

static void write_text(enum frontd_pp_version v, const struct frontd_pp_addrs *a, const char *want)
{
	uint8_t mem[FRONTD_PP_MAX];
	struct moat_buf b;
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	EXPECT_OK(frontd_pp_write(&b, v, a, NULL));
	ATF_REQUIRE_EQ(b.len, strlen(want));
	ATF_REQUIRE(memcmp(b.data, want, b.len) == 0);
}

ATF_TC_WITHOUT_HEAD(write_v1);
ATF_TC_BODY(write_v1, tc)
{
	struct frontd_pp_addrs a;
	memset(&a, 0, sizeof(a));
	addr4(&a.src, &a.src_len, "192.168.0.1", 56324);
	addr4(&a.dst, &a.dst_len, "192.168.0.11", 443);
	/* The example of spec §2.1. */
	write_text(FRONTD_PP_V1, &a, "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
	addr6(&a.src, &a.src_len, "2001:db8::1", 65535);
	addr6(&a.dst, &a.dst_len, "2001:db8:0:0:0:0:0:ffff", 0);
	write_text(FRONTD_PP_V1, &a, "PROXY TCP6 2001:db8::1 2001:db8::ffff 65535 0\r\n");
	/* Two families, or nothing known: UNKNOWN. */
	addr4(&a.dst, &a.dst_len, "192.168.0.11", 443);
	write_text(FRONTD_PP_V1, &a, "PROXY UNKNOWN\r\n");
	memset(&a, 0, sizeof(a));
	write_text(FRONTD_PP_V1, &a, "PROXY UNKNOWN\r\n");
	write_text(FRONTD_PP_V1, NULL, "PROXY UNKNOWN\r\n");
}

ATF_TC_WITHOUT_HEAD(write_v2);
ATF_TC_BODY(write_v2, tc)
{
	uint8_t mem[FRONTD_PP_MAX];
	struct moat_buf b;
	struct frontd_pp_addrs a;
	memset(&a, 0, sizeof(a));
	addr4(&a.src, &a.src_len, "192.168.0.1", 56324);
	addr4(&a.dst, &a.dst_len, "192.168.0.11", 443);

	/* No TLS facts: the 16 bytes and the 12-byte IPv4 block (spec §2.2). */
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	EXPECT_OK(frontd_pp_write(&b, FRONTD_PP_V2, &a, NULL));
	REQUIRE_HEX(b.data, b.len, SIG "21 11 000c c0a80001 c0a8000b dc04 01bb");

	/* With TLVs: ALPN, AUTHORITY, then SSL (client=SSL, verify non-zero: no client certificate) and its sub-TLVs. */
	struct frontd_pp_tls t = { .alpn = "h2", .sni = "a.test", .version = "TLSv1.3",
				   .cipher = "TLS_AES_128_GCM_SHA256", .group = "x25519" };
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	EXPECT_OK(frontd_pp_write(&b, FRONTD_PP_V2, &a, &t));
	REQUIRE_HEX(b.data, b.len,
		    SIG "21 11 004e c0a80001 c0a8000b dc04 01bb"
			"01 0002 6832"
			"02 0006 612e74657374"
			"20 0031 01 00000001"
			"21 0007 544c5376312e33"
			"23 0016 544c535f4145535f3132385f47434d5f534841323536"
			"26 0006 783235353139");

	/* IPv6: 36 bytes of addresses; unknown endpoints: AF_UNSPEC with no address block. */
	addr6(&a.src, &a.src_len, "2001:db8::1", 1);
	addr6(&a.dst, &a.dst_len, "::1", 2);
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	EXPECT_OK(frontd_pp_write(&b, FRONTD_PP_V2, &a, NULL));
	REQUIRE_HEX(b.data, b.len,
		    SIG "21 21 0024 20010db8000000000000000000000001 00000000000000000000000000000001 0001 0002");
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	EXPECT_OK(frontd_pp_write(&b, FRONTD_PP_V2, NULL, NULL));
	REQUIRE_HEX(b.data, b.len, SIG "21 00 0000");

	/* A client certificate: CERT_CONN, verify 0 when verified, and its CN. */
	struct frontd_pp_tls cert = { .client_cn = "alice", .client_cert_verified = true };
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	EXPECT_OK(frontd_pp_write(&b, FRONTD_PP_V2, NULL, &cert));
	REQUIRE_HEX(b.data, b.len, SIG "21 00 0010 20 000d 03 00000000 22 0005 616c696365");

	/* A header longer than a receiver here would take is not sent. */
	static char big[FRONTD_PP_V2_MAX];
	memset(big, 'x', sizeof(big) - 1);
	struct frontd_pp_tls huge = { .sni = big };
	uint8_t large[4 * FRONTD_PP_V2_MAX];
	moat_buf_init_fixed(&b, large, sizeof(large));
	EXPECT_ERR(frontd_pp_write(&b, FRONTD_PP_V2, NULL, &huge), MOAT_ERR_INVALID_ARG);
	moat_buf_init_fixed(&b, mem, sizeof(mem));
	EXPECT_ERR(frontd_pp_write(&b, FRONTD_PP_OFF, NULL, NULL), MOAT_ERR_INVALID_ARG);

	ATF_REQUIRE_STREQ(frontd_pp_tls_version_name(0x0304), "TLSv1.3");
	ATF_REQUIRE_STREQ(frontd_pp_tls_version_name(0x0303), "TLSv1.2");
	ATF_REQUIRE(frontd_pp_tls_version_name(0x0300) == NULL);
}

/* Parse hex; the header must be whole, take exactly want_len bytes, and every shorter prefix must ask for more. */
static void parse_ok(const uint8_t *data, size_t len, size_t want_len, struct frontd_pp_header *hdr)
{
	for (size_t i = 0; i < want_len; i++) {
		struct frontd_pp_header h;
		moat_error_clear();
		ATF_REQUIRE_MSG(frontd_pp_parse(data, i, &h) == MOAT_FAILURE && moat_errno == MOAT_ERR_IO_BLOCKED,
				"prefix of %zu bytes: %s", i, moat_strerror_name(moat_errno));
	}
	EXPECT_OK(frontd_pp_parse(data, len, hdr));
	ATF_REQUIRE_EQ(hdr->len, want_len);
}

static void parse_text(const char *text, size_t want_len, struct frontd_pp_header *hdr)
{
	parse_ok((const uint8_t *)text, strlen(text), want_len, hdr);
}

static void parse_hex(const char *hex, size_t want_len, struct frontd_pp_header *hdr)
{
	uint8_t buf[FRONTD_PP_MAX + 64];
	size_t n = test_unhex(hex, buf, sizeof(buf));
	parse_ok(buf, n, want_len, hdr);
}

static void require_addr(const struct sockaddr_storage *ss, socklen_t len, const char *want)
{
	char got[64];
	frontd_sockaddr_format(ss, len, got, sizeof(got));
	ATF_REQUIRE_STREQ(got, want);
}

ATF_TC_WITHOUT_HEAD(parse_valid);
ATF_TC_BODY(parse_valid, tc)
{
	struct frontd_pp_header h;
	/* v1: the bytes after the CRLF are not the header's. */
	const char *v1 = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n\x16\x03\x01";
	parse_text(v1, strlen(v1) - 3, &h);
	ATF_REQUIRE_EQ(h.version, FRONTD_PP_V1);
	ATF_REQUIRE(!h.local);
	require_addr(&h.addrs.src, h.addrs.src_len, "192.168.0.1:56324");
	require_addr(&h.addrs.dst, h.addrs.dst_len, "192.168.0.11:443");

	parse_text("PROXY TCP6 2001:db8::1 ::1 0 65535\r\n", 36, &h);
	require_addr(&h.addrs.src, h.addrs.src_len, "[2001:db8::1]:0");
	require_addr(&h.addrs.dst, h.addrs.dst_len, "[::1]:65535");

	/* UNKNOWN: the rest of the line is ignored, the socket's addresses stay. */
	parse_text("PROXY UNKNOWN\r\n", 15, &h);
	ATF_REQUIRE(h.local);
	const char *longest = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
			      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	ATF_REQUIRE_EQ(strlen(longest), (size_t)FRONTD_PP_V1_MAX);
	parse_text(longest, FRONTD_PP_V1_MAX, &h);
	ATF_REQUIRE(h.local);

	/* v2 PROXY over TCP4, with a TLV after the addresses and bytes after the header. */
	parse_hex(SIG "21 11 0011 c0a80001 c0a8000b dc04 01bb 02 0002 6162 160301", 16 + 17, &h);
	ATF_REQUIRE_EQ(h.version, FRONTD_PP_V2);
	ATF_REQUIRE(!h.local);
	require_addr(&h.addrs.src, h.addrs.src_len, "192.168.0.1:56324");
	require_addr(&h.addrs.dst, h.addrs.dst_len, "192.168.0.11:443");
	parse_hex(SIG "21 21 0024 20010db8000000000000000000000001 00000000000000000000000000000001 0001 0002", 52, &h);
	require_addr(&h.addrs.src, h.addrs.src_len, "[2001:db8::1]:1");

	/* LOCAL (a health check): whatever follows, even an address block too short for its family. */
	parse_hex(SIG "20 11 0000", 16, &h);
	ATF_REQUIRE(h.local);
	parse_hex(SIG "20 00 0003 aabbcc", 19, &h);
	ATF_REQUIRE(h.local);
	/* UNSPEC, UDP and AF_UNIX: accepted, the socket's addresses stay. */
	parse_hex(SIG "21 00 0004 01020304", 20, &h);
	ATF_REQUIRE(h.local);
	parse_hex(SIG "21 12 000c c0a80001 c0a8000b dc04 01bb", 28, &h);
	ATF_REQUIRE(h.local);
	char unix_hex[2 * 216 + 64];
	int off = snprintf(unix_hex, sizeof(unix_hex), "%s", SIG "21 31 00d8");
	for (int i = 0; i < 216; i++)
		off += snprintf(unix_hex + off, sizeof(unix_hex) - (size_t)off, "00");
	parse_hex(unix_hex, 16 + 216, &h);
	ATF_REQUIRE(h.local);
}

static void parse_bad_bytes(const uint8_t *data, size_t len, int want, const char *what)
{
	struct frontd_pp_header h;
	moat_error_clear();
	ATF_REQUIRE_MSG(frontd_pp_parse(data, len, &h) == MOAT_FAILURE, "accepted: %s", what);
	ATF_REQUIRE_MSG(moat_errno == want, "%s: %s", what, moat_strerror_name(moat_errno));
}

static void bad_text(const char *text)
{
	parse_bad_bytes((const uint8_t *)text, strlen(text), MOAT_ERR_DECODE, text);
}

static void bad_hex(const char *hex)
{
	uint8_t buf[FRONTD_PP_MAX + 64];
	parse_bad_bytes(buf, test_unhex(hex, buf, sizeof(buf)), MOAT_ERR_DECODE, hex);
}

ATF_TC_WITHOUT_HEAD(parse_malformed);
ATF_TC_BODY(parse_malformed, tc)
{
	/* Not a PROXY header at all: a ClientHello, HTTP, a near miss. Refused at the first wrong byte. */
	bad_hex("16 03 01 00 c8 01");
	bad_text("GET / HTTP/1.1\r\n");
	bad_text("PROXZ");
	bad_text("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
	bad_hex("0d0a0d0a000d0a5155495420");

	/* v1 lines that do not match exactly (spec §2.1). */
	bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n");      /* a lone LF */
	bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX");     /* a lone CR */
	bad_text("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n");   /* two spaces */
	bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n");   /* a trailing space */
	bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n");      /* a field missing */
	bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n");  /* one too many */
	bad_text("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n");
	bad_text("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n");
	bad_text("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n");   /* leading zero: octal confusion */
	bad_text("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n");
	bad_text("PROXY TCP4 ::1 5.6.7.8 1 2\r\n");        /* not the announced family */
	bad_text("PROXY TCP6 1.2.3.4 ::1 1 2\r\n");
	bad_text("PROXY TCP6 ::1 1:2:3:4:5:6:7:8:9 1 2\r\n");
	bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n");
	bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n");
	bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n");
	bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 +2\r\n");
	{
		static const char nul[] = "PROXY TCP4 1.2.3.4\0005.6.7.8 1 2\r\n";
		parse_bad_bytes((const uint8_t *)nul, sizeof(nul) - 1, MOAT_ERR_DECODE, "NUL in the line");
	}
	bad_text("PROXY UNKNOWNX\r\n");
	/* Over-long: no CRLF within 107 bytes, or the CRLF only at bytes 107-108. */
	char line[300];
	memset(line, 0, sizeof(line));
	memcpy(line, "PROXY UNKNOWN ", 14);
	memset(line + 14, 'a', 200);
	bad_text(line);
	memset(line + 14, 'a', FRONTD_PP_V1_MAX - 14 - 1);
	memcpy(line + FRONTD_PP_V1_MAX - 1, "\r\n", 3);
	bad_text(line);

	/* v2: version, command, family, length (spec §2.2). */
	bad_hex(SIG "11 11 000c c0a80001 c0a8000b dc04 01bb"); /* version 1 in the binary format */
	bad_hex(SIG "31 11 000c c0a80001 c0a8000b dc04 01bb"); /* version 3 */
	bad_hex(SIG "22 11 000c c0a80001 c0a8000b dc04 01bb"); /* command 2 */
	bad_hex(SIG "2f 11 000c c0a80001 c0a8000b dc04 01bb");
	bad_hex(SIG "21 41 000c c0a80001 c0a8000b dc04 01bb"); /* family 4 */
	bad_hex(SIG "21 13 000c c0a80001 c0a8000b dc04 01bb"); /* transport 3 */
	bad_hex(SIG "21 10 000c c0a80001 c0a8000b dc04 01bb"); /* a pairing the spec does not list */
	bad_hex(SIG "21 11 000b c0a80001 c0a8000b dc04 01");   /* address block too short */
	bad_hex(SIG "21 21 000c c0a80001 c0a8000b dc04 01bb");
	bad_hex(SIG "21 11 000e c0a80001 c0a8000b dc04 01bb 02 00"); /* a TLV cut short */
	bad_hex(SIG "21 11 0010 c0a80001 c0a8000b dc04 01bb 02 0009 61"); /* a TLV longer than the header */
	/* A length past what frontd takes: refused before waiting for it. */
	bad_hex(SIG "21 11 ffff c0a80001 c0a8000b dc04 01bb");
	char hex[64];
	snprintf(hex, sizeof(hex), SIG "21 00 %04x", FRONTD_PP_V2_MAX - 16 + 1);
	bad_hex(hex);

	/* A length beyond the data: more is needed (the caller's first-byte timeout bounds the wait). */
	uint8_t buf[64];
	size_t n = test_unhex(SIG "21 11 0100 c0a80001 c0a8000b dc04 01bb", buf, sizeof(buf));
	parse_bad_bytes(buf, n, MOAT_ERR_IO_BLOCKED, "length beyond the data");
	parse_bad_bytes(buf, 0, MOAT_ERR_IO_BLOCKED, "nothing yet");
}

/* What frontd writes, it reads back the same (v1 and v2, IPv4 and IPv6). */
ATF_TC_WITHOUT_HEAD(round_trip);
ATF_TC_BODY(round_trip, tc)
{
	struct frontd_pp_tls t = { .alpn = "http/1.1", .sni = "b.test", .version = "TLSv1.2", .cipher = "X" };
	for (int v = FRONTD_PP_V1; v <= FRONTD_PP_V2; v++) {
		for (int six = 0; six <= 1; six++) {
			struct frontd_pp_addrs a;
			struct frontd_pp_header h;
			uint8_t mem[FRONTD_PP_MAX];
			struct moat_buf b;
			memset(&a, 0, sizeof(a));
			if (six) {
				addr6(&a.src, &a.src_len, "fe80::1:2", 12345);
				addr6(&a.dst, &a.dst_len, "2001:db8::7", 443);
			} else {
				addr4(&a.src, &a.src_len, "203.0.113.9", 12345);
				addr4(&a.dst, &a.dst_len, "198.51.100.1", 443);
			}
			moat_buf_init_fixed(&b, mem, sizeof(mem));
			EXPECT_OK(frontd_pp_write(&b, (enum frontd_pp_version)v, &a, &t));
			parse_ok(b.data, b.len, b.len, &h);
			ATF_REQUIRE_EQ((int)h.version, v);
			ATF_REQUIRE(!h.local);
			ATF_REQUIRE_EQ(h.addrs.src_len, a.src_len);
			ATF_REQUIRE(memcmp(&h.addrs.src, &a.src, a.src_len) == 0);
			ATF_REQUIRE(memcmp(&h.addrs.dst, &a.dst, a.dst_len) == 0);
		}
	}
}

ATF_TC_WITHOUT_HEAD(trusted_sources);
ATF_TC_BODY(trusted_sources, tc)
{
	struct frontd_listen l;
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&l, 0, sizeof(l));
	l.trusted[0] = (struct frontd_cidr){ .family = AF_INET, .addr = { 10, 1, 0, 0 }, .prefix = 12 };
	l.trusted[1] = (struct frontd_cidr){ .family = AF_INET6, .addr = { 0x20, 0x01, 0x0d, 0xb8 }, .prefix = 32 };
	l.trusted[2] = (struct frontd_cidr){ .family = AF_INET, .addr = { 127, 0, 0, 1 }, .prefix = 32 };
	l.trusted_count = 3;
	addr4(&ss, &len, "10.15.255.255", 1);
	ATF_REQUIRE(frontd_listen_trusts(&l, &ss, len));
	addr4(&ss, &len, "10.16.0.0", 1);
	ATF_REQUIRE(!frontd_listen_trusts(&l, &ss, len));
	addr4(&ss, &len, "127.0.0.1", 1);
	ATF_REQUIRE(frontd_listen_trusts(&l, &ss, len));
	addr4(&ss, &len, "127.0.0.2", 1);
	ATF_REQUIRE(!frontd_listen_trusts(&l, &ss, len));
	addr6(&ss, &len, "2001:db8:ffff::1", 1);
	ATF_REQUIRE(frontd_listen_trusts(&l, &ss, len));
	addr6(&ss, &len, "2001:db9::1", 1);
	ATF_REQUIRE(!frontd_listen_trusts(&l, &ss, len));
	/* An IPv4 peer on an IPv6 socket is matched as IPv4. */
	addr6(&ss, &len, "::ffff:10.1.2.3", 1);
	ATF_REQUIRE(frontd_listen_trusts(&l, &ss, len));
	addr6(&ss, &len, "::ffff:10.16.2.3", 1);
	ATF_REQUIRE(!frontd_listen_trusts(&l, &ss, len));
	/* A short address length is never trusted. */
	addr4(&ss, &len, "127.0.0.1", 1);
	ATF_REQUIRE(!frontd_listen_trusts(&l, &ss, 4));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, write_v1);
	ATF_TP_ADD_TC(tp, write_v2);
	ATF_TP_ADD_TC(tp, parse_valid);
	ATF_TP_ADD_TC(tp, parse_malformed);
	ATF_TP_ADD_TC(tp, round_trip);
	ATF_TP_ADD_TC(tp, trusted_sources);
	return atf_no_error();
}
