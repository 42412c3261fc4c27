/*
 * Scheme names and hex output (see names.h). Kept apart from the daemon so
 * moat-keyctl links only this and the ipc codec.
 */
#include "keyd/names.h"

#include "tls/iana.h"

static const struct {
	uint16_t scheme;
	const char *name;
} scheme_names[] = {
	{ MOAT_SIG_ECDSA_SECP256R1_SHA256, "ecdsa_secp256r1_sha256" },
	{ MOAT_SIG_ECDSA_SECP384R1_SHA384, "ecdsa_secp384r1_sha384" },
	{ MOAT_SIG_ECDSA_SECP521R1_SHA512, "ecdsa_secp521r1_sha512" },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256" },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384" },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512" },
	{ MOAT_SIG_RSA_PSS_PSS_SHA256, "rsa_pss_pss_sha256" },
	{ MOAT_SIG_RSA_PSS_PSS_SHA384, "rsa_pss_pss_sha384" },
	{ MOAT_SIG_RSA_PSS_PSS_SHA512, "rsa_pss_pss_sha512" },
	{ MOAT_SIG_RSA_PKCS1_SHA256, "rsa_pkcs1_sha256" },
	{ MOAT_SIG_RSA_PKCS1_SHA384, "rsa_pkcs1_sha384" },
	{ MOAT_SIG_RSA_PKCS1_SHA512, "rsa_pkcs1_sha512" },
	{ MOAT_SIG_RSA_PKCS1_SHA1, "rsa_pkcs1_sha1" },
	{ MOAT_SIG_ECDSA_SHA1, "ecdsa_sha1" },
};

const uint16_t keyd_ipc_schemes[] = {
	MOAT_SIG_ECDSA_SECP256R1_SHA256, MOAT_SIG_ECDSA_SECP384R1_SHA384, MOAT_SIG_ECDSA_SECP521R1_SHA512,
	MOAT_SIG_RSA_PSS_RSAE_SHA256,    MOAT_SIG_RSA_PSS_RSAE_SHA384,    MOAT_SIG_RSA_PSS_RSAE_SHA512,
	MOAT_SIG_RSA_PSS_PSS_SHA256,     MOAT_SIG_RSA_PSS_PSS_SHA384,     MOAT_SIG_RSA_PSS_PSS_SHA512,
	MOAT_SIG_RSA_PKCS1_SHA256,       MOAT_SIG_RSA_PKCS1_SHA384,       MOAT_SIG_RSA_PKCS1_SHA512,
	MOAT_SIG_RSA_PKCS1_SHA1,         MOAT_SIG_ECDSA_SHA1,
};
const size_t keyd_ipc_scheme_count = sizeof(keyd_ipc_schemes) / sizeof(keyd_ipc_schemes[0]);

const char *keyd_scheme_name(uint16_t scheme)
{
	for (size_t i = 0; i < sizeof(scheme_names) / sizeof(scheme_names[0]); i++)
		if (scheme_names[i].scheme == scheme)
			return scheme_names[i].name;
	return "unknown_scheme";
}

void keyd_hex(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}
