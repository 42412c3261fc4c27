/*
 * The SignatureScheme names (see iana.h). A row per code point of
 * tls/crypto/iana.h, in listing order; the tls13 column is RFC 8446 §4.4.3
 * ("RSASSA-PKCS1-v1_5 ... and SHA-1 ... MUST NOT be used" in
 * CertificateVerify), the legacy column marks the private-use TLS 1.0/1.1
 * rows (iana.h), so the ipc codec and keyd read it rather than keeping
 * lists of their own.
 */
#include "tls/crypto/iana.h"

#include <stddef.h>

static const struct moat_sig_scheme_info schemes[] = {
	{ MOAT_SIG_ECDSA_SECP256R1_SHA256, "ecdsa_secp256r1_sha256", true, false, false },
	{ MOAT_SIG_ECDSA_SECP384R1_SHA384, "ecdsa_secp384r1_sha384", true, false, false },
	{ MOAT_SIG_ECDSA_SECP521R1_SHA512, "ecdsa_secp521r1_sha512", true, false, false },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256", true, false, false },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384", true, false, false },
	{ MOAT_SIG_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512", true, false, false },
	{ MOAT_SIG_RSA_PSS_PSS_SHA256, "rsa_pss_pss_sha256", true, false, false },
	{ MOAT_SIG_RSA_PSS_PSS_SHA384, "rsa_pss_pss_sha384", true, false, false },
	{ MOAT_SIG_RSA_PSS_PSS_SHA512, "rsa_pss_pss_sha512", true, false, false },
	{ MOAT_SIG_RSA_PKCS1_SHA256, "rsa_pkcs1_sha256", false, false, false },
	{ MOAT_SIG_RSA_PKCS1_SHA384, "rsa_pkcs1_sha384", false, false, false },
	{ MOAT_SIG_RSA_PKCS1_SHA512, "rsa_pkcs1_sha512", false, false, false },
	{ MOAT_SIG_RSA_PKCS1_SHA1, "rsa_pkcs1_sha1", false, false, false },
	{ MOAT_SIG_ECDSA_SHA1, "ecdsa_sha1", false, false, false },
	{ MOAT_SIG_ED25519, "ed25519", true, true, false },
	{ MOAT_SIG_ED448, "ed448", true, true, false },
	{ MOAT_SIG_LEGACY_RSA_MD5_SHA1, "legacy_rsa_pkcs1_md5_sha1", false, false, true },
	{ MOAT_SIG_LEGACY_ECDSA_SHA1, "legacy_ecdsa_sha1", false, false, true },
};

const struct moat_sig_scheme_info *moat_sig_scheme_at(size_t i)
{
	return i < sizeof(schemes) / sizeof(schemes[0]) ? &schemes[i] : NULL;
}

const struct moat_sig_scheme_info *moat_sig_scheme_find(uint16_t scheme)
{
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (schemes[i].scheme == scheme)
			return &schemes[i];
	return NULL;
}

const char *moat_sig_scheme_name(uint16_t scheme)
{
	const struct moat_sig_scheme_info *s = moat_sig_scheme_find(scheme);
	return s != NULL ? s->name : NULL;
}
