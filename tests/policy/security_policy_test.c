/*
 * The named security policies against the three charts of the s2n-tls usage
 * guide ("Security Policies"), transcribed below as data, cell for cell, and
 * against the guide's preference-order rules.
 *
 * How the rules are read (the same reading as policy/security_policy.c, but
 * checked here by a sort key rather than by the lists themselves):
 *  1. highest version first: every TLS 1.3 suite precedes every other;
 *  2. forward secrecy first, ECDHE over DHE: ECDHE, then DHE, then RSA key
 *     transport; ECDSA before RSA certificates inside ECDHE;
 *  3. inside one key-exchange/authentication group: AES-128, AES-256,
 *     ChaCha20, 3DES;
 *  4. inside one cipher: AEAD (GCM, Poly1305), then HMAC-SHA256/384, then
 *     HMAC-SHA1.
 * The key (rule 1, 2, 3, 4) must strictly increase along each list, which
 * also rules out duplicates. "20160411" and "20170405" put CBC suites at
 * the top (the guide says so); their hoisted prefix is checked separately
 * and the rest of their list must follow the rules.
 *
 * Chart cells this port deliberately does not honour: SSLv3 (RFC 7568) and
 * RC4 (RFC 7465). The test expects them absent even where the chart has X.
 */
#include <string.h>

#include "policy/security_policy.h"
#include "tests/moat_test.h"
#include "tls/iana.h"

#define X true
#define _ false
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Chart 1: protocol versions and cipher families. */
static const struct {
	const char *name;
	bool ssl3, tls10, tls11, tls12, tls13;
	bool cbc, chacha, ecdsa, gcm, des3, rc4, dhe, ecdhe;
} chart1[] = {
	/*                  SSLv3 1.0 1.1 1.2 1.3   CBC ChaCha ECDSA GCM 3DES RC4 DHE ECDHE */
	{ "default",        _,   X,  X,  X,  _,    X,  X,     _,    X,  _,   _,  _,  X },
	{ "20190214",       _,   X,  X,  X,  _,    X,  _,     X,    X,  X,   _,  X,  X },
	{ "20170718",       _,   X,  X,  X,  _,    X,  _,     _,    X,  _,   _,  _,  X },
	{ "20170405",       _,   X,  X,  X,  _,    X,  _,     _,    X,  X,   _,  _,  X },
	{ "20170328",       _,   X,  X,  X,  _,    X,  _,     _,    X,  X,   _,  X,  X },
	{ "20170210",       _,   X,  X,  X,  _,    X,  X,     _,    X,  _,   _,  _,  X },
	{ "20160824",       _,   X,  X,  X,  _,    X,  _,     _,    X,  _,   _,  _,  X },
	{ "20160804",       _,   X,  X,  X,  _,    X,  _,     _,    X,  X,   _,  _,  X },
	{ "20160411",       _,   X,  X,  X,  _,    X,  _,     _,    X,  X,   _,  _,  X },
	{ "20150306",       _,   X,  X,  X,  _,    X,  _,     _,    X,  X,   _,  _,  X },
	{ "20150214",       _,   X,  X,  X,  _,    X,  _,     _,    X,  X,   _,  X,  _ },
	{ "20150202",       _,   X,  X,  X,  _,    X,  _,     _,    _,  X,   _,  X,  _ },
	{ "20141001",       _,   X,  X,  X,  _,    X,  _,     _,    _,  X,   X,  X,  _ },
	{ "20140601",       X,   X,  X,  X,  _,    X,  _,     _,    _,  X,   X,  X,  _ },
	{ "20190120",       _,   X,  X,  X,  _,    X,  _,     _,    X,  X,   _,  _,  X },
	{ "20190121",       _,   X,  X,  X,  _,    X,  _,     _,    X,  X,   _,  _,  X },
	{ "20190122",       _,   X,  X,  X,  _,    X,  _,     X,    X,  X,   _,  X,  X },
	{ "default_tls13",  _,   X,  X,  X,  X,    X,  X,     X,    X,  _,   _,  _,  X },
	{ "20190801",       _,   X,  X,  X,  X,    X,  X,     _,    X,  _,   _,  _,  X },
	{ "20190802",       _,   X,  X,  X,  X,    X,  X,     _,    X,  _,   _,  _,  X },
	{ "20200207",       _,   X,  X,  X,  X,    X,  X,     _,    X,  _,   _,  _,  _ },
};

/* Chart 2: signature schemes. */
static const struct {
	const char *name;
	bool pkcs1, ecdsa, sha1, pss;
} chart2[] = {
	/*                  PKCS1 ECDSA SHA-1 PSS */
	{ "default",        X,    X,    X,    _ },
	{ "20190214",       X,    X,    X,    _ },
	{ "20170718",       X,    X,    X,    _ },
	{ "20170405",       X,    X,    X,    _ },
	{ "20170328",       X,    X,    X,    _ },
	{ "20170210",       X,    X,    X,    _ },
	{ "20160824",       X,    X,    X,    _ },
	{ "20160804",       X,    X,    X,    _ },
	{ "20160411",       X,    X,    X,    _ },
	{ "20150306",       X,    X,    X,    _ },
	{ "20150214",       X,    X,    X,    _ },
	{ "20150202",       X,    X,    X,    _ },
	{ "20141001",       X,    X,    X,    _ },
	{ "20140601",       X,    X,    X,    _ },
	{ "20190120",       X,    X,    X,    _ },
	{ "20190121",       X,    X,    X,    _ },
	{ "20190122",       X,    X,    X,    _ },
	{ "default_tls13",  X,    X,    X,    X },
	{ "20190801",       X,    X,    X,    X },
	{ "20190802",       X,    X,    X,    X },
	{ "20200207",       X,    X,    X,    X },
};

/* Chart 3: groups. */
static const struct {
	const char *name;
	bool p256, p384, x25519;
} chart3[] = {
	/*                  P-256 P-384 x25519 */
	{ "default",        X,    X,    _ },
	{ "20190214",       X,    X,    _ },
	{ "20170718",       X,    X,    _ },
	{ "20170405",       X,    X,    _ },
	{ "20170328",       X,    X,    _ },
	{ "20170210",       X,    X,    _ },
	{ "20160824",       X,    X,    _ },
	{ "20160804",       X,    X,    _ },
	{ "20160411",       X,    X,    _ },
	{ "20150306",       X,    X,    _ },
	{ "20150214",       X,    X,    _ },
	{ "20150202",       X,    X,    _ },
	{ "20141001",       X,    X,    _ },
	{ "20140601",       X,    X,    _ },
	{ "20190120",       X,    X,    _ },
	{ "20190121",       X,    X,    _ },
	{ "20190122",       X,    X,    _ },
	{ "default_tls13",  X,    X,    X },
	{ "20190801",       X,    X,    X },
	{ "20190802",       X,    X,    _ },
	{ "20200207",       X,    X,    X },
};

#undef X
#undef _

static const struct moat_security_policy *get(const char *name)
{
	const struct moat_security_policy *p = moat_security_policy_find(name);
	ATF_REQUIRE_MSG(p != NULL, "policy \"%s\" missing", name);
	ATF_REQUIRE_STREQ(p->name, name);
	return p;
}

/* Cipher families as the chart's columns name them. */
static bool is_cbc(const struct moat_cipher_suite *s)
{
	return s->cipher == MOAT_CIPHER_AES_128_CBC || s->cipher == MOAT_CIPHER_AES_256_CBC;
}

static bool is_gcm(const struct moat_cipher_suite *s)
{
	return s->cipher == MOAT_CIPHER_AES_128_GCM || s->cipher == MOAT_CIPHER_AES_256_GCM;
}

static bool has_any(const struct moat_security_policy *p, bool (*pred)(const struct moat_cipher_suite *))
{
	for (size_t i = 0; i < p->cipher_suites_count; i++) {
		if (pred(p->cipher_suites[i]))
			return true;
	}
	return false;
}

static bool is_chacha(const struct moat_cipher_suite *s) { return s->cipher == MOAT_CIPHER_CHACHA20_POLY1305; }
static bool is_3des(const struct moat_cipher_suite *s) { return s->cipher == MOAT_CIPHER_3DES_EDE_CBC; }
static bool is_ecdsa(const struct moat_cipher_suite *s) { return s->auth == MOAT_AUTH_ECDSA; }
static bool is_dhe(const struct moat_cipher_suite *s) { return s->kx == MOAT_KX_DHE; }
static bool is_ecdhe(const struct moat_cipher_suite *s) { return s->kx == MOAT_KX_ECDHE; }
static bool is_tls13(const struct moat_cipher_suite *s) { return s->kx == MOAT_KX_TLS13; }
static bool is_rc4(const struct moat_cipher_suite *s) { return strstr(s->name, "RC4") != NULL; }

/* Policies of our own, after the charts' rows (see policy/security_policy.c). */
static const char *const own_policies[] = { "default_tls13_ffdhe" };

ATF_TC_WITHOUT_HEAD(charts_cover_every_policy);
ATF_TC_BODY(charts_cover_every_policy, tc)
{
	size_t n = moat_security_policy_count();
	ATF_REQUIRE_EQ(n, COUNT(chart1) + COUNT(own_policies));
	ATF_REQUIRE_EQ(COUNT(chart2), COUNT(chart1));
	ATF_REQUIRE_EQ(COUNT(chart3), COUNT(chart1));
	for (size_t i = COUNT(chart1); i < n; i++) {
		const struct moat_security_policy *p = moat_security_policy_at(i);
		ATF_REQUIRE(p != NULL);
		ATF_CHECK_STREQ(p->name, own_policies[i - COUNT(chart1)]);
		ATF_CHECK(moat_security_policy_find(p->name) == p);
	}
	for (size_t i = 0; i < COUNT(chart1); i++) {
		/* The three charts list the same rows in the same order, and so does the library. */
		ATF_REQUIRE_STREQ(chart2[i].name, chart1[i].name);
		ATF_REQUIRE_STREQ(chart3[i].name, chart1[i].name);
		const struct moat_security_policy *p = moat_security_policy_at(i);
		ATF_REQUIRE(p != NULL);
		ATF_CHECK_STREQ(p->name, chart1[i].name);
		ATF_CHECK(moat_security_policy_find(p->name) == p);
	}
	ATF_CHECK(moat_security_policy_at(n) == NULL);
	ATF_CHECK(moat_security_policy_at((size_t)-1) == NULL);
}

ATF_TC_WITHOUT_HEAD(chart_versions);
ATF_TC_BODY(chart_versions, tc)
{
	for (size_t i = 0; i < COUNT(chart1); i++) {
		const struct moat_security_policy *p = get(chart1[i].name);
		const char *n = p->name;
		/* SSLv3 is never supported (RFC 7568), chart or not. */
		(void)chart1[i].ssl3;
		ATF_CHECK_MSG(!moat_security_policy_supports_version(p, 0x0300), "%s", n);
		ATF_CHECK_EQ_MSG(moat_security_policy_supports_version(p, MOAT_TLS10), chart1[i].tls10, "%s", n);
		ATF_CHECK_EQ_MSG(moat_security_policy_supports_version(p, MOAT_TLS11), chart1[i].tls11, "%s", n);
		ATF_CHECK_EQ_MSG(moat_security_policy_supports_version(p, MOAT_TLS12), chart1[i].tls12, "%s", n);
		ATF_CHECK_EQ_MSG(moat_security_policy_supports_version(p, MOAT_TLS13), chart1[i].tls13, "%s", n);
		ATF_CHECK_MSG(!moat_security_policy_supports_version(p, 0x0305), "%s", n);
		ATF_CHECK_MSG(!moat_security_policy_supports_version(p, 0x0200), "%s", n);
		ATF_CHECK_EQ_MSG(p->min_version, MOAT_TLS10, "%s", n);
		ATF_CHECK_EQ_MSG(p->max_version, chart1[i].tls13 ? MOAT_TLS13 : MOAT_TLS12, "%s", n);
	}
}

/* Each family column present exactly where the chart has X. */
ATF_TC_WITHOUT_HEAD(chart_cipher_families);
ATF_TC_BODY(chart_cipher_families, tc)
{
	for (size_t i = 0; i < COUNT(chart1); i++) {
		const struct moat_security_policy *p = get(chart1[i].name);
		const char *n = p->name;
		ATF_CHECK_EQ_MSG(has_any(p, is_cbc), chart1[i].cbc, "%s AES-CBC", n);
		ATF_CHECK_EQ_MSG(has_any(p, is_chacha), chart1[i].chacha, "%s ChaCha20", n);
		ATF_CHECK_EQ_MSG(has_any(p, is_ecdsa), chart1[i].ecdsa, "%s ECDSA", n);
		ATF_CHECK_EQ_MSG(has_any(p, is_gcm), chart1[i].gcm, "%s AES-GCM", n);
		ATF_CHECK_EQ_MSG(has_any(p, is_3des), chart1[i].des3, "%s 3DES", n);
		ATF_CHECK_EQ_MSG(has_any(p, is_dhe), chart1[i].dhe, "%s DHE", n);
		ATF_CHECK_EQ_MSG(has_any(p, is_ecdhe), chart1[i].ecdhe, "%s ECDHE", n);
		ATF_CHECK_EQ_MSG(has_any(p, is_tls13), chart1[i].tls13, "%s TLS 1.3 suites", n);
		/* RC4 is never there (RFC 7465), chart or not. */
		(void)chart1[i].rc4;
		ATF_CHECK_MSG(!has_any(p, is_rc4), "%s RC4", n);
	}
}

/*
 * Stronger than presence: the suite set is exactly what the row's marks
 * allow, taken from the whole registry. A registry suite belongs to a row
 * when its cipher family is marked (TLS 1.3 suites: their AES-GCM or
 * ChaCha20 family and the TLS 1.3 column), its key exchange is marked (RSA
 * key transport has no column and is always in), and, for ECDSA suites, the
 * ECDSA column is marked.
 */
ATF_TC_WITHOUT_HEAD(chart_exact_suite_sets);
ATF_TC_BODY(chart_exact_suite_sets, tc)
{
	for (size_t i = 0; i < COUNT(chart1); i++) {
		const struct moat_security_policy *p = get(chart1[i].name);
		size_t expected = 0;
		for (size_t j = 0; j < moat_cipher_suite_count(); j++) {
			const struct moat_cipher_suite *s = moat_cipher_suite_at(j);
			bool in = (is_cbc(s) && chart1[i].cbc) || (is_gcm(s) && chart1[i].gcm) ||
				  (is_chacha(s) && chart1[i].chacha) || (is_3des(s) && chart1[i].des3);
			switch (s->kx) {
			case MOAT_KX_TLS13: in = in && chart1[i].tls13; break;
			case MOAT_KX_ECDHE: in = in && chart1[i].ecdhe; break;
			case MOAT_KX_DHE: in = in && chart1[i].dhe; break;
			case MOAT_KX_RSA: break;
			}
			if (s->auth == MOAT_AUTH_ECDSA)
				in = in && chart1[i].ecdsa;
			ATF_CHECK_EQ_MSG(moat_security_policy_has_suite(p, s->iana), in, "%s: %s", p->name, s->name);
			expected += in;
		}
		ATF_CHECK_EQ_MSG(p->cipher_suites_count, expected, "%s", p->name);
	}
}

/* Canonical scheme order; the chart's columns select from it. */
enum sig_family { SIG_ECDSA, SIG_PSS, SIG_PKCS1, SIG_SHA1, SIG_NONE };
static const struct {
	uint16_t scheme;
	enum sig_family fam;
} sig_order[] = {
	{ MOAT_SIG_ECDSA_SECP256R1_SHA256, SIG_ECDSA },
	{ MOAT_SIG_ECDSA_SECP384R1_SHA384, SIG_ECDSA },
	{ MOAT_SIG_ECDSA_SECP521R1_SHA512, SIG_ECDSA },
	{ MOAT_SIG_RSA_PSS_PSS_SHA256, SIG_PSS },
	{ MOAT_SIG_RSA_PSS_PSS_SHA384, SIG_PSS },
	{ MOAT_SIG_RSA_PSS_PSS_SHA512, SIG_PSS },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA256, SIG_PSS },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA384, SIG_PSS },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA512, SIG_PSS },
	{ MOAT_SIG_RSA_PKCS1_SHA256, SIG_PKCS1 },
	{ MOAT_SIG_RSA_PKCS1_SHA384, SIG_PKCS1 },
	{ MOAT_SIG_RSA_PKCS1_SHA512, SIG_PKCS1 },
	{ MOAT_SIG_ECDSA_SHA1, SIG_SHA1 },
	{ MOAT_SIG_RSA_PKCS1_SHA1, SIG_SHA1 },
	/* In no chart. */
	{ MOAT_SIG_ED25519, SIG_NONE },
	{ MOAT_SIG_ED448, SIG_NONE },
	{ 0x0202, SIG_NONE },   /* dsa_sha1 */
	{ 0x0101, SIG_NONE },   /* rsa_md5 */
};

ATF_TC_WITHOUT_HEAD(chart_sig_schemes);
ATF_TC_BODY(chart_sig_schemes, tc)
{
	for (size_t i = 0; i < COUNT(chart2); i++) {
		const struct moat_security_policy *p = get(chart2[i].name);
		size_t k = 0;
		for (size_t j = 0; j < COUNT(sig_order); j++) {
			bool want;
			switch (sig_order[j].fam) {
			case SIG_ECDSA: want = chart2[i].ecdsa; break;
			case SIG_PSS: want = chart2[i].pss; break;
			case SIG_PKCS1: want = chart2[i].pkcs1; break;
			case SIG_SHA1: want = chart2[i].sha1; break;
			default: want = false; break;
			}
			ATF_CHECK_EQ_MSG(moat_security_policy_has_sig_scheme(p, sig_order[j].scheme), want,
					 "%s: 0x%04x", p->name, sig_order[j].scheme);
			if (!want)
				continue;
			/* Present ones appear in exactly the canonical order. */
			ATF_REQUIRE_MSG(k < p->sig_schemes_count, "%s: list too short", p->name);
			ATF_CHECK_EQ_MSG(p->sig_schemes[k], sig_order[j].scheme, "%s: position %zu", p->name, k);
			k++;
		}
		ATF_CHECK_EQ_MSG(p->sig_schemes_count, k, "%s", p->name);
	}
}

static const struct {
	uint16_t group;
	int column;   /* 0 x25519, 1 P-256, 2 P-384, -1 in no chart */
} group_order[] = {
	{ MOAT_GROUP_X25519, 0 },
	{ MOAT_GROUP_SECP256R1, 1 },
	{ MOAT_GROUP_SECP384R1, 2 },
	{ MOAT_GROUP_SECP521R1, -1 },
	{ MOAT_GROUP_X448, -1 },
	{ MOAT_GROUP_FFDHE2048, -1 },
	{ MOAT_GROUP_FFDHE8192, -1 },
};

/* Groups in no chart column: only "default_tls13" (which may change) has any, after the charted ones. */
static const uint16_t default_tls13_beyond_chart[] = { MOAT_GROUP_X448, MOAT_GROUP_SECP521R1 };
/* ... and the ML-KEM hybrids before them (draft-ietf-tls-ecdhe-mlkem): the default prefers a client's hybrid share. */
static const uint16_t default_tls13_hybrids[] = { MOAT_GROUP_X25519MLKEM768, MOAT_GROUP_SECP256R1MLKEM768 };

ATF_TC_WITHOUT_HEAD(chart_groups);
ATF_TC_BODY(chart_groups, tc)
{
	for (size_t i = 0; i < COUNT(chart3); i++) {
		const struct moat_security_policy *p = get(chart3[i].name);
		const bool cols[3] = { chart3[i].x25519, chart3[i].p256, chart3[i].p384 };
		bool is_default13 = strcmp(p->name, "default_tls13") == 0;
		size_t k = 0;
		for (size_t j = 0; j < COUNT(default_tls13_hybrids); j++) {
			ATF_CHECK_EQ_MSG(moat_security_policy_has_group(p, default_tls13_hybrids[j]), is_default13,
					 "%s: 0x%04x", p->name, default_tls13_hybrids[j]);
			if (is_default13) {
				ATF_CHECK_EQ_MSG(p->groups[k], default_tls13_hybrids[j], "%s: position %zu", p->name, k);
				k++;
			}
		}
		for (size_t j = 0; j < COUNT(group_order); j++) {
			bool want = group_order[j].column >= 0 && cols[group_order[j].column];
			if (group_order[j].column < 0)
				continue;
			ATF_CHECK_EQ_MSG(moat_security_policy_has_group(p, group_order[j].group), want,
					 "%s: 0x%04x", p->name, group_order[j].group);
			if (!want)
				continue;
			ATF_REQUIRE_MSG(k < p->groups_count, "%s: list too short", p->name);
			ATF_CHECK_EQ_MSG(p->groups[k], group_order[j].group, "%s: position %zu", p->name, k);
			k++;
		}
		for (size_t j = 0; is_default13 && j < COUNT(default_tls13_beyond_chart); j++) {
			ATF_REQUIRE_MSG(k < p->groups_count, "%s: list too short", p->name);
			ATF_CHECK_EQ_MSG(p->groups[k], default_tls13_beyond_chart[j], "%s: position %zu", p->name, k);
			k++;
		}
		for (size_t j = 0; !is_default13 && j < COUNT(group_order); j++) {
			if (group_order[j].column < 0)
				ATF_CHECK_MSG(!moat_security_policy_has_group(p, group_order[j].group), "%s: 0x%04x",
					      p->name, group_order[j].group);
		}
		ATF_CHECK_EQ_MSG(p->groups_count, k, "%s", p->name);
	}
}

/*
 * "default_tls13_ffdhe" is "default_tls13" plus the five RFC 7919 groups
 * after every curve; no other policy has a finite field group.
 */
ATF_TC_WITHOUT_HEAD(ffdhe_policy);
ATF_TC_BODY(ffdhe_policy, tc)
{
	static const uint16_t want[] = {
		MOAT_GROUP_X25519MLKEM768, MOAT_GROUP_SECP256R1MLKEM768, MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1,
		MOAT_GROUP_SECP384R1,	   MOAT_GROUP_X448,		 MOAT_GROUP_SECP521R1, MOAT_GROUP_FFDHE2048,
		MOAT_GROUP_FFDHE3072,	   MOAT_GROUP_FFDHE4096,	 MOAT_GROUP_FFDHE6144, MOAT_GROUP_FFDHE8192,
	};
	const struct moat_security_policy *p = get("default_tls13_ffdhe");
	const struct moat_security_policy *d = get("default_tls13");
	ATF_CHECK(p->cipher_suites == d->cipher_suites && p->cipher_suites_count == d->cipher_suites_count);
	ATF_CHECK(p->sig_schemes == d->sig_schemes && p->sig_schemes_count == d->sig_schemes_count);
	ATF_CHECK_EQ(p->min_version, d->min_version);
	ATF_CHECK_EQ(p->max_version, d->max_version);
	ATF_REQUIRE_EQ(p->groups_count, COUNT(want));
	for (size_t i = 0; i < COUNT(want); i++)
		ATF_CHECK_EQ_MSG(p->groups[i], want[i], "position %zu", i);
	/* The same curves as "default_tls13", in its order. */
	ATF_REQUIRE(d->groups_count <= p->groups_count);
	for (size_t i = 0; i < d->groups_count; i++)
		ATF_CHECK_EQ(p->groups[i], d->groups[i]);

	for (size_t i = 0; i < moat_security_policy_count(); i++) {
		const struct moat_security_policy *q = moat_security_policy_at(i);
		if (q == p)
			continue;
		for (uint16_t g = MOAT_GROUP_FFDHE2048; g <= MOAT_GROUP_FFDHE8192; g++)
			ATF_CHECK_MSG(!moat_security_policy_has_group(q, g), "%s: 0x%04x", q->name, g);
	}
}

/* Registry membership, version ranges, no duplicates, every version usable. */
ATF_TC_WITHOUT_HEAD(suites_known_and_in_range);
ATF_TC_BODY(suites_known_and_in_range, tc)
{
	for (size_t i = 0; i < moat_security_policy_count(); i++) {
		const struct moat_security_policy *p = moat_security_policy_at(i);
		bool any13 = false;
		ATF_REQUIRE(p->cipher_suites_count > 0 && p->sig_schemes_count > 0 && p->groups_count > 0);
		ATF_CHECK(p->min_version <= p->max_version);
		for (size_t j = 0; j < p->cipher_suites_count; j++) {
			const struct moat_cipher_suite *s = p->cipher_suites[j];
			ATF_REQUIRE(s != NULL);
			ATF_CHECK_MSG(moat_cipher_suite_find(s->iana) == s, "%s: %s not in registry", p->name, s->name);
			ATF_CHECK_MSG(s->min_version <= p->max_version && s->max_version >= p->min_version,
				      "%s: %s outside the policy's versions", p->name, s->name);
			any13 |= s->min_version == MOAT_TLS13;
			for (size_t k = j + 1; k < p->cipher_suites_count; k++)
				ATF_CHECK_MSG(p->cipher_suites[k] != s, "%s: %s twice", p->name, s->name);
		}
		/* TLS 1.3 suites only in, and always in, TLS 1.3 policies. */
		ATF_CHECK_EQ_MSG(any13, p->max_version == MOAT_TLS13, "%s", p->name);
		/* Every version the policy admits has at least one suite to negotiate. */
		for (uint16_t v = p->min_version; v <= p->max_version; v++) {
			bool usable = false;
			for (size_t j = 0; j < p->cipher_suites_count; j++)
				usable |= moat_cipher_suite_supports_version(p->cipher_suites[j], v);
			ATF_CHECK_MSG(usable, "%s: no suite for 0x%04x", p->name, v);
		}
		for (size_t j = 0; j < p->sig_schemes_count; j++) {
			for (size_t k = j + 1; k < p->sig_schemes_count; k++)
				ATF_CHECK(p->sig_schemes[j] != p->sig_schemes[k]);
		}
		for (size_t j = 0; j < p->groups_count; j++) {
			for (size_t k = j + 1; k < p->groups_count; k++)
				ATF_CHECK(p->groups[j] != p->groups[k]);
		}
	}
}

/* Sort key of rules 1-4 (see the top of this file); smaller is preferred. */
static unsigned pref_key(const struct moat_cipher_suite *s)
{
	unsigned version = s->kx == MOAT_KX_TLS13 ? 0 : 1;
	unsigned kx_auth;
	unsigned cipher = 0;
	unsigned mode;

	if (s->kx == MOAT_KX_TLS13)
		kx_auth = 0;
	else if (s->kx == MOAT_KX_ECDHE)
		kx_auth = s->auth == MOAT_AUTH_ECDSA ? 1 : 2;
	else if (s->kx == MOAT_KX_DHE)
		kx_auth = 3;
	else
		kx_auth = 4;
	switch (s->cipher) {
	case MOAT_CIPHER_AES_128_GCM: case MOAT_CIPHER_AES_128_CBC: cipher = 0; break;
	case MOAT_CIPHER_AES_256_GCM: case MOAT_CIPHER_AES_256_CBC: cipher = 1; break;
	case MOAT_CIPHER_CHACHA20_POLY1305: cipher = 2; break;
	case MOAT_CIPHER_3DES_EDE_CBC: cipher = 3; break;
	}
	if (s->mac == MOAT_MAC_AEAD)
		mode = 0;
	else if (s->mac == MOAT_MAC_HMAC_SHA256 || s->mac == MOAT_MAC_HMAC_SHA384)
		mode = 1;
	else
		mode = 2;
	return version << 12 | kx_auth << 8 | cipher << 4 | mode;
}

/* The guide's documented exceptions: how many CBC suites each hoists to the top. */
static size_t hoisted(const char *name)
{
	if (strcmp(name, "20160411") == 0)
		return 1;
	if (strcmp(name, "20170405") == 0)
		return 2;
	return 0;
}

ATF_TC_WITHOUT_HEAD(preference_order);
ATF_TC_BODY(preference_order, tc)
{
	for (size_t i = 0; i < moat_security_policy_count(); i++) {
		const struct moat_security_policy *p = moat_security_policy_at(i);
		size_t h = hoisted(p->name);
		size_t n13 = 0;

		/* Rule 1, spelled out: the TLS 1.3 suites form a prefix. */
		while (n13 < p->cipher_suites_count && p->cipher_suites[n13]->kx == MOAT_KX_TLS13)
			n13++;
		for (size_t j = n13; j < p->cipher_suites_count; j++)
			ATF_CHECK_MSG(p->cipher_suites[j]->kx != MOAT_KX_TLS13, "%s: TLS 1.3 suite at %zu", p->name, j);

		ATF_REQUIRE(h < p->cipher_suites_count);
		for (size_t j = 0; j < h; j++) {
			const struct moat_cipher_suite *s = p->cipher_suites[j];
			ATF_CHECK_MSG(is_cbc(s) && s->kx == MOAT_KX_ECDHE, "%s: hoisted %s", p->name, s->name);
			if (j > 0)
				ATF_CHECK(pref_key(p->cipher_suites[j - 1]) < pref_key(s));
		}
		for (size_t j = h + 1; j < p->cipher_suites_count; j++) {
			const struct moat_cipher_suite *a = p->cipher_suites[j - 1], *b = p->cipher_suites[j];
			ATF_CHECK_MSG(pref_key(a) < pref_key(b), "%s: %s before %s", p->name, a->name, b->name);
		}
	}
}

/* Two full lists written out by hand, so a change to either is seen. */
ATF_TC_WITHOUT_HEAD(known_answer_lists);
ATF_TC_BODY(known_answer_lists, tc)
{
	static const uint16_t default_tls13[] = {
		0x1301, 0x1302, 0x1303,
		0xC02B, 0xC023, 0xC009, 0xC02C, 0xC024, 0xC00A, 0xCCA9,    /* ECDHE-ECDSA */
		0xC02F, 0xC027, 0xC013, 0xC030, 0xC028, 0xC014, 0xCCA8,    /* ECDHE-RSA */
		0x009C, 0x003C, 0x002F, 0x009D, 0x003D, 0x0035,            /* RSA */
	};
	static const uint16_t p20140601[] = {
		0x0067, 0x0033, 0x006B, 0x0039, 0x0016,                    /* DHE-RSA */
		0x003C, 0x002F, 0x003D, 0x0035, 0x000A,                    /* RSA */
	};
	static const uint16_t p20160411[] = {
		0xC013,                                                    /* hoisted CBC */
		0xC02F, 0xC027, 0xC030, 0xC028, 0xC014, 0xC012,
		0x009C, 0x003C, 0x002F, 0x009D, 0x003D, 0x0035, 0x000A,
	};
	static const struct {
		const char *name;
		const uint16_t *list;
		size_t n;
	} cases[] = {
		{ "default_tls13", default_tls13, COUNT(default_tls13) },
		{ "20140601", p20140601, COUNT(p20140601) },
		{ "20160411", p20160411, COUNT(p20160411) },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		const struct moat_security_policy *p = get(cases[i].name);
		ATF_REQUIRE_EQ_MSG(p->cipher_suites_count, cases[i].n, "%s", p->name);
		for (size_t j = 0; j < cases[i].n; j++)
			ATF_CHECK_EQ_MSG(p->cipher_suites[j]->iana, cases[i].list[j], "%s[%zu]", p->name, j);
	}
	/* Same chart row, same list. */
	ATF_CHECK(get("default")->cipher_suites == get("20170210")->cipher_suites);
	ATF_CHECK(get("20190801")->cipher_suites == get("20190802")->cipher_suites);
	ATF_CHECK(get("20190801")->groups_count == 3 && get("20190802")->groups_count == 2);
	ATF_CHECK(get("default_tls13")->groups_count == 7);
}

ATF_TC_WITHOUT_HEAD(unknown_names_and_null);
ATF_TC_BODY(unknown_names_and_null, tc)
{
	static const char *const absent[] = {
		"", "Default", "DEFAULT", "default ", " default", "default_tls12", "DEFAULT_TLS13",
		"2014060", "20140602", "201406011", "CloudFront-TLS-1-2-2019", "null",
	};
	for (size_t i = 0; i < COUNT(absent); i++)
		ATF_CHECK_MSG(moat_security_policy_find(absent[i]) == NULL, "\"%s\" found", absent[i]);
	ATF_CHECK(moat_security_policy_find(NULL) == NULL);
	ATF_CHECK(!moat_security_policy_has_suite(NULL, 0x1301));
	ATF_CHECK(!moat_security_policy_has_group(NULL, MOAT_GROUP_SECP256R1));
	ATF_CHECK(!moat_security_policy_has_sig_scheme(NULL, MOAT_SIG_RSA_PKCS1_SHA256));
	ATF_CHECK(!moat_security_policy_supports_version(NULL, MOAT_TLS12));

	const struct moat_security_policy *p = get("default");
	ATF_CHECK(moat_security_policy_has_suite(p, 0xC02F));
	ATF_CHECK(!moat_security_policy_has_suite(p, 0xC02B));   /* no ECDSA in "default" */
	ATF_CHECK(!moat_security_policy_has_suite(p, 0x1301));
	ATF_CHECK(!moat_security_policy_has_suite(p, 0x0005));   /* RC4 */
	ATF_CHECK(!moat_security_policy_has_suite(p, 0x0000));
}

/* RFC 7568 and RFC 7465 across every policy, including the ones the chart marks. */
ATF_TC_WITHOUT_HEAD(no_rc4_no_ssl3);
ATF_TC_BODY(no_rc4_no_ssl3, tc)
{
	for (size_t i = 0; i < moat_security_policy_count(); i++) {
		const struct moat_security_policy *p = moat_security_policy_at(i);
		ATF_CHECK_MSG(p->min_version >= MOAT_TLS10, "%s", p->name);
		ATF_CHECK(!moat_security_policy_supports_version(p, 0x0300));
		ATF_CHECK(!has_any(p, is_rc4));
		ATF_CHECK(!moat_security_policy_has_suite(p, 0x0004));
		ATF_CHECK(!moat_security_policy_has_suite(p, 0x0005));
		ATF_CHECK(!moat_security_policy_has_suite(p, 0xC011));
	}
	ATF_CHECK_EQ(get("20140601")->min_version, MOAT_TLS10);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, charts_cover_every_policy);
	ATF_TP_ADD_TC(tp, chart_versions);
	ATF_TP_ADD_TC(tp, chart_cipher_families);
	ATF_TP_ADD_TC(tp, chart_exact_suite_sets);
	ATF_TP_ADD_TC(tp, chart_sig_schemes);
	ATF_TP_ADD_TC(tp, chart_groups);
	ATF_TP_ADD_TC(tp, ffdhe_policy);
	ATF_TP_ADD_TC(tp, suites_known_and_in_range);
	ATF_TP_ADD_TC(tp, preference_order);
	ATF_TP_ADD_TC(tp, known_answer_lists);
	ATF_TP_ADD_TC(tp, unknown_names_and_null);
	ATF_TP_ADD_TC(tp, no_rc4_no_ssl3);
	return atf_no_error();
}
