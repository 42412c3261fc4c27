/*
 * moat-keyd.conf interpretation (keyd/keyd_config.h) and key loading from
 * files (keyd_keys_load): every kind of mistake gives one "file:line:
 * message" naming the right line, and good files give the values asked for.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyd/keyd_config.h"
#include "keyd/keys.h"
#include "tests/keyd/keyd_test_keys.h"
#include "tests/moat_test.h"

static const char *const minimal = "allow uid 0\nkey \"/k.pem\"\n";

/* Interpret text as "t.conf"; the result must be a failure with exactly this message. */
static void expect_error(const char *text, const char *message)
{
	struct moat_conf conf;
	struct keyd_config cfg;
	moat_error_clear();
	int rc = keyd_config_read_string(&conf, "t.conf", text, &cfg);
	ATF_REQUIRE_MSG(rc == MOAT_FAILURE, "accepted:\n%s", text);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_CONFIG);
	/* Not fatal: one run lists every message that differs. */
	ATF_CHECK_MSG(strcmp(moat_conf_error(&conf), message) == 0, "got \"%s\"\nwanted \"%s\"",
		      moat_conf_error(&conf), message);
	ATF_REQUIRE(strchr(moat_conf_error(&conf), '\n') == NULL);
	keyd_config_free(&cfg);
	moat_conf_free(&conf);
}

static void read_ok(const char *name, const char *text, struct moat_conf *conf, struct keyd_config *cfg)
{
	moat_error_clear();
	int rc = keyd_config_read_string(conf, name, text, cfg);
	ATF_REQUIRE_MSG(rc == MOAT_SUCCESS, "refused: %s", moat_conf_error(conf));
}

ATF_TC_WITHOUT_HEAD(full);
ATF_TC_BODY(full, tc)
{
	struct moat_conf conf;
	struct keyd_config cfg;
	read_ok("/etc/moat/moat-keyd.conf",
		"# keyd\n"
		"socket \"/run/x/keyd.sock\"\n"
		"control-socket \"/run/x/ctl.sock\"\n"
		"allow user \"root\"\n"
		"allow uid 4242; allow gid 4343\n"
		"allow group \"root\"\n"
		"key \"keys/a.pem\" { name \"first key\" }\n"
		"key \"/abs/b.pem\"\n"
		"max-inflight 5\n"
		"workers 3\n"
		"inline-sign 250\n"
		"user \"nobody\"\n",
		&conf, &cfg);
	ATF_REQUIRE_STREQ(cfg.socket_path, "/run/x/keyd.sock");
	ATF_REQUIRE_STREQ(cfg.control_path, "/run/x/ctl.sock");
	ATF_REQUIRE_EQ(cfg.allow_count, 4);
	ATF_REQUIRE_EQ(cfg.allow[0].kind, KEYD_ALLOW_UID);
	ATF_REQUIRE_EQ(cfg.allow[0].id, 0);
	ATF_REQUIRE_STREQ(cfg.allow[0].what, "user root (uid 0)");
	ATF_REQUIRE_EQ(cfg.allow[1].kind, KEYD_ALLOW_UID);
	ATF_REQUIRE_EQ(cfg.allow[1].id, 4242);
	ATF_REQUIRE_EQ(cfg.allow[2].kind, KEYD_ALLOW_GID);
	ATF_REQUIRE_EQ(cfg.allow[2].id, 4343);
	ATF_REQUIRE_EQ(cfg.allow[3].kind, KEYD_ALLOW_GID);
	ATF_REQUIRE_EQ(cfg.allow[3].id, 0);
	ATF_REQUIRE_EQ(cfg.key_count, 2);
	/* Relative to the config file's directory, as include is. */
	ATF_REQUIRE_STREQ(cfg.keys[0].path, "/etc/moat/keys/a.pem");
	ATF_REQUIRE_STREQ(cfg.keys[0].name, "first key");
	ATF_REQUIRE_EQ(cfg.keys[0].node->line, 7);
	ATF_REQUIRE_STREQ(cfg.keys[1].path, "/abs/b.pem");
	ATF_REQUIRE_STREQ(cfg.keys[1].name, "b.pem");
	ATF_REQUIRE_EQ(cfg.max_inflight, 5);
	ATF_REQUIRE_EQ(cfg.workers, 3);
	ATF_REQUIRE_EQ(cfg.inline_sign_us, 250);
	struct passwd *pw = getpwnam("nobody");
	ATF_REQUIRE(pw != NULL);
	ATF_REQUIRE(cfg.has_user);
	ATF_REQUIRE_EQ(cfg.user_uid, pw->pw_uid);
	ATF_REQUIRE_EQ(cfg.user_gid, pw->pw_gid);
	keyd_config_free(&cfg);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(defaults);
ATF_TC_BODY(defaults, tc)
{
	struct moat_conf conf;
	struct keyd_config cfg;
	read_ok("t.conf", minimal, &conf, &cfg);
	ATF_REQUIRE_STREQ(cfg.socket_path, KEYD_DEFAULT_SOCKET);
	ATF_REQUIRE_STREQ(cfg.control_path, KEYD_DEFAULT_CONTROL_SOCKET);
	ATF_REQUIRE_EQ(cfg.max_inflight, 64);
	ATF_REQUIRE_EQ(cfg.workers, 0);
	ATF_REQUIRE_EQ(cfg.inline_sign_us, KEYD_INLINE_SIGN_AUTO);
	ATF_REQUIRE(!cfg.has_user);
	ATF_REQUIRE_STREQ(cfg.keys[0].name, "k.pem");
	keyd_config_free(&cfg);
	moat_conf_free(&conf);
	/* 0 is a value, not "unset": every operation goes to the threads. */
	read_ok("t.conf", "allow uid 0\nkey \"/k.pem\"\ninline-sign 0\n", &conf, &cfg);
	ATF_REQUIRE_EQ(cfg.inline_sign_us, 0);
	keyd_config_free(&cfg);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(errors);
ATF_TC_BODY(errors, tc)
{
	/* Syntax errors come from the parser, with their line. */
	expect_error("allow uid 0\nkey \"/k.pem\nmax-inflight 3\n", "t.conf:2: newline in string");
	/* Unknown directives, at their own line, top level and inside a key block. */
	expect_error("allow uid 0\nkey \"/k.pem\"\nlisten 1.2.3.4:5\n",
		     "t.conf:3: unknown directive \"listen\"");
	expect_error("allow uid 0\nkey \"/k.pem\" {\n  name \"a\"\n  label \"b\"\n}\n",
		     "t.conf:4: unknown directive \"label\" in the \"key\" block");
	/* Values out of range. */
	expect_error("allow uid 0\nkey \"/k.pem\"\nmax-inflight 0\n",
		     "t.conf:3: \"max-inflight\": \"0\" is out of range (1..1024)");
	expect_error("allow uid 0\nkey \"/k.pem\"\nmax-inflight 1025\n",
		     "t.conf:3: \"max-inflight\": \"1025\" is out of range (1..1024)");
	expect_error("allow uid 0\nkey \"/k.pem\"\nworkers lots\n",
		     "t.conf:3: \"workers\": \"lots\" is not a number");
	expect_error("allow uid 0\nkey \"/k.pem\"\ninline-sign 100001\n",
		     "t.conf:3: \"inline-sign\": \"100001\" is out of range (0..100000)");
	expect_error("allow uid 0\nkey \"/k.pem\"\ninline-sign -1\n",
		     "t.conf:3: \"inline-sign\": \"-1\" is not a number");
	expect_error("allow uid 0\nkey \"/k.pem\"\ninline-sign 50 50\n",
		     "t.conf:3: \"inline-sign\" takes exactly 1 argument, got 2");
	expect_error("allow uid 0\nkey \"/k.pem\"\ninline-sign 0\ninline-sign 5\n",
		     "t.conf:4: \"inline-sign\" given twice (first at t.conf:3)");
	/* allow rules. */
	expect_error("key \"/k.pem\"\nallow host \"x\"\n",
		     "t.conf:2: allow: \"host\" is not one of user, uid, group, gid");
	expect_error("key \"/k.pem\"\nallow user \"no-such-user-moat\"\n",
		     "t.conf:2: allow: unknown user \"no-such-user-moat\"");
	expect_error("key \"/k.pem\"\nallow group \"no-such-group-moat\"\n",
		     "t.conf:2: allow: unknown group \"no-such-group-moat\"");
	expect_error("key \"/k.pem\"\nallow uid -1\n",
		     "t.conf:2: allow uid: \"-1\" is not a number from 0 to 4294967294");
	expect_error("key \"/k.pem\"\nallow gid 4294967295\n",
		     "t.conf:2: allow gid: \"4294967295\" is not a number from 0 to 4294967294");
	expect_error("key \"/k.pem\"\nallow uid\n", "t.conf:2: \"allow\" takes exactly 2 arguments, got 1");
	expect_error("key \"/k.pem\"\nallow uid 0 { }\n", "t.conf:2: \"allow\" takes no block");
	/* Required directives. */
	expect_error("key \"/k.pem\"\n", "t.conf:1: no \"allow\" directive: name at least one user or group that may use keyd");
	expect_error("allow uid 0\n", "t.conf:1: no \"key\" directive: keyd needs at least one key to serve");
	expect_error("", "t.conf:1: no \"allow\" directive: name at least one user or group that may use keyd");
	/* Sockets. */
	expect_error("allow uid 0\nkey \"/k.pem\"\nsocket \"/a\"\nsocket \"/b\"\n",
		     "t.conf:4: \"socket\" given twice (first at t.conf:3)");
	expect_error("allow uid 0\nkey \"/k.pem\"\nsocket \"/a\"\ncontrol-socket \"/a\"\n",
		     "t.conf:4: the data socket and the control socket must be different paths");
	char text[512];
	snprintf(text, sizeof(text), "allow uid 0\nkey \"/k.pem\"\nsocket \"/%0120d\"\n", 0);
	expect_error(text, "t.conf:3: socket path is 121 bytes long, at most 107 fit a Unix socket address");
	/* Keys: names go on the wire, so no control characters. */
	expect_error("allow uid 0\nkey \"/k.pem\" { name \"a\\tb\" }\n",
		     "t.conf:2: key name contains a control character");
	expect_error("allow uid 0\nkey \"/k.pem\" {\n name \"a\"\n name \"b\"\n}\n",
		     "t.conf:4: \"name\" given twice (first at t.conf:3)");
	expect_error("allow uid 0\nkey \"/k.pem\" \"/j.pem\"\n", "t.conf:2: \"key\" takes exactly 1 argument, got 2");
	expect_error("allow uid 0\nkey \"\"\n", "t.conf:2: empty path");
	/* user. */
	expect_error("allow uid 0\nkey \"/k.pem\"\nuser \"root\"\n",
		     "t.conf:3: user: \"root\" is root; name an unprivileged user to run as");
	expect_error("allow uid 0\nkey \"/k.pem\"\nuser \"no-such-user-moat\"\n",
		     "t.conf:3: user: unknown user \"no-such-user-moat\"");
}

ATF_TC_WITHOUT_HEAD(allows);
ATF_TC_BODY(allows, tc)
{
	struct moat_conf conf;
	struct keyd_config cfg;
	read_ok("t.conf", "key \"/k\"\nallow user \"root\"\nallow uid 1000\nallow gid 2000\n", &conf, &cfg);
	const uint32_t g_none[] = { 10 }, g_primary[] = { 2000 }, g_supp[] = { 10, 11, 2000 };
	ATF_REQUIRE(keyd_config_allows(&cfg, 1000, g_none, 1));
	ATF_REQUIRE(!keyd_config_allows(&cfg, 1001, g_none, 1));
	ATF_REQUIRE(keyd_config_allows(&cfg, 1001, g_primary, 1));
	ATF_REQUIRE(keyd_config_allows(&cfg, 1001, g_supp, 3));
	ATF_REQUIRE(!keyd_config_allows(&cfg, 1001, g_supp, 2));
	ATF_REQUIRE(keyd_config_allows(&cfg, 0, g_none, 1));
	/* The socket file's group: a gid rule wins over a user's primary group, wherever it is. */
	gid_t group = 0;
	ATF_REQUIRE(keyd_config_socket_group(&cfg, &group));
	ATF_REQUIRE_EQ(group, 2000);
	keyd_config_free(&cfg);
	moat_conf_free(&conf);

	/* Root is not special on the data socket: only the rules count. */
	read_ok("t.conf", "key \"/k\"\nallow user \"nobody\"\n", &conf, &cfg);
	ATF_REQUIRE(!keyd_config_allows(&cfg, 0, g_none, 1));
	struct passwd *pw = getpwnam("nobody");
	ATF_REQUIRE(pw != NULL);
	ATF_REQUIRE(keyd_config_socket_group(&cfg, &group));
	ATF_REQUIRE_EQ(group, pw->pw_gid);
	keyd_config_free(&cfg);
	moat_conf_free(&conf);
}

/* ---- keys from files ---- */

static void write_key(const char *path, test_key_kind kind)
{
	char *pem = test_key_pem(kind);
	test_write_file(path, pem);
	free(pem);
	ATF_REQUIRE(chmod(path, 0600) == 0);
}

/* Load the keys of a config whose text names files in the current directory. */
static int load(const char *text, struct moat_conf *conf, struct keyd_keyset *ks)
{
	struct keyd_config cfg;
	char cwd[512], name[600];
	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(name, sizeof(name), "%s/k.conf", cwd);
	read_ok(name, text, conf, &cfg);
	moat_error_clear();
	int rc = keyd_keys_load(ks, &cfg, conf);
	keyd_config_free(&cfg);
	return rc;
}

/* The error must be "<cwd>/k.conf:LINE: <tail>". */
static void expect_key_error(const char *text, unsigned line, const char *tail)
{
	struct moat_conf conf;
	struct keyd_keyset ks;
	char cwd[512], want[1200];
	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	ATF_REQUIRE_MSG(load(text, &conf, &ks) == MOAT_FAILURE, "accepted:\n%s", text);
	ATF_REQUIRE_EQ(moat_errno, MOAT_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s/k.conf:%u: %s", cwd, line, tail);
	char *p = strstr(want, "$CWD");
	if (p != NULL) {
		char rest[600];
		snprintf(rest, sizeof(rest), "%s%s", cwd, p + 4);
		snprintf(p, sizeof(want) - (size_t)(p - want), "%s", rest);
	}
	ATF_REQUIRE_MSG(strcmp(moat_conf_error(&conf), want) == 0, "got \"%s\"\nwanted \"%s\"", moat_conf_error(&conf),
			want);
	keyd_keys_free(&ks);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(key_files);
ATF_TC_BODY(key_files, tc)
{
	write_key("rsa.pem", TK_RSA2048);
	write_key("ec.pem", TK_P256);
	write_key("small.pem", TK_RSA1024);
	write_key("ed.pem", TK_ED25519);
	test_write_file("text.pem", "not a key\n");
	ATF_REQUIRE(mkdir("dir.pem", 0700) == 0);
	ATF_REQUIRE(symlink("ec.pem", "link.pem") == 0);

	struct moat_conf conf;
	struct keyd_keyset ks;
	ATF_REQUIRE(load("allow uid 0\nkey \"rsa.pem\" { name \"web\" }\nkey \"ec.pem\"\n", &conf, &ks) == MOAT_SUCCESS);
	ATF_REQUIRE_EQ(ks.count, 2);
	ATF_REQUIRE_STREQ(ks.keys[0]->name, "web");
	ATF_REQUIRE_EQ(ks.keys[0]->ipc_type, MOAT_IPC_KEY_RSA);
	ATF_REQUIRE_STREQ(ks.keys[1]->name, "ec.pem");
	ATF_REQUIRE_EQ(ks.keys[1]->ipc_type, MOAT_IPC_KEY_EC_P256);
	ATF_REQUIRE(keyd_keys_find(&ks, ks.keys[1]->id) == ks.keys[1]);
	keyd_keys_free(&ks);
	moat_conf_free(&conf);

	expect_key_error("allow uid 0\nkey \"rsa.pem\"\nkey \"missing.pem\"\n", 3,
			 "cannot read key \"$CWD/missing.pem\": No such file or directory");
	expect_key_error("allow uid 0\n\nkey \"text.pem\"\n", 3,
			 "key \"$CWD/text.pem\": no unencrypted PEM private key found");
	expect_key_error("allow uid 0\nkey \"dir.pem\"\n", 2, "cannot read key \"$CWD/dir.pem\": not a regular file");
	expect_key_error("allow uid 0\nkey \"small.pem\"\n", 2,
			 "key \"$CWD/small.pem\": RSA key of 1024 bits; keyd serves 2048 to 4096 bits");
	expect_key_error("allow uid 0\nkey \"ed.pem\"\n", 2,
			 "key \"$CWD/ed.pem\": Ed25519 keys are not served (moat-ipc(7) has no EdDSA scheme)");
	/* The same key twice, even through another path, is a mistake worth a line. */
	expect_key_error("allow uid 0\nkey \"ec.pem\" { name \"one\" }\nkey \"link.pem\"\n", 3,
			 "key \"$CWD/link.pem\" is the same key as \"one\" listed before");
}

/* Per-key policy, connection limits and the insecure overrides (moat-keyd.conf(5)). */
ATF_TC_WITHOUT_HEAD(hardening_directives);
ATF_TC_BODY(hardening_directives, tc)
{
	struct moat_conf conf;
	struct keyd_config cfg;
	/* Defaults: role server, TLS 1.2, no TLS 1.0/1.1, no RSA key exchange; 64 peers per uid, HELLO in 5 s, no idle limit. */
	read_ok("t.conf", minimal, &conf, &cfg);
	ATF_REQUIRE(cfg.keys[0].policy.server && !cfg.keys[0].policy.client);
	ATF_REQUIRE(cfg.keys[0].policy.tls12 && !cfg.keys[0].policy.rsa_key_exchange);
	ATF_REQUIRE(!cfg.keys[0].policy.tls10);
	ATF_REQUIRE_EQ(cfg.max_peers_per_uid, 64);
	ATF_REQUIRE_EQ(cfg.hello_timeout_ms, 5000);
	ATF_REQUIRE_EQ(cfg.idle_timeout_ms, 0);
	ATF_REQUIRE(!cfg.insecure_same_user && !cfg.insecure_run_as_root);
	keyd_config_free(&cfg);
	moat_conf_free(&conf);

	read_ok("t.conf",
		"allow uid 0\n"
		"key \"/a.pem\" { role client; tls12 yes; rsa-key-exchange yes }\n"
		"key \"/b.pem\" { role both; tls10 yes }\n"
		"key \"/c.pem\" { role server; tls12 no }\n"
		"key \"/d.pem\" { name \"d\" }\n"
		"max-peers-per-uid 7\n"
		"hello-timeout 250ms\n"
		"idle-timeout 10m\n"
		"insecure-same-user yes\n"
		"insecure-run-as-root yes\n",
		&conf, &cfg);
	ATF_REQUIRE(!cfg.keys[0].policy.server && cfg.keys[0].policy.client);
	ATF_REQUIRE(cfg.keys[0].policy.tls12 && cfg.keys[0].policy.rsa_key_exchange);
	ATF_REQUIRE(cfg.keys[1].policy.server && cfg.keys[1].policy.client && !cfg.keys[1].policy.tls12);
	/* tls10 is its own switch: it neither needs nor implies tls12. */
	ATF_REQUIRE(cfg.keys[1].policy.tls10 && !cfg.keys[0].policy.tls10);
	ATF_REQUIRE(cfg.keys[2].policy.server && !cfg.keys[2].policy.client && !cfg.keys[2].policy.tls12);
	/* tls12 defaults to yes for a server key, to no once the role includes client (key b). */
	ATF_REQUIRE(cfg.keys[3].policy.server && !cfg.keys[3].policy.client && cfg.keys[3].policy.tls12);
	ATF_REQUIRE_EQ(cfg.max_peers_per_uid, 7);
	ATF_REQUIRE_EQ(cfg.hello_timeout_ms, 250);
	ATF_REQUIRE_EQ(cfg.idle_timeout_ms, 600000);
	ATF_REQUIRE(cfg.insecure_same_user && cfg.insecure_run_as_root);
	keyd_config_free(&cfg);
	moat_conf_free(&conf);

	expect_error("allow uid 0\nkey \"/k.pem\" {\n  role admin\n}\n",
		     "t.conf:3: role: \"admin\" is not one of server, client, both");
	expect_error("allow uid 0\nkey \"/k.pem\" { role server; role client }\n",
		     "t.conf:2: \"role\" given twice (first at t.conf:2)");
	expect_error("allow uid 0\nkey \"/k.pem\" { tls12 maybe }\n",
		     "t.conf:2: \"tls12\": \"maybe\" is not yes/no, on/off or true/false");
	expect_error("allow uid 0\nkey \"/k.pem\" { tls10 perhaps }\n",
		     "t.conf:2: \"tls10\": \"perhaps\" is not yes/no, on/off or true/false");
	expect_error("allow uid 0\nkey \"/k.pem\" { rsa-key-exchange }\n",
		     "t.conf:2: \"rsa-key-exchange\" takes exactly 1 argument, got 0");
	expect_error("allow uid 0\nkey \"/k.pem\"\nmax-peers-per-uid 0\n",
		     "t.conf:3: \"max-peers-per-uid\": \"0\" is out of range (1..1000)");
	expect_error("allow uid 0\nkey \"/k.pem\"\nhello-timeout 0\n",
		     "t.conf:3: hello-timeout: from 1 ms to 86400 seconds");
	expect_error("allow uid 0\nkey \"/k.pem\"\nidle-timeout 2d\n",
		     "t.conf:3: \"idle-timeout\": \"2d\" is not a duration (a number with ms, s, m or h)");
	expect_error("allow uid 0\nkey \"/k.pem\"\ninsecure-same-user 1\n",
		     "t.conf:3: \"insecure-same-user\": \"1\" is not yes/no, on/off or true/false");
	/* A key block directive at the top level is unknown there. */
	expect_error("allow uid 0\nkey \"/k.pem\"\ntls12 yes\n", "t.conf:3: unknown directive \"tls12\"");
}

ATF_TC_WITHOUT_HEAD(tickets);
ATF_TC_BODY(tickets, tc)
{
	struct moat_conf conf;
	struct keyd_config cfg;
	read_ok("t.conf", "allow uid 0\nkey \"/k\"\n", &conf, &cfg);
	ATF_REQUIRE(cfg.tickets);
	ATF_REQUIRE_EQ(cfg.ticket_encrypt_s, 7200);
	ATF_REQUIRE_EQ(cfg.ticket_decrypt_s, 46800);
	keyd_config_free(&cfg);
	moat_conf_free(&conf);
	read_ok("t.conf", "allow uid 0\nkey \"/k\"\ntickets { encrypt-lifetime 10m; decrypt-lifetime 0 }\n", &conf, &cfg);
	ATF_REQUIRE(cfg.tickets);
	ATF_REQUIRE_EQ(cfg.ticket_encrypt_s, 600);
	ATF_REQUIRE_EQ(cfg.ticket_decrypt_s, 0);
	keyd_config_free(&cfg);
	moat_conf_free(&conf);
	read_ok("t.conf", "allow uid 0\nkey \"/k\"\ntickets off\n", &conf, &cfg);
	ATF_REQUIRE(!cfg.tickets);
	keyd_config_free(&cfg);
	moat_conf_free(&conf);
	read_ok("t.conf", "allow uid 0\nkey \"/k\"\ntickets on { decrypt-lifetime 720h }\n", &conf, &cfg);
	ATF_REQUIRE(cfg.tickets);
	ATF_REQUIRE_EQ(cfg.ticket_decrypt_s, 30u * 86400);
	keyd_config_free(&cfg);
	moat_conf_free(&conf);

	expect_error("allow uid 0\nkey \"/k\"\ntickets off { encrypt-lifetime 1h }\n",
		     "t.conf:3: tickets off takes no block");
	expect_error("allow uid 0\nkey \"/k\"\ntickets { encrypt-lifetime 0 }\n",
		     "t.conf:3: encrypt-lifetime: whole seconds from 1s to 2592000s");
	expect_error("allow uid 0\nkey \"/k\"\ntickets { decrypt-lifetime 721h }\n",
		     "t.conf:3: decrypt-lifetime: whole seconds from 0s to 2592000s");
	expect_error("allow uid 0\nkey \"/k\"\ntickets { encrypt-lifetime 1500ms }\n",
		     "t.conf:3: encrypt-lifetime: whole seconds from 1s to 2592000s");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, tickets);
	ATF_TP_ADD_TC(tp, full);
	ATF_TP_ADD_TC(tp, defaults);
	ATF_TP_ADD_TC(tp, hardening_directives);
	ATF_TP_ADD_TC(tp, errors);
	ATF_TP_ADD_TC(tp, allows);
	ATF_TP_ADD_TC(tp, key_files);
	return atf_no_error();
}
