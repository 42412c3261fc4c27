/*
 * The rest of a config's trust settings (moat(3)): how long a peer's chain
 * may be, and CRLs. The store itself is tls/crypto/cert.h's.
 *
 * And the trust digest: a SHA-256 chained over every change made to the
 * trust settings, in order (what changed and its bytes: a PEM, a path, a
 * depth). A ticket issued after a client certificate was verified records
 * it, and a server resumes such a ticket only under the same digest: a
 * session whose client certificate was verified against other anchors (an
 * operator removed a CA, added a CRL) is not resumed on their word. A CA
 * directory counts by its path: its contents are read lazily by libcrypto,
 * so a file changed in it is not seen until the config is made again.
 */
#include <string.h>

#include "tls/conn.h"
#include "tls/crypto/hash.h"

void moat_config_trust_changed(struct moat_config *config, const char *what, const void *data, size_t len)
{
	struct moat_hash h = { 0 };
	uint8_t n[8];
	for (int i = 0; i < 8; i++)
		n[i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	bool ok = config->trust_digest_ok && moat_hash_init(&h, MOAT_HASH_SHA256) == MOAT_SUCCESS &&
		  moat_hash_update(&h, config->trust_digest, sizeof(config->trust_digest)) == MOAT_SUCCESS &&
		  moat_hash_update(&h, what, strlen(what) + 1) == MOAT_SUCCESS &&
		  moat_hash_update(&h, n, sizeof(n)) == MOAT_SUCCESS &&
		  (len == 0 || moat_hash_update(&h, data, len) == MOAT_SUCCESS) &&
		  moat_hash_current(&h, config->trust_digest) == MOAT_SUCCESS;
	moat_hash_free(&h);
	if (!ok) {
		moat_error_clear();
		config->trust_digest_ok = false;
	}
}

int moat_config_set_max_cert_chain_depth(struct moat_config *config, uint16_t max_depth)
{
	ENSURE_REF(config);
	ENSURE(max_depth > 0, MOAT_ERR_INVALID_ARG);
	config->trust.max_depth = max_depth;
	uint8_t d[2] = { (uint8_t)(max_depth >> 8), (uint8_t)max_depth };
	moat_config_trust_changed(config, "depth", d, sizeof(d));
	return MOAT_SUCCESS;
}

int moat_config_add_crl_pem(struct moat_config *config, const char *pem)
{
	ENSURE_REF(config);
	ENSURE_REF(pem);
	TRY(moat_trust_store_add_crl_pem(&config->trust, pem, strlen(pem)));
	moat_config_trust_changed(config, "crl", pem, strlen(pem));
	return MOAT_SUCCESS;
}
