/*
 * Keys and handshake signatures (RFC 8446 §4.2.3, §4.4.3).
 *
 * A key is an EVP_PKEY behind a void pointer plus the one fact TLS cares
 * about, its moat_key_type: signature schemes are chosen by key type, and
 * the rules for which scheme fits which key differ between TLS 1.3 (curve
 * bound to hash, no PKCS#1 v1.5) and TLS 1.2, so both tables live here
 * beside the code that signs, and sign/verify refuse a scheme the key cannot
 * make rather than trusting the caller to have checked.
 */
#ifndef MOAT_TLS_CRYPTO_SIG_H
#define MOAT_TLS_CRYPTO_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/iana.h"

typedef enum {
	MOAT_KEY_NONE = 0,
	MOAT_KEY_RSA,        /* rsaEncryption */
	MOAT_KEY_RSA_PSS,    /* id-RSASSA-PSS (RFC 4055) */
	MOAT_KEY_EC_P256,
	MOAT_KEY_EC_P384,
	MOAT_KEY_EC_P521,
	MOAT_KEY_ED25519,
} moat_key_type;

/* Public or private; pkey is an EVP_PKEY*. A zeroed struct holds no key. */
struct moat_pkey {
	void *pkey;
	moat_key_type type;
};

/*
 * Load a private key from PEM: PKCS#8 ("PRIVATE KEY") or the traditional
 * "RSA PRIVATE KEY" / "EC PRIVATE KEY" forms; other PEM blocks before it (a
 * certificate in the same file) are skipped. Encrypted keys are refused, never
 * prompted for. Not a key → MOAT_ERR_INVALID_PEM; a key of a type moat does
 * not sign with → MOAT_ERR_NOT_SUPPORTED. k is overwritten, not freed.
 */
MOAT_MUST_USE int moat_pkey_from_private_pem(struct moat_pkey *k, const char *pem, size_t len);
/*
 * Load a private key from a DER PKCS#8 PrivateKeyInfo (RFC 5208 §5), which
 * must be the whole input; no other encoding is guessed at. Not a
 * PrivateKeyInfo → MOAT_ERR_INVALID_PEM; a type moat does not sign with →
 * MOAT_ERR_NOT_SUPPORTED. k is overwritten, not freed.
 */
MOAT_MUST_USE int moat_pkey_from_private_der(struct moat_pkey *k, const uint8_t *der, size_t len);
/*
 * k's private key as DER PKCS#8 PrivateKeyInfo into out[0..cap), its length
 * in *len. Too small → MOAT_ERR_BUF_FULL. The caller wipes out; libcrypto's
 * own intermediate copy is wiped here.
 */
MOAT_MUST_USE int moat_pkey_private_der(const struct moat_pkey *k, uint8_t *out, size_t cap, size_t *len);
/*
 * Load a public key from a DER SubjectPublicKeyInfo, which must be the whole
 * input. Malformed → MOAT_ERR_BAD_CERTIFICATE; unsupported type →
 * MOAT_ERR_UNSUPPORTED_CERTIFICATE. k is overwritten, not freed.
 */
MOAT_MUST_USE int moat_pkey_from_public_der(struct moat_pkey *k, const uint8_t *spki, size_t len);
/* dst gets an independent key holding only src's public half (dst is overwritten, not freed). */
MOAT_MUST_USE int moat_pkey_copy_public(struct moat_pkey *dst, const struct moat_pkey *src);
/* Safe on a zeroed struct and twice. */
void moat_pkey_free(struct moat_pkey *k);
/* true if priv's public half equals pub (private key matches certificate) */
bool moat_pkey_matches(const struct moat_pkey *priv, const struct moat_pkey *pub);
/* Largest signature the key makes (modulus size for RSA, DER ECDSA-Sig-Value bound, 64 for Ed25519). */
size_t moat_pkey_max_sig_len(const struct moat_pkey *k);
/* Key size in bits (RSA modulus, curve order); 0 without a key. */
size_t moat_pkey_bits(const struct moat_pkey *k);

/*
 * Type of an EVP_PKEY (passed as void* so callers need no OpenSSL headers);
 * MOAT_KEY_NONE for NULL and for keys TLS signing here does not support
 * (other curves, explicit EC parameters, DSA, Ed448, ...).
 */
moat_key_type moat_pkey_type_of(const void *evp_pkey);
/*
 * Wrap an EVP_PKEY*: k takes a new reference (the caller keeps its own).
 * Unsupported type → MOAT_ERR_UNSUPPORTED_CERTIFICATE. k is overwritten.
 */
MOAT_MUST_USE int moat_pkey_wrap(struct moat_pkey *k, void *evp_pkey);

/*
 * Scheme allowed with this key type for a TLS 1.3 CertificateVerify (RFC 8446 §4.2.3, §4.4.3):
 * ecdsa_secp256r1_sha256 only with P-256 etc.; rsa_pss_rsae_* with rsaEncryption keys;
 * rsa_pss_pss_* with RSASSA-PSS keys; rsa_pkcs1_* and SHA-1 never; ed25519 with Ed25519 keys.
 */
bool moat_sig_scheme_usable_tls13(uint16_t scheme, moat_key_type type);
/*
 * Same for TLS 1.2 handshake signatures: rsa_pkcs1_sha256/384/512 also with
 * rsaEncryption keys, and the ecdsa_* schemes with any supported curve (TLS 1.2
 * does not bind the curve to the hash, RFC 8422 §5.1.1). SHA-1 stays refused
 * (RFC 9155 deprecates it for TLS 1.2 signatures).
 */
bool moat_sig_scheme_usable_tls12(uint16_t scheme, moat_key_type type);
/*
 * The TLS 1.2 SHA-1 schemes, rsa_pkcs1_sha1 with rsaEncryption keys and
 * ecdsa_sha1 with any supported curve: the implicit defaults of a client
 * that sends no signature_algorithms (RFC 5246 §7.4.1.4.1). RFC 9155
 * deprecates them; moat signs a ServerKeyExchange with them only for such
 * a client and only where the policy lists them, never offers or accepts
 * them elsewhere, and never in TLS 1.3 (RFC 8446 §4.2.3).
 */
bool moat_sig_scheme_usable_tls12_sha1(uint16_t scheme, moat_key_type type);
/* Whether a scheme signs over SHA-1 (the TLS 1.2 SHA-1 schemes and the TLS 1.0/1.1 legacy ones). */
bool moat_sig_scheme_is_sha1(uint16_t scheme);
/*
 * Same for TLS 1.0/1.1 ServerKeyExchange signatures, which only the private
 * legacy code points name (iana.h): legacy_rsa_pkcs1_md5_sha1 with
 * rsaEncryption keys, legacy_ecdsa_sha1 with any supported curve. Those two
 * are usable nowhere else.
 */
bool moat_sig_scheme_usable_legacy(uint16_t scheme, moat_key_type type);
/* Digest length of a scheme we can sign with (32, 48, 64; legacy 36 and 20; 0 for ed25519 and unknown schemes). */
size_t moat_sig_scheme_digest_len(uint16_t scheme);

/*
 * Sign msg (unhashed; the scheme decides digest and padding; RSA-PSS salt = digest
 * length, MGF1 same digest). *sig_len is in: capacity, out: length; a capacity
 * below moat_pkey_max_sig_len → MOAT_ERR_BUF_FULL. A scheme no TLS version
 * (1.0 to 1.3) allows with this key → MOAT_ERR_ILLEGAL_PARAMETER; callers pick the scheme
 * with the usable_* check for their version first.
 */
MOAT_MUST_USE int moat_sig_sign(const struct moat_pkey *k, uint16_t scheme, const uint8_t *msg, size_t msg_len,
				uint8_t *sig, size_t *sig_len /* in: capacity, out: length */);
/*
 * Set up md_ctx (an EVP_MD_CTX from EVP_MD_CTX_new) to sign with scheme, as
 * moat_sig_sign does before each signature, with the same checks and errors.
 * For the signer (signer.h), which does it once per key and scheme.
 */
MOAT_MUST_USE int moat_sig_sign_ctx_init(void *md_ctx, const struct moat_pkey *k, uint16_t scheme);
/*
 * Verify; a bad signature → MOAT_ERR_DECRYPT_ERROR (RFC 8446 §4.4.3); a scheme
 * that does not fit the key (by the TLS 1.2 rules, the wider of the two) →
 * MOAT_ERR_ILLEGAL_PARAMETER. For RSA-PSS the salt must be exactly the digest length.
 */
MOAT_MUST_USE int moat_sig_verify(const struct moat_pkey *k, uint16_t scheme, const uint8_t *msg, size_t msg_len,
				  const uint8_t *sig, size_t sig_len);

/*
 * Sign / verify a digest the caller made: the same signature moat_sig_sign
 * makes over a message whose hash (the scheme's, moat_sig_scheme_digest_len
 * bytes; MD5 || SHA-1 for legacy_rsa_pkcs1_md5_sha1) is digest. For the
 * TLS 1.2 and 1.0/1.1 client CertificateVerify, whose input is the whole
 * handshake so far (RFC 5246 §7.4.8): the handshake hashes as it goes. A
 * digest of another length, or EdDSA → MOAT_ERR_ILLEGAL_PARAMETER; the
 * other errors as moat_sig_sign / moat_sig_verify.
 */
MOAT_MUST_USE int moat_sig_sign_digest(const struct moat_pkey *k, uint16_t scheme, const uint8_t *digest, size_t len,
				       uint8_t *sig, size_t *sig_len /* in: capacity, out: length */);
MOAT_MUST_USE int moat_sig_verify_digest(const struct moat_pkey *k, uint16_t scheme, const uint8_t *digest,
					 size_t len, const uint8_t *sig, size_t sig_len);
/* libcrypto passphrase callback that refuses: loading an encrypted PEM fails instead of prompting. */
int moat_pem_no_passphrase(char *buf, int size, int rwflag, void *arg);

#endif
