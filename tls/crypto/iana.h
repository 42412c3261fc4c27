/*
 * tls/crypto/: the crypto layer, the lowest part of the TLS library and an
 * archive of its own (libmoat_crypto.a). Its note is here, at the top of
 * the header the layer's code points come from; the code points follow.
 *
 * Layering (who may include and link whom):
 *
 *	common <- tls/crypto <- tls (protocol) <- frontd
 *	common <- tls/crypto <- ipc <- keyd, frontd
 *	policy/ sits beside tls: its suites and policies are part of the TLS
 *	library's archive, its config parser (policy/conf*) is an archive on
 *	common alone, used by both daemons.
 *
 * Files here include common/ and each other, never a protocol header of tls/
 * (records, handshake, messages, extensions, connection) nor ipc/ or keyd/.
 * That is what lets keyd link this archive alone: its attack surface is the
 * IPC decoder, the signed-content checks (signed_content.h) and libcrypto,
 * and tests/keyd/keyd_link_test fails if a protocol object reaches it. What
 * the layer holds: hashes, HMAC and HKDF (hash.h, hkdf.h), the TLS 1.0-1.2
 * PRF and what RFC 5246 and RFC 7627 derive with it (prf.h), record AEADs
 * (aead.h), CBC ciphers and an HMAC whose time does not depend on a secret
 * length (cbc.h, hmac_ct.h, ct_mask.h), key exchange (kex.h), keys and
 * signatures (sig.h), key ids (key_id.h), certificates and trust (cert.h),
 * randomness and constant-time compare (util.h), version strings
 * (version.h) and the shapes keyd signs (signed_content.h). The TLS 1.3 key
 * schedule is protocol, not crypto layer (tls/tls13_key_schedule.c, on
 * hkdf.h): it walks the handshake's stages. The 1.2 PRF functions are
 * primitives over their inputs, so they live here; the record layer's use
 * of a key block (tls/record_tls12.c) is protocol again.
 *
 * The code points of the crypto layer (IANA TLS registries): named groups,
 * signature schemes and the TLS 1.3 cipher suites, with their registry
 * names. Values are the wire values.
 *
 * Why here and not in the protocol's tls/iana.h: keyd and the ipc codec
 * name schemes and groups (keyd signs by scheme, checks a TLS 1.2
 * ServerKeyExchange's group) but must not see handshake types or
 * extensions. The names live in one table (iana.c), so a log line, the
 * output of moat-keyctl and a test all spell a scheme the way RFC 8446
 * §4.2.3 does. Group names are the key exchange table's (kex.h), suite
 * names the cipher-suite registry's (policy/cipher_suites.h): each code
 * point is described in exactly one row.
 */
#ifndef MOAT_TLS_CRYPTO_IANA_H
#define MOAT_TLS_CRYPTO_IANA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NamedGroup, RFC 8446 §4.2.7. */
#define MOAT_GROUP_SECP256R1 0x0017
#define MOAT_GROUP_SECP384R1 0x0018
#define MOAT_GROUP_SECP521R1 0x0019
#define MOAT_GROUP_X25519 0x001d
#define MOAT_GROUP_X448 0x001e
/* RFC 7919 §7 finite field groups (RFC 8446 §4.2.7 "ffdhe"). */
#define MOAT_GROUP_FFDHE2048 0x0100
#define MOAT_GROUP_FFDHE3072 0x0101
#define MOAT_GROUP_FFDHE4096 0x0102
#define MOAT_GROUP_FFDHE6144 0x0103
#define MOAT_GROUP_FFDHE8192 0x0104
/* draft-ietf-tls-ecdhe-mlkem §4: ML-KEM-768 hybrids, TLS 1.3 only. */
#define MOAT_GROUP_SECP256R1MLKEM768 0x11eb
#define MOAT_GROUP_X25519MLKEM768 0x11ec

/* SignatureScheme, RFC 8446 §4.2.3. */
#define MOAT_SIG_RSA_PKCS1_SHA1 0x0201
#define MOAT_SIG_ECDSA_SHA1 0x0203
#define MOAT_SIG_RSA_PKCS1_SHA256 0x0401
#define MOAT_SIG_RSA_PKCS1_SHA384 0x0501
#define MOAT_SIG_RSA_PKCS1_SHA512 0x0601
#define MOAT_SIG_ECDSA_SECP256R1_SHA256 0x0403
#define MOAT_SIG_ECDSA_SECP384R1_SHA384 0x0503
#define MOAT_SIG_ECDSA_SECP521R1_SHA512 0x0603
#define MOAT_SIG_RSA_PSS_RSAE_SHA256 0x0804
#define MOAT_SIG_RSA_PSS_RSAE_SHA384 0x0805
#define MOAT_SIG_RSA_PSS_RSAE_SHA512 0x0806
#define MOAT_SIG_ED25519 0x0807
#define MOAT_SIG_ED448 0x0808
#define MOAT_SIG_RSA_PSS_PSS_SHA256 0x0809
#define MOAT_SIG_RSA_PSS_PSS_SHA384 0x080a
#define MOAT_SIG_RSA_PSS_PSS_SHA512 0x080b
/*
 * TLS 1.0 and 1.1 ServerKeyExchange signatures have no SignatureScheme:
 * RSA signs MD5(content) || SHA-1(content) with PKCS#1 v1.5 padding and no
 * DigestInfo (RFC 2246 §7.4.3, §4.7; RFC 4346 the same), ECDSA signs
 * SHA-1(content) (RFC 4492 §5.4). moat names them with code points from the
 * registry's private-use range 0xFE00..0xFFFF (RFC 8446 §4.2.3), so keyd and
 * the signing code take a scheme for every signature they make. They never
 * appear on the wire (a TLS 1.0/1.1 ServerKeyExchange carries no scheme,
 * and a TLS 1.2 peer offering these values means something else), are
 * refused for TLS 1.2 and 1.3, and are kept apart from rsa_pkcs1_sha1 and
 * ecdsa_sha1, which moat does not sign with in TLS 1.2 (RFC 9155).
 */
#define MOAT_SIG_LEGACY_RSA_MD5_SHA1 0xfe01
#define MOAT_SIG_LEGACY_ECDSA_SHA1 0xfe03

/* TLS 1.3 cipher suites, RFC 8446 §B.4. */
#define MOAT_TLS_AES_128_GCM_SHA256 0x1301
#define MOAT_TLS_AES_256_GCM_SHA384 0x1302
#define MOAT_TLS_CHACHA20_POLY1305_SHA256 0x1303

/* Random, RFC 8446 §4.1.2 and RFC 5246 §7.4.1.2; part of what a TLS 1.2 ServerKeyExchange signs. */
#define MOAT_RANDOM_LEN 32
/* The largest TLS 1.3 suite hash (SHA-384, RFC 8446 §B.4). */
#define MOAT_MAX_HASH_LEN 48

/*
 * Every SignatureScheme of RFC 8446 §4.2.3 with its registry name. The
 * table order is the order keyd and moat-keyctl list a key's schemes in:
 * ECDSA, RSA-PSS rsae, RSA-PSS pss, PKCS#1 v1.5, SHA-1, EdDSA, then the
 * private TLS 1.0/1.1 ones; within a family SHA-256 first, as the registry
 * numbers them.
 */
struct moat_sig_scheme_info {
	uint16_t scheme;
	const char *name;       /* "rsa_pss_rsae_sha256" */
	bool tls13;             /* may appear in a TLS 1.3 CertificateVerify (RFC 8446 §4.4.3) */
	bool eddsa;             /* Ed25519 / Ed448 */
	bool legacy;            /* TLS 1.0/1.1 ServerKeyExchange only, a private code point (never TLS 1.2/1.3) */
};

/* Walk the table; NULL past the end. */
const struct moat_sig_scheme_info *moat_sig_scheme_at(size_t i);
/* The row for a code point, or NULL if it is not in the registry. */
const struct moat_sig_scheme_info *moat_sig_scheme_find(uint16_t scheme);
/* The scheme's registry name, or NULL for a value that is not in the table. */
const char *moat_sig_scheme_name(uint16_t scheme);

#endif
