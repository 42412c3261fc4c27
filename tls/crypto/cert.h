/*
 * Certificate chains and trust (RFC 8446 §4.4.2, RFC 5280, RFC 6125).
 *
 * A chain keeps both forms of each certificate: the DER bytes, which are what
 * the Certificate message carries and what we send unchanged, and the parsed
 * X509, which verification and name checks need. Parsing happens once, when a
 * certificate enters the chain. Path building and RFC 5280 checks are
 * libcrypto's (X509_verify_cert); this module decides the policy around them
 * (purpose, time, key strength) and maps each failure to the alert
 * RFC 8446 §6.2 names. Split in two files: cert_chain.c builds and inspects
 * chains, cert_verify.c holds the trust store and the verdicts. keyd, which
 * holds keys and no certificates, links neither: the key id it shares with
 * frontd is key_id.c's.
 */
#ifndef MOAT_TLS_CRYPTO_CERT_H
#define MOAT_TLS_CRYPTO_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "tls/crypto/key_id.h"
#include "tls/crypto/sig.h"

#define MOAT_MAX_CHAIN_LEN 10

/* A zeroed struct is an empty chain. */
struct moat_cert_chain {
	size_t count;
	uint8_t *der[MOAT_MAX_CHAIN_LEN];     /* leaf first, heap copies */
	size_t der_len[MOAT_MAX_CHAIN_LEN];
	void *x509[MOAT_MAX_CHAIN_LEN];       /* X509* */
	struct moat_pkey leaf_key;            /* public key of der[0] */
};

/*
 * Load a chain from PEM, leaf first, as in a server's chain file; blocks other
 * than certificates (a private key in the same file) are skipped. c is
 * overwritten. No certificate, a corrupt one, or more than MOAT_MAX_CHAIN_LEN
 * → MOAT_ERR_INVALID_PEM; a leaf key moat cannot sign with →
 * MOAT_ERR_UNSUPPORTED_CERTIFICATE.
 */
MOAT_MUST_USE int moat_cert_chain_from_pem(struct moat_cert_chain *c, const char *pem, size_t len);
/*
 * Append one DER certificate (from a peer's Certificate message) to c (zeroed
 * or built). Bad DER, trailing bytes, or more than MOAT_MAX_CHAIN_LEN →
 * MOAT_ERR_BAD_CERTIFICATE; for the leaf, a key of an unsupported type →
 * MOAT_ERR_UNSUPPORTED_CERTIFICATE. On failure c is unchanged.
 */
MOAT_MUST_USE int moat_cert_chain_add_der(struct moat_cert_chain *c, const uint8_t *der, size_t len);
/* Safe on a zeroed struct and twice. */
void moat_cert_chain_free(struct moat_cert_chain *c);

/* The leaf's key id (key_id.h): what frontd asks keyd for. */
MOAT_MUST_USE int moat_cert_spki_sha256(const struct moat_cert_chain *c, uint8_t out[MOAT_KEY_ID_LEN]);

/*
 * Call fn for each DNS name of the leaf: the subjectAltName dNSName entries;
 * the subject CNs only when there is no dNSName (RFC 6125 §6.4.4, the same
 * rule moat_cert_check_host applies). name is NUL-terminated, len excludes
 * the NUL; names with an embedded NUL are skipped. Stops and fails if fn fails.
 */
MOAT_MUST_USE int moat_cert_for_each_dns_name(const struct moat_cert_chain *c,
					      int (*fn)(const char *name, size_t len, void *arg), void *arg);
/*
 * Leaf's signature algorithm as a TLS SignatureScheme, for
 * signature_algorithms_cert checks (0 if none fits). For RSASSA-PSS the
 * rsae/pss distinction is the issuer's key type (RFC 8446 §4.2.3), taken from
 * der[1] (or the leaf itself if it is alone and self-issued); rsae if unknown.
 */
uint16_t moat_cert_leaf_sig_scheme(const struct moat_cert_chain *c);

/*
 * The subject of a DER certificate as RFC 2253 text ("CN=a,O=b") into out,
 * NUL-terminated, and its (last) commonName; a value that does not fit or a
 * certificate that does not parse → MOAT_ERR_INVALID_ARG / MOAT_ERR_BAD_CERTIFICATE.
 * A certificate without commonName gives "".
 */
MOAT_MUST_USE int moat_cert_der_subject(const uint8_t *der, size_t len, char *out, size_t cap);
MOAT_MUST_USE int moat_cert_der_common_name(const uint8_t *der, size_t len, char *out, size_t cap);
/* Both from one parse; either may be NULL. */
MOAT_MUST_USE int moat_cert_der_names(const uint8_t *der, size_t len, char *subject, size_t subject_cap, char *cn,
				      size_t cn_cap);
/* A DER certificate's notAfter, Unix seconds (a resumed session's client certificate must still be valid). */
MOAT_MUST_USE int moat_cert_der_not_after(const uint8_t *der, size_t len, uint64_t *out);

/* A zeroed struct has no store: init it first. */
struct moat_trust_store {
	void *store;    /* X509_STORE* */
	uint16_t max_depth; /* certificates between the leaf and the anchor at most; 0: libcrypto's default (100) */
	bool crl_check;     /* CRLs were added: a leaf's issuer must have a current CRL that does not list it */
};
MOAT_MUST_USE int moat_trust_store_init(struct moat_trust_store *t);                 /* empty */
MOAT_MUST_USE int moat_trust_store_load_system(struct moat_trust_store *t);          /* OpenSSL default paths */
/* Either may be NULL, not both. Unreadable file, file without certificates, missing directory → MOAT_ERR_FILE. */
MOAT_MUST_USE int moat_trust_store_load_location(struct moat_trust_store *t, const char *ca_file, const char *ca_dir);
/* Add every certificate in pem as a trust anchor; none → MOAT_ERR_INVALID_PEM. */
MOAT_MUST_USE int moat_trust_store_add_pem(struct moat_trust_store *t, const char *pem, size_t len);
/*
 * Add every CRL in pem (PEM "X509 CRL" blocks) and from then on check
 * leaves against them: a revoked leaf fails with
 * MOAT_ERR_CERTIFICATE_REVOKED, a leaf whose issuer has no current CRL with
 * MOAT_ERR_CERTIFICATE_UNKNOWN (as nginx's ssl_crl does). No CRL in pem →
 * MOAT_ERR_INVALID_PEM.
 */
MOAT_MUST_USE int moat_trust_store_add_crl_pem(struct moat_trust_store *t, const char *pem, size_t len);
void moat_trust_store_wipe(struct moat_trust_store *t);  /* back to empty (CRLs too; the depth stays) */
void moat_trust_store_free(struct moat_trust_store *t);  /* safe on a zeroed struct and twice */

/*
 * Verify the chain to a trusted root at now_sec (Unix seconds), purpose TLS
 * server (peer_is_server) or TLS client. Keys must give 112-bit security
 * (RSA >= 2048, libcrypto security level 2), which also refuses SHA-1
 * signatures below the root; a leaf with a keyUsage extension must allow
 * digitalSignature (RFC 8446 §4.4.2.2). Failures map to: unknown
 * issuer/untrusted → MOAT_ERR_UNKNOWN_CA; expired or not yet valid →
 * MOAT_ERR_CERTIFICATE_EXPIRED; bad signature/malformed →
 * MOAT_ERR_BAD_CERTIFICATE; wrong purpose/unsupported or weak key →
 * MOAT_ERR_UNSUPPORTED_CERTIFICATE; chain longer than max_depth →
 * MOAT_ERR_BAD_CERTIFICATE; revoked → MOAT_ERR_CERTIFICATE_REVOKED; other →
 * MOAT_ERR_CERTIFICATE_UNKNOWN.
 * An empty chain → MOAT_ERR_CERTIFICATE_REQUIRED.
 */
MOAT_MUST_USE int moat_cert_verify(const struct moat_trust_store *t, const struct moat_cert_chain *c,
				   bool peer_is_server, uint64_t now_sec);
/*
 * The leaf's key may encrypt: keyEncipherment set, or no keyUsage at all
 * (RFC 5246 §7.4.2: for RSA key transport "the keyEncipherment bit MUST be
 * set if the key usage extension is present"). False for an empty chain.
 */
bool moat_cert_leaf_allows_key_encipherment(const struct moat_cert_chain *c);
/*
 * Hostname check per RFC 6125 (wildcard only in the left-most label, no
 * partial wildcards, matching one label); IP literals match iPAddress SANs
 * only. Mismatch → MOAT_ERR_BAD_CERTIFICATE. host is an IP literal or a
 * plain host name (LDH labels, IDNs as A-labels, one trailing dot allowed);
 * anything else ("*.x", ".x", empty labels) → MOAT_ERR_INVALID_ARG.
 */
MOAT_MUST_USE int moat_cert_check_host(const struct moat_cert_chain *c, const char *host);

#endif
