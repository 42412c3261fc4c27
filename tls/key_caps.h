/*
 * What a certificate's private key may be used for, when the key lives in
 * another process that enforces its own limits (moat-keyd's per-key
 * switches, moat-keyd.conf(5)).
 *
 * Why the library needs to know: the version and the TLS 1.2 suite are
 * chosen before the key is asked to do anything. A key that its holder
 * will refuse for TLS 1.0 signatures or for RSA decryption must not be
 * chosen for them, else the handshake fails late with internal_error
 * where an honest choice gives the client protocol_version or another
 * suite. Not in moat.h: the caps mirror moat's own key daemon.
 *
 * A chain starts with every cap (MOAT_KEY_CAPS_ALL): until the holder has
 * said otherwise, nothing is restricted.
 */
#ifndef MOAT_TLS_KEY_CAPS_H
#define MOAT_TLS_KEY_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/moat.h"

#define MOAT_KEY_CAP_TLS13 0x01u    /* TLS 1.3 CertificateVerify */
#define MOAT_KEY_CAP_TLS12 0x02u    /* TLS 1.2 ServerKeyExchange signatures */
/*
 * SHA-1 signatures: TLS 1.0/1.1 ServerKeyExchanges (legacy schemes) and,
 * with MOAT_KEY_CAP_TLS12, TLS 1.2 ones with the SHA-1 defaults of a client
 * without signature_algorithms (RFC 5246 §7.4.1.4.1; keyd's "tls10").
 */
#define MOAT_KEY_CAP_TLS10_11 0x04u
#define MOAT_KEY_CAP_RSA_KX 0x08u   /* TLS 1.0-1.2 static RSA key transport (decryption) */
#define MOAT_KEY_CAPS_ALL 0x0fu

/* Restrict ck to caps (a set of MOAT_KEY_CAP_*); MOAT_KEY_CAPS_ALL lifts every restriction. */
MOAT_MUST_USE int moat_cert_chain_and_key_set_key_caps(struct moat_cert_chain_and_key *ck, uint32_t caps);
uint32_t moat_cert_chain_and_key_get_key_caps(const struct moat_cert_chain_and_key *ck);

/*
 * Whether ck's key may authenticate (sign, or decrypt for RSA key
 * transport when rsa_kx) at protocol version v.
 */
bool moat_key_caps_allow(uint32_t caps, uint16_t version, bool rsa_kx);

/* The leaf's commonName ("" without one), for the holder's messages about the key. */
MOAT_MUST_USE int moat_cert_chain_and_key_get_common_name(const struct moat_cert_chain_and_key *ck, char *out,
							  size_t cap);

/* Whether some certificate of config may serve version v at all (with some key exchange). */
bool moat_config_key_caps_allow_version(const struct moat_config *config, uint16_t version);

#endif
