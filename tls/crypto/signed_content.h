/*
 * Signed content: every byte string moat signs with a certificate's key,
 * built and checked by the same code.
 *
 * Why one module: the handshake builds these strings and keyd signs them,
 * and keyd must sign nothing else (it is not a general signing oracle,
 * moat-ipc(7)): a compromised frontd that could get arbitrary bytes signed
 * could forge a TLS 1.2 ServerKeyExchange for another server's handshake or
 * sign data unrelated to TLS under the certificate's name. So for each shape
 * there is a builder, used by the protocol code (and by keyd's self-test),
 * and a check that accepts exactly what the builder can produce, down to the
 * last byte, used by the ipc codec before keyd signs. Both live here, in the
 * crypto layer, so keyd gets them without linking any message codec.
 *
 * Shapes:
 *  - TLS 1.3 CertificateVerify content, RFC 8446 §4.4.3: 64 octets 0x20, the
 *    context string, 0x00, the transcript hash (32 or 48 bytes: SHA-256 or
 *    SHA-384, the TLS 1.3 suites' hashes);
 *  - TLS 1.2 ServerKeyExchange for ECDHE, RFC 5246 §7.4.3 with RFC 8422
 *    §5.4: client_random, server_random and ServerECDHParams (named_curve,
 *    a group of ours, the point at that group's exact length, uncompressed
 *    for the NIST curves, and a point on the curve) — nothing before,
 *    between or after;
 *  - TLS 1.2 ServerKeyExchange for DHE, RFC 5246 §7.4.3 with RFC 7919 §4:
 *    client_random, server_random and ServerDHParams whose (dh_p, dh_g) are
 *    exactly one of the RFC 7919 groups we implement and whose dh_Ys is in
 *    range, 1 < Ys < p-1 (RFC 7919 §5.1), in its minimal encoding.
 * TLS 1.0/1.1 ServerKeyExchange signs the same params (RFC 4346 §7.4.3); the
 * version only changes how the hash is made, which is the signer's choice of
 * scheme, not the content's shape.
 *
 * And one that is not a content: the TLS 1.2 (and 1.0/1.1) client
 * CertificateVerify, RFC 5246 §7.4.8, signs handshake_messages, every
 * handshake message from the ClientHello to the ClientKeyExchange. keyd is
 * given the digest of those messages under the scheme's hash, not the
 * messages, and checks only its length. Why, and what it costs:
 *  - The messages cannot be sent. They include the server's and the
 *    client's certificate chains, commonly several KiB each and up to
 *    2^24 bytes by the RFC, against a SIGN input of 1024 bytes and a packet
 *    of 8192. A cap that fits the protocol would refuse most real
 *    handshakes.
 *  - Sending them would not stop the attack that matters. A compromised
 *    frontd runs the handshake itself, so it can hand keyd a transcript of
 *    any handshake with any server, correctly shaped down to the last byte:
 *    checking that the input parses as ClientHello ... ClientKeyExchange
 *    proves the shape, not that frontd is honest. Logging in as the
 *    client's certificate to any server is therefore open to whoever holds
 *    a frontd that keyd signs client signatures for, with the transcript or
 *    without it, exactly as with the TLS 1.3 client CertificateVerify (whose
 *    content keyd can check, but whose transcript hash it cannot).
 *  - What the digest gives away beyond that is the domain separation: a
 *    signature over a digest of frontd's choice is a signature over any
 *    message with that hash, TLS or not (a certificate request, a document,
 *    another protocol's login), made with PKCS#1 v1.5, PSS or ECDSA as the
 *    scheme says. A transcript check would have kept those out.
 * So the digest kind is served only where that trade is the operator's
 * explicit choice: keys with role client (or both), and tls12 yes (tls10
 * yes for the legacy schemes), never by default; moat-keyd.conf(5) says a
 * key given the client role must be used for TLS client authentication
 * only. The check here is the digest's length for the scheme.
 */
#ifndef MOAT_TLS_CRYPTO_SIGNED_CONTENT_H
#define MOAT_TLS_CRYPTO_SIGNED_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/error.h"
#include "tls/crypto/iana.h"
#include "tls/crypto/kex.h"

/* ---- TLS 1.3 CertificateVerify content, RFC 8446 §4.4.3 ---- */

#define MOAT_TLS13_SERVER_CV_CONTEXT "TLS 1.3, server CertificateVerify"
#define MOAT_TLS13_CLIENT_CV_CONTEXT "TLS 1.3, client CertificateVerify"
#define MOAT_CV_CONTENT_MAX (64 + 33 + 1 + MOAT_MAX_HASH_LEN)
/* Appends the content to out; hash_len not 32 or 48 → INVALID_ARG. */
MOAT_MUST_USE int moat_cv_content_build(bool server, const uint8_t *transcript_hash, size_t hash_len,
					struct moat_buf *out);
/*
 * Accepts exactly what moat_cv_content_build produces (either side), else
 * INVALID_ARG. server and hash_len (either may be NULL) say which side's
 * context it carries and how long the hash is.
 */
MOAT_MUST_USE int moat_cv_content_check(const uint8_t *content, size_t len, bool *server, size_t *hash_len);

/* ---- TLS 1.2 (and 1.0/1.1) ECDHE ServerKeyExchange, RFC 5246 §7.4.3, RFC 8422 §5.4 ---- */

/* client_random + server_random + curve_type(1) + named_curve(2) + point<1..2^8-1>, secp521r1 the longest. */
#define MOAT_SKE_ECDH_CONTENT_MAX (2 * MOAT_RANDOM_LEN + 1 + 2 + 1 + MOAT_KEX_MAX_EC_SHARE_LEN)
/*
 * Appends client_random, server_random and ServerECDHParams to out. A group
 * that is not an elliptic curve group of ours, or a point of the wrong
 * length or form for it → INVALID_ARG.
 */
MOAT_MUST_USE int moat_ske_ecdh_content_build(const uint8_t client_random[MOAT_RANDOM_LEN],
					      const uint8_t server_random[MOAT_RANDOM_LEN], uint16_t group,
					      const uint8_t *point, size_t point_len, struct moat_buf *out);
/*
 * Accepts exactly what moat_ske_ecdh_content_build can produce, else
 * INVALID_ARG, and more: the point must also be a valid public value of its
 * group (moat_kex_public_check: on the curve and not infinity for the NIST
 * curves). The builder does not run that arithmetic on the share it is given
 * (it is our own, fresh from moat_kex_generate); the check does, because a
 * "point" that is not on the curve is bytes no honest server sends, and
 * signing it would vouch for an invalid-curve attack under the
 * certificate's name. group and point (either may be NULL) receive the
 * named group and a view of the point inside content.
 */
MOAT_MUST_USE int moat_ske_ecdh_content_check(const uint8_t *content, size_t len, uint16_t *group,
					      struct moat_cursor *point);

/* ---- TLS 1.2 (and 1.0/1.1) DHE ServerKeyExchange, RFC 5246 §7.4.3, RFC 7919 §4 ---- */

/* client_random + server_random + dh_p<1..2^16-1> + dh_g<1..2^16-1> + dh_Ys<1..2^16-1>, ffdhe8192 the largest. */
#define MOAT_SKE_DH_CONTENT_MAX (2 * MOAT_RANDOM_LEN + 2 + MOAT_KEX_MAX_SHARE_LEN + 2 + 1 + 2 + MOAT_KEX_MAX_SHARE_LEN)
/*
 * Appends client_random, server_random and ServerDHParams for an RFC 7919
 * group of ours: dh_p the group's prime, dh_g the single byte 2, dh_Ys the
 * public value with its leading zero bytes removed (TLS 1.2 integers are
 * minimal, RFC 5246 §8.1.2; the value is given as moat_kex_generate makes it,
 * padded to the size of p). Not an ffdhe group, a share of another length
 * or a value out of range → INVALID_ARG.
 */
MOAT_MUST_USE int moat_ske_dh_content_build(const uint8_t client_random[MOAT_RANDOM_LEN],
					    const uint8_t server_random[MOAT_RANDOM_LEN], uint16_t group,
					    const uint8_t *ys, size_t ys_len, struct moat_buf *out);
/*
 * Accepts exactly what moat_ske_dh_content_build can produce, else
 * INVALID_ARG: (dh_p, dh_g) byte for byte one of our ffdhe groups, dh_Ys not
 * longer than p, without a leading zero byte, and 1 < Ys < p-1. group and ys
 * (either may be NULL) receive the group and a view of dh_Ys inside content.
 */
MOAT_MUST_USE int moat_ske_dh_content_check(const uint8_t *content, size_t len, uint16_t *group,
					    struct moat_cursor *ys);

/* ---- TLS 1.2 (and 1.0/1.1) client CertificateVerify digest, RFC 5246 §7.4.8 (see the top) ---- */

/*
 * The digest of handshake_messages for scheme: exactly its hash's length
 * (32, 48 or 64; 36 for MD5 || SHA-1, 20 for SHA-1), a scheme moat signs
 * with in TLS 1.2 or 1.0/1.1 and not EdDSA. Else INVALID_ARG.
 */
MOAT_MUST_USE int moat_tls12_client_cv_digest_check(uint16_t scheme, const uint8_t *digest, size_t len);

#endif
