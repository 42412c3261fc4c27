/*
 * Security policies written in a configuration file (moat-frontd.conf(5)):
 *
 *   policy "mine" {
 *           base "default_tls13"            # optional: start from this policy
 *           min-version tls1.2
 *           max-version tls1.3
 *           ciphers TLS_AES_128_GCM_SHA256 ECDHE-ECDSA-AES128-GCM-SHA256
 *           groups x25519 secp256r1
 *           signature-schemes ecdsa_secp256r1_sha256 rsa_pss_rsae_sha256
 *   }
 *
 * Each list is in preference order and replaces the base's list whole.
 * Every name is checked against what the library implements (cipher suites
 * by IANA or OpenSSL name, groups and signature schemes by their IANA
 * registry names) and every mistake is a file:line error. The result is a
 * struct moat_security_policy like a built-in one, whose lists point into
 * the custom policy's own arrays: it lives as long as the custom policy.
 */
#ifndef MOAT_POLICY_POLICY_BLOCK_H
#define MOAT_POLICY_POLICY_BLOCK_H

#include <stdio.h>

#include "policy/conf.h"
#include "policy/security_policy.h"

#define MOAT_POLICY_NAME_MAX 63
#define MOAT_POLICY_MAX_SUITES 64
#define MOAT_POLICY_MAX_GROUPS 16
#define MOAT_POLICY_MAX_SCHEMES 32

struct moat_custom_policy {
	struct moat_security_policy policy; /* what the handshake reads */
	char name[MOAT_POLICY_NAME_MAX + 1];
	char base[MOAT_POLICY_NAME_MAX + 1]; /* "" without base */
	const struct moat_cipher_suite *suites[MOAT_POLICY_MAX_SUITES];
	uint16_t groups[MOAT_POLICY_MAX_GROUPS];
	uint16_t sig_schemes[MOAT_POLICY_MAX_SCHEMES];
};

/*
 * Read the block of n (a `policy "name" { ... }` directive) into out. A base
 * is a built-in name or one of the earlier[0..n_earlier) policies of the
 * same file. The name must be new: neither built in nor earlier.
 */
MOAT_MUST_USE int moat_policy_block_load(struct moat_conf *conf, const struct moat_conf_node *n,
					 const struct moat_custom_policy *earlier, size_t n_earlier,
					 struct moat_custom_policy *out);

/*
 * Write p as a policy block that moat_policy_block_load reads back into the
 * same policy (moat-frontd --print-policy). Fails only on an I/O error.
 */
MOAT_MUST_USE int moat_policy_print(FILE *out, const struct moat_security_policy *p);

/* "tls1.0".."tls1.3" for a version code, NULL for others. */
const char *moat_policy_version_name(uint16_t version);

#endif
