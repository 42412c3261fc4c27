/*
 * The rest of a config's trust settings (moat(3)): how long a peer's chain
 * may be, and CRLs. The store itself is tls/crypto/cert.h's.
 */
#include <string.h>

#include "tls/conn.h"

int moat_config_set_max_cert_chain_depth(struct moat_config *config, uint16_t max_depth)
{
	ENSURE_REF(config);
	ENSURE(max_depth > 0, MOAT_ERR_INVALID_ARG);
	config->trust.max_depth = max_depth;
	return MOAT_SUCCESS;
}

int moat_config_add_crl_pem(struct moat_config *config, const char *pem)
{
	ENSURE_REF(config);
	ENSURE_REF(pem);
	return moat_trust_store_add_crl_pem(&config->trust, pem, strlen(pem));
}
