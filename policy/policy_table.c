/*
 * Writes the built-in security policies as the mdoc list that
 * moat-frontd.conf(5) carries between its "BEGIN GENERATED" and "END
 * GENERATED" lines. `make update-policy-table` puts this program's output
 * there; tests/deploy/policy_table_test fails when the page and the code
 * differ, so the table cannot drift from the policies frontd really has.
 */
#include <stdbool.h>
#include <stdio.h>

#include "policy/policy_block.h"
#include "policy/security_policy.h"
#include "tls/crypto/kex.h"

/* "a, b and c" from the set flags, in the order given. */
static void print_set(const char *const *names, const bool *have, size_t n)
{
	size_t total = 0, done = 0;
	for (size_t i = 0; i < n; i++)
		total += have[i];
	for (size_t i = 0; i < n; i++) {
		if (!have[i])
			continue;
		printf("%s%s", done == 0 ? "" : done + 1 == total ? " and " : ", ", names[i]);
		done++;
	}
}

static const char *version_text(uint16_t v)
{
	/* "tls1.2" -> "1.2" */
	return moat_policy_version_name(v) + 3;
}

static void print_policy(const struct moat_security_policy *p)
{
	static const char *const ciphers[] = { "AES-GCM", "AES-CBC", "ChaCha20-Poly1305", "3DES" };
	static const char *const kx[] = { "ECDHE", "DHE", "RSA" };
	static const char *const auth[] = { "RSA", "ECDSA" };
	bool c[4] = { false }, k[3] = { false }, a[2] = { false }, tls13 = false;
	for (size_t i = 0; i < p->cipher_suites_count; i++) {
		const struct moat_cipher_suite *s = p->cipher_suites[i];
		c[0] |= s->cipher == MOAT_CIPHER_AES_128_GCM || s->cipher == MOAT_CIPHER_AES_256_GCM;
		c[1] |= s->cipher == MOAT_CIPHER_AES_128_CBC || s->cipher == MOAT_CIPHER_AES_256_CBC;
		c[2] |= s->cipher == MOAT_CIPHER_CHACHA20_POLY1305;
		c[3] |= s->cipher == MOAT_CIPHER_3DES_EDE_CBC;
		k[0] |= s->kx == MOAT_KX_ECDHE;
		k[1] |= s->kx == MOAT_KX_DHE;
		k[2] |= s->kx == MOAT_KX_RSA;
		a[0] |= s->auth == MOAT_AUTH_RSA;
		a[1] |= s->auth == MOAT_AUTH_ECDSA;
		tls13 |= s->kx == MOAT_KX_TLS13;
	}
	printf(".It Li %s\nTLS %s\\(en%s;\nciphers ", p->name, version_text(p->min_version), version_text(p->max_version));
	print_set(ciphers, c, 4);
	printf(";\n");
	if (k[0] || k[1] || k[2]) {
		printf("key exchange ");
		print_set(kx, k, 3);
		printf("%s;\ncertificates ", tls13 ? " (TLS 1.3: its own)" : "");
		print_set(auth, a, 2);
		printf("%s;\n", tls13 ? " (TLS 1.3: any)" : "");
	}
	/* Five to a line: the page's source stays under 80 columns. */
	printf("groups");
	for (size_t i = 0; i < p->groups_count; i++)
		printf("%s%s", i == 0 ? " " : i % 5 == 0 ? ",\n" : ", ", moat_kex_group_name(p->groups[i]));
	printf(".\n");
}

int main(void)
{
	const struct moat_security_policy *p;
	printf(".Bl -tag -width Ds\n");
	for (size_t i = 0; (p = moat_security_policy_at(i)) != NULL; i++)
		print_policy(p);
	printf(".El\n");
	return ferror(stdout) ? 1 : 0;
}
