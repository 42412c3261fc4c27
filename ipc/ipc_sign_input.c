/*
 * What keyd agrees to sign: the allowed signature schemes per kind and the
 * exact shape of each kind's input.
 *
 * keyd must not be a general signing oracle (moat-ipc(7)): a compromised
 * frontd could otherwise have it sign anything, e.g. a forged TLS 1.2
 * ServerKeyExchange for another server's handshake or arbitrary data under
 * the certificate's key. So the input is the unhashed TLS structure, and it
 * is accepted only when it has that structure down to the last byte:
 *  - kind 1: the TLS 1.3 CertificateVerify content, RFC 8446 §4.4.3, checked
 *    by the same code (moat_cv_content_check) the handshake builds it with;
 *  - kind 2: client_random, server_random and ServerECDHParams with a named
 *    curve we know and a point of that curve's exact length, RFC 5246
 *    §7.4.3, RFC 8422 §5.4 — nothing before, between or after.
 * Schemes are IANA TLS SignatureScheme code points from an explicit list;
 * there is no way to name a raw padding mode. RSASSA-PKCS1-v1_5 and SHA-1
 * are TLS 1.2 only (RFC 8446 §4.4.3 forbids them in CertificateVerify).
 * EdDSA is not listed: keyd holds no Ed25519/Ed448 keys (LIST_KEYS has no
 * key type for them).
 */
#include "ipc/ipc.h"

#include "ipc/ipc_internal.h"
#include "tls/iana.h"
#include "tls/messages.h"

#define TLS12_CURVE_TYPE_NAMED_CURVE 3 /* RFC 8422 §5.4 ECCurveType named_curve(3) */
#define EC_POINT_UNCOMPRESSED 4        /* RFC 8422 §5.4.1 PointConversionForm uncompressed(4) */

static const struct {
	uint16_t scheme;
	bool tls13;
} allowed_schemes[] = {
	{ MOAT_SIG_ECDSA_SECP256R1_SHA256, true },
	{ MOAT_SIG_ECDSA_SECP384R1_SHA384, true },
	{ MOAT_SIG_ECDSA_SECP521R1_SHA512, true },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA256, true },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA384, true },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA512, true },
	{ MOAT_SIG_RSA_PSS_PSS_SHA256, true },
	{ MOAT_SIG_RSA_PSS_PSS_SHA384, true },
	{ MOAT_SIG_RSA_PSS_PSS_SHA512, true },
	{ MOAT_SIG_RSA_PKCS1_SHA256, false },
	{ MOAT_SIG_RSA_PKCS1_SHA384, false },
	{ MOAT_SIG_RSA_PKCS1_SHA512, false },
	{ MOAT_SIG_RSA_PKCS1_SHA1, false },
	{ MOAT_SIG_ECDSA_SHA1, false },
};

bool moat_ipc_scheme_allowed(uint8_t kind, uint16_t scheme)
{
	if (kind != MOAT_IPC_SIGN_TLS13_CV && kind != MOAT_IPC_SIGN_TLS12_SKE)
		return false;
	for (size_t i = 0; i < sizeof(allowed_schemes) / sizeof(allowed_schemes[0]); i++)
		if (allowed_schemes[i].scheme == scheme)
			return allowed_schemes[i].tls13 || kind == MOAT_IPC_SIGN_TLS12_SKE;
	return false;
}

/* The public value's length for a group, RFC 8422 §5.4 / §5.4.1 and RFC 7748; 0 for a group we do not know. */
static size_t ecdh_point_len(uint16_t group, bool *uncompressed)
{
	*uncompressed = true;
	switch (group) {
	case MOAT_GROUP_SECP256R1:
		return 1 + 2 * 32;
	case MOAT_GROUP_SECP384R1:
		return 1 + 2 * 48;
	case MOAT_GROUP_SECP521R1:
		return 1 + 2 * 66;
	case MOAT_GROUP_X25519:
		*uncompressed = false;
		return 32;
	case MOAT_GROUP_X448:
		*uncompressed = false;
		return 56;
	default:
		return 0;
	}
}

/* RFC 5246 §7.4.3 with RFC 8422 §5.4: client_random[32] + server_random[32] + ServerECDHParams. */
static int check_tls12_ske(const uint8_t *input, size_t len, moat_ipc_status *st)
{
	struct moat_cursor c, point;
	uint8_t curve_type, form;
	uint16_t group;
	bool uncompressed;

	moat_cursor_init(&c, input, len);
	IPC_ENSURE(moat_cursor_skip(&c, 2 * MOAT_RANDOM_LEN) == MOAT_SUCCESS, st, MOAT_IPC_BAD_INPUT);
	IPC_ENSURE(moat_cursor_get_u8(&c, &curve_type) == MOAT_SUCCESS, st, MOAT_IPC_BAD_INPUT);
	IPC_ENSURE(curve_type == TLS12_CURVE_TYPE_NAMED_CURVE, st, MOAT_IPC_BAD_INPUT);
	IPC_ENSURE(moat_cursor_get_u16(&c, &group) == MOAT_SUCCESS, st, MOAT_IPC_BAD_INPUT);
	size_t want = ecdh_point_len(group, &uncompressed);
	IPC_ENSURE(want != 0, st, MOAT_IPC_BAD_INPUT);
	IPC_ENSURE(moat_cursor_get_prefixed(&c, 1, &point) == MOAT_SUCCESS, st, MOAT_IPC_BAD_INPUT);
	IPC_ENSURE(moat_cursor_remaining(&point) == want, st, MOAT_IPC_BAD_INPUT);
	if (uncompressed) {
		IPC_ENSURE(moat_cursor_peek_u8(&point, &form) == MOAT_SUCCESS, st, MOAT_IPC_BAD_INPUT);
		IPC_ENSURE(form == EC_POINT_UNCOMPRESSED, st, MOAT_IPC_BAD_INPUT);
	}
	IPC_ENSURE(moat_cursor_expect_end(&c) == MOAT_SUCCESS, st, MOAT_IPC_BAD_INPUT);
	return MOAT_SUCCESS;
}

int moat_ipc_check_sign_input(uint8_t kind, uint16_t scheme, const uint8_t *input, size_t len, moat_ipc_status *st)
{
	IPC_ENSURE(kind == MOAT_IPC_SIGN_TLS13_CV || kind == MOAT_IPC_SIGN_TLS12_SKE, st, MOAT_IPC_BAD_INPUT);
	IPC_ENSURE(moat_ipc_scheme_allowed(kind, scheme), st, MOAT_IPC_BAD_SCHEME);
	IPC_ENSURE(input != NULL && len >= 1 && len <= MOAT_IPC_SIGN_INPUT_MAX, st, MOAT_IPC_BAD_INPUT);
	if (kind == MOAT_IPC_SIGN_TLS13_CV)
		IPC_ENSURE(moat_cv_content_check(input, len, NULL, NULL) == MOAT_SUCCESS, st, MOAT_IPC_BAD_INPUT);
	else
		TRY(check_tls12_ske(input, len, st));
	return moat_ipc_ok(st);
}
