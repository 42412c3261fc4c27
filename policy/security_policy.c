/*
 * The policy tables of the s2n-tls usage guide's "Security Policies" charts,
 * written out as static data so each policy can be read and reviewed as the
 * list it is.
 *
 * How a chart row becomes a suite list:
 * - The family columns (AES-CBC, ChaCha20-Poly1305, AES-GCM, 3DES) pick the
 *   bulk ciphers; for TLS 1.3 rows, AES-GCM and ChaCha20-Poly1305 also bring
 *   TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and
 *   TLS_CHACHA20_POLY1305_SHA256.
 * - ECDHE and DHE add those key exchanges for TLS 1.2 and earlier. RSA key
 *   transport has no column and is in every row: it is the only TLS 1.2
 *   key exchange "20200207" has.
 * - ECDSA adds the ECDHE_ECDSA suites; every row has RSA authentication.
 *   There are no DHE_ECDSA suites, and no RSA-key-exchange ChaCha20 suites
 *   (RFC 7905 defines none).
 * - Not implemented: SSLv3 (RFC 7568) and RC4 (RFC 7465). "20140601" marks
 *   SSLv3 and it, like "20141001", marks RC4: here both start at TLS 1.0
 *   and carry no RC4 suite.
 *
 * Preference order, reading the guide's four numbered rules as priorities:
 *  1. highest protocol version first: the TLS 1.3 suites lead (a TLS 1.3
 *     handshake only looks at those, a TLS 1.2 one skips them);
 *  2. forward secrecy first, ECDHE over DHE: ECDHE, then DHE, then RSA key
 *     transport; inside ECDHE, ECDSA before RSA certificates (the guide does
 *     not say; only one of them fits a given certificate anyway);
 *  3. within one key-exchange/authentication group, AES-128, AES-256,
 *     ChaCha20, 3DES;
 *  4. within one cipher, GCM/Poly1305 (AEAD), then HMAC-SHA256/SHA384,
 *     then HMAC-SHA1.
 * Two exceptions the guide documents: "20160411" puts a CBC suite at the
 * top and "20170405" (FIPS 140-2 Annex A algorithms) puts CBC suites at the
 * top, for Java clients with slow GCM. We hoist ECDHE-RSA-AES128-SHA (and,
 * for "20170405", ECDHE-RSA-AES256-SHA: both work from TLS 1.0); the rest
 * of the list keeps the rules.
 *
 * Signature schemes (second chart): ECDSA, then RSA-PSS (pss, rsae) in TLS
 * 1.3 rows, then RSA PKCS#1, then the SHA-1 legacy pair; stronger hash first
 * inside each. RFC 8446 §4.2.3 bars PKCS#1 and SHA-1 from TLS 1.3
 * CertificateVerify: the handshake filters them, the policy lists them for
 * TLS 1.2. Groups (third chart): x25519 where present, then secp256r1,
 * secp384r1.
 *
 * Groups beyond the chart's three columns. The numbered policies are fixed
 * ("Numbered versions are fixed and will never change"), so they keep exactly
 * the chart's groups. "default_tls13", which the guide lets change, adds x448
 * and secp521r1 after them: x25519 stays first, and a client that shares one
 * of the charted groups is served with it as before. No row of the chart has
 * a finite field group, and s2n-tls's own default policies offer none for TLS
 * 1.3 (an FFDHE share is 256 to 1024 bytes and costs a modular
 * exponentiation per side, far more than any curve), so FFDHE is only in a
 * policy of our own, "default_tls13_ffdhe": "default_tls13" with ffdhe2048,
 * ffdhe3072, ffdhe4096, ffdhe6144 and ffdhe8192 after every curve, for
 * peers that can do nothing else. It follows "default_tls13" as that changes.
 * "default" allows no TLS 1.3 and keeps the chart's groups.
 *
 * Post-quantum hybrids (draft-ietf-tls-ecdhe-mlkem). "default_tls13" and
 * "default_tls13_ffdhe" put X25519MLKEM768, then SecP256r1MLKEM768, before
 * every classical group: a client that shares a hybrid (Chromium and Firefox
 * send X25519MLKEM768 and x25519) gets it, so what it records today cannot
 * be decrypted by a quantum computer later. The server takes a group the
 * client shared before asking for a better one (tls13_ext_server.c), so a
 * client that shares only x25519 is served with x25519 exactly as before.
 * The hybrids are TLS 1.3 only: the TLS 1.2 code never offers or picks them.
 * The numbered policies stay fixed and have none.
 */
#include <string.h>

#include "policy/security_policy.h"
#include "tls/iana.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* AES-CBC, ChaCha20-Poly1305, AES-GCM; ECDHE */
static const struct moat_cipher_suite *const suites_cbc_chacha_gcm_ecdhe[] = {
	&moat_suite_ecdhe_rsa_aes_128_gcm_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_256_gcm_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha,
	&moat_suite_ecdhe_rsa_chacha20_poly1305_sha256,
	&moat_suite_rsa_aes_128_gcm_sha256,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_gcm_sha384,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
};

/* AES-CBC, ECDSA, AES-GCM, 3DES; DHE, ECDHE */
static const struct moat_cipher_suite *const suites_cbc_ecdsa_gcm_3des_dhe_ecdhe[] = {
	&moat_suite_ecdhe_ecdsa_aes_128_gcm_sha256,
	&moat_suite_ecdhe_ecdsa_aes_128_cbc_sha256,
	&moat_suite_ecdhe_ecdsa_aes_128_cbc_sha,
	&moat_suite_ecdhe_ecdsa_aes_256_gcm_sha384,
	&moat_suite_ecdhe_ecdsa_aes_256_cbc_sha384,
	&moat_suite_ecdhe_ecdsa_aes_256_cbc_sha,
	&moat_suite_ecdhe_ecdsa_3des_ede_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_128_gcm_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_256_gcm_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha,
	&moat_suite_ecdhe_rsa_3des_ede_cbc_sha,
	&moat_suite_dhe_rsa_aes_128_gcm_sha256,
	&moat_suite_dhe_rsa_aes_128_cbc_sha256,
	&moat_suite_dhe_rsa_aes_128_cbc_sha,
	&moat_suite_dhe_rsa_aes_256_gcm_sha384,
	&moat_suite_dhe_rsa_aes_256_cbc_sha256,
	&moat_suite_dhe_rsa_aes_256_cbc_sha,
	&moat_suite_dhe_rsa_3des_ede_cbc_sha,
	&moat_suite_rsa_aes_128_gcm_sha256,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_gcm_sha384,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
	&moat_suite_rsa_3des_ede_cbc_sha,
};

/* AES-CBC, AES-GCM; ECDHE */
static const struct moat_cipher_suite *const suites_cbc_gcm_ecdhe[] = {
	&moat_suite_ecdhe_rsa_aes_128_gcm_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_256_gcm_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha,
	&moat_suite_rsa_aes_128_gcm_sha256,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_gcm_sha384,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
};

/* AES-CBC, AES-GCM, 3DES; ECDHE */
static const struct moat_cipher_suite *const suites_cbc_gcm_3des_ecdhe[] = {
	&moat_suite_ecdhe_rsa_aes_128_gcm_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_256_gcm_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha,
	&moat_suite_ecdhe_rsa_3des_ede_cbc_sha,
	&moat_suite_rsa_aes_128_gcm_sha256,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_gcm_sha384,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
	&moat_suite_rsa_3des_ede_cbc_sha,
};

/* AES-CBC, AES-GCM, 3DES; DHE, ECDHE */
static const struct moat_cipher_suite *const suites_cbc_gcm_3des_dhe_ecdhe[] = {
	&moat_suite_ecdhe_rsa_aes_128_gcm_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_256_gcm_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha,
	&moat_suite_ecdhe_rsa_3des_ede_cbc_sha,
	&moat_suite_dhe_rsa_aes_128_gcm_sha256,
	&moat_suite_dhe_rsa_aes_128_cbc_sha256,
	&moat_suite_dhe_rsa_aes_128_cbc_sha,
	&moat_suite_dhe_rsa_aes_256_gcm_sha384,
	&moat_suite_dhe_rsa_aes_256_cbc_sha256,
	&moat_suite_dhe_rsa_aes_256_cbc_sha,
	&moat_suite_dhe_rsa_3des_ede_cbc_sha,
	&moat_suite_rsa_aes_128_gcm_sha256,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_gcm_sha384,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
	&moat_suite_rsa_3des_ede_cbc_sha,
};

/* AES-CBC, AES-GCM, 3DES; DHE */
static const struct moat_cipher_suite *const suites_cbc_gcm_3des_dhe[] = {
	&moat_suite_dhe_rsa_aes_128_gcm_sha256,
	&moat_suite_dhe_rsa_aes_128_cbc_sha256,
	&moat_suite_dhe_rsa_aes_128_cbc_sha,
	&moat_suite_dhe_rsa_aes_256_gcm_sha384,
	&moat_suite_dhe_rsa_aes_256_cbc_sha256,
	&moat_suite_dhe_rsa_aes_256_cbc_sha,
	&moat_suite_dhe_rsa_3des_ede_cbc_sha,
	&moat_suite_rsa_aes_128_gcm_sha256,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_gcm_sha384,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
	&moat_suite_rsa_3des_ede_cbc_sha,
};

/* AES-CBC, 3DES; DHE */
static const struct moat_cipher_suite *const suites_cbc_3des_dhe[] = {
	&moat_suite_dhe_rsa_aes_128_cbc_sha256,
	&moat_suite_dhe_rsa_aes_128_cbc_sha,
	&moat_suite_dhe_rsa_aes_256_cbc_sha256,
	&moat_suite_dhe_rsa_aes_256_cbc_sha,
	&moat_suite_dhe_rsa_3des_ede_cbc_sha,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
	&moat_suite_rsa_3des_ede_cbc_sha,
};

/* TLS 1.3; AES-CBC, ChaCha20-Poly1305, ECDSA, AES-GCM; ECDHE */
static const struct moat_cipher_suite *const suites_tls13_cbc_chacha_ecdsa_gcm_ecdhe[] = {
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
	&moat_suite_ecdhe_rsa_aes_128_gcm_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_256_gcm_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha,
	&moat_suite_ecdhe_rsa_chacha20_poly1305_sha256,
	&moat_suite_rsa_aes_128_gcm_sha256,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_gcm_sha384,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
};

/* TLS 1.3; AES-CBC, ChaCha20-Poly1305, AES-GCM; ECDHE */
static const struct moat_cipher_suite *const suites_tls13_cbc_chacha_gcm_ecdhe[] = {
	&moat_suite_tls13_aes_128_gcm_sha256,
	&moat_suite_tls13_aes_256_gcm_sha384,
	&moat_suite_tls13_chacha20_poly1305_sha256,
	&moat_suite_ecdhe_rsa_aes_128_gcm_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_256_gcm_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha,
	&moat_suite_ecdhe_rsa_chacha20_poly1305_sha256,
	&moat_suite_rsa_aes_128_gcm_sha256,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_gcm_sha384,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
};

/* TLS 1.3; AES-CBC, ChaCha20-Poly1305, AES-GCM; neither DHE nor ECDHE */
static const struct moat_cipher_suite *const suites_tls13_cbc_chacha_gcm[] = {
	&moat_suite_tls13_aes_128_gcm_sha256,
	&moat_suite_tls13_aes_256_gcm_sha384,
	&moat_suite_tls13_chacha20_poly1305_sha256,
	&moat_suite_rsa_aes_128_gcm_sha256,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_gcm_sha384,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
};

/* as AES-CBC, AES-GCM, 3DES; ECDHE with one CBC suite hoisted */
static const struct moat_cipher_suite *const suites_20160411[] = {
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_128_gcm_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha256,
	&moat_suite_ecdhe_rsa_aes_256_gcm_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha,
	&moat_suite_ecdhe_rsa_3des_ede_cbc_sha,
	&moat_suite_rsa_aes_128_gcm_sha256,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_gcm_sha384,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
	&moat_suite_rsa_3des_ede_cbc_sha,
};

/* as AES-CBC, AES-GCM, 3DES; ECDHE with two CBC suites hoisted */
static const struct moat_cipher_suite *const suites_20170405[] = {
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha,
	&moat_suite_ecdhe_rsa_aes_128_gcm_sha256,
	&moat_suite_ecdhe_rsa_aes_128_cbc_sha256,
	&moat_suite_ecdhe_rsa_aes_256_gcm_sha384,
	&moat_suite_ecdhe_rsa_aes_256_cbc_sha384,
	&moat_suite_ecdhe_rsa_3des_ede_cbc_sha,
	&moat_suite_rsa_aes_128_gcm_sha256,
	&moat_suite_rsa_aes_128_cbc_sha256,
	&moat_suite_rsa_aes_128_cbc_sha,
	&moat_suite_rsa_aes_256_gcm_sha384,
	&moat_suite_rsa_aes_256_cbc_sha256,
	&moat_suite_rsa_aes_256_cbc_sha,
	&moat_suite_rsa_3des_ede_cbc_sha,
};
/* Signature schemes, RFC 8446 §4.2.3. */
static const uint16_t sigs_tls12[] = {
	MOAT_SIG_ECDSA_SECP256R1_SHA256,
	MOAT_SIG_ECDSA_SECP384R1_SHA384,
	MOAT_SIG_ECDSA_SECP521R1_SHA512,
	MOAT_SIG_RSA_PKCS1_SHA256,
	MOAT_SIG_RSA_PKCS1_SHA384,
	MOAT_SIG_RSA_PKCS1_SHA512,
	MOAT_SIG_ECDSA_SHA1,
	MOAT_SIG_RSA_PKCS1_SHA1,
};

static const uint16_t sigs_tls13[] = {
	MOAT_SIG_ECDSA_SECP256R1_SHA256,
	MOAT_SIG_ECDSA_SECP384R1_SHA384,
	MOAT_SIG_ECDSA_SECP521R1_SHA512,
	MOAT_SIG_RSA_PSS_PSS_SHA256,
	MOAT_SIG_RSA_PSS_PSS_SHA384,
	MOAT_SIG_RSA_PSS_PSS_SHA512,
	MOAT_SIG_RSA_PSS_RSAE_SHA256,
	MOAT_SIG_RSA_PSS_RSAE_SHA384,
	MOAT_SIG_RSA_PSS_RSAE_SHA512,
	MOAT_SIG_RSA_PKCS1_SHA256,
	MOAT_SIG_RSA_PKCS1_SHA384,
	MOAT_SIG_RSA_PKCS1_SHA512,
	MOAT_SIG_ECDSA_SHA1,
	MOAT_SIG_RSA_PKCS1_SHA1,
};

/* Named groups, RFC 8446 §4.2.7. */
static const uint16_t groups_nist[] = { MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1 };
static const uint16_t groups_x25519_nist[] = { MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1, MOAT_GROUP_SECP384R1 };
/*
 * "default_tls13": the ML-KEM hybrids, the chart's three, then the other
 * curves libcrypto has, cheapest first.
 */
static const uint16_t groups_default_tls13[] = {
	MOAT_GROUP_X25519MLKEM768, MOAT_GROUP_SECP256R1MLKEM768, MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1,
	MOAT_GROUP_SECP384R1,      MOAT_GROUP_X448,              MOAT_GROUP_SECP521R1,
};
/* "default_tls13_ffdhe": those, then the RFC 7919 groups, smallest (cheapest) prime first. */
static const uint16_t groups_default_tls13_ffdhe[] = {
	MOAT_GROUP_X25519MLKEM768, MOAT_GROUP_SECP256R1MLKEM768, MOAT_GROUP_X25519, MOAT_GROUP_SECP256R1,
	MOAT_GROUP_SECP384R1,      MOAT_GROUP_X448,              MOAT_GROUP_SECP521R1, MOAT_GROUP_FFDHE2048,
	MOAT_GROUP_FFDHE3072,      MOAT_GROUP_FFDHE4096,         MOAT_GROUP_FFDHE6144, MOAT_GROUP_FFDHE8192,
};

#define POLICY(name_, max_, suites_, sigs_, groups_) \
	{ .name = (name_), .min_version = MOAT_TLS10, .max_version = (max_), \
	  .cipher_suites = (suites_), .cipher_suites_count = COUNT(suites_), \
	  .sig_schemes = (sigs_), .sig_schemes_count = COUNT(sigs_), \
	  .groups = (groups_), .groups_count = COUNT(groups_) }

/* In the charts' row order. */
static const struct moat_security_policy policies[] = {
	POLICY("default", MOAT_TLS12, suites_cbc_chacha_gcm_ecdhe, sigs_tls12, groups_nist),
	POLICY("20190214", MOAT_TLS12, suites_cbc_ecdsa_gcm_3des_dhe_ecdhe, sigs_tls12, groups_nist),
	POLICY("20170718", MOAT_TLS12, suites_cbc_gcm_ecdhe, sigs_tls12, groups_nist),
	POLICY("20170405", MOAT_TLS12, suites_20170405, sigs_tls12, groups_nist),
	POLICY("20170328", MOAT_TLS12, suites_cbc_gcm_3des_dhe_ecdhe, sigs_tls12, groups_nist),
	POLICY("20170210", MOAT_TLS12, suites_cbc_chacha_gcm_ecdhe, sigs_tls12, groups_nist),
	POLICY("20160824", MOAT_TLS12, suites_cbc_gcm_ecdhe, sigs_tls12, groups_nist),
	POLICY("20160804", MOAT_TLS12, suites_cbc_gcm_3des_ecdhe, sigs_tls12, groups_nist),
	POLICY("20160411", MOAT_TLS12, suites_20160411, sigs_tls12, groups_nist),
	POLICY("20150306", MOAT_TLS12, suites_cbc_gcm_3des_ecdhe, sigs_tls12, groups_nist),
	POLICY("20150214", MOAT_TLS12, suites_cbc_gcm_3des_dhe, sigs_tls12, groups_nist),
	POLICY("20150202", MOAT_TLS12, suites_cbc_3des_dhe, sigs_tls12, groups_nist),
	/* Chart: also RC4. Not implemented (RFC 7465). */
	POLICY("20141001", MOAT_TLS12, suites_cbc_3des_dhe, sigs_tls12, groups_nist),
	/* Chart: also SSLv3 and RC4. Not implemented (RFC 7568, RFC 7465): TLS 1.0 is the floor. */
	POLICY("20140601", MOAT_TLS12, suites_cbc_3des_dhe, sigs_tls12, groups_nist),
	POLICY("20190120", MOAT_TLS12, suites_cbc_gcm_3des_ecdhe, sigs_tls12, groups_nist),
	POLICY("20190121", MOAT_TLS12, suites_cbc_gcm_3des_ecdhe, sigs_tls12, groups_nist),
	POLICY("20190122", MOAT_TLS12, suites_cbc_ecdsa_gcm_3des_dhe_ecdhe, sigs_tls12, groups_nist),
	POLICY("default_tls13", MOAT_TLS13, suites_tls13_cbc_chacha_ecdsa_gcm_ecdhe, sigs_tls13, groups_default_tls13),
	POLICY("20190801", MOAT_TLS13, suites_tls13_cbc_chacha_gcm_ecdhe, sigs_tls13, groups_x25519_nist),
	POLICY("20190802", MOAT_TLS13, suites_tls13_cbc_chacha_gcm_ecdhe, sigs_tls13, groups_nist),
	POLICY("20200207", MOAT_TLS13, suites_tls13_cbc_chacha_gcm, sigs_tls13, groups_x25519_nist),
	/* Ours, after the charts' rows: "default_tls13" that also negotiates FFDHE. */
	POLICY("default_tls13_ffdhe", MOAT_TLS13, suites_tls13_cbc_chacha_ecdsa_gcm_ecdhe, sigs_tls13,
	       groups_default_tls13_ffdhe),
};

const struct moat_security_policy *moat_security_policy_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < COUNT(policies); i++) {
		if (strcmp(policies[i].name, name) == 0)
			return &policies[i];
	}
	return NULL;
}

size_t moat_security_policy_count(void)
{
	return COUNT(policies);
}

const struct moat_security_policy *moat_security_policy_at(size_t i)
{
	return i < COUNT(policies) ? &policies[i] : NULL;
}

bool moat_security_policy_has_suite(const struct moat_security_policy *p, uint16_t iana)
{
	if (p == NULL)
		return false;
	for (size_t i = 0; i < p->cipher_suites_count; i++) {
		if (p->cipher_suites[i]->iana == iana)
			return true;
	}
	return false;
}

static bool in_list(const uint16_t *list, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++) {
		if (list[i] == v)
			return true;
	}
	return false;
}

bool moat_security_policy_has_group(const struct moat_security_policy *p, uint16_t group)
{
	return p != NULL && in_list(p->groups, p->groups_count, group);
}

bool moat_security_policy_has_sig_scheme(const struct moat_security_policy *p, uint16_t scheme)
{
	return p != NULL && in_list(p->sig_schemes, p->sig_schemes_count, scheme);
}

bool moat_security_policy_supports_version(const struct moat_security_policy *p, uint16_t version)
{
	return p != NULL && version >= p->min_version && version <= p->max_version;
}

bool moat_security_policy_equal(const struct moat_security_policy *a, const struct moat_security_policy *b)
{
	if (a == NULL || b == NULL || a->min_version != b->min_version || a->max_version != b->max_version ||
	    a->cipher_suites_count != b->cipher_suites_count || a->groups_count != b->groups_count ||
	    a->sig_schemes_count != b->sig_schemes_count)
		return false;
	for (size_t i = 0; i < a->cipher_suites_count; i++)
		if (a->cipher_suites[i] != b->cipher_suites[i])
			return false;
	return memcmp(a->groups, b->groups, a->groups_count * sizeof(a->groups[0])) == 0 &&
	       memcmp(a->sig_schemes, b->sig_schemes, a->sig_schemes_count * sizeof(a->sig_schemes[0])) == 0;
}
