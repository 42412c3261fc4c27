/*
 * What keyd agrees to sign: the allowed signature schemes per kind and the
 * exact shape of each kind's input.
 *
 * keyd must not be a general signing oracle (moat-ipc(7)): a compromised
 * frontd could otherwise have it sign anything, e.g. a forged TLS 1.2
 * ServerKeyExchange for another server's handshake or arbitrary data under
 * the certificate's key. So the input is the unhashed TLS structure, and it
 * is accepted only when it has that structure down to the last byte. The
 * shapes are the crypto layer's signed-content checks, the same code the
 * handshake builds them with (tls/crypto/signed_content.h):
 *  - kind 1: the TLS 1.3 CertificateVerify content, RFC 8446 §4.4.3
 *    (moat_cv_content_check);
 *  - kind 2: client_random, server_random and ServerECDHParams with a named
 *    curve we know and a point of that curve's exact length, RFC 5246
 *    §7.4.3, RFC 8422 §5.4 — nothing before, between or after
 *    (moat_ske_ecdh_content_check, which also checks the point is on the
 *    curve);
 *  - kind 3: client_random, server_random and ServerDHParams whose (p, g)
 *    are exactly one of our RFC 7919 groups and whose Ys is in range,
 *    RFC 5246 §7.4.3, RFC 7919 §4 (moat_ske_dh_content_check);
 *  - kind 4: the digest of a TLS 1.2 or 1.0/1.1 client's handshake_messages
 *    for its CertificateVerify, RFC 5246 §7.4.8, of exactly the scheme's
 *    hash length (moat_tls12_client_cv_digest_check). Not a shape keyd can
 *    check beyond that: why it exists anyway, and why keyd serves it only
 *    to keys given the client role, is the head comment of
 *    signed_content.h.
 * Schemes are IANA TLS SignatureScheme code points from the crypto layer's
 * one table (tls/crypto/iana.h); there is no way to name a raw padding mode.
 * RSASSA-PKCS1-v1_5 and SHA-1 are TLS 1.2 only (the table's tls13 column,
 * RFC 8446 §4.4.3 forbids them in CertificateVerify). The private-use
 * TLS 1.0/1.1 schemes (iana.h, the table's legacy column) are for the
 * ServerKeyExchange kinds only. EdDSA is refused:
 * keyd holds no Ed25519/Ed448 keys (LIST_KEYS has no key type for them).
 */
#include "ipc/ipc.h"

#include "ipc/ipc_internal.h"
#include "tls/crypto/iana.h"
#include "tls/crypto/signed_content.h"

_Static_assert(MOAT_CV_CONTENT_MAX <= MOAT_IPC_SIGN_INPUT_MAX && MOAT_SKE_ECDH_CONTENT_MAX <= MOAT_IPC_SIGN_INPUT_MAX,
	       "every CertificateVerify and ECDHE shape keyd signs fits a SIGN request");
/*
 * ServerDHParams grow with the prime: ffdhe2048 (583 bytes) and ffdhe3072
 * (839) fit a version 1 SIGN input, ffdhe4096 and larger (1093 to 2119) do
 * not, and the encoder refuses them (TOO_LARGE on the wire). A TLS 1.2
 * server signing through keyd offers DHE on those two groups only.
 */
_Static_assert(2 * 32 + 2 + 384 + 3 + 2 + 384 <= MOAT_IPC_SIGN_INPUT_MAX, "ffdhe3072 ServerDHParams fit a SIGN request");

bool moat_ipc_scheme_allowed(uint8_t kind, uint16_t scheme)
{
	bool tls12_kind = MOAT_IPC_SIGN_KIND_IS_SKE(kind) || kind == MOAT_IPC_SIGN_TLS12_CLIENT_CV;
	if (kind != MOAT_IPC_SIGN_TLS13_CV && !tls12_kind)
		return false;
	const struct moat_sig_scheme_info *s = moat_sig_scheme_find(scheme);
	if (s == NULL || s->eddsa)
		return false;
	return s->tls13 || tls12_kind;
}

int moat_ipc_check_sign_input(uint8_t kind, uint16_t scheme, const uint8_t *input, size_t len, moat_ipc_status *st)
{
	IPC_ENSURE(kind == MOAT_IPC_SIGN_TLS13_CV || MOAT_IPC_SIGN_KIND_IS_SKE(kind) ||
			   kind == MOAT_IPC_SIGN_TLS12_CLIENT_CV,
		   st, MOAT_IPC_BAD_INPUT);
	IPC_ENSURE(moat_ipc_scheme_allowed(kind, scheme), st, MOAT_IPC_BAD_SCHEME);
	IPC_ENSURE(input != NULL && len >= 1 && len <= MOAT_IPC_SIGN_INPUT_MAX, st, MOAT_IPC_BAD_INPUT);
	if (kind == MOAT_IPC_SIGN_TLS13_CV)
		IPC_ENSURE(moat_cv_content_check(input, len, NULL, NULL) == MOAT_SUCCESS, st, MOAT_IPC_BAD_INPUT);
	else if (kind == MOAT_IPC_SIGN_TLS12_SKE)
		IPC_ENSURE(moat_ske_ecdh_content_check(input, len, NULL, NULL) == MOAT_SUCCESS, st, MOAT_IPC_BAD_INPUT);
	else if (kind == MOAT_IPC_SIGN_TLS12_SKE_DHE)
		IPC_ENSURE(moat_ske_dh_content_check(input, len, NULL, NULL) == MOAT_SUCCESS, st, MOAT_IPC_BAD_INPUT);
	else
		IPC_ENSURE(moat_tls12_client_cv_digest_check(scheme, input, len) == MOAT_SUCCESS, st, MOAT_IPC_BAD_INPUT);
	return moat_ipc_ok(st);
}
