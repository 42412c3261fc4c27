/*
 * policy "name" { ... } blocks: what a block builds (a base copied, then
 * lists replaced whole), every mistake as "file:line: message", and the
 * round trip moat-frontd --print-policy promises: a printed policy, read
 * back as a block, is the same policy — for every built-in one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_block.h"
#include "tests/moat_test.h"
#include "tls/iana.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Parse text and load each top-level policy block into out[]; returns how many loaded, or -1. */
static int load(const char *text, struct moat_custom_policy *out, size_t cap, struct moat_conf *conf)
{
	moat_error_clear();
	if (moat_conf_parse_string(conf, "p.conf", text, strlen(text)) < 0)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < conf->root.child_count && n < cap; i++) {
		if (moat_policy_block_load(conf, &conf->root.children[i], out, n, &out[n]) < 0)
			return -1;
		n++;
	}
	return (int)n;
}

static void bad(const char *text, const char *want)
{
	struct moat_custom_policy p[4];
	struct moat_conf conf;
	ATF_REQUIRE_MSG(load(text, p, COUNT(p), &conf) < 0, "accepted:\n%s", text);
	ATF_REQUIRE_EQ_MSG(moat_errno, MOAT_ERR_CONFIG, "error %s", moat_strerror_name(moat_errno));
	ATF_REQUIRE_STREQ(moat_conf_error(&conf), want);
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(base_then_changes);
ATF_TC_BODY(base_then_changes, tc)
{
	struct moat_custom_policy p[2];
	struct moat_conf conf;
	const char *text = "policy \"mine\" {\n"
			   "\tbase \"default_tls13\"\n"
			   "\tmin-version tls1.2\n"
			   "\tciphers TLS_AES_256_GCM_SHA384 ECDHE-ECDSA-AES256-GCM-SHA384\n"
			   "\tgroups secp384r1 x25519\n"
			   "}\n"
			   "policy \"narrower\" {\n"
			   "\tbase \"mine\"\n"
			   "\tsignature-schemes ecdsa_secp384r1_sha256 ecdsa_secp256r1_sha256\n"
			   "}\n";
	/* ecdsa_secp384r1_sha256 is not a scheme: the second block fails at its line. */
	ATF_REQUIRE(load(text, p, COUNT(p), &conf) < 0);
	ATF_REQUIRE_STREQ(moat_conf_error(&conf),
			  "p.conf:9: unknown signature scheme \"ecdsa_secp384r1_sha256\" (RFC 8446 names, e.g. "
			  "ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256)");
	moat_conf_free(&conf);

	text = "policy \"mine\" {\n"
	       "\tbase \"default_tls13\"\n"
	       "\tmin-version tls1.2\n"
	       "\tciphers TLS_AES_256_GCM_SHA384 ECDHE-ECDSA-AES256-GCM-SHA384\n"
	       "\tgroups secp384r1 x25519\n"
	       "}\n"
	       "policy \"narrower\" {\n"
	       "\tbase \"mine\"\n"
	       "\tsignature-schemes ecdsa_secp384r1_sha384 ecdsa_secp256r1_sha256\n"
	       "}\n";
	ATF_REQUIRE_EQ(load(text, p, COUNT(p), &conf), 2);
	const struct moat_security_policy *base = moat_security_policy_find("default_tls13");
	const struct moat_security_policy *m = &p[0].policy;
	ATF_REQUIRE_STREQ(m->name, "mine");
	ATF_REQUIRE_STREQ(p[0].base, "default_tls13");
	ATF_REQUIRE_EQ(m->min_version, MOAT_TLS12);
	ATF_REQUIRE_EQ(m->max_version, MOAT_TLS13);
	ATF_REQUIRE_EQ(m->cipher_suites_count, 2);
	ATF_REQUIRE_EQ(m->cipher_suites[0]->iana, 0x1302);
	ATF_REQUIRE_EQ(m->cipher_suites[1]->iana, 0xc02c);
	ATF_REQUIRE_EQ(m->groups_count, 2);
	ATF_REQUIRE_EQ(m->groups[0], 0x0018);
	ATF_REQUIRE_EQ(m->groups[1], 0x001d);
	/* Not given: the base's list, whole. */
	ATF_REQUIRE(!moat_security_policy_equal(m, base));
	ATF_REQUIRE_EQ(m->sig_schemes_count, base->sig_schemes_count);
	ATF_REQUIRE(memcmp(m->sig_schemes, base->sig_schemes, base->sig_schemes_count * 2) == 0);
	/* A base may be an earlier block; its lists are copied, not shared. */
	const struct moat_security_policy *n = &p[1].policy;
	ATF_REQUIRE_EQ(n->cipher_suites_count, 2);
	ATF_REQUIRE(n->cipher_suites != m->cipher_suites);
	ATF_REQUIRE_EQ(n->sig_schemes_count, 2);
	ATF_REQUIRE_EQ(n->sig_schemes[0], 0x0503);
	ATF_REQUIRE(moat_security_policy_has_suite(n, 0x1302));
	moat_conf_free(&conf);
}

ATF_TC_WITHOUT_HEAD(no_base);
ATF_TC_BODY(no_base, tc)
{
	struct moat_custom_policy p[1];
	struct moat_conf conf;
	const char *text = "policy \"tls13\" {\n"
			   "\tmin-version tls1.3\n\tmax-version tls1.3\n"
			   "\tciphers TLS_CHACHA20_POLY1305_SHA256\n\tgroups x448\n"
			   "\tsignature-schemes ed25519 rsa_pss_rsae_sha256\n}\n";
	ATF_REQUIRE_EQ(load(text, p, COUNT(p), &conf), 1);
	ATF_REQUIRE_EQ(p[0].policy.cipher_suites_count, 1);
	ATF_REQUIRE_EQ(p[0].policy.groups[0], 0x001e);
	ATF_REQUIRE_STREQ(p[0].base, "");
	moat_conf_free(&conf);
	bad("policy \"x\" {\n\tciphers TLS_AES_128_GCM_SHA256\n}\n",
	    "p.conf:1: policy \"x\" needs min-version and max-version (or a base)");
	bad("policy \"x\" {\n\tmin-version tls1.3\n\tmax-version tls1.3\n\tgroups x25519\n}\n",
	    "p.conf:1: policy \"x\" needs ciphers and signature-schemes (or a base)");
}

ATF_TC_WITHOUT_HEAD(mistakes);
ATF_TC_BODY(mistakes, tc)
{
	bad("policy \"default\" {\n}\n",
	    "p.conf:1: \"default\" is a built-in policy: give yours another name (base \"default\" starts from it)");
	bad("policy \"a\" {\n\tbase \"default\"\n}\npolicy \"a\" {\n\tbase \"default\"\n}\n",
	    "p.conf:4: policy \"a\" is defined twice");
	bad("policy \"a\"\n", "p.conf:1: \"policy\" needs a { } block");
	bad("policy \"\" {\n}\n", "p.conf:1: a policy name has 1 to 63 bytes");
	bad("policy \"a\" {\n\tbase \"modern\"\n}\n",
	    "p.conf:2: unknown base policy \"modern\" (a built-in name, or a policy defined earlier)");
	bad("policy \"a\" {\n\tbase \"b\"\n}\npolicy \"b\" {\n\tbase \"default\"\n}\n",
	    "p.conf:2: unknown base policy \"b\" (a built-in name, or a policy defined earlier)");
	bad("policy \"a\" {\n\tbase \"default\"\n\tbase \"default\"\n}\n",
	    "p.conf:3: \"base\" given twice (first at p.conf:2)");
	bad("policy \"a\" {\n\tbase \"default\"\n\tcipher TLS_AES_128_GCM_SHA256\n}\n",
	    "p.conf:3: unknown directive \"cipher\" in the \"policy\" block");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tmin-version tls1.4\n}\n",
	    "p.conf:3: \"tls1.4\": unknown version (tls1.0, tls1.1, tls1.2 or tls1.3)");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tmin-version ssl3\n}\n",
	    "p.conf:3: SSLv3 is not implemented (RFC 7568 forbids it)");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tmin-version tls1.3\n\tmax-version tls1.2\n}\n",
	    "p.conf:3: min-version tls1.3 is above max-version tls1.2");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tciphers TLS_AES_128_GCM_SHA999\n}\n",
	    "p.conf:3: unknown cipher suite \"TLS_AES_128_GCM_SHA999\" (IANA or OpenSSL names, see moat(3))");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tciphers ECDHE-RSA-RC4-SHA\n}\n",
	    "p.conf:3: \"ECDHE-RSA-RC4-SHA\": RC4 is not implemented (RFC 7465 forbids it)");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tciphers TLS_AES_128_GCM_SHA256 TLS_AES_128_GCM_SHA256\n}\n",
	    "p.conf:3: cipher suite \"TLS_AES_128_GCM_SHA256\" is listed twice");
	/* The same suite by its IANA and its OpenSSL name is still one suite. */
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tmin-version tls1.2\n"
	    "\tciphers ECDHE-ECDSA-AES128-GCM-SHA256 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 TLS_AES_128_GCM_SHA256\n}\n",
	    "p.conf:4: cipher suite \"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\" is listed twice");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tgroups x25519 curve25519\n}\n",
	    "p.conf:3: unknown group \"curve25519\" (x25519mlkem768, secp256r1mlkem768, x25519, x448, secp256r1, "
	    "secp384r1, secp521r1, ffdhe2048 ... ffdhe8192)");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tgroups x25519 x25519\n}\n",
	    "p.conf:3: group \"x25519\" is listed twice");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tsignature-schemes rsa_pss_rsae_sha256 rsa_pss_rsae_sha256\n}\n",
	    "p.conf:3: signature scheme \"rsa_pss_rsae_sha256\" is listed twice");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tciphers {\n\t}\n}\n",
	    "p.conf:3: \"ciphers\" takes no block");
}

/* The policy as a whole: versions without suites, suites outside the versions, groups the suites need. */
ATF_TC_WITHOUT_HEAD(consistency);
ATF_TC_BODY(consistency, tc)
{
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tmax-version tls1.2\n\tciphers TLS_AES_128_GCM_SHA256\n}\n",
	    "p.conf:4: cipher suite TLS_AES_128_GCM_SHA256 is defined for tls1.3..tls1.3 only, outside tls1.0..tls1.2");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tciphers TLS_AES_128_GCM_SHA256 ECDHE-RSA-AES128-GCM-SHA256\n}\n",
	    "p.conf:3: no cipher suite for tls1.0, which the policy allows (change ciphers or the versions)");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tmin-version tls1.2\n\tciphers TLS_AES_128_GCM_SHA256\n}\n",
	    "p.conf:4: no cipher suite for tls1.2, which the policy allows (change ciphers or the versions)");
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tmin-version tls1.2\n"
	    "\tciphers TLS_AES_128_GCM_SHA256 ECDHE-RSA-AES128-GCM-SHA256\n\tgroups ffdhe2048\n}\n",
	    "p.conf:5: cipher suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 needs an elliptic curve group (x25519, "
	    "secp256r1, ...)");
	/* Without a groups line the message points at the block. */
	bad("policy \"a\" {\n\tmin-version tls1.3\n\tmax-version tls1.3\n\tciphers TLS_AES_128_GCM_SHA256\n"
	    "\tsignature-schemes ed25519\n}\n",
	    "p.conf:1: TLS 1.3 needs at least one group");
}

/*
 * The ML-KEM hybrids by name, in the policy files' lower case or the
 * registry's spelling (which --print-policy writes); they serve TLS 1.3
 * only, so a TLS 1.2 ECDHE suite still needs a curve beside them.
 */
ATF_TC_WITHOUT_HEAD(hybrid_names);
ATF_TC_BODY(hybrid_names, tc)
{
	struct moat_custom_policy p[1];
	struct moat_conf conf;
	const char *text = "policy \"pq\" {\n\tbase \"default_tls13\"\n"
			   "\tgroups x25519mlkem768 SecP256r1MLKEM768 x25519\n}\n";
	ATF_REQUIRE_EQ(load(text, p, COUNT(p), &conf), 1);
	ATF_REQUIRE_EQ(p[0].policy.groups_count, 3);
	ATF_REQUIRE_EQ(p[0].policy.groups[0], 0x11ec);
	ATF_REQUIRE_EQ(p[0].policy.groups[1], 0x11eb);
	ATF_REQUIRE_EQ(p[0].policy.groups[2], 0x001d);
	moat_conf_free(&conf);
	bad("policy \"a\" {\n\tbase \"default_tls13\"\n\tmin-version tls1.2\n"
	    "\tciphers TLS_AES_128_GCM_SHA256 ECDHE-RSA-AES128-GCM-SHA256\n\tgroups x25519mlkem768\n}\n",
	    "p.conf:5: cipher suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 needs an elliptic curve group (x25519, "
	    "secp256r1, ...)");
}

/* --print-policy: the printed block reads back as the same policy, for every built-in one. */
ATF_TC_WITHOUT_HEAD(print_round_trip);
ATF_TC_BODY(print_round_trip, tc)
{
	const struct moat_security_policy *b;
	for (size_t i = 0; (b = moat_security_policy_at(i)) != NULL; i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		ATF_REQUIRE(f != NULL);
		EXPECT_OK(moat_policy_print(f, b));
		ATF_REQUIRE(fclose(f) == 0);
		/* Under another name: the built-in one is taken. */
		char *brace = strchr(text, '{');
		ATF_REQUIRE(brace != NULL);
		char renamed[8192];
		snprintf(renamed, sizeof(renamed), "policy \"copy\" %s", brace);
		struct moat_custom_policy p[1];
		struct moat_conf conf;
		ATF_REQUIRE_EQ_MSG(load(renamed, p, 1, &conf), 1, "%s: %s\n%s", b->name, moat_conf_error(&conf), renamed);
		ATF_REQUIRE_MSG(moat_security_policy_equal(b, &p[0].policy), "%s does not read back the same", b->name);
		moat_conf_free(&conf);
		free(text);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, base_then_changes);
	ATF_TP_ADD_TC(tp, no_base);
	ATF_TP_ADD_TC(tp, mistakes);
	ATF_TP_ADD_TC(tp, consistency);
	ATF_TP_ADD_TC(tp, hybrid_names);
	ATF_TP_ADD_TC(tp, print_round_trip);
	return atf_no_error();
}
