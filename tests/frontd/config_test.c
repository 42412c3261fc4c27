/*
 * moat-frontd.conf interpretation from text: defaults and values, and for
 * each kind of mistake that needs no certificate file the exact
 * "file:line: message" (the ones about certificate files are in
 * frontd_test, which makes real files).
 */
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "frontd/config.h"
#include "tests/moat_test.h"

static void bad(const char *text, const char *want)
{
	struct frontd_config cfg;
	struct moat_conf conf;
	moat_error_clear();
	int rc = frontd_config_load_string(&cfg, &conf, "t.conf", text);
	ATF_REQUIRE_MSG(rc == MOAT_FAILURE, "accepted:\n%s", text);
	ATF_REQUIRE_EQ_MSG(moat_errno, MOAT_ERR_CONFIG, "error %s", moat_strerror_name(moat_errno));
	ATF_REQUIRE_STREQ(moat_conf_error(&conf), want);
	ATF_REQUIRE(strchr(moat_conf_error(&conf), '\n') == NULL);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(missing_directives);
ATF_TC_BODY(missing_directives, tc)
{
	bad("listen 127.0.0.1:8443\n", "t.conf:1: no \"keyd\" directive: frontd needs moat-keyd's socket");
	bad("# comment\nkeyd \"/run/k.sock\"\n", "t.conf:1: no \"listen\" directive");
	bad("keyd \"/run/k.sock\"\nlisten 127.0.0.1:8443\n", "t.conf:1: no \"site\" block");
}

ATF_TC_WITHOUT_HEAD(unknown_directives);
ATF_TC_BODY(unknown_directives, tc)
{
	bad("keyd \"/k\"\nlisen 127.0.0.1:8443\n", "t.conf:2: unknown directive \"lisen\"");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1\nsite \"a.test\" {\n\tbackend 127.0.0.1:2\n\tcertficate \"x.pem\"\n}\n",
	    "t.conf:5: unknown directive \"certficate\" in the \"site\" block");
}

ATF_TC_WITHOUT_HEAD(bad_values);
ATF_TC_BODY(bad_values, tc)
{
	bad("keyd \"/k\"\nlisten 127.0.0.1\n", "t.conf:2: \"listen\": \"127.0.0.1\" has no port (write host:port)");
	bad("keyd \"/k\"\nlisten example.com:443\n",
	    "t.conf:2: \"listen\": \"example.com:443\" is not a numeric address, '*' or localhost (no DNS at config time)");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1\nlisten 127.0.0.1:1\n", "t.conf:3: duplicate listen address 127.0.0.1:1");
	/* A wildcard takes the port for its whole family: the second bind would fail at start-up. */
	bad("keyd \"/k\"\nlisten *:8443\nlisten 127.0.0.1:8443\n",
	    "t.conf:3: listen address 127.0.0.1:8443 overlaps 0.0.0.0:8443: a wildcard address takes its port for "
	    "every address of the family");
	bad("keyd \"/k\"\nlisten \"[::1]:8443\"\nlisten \"[::]:8443\"\n",
	    "t.conf:3: listen address [::]:8443 overlaps [::1]:8443: a wildcard address takes its port for every "
	    "address of the family");
	/* IPv6 listeners are V6ONLY: both wildcards on one port, and other ports, are fine (the site is what is missing). */
	bad("keyd \"/k\"\nlisten *:8443\nlisten \"[::]:8443\"\nlisten 127.0.0.1:8444\n", "t.conf:1: no \"site\" block");
	bad("keyd \"/k\"\nkeyd \"/j\"\n", "t.conf:2: \"keyd\" given twice (first at t.conf:1)");
	bad("keyd \"/k\"\nkeyd-timeout 0s\n", "t.conf:2: \"keyd-timeout\": 0s is out of range (1ms..24h)");
	bad("keyd \"/k\"\nidle-timeout 25h\n", "t.conf:2: \"idle-timeout\": 25h is out of range (1ms..24h)");
	bad("keyd \"/k\"\nkeyd a b\n", "t.conf:2: \"keyd\" given twice (first at t.conf:1)");
	bad("keyd a b\n", "t.conf:1: \"keyd\" takes exactly 1 argument, got 2");
	bad("keyd \"/k\"\nuser \"no-such-user-moat-test\"\n", "t.conf:2: unknown user \"no-such-user-moat-test\"");
	bad("keyd \"/k\"\ngroup \"root\"\n", "t.conf:2: \"group\" needs a \"user\" directive");
	char longpath[200];
	memset(longpath, 'x', sizeof(longpath));
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	char text[300];
	snprintf(text, sizeof(text), "keyd \"%s\"\n", longpath);
	bad(text, "t.conf:1: \"keyd\": socket path is longer than 107 bytes");
}

/* The limits and ClientHello deadlines (moat-frontd.conf(5), RESOURCE LIMITS). */
ATF_TC_WITHOUT_HEAD(limit_values);
ATF_TC_BODY(limit_values, tc)
{
	bad("keyd \"/k\"\nmax-connections 0\n", "t.conf:2: \"max-connections\": \"0\" is out of range (1..10000000)");
	bad("keyd \"/k\"\nmax-handshakes 20000000\n", "t.conf:2: \"max-handshakes\": \"20000000\" is out of range (1..10000000)");
	bad("keyd \"/k\"\nmax-handshakes-per-source -1\n",
	    "t.conf:2: \"max-handshakes-per-source\": \"-1\" is not a number");
	bad("keyd \"/k\"\nmax-connections 10 20\n", "t.conf:2: \"max-connections\" takes exactly 1 argument, got 2");
	bad("keyd \"/k\"\nfirst-byte-timeout 0s\n", "t.conf:2: \"first-byte-timeout\": 0s is out of range (1ms..24h)");
	bad("keyd \"/k\"\nclient-hello-timeout soon\n",
	    "t.conf:2: \"client-hello-timeout\": \"soon\" is not a duration (a number with ms, s, m or h)");
	bad("keyd \"/k\"\nhandshake-buffer-budget 64k\n",
	    "t.conf:2: \"handshake-buffer-budget\": \"64k\" is out of range (262144..68719476736 bytes)");
	bad("keyd \"/k\"\nmax-handshakes 10\nmax-handshakes 20\n",
	    "t.conf:3: \"max-handshakes\" given twice (first at t.conf:2)");
}

/* workers N|auto, worker-cpu-affinity on|off; a worker's share of the limits. */
ATF_TC_WITHOUT_HEAD(workers_values);
ATF_TC_BODY(workers_values, tc)
{
	/* Accepted: the next mistake is the missing site. */
	bad("keyd \"/k\"\nlisten 127.0.0.1:1\nworkers 4\n", "t.conf:1: no \"site\" block");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1\nworkers auto\nworker-cpu-affinity on\n", "t.conf:1: no \"site\" block");
	bad("keyd \"/k\"\nworkers 0\n", "t.conf:2: \"workers\": \"0\" is out of range (1..256)");
	bad("keyd \"/k\"\nworkers 257\n", "t.conf:2: \"workers\": \"257\" is out of range (1..256)");
	bad("keyd \"/k\"\nworkers many\n", "t.conf:2: \"workers\": \"many\" is not a number");
	bad("keyd \"/k\"\nworkers 2 3\n", "t.conf:2: \"workers\" takes exactly 1 argument, got 2");
	bad("keyd \"/k\"\nworkers 2\nworkers 3\n", "t.conf:3: \"workers\" given twice (first at t.conf:2)");
	bad("keyd \"/k\"\nworker-cpu-affinity maybe\n",
	    "t.conf:2: \"worker-cpu-affinity\": \"maybe\" is not yes/no, on/off or true/false");

	struct frontd_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.workers = 3;
	ATF_CHECK_EQ(frontd_config_workers(&cfg), 3u);
	/* auto: the CPUs this process may run on. */
	cfg.workers = 0;
	cpu_set_t cpus;
	ATF_REQUIRE(sched_getaffinity(0, sizeof(cpus), &cpus) == 0);
	unsigned want = (unsigned)CPU_COUNT(&cpus);
	ATF_CHECK_EQ(frontd_config_workers(&cfg), want > FRONTD_MAX_WORKERS ? FRONTD_MAX_WORKERS : want);

	/* Each worker's share, rounded up; the buffer budget keeps room for one whole ClientHello. */
	cfg.max_connections = 10;
	cfg.max_handshakes = 1;
	cfg.max_handshakes_per_source = 256;
	cfg.handshake_buffer_budget = 1024u * 1024u;
	frontd_config_share_limits(&cfg, 1);
	ATF_CHECK_EQ(cfg.max_connections, 10u);
	frontd_config_share_limits(&cfg, 3);
	ATF_CHECK_EQ(cfg.max_connections, 4u);
	ATF_CHECK_EQ(cfg.max_handshakes, 1u);
	ATF_CHECK_EQ(cfg.max_handshakes_per_source, 86u);
	ATF_CHECK_EQ(cfg.handshake_buffer_budget, 349526u);
	frontd_config_share_limits(&cfg, 4);
	ATF_CHECK_EQ(cfg.handshake_buffer_budget, 256u * 1024u);
}

/* drain-timeout: 0 (close at once) is a value, unlike for the other timeouts. */
ATF_TC_WITHOUT_HEAD(drain_timeout);
ATF_TC_BODY(drain_timeout, tc)
{
	/* Accepted: the next mistake is the missing site. */
	bad("keyd \"/k\"\nlisten 127.0.0.1:1\ndrain-timeout 0\n", "t.conf:1: no \"site\" block");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1\ndrain-timeout 24h\n", "t.conf:1: no \"site\" block");
	bad("keyd \"/k\"\ndrain-timeout 25h\n", "t.conf:2: \"drain-timeout\": 25h is out of range (0..24h)");
	bad("keyd \"/k\"\ndrain-timeout later\n",
	    "t.conf:2: \"drain-timeout\": \"later\" is not a duration (a number with ms, s, m or h)");
	bad("keyd \"/k\"\ndrain-timeout 1s 2s\n", "t.conf:2: \"drain-timeout\" takes exactly 1 argument, got 2");
	bad("keyd \"/k\"\ndrain-timeout 1s\ndrain-timeout 2s\n",
	    "t.conf:3: \"drain-timeout\" given twice (first at t.conf:2)");
	/* drain-quiet is a plain timeout: 0 is not a value. */
	bad("keyd \"/k\"\nlisten 127.0.0.1:1\ndrain-quiet 5s\n", "t.conf:1: no \"site\" block");
	bad("keyd \"/k\"\ndrain-quiet 0\n", "t.conf:2: \"drain-quiet\": 0 is out of range (1ms..24h)");
	/* The other timeouts still refuse 0. */
	bad("keyd \"/k\"\nhandshake-timeout 0\n", "t.conf:2: \"handshake-timeout\": 0 is out of range (1ms..24h)");
}

/* tickets on|off, at the top level and in a site: one word, once. */
ATF_TC_WITHOUT_HEAD(tickets_values);
ATF_TC_BODY(tickets_values, tc)
{
	bad("keyd \"/k\"\nlisten 127.0.0.1:1\ntickets off\n", "t.conf:1: no \"site\" block");
	bad("keyd \"/k\"\ntickets sometimes\n", "t.conf:2: \"tickets\": \"sometimes\" is not yes/no, on/off or true/false");
	bad("keyd \"/k\"\ntickets\n", "t.conf:2: \"tickets\" takes exactly 1 argument, got 0");
	bad("keyd \"/k\"\ntickets on\ntickets off\n", "t.conf:3: \"tickets\" given twice (first at t.conf:2)");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1\nsite \"a.test\" {\n\ttickets on off\n}\n",
	    "t.conf:4: \"tickets\" takes exactly 1 argument, got 2");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1\nsite \"a.test\" {\n\ttickets off\n\ttickets on\n}\n",
	    "t.conf:5: \"tickets\" given twice (first at t.conf:4)");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1\nsite \"a.test\" {\n\ttickets maybe\n}\n",
	    "t.conf:4: \"tickets\": \"maybe\" is not yes/no, on/off or true/false");
}

/* session-cache N: 0 (off) is a value; one number, at the top level, once. */
ATF_TC_WITHOUT_HEAD(session_cache_values);
ATF_TC_BODY(session_cache_values, tc)
{
	bad("keyd \"/k\"\nsession-cache 4194305\n",
	    "t.conf:2: \"session-cache\": \"4194305\" is out of range (0..4194304)");
	bad("keyd \"/k\"\nsession-cache many\n", "t.conf:2: \"session-cache\": \"many\" is not a number");
	bad("keyd \"/k\"\nsession-cache\n", "t.conf:2: \"session-cache\" takes exactly 1 argument, got 0");
	bad("keyd \"/k\"\nsession-cache 0\nsession-cache 1\n",
	    "t.conf:3: \"session-cache\" given twice (first at t.conf:2)");
	/* 0 is accepted: the error is the next one, the missing site. */
	bad("keyd \"/k\"\nlisten 127.0.0.1:1\nsession-cache 0\n", "t.conf:1: no \"site\" block");
}

/* early-data on|off and early-data-max SIZE, in a site: once each, a size in range. */
ATF_TC_WITHOUT_HEAD(early_data_values);
ATF_TC_BODY(early_data_values, tc)
{
	const char *head = "keyd \"/k\"\nlisten 127.0.0.1:1\nsite \"a.test\" {\n";
	char conf[512];
	snprintf(conf, sizeof(conf), "%s\tearly-data sometimes\n}\n", head);
	bad(conf, "t.conf:4: \"early-data\": \"sometimes\" is not yes/no, on/off or true/false");
	snprintf(conf, sizeof(conf), "%s\tearly-data on\n\tearly-data off\n}\n", head);
	bad(conf, "t.conf:5: \"early-data\" given twice (first at t.conf:4)");
	snprintf(conf, sizeof(conf), "%s\tearly-data-max 0\n}\n", head);
	bad(conf, "t.conf:4: \"early-data-max\": \"0\" is out of range (1..262144 bytes)");
	snprintf(conf, sizeof(conf), "%s\tearly-data-max 1m\n}\n", head);
	bad(conf, "t.conf:4: \"early-data-max\": \"1m\" is out of range (1..262144 bytes)");
	/* ticket-lifetime and tickets-per-handshake, top level or site. */
	bad("keyd \"/k\"\nticket-lifetime 0\n", "t.conf:2: \"ticket-lifetime\": whole seconds from 1s to 7 days (604800s)");
	bad("keyd \"/k\"\nticket-lifetime 169h\n", "t.conf:2: \"ticket-lifetime\": whole seconds from 1s to 7 days (604800s)");
	bad("keyd \"/k\"\nticket-lifetime 1500ms\n",
	    "t.conf:2: \"ticket-lifetime\": whole seconds from 1s to 7 days (604800s)");
	snprintf(conf, sizeof(conf), "%s\ttickets-per-handshake 17\n}\n", head);
	bad(conf, "t.conf:4: \"tickets-per-handshake\": \"17\" is out of range (0..16)");
	snprintf(conf, sizeof(conf), "%s\tticket-lifetime 1h\n\tticket-lifetime 2h\n}\n", head);
	bad(conf, "t.conf:5: \"ticket-lifetime\" given twice (first at t.conf:4)");
	/* A top-level early-data is not a directive: it is per site. */
	bad("keyd \"/k\"\nearly-data on\n", "t.conf:2: unknown directive \"early-data\"");
}

ATF_TC_WITHOUT_HEAD(site_mistakes);
ATF_TC_BODY(site_mistakes, tc)
{
	const char *head = "keyd \"/k\"\nlisten 127.0.0.1:1\n";
	char text[512];
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tbackend 127.0.0.1:2\n}\n", head);
	bad(text, "t.conf:3: site \"a.test\" has no certificate");
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tpolicy \"nope\"\n}\n", head);
	bad(text, "t.conf:4: unknown security policy \"nope\" (a built-in name, see moat-frontd.conf(5), or a policy block)");
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tbackend 127.0.0.1\n}\n", head);
	bad(text, "t.conf:4: \"backend\": \"127.0.0.1\" has no port (write host:port)");
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tname \"b.test\" \"A.Test\"\n}\n", head);
	bad(text, "t.conf:4: duplicate site name \"a.test\" (already used by site \"a.test\")");
	snprintf(text, sizeof(text), "%ssite \"bad name\" {\n}\n", head);
	bad(text, "t.conf:3: \"bad name\" is not a valid server name");
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tname \"*\"\n}\n", head);
	bad(text, "t.conf:4: \"*\" is not a valid server name");
	snprintf(text, sizeof(text), "%ssite \"a.test\"\n", head);
	bad(text, "t.conf:3: \"site\" needs a { } block");
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tpolicy \"default_tls13\"\n\tpolicy \"default_tls13\"\n}\n",
		 head);
	bad(text, "t.conf:5: \"policy\" given twice (first at t.conf:4)");
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\talpn \"\"\n}\n", head);
	bad(text, "t.conf:4: \"alpn\": each protocol name must be 1 to 255 bytes");
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tdefault yes\n}\n", head);
	bad(text, "t.conf:4: \"default\" takes no arguments, got 1");
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tcertificate \"/nonexistent/x.pem\"\n}\n", head);
	bad(text, "t.conf:4: cannot read certificate \"/nonexistent/x.pem\": No such file or directory");
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tcertificate \"/dev\"\n}\n", head);
	bad(text, "t.conf:4: cannot read certificate \"/dev\": not a regular file");
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tcertificate \"/dev/null\"\n}\n", head);
	bad(text, "t.conf:4: cannot read certificate \"/dev/null\": not a regular file");
}

/* proxy-protocol: towards a site's backend, and accepted on a listener from trusted sources. */
ATF_TC_WITHOUT_HEAD(proxy_protocol);
ATF_TC_BODY(proxy_protocol, tc)
{
	const char *head = "keyd \"/k\"\nlisten 127.0.0.1:1\n";
	char text[512];
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tproxy-protocol v3\n}\n", head);
	bad(text, "t.conf:4: \"proxy-protocol\": \"v3\" is not v1 or v2");
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tproxy-protocol\n}\n", head);
	bad(text, "t.conf:4: \"proxy-protocol\" takes exactly 1 argument, got 0");
	snprintf(text, sizeof(text), "%ssite \"a.test\" {\n\tproxy-protocol v1\n\tproxy-protocol v2\n}\n", head);
	bad(text, "t.conf:5: \"proxy-protocol\" given twice (first at t.conf:4)");

	bad("keyd \"/k\"\nlisten 127.0.0.1:1 proxy-protocol\n",
	    "t.conf:2: \"listen\": proxy-protocol needs the addresses it is accepted from");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1 accept-proxy 10.0.0.1\n",
	    "t.conf:2: \"listen\": unknown option \"accept-proxy\" (proxy-protocol)");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1 proxy-protocol 10.0.0.0/33\n",
	    "t.conf:2: \"listen\": \"10.0.0.0/33\" is not an address or address/prefix");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1 proxy-protocol 10.0.0.1 lb.example\n",
	    "t.conf:2: \"listen\": \"lb.example\" is not an address or address/prefix");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1 proxy-protocol ::1/129\n",
	    "t.conf:2: \"listen\": \"::1/129\" is not an address or address/prefix");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1 proxy-protocol 10.0.0.0/08\n",
	    "t.conf:2: \"listen\": \"10.0.0.0/08\" is not an address or address/prefix");
	bad("keyd \"/k\"\nlisten 127.0.0.1:1 proxy-protocol 10.0.0.0/\n",
	    "t.conf:2: \"listen\": \"10.0.0.0/\" is not an address or address/prefix");
	/* Valid sources get past the listen line: the next mistake is the missing site. */
	bad("keyd \"/k\"\nlisten 127.0.0.1:1 proxy-protocol 10.0.0.0/8 192.0.2.7 2001:db8::/32 ::1\n",
	    "t.conf:1: no \"site\" block");
}

ATF_TC_WITHOUT_HEAD(relative_paths);
ATF_TC_BODY(relative_paths, tc)
{
	struct frontd_config cfg;
	struct moat_conf conf;
	/* A relative certificate path is taken from the directory of the file that names it. */
	const char *text = "keyd \"k.sock\"\nlisten 127.0.0.1:1\nsite \"a.test\" {\n\tcertificate \"c.pem\"\n}\n";
	ATF_REQUIRE(frontd_config_load_string(&cfg, &conf, "/etc/moat-test-none/t.conf", text) == MOAT_FAILURE);
	ATF_REQUIRE_STREQ(moat_conf_error(&conf), "/etc/moat-test-none/t.conf:4: cannot read certificate "
						  "\"/etc/moat-test-none/c.pem\": No such file or directory");
	moat_conf_free(&conf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, missing_directives);
	ATF_TP_ADD_TC(tp, workers_values);
	ATF_TP_ADD_TC(tp, unknown_directives);
	ATF_TP_ADD_TC(tp, bad_values);
	ATF_TP_ADD_TC(tp, limit_values);
	ATF_TP_ADD_TC(tp, drain_timeout);
	ATF_TP_ADD_TC(tp, tickets_values);
	ATF_TP_ADD_TC(tp, session_cache_values);
	ATF_TP_ADD_TC(tp, early_data_values);
	ATF_TP_ADD_TC(tp, site_mistakes);
	ATF_TP_ADD_TC(tp, proxy_protocol);
	ATF_TP_ADD_TC(tp, relative_paths);
	return atf_no_error();
}
