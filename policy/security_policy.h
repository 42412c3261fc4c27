/*
 * Named security policies, after the s2n-tls usage guide's "Security
 * Policies": one name fixes the protocol versions, cipher suites, signature
 * schemes and groups, each list in preference order, so a configuration
 * cannot assemble an unsafe mix. Numbered policies never change; "default"
 * and "default_tls13" may follow future releases.
 *
 * Policies are immutable static data: a config holds a pointer, nothing is
 * allocated or freed, and every thread may read them without locks.
 */
#ifndef MOAT_POLICY_SECURITY_POLICY_H
#define MOAT_POLICY_SECURITY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/cipher_suites.h"

struct moat_security_policy {
	const char *name;
	/* Lowest protocol version; max is TLS 1.3 when any TLS 1.3 suite is listed, else TLS 1.2. */
	uint16_t min_version;
	uint16_t max_version;
	const struct moat_cipher_suite *const *cipher_suites;
	size_t cipher_suites_count;   /* preference order, most preferred first */
	const uint16_t *sig_schemes;  /* SignatureScheme code points, preference order */
	size_t sig_schemes_count;
	const uint16_t *groups;       /* NamedGroup code points, preference order */
	size_t groups_count;
};

/* The policy with this exact (case-sensitive) name, or NULL if unknown or name is NULL. */
const struct moat_security_policy *moat_security_policy_find(const char *name);
/* Walk every policy; moat_security_policy_at returns NULL past the end. */
size_t moat_security_policy_count(void);
const struct moat_security_policy *moat_security_policy_at(size_t i);

/* Membership tests; all false for a NULL policy. */
bool moat_security_policy_has_suite(const struct moat_security_policy *p, uint16_t iana);
bool moat_security_policy_has_group(const struct moat_security_policy *p, uint16_t group);
bool moat_security_policy_has_sig_scheme(const struct moat_security_policy *p, uint16_t scheme);
/* Same versions and the same lists in the same order (names aside); false if either is NULL. */
bool moat_security_policy_equal(const struct moat_security_policy *a, const struct moat_security_policy *b);
/* min_version <= version <= max_version. */
bool moat_security_policy_supports_version(const struct moat_security_policy *p, uint16_t version);

#endif
