/*
 * Security policies that are not one of the built-in names (policy files:
 * moat-frontd.conf(5) `policy "name" { ... }`), and the check that a
 * server's certificates can be used under its policy at all.
 *
 * Not in moat.h: an application names a built-in policy
 * (moat_config_set_cipher_preferences), as in the s2n-tls guide; moat's
 * own daemons also build policies from their configuration files.
 */
#ifndef MOAT_TLS_CONFIG_POLICY_H
#define MOAT_TLS_CONFIG_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/security_policy.h"
#include "tls/crypto/sig.h"
#include "tls/moat.h"

/* Use p from now on. The caller keeps p alive and unchanged while config is in use. */
MOAT_MUST_USE int moat_config_set_security_policy(struct moat_config *config, const struct moat_security_policy *p);
const struct moat_security_policy *moat_config_get_security_policy(const struct moat_config *config);

/* A TLS 1.2 suite's authentication can be done with a key of this type (RFC 5246 §7.4.2, RFC 8422 §2). */
bool moat_suite_auth_fits_key(moat_auth_kind auth, moat_key_type type);

/*
 * Whether a server with config's certificates can complete a handshake
 * under config's policy with some client: at TLS 1.3 (a suite, a group and a
 * signature scheme for one certificate's key) or at TLS 1.2 (a suite whose
 * authentication fits one certificate, with what its key exchange needs,
 * and a signature scheme for that key). Fails with MOAT_ERR_CONFIG and one
 * sentence in why otherwise; MOAT_ERR_INVALID_STATE without certificates.
 */
MOAT_MUST_USE int moat_config_check_server_policy(const struct moat_config *config, char *why, size_t why_size);

#endif
