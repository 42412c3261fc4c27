/*
 * policy "name" { ... } blocks (see policy_block.h).
 *
 * The block is read in two passes: the base first, whose lists are copied
 * into the custom policy's arrays, then each directive, which replaces a
 * list or a version whole; the consistency checks run last, on the result,
 * so they judge the policy that will be used and not one directive alone.
 * Each check names the directive that can fix it.
 */
#include "policy/policy_block.h"

#include <string.h>
#include <strings.h>

#include "tls/crypto/iana.h"
#include "tls/crypto/kex.h"
#include "tls/moat.h"

static const char *const block_directives[] = {
	"base", "min-version", "max-version", "ciphers", "groups", "signature-schemes",
};

/*
 * Every group the crypto layer may implement, for name lookups
 * (moat_kex_group_supported filters). Names match without regard to case:
 * the registry spells the hybrids "X25519MLKEM768", "SecP256r1MLKEM768"
 * and the curves in lower case, and a policy file may write either.
 */
static const uint16_t known_groups[] = {
	0x0017, 0x0018, 0x0019, 0x001d, 0x001e, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104, 0x11eb, 0x11ec,
};

static const struct {
	const char *name;
	uint16_t version;
} versions[] = {
	{ "tls1.0", MOAT_TLS10 },
	{ "tls1.1", MOAT_TLS11 },
	{ "tls1.2", MOAT_TLS12 },
	{ "tls1.3", MOAT_TLS13 },
};

const char *moat_policy_version_name(uint16_t version)
{
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (versions[i].version == version)
			return versions[i].name;
	return NULL;
}

static bool group_by_name(const char *name, uint16_t *out)
{
	for (size_t i = 0; i < sizeof(known_groups) / sizeof(known_groups[0]); i++) {
		const char *g = moat_kex_group_name(known_groups[i]);
		if (g != NULL && moat_kex_group_supported(known_groups[i]) && strcasecmp(g, name) == 0) {
			*out = known_groups[i];
			return true;
		}
	}
	return false;
}

static bool scheme_by_name(const char *name, uint16_t *out)
{
	const struct moat_sig_scheme_info *s;
	for (size_t i = 0; (s = moat_sig_scheme_at(i)) != NULL; i++) {
		if (strcmp(s->name, name) == 0) {
			*out = s->scheme;
			return true;
		}
	}
	return false;
}

/* Point the policy's lists at the arrays, with their counts. */
static void link_lists(struct moat_custom_policy *out, size_t n_suites, size_t n_groups, size_t n_schemes)
{
	out->policy.cipher_suites = out->suites;
	out->policy.cipher_suites_count = n_suites;
	out->policy.groups = out->groups;
	out->policy.groups_count = n_groups;
	out->policy.sig_schemes = out->sig_schemes;
	out->policy.sig_schemes_count = n_schemes;
}

static const struct moat_security_policy *find_base(const char *name, const struct moat_custom_policy *earlier,
						    size_t n_earlier)
{
	for (size_t i = 0; i < n_earlier; i++)
		if (strcmp(earlier[i].name, name) == 0)
			return &earlier[i].policy;
	return moat_security_policy_find(name);
}

static int load_base(struct moat_conf *conf, const struct moat_conf_node *n, const struct moat_custom_policy *earlier,
		     size_t n_earlier, struct moat_custom_policy *out)
{
	const char *name;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_arg_text(conf, n, 0, &name));
	const struct moat_security_policy *b = find_base(name, earlier, n_earlier);
	if (b == NULL)
		return moat_conf_fail(conf, n, "unknown base policy \"%s\" (a built-in name, or a policy defined earlier)",
				      name);
	/* The built-in lists fit: a test checks every built-in policy against these limits. */
	ENSURE(b->cipher_suites_count <= MOAT_POLICY_MAX_SUITES && b->groups_count <= MOAT_POLICY_MAX_GROUPS &&
		       b->sig_schemes_count <= MOAT_POLICY_MAX_SCHEMES,
	       MOAT_ERR_INTERNAL);
	memcpy(out->suites, b->cipher_suites, b->cipher_suites_count * sizeof(out->suites[0]));
	memcpy(out->groups, b->groups, b->groups_count * sizeof(out->groups[0]));
	memcpy(out->sig_schemes, b->sig_schemes, b->sig_schemes_count * sizeof(out->sig_schemes[0]));
	out->policy.min_version = b->min_version;
	out->policy.max_version = b->max_version;
	link_lists(out, b->cipher_suites_count, b->groups_count, b->sig_schemes_count);
	snprintf(out->base, sizeof(out->base), "%s", name);
	return MOAT_SUCCESS;
}

static int load_version(struct moat_conf *conf, const struct moat_conf_node *n, uint16_t *out)
{
	const char *text;
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_arg_text(conf, n, 0, &text));
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		if (strcmp(versions[i].name, text) == 0) {
			*out = versions[i].version;
			return MOAT_SUCCESS;
		}
	}
	if (strcmp(text, "ssl3") == 0 || strcmp(text, "sslv3") == 0)
		return moat_conf_fail(conf, n, "SSLv3 is not implemented (RFC 7568 forbids it)");
	return moat_conf_fail(conf, n, "\"%s\": unknown version (tls1.0, tls1.1, tls1.2 or tls1.3)", text);
}

/* A repeated entry is a mistake (the second one would never be used): say which. */
static int check_repeat(struct moat_conf *conf, const struct moat_conf_node *n, size_t i, const char *what)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(n->args[j].text, n->args[i].text) == 0)
			return moat_conf_fail(conf, n, "%s \"%s\" is listed twice", what, n->args[i].text);
	return MOAT_SUCCESS;
}

static int load_suites(struct moat_conf *conf, const struct moat_conf_node *n, struct moat_custom_policy *out)
{
	TRY(moat_conf_expect_args(conf, n, 1, MOAT_POLICY_MAX_SUITES));
	for (size_t i = 0; i < n->argc; i++) {
		const char *name = n->args[i].text;
		const struct moat_cipher_suite *s = moat_cipher_suite_find_name(name);
		if (s == NULL) {
			if (strstr(name, "RC4") != NULL)
				return moat_conf_fail(conf, n, "\"%s\": RC4 is not implemented (RFC 7465 forbids it)", name);
			return moat_conf_fail(conf, n, "unknown cipher suite \"%s\" (IANA or OpenSSL names, see moat(3))",
					      name);
		}
		for (size_t j = 0; j < i; j++)
			if (out->suites[j] == s)
				return moat_conf_fail(conf, n, "cipher suite \"%s\" is listed twice", name);
		out->suites[i] = s;
	}
	out->policy.cipher_suites_count = n->argc;
	return MOAT_SUCCESS;
}

static int load_groups(struct moat_conf *conf, const struct moat_conf_node *n, struct moat_custom_policy *out)
{
	TRY(moat_conf_expect_args(conf, n, 1, MOAT_POLICY_MAX_GROUPS));
	for (size_t i = 0; i < n->argc; i++) {
		if (!group_by_name(n->args[i].text, &out->groups[i]))
			return moat_conf_fail(conf, n,
					      "unknown group \"%s\" (x25519mlkem768, secp256r1mlkem768, x25519, x448, "
					      "secp256r1, secp384r1, secp521r1, ffdhe2048 ... ffdhe8192)",
					      n->args[i].text);
		TRY(check_repeat(conf, n, i, "group"));
	}
	out->policy.groups_count = n->argc;
	return MOAT_SUCCESS;
}

static int load_schemes(struct moat_conf *conf, const struct moat_conf_node *n, struct moat_custom_policy *out)
{
	TRY(moat_conf_expect_args(conf, n, 1, MOAT_POLICY_MAX_SCHEMES));
	for (size_t i = 0; i < n->argc; i++) {
		if (!scheme_by_name(n->args[i].text, &out->sig_schemes[i]))
			return moat_conf_fail(conf, n, "unknown signature scheme \"%s\" (RFC 8446 names, e.g. "
						       "ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256)",
					      n->args[i].text);
		TRY(check_repeat(conf, n, i, "signature scheme"));
	}
	out->policy.sig_schemes_count = n->argc;
	return MOAT_SUCCESS;
}

static bool has_suite_for(const struct moat_security_policy *p, uint16_t version)
{
	for (size_t i = 0; i < p->cipher_suites_count; i++)
		if (moat_cipher_suite_supports_version(p->cipher_suites[i], version))
			return true;
	return false;
}

static bool has_group(const struct moat_security_policy *p, bool (*kind)(uint16_t))
{
	for (size_t i = 0; i < p->groups_count; i++)
		if (kind == NULL || kind(p->groups[i]))
			return true;
	return false;
}

/* The policy as a whole: every version it allows can be negotiated, every suite is usable at one of them. */
static int check_policy(struct moat_conf *conf, const struct moat_conf_node *n, const struct moat_custom_policy *cp)
{
	const struct moat_security_policy *p = &cp->policy;
	const struct moat_conf_node *at;
	if (p->min_version == 0 || p->max_version == 0)
		return moat_conf_fail(conf, n, "policy \"%s\" needs min-version and max-version (or a base)", cp->name);
	if (p->cipher_suites_count == 0 || p->sig_schemes_count == 0)
		return moat_conf_fail(conf, n, "policy \"%s\" needs ciphers and signature-schemes (or a base)", cp->name);
	if (p->min_version > p->max_version) {
		at = moat_conf_find(n, "min-version");
		return moat_conf_fail(conf, at != NULL ? at : n, "min-version %s is above max-version %s",
				      moat_policy_version_name(p->min_version), moat_policy_version_name(p->max_version));
	}
	at = moat_conf_find(n, "ciphers");
	for (size_t i = 0; i < p->cipher_suites_count; i++) {
		const struct moat_cipher_suite *s = p->cipher_suites[i];
		if (s->max_version < p->min_version || s->min_version > p->max_version)
			return moat_conf_fail(conf, at != NULL ? at : n,
					      "cipher suite %s is defined for %s..%s only, outside %s..%s", s->name,
					      moat_policy_version_name(s->min_version),
					      moat_policy_version_name(s->max_version),
					      moat_policy_version_name(p->min_version),
					      moat_policy_version_name(p->max_version));
	}
	for (uint16_t v = p->min_version; v <= p->max_version; v++)
		if (!has_suite_for(p, v))
			return moat_conf_fail(conf, at != NULL ? at : n,
					      "no cipher suite for %s, which the policy allows (change ciphers or the "
					      "versions)",
					      moat_policy_version_name(v));
	at = moat_conf_find(n, "groups");
	if (p->max_version >= MOAT_TLS13 && !has_group(p, NULL))
		return moat_conf_fail(conf, at != NULL ? at : n, "TLS 1.3 needs at least one group");
	for (size_t i = 0; i < p->cipher_suites_count; i++)
		if (p->cipher_suites[i]->kx == MOAT_KX_ECDHE && !has_group(p, moat_kex_group_is_ec))
			return moat_conf_fail(conf, at != NULL ? at : n,
					      "cipher suite %s needs an elliptic curve group (x25519, secp256r1, ...)",
					      p->cipher_suites[i]->name);
	return MOAT_SUCCESS;
}

int moat_policy_block_load(struct moat_conf *conf, const struct moat_conf_node *n,
			   const struct moat_custom_policy *earlier, size_t n_earlier, struct moat_custom_policy *out)
{
	ENSURE_REF(conf);
	ENSURE_REF(n);
	ENSURE_REF(out);
	const char *name;
	memset(out, 0, sizeof(*out));
	link_lists(out, 0, 0, 0);
	TRY(moat_conf_expect_args(conf, n, 1, 1));
	TRY(moat_conf_expect_block(conf, n));
	TRY(moat_conf_arg_text(conf, n, 0, &name));
	if (name[0] == '\0' || strlen(name) > MOAT_POLICY_NAME_MAX)
		return moat_conf_fail(conf, n, "a policy name has 1 to %d bytes", MOAT_POLICY_NAME_MAX);
	if (moat_security_policy_find(name) != NULL)
		return moat_conf_fail(conf, n, "\"%s\" is a built-in policy: give yours another name (base \"%s\" starts "
					       "from it)",
				      name, name);
	for (size_t i = 0; i < n_earlier; i++)
		if (strcmp(earlier[i].name, name) == 0)
			return moat_conf_fail(conf, n, "policy \"%s\" is defined twice", name);
	memcpy(out->name, name, strlen(name) + 1);
	out->policy.name = out->name;

	TRY(moat_conf_check_names(conf, n, block_directives, sizeof(block_directives) / sizeof(block_directives[0])));
	const struct moat_conf_node *d[sizeof(block_directives) / sizeof(block_directives[0])];
	for (size_t i = 0; i < sizeof(block_directives) / sizeof(block_directives[0]); i++) {
		TRY(moat_conf_find_unique(conf, n, block_directives[i], &d[i]));
		if (d[i] != NULL)
			TRY(moat_conf_expect_no_block(conf, d[i]));
	}
	if (d[0] != NULL)
		TRY(load_base(conf, d[0], earlier, n_earlier, out));
	if (d[1] != NULL)
		TRY(load_version(conf, d[1], &out->policy.min_version));
	if (d[2] != NULL)
		TRY(load_version(conf, d[2], &out->policy.max_version));
	if (d[3] != NULL)
		TRY(load_suites(conf, d[3], out));
	if (d[4] != NULL)
		TRY(load_groups(conf, d[4], out));
	if (d[5] != NULL)
		TRY(load_schemes(conf, d[5], out));
	return check_policy(conf, n, out);
}

int moat_policy_print(FILE *out, const struct moat_security_policy *p)
{
	ENSURE_REF(out);
	ENSURE_REF(p);
	fprintf(out, "policy \"%s\" {\n", p->name);
	fprintf(out, "\tmin-version %s\n", moat_policy_version_name(p->min_version));
	fprintf(out, "\tmax-version %s\n", moat_policy_version_name(p->max_version));
	fprintf(out, "\tciphers");
	for (size_t i = 0; i < p->cipher_suites_count; i++)
		fprintf(out, " %s", p->cipher_suites[i]->name);
	fprintf(out, "\n\tgroups");
	for (size_t i = 0; i < p->groups_count; i++)
		fprintf(out, " %s", moat_kex_group_name(p->groups[i]));
	fprintf(out, "\n\tsignature-schemes");
	for (size_t i = 0; i < p->sig_schemes_count; i++)
		fprintf(out, " %s", moat_sig_scheme_name(p->sig_schemes[i]));
	fprintf(out, "\n}\n");
	ENSURE(!ferror(out), MOAT_ERR_IO);
	return MOAT_SUCCESS;
}
