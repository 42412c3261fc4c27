/*
 * The cipher-suite registry: code points and names against an independent
 * transcription of the IANA registry, every field against what the suite's
 * IANA name says, lookups by code and by both names, rejection of what moat
 * deliberately lacks (RC4, SSLv3, signalling values), and, when an openssl
 * binary is installed, our names against OpenSSL's own table.
 */
#include <stdio.h>
#include <string.h>

#include "policy/cipher_suites.h"
#include "tests/moat_test.h"
#include "tls/iana.h"

/* Transcribed from the IANA TLS Cipher Suites registry and `openssl ciphers -V -stdname`. */
static const struct {
	uint16_t iana;
	const char *name;
	const char *openssl_name;
} known[] = {
	{ 0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256" },
	{ 0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384" },
	{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256" },
	{ 0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256" },
	{ 0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384" },
	{ 0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256" },
	{ 0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384" },
	{ 0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA" },
	{ 0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA" },
	{ 0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305" },
	{ 0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-ECDSA-DES-CBC3-SHA" },
	{ 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256" },
	{ 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384" },
	{ 0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256" },
	{ 0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384" },
	{ 0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA" },
	{ 0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA" },
	{ 0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305" },
	{ 0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA" },
	{ 0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256" },
	{ 0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384" },
	{ 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256" },
	{ 0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256" },
	{ 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA" },
	{ 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA" },
	{ 0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305" },
	{ 0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "DHE-RSA-DES-CBC3-SHA" },
	{ 0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256" },
	{ 0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384" },
	{ 0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256" },
	{ 0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256" },
	{ 0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA" },
	{ 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA" },
	{ 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA" },
};
#define N_KNOWN (sizeof(known) / sizeof(known[0]))

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

ATF_TC_WITHOUT_HEAD(known_answers);
ATF_TC_BODY(known_answers, tc)
{
	ATF_REQUIRE_EQ(moat_cipher_suite_count(), N_KNOWN);
	for (size_t i = 0; i < N_KNOWN; i++) {
		const struct moat_cipher_suite *s = moat_cipher_suite_find(known[i].iana);
		ATF_REQUIRE_MSG(s != NULL, "0x%04x missing", known[i].iana);
		ATF_REQUIRE_STREQ(s->name, known[i].name);
		ATF_REQUIRE_STREQ(s->openssl_name, known[i].openssl_name);
		ATF_REQUIRE(moat_cipher_suite_find_name(known[i].name) == s);
		ATF_REQUIRE(moat_cipher_suite_find_name(known[i].openssl_name) == s);
	}
	/* The brief's examples, spelled out. */
	ATF_REQUIRE_STREQ(moat_cipher_suite_find(0xC02F)->openssl_name, "ECDHE-RSA-AES128-GCM-SHA256");
	ATF_REQUIRE_EQ(moat_cipher_suite_find_name("ECDHE-RSA-CHACHA20-POLY1305")->iana, 0xCCA8);
	ATF_REQUIRE_EQ(moat_cipher_suite_find_name("TLS_RSA_WITH_3DES_EDE_CBC_SHA")->iana, 0x000A);
	ATF_REQUIRE_EQ(moat_cipher_suite_find_name("TLS_AES_256_GCM_SHA384")->iana, MOAT_TLS_AES_256_GCM_SHA384);
}

/* Every field as the IANA name (and the RFC defining the suite) implies it. */
ATF_TC_WITHOUT_HEAD(fields_follow_the_name);
ATF_TC_BODY(fields_follow_the_name, tc)
{
	for (size_t i = 0; i < moat_cipher_suite_count(); i++) {
		const struct moat_cipher_suite *s = moat_cipher_suite_at(i);
		const char *n = s->name;
		moat_kx_kind kx;
		moat_auth_kind auth;
		moat_cipher_kind cipher;
		moat_mac_kind mac;
		moat_aead_alg aead = MOAT_AEAD_NONE;

		if (starts_with(n, "TLS_AES_") || starts_with(n, "TLS_CHACHA20_")) {
			kx = MOAT_KX_TLS13;
			auth = MOAT_AUTH_TLS13;
		} else if (starts_with(n, "TLS_ECDHE_ECDSA_WITH_")) {
			kx = MOAT_KX_ECDHE;
			auth = MOAT_AUTH_ECDSA;
		} else if (starts_with(n, "TLS_ECDHE_RSA_WITH_")) {
			kx = MOAT_KX_ECDHE;
			auth = MOAT_AUTH_RSA;
		} else if (starts_with(n, "TLS_DHE_RSA_WITH_")) {
			kx = MOAT_KX_DHE;
			auth = MOAT_AUTH_RSA;
		} else if (starts_with(n, "TLS_RSA_WITH_")) {
			kx = MOAT_KX_RSA;
			auth = MOAT_AUTH_RSA;
		} else {
			atf_tc_fail("%s: unexpected key exchange", n);
		}

		if (strstr(n, "_AES_128_GCM_") != NULL) {
			cipher = MOAT_CIPHER_AES_128_GCM;
			aead = MOAT_AEAD_AES_128_GCM;
		} else if (strstr(n, "_AES_256_GCM_") != NULL) {
			cipher = MOAT_CIPHER_AES_256_GCM;
			aead = MOAT_AEAD_AES_256_GCM;
		} else if (strstr(n, "_CHACHA20_POLY1305_") != NULL) {
			cipher = MOAT_CIPHER_CHACHA20_POLY1305;
			aead = MOAT_AEAD_CHACHA20_POLY1305;
		} else if (strstr(n, "_AES_128_CBC_") != NULL) {
			cipher = MOAT_CIPHER_AES_128_CBC;
		} else if (strstr(n, "_AES_256_CBC_") != NULL) {
			cipher = MOAT_CIPHER_AES_256_CBC;
		} else if (strstr(n, "_3DES_EDE_CBC_") != NULL) {
			cipher = MOAT_CIPHER_3DES_EDE_CBC;
		} else {
			atf_tc_fail("%s: unexpected cipher", n);
		}

		if (aead != MOAT_AEAD_NONE)
			mac = MOAT_MAC_AEAD;
		else if (ends_with(n, "_SHA"))
			mac = MOAT_MAC_HMAC_SHA1;
		else if (ends_with(n, "_SHA256"))
			mac = MOAT_MAC_HMAC_SHA256;
		else if (ends_with(n, "_SHA384"))
			mac = MOAT_MAC_HMAC_SHA384;
		else
			atf_tc_fail("%s: unexpected MAC", n);

		ATF_CHECK_EQ_MSG(s->kx, kx, "%s", n);
		ATF_CHECK_EQ_MSG(s->auth, auth, "%s", n);
		ATF_CHECK_EQ_MSG(s->cipher, cipher, "%s", n);
		ATF_CHECK_EQ_MSG(s->mac, mac, "%s", n);
		ATF_CHECK_EQ_MSG(s->aead, aead, "%s", n);
		/* RFC 8446 §B.4 and RFC 5289 §3.2: the hash in the name; RFC 5246 §5: SHA-256 otherwise. */
		ATF_CHECK_EQ_MSG(s->prf_hash, ends_with(n, "_SHA384") ? MOAT_HASH_SHA384 : MOAT_HASH_SHA256, "%s", n);

		if (kx == MOAT_KX_TLS13) {
			ATF_CHECK_EQ_MSG(s->min_version, MOAT_TLS13, "%s", n);
			ATF_CHECK_EQ_MSG(s->max_version, MOAT_TLS13, "%s", n);
		} else if (mac == MOAT_MAC_HMAC_SHA1) {
			ATF_CHECK_EQ_MSG(s->min_version, MOAT_TLS10, "%s", n);
			ATF_CHECK_EQ_MSG(s->max_version, MOAT_TLS12, "%s", n);
		} else {
			/* AEAD and SHA-2 HMAC suites are TLS 1.2-only. */
			ATF_CHECK_EQ_MSG(s->min_version, MOAT_TLS12, "%s", n);
			ATF_CHECK_EQ_MSG(s->max_version, MOAT_TLS12, "%s", n);
		}
	}
}

ATF_TC_WITHOUT_HEAD(codes_and_names_unique);
ATF_TC_BODY(codes_and_names_unique, tc)
{
	size_t n = moat_cipher_suite_count();
	for (size_t i = 0; i < n; i++) {
		const struct moat_cipher_suite *a = moat_cipher_suite_at(i);
		ATF_REQUIRE(a != NULL);
		ATF_REQUIRE(moat_cipher_suite_find(a->iana) == a);
		for (size_t j = i + 1; j < n; j++) {
			const struct moat_cipher_suite *b = moat_cipher_suite_at(j);
			ATF_CHECK(a->iana != b->iana);
			ATF_CHECK(strcmp(a->name, b->name) != 0);
			ATF_CHECK(strcmp(a->openssl_name, b->openssl_name) != 0);
			ATF_CHECK(strcmp(a->name, b->openssl_name) != 0);
			ATF_CHECK(strcmp(a->openssl_name, b->name) != 0);
		}
	}
	ATF_REQUIRE(moat_cipher_suite_at(n) == NULL);
	ATF_REQUIRE(moat_cipher_suite_at((size_t)-1) == NULL);
}

ATF_TC_WITHOUT_HEAD(unknown_codes);
ATF_TC_BODY(unknown_codes, tc)
{
	static const uint16_t absent[] = {
		0x0000,                          /* TLS_NULL_WITH_NULL_NULL */
		0x0003,                          /* TLS_RSA_EXPORT_WITH_RC4_40_MD5 */
		0x0004, 0x0005,                  /* TLS_RSA_WITH_RC4_128_MD5 / _SHA, RFC 7465 */
		0xC007, 0xC011,                  /* ECDHE RC4 suites, RFC 7465 */
		0x0009,                          /* TLS_RSA_WITH_DES_CBC_SHA */
		0x0013,                          /* TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA */
		0x00A2,                          /* TLS_DHE_DSS_WITH_AES_128_GCM_SHA256 */
		0x1304, 0x1305,                  /* TLS 1.3 CCM suites: not implemented */
		MOAT_TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
		MOAT_TLS_FALLBACK_SCSV,
		0x0A0A,                          /* GREASE, RFC 8701 */
		0xFFFF,
	};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		ATF_CHECK_MSG(moat_cipher_suite_find(absent[i]) == NULL, "0x%04x found", absent[i]);
}

ATF_TC_WITHOUT_HEAD(unknown_names);
ATF_TC_BODY(unknown_names, tc)
{
	static const char *const absent[] = {
		"", "RC4-SHA", "RC4-MD5", "ECDHE-RSA-RC4-SHA", "TLS_RSA_WITH_RC4_128_SHA",
		"tls_aes_128_gcm_sha256",         /* names are case-sensitive */
		"ecdhe-rsa-aes128-gcm-sha256",
		"TLS_AES_128_GCM_SHA256 ",        /* no trimming */
		"TLS_AES_128_GCM",                /* no prefix matches */
		"TLS_AES_128_GCM_SHA2567",
		"EDH-RSA-DES-CBC3-SHA",           /* pre-1.1.0 OpenSSL alias: not accepted */
		"AES128-CCM",
	};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		ATF_CHECK_MSG(moat_cipher_suite_find_name(absent[i]) == NULL, "\"%s\" found", absent[i]);
	ATF_CHECK(moat_cipher_suite_find_name(NULL) == NULL);
}

/* RFC 7465 (no RC4) and RFC 7568 (no SSLv3), and nothing else weak either. */
ATF_TC_WITHOUT_HEAD(no_rc4_no_ssl3);
ATF_TC_BODY(no_rc4_no_ssl3, tc)
{
	static const char *const banned[] = { "RC4", "NULL", "EXPORT", "MD5", "_DES_CBC_", "DES40", "anon", "PSK", "DSS" };
	for (size_t i = 0; i < moat_cipher_suite_count(); i++) {
		const struct moat_cipher_suite *s = moat_cipher_suite_at(i);
		ATF_CHECK_MSG(s->min_version >= MOAT_TLS10, "%s allows SSLv3", s->name);
		ATF_CHECK(s->min_version <= s->max_version);
		ATF_CHECK(!moat_cipher_suite_supports_version(s, 0x0300));
		for (size_t j = 0; j < sizeof(banned) / sizeof(banned[0]); j++) {
			ATF_CHECK_MSG(strstr(s->name, banned[j]) == NULL, "%s", s->name);
			ATF_CHECK_MSG(strstr(s->openssl_name, banned[j]) == NULL, "%s", s->openssl_name);
		}
	}
}

ATF_TC_WITHOUT_HEAD(supports_version);
ATF_TC_BODY(supports_version, tc)
{
	const struct moat_cipher_suite *tls13 = moat_cipher_suite_find(MOAT_TLS_AES_128_GCM_SHA256);
	const struct moat_cipher_suite *gcm = moat_cipher_suite_find(0xC02F);
	const struct moat_cipher_suite *cbc256 = moat_cipher_suite_find(0xC027);
	const struct moat_cipher_suite *cbc1 = moat_cipher_suite_find(0x002F);
	const struct moat_cipher_suite *des3 = moat_cipher_suite_find(0x000A);

	ATF_REQUIRE(tls13 && gcm && cbc256 && cbc1 && des3);
	for (uint16_t v = 0x0300; v <= 0x0305; v++) {
		ATF_CHECK_EQ(moat_cipher_suite_supports_version(tls13, v), v == MOAT_TLS13);
		ATF_CHECK_EQ(moat_cipher_suite_supports_version(gcm, v), v == MOAT_TLS12);
		ATF_CHECK_EQ(moat_cipher_suite_supports_version(cbc256, v), v == MOAT_TLS12);
		ATF_CHECK_EQ(moat_cipher_suite_supports_version(cbc1, v), v >= MOAT_TLS10 && v <= MOAT_TLS12);
		ATF_CHECK_EQ(moat_cipher_suite_supports_version(des3, v), v >= MOAT_TLS10 && v <= MOAT_TLS12);
	}
	ATF_CHECK(!moat_cipher_suite_supports_version(NULL, MOAT_TLS12));
	ATF_CHECK(!moat_cipher_suite_supports_version(cbc1, 0x0000));
	ATF_CHECK(!moat_cipher_suite_supports_version(cbc1, 0xFFFF));
}

/*
 * Our code points and both names against the installed OpenSSL's table.
 * 3DES suites are often compiled out of OpenSSL ("enable-weak-ssl-ciphers"),
 * so a 3DES suite missing from its list is allowed; any other is a failure.
 */
ATF_TC(matches_openssl);
ATF_TC_HEAD(matches_openssl, tc)
{
	atf_tc_set_md_var(tc, "require.progs", "openssl");
}
ATF_TC_BODY(matches_openssl, tc)
{
	FILE *f = popen("openssl ciphers -V -stdname 'ALL:@SECLEVEL=0' 2>/dev/null", "r");
	bool seen[N_KNOWN] = { false };
	char line[512];
	size_t lines = 0;

	ATF_REQUIRE_EQ(moat_cipher_suite_count(), N_KNOWN);
	ATF_REQUIRE(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned hi, lo;
		char std[128], ossl[128];
		if (sscanf(line, " 0x%x,0x%x - %127s - %127s", &hi, &lo, std, ossl) != 4)
			continue;
		lines++;
		const struct moat_cipher_suite *s = moat_cipher_suite_find((uint16_t)(hi << 8 | lo));
		if (s == NULL) {
			/* A suite we lack must not share a name with one we have. */
			ATF_CHECK_MSG(moat_cipher_suite_find_name(std) == NULL, "%s", std);
			ATF_CHECK_MSG(moat_cipher_suite_find_name(ossl) == NULL, "%s", ossl);
			continue;
		}
		ATF_CHECK_STREQ(s->name, std);
		ATF_CHECK_STREQ(s->openssl_name, ossl);
		for (size_t i = 0; i < N_KNOWN; i++) {
			if (moat_cipher_suite_at(i) == s)
				seen[i] = true;
		}
	}
	ATF_REQUIRE(pclose(f) == 0);
	ATF_REQUIRE_MSG(lines > 0, "openssl ciphers printed nothing parseable");
	for (size_t i = 0; i < moat_cipher_suite_count(); i++) {
		const struct moat_cipher_suite *s = moat_cipher_suite_at(i);
		if (s->cipher != MOAT_CIPHER_3DES_EDE_CBC)
			ATF_CHECK_MSG(seen[i], "%s not in openssl's list", s->name);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, known_answers);
	ATF_TP_ADD_TC(tp, fields_follow_the_name);
	ATF_TP_ADD_TC(tp, codes_and_names_unique);
	ATF_TP_ADD_TC(tp, unknown_codes);
	ATF_TP_ADD_TC(tp, unknown_names);
	ATF_TP_ADD_TC(tp, no_rc4_no_ssl3);
	ATF_TP_ADD_TC(tp, supports_version);
	ATF_TP_ADD_TC(tp, matches_openssl);
	return atf_no_error();
}
