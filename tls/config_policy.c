/*
 * Custom security policies on a config, and whether a server can use its
 * policy with its certificates (config_policy.h).
 *
 * The check mirrors the server's choices (tls13_server.c, tls12_server.c)
 * in the large, per certificate: it answers "can any client at all get a
 * handshake", which is what a configuration test must catch; whether a
 * given client can is for the handshake to say.
 */
#include "tls/config_policy.h"

#include <stdio.h>

#include "tls/conn.h"
#include "tls/crypto/kex.h"

int moat_config_set_security_policy(struct moat_config *config, const struct moat_security_policy *p)
{
	ENSURE_REF(config);
	ENSURE_REF(p);
	ENSURE(p->cipher_suites_count > 0 && p->min_version <= p->max_version, MOAT_ERR_INVALID_ARG);
	config->policy = p;
	return MOAT_SUCCESS;
}

const struct moat_security_policy *moat_config_get_security_policy(const struct moat_config *config)
{
	return config != NULL ? config->policy : NULL;
}

bool moat_suite_auth_fits_key(moat_auth_kind auth, moat_key_type type)
{
	if (auth == MOAT_AUTH_RSA)
		return type == MOAT_KEY_RSA || type == MOAT_KEY_RSA_PSS;
	/* RFC 8422 §2.1, RFC 8422 §3 with Ed25519: ECDHE_ECDSA suites take any of our EC signing keys. */
	return type == MOAT_KEY_EC_P256 || type == MOAT_KEY_EC_P384 || type == MOAT_KEY_EC_P521 ||
	       type == MOAT_KEY_ED25519;
}

static const char *key_type_name(moat_key_type t)
{
	switch (t) {
	case MOAT_KEY_RSA:
		return "RSA";
	case MOAT_KEY_RSA_PSS:
		return "RSA-PSS";
	case MOAT_KEY_EC_P256:
		return "ECDSA P-256";
	case MOAT_KEY_EC_P384:
		return "ECDSA P-384";
	case MOAT_KEY_EC_P521:
		return "ECDSA P-521";
	case MOAT_KEY_ED25519:
		return "Ed25519";
	default:
		return "unknown";
	}
}

static bool has_scheme(const struct moat_security_policy *p, bool (*usable)(uint16_t, moat_key_type), moat_key_type t)
{
	for (size_t i = 0; i < p->sig_schemes_count; i++)
		if (usable(p->sig_schemes[i], t))
			return true;
	return false;
}

static bool has_group(const struct moat_security_policy *p, bool ec_only)
{
	for (size_t i = 0; i < p->groups_count; i++)
		if (moat_kex_group_supported(p->groups[i]) && (!ec_only || moat_kex_group_is_ec(p->groups[i])))
			return true;
	return false;
}

/* NULL when TLS 1.3 works with a key of type t, else why not. */
static const char *tls13_blocker(const struct moat_security_policy *p, moat_key_type t)
{
	if (p->max_version < MOAT_TLS13)
		return "not allowed";
	bool suite = false;
	for (size_t i = 0; i < p->cipher_suites_count; i++)
		suite = suite || moat_cipher_suite_supports_version(p->cipher_suites[i], MOAT_TLS13);
	if (!suite)
		return "no TLS 1.3 cipher suite";
	if (!has_group(p, false))
		return "no group";
	if (!has_scheme(p, moat_sig_scheme_usable_tls13, t))
		return "no signature scheme for this key";
	return NULL;
}

static const char *tls12_blocker(const struct moat_security_policy *p, moat_key_type t)
{
	if (p->min_version > MOAT_TLS12 || p->max_version < MOAT_TLS12)
		return "not allowed";
	bool fits = false;
	for (size_t i = 0; i < p->cipher_suites_count && !fits; i++) {
		const struct moat_cipher_suite *s = p->cipher_suites[i];
		if (!moat_cipher_suite_supports_version(s, MOAT_TLS12) || !moat_suite_auth_fits_key(s->auth, t))
			continue;
		fits = s->kx != MOAT_KX_ECDHE || has_group(p, true);
	}
	if (!fits)
		return "no cipher suite for this key";
	if (!has_scheme(p, moat_sig_scheme_usable_tls12, t))
		return "no signature scheme for this key";
	return NULL;
}

int moat_config_check_server_policy(const struct moat_config *config, char *why, size_t why_size)
{
	ENSURE_REF(config);
	ENSURE_REF(why);
	ENSURE(config->cert_count > 0, MOAT_ERR_INVALID_STATE);
	const struct moat_security_policy *p = config->policy;
	const char *b13 = NULL, *b12 = NULL;
	for (size_t i = 0; i < config->cert_count; i++) {
		moat_key_type t = config->certs[i]->key_type;
		b13 = tls13_blocker(p, t);
		b12 = tls12_blocker(p, t);
		if (b13 == NULL || b12 == NULL)
			return MOAT_SUCCESS;
	}
	/* Say it for the first certificate: with one key type per site that is the usual case. */
	moat_key_type t = config->certs[0]->key_type;
	snprintf(why, why_size, "policy \"%s\" cannot use the %s certificate%s: TLS 1.3: %s; TLS 1.2: %s", p->name,
		 key_type_name(t), config->cert_count > 1 ? " (nor the others)" : "", tls13_blocker(p, t),
		 tls12_blocker(p, t));
	BAIL(MOAT_ERR_CONFIG);
}
