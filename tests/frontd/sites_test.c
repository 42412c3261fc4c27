/*
 * SNI routing: name syntax, wildcard rules (RFC 6125 §6.4.3: "*" stands
 * for exactly one label), exact names before wildcards, case and trailing
 * dot ignored, and the fallback site for no SNI or unknown names.
 */
#include <string.h>

#include "frontd/keyd_keys.h"
#include "frontd/sites.h"
#include "tests/moat_test.h"
#include "tests/tls/test_certs.h"
#include "tls/key_caps.h"

static void norm_ok(const char *in, const char *want)
{
	char out[FRONTD_MAX_NAME + 2];
	EXPECT_OK(frontd_name_normalize(in, out, sizeof(out)));
	ATF_REQUIRE_STREQ(out, want);
}

static void norm_bad(const char *in)
{
	char out[FRONTD_MAX_NAME + 2];
	EXPECT_ERR(frontd_name_normalize(in, out, sizeof(out)), MOAT_ERR_INVALID_ARG);
}

ATF_TC_WITHOUT_HEAD(normalize);
ATF_TC_BODY(normalize, tc)
{
	norm_ok("Example.TEST", "example.test");
	norm_ok("example.test.", "example.test");
	norm_ok("*.Example.test", "*.example.test");
	norm_ok("localhost", "localhost");
	norm_ok("a-b.c0", "a-b.c0");
	norm_bad("");
	norm_bad(".");
	norm_bad("a..b");
	norm_bad(".a");
	norm_bad("a b");
	norm_bad("a_b.test");
	norm_bad("*");
	norm_bad("*.");
	norm_bad("a.*.test");
	norm_bad("*a.test");
	norm_bad("**.test");
	norm_bad("caf\xc3\xa9.test");

	char label[80], name[300];
	memset(label, 'a', 63);
	label[63] = '\0';
	norm_ok(label, label);
	memset(label, 'a', 64);
	label[64] = '\0';
	norm_bad(label);
	/* 253 bytes is the longest name. */
	memset(name, 'a', sizeof(name));
	for (size_t i = 63; i < 253; i += 64)
		name[i] = '.';
	name[253] = '\0';
	norm_ok(name, name);
	name[253] = 'a';
	name[254] = '\0';
	norm_bad(name);

	/* Too small an output buffer is refused, not truncated. */
	char small[4];
	EXPECT_ERR(frontd_name_normalize("abcd", small, sizeof(small)), MOAT_ERR_INVALID_ARG);
}

ATF_TC_WITHOUT_HEAD(wildcards);
ATF_TC_BODY(wildcards, tc)
{
	ATF_REQUIRE(frontd_name_matches("*.example.test", "a.example.test"));
	ATF_REQUIRE(frontd_name_matches("*.example.test", "xn--bcher-kva.example.test"));
	ATF_REQUIRE(!frontd_name_matches("*.example.test", "example.test"));
	ATF_REQUIRE(!frontd_name_matches("*.example.test", "a.b.example.test"));
	ATF_REQUIRE(!frontd_name_matches("*.example.test", ".example.test"));
	ATF_REQUIRE(!frontd_name_matches("*.example.test", "aexample.test"));
	ATF_REQUIRE(!frontd_name_matches("*.example.test", "a.example.testx"));
	ATF_REQUIRE(frontd_name_matches("example.test", "example.test"));
	ATF_REQUIRE(!frontd_name_matches("example.test", "a.example.test"));
}

static struct frontd_site *site(struct frontd_sites *sites, const char *name, bool is_default)
{
	struct frontd_site *s = frontd_site_new(name);
	ATF_REQUIRE(s != NULL);
	s->is_default = is_default;
	EXPECT_OK(frontd_sites_add(sites, s));
	return s;
}

static void route(const struct frontd_sites *sites, const char *sni, const struct frontd_site *want, bool want_match)
{
	bool matched = !want_match;
	struct frontd_site *got = frontd_sites_lookup(sites, sni, &matched);
	ATF_REQUIRE_MSG(got == want, "%s: got site %s, want %s", sni ? sni : "(no sni)", got ? got->name : "none",
			want->name);
	ATF_REQUIRE_EQ_MSG(matched, want_match, "%s: matched %d", sni ? sni : "(no sni)", matched);
}

ATF_TC_WITHOUT_HEAD(lookup);
ATF_TC_BODY(lookup, tc)
{
	struct frontd_sites sites = { 0 };
	struct frontd_site *first = site(&sites, "first.test", false);
	struct frontd_site *wild = site(&sites, "wild.test", false);
	EXPECT_OK(frontd_site_add_name(wild, "*.example.test"));
	struct frontd_site *exact = site(&sites, "www.example.test", false);

	route(&sites, "first.test", first, true);
	route(&sites, "FIRST.Test.", first, true);
	route(&sites, "a.example.test", wild, true);
	/* The exact name wins although the wildcard site comes first. */
	route(&sites, "www.example.test", exact, true);
	route(&sites, "example.test", first, false);
	route(&sites, "a.b.example.test", first, false);
	/* No SNI, unknown names and names that cannot be valid get the fallback, unacknowledged. */
	route(&sites, NULL, first, false);
	route(&sites, "unknown.test", first, false);
	route(&sites, "*.example.test", first, false);
	route(&sites, "bad name", first, false);
	ATF_REQUIRE(frontd_sites_find_exact(&sites, "*.example.test") == wild);
	ATF_REQUIRE(frontd_sites_find_exact(&sites, "a.example.test") == NULL);
	frontd_sites_free(&sites);
	ATF_REQUIRE_EQ(sites.n, 0);
}

ATF_TC_WITHOUT_HEAD(default_site);
ATF_TC_BODY(default_site, tc)
{
	struct frontd_sites sites = { 0 };
	(void)site(&sites, "one.test", false);
	struct frontd_site *def = site(&sites, "two.test", true);
	(void)site(&sites, "three.test", false);
	ATF_REQUIRE(sites.fallback == def);
	route(&sites, NULL, def, false);
	route(&sites, "nowhere.test", def, false);
	frontd_sites_free(&sites);
}

ATF_TC_WITHOUT_HEAD(site_settings);
ATF_TC_BODY(site_settings, tc)
{
	struct frontd_site *s = frontd_site_new("x.test");
	ATF_REQUIRE(s != NULL);
	ATF_REQUIRE_STREQ(s->name, "x.test");
	EXPECT_OK(frontd_site_set_policy(s, moat_security_policy_find("default_tls13")));
	EXPECT_ERR(frontd_site_set_policy(s, NULL), MOAT_ERR_NULL_ARG);
	const char *alpn[] = { "h2", "http/1.1" };
	EXPECT_OK(frontd_site_set_alpn(s, alpn, 2));
	const char *empty[] = { "" };
	EXPECT_ERR(frontd_site_set_alpn(s, empty, 1), MOAT_ERR_INVALID_ARG);
	static const uint8_t not_pem[] = "this is not a certificate\n";
	ATF_REQUIRE(frontd_site_add_cert_pem(s, not_pem, sizeof(not_pem) - 1) == MOAT_FAILURE);
	ATF_REQUIRE_EQ(s->cert_count, 0);
	frontd_site_free(s);
}

/* keyd's key list (keyd_keys.h): each certificate gets its key's caps; a key keyd lacks is counted and restricts nothing. */
ATF_TC_WITHOUT_HEAD(keyd_key_caps);
ATF_TC_BODY(keyd_key_caps, tc)
{
	struct moat_ipc_key_info k;
	memset(&k, 0, sizeof(k));
	ATF_REQUIRE_EQ(frontd_key_caps(&k), 0);
	k.flags = MOAT_IPC_KEY_FLAG_SERVER;
	ATF_REQUIRE_EQ(frontd_key_caps(&k), MOAT_KEY_CAP_TLS13);
	k.flags = MOAT_IPC_KEY_FLAG_CLIENT | MOAT_IPC_KEY_FLAG_TLS12;
	ATF_REQUIRE_EQ(frontd_key_caps(&k), MOAT_KEY_CAP_TLS12);
	k.flags = MOAT_IPC_KEY_FLAGS_ALL;
	ATF_REQUIRE_EQ(frontd_key_caps(&k), MOAT_KEY_CAPS_ALL);

	struct test_pki pki;
	test_pki_make(&pki, TEST_KEY_P256);
	struct frontd_sites sites;
	memset(&sites, 0, sizeof(sites));
	struct frontd_site *s = frontd_site_new("a.test");
	ATF_REQUIRE(s != NULL);
	EXPECT_OK(frontd_site_add_cert_pem(s, (const uint8_t *)pki.chain_pem, strlen(pki.chain_pem)));
	EXPECT_OK(frontd_site_set_policy(s, moat_security_policy_find("20190214")));
	EXPECT_OK(frontd_sites_add(&sites, s));
	ATF_REQUIRE_EQ(moat_cert_chain_and_key_get_key_caps(s->certs[0].ck), MOAT_KEY_CAPS_ALL);

	struct moat_ipc_key_info keys[2];
	memset(keys, 0, sizeof(keys));
	memset(keys[0].key_id, 0x11, sizeof(keys[0].key_id));
	keys[0].flags = MOAT_IPC_KEY_FLAGS_ALL;
	memcpy(keys[1].key_id, s->certs[0].key_id, sizeof(keys[1].key_id));
	keys[1].key_type = MOAT_IPC_KEY_EC_P256;
	keys[1].flags = MOAT_IPC_KEY_FLAG_SERVER | MOAT_IPC_KEY_FLAG_TLS12;
	ATF_REQUIRE_EQ(frontd_keys_apply(&sites, keys, 2), 0);
	ATF_REQUIRE_EQ(moat_cert_chain_and_key_get_key_caps(s->certs[0].ck), MOAT_KEY_CAP_TLS13 | MOAT_KEY_CAP_TLS12);
	/* keyd no longer holds it (a reconnection to a keyd without it): counted, and no restriction left. */
	ATF_REQUIRE_EQ(frontd_keys_apply(&sites, keys, 1), 1);
	ATF_REQUIRE_EQ(moat_cert_chain_and_key_get_key_caps(s->certs[0].ck), MOAT_KEY_CAPS_ALL);
	ATF_REQUIRE_STREQ(s->certs[0].cn, "localhost");
	frontd_sites_free(&sites);
	test_pki_free(&pki);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, normalize);
	ATF_TP_ADD_TC(tp, wildcards);
	ATF_TP_ADD_TC(tp, lookup);
	ATF_TP_ADD_TC(tp, default_site);
	ATF_TP_ADD_TC(tp, site_settings);
	ATF_TP_ADD_TC(tp, keyd_key_caps);
	return atf_no_error();
}
