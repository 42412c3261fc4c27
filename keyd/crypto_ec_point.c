/*
 * ECDH public value validation (see crypto_ec_point.h).
 *
 * The point is imported as a public EC key of the named group and run
 * through EVP_PKEY_public_check: decoding rejects coordinates that do not
 * satisfy the curve equation, and the check rejects infinity, coordinates
 * not below p and (for these prime-order curves a formality) a point
 * outside the group.
 */
#include "keyd/crypto_ec_point.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tls/iana.h"

static const char *nist_curve(uint16_t group, size_t *len)
{
	switch (group) {
	case MOAT_GROUP_SECP256R1: *len = 1 + 2 * 32; return "P-256";
	case MOAT_GROUP_SECP384R1: *len = 1 + 2 * 48; return "P-384";
	case MOAT_GROUP_SECP521R1: *len = 1 + 2 * 66; return "P-521";
	default: *len = 0; return NULL;
	}
}

static bool nist_point_valid(const char *curve, const uint8_t *point, size_t len)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)curve, 0),
		OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)(uintptr_t)point, len),
		OSSL_PARAM_END,
	};
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	bool ok = ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
		  EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1 &&
		  (check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) != NULL && EVP_PKEY_public_check(check) == 1;
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

bool keyd_ecdh_point_valid(uint16_t group, const uint8_t *point, size_t len)
{
	if (point == NULL)
		return false;
	size_t want;
	const char *curve = nist_curve(group, &want);
	if (curve != NULL)
		return len == want && point[0] == 0x04 && nist_point_valid(curve, point, len);
	if (group == MOAT_GROUP_X25519)
		return len == 32;
	if (group == MOAT_GROUP_X448)
		return len == 56;
	return false;
}
