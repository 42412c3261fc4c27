/*
 * The cipher-suite registry: every suite moat can negotiate, described once.
 *
 * A suite is a row of facts (key exchange, authentication, bulk cipher, MAC,
 * PRF hash, the protocol versions that define it) so the handshake never
 * parses a suite's name or keeps its own switch on code points. Security
 * policies (policy/security_policy.h) point into this table; a code point
 * that is not here cannot be negotiated.
 *
 * Deliberately absent: RC4 (RFC 7465 forbids it), anything that needs SSLv3
 * (RFC 7568), NULL, EXPORT, single DES, MD5 MACs, anonymous and PSK suites.
 */
#ifndef MOAT_POLICY_CIPHER_SUITES_H
#define MOAT_POLICY_CIPHER_SUITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/crypto/aead.h"
#include "tls/crypto/hash.h"

/* Key exchange. TLS 1.3 suites leave it to key_share (RFC 8446 §4.2.8). */
typedef enum { MOAT_KX_TLS13 = 1, MOAT_KX_ECDHE, MOAT_KX_DHE, MOAT_KX_RSA } moat_kx_kind;
/* Server authentication. TLS 1.3 suites: any, chosen by signature_algorithms (RFC 8446 §4.2.3). */
typedef enum { MOAT_AUTH_TLS13 = 1, MOAT_AUTH_RSA, MOAT_AUTH_ECDSA } moat_auth_kind;
typedef enum {
	MOAT_CIPHER_AES_128_GCM = 1,
	MOAT_CIPHER_AES_256_GCM,
	MOAT_CIPHER_CHACHA20_POLY1305,
	MOAT_CIPHER_AES_128_CBC,
	MOAT_CIPHER_AES_256_CBC,
	MOAT_CIPHER_3DES_EDE_CBC,
} moat_cipher_kind;
/* Record protection's integrity: the AEAD itself, or HMAC for CBC suites (RFC 5246 §6.2.3.1). */
typedef enum { MOAT_MAC_AEAD = 1, MOAT_MAC_HMAC_SHA1, MOAT_MAC_HMAC_SHA256, MOAT_MAC_HMAC_SHA384 } moat_mac_kind;

struct moat_cipher_suite {
	uint16_t iana;
	const char *name;            /* IANA name, e.g. "TLS_AES_128_GCM_SHA256" */
	const char *openssl_name;    /* OpenSSL's name, e.g. "ECDHE-RSA-AES128-GCM-SHA256" */
	/*
	 * Versions the suite is defined for: TLS 1.3 suites 0x0304 only; GCM,
	 * ChaCha20 and SHA-2 CBC suites 0x0303 only (RFC 5246, 5288, 5289, 7905);
	 * CBC with SHA-1 0x0301..0x0303.
	 */
	uint16_t min_version, max_version;
	moat_kx_kind kx;
	moat_auth_kind auth;
	moat_cipher_kind cipher;
	moat_mac_kind mac;
	moat_aead_alg aead;          /* MOAT_AEAD_NONE for CBC suites */
	/* TLS 1.3: the suite's hash; TLS 1.2: SHA-256 unless the suite names SHA-384 (RFC 5246 §5, RFC 5289 §3.2). */
	moat_hash_alg prf_hash;
};

/* The suite with this code point, or NULL if moat does not implement it. */
const struct moat_cipher_suite *moat_cipher_suite_find(uint16_t iana);
/* By IANA or OpenSSL name, exact (case-sensitive) match; NULL if unknown or name is NULL. */
const struct moat_cipher_suite *moat_cipher_suite_find_name(const char *name);

/* Walk the registry (tests, listing tools). moat_cipher_suite_at returns NULL past the end. */
size_t moat_cipher_suite_count(void);
const struct moat_cipher_suite *moat_cipher_suite_at(size_t i);

/* Whether the suite may be negotiated at this protocol version; false for a NULL suite. */
bool moat_cipher_suite_supports_version(const struct moat_cipher_suite *s, uint16_t version);

/*
 * Every suite by name, for the compile-time policy tables. Prefer the lookups
 * above elsewhere.
 */
/* TLS 1.3, RFC 8446 §B.4: key exchange and authentication come from extensions. */
extern const struct moat_cipher_suite moat_suite_tls13_aes_128_gcm_sha256;
extern const struct moat_cipher_suite moat_suite_tls13_aes_256_gcm_sha384;
extern const struct moat_cipher_suite moat_suite_tls13_chacha20_poly1305_sha256;

/* ECDHE with an ECDSA certificate: RFC 8422, 5289, 7905. */
extern const struct moat_cipher_suite moat_suite_ecdhe_ecdsa_aes_128_gcm_sha256;
extern const struct moat_cipher_suite moat_suite_ecdhe_ecdsa_aes_128_cbc_sha256;
extern const struct moat_cipher_suite moat_suite_ecdhe_ecdsa_aes_128_cbc_sha;
extern const struct moat_cipher_suite moat_suite_ecdhe_ecdsa_aes_256_gcm_sha384;
extern const struct moat_cipher_suite moat_suite_ecdhe_ecdsa_aes_256_cbc_sha384;
extern const struct moat_cipher_suite moat_suite_ecdhe_ecdsa_aes_256_cbc_sha;
extern const struct moat_cipher_suite moat_suite_ecdhe_ecdsa_chacha20_poly1305_sha256;
extern const struct moat_cipher_suite moat_suite_ecdhe_ecdsa_3des_ede_cbc_sha;

/* ECDHE with an RSA certificate: RFC 8422, 5289, 7905. */
extern const struct moat_cipher_suite moat_suite_ecdhe_rsa_aes_128_gcm_sha256;
extern const struct moat_cipher_suite moat_suite_ecdhe_rsa_aes_128_cbc_sha256;
extern const struct moat_cipher_suite moat_suite_ecdhe_rsa_aes_128_cbc_sha;
extern const struct moat_cipher_suite moat_suite_ecdhe_rsa_aes_256_gcm_sha384;
extern const struct moat_cipher_suite moat_suite_ecdhe_rsa_aes_256_cbc_sha384;
extern const struct moat_cipher_suite moat_suite_ecdhe_rsa_aes_256_cbc_sha;
extern const struct moat_cipher_suite moat_suite_ecdhe_rsa_chacha20_poly1305_sha256;
extern const struct moat_cipher_suite moat_suite_ecdhe_rsa_3des_ede_cbc_sha;

/* Finite-field DHE with an RSA certificate: RFC 5246, 5288, 7905. */
extern const struct moat_cipher_suite moat_suite_dhe_rsa_aes_128_gcm_sha256;
extern const struct moat_cipher_suite moat_suite_dhe_rsa_aes_128_cbc_sha256;
extern const struct moat_cipher_suite moat_suite_dhe_rsa_aes_128_cbc_sha;
extern const struct moat_cipher_suite moat_suite_dhe_rsa_aes_256_gcm_sha384;
extern const struct moat_cipher_suite moat_suite_dhe_rsa_aes_256_cbc_sha256;
extern const struct moat_cipher_suite moat_suite_dhe_rsa_aes_256_cbc_sha;
extern const struct moat_cipher_suite moat_suite_dhe_rsa_chacha20_poly1305_sha256;
extern const struct moat_cipher_suite moat_suite_dhe_rsa_3des_ede_cbc_sha;

/* RSA key transport (no forward secrecy): RFC 5246, 5288. */
extern const struct moat_cipher_suite moat_suite_rsa_aes_128_gcm_sha256;
extern const struct moat_cipher_suite moat_suite_rsa_aes_128_cbc_sha256;
extern const struct moat_cipher_suite moat_suite_rsa_aes_128_cbc_sha;
extern const struct moat_cipher_suite moat_suite_rsa_aes_256_gcm_sha384;
extern const struct moat_cipher_suite moat_suite_rsa_aes_256_cbc_sha256;
extern const struct moat_cipher_suite moat_suite_rsa_aes_256_cbc_sha;
extern const struct moat_cipher_suite moat_suite_rsa_3des_ede_cbc_sha;

#endif
