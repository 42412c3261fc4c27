/*
 * The registry's rows. Each suite is its own named object so policy tables
 * (policy/security_policy.c) can list them by name at compile time; the
 * lookup array at the bottom is the one place that says which suites exist.
 *
 * Rows are grouped by key exchange and authentication and, inside a group,
 * follow the preference rules of the s2n-tls usage guide (AES-128 before
 * AES-256 before ChaCha20 before 3DES; GCM/Poly1305 before SHA-2 HMAC before
 * SHA-1 HMAC) so the table reads in the same order policies use.
 *
 * Code points and names: the IANA TLS Cipher Suites registry; OpenSSL names
 * as OpenSSL 1.1/3.x prints them (`openssl ciphers -stdname`), which the
 * tests compare against the installed openssl when there is one.
 *
 * min_version: suites with GCM, ChaCha20-Poly1305 or a SHA-2 HMAC exist only
 * in TLS 1.2 (RFC 5288 §4, RFC 5289 §4, RFC 7905 §2, RFC 5246 App. A.5); CBC
 * with HMAC-SHA1 goes back to TLS 1.0. None is allowed in SSLv3 (RFC 7568).
 * prf_hash is the TLS 1.2 PRF hash; TLS 1.0/1.1 always use their MD5+SHA-1
 * PRF (RFC 4346 §5) whatever this says.
 */
#include <string.h>

#include "policy/cipher_suites.h"
#include "tls/iana.h"

#define SUITE(var, code, iana_name, ossl_name, lo, hi, kx_, auth_, cipher_, mac_, aead_, prf_) \
	const struct moat_cipher_suite var = { \
		.iana = (code), .name = (iana_name), .openssl_name = (ossl_name), \
		.min_version = (lo), .max_version = (hi), .kx = (kx_), .auth = (auth_), \
		.cipher = (cipher_), .mac = (mac_), .aead = (aead_), .prf_hash = (prf_), \
	}

/* TLS 1.3, RFC 8446 §B.4: key exchange and authentication come from extensions. */
SUITE(moat_suite_tls13_aes_128_gcm_sha256, 0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256",
      MOAT_TLS13, MOAT_TLS13, MOAT_KX_TLS13, MOAT_AUTH_TLS13, MOAT_CIPHER_AES_128_GCM,
      MOAT_MAC_AEAD, MOAT_AEAD_AES_128_GCM, MOAT_HASH_SHA256);
SUITE(moat_suite_tls13_aes_256_gcm_sha384, 0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384",
      MOAT_TLS13, MOAT_TLS13, MOAT_KX_TLS13, MOAT_AUTH_TLS13, MOAT_CIPHER_AES_256_GCM,
      MOAT_MAC_AEAD, MOAT_AEAD_AES_256_GCM, MOAT_HASH_SHA384);
SUITE(moat_suite_tls13_chacha20_poly1305_sha256, 0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
      MOAT_TLS13, MOAT_TLS13, MOAT_KX_TLS13, MOAT_AUTH_TLS13, MOAT_CIPHER_CHACHA20_POLY1305,
      MOAT_MAC_AEAD, MOAT_AEAD_CHACHA20_POLY1305, MOAT_HASH_SHA256);

/* ECDHE with an ECDSA certificate: RFC 8422, 5289, 7905. */
SUITE(moat_suite_ecdhe_ecdsa_aes_128_gcm_sha256, 0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_ECDSA, MOAT_CIPHER_AES_128_GCM,
      MOAT_MAC_AEAD, MOAT_AEAD_AES_128_GCM, MOAT_HASH_SHA256);
SUITE(moat_suite_ecdhe_ecdsa_aes_128_cbc_sha256, 0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_ECDSA, MOAT_CIPHER_AES_128_CBC,
      MOAT_MAC_HMAC_SHA256, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_ecdhe_ecdsa_aes_128_cbc_sha, 0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA",
      MOAT_TLS10, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_ECDSA, MOAT_CIPHER_AES_128_CBC,
      MOAT_MAC_HMAC_SHA1, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_ecdhe_ecdsa_aes_256_gcm_sha384, 0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_ECDSA, MOAT_CIPHER_AES_256_GCM,
      MOAT_MAC_AEAD, MOAT_AEAD_AES_256_GCM, MOAT_HASH_SHA384);
SUITE(moat_suite_ecdhe_ecdsa_aes_256_cbc_sha384, 0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_ECDSA, MOAT_CIPHER_AES_256_CBC,
      MOAT_MAC_HMAC_SHA384, MOAT_AEAD_NONE, MOAT_HASH_SHA384);
SUITE(moat_suite_ecdhe_ecdsa_aes_256_cbc_sha, 0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA",
      MOAT_TLS10, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_ECDSA, MOAT_CIPHER_AES_256_CBC,
      MOAT_MAC_HMAC_SHA1, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_ecdhe_ecdsa_chacha20_poly1305_sha256, 0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_ECDSA, MOAT_CIPHER_CHACHA20_POLY1305,
      MOAT_MAC_AEAD, MOAT_AEAD_CHACHA20_POLY1305, MOAT_HASH_SHA256);
SUITE(moat_suite_ecdhe_ecdsa_3des_ede_cbc_sha, 0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-ECDSA-DES-CBC3-SHA",
      MOAT_TLS10, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_ECDSA, MOAT_CIPHER_3DES_EDE_CBC,
      MOAT_MAC_HMAC_SHA1, MOAT_AEAD_NONE, MOAT_HASH_SHA256);

/* ECDHE with an RSA certificate: RFC 8422, 5289, 7905. */
SUITE(moat_suite_ecdhe_rsa_aes_128_gcm_sha256, 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_RSA, MOAT_CIPHER_AES_128_GCM,
      MOAT_MAC_AEAD, MOAT_AEAD_AES_128_GCM, MOAT_HASH_SHA256);
SUITE(moat_suite_ecdhe_rsa_aes_128_cbc_sha256, 0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_RSA, MOAT_CIPHER_AES_128_CBC,
      MOAT_MAC_HMAC_SHA256, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_ecdhe_rsa_aes_128_cbc_sha, 0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA",
      MOAT_TLS10, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_RSA, MOAT_CIPHER_AES_128_CBC,
      MOAT_MAC_HMAC_SHA1, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_ecdhe_rsa_aes_256_gcm_sha384, 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_RSA, MOAT_CIPHER_AES_256_GCM,
      MOAT_MAC_AEAD, MOAT_AEAD_AES_256_GCM, MOAT_HASH_SHA384);
SUITE(moat_suite_ecdhe_rsa_aes_256_cbc_sha384, 0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_RSA, MOAT_CIPHER_AES_256_CBC,
      MOAT_MAC_HMAC_SHA384, MOAT_AEAD_NONE, MOAT_HASH_SHA384);
SUITE(moat_suite_ecdhe_rsa_aes_256_cbc_sha, 0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA",
      MOAT_TLS10, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_RSA, MOAT_CIPHER_AES_256_CBC,
      MOAT_MAC_HMAC_SHA1, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_ecdhe_rsa_chacha20_poly1305_sha256, 0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_RSA, MOAT_CIPHER_CHACHA20_POLY1305,
      MOAT_MAC_AEAD, MOAT_AEAD_CHACHA20_POLY1305, MOAT_HASH_SHA256);
SUITE(moat_suite_ecdhe_rsa_3des_ede_cbc_sha, 0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA",
      MOAT_TLS10, MOAT_TLS12, MOAT_KX_ECDHE, MOAT_AUTH_RSA, MOAT_CIPHER_3DES_EDE_CBC,
      MOAT_MAC_HMAC_SHA1, MOAT_AEAD_NONE, MOAT_HASH_SHA256);

/* Finite-field DHE with an RSA certificate: RFC 5246, 5288, 7905. */
SUITE(moat_suite_dhe_rsa_aes_128_gcm_sha256, 0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_DHE, MOAT_AUTH_RSA, MOAT_CIPHER_AES_128_GCM,
      MOAT_MAC_AEAD, MOAT_AEAD_AES_128_GCM, MOAT_HASH_SHA256);
SUITE(moat_suite_dhe_rsa_aes_128_cbc_sha256, 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_DHE, MOAT_AUTH_RSA, MOAT_CIPHER_AES_128_CBC,
      MOAT_MAC_HMAC_SHA256, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_dhe_rsa_aes_128_cbc_sha, 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA",
      MOAT_TLS10, MOAT_TLS12, MOAT_KX_DHE, MOAT_AUTH_RSA, MOAT_CIPHER_AES_128_CBC,
      MOAT_MAC_HMAC_SHA1, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_dhe_rsa_aes_256_gcm_sha384, 0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_DHE, MOAT_AUTH_RSA, MOAT_CIPHER_AES_256_GCM,
      MOAT_MAC_AEAD, MOAT_AEAD_AES_256_GCM, MOAT_HASH_SHA384);
SUITE(moat_suite_dhe_rsa_aes_256_cbc_sha256, 0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_DHE, MOAT_AUTH_RSA, MOAT_CIPHER_AES_256_CBC,
      MOAT_MAC_HMAC_SHA256, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_dhe_rsa_aes_256_cbc_sha, 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA",
      MOAT_TLS10, MOAT_TLS12, MOAT_KX_DHE, MOAT_AUTH_RSA, MOAT_CIPHER_AES_256_CBC,
      MOAT_MAC_HMAC_SHA1, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_dhe_rsa_chacha20_poly1305_sha256, 0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_DHE, MOAT_AUTH_RSA, MOAT_CIPHER_CHACHA20_POLY1305,
      MOAT_MAC_AEAD, MOAT_AEAD_CHACHA20_POLY1305, MOAT_HASH_SHA256);
SUITE(moat_suite_dhe_rsa_3des_ede_cbc_sha, 0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "DHE-RSA-DES-CBC3-SHA",
      MOAT_TLS10, MOAT_TLS12, MOAT_KX_DHE, MOAT_AUTH_RSA, MOAT_CIPHER_3DES_EDE_CBC,
      MOAT_MAC_HMAC_SHA1, MOAT_AEAD_NONE, MOAT_HASH_SHA256);

/* RSA key transport (no forward secrecy): RFC 5246, 5288. */
SUITE(moat_suite_rsa_aes_128_gcm_sha256, 0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_RSA, MOAT_AUTH_RSA, MOAT_CIPHER_AES_128_GCM,
      MOAT_MAC_AEAD, MOAT_AEAD_AES_128_GCM, MOAT_HASH_SHA256);
SUITE(moat_suite_rsa_aes_128_cbc_sha256, 0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_RSA, MOAT_AUTH_RSA, MOAT_CIPHER_AES_128_CBC,
      MOAT_MAC_HMAC_SHA256, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_rsa_aes_128_cbc_sha, 0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA",
      MOAT_TLS10, MOAT_TLS12, MOAT_KX_RSA, MOAT_AUTH_RSA, MOAT_CIPHER_AES_128_CBC,
      MOAT_MAC_HMAC_SHA1, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_rsa_aes_256_gcm_sha384, 0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_RSA, MOAT_AUTH_RSA, MOAT_CIPHER_AES_256_GCM,
      MOAT_MAC_AEAD, MOAT_AEAD_AES_256_GCM, MOAT_HASH_SHA384);
SUITE(moat_suite_rsa_aes_256_cbc_sha256, 0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256",
      MOAT_TLS12, MOAT_TLS12, MOAT_KX_RSA, MOAT_AUTH_RSA, MOAT_CIPHER_AES_256_CBC,
      MOAT_MAC_HMAC_SHA256, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_rsa_aes_256_cbc_sha, 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA",
      MOAT_TLS10, MOAT_TLS12, MOAT_KX_RSA, MOAT_AUTH_RSA, MOAT_CIPHER_AES_256_CBC,
      MOAT_MAC_HMAC_SHA1, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
SUITE(moat_suite_rsa_3des_ede_cbc_sha, 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA",
      MOAT_TLS10, MOAT_TLS12, MOAT_KX_RSA, MOAT_AUTH_RSA, MOAT_CIPHER_3DES_EDE_CBC,
      MOAT_MAC_HMAC_SHA1, MOAT_AEAD_NONE, MOAT_HASH_SHA256);
#undef SUITE

static const struct moat_cipher_suite *const all_suites[] = {
	&moat_suite_tls13_aes_128_gcm_sha256,
	&moat_suite_tls13_aes_256_gcm_sha384,
	&moat_suite_tls13_chacha20_poly1305_sha256,
	&moat_suite_ecdhe_ecdsa_aes_128_gcm_sha256,
	&moat_suite_ecdhe_ecdsa_aes_128_cbc_sha256,
	&moat_suite_ecdhe_ecdsa_aes_128_cbc_sha,
	&moat_suite_ecdhe_ecdsa_aes_256_gcm_sha384,
	&moat_suite_ecdhe_ecdsa_aes_256_cbc_sha384,
	&moat_suite_ecdhe_ecdsa_aes_256_cbc_sha,
	&moat_suite_ecdhe_ecdsa_chacha20_poly1305_sha256,
	&moat_suite_ecdhe_ecdsa_3des_ede_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_128_gcm_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_256_gcm_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha,
	&moat_suite_ecdhe_rsa_chacha20_poly1305_sha256,
	&moat_suite_ecdhe_rsa_3des_ede_cbc_sha,
	&moat_suite_dhe_rsa_aes_128_gcm_sha256,
	&moat_suite_dhe_rsa_aes_128_cbc_sha256,
	&moat_suite_dhe_rsa_aes_128_cbc_sha,
	&moat_suite_dhe_rsa_aes_256_gcm_sha384,
	&moat_suite_dhe_rsa_aes_256_cbc_sha256,
	&moat_suite_dhe_rsa_aes_256_cbc_sha,
	&moat_suite_dhe_rsa_chacha20_poly1305_sha256,
	&moat_suite_dhe_rsa_3des_ede_cbc_sha,
	&moat_suite_rsa_aes_128_gcm_sha256,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_gcm_sha384,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
	&moat_suite_rsa_3des_ede_cbc_sha,
};

#define N_SUITES (sizeof(all_suites) / sizeof(all_suites[0]))

const struct moat_cipher_suite *moat_cipher_suite_find(uint16_t iana)
{
	for (size_t i = 0; i < N_SUITES; i++) {
		if (all_suites[i]->iana == iana)
			return all_suites[i];
	}
	return NULL;
}

const struct moat_cipher_suite *moat_cipher_suite_find_name(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < N_SUITES; i++) {
		if (strcmp(all_suites[i]->name, name) == 0 || strcmp(all_suites[i]->openssl_name, name) == 0)
			return all_suites[i];
	}
	return NULL;
}

size_t moat_cipher_suite_count(void)
{
	return N_SUITES;
}

const struct moat_cipher_suite *moat_cipher_suite_at(size_t i)
{
	return i < N_SUITES ? all_suites[i] : NULL;
}

bool moat_cipher_suite_supports_version(const struct moat_cipher_suite *s, uint16_t version)
{
	return s != NULL && version >= s->min_version && version <= s->max_version;
}
