/*
 * policy_suites: the named policies' TLS 1.2-and-older suites, one line each,
 * for the interop tests' per-policy matrix (never installed). The table the
 * tests walk is the library's own (policy/security_policy.c), so a suite
 * added to or dropped from a policy changes what the matrix tries.
 *
 * usage: policy_suites
 * Prints "POLICY OPENSSL_NAME KX MIN_VERSION" per suite, in each policy's
 * order: KX is ecdhe, dhe or rsa; MIN_VERSION is tls1, tls1_1 or tls1_2,
 * the lowest version the suite exists in (as s_client spells the option).
 */
#include <stdio.h>

#include "policy/cipher_suites.h"
#include "policy/security_policy.h"
#include "tls/iana.h"

static const char *kx_name(moat_kx_kind kx)
{
	switch (kx) {
	case MOAT_KX_ECDHE:
		return "ecdhe";
	case MOAT_KX_DHE:
		return "dhe";
	case MOAT_KX_RSA:
		return "rsa";
	default:
		return NULL;
	}
}

static const char *version_option(uint16_t v)
{
	return v == MOAT_TLS10 ? "tls1" : v == MOAT_TLS11 ? "tls1_1" : "tls1_2";
}

int main(void)
{
	for (size_t i = 0; i < moat_security_policy_count(); i++) {
		const struct moat_security_policy *p = moat_security_policy_at(i);
		for (size_t j = 0; j < p->cipher_suites_count; j++) {
			const struct moat_cipher_suite *s = p->cipher_suites[j];
			const char *kx = kx_name(s->kx);
			if (kx != NULL)
				printf("%s %s %s %s\n", p->name, s->openssl_name, kx, version_option(s->min_version));
		}
	}
	return ferror(stdout) ? 1 : 0;
}
