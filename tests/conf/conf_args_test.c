/*
 * The typed argument helpers the daemons read the tree with, each at its
 * bounds: unsigned integers at min, max and max+1 and past UINT64_MAX,
 * durations and sizes with every suffix and at overflow, booleans, socket
 * addresses (IPv4, IPv6, '*', localhost, missing port, port 0 and 65536,
 * garbage), argument counts, blocks, unknown names, duplicates, and the
 * exact "file:line: message" of each failure, including how hostile
 * argument text is escaped and shortened in it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "tests/conf/conf_check.h"

#define FIRST(conf) (&(conf)->root.children[0])

/* call must fail with MOAT_ERR_CONFIG and leave exactly msg in conf. */
#define EXPECT_CONF_FAIL(conf, call, msg) \
	do { \
		moat_error_clear(); \
		int rc_ = (call); \
		ATF_CHECK_MSG(rc_ == MOAT_FAILURE, "%s succeeded, expected \"%s\"", #call, (msg)); \
		ATF_CHECK_MSG(moat_errno == MOAT_ERR_CONFIG, "%s: got %s", #call, moat_strerror_name(moat_errno)); \
		ATF_CHECK_STREQ((msg), moat_conf_error(conf)); \
	} while (0)

ATF_TC_WITHOUT_HEAD(uint_bounds);
ATF_TC_BODY(uint_bounds, tc)
{
	struct moat_conf conf;
	const struct moat_conf_node *n;
	uint64_t v;

	PARSE_OK(&conf, "n 0 1 18446744073709551615 18446744073709551616 abc -1 +1 1.5 \"\" 010 5 \" 5\" "
			"99999999999999999999999999 0x10 5k");
	n = FIRST(&conf);
	EXPECT_OK(moat_conf_arg_uint(&conf, n, 0, 0, 0, &v));
	ATF_CHECK_EQ(v, 0);
	EXPECT_OK(moat_conf_arg_uint(&conf, n, 1, 1, 1, &v));
	ATF_CHECK_EQ(v, 1);
	EXPECT_OK(moat_conf_arg_uint(&conf, n, 2, 0, UINT64_MAX, &v));
	ATF_CHECK_EQ(v, UINT64_MAX);
	EXPECT_OK(moat_conf_arg_uint(&conf, n, 9, 0, 100, &v));
	ATF_CHECK_EQ(v, 10);

	/* min, max, and one past either side. */
	EXPECT_OK(moat_conf_arg_uint(&conf, n, 10, 5, 5, &v));
	ATF_CHECK_EQ(v, 5);
	v = 42;
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 10, 6, 10, &v),
			 "t.conf:1: \"n\": \"5\" is out of range (6..10)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 10, 0, 4, &v),
			 "t.conf:1: \"n\": \"5\" is out of range (0..4)");
	ATF_CHECK_EQ(v, 42); /* untouched on failure */
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 0, 1, 10, &v),
			 "t.conf:1: \"n\": \"0\" is out of range (1..10)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 2, 0, UINT64_MAX - 1, &v),
			 "t.conf:1: \"n\": \"18446744073709551615\" is out of range (0..18446744073709551614)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 3, 0, UINT64_MAX, &v),
			 "t.conf:1: \"n\": \"18446744073709551616\" is out of range (0..18446744073709551615)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 12, 0, UINT64_MAX, &v),
			 "t.conf:1: \"n\": \"99999999999999999999999999\" is out of range (0..18446744073709551615)");

	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 4, 0, 10, &v), "t.conf:1: \"n\": \"abc\" is not a number");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 5, 0, 10, &v), "t.conf:1: \"n\": \"-1\" is not a number");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 6, 0, 10, &v), "t.conf:1: \"n\": \"+1\" is not a number");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 7, 0, 10, &v), "t.conf:1: \"n\": \"1.5\" is not a number");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 8, 0, 10, &v), "t.conf:1: \"n\": \"\" is not a number");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 11, 0, 10, &v), "t.conf:1: \"n\": \" 5\" is not a number");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 13, 0, 99, &v), "t.conf:1: \"n\": \"0x10\" is not a number");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 14, 0, 99, &v), "t.conf:1: \"n\": \"5k\" is not a number");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, n, 15, 0, 10, &v), "t.conf:1: \"n\" is missing argument 16");
	EXPECT_ERR(moat_conf_arg_uint(&conf, n, 0, 0, 10, NULL), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_conf_arg_uint(&conf, NULL, 0, 0, 10, &v), MOAT_ERR_NULL_ARG);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(durations);
ATF_TC_BODY(durations, tc)
{
	static const struct {
		const char *text;
		uint64_t ms;
	} good[] = {
		{ "250ms", 250 },
		{ "10s", 10000 },
		{ "5m", 300000 },
		{ "1h", 3600000 },
		{ "7", 7000 },
		{ "0", 0 },
		{ "0ms", 0 },
		{ "18446744073709551615ms", UINT64_MAX },
		{ "18446744073709551", UINT64_C(18446744073709551000) },
		{ "5124095576030h", UINT64_C(18446744073708000000) },
	};
	static const char *const bad[] = { "10x", "ms", "", "1.5s", "5M", "1H", "-1s", "1 s", "s10", "1sm", "1d" };
	static const char *const too_long[] = { "18446744073709551616ms", "18446744073709551616", "18446744073709552",
						"18446744073709552s", "5124095576031h" };
	struct moat_conf conf;
	char text[256], msg[256];
	uint64_t ms;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		(void)snprintf(text, sizeof(text), "timeout \"%s\"", good[i].text);
		PARSE_OK(&conf, text);
		EXPECT_OK(moat_conf_arg_duration_ms(&conf, FIRST(&conf), 0, &ms));
		ATF_CHECK_EQ_MSG(ms, good[i].ms, "%s", good[i].text);
		moat_conf_free(&conf);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(text, sizeof(text), "timeout \"%s\"", bad[i]);
		(void)snprintf(msg, sizeof(msg),
			       "t.conf:1: \"timeout\": \"%s\" is not a duration (a number with ms, s, m or h)", bad[i]);
		PARSE_OK(&conf, text);
		EXPECT_CONF_FAIL(&conf, moat_conf_arg_duration_ms(&conf, FIRST(&conf), 0, &ms), msg);
		moat_conf_free(&conf);
	}
	for (size_t i = 0; i < sizeof(too_long) / sizeof(too_long[0]); i++) {
		(void)snprintf(text, sizeof(text), "\ntimeout %s", too_long[i]);
		(void)snprintf(msg, sizeof(msg), "t.conf:2: \"timeout\": \"%s\" is too long a duration", too_long[i]);
		PARSE_OK(&conf, text);
		EXPECT_CONF_FAIL(&conf, moat_conf_arg_duration_ms(&conf, FIRST(&conf), 0, &ms), msg);
		moat_conf_free(&conf);
	}
	PARSE_OK(&conf, "timeout");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_duration_ms(&conf, FIRST(&conf), 0, &ms),
			 "t.conf:1: \"timeout\" is missing argument 1");
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(booleans);
ATF_TC_BODY(booleans, tc)
{
	static const bool want[] = { true, false, true, false, true, false };
	struct moat_conf conf;
	const struct moat_conf_node *n;
	bool b;

	PARSE_OK(&conf, "b yes no on off true false Yes 1 \"\" yess \"no \"");
	n = FIRST(&conf);
	for (size_t i = 0; i < 6; i++) {
		b = !want[i];
		EXPECT_OK(moat_conf_arg_bool(&conf, n, i, &b));
		ATF_CHECK_EQ_MSG(b, want[i], "%s", n->args[i].text);
	}
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_bool(&conf, n, 6, &b),
			 "t.conf:1: \"b\": \"Yes\" is not yes/no, on/off or true/false");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_bool(&conf, n, 7, &b),
			 "t.conf:1: \"b\": \"1\" is not yes/no, on/off or true/false");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_bool(&conf, n, 8, &b),
			 "t.conf:1: \"b\": \"\" is not yes/no, on/off or true/false");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_bool(&conf, n, 9, &b),
			 "t.conf:1: \"b\": \"yess\" is not yes/no, on/off or true/false");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_bool(&conf, n, 10, &b),
			 "t.conf:1: \"b\": \"no \" is not yes/no, on/off or true/false");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_bool(&conf, n, 11, &b), "t.conf:1: \"b\" is missing argument 12");
	moat_conf_free(&conf);
}

/* A keyword out of a list: its index; anything else names the list ("a or b", "a, b or c"). */
ATF_TC_WITHOUT_HEAD(choices);
ATF_TC_BODY(choices, tc)
{
	static const char *const two[] = { "v1", "v2" };
	static const char *const three[] = { "low", "mid", "high" };
	struct moat_conf conf;
	const struct moat_conf_node *n;
	size_t w = 9;

	PARSE_OK(&conf, "c v2 high V1 \"\"");
	n = FIRST(&conf);
	EXPECT_OK(moat_conf_arg_choice(&conf, n, 0, two, 2, &w));
	ATF_CHECK_EQ(w, 1);
	EXPECT_OK(moat_conf_arg_choice(&conf, n, 1, three, 3, &w));
	ATF_CHECK_EQ(w, 2);
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_choice(&conf, n, 2, two, 2, &w), "t.conf:1: \"c\": \"V1\" is not v1 or v2");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_choice(&conf, n, 3, three, 3, &w),
			 "t.conf:1: \"c\": \"\" is not low, mid or high");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_choice(&conf, n, 4, two, 2, &w), "t.conf:1: \"c\" is missing argument 5");
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(sizes);
ATF_TC_BODY(sizes, tc)
{
	struct moat_conf conf;
	const struct moat_conf_node *n;
	uint64_t v;

	PARSE_OK(&conf, "s 0 1024 64k 16m 1g 1G 1K 2M 1kb k 17179869183g 17179869184g 18446744073709551615 1.5k "
			"18446744073709551616 -1k");
	n = FIRST(&conf);
	EXPECT_OK(moat_conf_arg_size(&conf, n, 0, 0, 0, &v));
	ATF_CHECK_EQ(v, 0);
	EXPECT_OK(moat_conf_arg_size(&conf, n, 1, 1024, 1024, &v));
	ATF_CHECK_EQ(v, 1024);
	EXPECT_OK(moat_conf_arg_size(&conf, n, 2, 1024, 65536, &v));
	ATF_CHECK_EQ(v, 65536);
	EXPECT_OK(moat_conf_arg_size(&conf, n, 3, 0, UINT64_MAX, &v));
	ATF_CHECK_EQ(v, 16777216);
	EXPECT_OK(moat_conf_arg_size(&conf, n, 4, 0, UINT64_MAX, &v));
	ATF_CHECK_EQ(v, 1073741824);
	EXPECT_OK(moat_conf_arg_size(&conf, n, 5, 0, UINT64_MAX, &v));
	ATF_CHECK_EQ(v, 1073741824);
	EXPECT_OK(moat_conf_arg_size(&conf, n, 6, 0, UINT64_MAX, &v));
	ATF_CHECK_EQ(v, 1024);
	EXPECT_OK(moat_conf_arg_size(&conf, n, 7, 0, UINT64_MAX, &v));
	ATF_CHECK_EQ(v, 2097152);
	EXPECT_OK(moat_conf_arg_size(&conf, n, 10, 0, UINT64_MAX, &v));
	ATF_CHECK_EQ(v, UINT64_MAX - (UINT64_C(1) << 30) + 1);
	EXPECT_OK(moat_conf_arg_size(&conf, n, 12, 0, UINT64_MAX, &v));
	ATF_CHECK_EQ(v, UINT64_MAX);

	EXPECT_CONF_FAIL(&conf, moat_conf_arg_size(&conf, n, 2, 1024, 65535, &v),
			 "t.conf:1: \"s\": \"64k\" is out of range (1024..65535 bytes)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_size(&conf, n, 2, 65537, 1048576, &v),
			 "t.conf:1: \"s\": \"64k\" is out of range (65537..1048576 bytes)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_size(&conf, n, 0, 1, 10, &v),
			 "t.conf:1: \"s\": \"0\" is out of range (1..10 bytes)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_size(&conf, n, 11, 0, UINT64_MAX, &v),
			 "t.conf:1: \"s\": \"17179869184g\" is out of range (0..18446744073709551615 bytes)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_size(&conf, n, 14, 0, UINT64_MAX, &v),
			 "t.conf:1: \"s\": \"18446744073709551616\" is out of range (0..18446744073709551615 bytes)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_size(&conf, n, 8, 0, UINT64_MAX, &v),
			 "t.conf:1: \"s\": \"1kb\" is not a size (bytes, or a number with k, m or g)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_size(&conf, n, 9, 0, UINT64_MAX, &v),
			 "t.conf:1: \"s\": \"k\" is not a size (bytes, or a number with k, m or g)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_size(&conf, n, 13, 0, UINT64_MAX, &v),
			 "t.conf:1: \"s\": \"1.5k\" is not a size (bytes, or a number with k, m or g)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_size(&conf, n, 15, 0, UINT64_MAX, &v),
			 "t.conf:1: \"s\": \"-1k\" is not a size (bytes, or a number with k, m or g)");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_size(&conf, n, 16, 0, UINT64_MAX, &v),
			 "t.conf:1: \"s\" is missing argument 17");
	moat_conf_free(&conf);
}

static void sockaddr_ok(const char *text, int family, const char *addr, uint16_t port)
{
	struct moat_conf conf;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char conf_text[128];

	(void)snprintf(conf_text, sizeof(conf_text), "listen \"%s\"", text);
	PARSE_OK(&conf, conf_text);
	memset(&ss, 0xa5, sizeof(ss));
	EXPECT_OK(moat_conf_arg_sockaddr(&conf, FIRST(&conf), 0, &ss, &len));
	ATF_REQUIRE_EQ_MSG(ss.ss_family, family, "%s", text);
	if (family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
		struct in_addr want;
		ATF_REQUIRE_EQ(inet_pton(AF_INET, addr, &want), 1);
		ATF_CHECK_EQ_MSG(len, sizeof(*sin), "%s", text);
		ATF_CHECK_EQ_MSG(sin->sin_addr.s_addr, want.s_addr, "%s", text);
		ATF_CHECK_EQ_MSG(ntohs(sin->sin_port), port, "%s", text);
		ATF_CHECK_EQ(memcmp(sin->sin_zero, "\0\0\0\0\0\0\0\0", 8), 0);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
		struct in6_addr want;
		ATF_REQUIRE_EQ(inet_pton(AF_INET6, addr, &want), 1);
		ATF_CHECK_EQ_MSG(len, sizeof(*sin6), "%s", text);
		ATF_CHECK_MSG(memcmp(&sin6->sin6_addr, &want, sizeof(want)) == 0, "%s", text);
		ATF_CHECK_EQ_MSG(ntohs(sin6->sin6_port), port, "%s", text);
		ATF_CHECK_EQ(sin6->sin6_flowinfo, 0);
		ATF_CHECK_EQ(sin6->sin6_scope_id, 0);
	}
	moat_conf_free(&conf);
}

static void sockaddr_bad(const char *text, const char *msg)
{
	struct moat_conf conf;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char conf_text[256];

	(void)snprintf(conf_text, sizeof(conf_text), "\nlisten \"%s\"", text);
	PARSE_OK(&conf, conf_text);
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_sockaddr(&conf, FIRST(&conf), 0, &ss, &len), msg);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(socket_addresses);
ATF_TC_BODY(socket_addresses, tc)
{
	struct moat_conf conf;
	struct sockaddr_storage ss;
	socklen_t len;
	char long_host[128], want[256];

	sockaddr_ok("127.0.0.1:8443", AF_INET, "127.0.0.1", 8443);
	sockaddr_ok("0.0.0.0:65535", AF_INET, "0.0.0.0", 65535);
	sockaddr_ok("192.0.2.255:1", AF_INET, "192.0.2.255", 1);
	sockaddr_ok("*:80", AF_INET, "0.0.0.0", 80);
	sockaddr_ok("localhost:1", AF_INET, "127.0.0.1", 1);
	sockaddr_ok("[::1]:443", AF_INET6, "::1", 443);
	sockaddr_ok("[::]:8443", AF_INET6, "::", 8443);
	sockaddr_ok("[2001:db8::42]:65535", AF_INET6, "2001:db8::42", 65535);
	sockaddr_ok("[::ffff:192.0.2.1]:1", AF_INET6, "::ffff:192.0.2.1", 1);

	sockaddr_bad("1.2.3.4", "t.conf:2: \"listen\": \"1.2.3.4\" has no port (write host:port)");
	sockaddr_bad("localhost", "t.conf:2: \"listen\": \"localhost\" has no port (write host:port)");
	sockaddr_bad("", "t.conf:2: \"listen\": \"\" has no port (write host:port)");
	sockaddr_bad("[::1]", "t.conf:2: \"listen\": \"[::1]\" has no port (write [address]:port)");
	sockaddr_bad("[::1]443", "t.conf:2: \"listen\": \"[::1]443\" has no port (write [address]:port)");
	sockaddr_bad("1.2.3.4:0", "t.conf:2: \"listen\": \"1.2.3.4:0\": port is out of range (1..65535)");
	sockaddr_bad("*:0", "t.conf:2: \"listen\": \"*:0\": port is out of range (1..65535)");
	sockaddr_bad("[::]:0", "t.conf:2: \"listen\": \"[::]:0\": port is out of range (1..65535)");
	sockaddr_bad("1.2.3.4:65536", "t.conf:2: \"listen\": \"1.2.3.4:65536\": port is out of range (1..65535)");
	sockaddr_bad("[::1]:65536", "t.conf:2: \"listen\": \"[::1]:65536\": port is out of range (1..65535)");
	sockaddr_bad("1.2.3.4:99999999999999999999999",
		     "t.conf:2: \"listen\": \"1.2.3.4:99999999999999999999999\": port is out of range (1..65535)");
	sockaddr_bad("1.2.3.4:", "t.conf:2: \"listen\": \"1.2.3.4:\" has no valid port (a number 1..65535)");
	sockaddr_bad("1.2.3.4:http", "t.conf:2: \"listen\": \"1.2.3.4:http\" has no valid port (a number 1..65535)");
	sockaddr_bad("1.2.3.4:-1", "t.conf:2: \"listen\": \"1.2.3.4:-1\" has no valid port (a number 1..65535)");
	sockaddr_bad("[::1]:+1", "t.conf:2: \"listen\": \"[::1]:+1\" has no valid port (a number 1..65535)");
	sockaddr_bad("[::1]:443x", "t.conf:2: \"listen\": \"[::1]:443x\" has no valid port (a number 1..65535)");
	sockaddr_bad("example.com:443", "t.conf:2: \"listen\": \"example.com:443\" is not a numeric address, '*' or "
					"localhost (no DNS at config time)");
	sockaddr_bad("1.2.3:80", "t.conf:2: \"listen\": \"1.2.3:80\" is not a numeric address, '*' or localhost "
				 "(no DNS at config time)");
	sockaddr_bad("1.2.3.256:80", "t.conf:2: \"listen\": \"1.2.3.256:80\" is not a numeric address, '*' or "
				     "localhost (no DNS at config time)");
	sockaddr_bad(":443", "t.conf:2: \"listen\": \":443\" is not a numeric address, '*' or localhost "
			     "(no DNS at config time)");
	sockaddr_bad("**:443", "t.conf:2: \"listen\": \"**:443\" is not a numeric address, '*' or localhost "
			       "(no DNS at config time)");
	sockaddr_bad("::1:443",
		     "t.conf:2: \"listen\": \"::1:443\": an IPv6 address must be in brackets ([address]:port)");
	sockaddr_bad("[::1:443", "t.conf:2: \"listen\": \"[::1:443\" has '[' without ']'");
	sockaddr_bad("[1.2.3.4]:80", "t.conf:2: \"listen\": \"[1.2.3.4]:80\" is not a numeric IPv6 address");
	sockaddr_bad("[fe80::1%eth0]:443", "t.conf:2: \"listen\": \"[fe80::1%eth0]:443\" is not a numeric IPv6 address");
	sockaddr_bad("[]:443", "t.conf:2: \"listen\": \"[]:443\" is not a numeric IPv6 address");
	sockaddr_bad("[*]:443", "t.conf:2: \"listen\": \"[*]:443\" is not a numeric IPv6 address");
	sockaddr_bad("garbage", "t.conf:2: \"listen\": \"garbage\" has no port (write host:port)");

	/* A host longer than any address is refused before it is copied. */
	memset(long_host, '1', 60);
	memcpy(long_host + 60, ":80", 4);
	(void)snprintf(want, sizeof(want),
		       "t.conf:2: \"listen\": \"%.55s\"... is not a numeric address, '*' or localhost", long_host);
	sockaddr_bad(long_host, want);
	long_host[0] = '[';
	memcpy(long_host + 60, "]:80", 5);
	(void)snprintf(want, sizeof(want),
		       "t.conf:2: \"listen\": \"%.55s\"... is not a numeric address, '*' or localhost", long_host);
	sockaddr_bad(long_host, want);

	PARSE_OK(&conf, "listen");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_sockaddr(&conf, FIRST(&conf), 0, &ss, &len),
			 "t.conf:1: \"listen\" is missing argument 1");
	EXPECT_ERR(moat_conf_arg_sockaddr(&conf, FIRST(&conf), 0, NULL, &len), MOAT_ERR_NULL_ARG);
	EXPECT_ERR(moat_conf_arg_sockaddr(&conf, FIRST(&conf), 0, &ss, NULL), MOAT_ERR_NULL_ARG);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(argument_counts_and_blocks);
ATF_TC_BODY(argument_counts_and_blocks, tc)
{
	struct moat_conf conf;
	const struct moat_conf_node *a, *b, *c, *d;
	const char *text;

	PARSE_OK(&conf, "a\nb 1\nc 1 2\nd 1 2 3 { }\n");
	a = &conf.root.children[0];
	b = &conf.root.children[1];
	c = &conf.root.children[2];
	d = &conf.root.children[3];
	EXPECT_OK(moat_conf_expect_args(&conf, a, 0, 0));
	EXPECT_OK(moat_conf_expect_args(&conf, b, 1, 1));
	EXPECT_OK(moat_conf_expect_args(&conf, c, 0, 2));
	EXPECT_OK(moat_conf_expect_args(&conf, d, 1, SIZE_MAX));
	EXPECT_CONF_FAIL(&conf, moat_conf_expect_args(&conf, b, 0, 0), "t.conf:2: \"b\" takes no arguments, got 1");
	EXPECT_CONF_FAIL(&conf, moat_conf_expect_args(&conf, c, 1, 1),
			 "t.conf:3: \"c\" takes exactly 1 argument, got 2");
	EXPECT_CONF_FAIL(&conf, moat_conf_expect_args(&conf, a, 2, 2),
			 "t.conf:1: \"a\" takes exactly 2 arguments, got 0");
	EXPECT_CONF_FAIL(&conf, moat_conf_expect_args(&conf, a, 1, 3),
			 "t.conf:1: \"a\" takes at least 1 argument, got 0");
	EXPECT_CONF_FAIL(&conf, moat_conf_expect_args(&conf, b, 2, 3),
			 "t.conf:2: \"b\" takes at least 2 arguments, got 1");
	EXPECT_CONF_FAIL(&conf, moat_conf_expect_args(&conf, d, 1, 2),
			 "t.conf:4: \"d\" takes at most 2 arguments, got 3");
	EXPECT_CONF_FAIL(&conf, moat_conf_expect_args(&conf, c, 0, 1),
			 "t.conf:3: \"c\" takes at most 1 argument, got 2");

	EXPECT_OK(moat_conf_expect_block(&conf, d));
	EXPECT_OK(moat_conf_expect_no_block(&conf, a));
	EXPECT_CONF_FAIL(&conf, moat_conf_expect_block(&conf, c), "t.conf:3: \"c\" needs a { } block");
	EXPECT_CONF_FAIL(&conf, moat_conf_expect_no_block(&conf, d), "t.conf:4: \"d\" takes no block");

	EXPECT_OK(moat_conf_arg_text(&conf, c, 1, &text));
	ATF_CHECK_STREQ("2", text);
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_text(&conf, c, 2, &text), "t.conf:3: \"c\" is missing argument 3");
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(unknown_names);
ATF_TC_BODY(unknown_names, tc)
{
	static const char *const top[] = { "user", "site", "listen" };
	static const char *const top_short[] = { "user", "site" };
	static const char *const site[] = { "cert" };
	static const char *const site_wrong_case[] = { "Cert", "bogus" };
	struct moat_conf conf;
	const struct moat_conf_node *s;

	PARSE_OK(&conf, "user a\nsite x {\n\tcert y\n\tbogus 1\n}\nlisten z\n");
	s = &conf.root.children[1];
	EXPECT_OK(moat_conf_check_names(&conf, &conf.root, top, 3));
	EXPECT_CONF_FAIL(&conf, moat_conf_check_names(&conf, &conf.root, top_short, 2),
			 "t.conf:6: unknown directive \"listen\"");
	EXPECT_CONF_FAIL(&conf, moat_conf_check_names(&conf, s, site, 1),
			 "t.conf:4: unknown directive \"bogus\" in the \"site\" block");
	EXPECT_CONF_FAIL(&conf, moat_conf_check_names(&conf, &conf.root, NULL, 0),
			 "t.conf:1: unknown directive \"user\"");
	/* Names are case-sensitive. */
	EXPECT_CONF_FAIL(&conf, moat_conf_check_names(&conf, s, site_wrong_case, 2),
			 "t.conf:3: unknown directive \"cert\" in the \"site\" block");
	/* A directive without children passes any table. */
	EXPECT_OK(moat_conf_check_names(&conf, &s->children[0], NULL, 0));
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(find_and_duplicates);
ATF_TC_BODY(find_and_duplicates, tc)
{
	struct moat_conf conf;
	const struct moat_conf_node *n;

	PARSE_OK(&conf, "user a\nsite x\n\nuser b\n");
	n = moat_conf_find(&conf.root, "user");
	ATF_REQUIRE(n != NULL);
	ATF_CHECK_EQ(n->line, 1);
	ATF_CHECK(moat_conf_find(&conf.root, "nope") == NULL);
	ATF_CHECK(moat_conf_find(NULL, "user") == NULL);
	ATF_CHECK(moat_conf_find(&conf.root, NULL) == NULL);

	EXPECT_OK(moat_conf_find_unique(&conf, &conf.root, "site", &n));
	ATF_REQUIRE(n != NULL);
	ATF_CHECK_EQ(n->line, 2);
	EXPECT_OK(moat_conf_find_unique(&conf, &conf.root, "nope", &n));
	ATF_CHECK(n == NULL);
	EXPECT_CONF_FAIL(&conf, moat_conf_find_unique(&conf, &conf.root, "user", &n),
			 "t.conf:4: \"user\" given twice (first at t.conf:1)");
	ATF_CHECK(n == NULL);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(fail_formats_location);
ATF_TC_BODY(fail_formats_location, tc)
{
	struct moat_conf conf;

	PARSE_OK(&conf, "a\nkey \"x\"\n");
	EXPECT_CONF_FAIL(&conf, moat_conf_fail(&conf, &conf.root.children[1], "cannot load %s (%d)", "x", 3),
			 "t.conf:2: cannot load x (3)");
	/* The root has no line: the file alone is the place. */
	EXPECT_CONF_FAIL(&conf, moat_conf_fail(&conf, &conf.root, "no \"user\" directive"),
			 "t.conf: no \"user\" directive");
	EXPECT_CONF_FAIL(&conf, moat_conf_fail(&conf, NULL, "no location"), "no location");
	EXPECT_ERR(moat_conf_fail(NULL, NULL, "x"), MOAT_ERR_NULL_ARG);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(hostile_text_in_messages);
ATF_TC_BODY(hostile_text_in_messages, tc)
{
	struct moat_conf conf;
	uint64_t v;
	char *text, want[256];

	PARSE_OK(&conf, "n \"a\\nb\\\"\\\\\t\xc3\xa9\"");
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, FIRST(&conf), 0, 0, 1, &v),
			 "t.conf:1: \"n\": \"a\\nb\\\"\\\\\\t\\xc3\\xa9\" is not a number");
	moat_conf_free(&conf);

	/* A 4096-byte argument is cut to about fifty characters. */
	text = malloc(4096 + 8);
	ATF_REQUIRE(text != NULL);
	memcpy(text, "n ", 2);
	memset(text + 2, 'x', 4096);
	text[4098] = '\0';
	PARSE_OK(&conf, text);
	memcpy(want, "t.conf:1: \"n\": \"", 16);
	memset(want + 16, 'x', 55);
	memcpy(want + 16 + 55, "\"... is not a number", 21);
	EXPECT_CONF_FAIL(&conf, moat_conf_arg_uint(&conf, FIRST(&conf), 0, 0, 1, &v), want);
	moat_conf_free(&conf);
	free(text);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, uint_bounds);
	ATF_TP_ADD_TC(tp, durations);
	ATF_TP_ADD_TC(tp, booleans);
	ATF_TP_ADD_TC(tp, choices);
	ATF_TP_ADD_TC(tp, sizes);
	ATF_TP_ADD_TC(tp, socket_addresses);
	ATF_TP_ADD_TC(tp, argument_counts_and_blocks);
	ATF_TP_ADD_TC(tp, unknown_names);
	ATF_TP_ADD_TC(tp, find_and_duplicates);
	ATF_TP_ADD_TC(tp, fail_formats_location);
	ATF_TP_ADD_TC(tp, hostile_text_in_messages);
	return atf_no_error();
}
